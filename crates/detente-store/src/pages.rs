//! How entries and stored hashes sit in rows: 256 entries, or 64 hashes, to a row.
//!
//! Entries are kept in C2SP tlog-tiles *entry bundles*: bundle `n` holds
//! entries `[256n, 256n + 256)`, each as a big-endian u16 length and its
//! bytes. Stored hashes (in Go tlog's order) are kept in *pages*: page `n`
//! holds stored hashes `[64n, 64n + 64)`, 32 bytes each. Only the last
//! bundle and the last page are ever partial; an append extends them in
//! place and adds whole rows after them. So an audit reads a million entries
//! in about 35,000 rows instead of three million, and a proof's nearby hashes
//! share pages. Pure functions: the backends do the queries.

use detente_log::Hash;

use crate::StoreError;

/// Entries per bundle: the C2SP tlog-tiles width.
pub const BUNDLE: u64 = detente_log::tiles::TILE_WIDTH;
/// Hashes per page: 2 KiB, so a page fits one SQLite page (4 KiB) without
/// overflow pages; a proof reads about one page per level of the tree.
pub const PAGE: u64 = 64;

/// The row holding item `index` in rows of `width`, and its place in the row.
pub fn locate(index: u64, width: u64) -> (u64, usize) {
    (index / width, (index % width) as usize)
}

/// The rows `[first, last]` of `width` that hold items `[start, end)` (`start < end`).
pub fn rows(start: u64, end: u64, width: u64) -> (u64, u64) {
    (start / width, (end - 1) / width)
}

/// Appends entries to bundle bytes.
pub fn encode_entries<'a>(bundle: &mut Vec<u8>, entries: impl IntoIterator<Item = &'a [u8]>) {
    for entry in entries {
        let length = u16::try_from(entry.len()).expect("a record entry is at most 65,535 bytes");
        bundle.extend(length.to_be_bytes());
        bundle.extend(entry);
    }
}

/// The entries of bundle `bundle`, checking its framing.
pub fn decode_entries(bundle: u64, mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut entries = Vec::with_capacity(BUNDLE as usize);
    while !bytes.is_empty() {
        let index = bundle * BUNDLE + entries.len() as u64;
        let damaged = StoreError::Damaged { what: "entry", index };
        let (length, rest) = bytes.split_first_chunk::<2>().ok_or(damaged)?;
        let length = u16::from_be_bytes(*length) as usize;
        let entry = rest.get(..length).ok_or(StoreError::Damaged { what: "entry", index })?;
        if entries.len() as u64 == BUNDLE {
            return Err(StoreError::Damaged { what: "entry", index });
        }
        entries.push(entry.to_vec());
        bytes = &rest[length..];
    }
    Ok(entries)
}

/// How many items rows of `width` reach, given the last row (its number
/// and bytes) and how to decode it; checked, so a row numbered near 2^64
/// cannot wrap round to look like the end.
pub fn reach<T>(
    last: Option<(i64, Vec<u8>)>,
    width: u64,
    decode: fn(u64, &[u8]) -> Result<Vec<T>, StoreError>,
    what: &'static str,
) -> Result<u64, StoreError> {
    let Some((row, data)) = last else { return Ok(0) };
    let row = u64::try_from(row).map_err(|_| StoreError::Corrupt(what))?;
    let held = decode(row, &data)?.len() as u64;
    row.checked_mul(width).and_then(|n| n.checked_add(held)).ok_or(StoreError::Corrupt(what))
}

/// The hashes of a page, checking its length.
pub fn decode_hashes(page: u64, bytes: &[u8]) -> Result<Vec<Hash>, StoreError> {
    let (hashes, rest) = bytes.as_chunks::<32>();
    if !rest.is_empty() || hashes.len() as u64 > PAGE {
        return Err(StoreError::Damaged { what: "stored hash", index: page * PAGE });
    }
    Ok(hashes.iter().map(|h| Hash(*h)).collect())
}

