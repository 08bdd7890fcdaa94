//! Benchmark support for the record: entries of a fixed size, stores filled
//! quickly, and the timed operations behind the "The record" section of
//! `BENCHMARKS.md`.
//!
//! Every benchmark store is kept by the same party under the same key, made
//! from a fixed seed, so a store filled by one command can be measured by
//! another and its entries re-signed for appends.

use std::num::NonZero;
use std::ops::Range;
use std::thread;
use std::time::{Duration, Instant};

use detente_core::Party;
use detente_log::Hash;
use detente_log::checkpoint::Checkpoint;
use detente_log::entry::{Body, Content, Entry, SignedEntry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_log::note::Note;
use detente_log::tree::{self, Frontier};
use detente_store::LogStore;
use detente_store::record::{Record, RecordError};

use crate::SplitMix64;

/// The size of every benchmark entry, synthetic or signed.
pub const ENTRY_BYTES: usize = 256;

/// Entries written per durable transaction when filling a store.
const FILL_CHUNK: u64 = 50_000;

/// Entries read per query by [`Record::audit`] (its `AUDIT_CHUNK`).
const AUDIT_CHUNK: u64 = 16_384;

/// The key every benchmark record is kept under. Its seed is fixed:
/// benchmarks need no secrets, and every command must sign with it.
pub fn log_key() -> SigningKey {
    SigningKey::from_seed("bench.detente.example/record", Algorithm::Ed25519, [7; 32]).expect("a fixed, valid key name")
}

/// The party that keeps every benchmark record.
pub fn party() -> Party {
    "US".parse().expect("a valid party code")
}

/// [`ENTRY_BYTES`] bytes standing for entry `index`: the index, big-endian,
/// then a splitmix64 stream seeded with it. Not an entry an audit accepts;
/// for tree hashing and proofs, which only see bytes.
pub fn synthetic_entry(index: u64) -> Vec<u8> {
    let mut random = SplitMix64::new(index);
    let mut bytes = Vec::with_capacity(ENTRY_BYTES);
    bytes.extend_from_slice(&index.to_be_bytes());
    while bytes.len() < ENTRY_BYTES {
        bytes.extend_from_slice(&random.next_u64().to_be_bytes());
    }
    bytes
}

/// Signs the benchmark record's entries with [`log_key`], each exactly
/// [`ENTRY_BYTES`] long: a notification whose inline text, the sequence
/// number zero-padded, fills it out.
#[derive(Debug)]
pub struct EntrySigner {
    key: SigningKey,
    text_len: usize,
}

impl Default for EntrySigner {
    fn default() -> EntrySigner {
        let key = log_key();
        let overhead = signed_notification(&key, 0, String::new()).bytes().len();
        EntrySigner { key, text_len: ENTRY_BYTES - overhead }
    }
}

impl EntrySigner {
    /// Entry `sequence`, signed.
    pub fn sign(&self, sequence: u64) -> SignedEntry {
        signed_notification(&self.key, sequence, format!("{sequence:0width$}", width = self.text_len))
    }

    /// Entries `range`, signed in parallel on every core the process may use
    /// (one, under `taskset -c 1`), in order.
    pub fn sign_all(&self, range: Range<u64>) -> Vec<SignedEntry> {
        let threads = thread::available_parallelism().map_or(1, NonZero::get) as u64;
        let per_thread = (range.end - range.start).div_ceil(threads).max(1);
        thread::scope(|scope| {
            let workers: Vec<_> = range
                .clone()
                .step_by(per_thread as usize)
                .map(|start| {
                    let end = (start + per_thread).min(range.end);
                    scope.spawn(move || (start..end).map(|sequence| self.sign(sequence)).collect::<Vec<_>>())
                })
                .collect();
            workers.into_iter().flat_map(|worker| worker.join().expect("a signing thread panicked")).collect()
        })
    }
}

fn signed_notification(key: &SigningKey, sequence: u64, text: String) -> SignedEntry {
    Entry {
        party: party(),
        sequence,
        time: 1_700_000_000 + sequence,
        body: Body::Notification { treaty: "new-start".into(), notice: "change-in-data".into(), refers_to: None },
        content: Content::Inline { media_type: "text/plain".into(), bytes: text.into_bytes() },
    }
    .sign(key)
    .expect("a small notification signed with an Ed25519 key")
}

/// The benchmark record a store holds, started first if the store is empty.
pub async fn open_or_init<S: LogStore>(store: S) -> Result<Record<S>, RecordError> {
    if store.meta().await?.is_some() {
        Record::open(store).await
    } else {
        Record::init(store, log_key().verifier(), party()).await
    }
}

/// What the entries of a filled store are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entries {
    /// [`synthetic_entry`] bytes: quick to make, enough for roots and proofs.
    Synthetic,
    /// Entries signed by [`EntrySigner`], which an audit accepts.
    Signed,
}

