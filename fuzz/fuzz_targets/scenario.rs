//! Scenario files on arbitrary UTF-8 text: `Scenario::parse` never panics,
//! and an accepted scenario's figures lie in the ranges the models assume
//! (counts whole and non-negative, shares in [0, 1], yields, CEPs and
//! hardnesses above 0, no system loaded beyond its maximum), so that the
//! analyses run on it: a stability index in [0, 1] for every pair, and an
//! upload that never removes warheads.
#![no_main]

use detente_analysis::scenario::Scenario;
use detente_analysis::stability::{LaunchUnderAttack, stability};
use detente_analysis::upload::{Limits, upload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = Scenario::parse(text) else { return };
    for posture in &scenario.postures {
        assert!(posture.value_w80 > 0.0);
        for s in &posture.systems {
            assert!(s.launchers >= 0.0 && s.launchers.fract() == 0.0, "{}: launchers {}", s.name, s.launchers);
            assert!((0.0..=1.0).contains(&s.reliability) && (0.0..=1.0).contains(&s.alert_rate));
            assert!(s.yield_kt > 0.0 && s.cep_m > 0.0 && s.hardness_psi > 0.0);
            assert!(s.warheads_per_launcher <= s.max_warheads_per_launcher);
        }
        let result = upload(posture, &Limits::default());
        assert!(result.added >= 0.0 && result.after >= result.today, "{result:?}");
    }
    for a in &scenario.postures {
        for b in &scenario.postures {
            let s = stability(&scenario.model, a, b, LaunchUnderAttack::default());
            assert!((0.0..=1.0).contains(&s.index), "index {} for {:?} and {:?}", s.index, a.party, b.party);
        }
    }
});
