//! `ExerciseClock::parse`: no panic; an accepted line reads back as the
//! same clock from its own text, and the clock never runs before its start.
#![no_main]

use detente_core::exercise::ExerciseClock;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(clock) = ExerciseClock::parse(text) else { return };
    assert_eq!(ExerciseClock::parse(&clock.to_text()), Ok(clock), "{text:?}");
    for real_ms in [0, clock.real.saturating_mul(1000), u64::MAX] {
        assert!(clock.at(real_ms) >= clock.simulated);
    }
});