/// Items `[start, end)` out of rows as read (row number, bytes), in order
/// from `first_row`, each decoded by `decode`.
pub fn items<T>(
    start: u64,
    end: u64,
    width: u64,
    first_row: u64,
    rows: Vec<(i64, Vec<u8>)>,
    decode: fn(u64, &[u8]) -> Result<Vec<T>, StoreError>,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    let rows = rows
        .into_iter()
        .map(|(row, data)| {
            let row = u64::try_from(row).map_err(|_| StoreError::Corrupt("row number"))?;
            Ok((row, decode(row, &data)?))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    slice(start, end, width, first_row, rows, what)
}

/// Items `[start, end)` out of whole rows read in order, rows `first..`,
/// each already decoded. A row that is missing or short is an error naming
/// the first item it lacks.
fn slice<T>(
    start: u64,
    end: u64,
    width: u64,
    first_row: u64,
    rows: Vec<(u64, Vec<T>)>,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    let mut items = Vec::with_capacity((end - start) as usize);
    let mut next = start;
    for (row, values) in rows.into_iter().filter(|(row, _)| *row >= first_row) {
        // A row that starts after the next item wanted means a missing row,
        // or a short one before it: either way `next` is what is lacking.
        if row * width > next {
            break;
        }
        for (index, value) in (row * width..).zip(values) {
            if index >= next && index < end {
                items.push(value);
                next = index + 1;
            }
        }
    }
    if next < end {
        return Err(StoreError::Missing { what, index: next });
    }
    Ok(items)
}

/// The pages holding stored hashes `indexes`, each once.
pub fn pages_of(indexes: &[u64]) -> Vec<u64> {
    let mut pages: Vec<u64> = indexes.iter().map(|&i| i / PAGE).collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// Stored hashes `indexes`, in that order, out of the pages read. Only the
/// hashes asked for are copied out of a page.
pub fn pick_hashes(indexes: &[u64], pages: Vec<(i64, Vec<u8>)>) -> Result<Vec<Hash>, StoreError> {
    let mut found = std::collections::HashMap::with_capacity(pages.len());
    for (page, data) in pages {
        let page = u64::try_from(page).map_err(|_| StoreError::Corrupt("page number"))?;
        if data.len() % 32 != 0 || data.len() as u64 > PAGE * 32 {
            return Err(StoreError::Damaged { what: "stored hash", index: page * PAGE });
        }
        found.insert(page, data);
    }
    indexes
        .iter()
        .map(|&index| {
            let (page, offset) = locate(index, PAGE);
            let bytes = found.get(&page).and_then(|data| data.get(offset * 32..offset * 32 + 32));
            bytes
                .map(|b| Hash(b.try_into().expect("32 bytes")))
                .ok_or(StoreError::Missing { what: "stored hash", index })
        })
        .collect()
}

/// The rows an append writes: for each row touched, its number and its new
/// bytes. `existing` is the current last (partial) row when the log does not
/// end on a row boundary. Items start at `first`.
pub fn rows_after_append<'a>(
    first: u64,
    width: u64,
    existing: Option<Vec<u8>>,
    items: impl IntoIterator<Item = &'a [u8]>,
    encode: impl Fn(&mut Vec<u8>, &'a [u8]),
) -> Vec<(u64, Vec<u8>)> {
    let (mut row, offset) = locate(first, width);
    let mut written = Vec::new();
    let mut bytes = if offset > 0 { existing.unwrap_or_default() } else { Vec::new() };
    let mut count = offset as u64;
    let mut any = false;
    for item in items {
        if count == width {
            written.push((row, std::mem::take(&mut bytes)));
            row += 1;
            count = 0;
        }
        encode(&mut bytes, item);
        count += 1;
        any = true;
    }
    if any {
        written.push((row, bytes));
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_round_trip_and_refuse_bad_framing() {
        let entries: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; i as usize * 3]).collect();
        let mut bytes = Vec::new();
        encode_entries(&mut bytes, entries.iter().map(Vec::as_slice));
        assert_eq!(decode_entries(2, &bytes).unwrap(), entries);
        let mut broken = bytes.clone();
        broken.truncate(bytes.len() - 1);
        assert!(matches!(decode_entries(2, &broken), Err(StoreError::Damaged { index: 516, .. })));
    }

    #[test]
    fn appends_fill_the_last_row_then_add_rows() {
        let items: Vec<[u8; 1]> = (0..600u32).map(|i| [i as u8]).collect();
        let push = |bytes: &mut Vec<u8>, item: &[u8]| bytes.extend(item);
        // From empty: rows 0 and 1 whole, row 2 partial.
        let rows = rows_after_append(0, 256, None, items.iter().map(|i| &i[..]), push);
        assert_eq!(rows.iter().map(|(r, b)| (*r, b.len())).collect::<Vec<_>>(), [(0, 256), (1, 256), (2, 88)]);
        // From 100 items in: the partial row 0 is extended in place.
        let rows = rows_after_append(100, 256, Some(vec![9; 100]), items[..200].iter().map(|i| &i[..]), push);
        assert_eq!(rows.iter().map(|(r, b)| (*r, b.len())).collect::<Vec<_>>(), [(0, 256), (1, 44)]);
        assert_eq!(rows[0].1[..100], [9; 100]);
        // Exactly on a boundary: nothing of the previous row is rewritten.
        let rows = rows_after_append(256, 256, None, items[..3].iter().map(|i| &i[..]), push);
        assert_eq!(rows.iter().map(|(r, b)| (*r, b.len())).collect::<Vec<_>>(), [(1, 3)]);
    }

    #[test]
    fn slices_name_the_first_missing_item() {
        let rows = vec![(0, (0..256).collect::<Vec<u64>>()), (1, (256..300).collect())];
        assert_eq!(slice(250, 260, 256, 0, rows.clone(), "entry").unwrap(), (250..260).collect::<Vec<_>>());
        assert!(matches!(slice(250, 301, 256, 0, rows.clone(), "entry"), Err(StoreError::Missing { index: 300, .. })));
        let gap = vec![(0, (0..256).collect::<Vec<u64>>()), (2, (512..600).collect())];
        assert!(matches!(slice(250, 520, 256, 0, gap, "entry"), Err(StoreError::Missing { index: 256, .. })));
    }
}
