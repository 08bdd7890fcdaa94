//! `ExerciseClock::parse`: no panic; an accepted line reads back as the
//! same clock from its own text, and the clock never runs before its start.
#![no_main]

use detente_core::exercise::ExerciseClock;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(clock) = ExerciseClock::parse(text) else { return };
    assert_eq!(ExerciseClock::parse(&clock.to_text()), Ok(clock), "{text:?}");
    for real_ms in [0, clock.real_ms, clock.real_ms.saturating_add(1), u64::MAX] {
        let at = clock.at(real_ms);
        assert!(at >= clock.simulated);
        // A clock moved on to any time still writes a line that reads back.
        let moved = ExerciseClock { simulated: at, ..clock };
        assert_eq!(ExerciseClock::parse(&moved.to_text()), Ok(moved), "{text:?} at {real_ms}");
    }
});
