//! The counting engine on fuzzed treaties: whatever `Treaty::from_toml`
//! accepts, counting a fixed declaration (`fuzz/fixtures/mixed.csv`: every
//! kind, many statuses, ranges) under it must keep the invariants in
//! `detente_fuzz::check_count`. This reaches what New START does not use:
//! discounted and attributed weights, range bands, tags, prohibitions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(treaty) = detente_treaty::Treaty::from_toml(text) else { return };
    detente_fuzz::check_count(&treaty, detente_fuzz::fixture_declaration(), None);
});
