//! `Date` via `str::parse`: no panic, and every accepted text is canonical:
//! `parse(to_string(d)) == d`, `to_string(d)` is the input itself, and the
//! day number and the (year, month, day) triple agree.
#![no_main]

use detente_core::Date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(date) = text.parse::<Date>() else { return };
    let shown = date.to_string();
    assert_eq!(shown.parse::<Date>(), Ok(date), "{text:?} parsed, but its display {shown:?} does not parse back to it");
    assert_eq!(shown, text, "{text:?} is accepted but displayed as {shown:?}");
    let (year, month, day) = date.ymd();
    assert_eq!(
        Date::from_ymd(year, month, day),
        Some(date),
        "{text:?}: ymd() gives {year}-{month}-{day}, which does not build the same date"
    );
    assert_eq!(date.add_days(1).days_until(date), -1);
});
