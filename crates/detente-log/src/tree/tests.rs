//! The tree math against its own definitions: the stored-hash layout, the
//! plans of what each proof reads, and the frontier.

use super::*;

#[test]
fn stored_layout() {
    // Leaves 0 and 1, then node(0,1), then leaf 2, leaf 3, node(2,3), node(0..4), leaf 4.
    assert_eq!(stored_hash_index(0, 0), 0);
    assert_eq!(stored_hash_index(0, 1), 1);
    assert_eq!(stored_hash_index(1, 0), 2);
    assert_eq!(stored_hash_index(0, 2), 3);
    assert_eq!(stored_hash_index(0, 3), 4);
    assert_eq!(stored_hash_index(1, 1), 5);
    assert_eq!(stored_hash_index(2, 0), 6);
    assert_eq!(stored_hash_index(0, 4), 7);
    assert_eq!(stored_hash_count(4), 7);
    assert_eq!(stored_hash_count(5), 8);
    assert_eq!(stored_hash_position(0, 6), (3, 2));
    assert_eq!(stored_hash_position(2, 4), (4, 0));
    assert_eq!(stored_hash_position(3, 0), (3, 0));
    for n in 1..2000u64 {
        // The last hash stored for n leaves is the top subtree closed by leaf n - 1.
        let level = n.trailing_zeros();
        assert_eq!(stored_hash_index(level, (n >> level) - 1), stored_hash_count(n) - 1, "n = {n}");
    }
}

/// A reader that makes up a hash for any index and records what it was
/// asked for, so that a proof over it can be of any size.
#[derive(Default)]
struct Recording(std::cell::RefCell<Vec<Vec<u64>>>);

impl HashReader for Recording {
    type Error = std::convert::Infallible;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error> {
        self.0.borrow_mut().push(indexes.to_vec());
        Ok(indexes.iter().map(|i| Hash::leaf(&i.to_be_bytes())).collect())
    }
}

impl Recording {
    /// What one run of a tree function read: nothing, or one batch.
    fn read_by<T>(f: impl FnOnce(&Recording) -> T) -> (T, Vec<u64>) {
        let reader = Recording::default();
        let value = f(&reader);
        let calls = reader.0.into_inner();
        assert!(calls.len() <= 1, "one read per tree function, not {}", calls.len());
        (value, calls.into_iter().next().unwrap_or_default())
    }
}

/// A plan names distinct hashes, all stored by the time the tree has
/// `size` leaves.
fn assert_readable(indexes: &[u64], size: u64) {
    let distinct: std::collections::BTreeSet<&u64> = indexes.iter().collect();
    assert_eq!(distinct.len(), indexes.len(), "no hash twice: {indexes:?}");
    assert!(indexes.iter().all(|&i| i < stored_hash_count(size)), "{indexes:?} within a log of {size}");
}

/// Each planner names exactly the hashes its proof function reads.
fn assert_plans(size: u64, index: u64, first: u64) {
    let planned = tree_hash_indexes(size);
    let (_, read) = Recording::read_by(|r| tree_hash(size, r));
    assert_eq!(read, planned, "tree_hash({size})");
    assert_readable(&planned, size);

    let planned = inclusion_indexes(index, size).unwrap();
    let (_, read) = Recording::read_by(|r| prove_inclusion(index, size, r).unwrap());
    assert_eq!(read, planned, "prove_inclusion({index}, {size})");
    assert_readable(&planned, size);

    let planned = consistency_indexes(first, size).unwrap();
    let (_, read) = Recording::read_by(|r| prove_consistency(first, size, r).unwrap());
    assert_eq!(read, planned, "prove_consistency({first}, {size})");
    assert_readable(&planned, size);
}

#[test]
fn planners_name_what_the_proofs_read_for_every_small_tree() {
    for size in 1..=70u64 {
        for other in 0..size {
            assert_plans(size, other, other);
        }
        assert_plans(size, size - 1, size);
    }
    assert_eq!(tree_hash_indexes(0), Vec::<u64>::new());
    assert_eq!(consistency_indexes(0, 9).unwrap(), Vec::<u64>::new());
    assert_eq!(consistency_indexes(9, 9).unwrap(), Vec::<u64>::new());
}

proptest::proptest! {
    #[test]
    fn planners_name_what_the_proofs_read(size in 1..u64::MAX / 2, index: u64, first: u64) {
        assert_plans(size, index % size, first % (size + 1));
    }
}

