//! The tree over a log of leaves, as small pure functions over indices.
//!
//! **Stored hashes.** When leaf `i` is appended, the log stores its hash and
//! then the hash of every complete subtree that leaf closes: the level-1 node
//! when `i + 1` is even, the level-2 node when it is a multiple of 4, and so on.
//! Every hash is stored once, in the order it becomes known, so a log of `n`
//! leaves holds `2n - popcount(n)` hashes and an append only ever adds to the
//! end. Any root and any proof is then a fold over O(log n) stored hashes.
//!
//! **Reading.** Functions that need stored hashes first work out *which*
//! (pure index math), then ask a [`HashReader`] for all of them in one call,
//! then compute. The plans are public ([`tree_hash_indexes`],
//! [`inclusion_indexes`], [`consistency_indexes`]): a caller whose reads are
//! asynchronous fetches exactly those hashes in one query, then runs the
//! proof function over what it fetched (a `HashMap<u64, Hash>` is a reader),
//! and the proof asks for those indexes and no others.

use crate::hash::Hash;

/// Hashes stored for a log of `n` leaves. Functions that read stored hashes
/// take sizes below 2^63 (about 9.2 × 10^18 entries): sizes come from a
/// store; the verifiers, which take sizes from other logs, have no limit.
pub fn stored_hash_count(n: u64) -> u64 {
    2 * n - u64::from(n.count_ones())
}

/// Where the hash of the complete subtree at `level` with index `index` is
/// stored: it covers leaves `[index << level, (index + 1) << level)`.
pub fn stored_hash_index(level: u32, index: u64) -> u64 {
    // The subtree is complete once its last leaf is appended: that leaf's hash
    // comes first, then the nodes of levels 1 to `level` closed by it.
    let last_leaf = ((index + 1) << level) - 1;
    stored_hash_count(last_leaf) + u64::from(level)
}

/// Which hash the `offset`-th stored from the first hash of leaf `start`
/// is: the leaf index that closed it and its level (0 for the leaf itself).
pub fn stored_hash_position(start: u64, mut offset: u64) -> (u64, u32) {
    for index in start.. {
        let stored_with = 1 + u64::from((index + 1).trailing_zeros());
        if offset < stored_with {
            return (index, offset as u32);
        }
        offset -= stored_with;
    }
    unreachable!("the leaves go on until the offset is reached")
}

/// Reads stored hashes by index, in the order asked.
pub trait HashReader {
    type Error;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error>;
}

/// A stored hash the reader does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stored hash {0} is missing")]
pub struct MissingHash(pub u64);

/// The stored hashes of a log held in memory, in stored order.
impl HashReader for [Hash] {
    type Error = MissingHash;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, MissingHash> {
        indexes.iter().map(|&i| self.get(i as usize).copied().ok_or(MissingHash(i))).collect()
    }
}

impl HashReader for Vec<Hash> {
    type Error = MissingHash;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, MissingHash> {
        self.as_slice().read_hashes(indexes)
    }
}

/// Stored hashes fetched by index, such as those a plan named.
impl<S: std::hash::BuildHasher> HashReader for std::collections::HashMap<u64, Hash, S> {
    type Error = MissingHash;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, MissingHash> {
        indexes.iter().map(|i| self.get(i).copied().ok_or(MissingHash(*i))).collect()
    }
}

/// The complete subtrees that make up leaves `[lo, hi)`, largest first, as
/// (level, index). `lo` must be a multiple of the largest power of two not
/// above `hi - lo`, as every range of the RFC's recursions is.
fn complete_subtrees(lo: u64, hi: u64) -> impl Iterator<Item = (u32, u64)> {
    let mut start = lo;
    let size = hi - lo;
    (0..64u32).rev().filter(move |level| size >> level & 1 == 1).map(move |level| {
        let subtree = (level, start >> level);
        start += 1 << level;
        subtree
    })
}

/// The hash of leaves `[lo, hi)` from the hashes of its complete subtrees:
/// RFC 9162's MTH splits off the largest power of two on the left, so the
/// subtrees fold from the right.
fn fold_range(subtree_hashes: &[Hash]) -> Hash {
    let (last, rest) = subtree_hashes.split_last().expect("a non-empty range");
    rest.iter().rev().fold(*last, |right, left| Hash::node(left, &right))
}

