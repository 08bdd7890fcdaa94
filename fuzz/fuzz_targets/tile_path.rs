//! C2SP tlog-tiles paths on arbitrary text: `TilePath::parse` never
//! panics; an accepted path is canonical (written back, it is the input),
//! and whether the tile exists in a tree of any size never panics, nor do
//! the entries or stored hashes of a tile that exists.
#![no_main]

use detente_log::tiles::TilePath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((size, text)) = data.split_first_chunk::<8>() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let Ok(tile) = TilePath::parse(text) else { return };
    assert_eq!(tile.to_path(), format!("tile/{text}"), "not canonical");
    assert!((1..=256).contains(&tile.width));
    let size = u64::from_le_bytes(*size) >> 1;
    if tile.exists_in(size) {
        let entries = tile.entries();
        assert_eq!(entries.end - entries.start, tile.width);
        if tile.level.is_some() {
            assert_eq!(tile.stored_hashes().len() as u64, tile.width);
        }
    }
});
