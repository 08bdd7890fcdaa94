//! RFC 6962 hashing: SHA-256 with a one-byte prefix that keeps leaves and
//! interior nodes apart, so a leaf can never be passed off as a node.

use std::fmt;

use sha2::{Digest, Sha256};

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
        Hash(Sha256::new().chain_update([0x00]).chain_update(data).finalize().into())
    }

    /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
    pub fn node(left: &Hash, right: &Hash) -> Hash {
        let mut block = [0u8; 65];
        block[0] = 0x01;
        block[1..33].copy_from_slice(&left.0);
        block[33..].copy_from_slice(&right.0);
        Hash(Sha256::digest(block).into())
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
}