/// The stored hashes that make up several ranges, range after range: each
/// range `[lo, hi)` takes one per set bit of `hi - lo`.
fn range_indexes(ranges: &[(u64, u64)]) -> Vec<u64> {
    ranges
        .iter()
        .flat_map(|&(lo, hi)| complete_subtrees(lo, hi))
        .map(|(level, index)| stored_hash_index(level, index))
        .collect()
}

/// Hashes for several ranges with one read of [`range_indexes`] (none when
/// there is nothing to read). Returns one hash per range.
fn range_hashes<R: HashReader + ?Sized>(ranges: &[(u64, u64)], reader: &R) -> Result<Vec<Hash>, R::Error> {
    let indexes = range_indexes(ranges);
    let hashes = if indexes.is_empty() { Vec::new() } else { reader.read_hashes(&indexes)? };
    let mut start = 0;
    Ok(ranges
        .iter()
        .map(|&(lo, hi)| {
            let count = (hi - lo).count_ones() as usize;
            let hash = fold_range(&hashes[start..start + count]);
            start += count;
            hash
        })
        .collect())
}

/// The stored hashes [`tree_hash`] reads for the root of `size` leaves, in
/// the order it reads them: the complete subtrees of the tree, largest
/// first (none for the empty tree).
pub fn tree_hash_indexes(size: u64) -> Vec<u64> {
    range_indexes(&[(0, size)])
}

/// The root of the first `size` leaves (RFC 9162 §2.1.1).
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, R::Error> {
    if size == 0 {
        return Ok(Hash::empty());
    }
    Ok(range_hashes(&[(0, size)], reader)?[0])
}

/// The right edge of a log: the hashes of the complete subtrees that make up
/// its leaves, largest first (one per set bit of the size). It is all an
/// appender or an auditor needs to carry from one leaf to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The stored-hash indexes of the frontier of a log of `size` leaves:
    /// the hashes its root folds, as [`tree_hash_indexes`].
    pub fn indexes(size: u64) -> Vec<u64> {
        tree_hash_indexes(size)
    }

    /// The frontier of a log of `size` leaves from the hashes at [`Frontier::indexes`].
    pub fn from_hashes(size: u64, hashes: Vec<Hash>) -> Frontier {
        assert_eq!(hashes.len(), size.count_ones() as usize, "one frontier hash per set bit of the size");
        Frontier { size, hashes }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf and pushes the hashes to store for it onto `stored`:
    /// the leaf, then each subtree it completes (as [`hashes_to_store`]).
    pub fn push(&mut self, leaf: Hash, stored: &mut Vec<Hash>) {
        stored.push(leaf);
        let mut hash = leaf;
        for _ in 0..(self.size + 1).trailing_zeros() {
            let left = self.hashes.pop().expect("a completed subtree has a left sibling");
            hash = Hash::node(&left, &hash);
            stored.push(hash);
        }
        self.hashes.push(hash);
        self.size += 1;
    }

    /// Appends many leaves at once, pushing onto `stored` exactly what
    /// [`Frontier::push`] of each in turn would. The tree is built a level at
    /// a time so that each level's nodes are hashed as one batch
    /// ([`Hash::nodes`]).
    pub fn extend(&mut self, leaves: &[Hash], stored: &mut Vec<Hash>) {
        if leaves.is_empty() {
            return;
        }
        let (start, end) = (self.size, self.size + leaves.len() as u64);
        // The frontier hash of the complete subtree at `level`, when `start` has that bit.
        let old = |level: u32| self.hashes[(start >> (level + 1)).count_ones() as usize];
        // levels[l]: the new complete subtrees at level l, indexes [start >> l, end >> l).
        let mut levels = vec![leaves.to_vec()];
        for level in 0.. {
            let (first, last) = (start >> (level + 1), end >> (level + 1));
            if first == last {
                break;
            }
            let below = &levels[level as usize];
            // A left child from before this batch sits in the frontier.
            let carried = (start >> level) & 1 == 1;
            let left_of_first = carried.then(|| old(level));
            let children: Vec<&Hash> = left_of_first.iter().chain(below).collect();
            let pairs: Vec<(&Hash, &Hash)> =
                children.chunks_exact(2).take((last - first) as usize).map(|pair| (pair[0], pair[1])).collect();
            let nodes = Hash::nodes(&pairs);
            levels.push(nodes);
        }
        for (leaf, index) in leaves.iter().zip(start..) {
            stored.push(*leaf);
            for level in 1..=(index + 1).trailing_zeros() {
                let at = ((index + 1) >> level) - 1 - (start >> level);
                stored.push(levels[level as usize][at as usize]);
            }
        }
        // Above the highest bit where `start` and `end` differ the frontier
        // is unchanged; below it, each set bit of `end` is a new subtree.
        let changed = u64::BITS - (start ^ end).leading_zeros();
        let kept = (start >> changed).count_ones() as usize;
        self.hashes.truncate(kept);
        for level in (0..changed).rev().filter(|level| (end >> level) & 1 == 1) {
            self.hashes.push(*levels[level as usize].last().expect("a set bit of the new size is a new subtree"));
        }
        self.size = end;
    }

    /// The root of the log.
    pub fn root(&self) -> Hash {
        if self.hashes.is_empty() { Hash::empty() } else { fold_range(&self.hashes) }
    }
}

