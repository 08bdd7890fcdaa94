//! Race files on arbitrary UTF-8 text: `RaceFile::parse` never panics; an
//! accepted race has one coefficient per party everywhere, and analysing it
//! never panics: one eigenvalue per party, and `stable` exactly when every
//! real part is negative.
#![no_main]

use detente_analysis::race::RaceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(race) = RaceFile::parse(text) else { return };
    let n = race.model.parties.len();
    assert!(n >= 2 && race.start.len() == n && race.model.fatigue.len() == n && race.model.grievance.len() == n);
    assert!(race.model.reaction.len() == n && race.model.reaction.iter().all(|row| row.len() == n));
    if n <= 6 {
        let outcome = race.model.analyse();
        assert_eq!(outcome.eigenvalues.len(), n);
        let all_negative = outcome.eigenvalues.iter().all(|e| e.re < 0.0);
        assert_eq!(outcome.stable, all_negative);
    }
});
