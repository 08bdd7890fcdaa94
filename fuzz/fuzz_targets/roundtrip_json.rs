//! Round trip through JSON: whatever `read_json` accepts, `write_json` then
//! `read_json` must give back an equal declaration (same header, same items in
//! the same order). Panics on a mismatch or if the written text is refused.
#![no_main]

use detente_core::codec::{read_json, write_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let vocabulary = detente_fuzz::vocabulary();
    let Ok(declaration) = read_json(data, vocabulary) else { return };
    let mut encoded = Vec::new();
    write_json(&declaration, &mut encoded).expect("writing to a Vec cannot fail");
    let again = match read_json(encoded.as_slice(), vocabulary) {
        Ok(again) => again,
        Err(e) => panic!("read_json refuses what write_json wrote: {e}\n{}", String::from_utf8_lossy(&encoded)),
    };
    detente_fuzz::assert_same_declaration(&declaration, &again, &encoded);
});