#[test]
fn planners_refuse_what_the_proofs_refuse() {
    assert_eq!(inclusion_indexes(5, 5), Err(SizeError::NoSuchLeaf { index: 5, size: 5 }));
    assert_eq!(inclusion_indexes(0, 0), Err(SizeError::NoSuchLeaf { index: 0, size: 0 }));
    assert_eq!(consistency_indexes(6, 5), Err(SizeError::Shrinking { first: 6, second: 5 }));
    let (result, read) = Recording::read_by(|r| prove_inclusion(5, 5, r));
    assert_eq!(result, Err(ProveError::Sizes(SizeError::NoSuchLeaf { index: 5, size: 5 })));
    assert_eq!(read, Vec::<u64>::new());
    let (result, read) = Recording::read_by(|r| prove_consistency(6, 5, r));
    assert_eq!(result, Err(ProveError::Sizes(SizeError::Shrinking { first: 6, second: 5 })));
    assert_eq!(read, Vec::<u64>::new());
}

/// The caller's way: read the planned hashes, then prove over what was
/// read. The proofs are those made over the whole log.
#[test]
fn proofs_over_the_planned_hashes_alone_are_the_proofs() {
    let mut log = crate::MemoryLog::new();
    for i in 0..100u64 {
        log.push(&i.to_be_bytes());
    }
    let fetch = |indexes: Vec<u64>| -> std::collections::HashMap<u64, Hash> {
        let hashes = log.stored().read_hashes(&indexes).unwrap();
        indexes.into_iter().zip(hashes).collect()
    };
    for size in 1..=100 {
        assert_eq!(tree_hash(size, &fetch(tree_hash_indexes(size))).unwrap(), log.root(size));
        for other in 0..size {
            let read = fetch(inclusion_indexes(other, size).unwrap());
            assert_eq!(prove_inclusion(other, size, &read).unwrap(), log.prove_inclusion(other, size).unwrap());
            let read = fetch(consistency_indexes(other, size).unwrap());
            assert_eq!(prove_consistency(other, size, &read).unwrap(), log.prove_consistency(other, size).unwrap());
        }
    }
    // A reader short of a planned hash says which.
    let mut read = fetch(inclusion_indexes(3, 100).unwrap());
    let first = inclusion_indexes(3, 100).unwrap()[0];
    read.remove(&first);
    assert_eq!(prove_inclusion(3, 100, &read), Err(ProveError::Read(MissingHash(first))));
}

#[test]
fn splits() {
    assert_eq!(split(2), 1);
    assert_eq!(split(3), 2);
    assert_eq!(split(4), 2);
    assert_eq!(split(5), 4);
    assert_eq!(split(1 << 40), 1 << 39);
}

#[test]
fn the_frontier_stores_what_the_log_stores_and_knows_every_root() {
    let mut stored = Vec::new();
    let mut frontier = Frontier::default();
    for i in 0..300u64 {
        let leaf = Hash::leaf(&i.to_be_bytes());
        let expected = hashes_to_store(i, leaf, &stored).unwrap();
        let mut pushed = Vec::new();
        frontier.push(leaf, &mut pushed);
        assert_eq!(pushed, expected, "leaf {i}");
        stored.extend(pushed);
        assert_eq!(frontier.root(), tree_hash(i + 1, &stored).unwrap(), "root of {}", i + 1);
        let read = Frontier::from_hashes(i + 1, stored.read_hashes(&Frontier::indexes(i + 1)).unwrap());
        assert_eq!(read, frontier, "frontier of {}", i + 1);
    }
    assert_eq!(Frontier::default().root(), Hash::empty());
}

/// Batches of every size from every starting size store and end the
/// same as leaves pushed one at a time.
#[test]
fn extending_by_a_batch_equals_pushing_each_leaf() {
    let leaves: Vec<Hash> = (0..800u64).map(|i| Hash::leaf(&i.to_be_bytes())).collect();
    for start in (0..140).chain([255, 256, 257, 511, 512]) {
        let mut base = Frontier::default();
        base.extend(&leaves[..start], &mut Vec::new());
        for batch in (0..70).chain([127, 128, 129, 256]) {
            let (mut one_by_one, mut batched) = (base.clone(), base.clone());
            let (mut pushed, mut extended) = (Vec::new(), Vec::new());
            for leaf in &leaves[start..start + batch] {
                one_by_one.push(*leaf, &mut pushed);
            }
            batched.extend(&leaves[start..start + batch], &mut extended);
            assert_eq!(extended, pushed, "{batch} leaves after {start}");
            assert_eq!(batched, one_by_one, "the frontier after {batch} leaves after {start}");
        }
    }
}
