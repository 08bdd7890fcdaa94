//! C2SP tlog-tiles: the paths of hash tiles and entry bundles, and which
//! stored hashes or entries each holds in a tree of a given size. Pure: the
//! node's routes read the store with what these functions name (the store
//! keeps its entries as bundles already, `detente_store::pages`).
//!
//! Tiles have height 8: a hash tile at level `L` holds up to 256 hashes of
//! the tree's level `8L`, and an entry bundle up to 256 entries. A tile
//! index is written in groups of three digits, every group but the last
//! prefixed with `x` (`1234067` is `x001/x234/067`); a partial tile of
//! width `W` ends in `.p/W`.

use crate::tree::stored_hash_index;

/// Entries, or hashes of one level, per full tile.
pub const TILE_WIDTH: u64 = 256;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// `None` for an entry bundle, else the hash tile's level.
    pub level: Option<u8>,
    pub index: u64,
    /// 1 to 255 for a partial tile, 256 for a full one.
    pub width: u64,
}

impl TilePath {
    /// Reads a path after `tile/`: `L/N[.p/W]` or `entries/N[.p/W]`.
    pub fn parse(path: &str) -> Result<TilePath, String> {
        let (kind, rest) = path.split_once('/').ok_or("expected LEVEL/INDEX or entries/INDEX")?;
        let level = match kind {
            "entries" => None,
            level if level.len() <= 2 && level.bytes().all(|b| b.is_ascii_digit()) && !level.is_empty() => {
                let level: u8 = level.parse().map_err(|_| "the level is out of range")?;
                if level > 7 {
                    return Err("a tree of height 8 tiles has levels 0 to 7 below 2^64 leaves".into());
                }
                Some(level)
            }
            other => return Err(format!("{other:?} is neither a level nor `entries`")),
        };
        let (digits, width) = match rest.split_once(".p/") {
            Some((digits, width)) => {
                let valid = !width.is_empty() && width.len() <= 3 && width.bytes().all(|b| b.is_ascii_digit());
                let width: u64 = valid.then(|| width.parse().ok()).flatten().ok_or("the width is not a number")?;
                if !(1..TILE_WIDTH).contains(&width) || width.to_string().len() != rest.len() - digits.len() - 3 {
                    return Err("a partial tile's width is 1 to 255, written without leading zeros".into());
                }
                (digits, width)
            }
            None => (rest, TILE_WIDTH),
        };
        let groups: Vec<&str> = digits.split('/').collect();
        let mut index: u64 = 0;
        for (i, group) in groups.iter().enumerate() {
            let last = i + 1 == groups.len();
            let number = if last { Some(*group) } else { group.strip_prefix('x') };
            let number = number.filter(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
                format!("{group:?}: every group of the index is three digits, all but the last after x")
            })?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(number.parse::<u64>().expect("three digits")))
                .ok_or("the index is out of range")?;
        }
        let canonical = TilePath { level, index, width };
        if canonical.to_path() != format!("tile/{path}") {
            return Err("not the canonical path of that tile".into());
        }
        Ok(canonical)
    }

    /// The path, from `tile/`.
    pub fn to_path(&self) -> String {
        let digits = self.index.to_string();
        let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
        let groups: Vec<&str> = padded.as_bytes().chunks(3).map(|c| std::str::from_utf8(c).expect("digits")).collect();
        let (last, first) = groups.split_last().expect("at least one group");
        let mut path = String::from("tile/");
        path.push_str(&self.level.map_or("entries".to_owned(), |l| l.to_string()));
        for group in first {
            path.push_str(&format!("/x{group}"));
        }
        path.push_str(&format!("/{last}"));
        if self.width < TILE_WIDTH {
            path.push_str(&format!(".p/{}", self.width));
        }
        path
    }

    /// Whether a tree of `size` entries has this tile: a full tile once
    /// all 256 of its hashes (or entries) exist, a partial one of any
    /// width up to those that exist.
    pub fn exists_in(&self, size: u64) -> bool {
        let level = u32::from(self.level.unwrap_or(0)) * 8;
        let available = size >> level;
        self.index
            .checked_mul(TILE_WIDTH)
            .and_then(|start| start.checked_add(self.width))
            .is_some_and(|end| end <= available)
    }

    /// The entries an entry bundle holds, `[start, end)`.
    pub fn entries(&self) -> std::ops::Range<u64> {
        let start = self.index * TILE_WIDTH;
        start..start + self.width
    }

    /// The stored-hash indexes of a hash tile's hashes, in order.
    pub fn stored_hashes(&self) -> Vec<u64> {
        let level = u32::from(self.level.unwrap_or(0)) * 8;
        self.entries().map(|i| stored_hash_index(level, i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_and_write_as_the_spec_writes_them() {
        let cases = [
            ("tile/0/000", TilePath { level: Some(0), index: 0, width: 256 }),
            ("tile/1/x001/x234/067", TilePath { level: Some(1), index: 1_234_067, width: 256 }),
            ("tile/entries/x001/234.p/17", TilePath { level: None, index: 1234, width: 17 }),
        ];
        for (path, tile) in cases {
            assert_eq!(TilePath::parse(&path["tile/".len()..]), Ok(tile), "{path}");
            assert_eq!(tile.to_path(), path);
        }
        for bad in [
            "0/1",
            "0/0001",
            "0/x000/001/",
            "8/000",
            "0/001.p/256",
            "0/001.p/0",
            "0/001.p/017",
            "data/000",
            "0/x1000/000",
            "0/000/x001",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad} read");
        }
    }

    #[test]
    fn a_tile_exists_once_the_tree_has_its_hashes() {
        let full = TilePath { level: Some(0), index: 1, width: 256 };
        assert!(!full.exists_in(511) && full.exists_in(512));
        let partial = TilePath { level: Some(1), index: 0, width: 2 };
        assert!(!partial.exists_in(511) && partial.exists_in(512));
        assert_eq!(partial.stored_hashes(), vec![stored_hash_index(8, 0), stored_hash_index(8, 1)]);
        assert!(!TilePath { level: None, index: u64::MAX, width: 256 }.exists_in(u64::MAX));
    }
}
