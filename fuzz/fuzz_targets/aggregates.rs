//! `detente_core::history::read_aggregates` on arbitrary bytes: no panic; what
//! it accepts keeps its promises (rows in date order, no (date, party) pair
//! twice); and `write_aggregates` then `read_aggregates` gives the same rows.
#![no_main]

use detente_core::history::{read_aggregates, write_aggregates};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = read_aggregates(data) else { return };
    for pair in rows.windows(2) {
        assert!(pair[0].as_of <= pair[1].as_of, "rows out of date order: {} then {}", pair[0].as_of, pair[1].as_of);
    }
    for (i, row) in rows.iter().enumerate() {
        assert!(
            !rows[..i].iter().any(|r| r.as_of == row.as_of && r.party == row.party),
            "two rows for {} as of {}",
            row.party,
            row.as_of
        );
    }
    let mut encoded = Vec::new();
    write_aggregates(&rows, &mut encoded).expect("writing to a Vec cannot fail");
    let again = match read_aggregates(encoded.as_slice()) {
        Ok(again) => again,
        Err(e) => {
            panic!("read_aggregates refuses what write_aggregates wrote: {e}\n{}", String::from_utf8_lossy(&encoded))
        }
    };
    assert_eq!(rows, again, "rows changed in the round trip; re-encoded as:\n{}", String::from_utf8_lossy(&encoded));
});
