//! The record's tamper-evident log, as mathematics and formats:
//!
//! - [`tree`]: RFC 6962 / RFC 9162 hashing, roots, inclusion and consistency
//!   proofs and their verification;
//! - [`keys`], [`note`]: C2SP signed-note keys and notes (Ed25519, strict);
//! - [`checkpoint`]: C2SP tlog-checkpoint;
//! - [`witness`]: the checks of C2SP tlog-witness `add-checkpoint`;
//! - [`policy`]: C2SP tlog-policy quorums;
//! - [`bundle`]: C2SP tlog-proof offline bundles;
//! - [`entry`]: the canonical, signed encoding of the record's entries.
//!
//! Architecture invariant: no I/O, no clock, no randomness. Stored hashes come
//! through the [`HashReader`] trait; times and key seeds are passed in.

pub mod bundle;
pub mod checkpoint;
pub mod entry;
mod hash;
pub mod keys;
pub mod note;
pub mod policy;
pub mod signatures;
pub mod tiles;
pub mod tree;
pub mod witness;

pub use hash::Hash;
pub use tree::{HashReader, ProveError, SizeError, VerifyError};

/// A log kept in memory: its stored hashes, for tests, tools and small logs.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    stored: Vec<Hash>,
    size: u64,
}

impl MemoryLog {
    pub fn new() -> MemoryLog {
        MemoryLog::default()
    }

    /// Appends a leaf by its hash; returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let stored = tree::hashes_to_store(self.size, leaf, &self.stored).expect("a memory log has every hash");
        self.stored.extend(stored);
        self.size += 1;
        self.size - 1
    }

    /// Appends a leaf by its data; returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(Hash::leaf(data))
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn stored(&self) -> &[Hash] {
        &self.stored
    }

    /// The root of the first `size` leaves (`size` ≤ the log's size).
    pub fn root(&self, size: u64) -> Hash {
        assert!(size <= self.size, "a root of {size} leaves from a log of {}", self.size);
        tree::tree_hash(size, self.stored.as_slice()).expect("a memory log has every hash")
    }

    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProveError<tree::MissingHash>> {
        self.check_size(size)?;
        tree::prove_inclusion(index, size, self.stored.as_slice())
    }

    pub fn prove_consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, ProveError<tree::MissingHash>> {
        self.check_size(second)?;
        tree::prove_consistency(first, second, self.stored.as_slice())
    }

    fn check_size(&self, size: u64) -> Result<(), ProveError<tree::MissingHash>> {
        if size > self.size {
            // The first stored hash the log lacks (the size may be near u64::MAX).
            return Err(ProveError::Read(tree::MissingHash(self.stored.len() as u64)));
        }
        Ok(())
    }
}