/// Appends entries until the record holds `target`, then signs a checkpoint
/// of it. Entries go straight to [`LogStore::append`] in durable transactions of
/// [`FILL_CHUNK`], their stored hashes computed with a [`Frontier`]; the
/// checks of [`Record::append`] and the audit of [`Record::checkpoint`] are
/// skipped, as the entries are made here (synthetic ones would not pass
/// them), so the checkpoint is signed here too, from the frontier built.
/// `progress` is told the size after each transaction.
pub async fn fill<S: LogStore>(
    record: &Record<S>,
    target: u64,
    entries: Entries,
    mut progress: impl FnMut(u64),
) -> Result<(), RecordError> {
    let signer = EntrySigner::default();
    let mut frontier = read_frontier(record).await?;
    let mut hashes = Vec::new();
    while frontier.size() < target {
        let size = frontier.size();
        let range = size..(size + FILL_CHUNK).min(target);
        let bytes: Vec<Vec<u8>> = match entries {
            Entries::Synthetic => range.map(synthetic_entry).collect(),
            Entries::Signed => signer.sign_all(range).iter().map(|entry| entry.bytes().to_vec()).collect(),
        };
        hashes.clear();
        for entry in &bytes {
            frontier.push(Hash::leaf(entry), &mut hashes);
        }
        if !record.store().append(size, &bytes, &hashes).await? {
            return Err(RecordError::Conflict);
        }
        progress(frontier.size());
    }
    let checkpoint = Checkpoint::new(record.origin(), frontier.size(), frontier.root());
    let mut note = Note::new(checkpoint.text()).expect("a checkpoint is a valid note text");
    note.sign(&log_key(), 0);
    let old = record.store().checkpoint().await?;
    if !record.store().swap_checkpoint(old.as_deref(), frontier.size(), &note.to_string(), &[]).await? {
        return Err(RecordError::Conflict);
    }
    Ok(())
}

async fn read_frontier<S: LogStore>(record: &Record<S>) -> Result<Frontier, RecordError> {
    let size = record.size().await?;
    let hashes = record.store().read_hashes(&Frontier::indexes(size)).await?;
    Ok(Frontier::from_hashes(size, hashes))
}

/// The latencies of one run of inclusion proofs, in the order measured.
#[derive(Debug, Default)]
pub struct ProofTimes {
    /// [`Record::inclusion_proof`]: the store query and the proof built from it.
    pub prove: Vec<Duration>,
    /// [`tree::verify_inclusion`], hashing the entry into its leaf included.
    pub verify: Vec<Duration>,
    /// A one-row query ([`LogStore::size`]): the round trip to the database
    /// that every proof pays before any stored hash is read.
    pub query: Vec<Duration>,
}

