//! Parameter paths, distributions and uncertain parameters on arbitrary
//! UTF-8 text: parsing never panics; an accepted parameter prints back to
//! text that parses to itself; an accepted distribution's arguments are in
//! order (low ≤ mode ≤ high, sd ≥ 0).
#![no_main]

use detente_analysis::montecarlo::{Distribution, Uncertain};
use detente_analysis::params::Parameter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parameter) = text.parse::<Parameter>() {
        let again: Parameter = parameter.to_string().parse().expect("a printed parameter parses");
        assert_eq!(again, parameter);
    }
    match text.parse::<Distribution>() {
        Ok(Distribution::Uniform { low, high }) => assert!(low <= high),
        Ok(Distribution::Triangular { low, mode, high }) => assert!(low <= mode && mode <= high && low < high),
        Ok(Distribution::Normal { sd, .. }) => assert!(sd >= 0.0),
        Err(_) => {}
    }
    let _ = text.parse::<Uncertain>();
});
