//! Round trip through CSV: whatever `read_csv` accepts, `write_csv` then
//! `read_csv` must give back an equal declaration (same header, same items in
//! the same order). Panics on a mismatch or if the written text is refused.
#![no_main]

use detente_core::codec::{read_csv, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let vocabulary = detente_fuzz::vocabulary();
    let Ok(declaration) = read_csv(data, vocabulary) else { return };
    let mut encoded = Vec::new();
    write_csv(&declaration, &mut encoded).expect("writing to a Vec cannot fail");
    let again = match read_csv(encoded.as_slice(), vocabulary) {
        Ok(again) => again,
        Err(e) => panic!("read_csv refuses what write_csv wrote: {e}\n{}", String::from_utf8_lossy(&encoded)),
    };
    detente_fuzz::assert_same_declaration(&declaration, &again, &encoded);
});