/// Proves `samples` entries of the whole log, at indexes drawn from `seed`,
/// timing each proof, its verification against the log's root and, for
/// comparison, a one-row query. Reading each entry (to check the proof
/// against it) is not timed.
pub async fn time_proofs<S: LogStore>(
    record: &Record<S>,
    samples: usize,
    seed: u64,
) -> Result<ProofTimes, RecordError> {
    let size = record.size().await?;
    let root = record.root(size).await?;
    let mut random = SplitMix64::new(seed);
    let mut times = ProofTimes::default();
    for _ in 0..samples {
        let index = random.next_u64() % size;
        let entry = record.store().read_entries(index, index + 1).await?.remove(0);

        let started = Instant::now();
        let proof = record.inclusion_proof(index, size).await?;
        times.prove.push(started.elapsed());

        let started = Instant::now();
        let verified = tree::verify_inclusion(index, size, &Hash::leaf(&entry), &proof, &root);
        times.verify.push(started.elapsed());
        verified.map_err(|e| RecordError::Proof(format!("entry {index}: {e}")))?;

        let started = Instant::now();
        record.store().size().await?;
        times.query.push(started.elapsed());
    }
    Ok(times)
}

/// Signs the next `count` entries, then times [`Record::append`] of them,
/// `batch` per durable transaction: each entry's checks (its signature
/// among them) and the commit, not the signing.
pub async fn time_appends<S: LogStore>(record: &Record<S>, count: u64, batch: usize) -> Result<Duration, RecordError> {
    let size = record.size().await?;
    let entries = EntrySigner::default().sign_all(size..size + count);
    let started = Instant::now();
    for chunk in entries.chunks(batch) {
        record.append(chunk).await?;
    }
    Ok(started.elapsed())
}

/// Times reading what [`Record::audit`] reads, in the same chunks, and
/// nothing else: every entry and every stored hash of the log.
pub async fn time_audit_reads<S: LogStore>(record: &Record<S>) -> Result<Duration, RecordError> {
    let size = record.size().await?;
    let started = Instant::now();
    for start in (0..size).step_by(AUDIT_CHUNK as usize) {
        let end = (start + AUDIT_CHUNK).min(size);
        record.store().read_entries(start, end).await?;
        record.store().read_hash_range(tree::stored_hash_count(start), tree::stored_hash_count(end)).await?;
    }
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use detente_log::MemoryLog;
    use detente_store::sqlite::SqliteStore;

    use super::*;

    #[test]
    fn entries_have_the_benchmark_size() {
        assert_eq!(synthetic_entry(0).len(), ENTRY_BYTES);
        assert_ne!(synthetic_entry(1), synthetic_entry(2));
        let signer = EntrySigner::default();
        for sequence in [0, 1, 999_999, 123_456_789] {
            let entry = signer.sign(sequence);
            assert_eq!(entry.bytes().len(), ENTRY_BYTES, "entry {sequence}");
            entry.verify(log_key().verifier()).unwrap();
        }
        let signed = signer.sign_all(5..12);
        assert_eq!(signed.iter().map(|e| e.entry().sequence).collect::<Vec<_>>(), (5..12).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_filled_store_proves_appends_and_audits() {
        let dir = tempfile::tempdir().unwrap();
        let record = open_or_init(SqliteStore::open(&dir.path().join("record.db")).await.unwrap()).await.unwrap();
        fill(&record, 1_000, Entries::Signed, |_| {}).await.unwrap();
        time_appends(&record, 30, 7).await.unwrap();
        fill(&record, 1_100, Entries::Signed, |_| {}).await.unwrap();
        let report = record.audit(true, None).await.unwrap();
        assert_eq!(report.entries, 1_100);
        assert_eq!(report.checkpoint.map(|c| c.size), Some(1_100));
        time_audit_reads(&record).await.unwrap();
        let times = time_proofs(&record, 20, 1).await.unwrap();
        assert_eq!((times.prove.len(), times.verify.len(), times.query.len()), (20, 20, 20));
    }

    #[tokio::test]
    async fn synthetic_fills_have_the_root_of_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let record = open_or_init(SqliteStore::open(&dir.path().join("record.db")).await.unwrap()).await.unwrap();
        fill(&record, 777, Entries::Synthetic, |_| {}).await.unwrap();
        let mut memory = MemoryLog::new();
        for i in 0..777 {
            memory.push(&synthetic_entry(i));
        }
        assert_eq!(record.root(777).await.unwrap(), memory.root(777));
        assert_eq!(record.latest().await.unwrap().unwrap().checkpoint.root, memory.root(777));
    }
}
