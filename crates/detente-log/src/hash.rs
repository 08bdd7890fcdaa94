//! RFC 6962 hashing: SHA-256 with a one-byte prefix that keeps leaves and
//! interior nodes apart, so a leaf can never be passed off as a node.

use std::fmt;

use sha2::block_api::compress256;
use sha2::{Digest, Sha256};

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const INITIAL_STATE: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The leaf hash of `data` whose prefixed, padded message fits `N` bytes.
fn small_leaf<const N: usize>(data: &[u8]) -> Hash {
    let mut buffer = [0u8; N];
    buffer[1..=data.len()].copy_from_slice(data);
    let length = data.len() + 1;
    let blocks = pad_length(&mut buffer, length, length as u64);
    let mut state = INITIAL_STATE;
    compress256(&mut state, blocks);
    digest(state)
}

/// Pads the last `tail` bytes at the start of `buffer` for a message of
/// `length` bytes in all: 0x80, zeros, and the length in bits ending a block.
fn pad_length(buffer: &mut [u8], tail: usize, length: u64) -> &[[u8; 64]] {
    buffer[tail] = 0x80;
    let end = (tail + 9).div_ceil(64) * 64;
    buffer[end - 8..end].copy_from_slice(&(length * 8).to_be_bytes());
    buffer[..end].as_chunks::<64>().0
}

fn digest(state: [u32; 8]) -> Hash {
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Hash(bytes)
}

/// A SHA-256 hash of a leaf, a node or a whole tree.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The root of the empty tree: SHA-256 of no bytes.
    pub fn empty() -> Hash {
        Hash(Sha256::digest([]).into())
    }

    /// The hash of a leaf: SHA-256(0x00 ‖ data).
    pub fn leaf(data: &[u8]) -> Hash {
        // Entries are usually small: prefix, data and padding are laid out
        // once on the stack and compressed in one call.
        if data.len() + 10 <= 1024 {
            return small_leaf::<1024>(data);
        }
        let length = data.len() + 1;
        // Larger: the prefix shifts the data by one byte, so the first block
        // is assembled and the data's later blocks are compressed where they lie.
        let (head, rest) = data.split_first_chunk::<63>().expect("a large leaf has 63 bytes");
        let mut state = INITIAL_STATE;
        let mut first = [0u8; 64];
        first[1..].copy_from_slice(head);
        compress256(&mut state, &[first]);
        let (blocks, tail) = rest.as_chunks::<64>();
        compress256(&mut state, blocks);
        let mut last = [0u8; 128];
        last[..tail.len()].copy_from_slice(tail);
        let blocks = pad_length(&mut last, tail.len(), length as u64);
        compress256(&mut state, blocks);
        digest(state)
    }

    /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right), 65 bytes,
    /// two blocks with the padding laid out by hand.
    pub fn node(left: &Hash, right: &Hash) -> Hash {
        let mut blocks = [[0u8; 64]; 2];
        blocks[0][0] = 0x01;
        blocks[0][1..33].copy_from_slice(&left.0);
        blocks[0][33..].copy_from_slice(&right.0[..31]);
        blocks[1][0] = right.0[31];
        blocks[1][1] = 0x80;
        blocks[1][56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
        let mut state = INITIAL_STATE;
        compress256(&mut state, &blocks);
        digest(state)
    }

    /// The leaf hashes of many entries at once. Independent messages are
    /// hashed several at a time, interleaved on the CPU's SHA-256 unit (or its
    /// vector lanes), which is how a batch beats one [`Hash::leaf`] after another.
    pub fn leaves(entries: &[&[u8]]) -> Vec<Hash> {
        let mut digests = vec![[0u8; 32]; entries.len()];
        tape_sha256::hash_many_prefixed(&[0x00], entries, &mut digests);
        digests.into_iter().map(Hash).collect()
    }

    /// The node hashes of many (left, right) pairs at once, as [`Hash::leaves`].
    pub fn nodes(pairs: &[(&Hash, &Hash)]) -> Vec<Hash> {
        let lefts: Vec<&[u8]> = pairs.iter().map(|(left, _)| &left.0[..]).collect();
        let rights: Vec<&[u8]> = pairs.iter().map(|(_, right)| &right.0[..]).collect();
        let mut digests = vec![[0u8; 32]; pairs.len()];
        tape_sha256::hash_pairs(&[0x01], &lefts, &rights, &mut digests);
        digests.into_iter().map(Hash).collect()
    }

    /// Lower-case hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // SHA-256 of the empty string (FIPS 180-4 test vector).
        assert_eq!(Hash::empty().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // RFC 6962 leaf of the empty string: SHA-256(0x00).
        assert_eq!(Hash::leaf(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        // The node built from two empty-string leaves differs from the leaf of their concatenation.
        let leaf = Hash::leaf(b"");
        assert_ne!(Hash::node(&leaf, &leaf), Hash::leaf(&[[0u8; 32], [0u8; 32]].concat()));
    }

    /// The hand-laid padding against the sha2 crate's own hasher, at every
    /// length around the block boundaries.
    #[test]
    fn leaf_and_node_equal_sha256_of_their_prefixed_bytes() {
        let data: Vec<u8> = (0..2300u32).map(|i| (i * 37 % 251) as u8).collect();
        for length in 0..data.len() {
            let expected: [u8; 32] = Sha256::new().chain_update([0x00]).chain_update(&data[..length]).finalize().into();
            assert_eq!(Hash::leaf(&data[..length]).0, expected, "length {length}");
        }
        let (left, right) = (Hash::leaf(b"left"), Hash::leaf(b"right"));
        let expected: [u8; 32] =
            Sha256::new().chain_update([0x01]).chain_update(left.0).chain_update(right.0).finalize().into();
        assert_eq!(Hash::node(&left, &right).0, expected);
    }

    /// The batch hashes (another crate's multi-buffer SHA-256) against the
    /// one-at-a-time ones (the sha2 crate), for batches of every shape.
    #[test]
    fn batches_equal_one_at_a_time() {
        let data: Vec<u8> = (0..70_000u32).map(|i| (i * 131 % 253) as u8).collect();
        // Lengths around every block boundary, mixed in one batch, in batches
        // of every size up to well past the widest lane count.
        let lengths: Vec<usize> = (0..300).chain([1000, 4096, 65_535]).collect();
        for batch in 0..=lengths.len() {
            let entries: Vec<&[u8]> = lengths[..batch].iter().map(|&n| &data[n % 7..n % 7 + n]).collect();
            let one_at_a_time: Vec<Hash> = entries.iter().map(|entry| Hash::leaf(entry)).collect();
            assert_eq!(Hash::leaves(&entries), one_at_a_time, "a batch of {batch}");
            let pairs: Vec<(&Hash, &Hash)> = one_at_a_time.iter().zip(one_at_a_time.iter().rev()).collect();
            let nodes: Vec<Hash> = pairs.iter().map(|(left, right)| Hash::node(left, right)).collect();
            assert_eq!(Hash::nodes(&pairs), nodes, "a batch of {batch} pairs");
        }
    }
}
