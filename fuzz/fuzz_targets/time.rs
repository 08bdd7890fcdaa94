//! `Time` via `str::parse`: no panic, and every accepted text is canonical:
//! its display is the input itself, and its date is the date written.
#![no_main]

use detente_core::Time;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(time) = text.parse::<Time>() else { return };
    let shown = time.to_string();
    assert_eq!(shown, text, "{text:?} is accepted but displayed as {shown:?}");
    assert_eq!(time.date().to_string(), text[..10], "{text:?} falls on another day");
    assert_eq!(Time::start_of(time.date()).seconds_until(time).clamp(0, 86_399), Time::start_of(time.date()).seconds_until(time));
});