/// The hashes to store, in order, when leaf `n` (0-based) with hash `leaf` is
/// appended to a log of `n` leaves: the leaf, then each subtree it completes.
pub fn hashes_to_store<R: HashReader + ?Sized>(n: u64, leaf: Hash, reader: &R) -> Result<Vec<Hash>, R::Error> {
    let closed = (n + 1).trailing_zeros();
    // The left sibling of the subtree being closed at each level.
    let siblings: Vec<u64> = (0..closed).map(|level| stored_hash_index(level, ((n + 1) >> level) - 2)).collect();
    let siblings = reader.read_hashes(&siblings)?;
    let mut stored = Vec::with_capacity(closed as usize + 1);
    stored.push(leaf);
    let mut current = leaf;
    for sibling in siblings {
        current = Hash::node(&sibling, &current);
        stored.push(current);
    }
    Ok(stored)
}

/// The largest power of two strictly less than `n` (`n` > 1).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The ranges whose hashes make the audit path of leaf `index` in `[lo, hi)`,
/// in proof order (RFC 9162 §2.1.3.1, PATH).
fn inclusion_ranges(index: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    if hi - lo <= 1 {
        return;
    }
    let k = split(hi - lo);
    if index < lo + k {
        inclusion_ranges(index, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        inclusion_ranges(index, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// The ranges whose hashes make the proof that the first `m` leaves of
/// `[lo, hi)` are a prefix of it (RFC 9162 §2.1.4.1, SUBPROOF).
fn consistency_ranges(m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push((lo, hi));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        consistency_ranges(m, lo, lo + k, whole, out);
        out.push((lo + k, hi));
    } else {
        consistency_ranges(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// Sizes that make no proof, to plan, make or verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("leaf {index} is not in a tree of {size} leaves")]
    NoSuchLeaf { index: u64, size: u64 },
    #[error("a tree of {first} leaves cannot be a prefix of one of {second}")]
    Shrinking { first: u64, second: u64 },
}

impl SizeError {
    fn check_leaf(index: u64, size: u64) -> Result<(), SizeError> {
        if index >= size { Err(SizeError::NoSuchLeaf { index, size }) } else { Ok(()) }
    }

    fn check_prefix(first: u64, second: u64) -> Result<(), SizeError> {
        if first > second { Err(SizeError::Shrinking { first, second }) } else { Ok(()) }
    }
}

/// Why a proof cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError<E> {
    #[error(transparent)]
    Sizes(#[from] SizeError),
    #[error(transparent)]
    Read(E),
}

/// The ranges whose hashes make the inclusion proof of leaf `index` in the
/// tree of `size` leaves, in proof order.
fn inclusion_plan(index: u64, size: u64) -> Result<Vec<(u64, u64)>, SizeError> {
    SizeError::check_leaf(index, size)?;
    let mut ranges = Vec::new();
    inclusion_ranges(index, 0, size, &mut ranges);
    Ok(ranges)
}

/// The ranges whose hashes make the consistency proof between the trees of
/// `first` and `second` leaves, in proof order (none when `first` is 0 or
/// equals `second`).
fn consistency_plan(first: u64, second: u64) -> Result<Vec<(u64, u64)>, SizeError> {
    SizeError::check_prefix(first, second)?;
    let mut ranges = Vec::new();
    if first != 0 && first != second {
        consistency_ranges(first, 0, second, true, &mut ranges);
    }
    Ok(ranges)
}

/// The stored hashes [`prove_inclusion`] reads for leaf `index` in the tree
/// of `size` leaves, in the order it reads them, each once.
pub fn inclusion_indexes(index: u64, size: u64) -> Result<Vec<u64>, SizeError> {
    Ok(range_indexes(&inclusion_plan(index, size)?))
}

/// The stored hashes [`prove_consistency`] reads between the trees of
/// `first` and `second` leaves, in the order it reads them, each once.
pub fn consistency_indexes(first: u64, second: u64) -> Result<Vec<u64>, SizeError> {
    Ok(range_indexes(&consistency_plan(first, second)?))
}

/// The inclusion proof (audit path) of leaf `index` in the tree of `size`
/// leaves, from one read of [`inclusion_indexes`].
pub fn prove_inclusion<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    range_hashes(&inclusion_plan(index, size)?, reader).map_err(ProveError::Read)
}

/// The consistency proof between the trees of `first` and `second` leaves
/// (empty when `first` is 0 or equals `second`), from one read of
/// [`consistency_indexes`].
pub fn prove_consistency<R: HashReader + ?Sized>(
    first: u64,
    second: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    range_hashes(&consistency_plan(first, second)?, reader).map_err(ProveError::Read)
}

/// Why a proof does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Sizes(#[from] SizeError),
    #[error("the proof has more hashes than the tree sizes allow")]
    TooLong,
    #[error("the proof has fewer hashes than the tree sizes need")]
    TooShort,
    #[error("the proof leads to a different root")]
    RootMismatch,
}

/// The walk both RFC 9162 verifiers share. `fn_` climbs from the proven node and
/// `sn` from the last leaf; each proof hash is a sibling on the left (`true`,
/// where `fn_` is a right child or the two walks have met) or on the right.
/// Checks that the proof is exactly as long as the sizes require.
fn walk(mut fn_: u64, mut sn: u64, proof: &[Hash], mut step: impl FnMut(&Hash, bool)) -> Result<(), VerifyError> {
    for hash in proof {
        if sn == 0 {
            return Err(VerifyError::TooLong);
        }
        let left = fn_ & 1 == 1 || fn_ == sn;
        step(hash, left);
        if left {
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(VerifyError::TooShort);
    }
    Ok(())
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), VerifyError> {
    SizeError::check_leaf(index, size)?;
    let mut r = *leaf;
    walk(index, size - 1, proof, |p, left| r = if left { Hash::node(p, &r) } else { Hash::node(&r, p) })?;
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `first` leaves with root `first_root` is a prefix of
/// the tree of `second` leaves with root `second_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    SizeError::check_prefix(first, second)?;
    if first == 0 || first == second {
        if !proof.is_empty() {
            return Err(VerifyError::TooLong);
        }
        // Every tree extends the empty one; a tree extends itself only with the same root.
        return if first == 0 || first_root == second_root { Ok(()) } else { Err(VerifyError::RootMismatch) };
    }
    let (fr, sr) = consistency_roots(first, second, first_root, proof)?;
    if fr != *first_root || sr != *second_root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// The two roots a consistency proof from `first` to `second` leaves
/// (`0 < first < second`) commits to, whatever roots were claimed. When
/// `first` is a power of two the proof leaves out the first tree's root,
/// which is then `first_root`, taken as given. A witness uses this to tell
/// a fork (the proof gives the log's signed new root, but another old root
/// than the one it cosigned) from a proof that is merely wrong.
pub fn consistency_roots(
    first: u64,
    second: u64,
    first_root: &Hash,
    proof: &[Hash],
) -> Result<(Hash, Hash), VerifyError> {
    SizeError::check_prefix(first, second)?;
    if first == 0 || first == second {
        return Err(VerifyError::TooShort);
    }
    // When the first tree is a complete subtree, its root is the proof's implicit first element.
    let (seed, rest) = if first.is_power_of_two() {
        (*first_root, proof)
    } else {
        let (seed, rest) = proof.split_first().ok_or(VerifyError::TooShort)?;
        (*seed, rest)
    };
    // The walk starts above the levels where the first tree's last leaf is a right child.
    let skipped = (first - 1).trailing_ones();
    let (mut fr, mut sr) = (seed, seed);
    walk((first - 1) >> skipped, (second - 1) >> skipped, rest, |c, left| {
        if left {
            fr = Hash::node(c, &fr);
            sr = Hash::node(c, &sr);
        } else {
            sr = Hash::node(&sr, c);
        }
    })?;
    Ok((fr, sr))
}

#[cfg(test)]
mod tests;
