//! Items found by uid in bulk: the 32-bit hash tags of all uids, sorted once,
//! then walked beside the sorted tags of the names looked up.
//!
//! A hash table probed once per item reads a random cache line, and past a few
//! megabytes a random page, at every probe: for a million items that was
//! about 190 ms of the 450 ms a declaration took to build (BENCHMARKS.md).
//! Sorting reads and writes the tags in order, and uids are compared only
//! where tags agree.

/// A tag in the high half and a position (an item's or a name's) in the low half.
type Key = u64;

fn key(tag: u32, position: u32) -> Key {
    (u64::from(tag) << 32) | u64::from(position)
}

fn tag(key: Key) -> u32 {
    (key >> 32) as u32
}

fn position(key: Key) -> u32 {
    key as u32
}

fn same_tag(a: &Key, b: &Key) -> bool {
    tag(*a) == tag(*b)
}

/// The keys of `tags`, each numbered by its position, sorted by tag with the
/// positions in ascending order within a tag.
fn sorted_keys(tags: &[u32]) -> Vec<Key> {
    let mut keys: Vec<Key> = tags.iter().zip(0..).map(|(&tag, position)| key(tag, position)).collect();
    sort_by_tag(&mut keys);
    keys
}

/// A least-significant-digit radix sort of the tag half, a byte per pass. Each
/// pass is stable, so positions, which start in order, stay in order within a tag.
fn sort_by_tag(keys: &mut Vec<Key>) {
    const PASSES: usize = 4;
    let digit = |key: Key, pass: usize| ((key >> (32 + 8 * pass)) & 0xff) as usize;
    let mut counts = [[0usize; 256]; PASSES];
    for &key in keys.iter() {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(key, pass)] += 1;
        }
    }
    let mut scratch = vec![0; keys.len()];
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&keys.len()) {
            continue; // every key has the same byte here: the pass would move nothing
        }
        let mut next = [0usize; 256];
        let mut start = 0;
        for (slot, &n) in next.iter_mut().zip(count) {
            *slot = start;
            start += n;
        }
        for &key in keys.iter() {
            let slot = &mut next[digit(key, pass)];
            scratch[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(keys, &mut scratch);
    }
}

/// The uids of items `0..n`, by tag.
pub(super) struct SortedTags {
    keys: Vec<Key>,
}

impl SortedTags {
    /// `tags[i]` is the tag of item `i`'s uid.
    pub(super) fn new(tags: &[u32]) -> SortedTags {
        SortedTags { keys: sorted_keys(tags) }
    }

