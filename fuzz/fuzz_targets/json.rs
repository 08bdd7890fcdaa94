//! `detente_core::codec::read_json` on arbitrary bytes: it must return `Ok` or
//! `Err`, never panic, hang or run out of memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detente_core::codec::read_json(data, detente_fuzz::vocabulary());
});
