//! `detente_treaty::Treaty::from_toml` on arbitrary UTF-8 text: it must return
//! `Ok` or `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = detente_treaty::Treaty::from_toml(text);
});
