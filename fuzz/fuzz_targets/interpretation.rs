//! `detente_treaty::Interpretation::from_toml` on arbitrary UTF-8 text, checked
//! against the shipped New START definition: `Ok` or `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = detente_treaty::Interpretation::from_toml(text, detente_fuzz::new_start());
});
