//! The counting engine on fuzzed declarations: decode a CSV declaration, count
//! it under New START as declared, with Russia's reading
//! (`data/interpretations/new-start-ru.toml`) and with a fuzz-only reading that
//! names items by uid, and check the invariants in `detente_fuzz::check_count`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(declaration) = detente_core::codec::read_csv(data, detente_fuzz::vocabulary()) else { return };
    let treaty = detente_fuzz::new_start();
    detente_fuzz::check_count(treaty, &declaration, Some(detente_fuzz::new_start_ru()));
    detente_fuzz::check_count(treaty, &declaration, None);
    detente_fuzz::check_count(treaty, &declaration, Some(detente_fuzz::named_uids_reading()));
});