    /// The first item, in item order, whose uid an earlier item already has.
    pub(super) fn first_repeat<'a>(&self, uid: impl Fn(u32) -> &'a str) -> Option<u32> {
        let mut first: Option<u32> = None;
        for group in self.keys.chunk_by(same_tag).filter(|group| group.len() > 1) {
            for (index, &later) in group.iter().enumerate().skip(1) {
                let later = position(later);
                if first.is_some_and(|first| first <= later) {
                    break; // positions ascend within a group
                }
                if group[..index].iter().any(|&earlier| uid(position(earlier)) == uid(later)) {
                    first = Some(later);
                    break;
                }
            }
        }
        first
    }

    /// For each name `j` (its tag `name_tags[j]`), the item that may have it as
    /// its uid: the first one that does when several items share the name's tag,
    /// and the only item with that tag, unchecked, when one does. The caller
    /// compares that one's uid, in the order it reads the items anyway; when it
    /// differs, no item has the name, since all with that uid share its tag.
    pub(super) fn candidates<'a>(
        &self,
        name_tags: &[u32],
        name: impl Fn(u32) -> &'a str,
        uid: impl Fn(u32) -> &'a str,
    ) -> Vec<Option<u32>> {
        let mut found = vec![None; name_tags.len()];
        let mut groups = self.keys.chunk_by(same_tag).peekable();
        for wanted in sorted_keys(name_tags).chunk_by(same_tag) {
            let tag = tag(wanted[0]);
            while groups.next_if(|group| self::tag(group[0]) < tag).is_some() {}
            let Some(group) = groups.peek().filter(|group| self::tag(group[0]) == tag) else {
                continue;
            };
            for &wanted in wanted {
                let j = position(wanted);
                found[j as usize] = match group {
                    [only] => Some(position(*only)),
                    _ => group.iter().map(|&k| position(k)).find(|&item| uid(item) == name(j)),
                };
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sorting_orders_by_tag_then_position() {
        let tags = [0x0300_0001, 7, 0x0300_0001, 0, u32::MAX, 7, 0x0001_0000];
        let sorted: Vec<(u32, u32)> = sorted_keys(&tags).into_iter().map(|k| (tag(k), position(k))).collect();
        let expected = [(0, 3), (7, 1), (7, 5), (0x0001_0000, 6), (0x0300_0001, 0), (0x0300_0001, 2), (u32::MAX, 4)];
        assert_eq!(sorted, expected);
        assert!(sorted_keys(&[]).is_empty());
    }

    #[test]
    fn the_first_repeat_is_the_earliest_second_occurrence() {
        // Tags collide for B and C (both 1) without the uids being equal.
        let uids = ["A", "B", "C", "D", "C", "A"];
        let tags = [0, 1, 1, 2, 1, 0];
        let index = SortedTags::new(&tags);
        assert_eq!(index.first_repeat(|i| uids[i as usize]), Some(4));
        let unique = SortedTags::new(&tags[..4]);
        assert_eq!(unique.first_repeat(|i| uids[i as usize]), None, "B and C share a tag, not a uid");
    }

    #[test]
    fn candidates_are_exact_where_tags_are_shared() {
        let uids = ["A", "B", "C", "C"];
        let index = SortedTags::new(&[0, 1, 1, 1]);
        let names = ["C", "A", "Z", "B", "Y"];
        let found = index.candidates(&[1, 0, 9, 1, 1], |j| names[j as usize], |i| uids[i as usize]);
        // "Y" shares B's and C's tag but is neither: no candidate. "A" is the
        // only item tagged 0, so it is returned for the caller to compare.
        assert_eq!(found, [Some(2), Some(0), None, Some(1), None]);
    }

    proptest! {
        #[test]
        fn sorting_agrees_with_the_standard_sort(tags in prop::collection::vec(any::<u32>(), 0..600)) {
            let mut expected: Vec<Key> = tags.iter().zip(0..).map(|(&t, p)| key(t, p)).collect();
            expected.sort_unstable();
            prop_assert_eq!(sorted_keys(&tags), expected);
        }

        #[test]
        fn lookups_agree_with_a_linear_search(
            uids in prop::collection::vec(0u8..12, 0..40),
            names in prop::collection::vec(0u8..14, 0..20),
        ) {
            // Few tags for many uids, so that most groups hold different uids.
            let text = |n: &u8| n.to_string();
            let (uids, names): (Vec<String>, Vec<String>) = (uids.iter().map(text).collect(), names.iter().map(text).collect());
            let tag_of = |s: &String| u32::from(s.as_bytes()[0] % 3);
            let index = SortedTags::new(&uids.iter().map(tag_of).collect::<Vec<_>>());
            let repeat = (0..uids.len()).find(|&i| uids[..i].contains(&uids[i])).map(|i| i as u32);
            prop_assert_eq!(index.first_repeat(|i| &uids[i as usize]), repeat);
            let found = index.candidates(&names.iter().map(tag_of).collect::<Vec<_>>(), |j| &names[j as usize], |i| &uids[i as usize]);
            for (name, candidate) in names.iter().zip(found) {
                let first = uids.iter().position(|uid| uid == name).map(|i| i as u32);
                let checked = candidate.filter(|&i| &uids[i as usize] == name);
                prop_assert_eq!(checked, first, "name {}", name);
            }
        }
    }
}
