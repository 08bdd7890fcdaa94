//! A party's record over a [`LogStore`]: append signed entries, sign
//! checkpoints that can never fork, prove entries, gather cosignatures and
//! audit everything ([`audit`]).
//!
//! The store is not trusted: whoever runs it can edit or restore its rows.
//! So nothing is signed on the store's word. Appending and checkpointing
//! start from the newest checkpoint the key is known to have signed (the
//! store's, or the [`Signer`]'s own memory of it, whichever is newer, the
//! two proven consistent), check that the stored hashes at that size give
//! its root, and audit every entry after it before building on it.

use std::collections::HashMap;

use detente_core::Party;
use detente_log::bundle::ProofBundle;
use detente_log::checkpoint::{Checkpoint, SignedCheckpoint};
use detente_log::entry::{Content, Entry, Reference, SignedEntry};
use detente_log::keys::{SigningKey, VerifierKey};
use detente_log::note::{Note, NoteSignature, Verified};
use detente_log::signatures::KeyTables;
use detente_log::tree::{self, Frontier};
use detente_log::witness::AddCheckpoint;
use detente_log::{Hash, ProveError};
use detente_treaty::Catalogue;

use crate::admission::{Draft, Refusal, admit, reference};
use crate::signer::{Signer, SignerError};
use crate::{LogMeta, LogStore, StoreError};

mod audit;
mod signing;

/// Entries read per query during an audit. Small reads keep the buffers in
/// the CPU's caches: 16,384 gave 0.89M entries/s, 1,024 gives 1.13M/s.
const AUDIT_CHUNK: u64 = 1_024;

/// What [`Record::submit_and_checkpoint`] did: the entries, durable, and
/// the checkpoint signed over them, or why it could not be (the next one
/// covers them).
#[derive(Debug)]
pub struct Submission {
    pub entries: Vec<SignedEntry>,
    pub checkpoint: Result<SignedCheckpoint, RecordError>,
}

/// Drafts appended: their entries, the frontier with them, and the store's
/// checkpoint as it stood (to swap it).
struct Appended {
    entries: Vec<SignedEntry>,
    frontier: Frontier,
    old_checkpoint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store holds no record yet (start one with `detente log init`)")]
    NotInitialised,
    #[error("the store already holds the record of {0}")]
    AlreadyInitialised(String),
    #[error("the key {given} is not the record's key {expected}")]
    WrongKey { expected: String, given: String },
    #[error("document {position} was not signed: {reason}")]
    Refused { position: usize, reason: Refusal },
    #[error("entry {index} cannot be appended: {problem}")]
    Rejected { index: u64, problem: String },
    #[error("another writer appended first; nothing was written")]
    Conflict,
    #[error("there is no signed checkpoint yet (make one with `detente log checkpoint`)")]
    NoCheckpoint,
    #[error("entry {index} is not covered by the latest checkpoint, of size {size}")]
    NotCovered { index: u64, size: u64 },
    #[error("no proof: {0}")]
    Proof(String),
    #[error("refusing to sign: {0}")]
    WouldFork(String),
    #[error("cosignatures refused: {0}")]
    Cosignature(String),
    #[error("tampering found: {0}")]
    Tampered(#[from] Tampered),
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// What an audit found wrong, naming the entry, node or checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tampered {
    #[error("entry {index}: {problem}")]
    Entry { index: u64, problem: String },
    #[error(
        "stored tree node {stored} over entries {first}..={last} differs from the node recomputed from those entries"
    )]
    Node { stored: u64, first: u64, last: u64 },
    #[error("stored hash {index}: {problem}")]
    StoredHash { index: u64, problem: String },
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    #[error("the stored hashes at size {size} do not give the root signed for that size")]
    Frontier { size: u64 },
    #[error(
        "rows past the last entry: the store holds {entries} entries and {hashes} stored hashes, where its size, {size}, gives {size} and {expected_hashes}"
    )]
    PastEnd { size: u64, entries: u64, hashes: u64, expected_hashes: u64 },
    #[error("the store's description of the record: {0}")]
    Meta(String),
}

/// The result of an audit that found nothing wrong.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub entries: u64,
    pub root: Hash,
    pub checkpoint: Option<Checkpoint>,
    /// The checkpoint audited, with the cosignatures it carried.
    pub note: Option<Note>,
    pub signatures_checked: bool,
}

/// A party's record.
#[derive(Debug)]
pub struct Record<S> {
    store: S,
    meta: LogMeta,
    key: VerifierKey,
    party: Party,
    /// Stored hashes already read for proofs. A stored hash never changes
    /// once written, so a long-lived process (a node, a witness) keeps the
    /// upper levels of the tree, which every proof shares, in memory. Audits
    /// never read through it: they check the rows themselves.
    cache: std::sync::Mutex<HashMap<u64, Hash>>,
    /// The key's tables, for checking all its entries' signatures.
    tables: KeyTables,
    /// How far this process has audited the log, and from which signed
    /// checkpoint, so that each entry is audited once per process.
    audited: std::sync::Mutex<Option<Audited>>,
}

#[derive(Debug, Clone)]
struct Audited {
    /// The signed (size, root) the audit started from.
    anchor: (u64, Hash),
    frontier: Frontier,
}

/// Stored hashes kept in a record's cache at most (about 16 MB); when full
/// it starts again, and the hashes every proof needs come back first.
const CACHED_HASHES: usize = 1 << 18;

impl<S: LogStore> Record<S> {
    /// Starts the record of `party`, kept under `key` (whose name is the
    /// log's origin), in an empty store.
    pub async fn init(store: S, key: &VerifierKey, party: Party) -> Result<Record<S>, RecordError> {
        let meta = LogMeta { origin: key.name().into(), party: party.as_str().into(), verifier_key: key.to_string() };
        if !store.init(&meta).await? {
            let existing = store.meta().await?.ok_or(RecordError::NotInitialised)?;
            return Err(RecordError::AlreadyInitialised(format!("{} ({})", existing.party, existing.origin)));
        }
        Record::open(store).await
    }

    /// Opens the record a store holds.
    pub async fn open(store: S) -> Result<Record<S>, RecordError> {
        let meta = store.meta().await?.ok_or(RecordError::NotInitialised)?;
        let key = VerifierKey::parse(&meta.verifier_key).map_err(|_| StoreError::Corrupt("log key"))?;
        let party = meta.party.parse().map_err(|_| StoreError::Corrupt("party"))?;
        if key.name() != meta.origin {
            let problem = format!("its origin {:?} is not the name of its key, {}", meta.origin, key.name());
            return Err(Tampered::Meta(problem).into());
        }
        let tables = KeyTables::new(key.public_key()).ok_or(StoreError::Corrupt("log key"))?;
        Ok(Record { store, meta, key, party, cache: Default::default(), tables, audited: Default::default() })
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn origin(&self) -> &str {
        &self.meta.origin
    }

    pub fn party(&self) -> &Party {
        &self.party
    }

    pub fn key(&self) -> &VerifierKey {
        &self.key
    }

    pub async fn size(&self) -> Result<u64, RecordError> {
        Ok(self.store.size().await?)
    }

    /// Refuses a key that is not the record's own.
    pub fn check_signer(&self, key: &SigningKey) -> Result<(), RecordError> {
        if key.verifier() != &self.key {
            return Err(RecordError::WrongKey { expected: self.key.to_string(), given: key.verifier().to_string() });
        }
        Ok(())
    }

    /// The one way documents become this record's entries: each is checked
    /// ([`admit`]) before anything is signed, then numbered with its place in
    /// the log, signed at `time` and appended in one durable transaction,
    /// onto a tree audited from the last signed checkpoint. If another
    /// writer appends first, the drafts are numbered and signed again after
    /// it, so sequence numbers are always the places the entries take, and
    /// good input is never refused for the race.
    pub async fn submit(
        &self,
        signer: &Signer,
        catalogue: &Catalogue,
        drafts: &[Draft],
        time: u64,
    ) -> Result<Vec<SignedEntry>, RecordError> {
        self.check_signer(signer.key())?;
        self.admit_all(catalogue, drafts).await?;
        Ok(self.append_drafts(signer, drafts, time).await?.entries)
    }

    /// [`Record::submit`], then a checkpoint of the log with the new
    /// entries, in one turn of the signer and one audit: the checkpoint is
    /// signed over the tree this process computed from the entries it has
    /// just signed, so nothing needs reading back in between. (Rows an
    /// insider plants meanwhile disagree with that checkpoint, and the next
    /// turn's audit refuses them.) The entries are durable whatever becomes
    /// of the checkpoint, so its outcome comes beside them.
    pub async fn submit_and_checkpoint(
        &self,
        signer: &Signer,
        catalogue: &Catalogue,
        drafts: &[Draft],
        time: u64,
    ) -> Result<Submission, RecordError> {
        self.check_signer(signer.key())?;
        self.admit_all(catalogue, drafts).await?;
        // Held across the awaits below on purpose: one signer at a time.
        let _turn = signer.lock().await?;
        if drafts.is_empty() {
            // Nothing to extend: the stored checkpoint stands, cosignatures and all.
            return Ok(Submission { entries: Vec::new(), checkpoint: self.checkpoint_in_turn(signer).await });
        }
        let appended = self.append_drafts(signer, drafts, time).await?;
        let checkpoint = self.sign_frontier(signer, appended.old_checkpoint.as_deref(), &appended.frontier).await;
        Ok(Submission { entries: appended.entries, checkpoint })
    }

    /// The drafts numbered, signed and appended onto the tree audited from
    /// the anchor; if another writer appends first, again after it, so
    /// sequence numbers are always the places the entries take.
    async fn append_drafts(&self, signer: &Signer, drafts: &[Draft], time: u64) -> Result<Appended, RecordError> {
        loop {
            let (old_checkpoint, anchor) = self.anchor(Some(signer)).await?;
            let anchor = anchor.map(|a| a.checkpoint);
            let frontier = self.audited_frontier(anchor.as_ref()).await?;
            let entries = self.sign_drafts(signer.key(), frontier.size(), drafts, time)?;
            match self.append_to(anchor.as_ref(), frontier, &entries).await {
                Ok(frontier) => return Ok(Appended { entries, frontier, old_checkpoint }),
                Err(RecordError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
    }

    /// Every draft checked ([`admit`]), and its references to this record's
    /// entries found, before anything is signed.
    async fn admit_all(&self, catalogue: &Catalogue, drafts: &[Draft]) -> Result<(), RecordError> {
        for (position, draft) in drafts.iter().enumerate() {
            let refused = |reason| RecordError::Refused { position, reason };
            admit(catalogue, &self.party, draft).map_err(refused)?;
            if let Some(reference) = reference(&draft.body).filter(|r| r.party == self.party) {
                self.check_own_reference(reference).await?.map_err(refused)?;
            }
        }
        Ok(())
    }

    /// The drafts as entries numbered from `size`, signed at `time`.
    fn sign_drafts(
        &self,
        key: &SigningKey,
        size: u64,
        drafts: &[Draft],
        time: u64,
    ) -> Result<Vec<SignedEntry>, RecordError> {
        (size..)
            .zip(drafts)
            .map(|(sequence, draft)| {
                let content = Content::of(&draft.media_type, draft.bytes.clone());
                Entry { party: self.party.clone(), sequence, time, body: draft.body.clone(), content }.sign(key)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| RecordError::Rejected { index: size, problem: e.to_string() })
    }

    /// A reference to one of this record's own entries must name one that is
    /// there, by its leaf hash: the record never signs a pointer to nothing.
    /// (References to other parties' entries are the inbox's to check.)
    async fn check_own_reference(&self, reference: &Reference) -> Result<Result<(), Refusal>, RecordError> {
        let size = self.store.size().await?;
        if reference.sequence >= size {
            return Ok(Err(Refusal::NoSuchEntry { sequence: reference.sequence, size }));
        }
        let bytes = self.store.read_entries(reference.sequence, reference.sequence + 1).await?.remove(0);
        let actual = Hash::leaf(&bytes);
        if actual != reference.leaf_hash {
            let (given, actual) = (reference.leaf_hash.to_hex(), actual.to_hex());
            return Ok(Err(Refusal::OtherEntry { sequence: reference.sequence, given, actual }));
        }
        Ok(Ok(()))
    }

    /// Appends entries signed elsewhere, in one durable transaction. Each must be the party's,
    /// signed with the record's key, and numbered with its place in the log.
    /// Their contents are not admitted, so this exists only with the
    /// `presigned` feature, for benchmarks and tests.
    #[cfg(feature = "presigned")]
    pub async fn append(&self, entries: &[SignedEntry]) -> Result<std::ops::Range<u64>, RecordError> {
        let anchor = self.anchor(None).await?.1.map(|a| a.checkpoint);
        let frontier = self.audited_frontier(anchor.as_ref()).await?;
        let size = frontier.size();
        for (index, entry) in (size..).zip(entries) {
            let rejected = |problem: String| RecordError::Rejected { index, problem };
            if entry.entry().party != self.party {
                return Err(rejected(format!(
                    "it is {}'s entry, not {}'s",
                    entry.entry().party.as_str(),
                    self.party.as_str()
                )));
            }
            if entry.entry().sequence != index {
                return Err(rejected(format!("it is numbered {}, the next place is {index}", entry.entry().sequence)));
            }
            entry.verify(&self.key).map_err(|e| rejected(e.to_string()))?;
        }
        self.append_to(anchor.as_ref(), frontier, entries).await?;
        Ok(size..size + entries.len() as u64)
    }

    /// Appends entries numbered from the audited `frontier`'s size, if the
    /// log still has that many entries, and gives the frontier with them;
    /// [`RecordError::Conflict`] if another writer moved it first.
    async fn append_to(
        &self,
        anchor: Option<&Checkpoint>,
        mut frontier: Frontier,
        entries: &[SignedEntry],
    ) -> Result<Frontier, RecordError> {
        let size = frontier.size();
        let mut hashes = Vec::with_capacity(entries.len() * 2);
        frontier.extend(&entries.iter().map(SignedEntry::leaf_hash).collect::<Vec<_>>(), &mut hashes);
        let bytes: Vec<Vec<u8>> = entries.iter().map(|e| e.bytes().to_vec()).collect();
        if !self.store.append(size, &bytes, &hashes).await? {
            return Err(RecordError::Conflict);
        }
        // What this process wrote needs no audit: it computed every row.
        self.keep_audited(anchor.map_or((0, Hash::empty()), |c| (c.size, c.root)), &frontier);
        Ok(frontier)
    }

    /// Stored hashes `indexes`, from the cache or, in one query, the store.
    async fn read_all(&self, indexes: &[u64]) -> Result<HashMap<u64, Hash>, RecordError> {
        let mut found = HashMap::with_capacity(indexes.len());
        let mut missing = Vec::new();
        {
            let cache = self.cache.lock().expect("the cache lock is never poisoned: nothing panics under it");
            for &index in indexes {
                match cache.get(&index) {
                    Some(hash) => drop(found.insert(index, *hash)),
                    None => missing.push(index),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let hashes = self.store.read_hashes(&missing).await?;
        let mut cache = self.cache.lock().expect("the cache lock is never poisoned: nothing panics under it");
        if cache.len() + missing.len() > CACHED_HASHES {
            cache.clear();
        }
        for (index, hash) in missing.into_iter().zip(hashes) {
            cache.insert(index, hash);
            found.insert(index, hash);
        }
        Ok(found)
    }

    /// Reads the stored hashes a tree function's plan names (from the
    /// cache, or in one query), then runs the function over them.
    async fn with_planned<T>(
        &self,
        plan: Result<Vec<u64>, tree::SizeError>,
        f: impl FnOnce(&HashMap<u64, Hash>) -> Result<T, ProveError<tree::MissingHash>>,
    ) -> Result<T, RecordError> {
        let plan = plan.map_err(|e| RecordError::Proof(e.to_string()))?;
        let stored = self.read_all(&plan).await?;
        f(&stored).map_err(|e| RecordError::Proof(e.to_string()))
    }

    /// The root of the first `size` entries.
    pub async fn root(&self, size: u64) -> Result<Hash, RecordError> {
        self.with_planned(Ok(tree::tree_hash_indexes(size)), |stored| {
            tree::tree_hash(size, stored).map_err(ProveError::Read)
        })
        .await
    }

    /// The latest checkpoint, its log signature verified (cosignatures are
    /// kept in the note but checked only against a policy).
    pub async fn latest(&self) -> Result<Option<SignedCheckpoint>, RecordError> {
        Ok(self.latest_stored().await?.map(|(_, signed)| signed))
    }

    /// The latest checkpoint as stored, byte for byte, and read.
    async fn latest_stored(&self) -> Result<Option<(String, SignedCheckpoint)>, RecordError> {
        let Some(note) = self.store.checkpoint().await? else { return Ok(None) };
        let signed = self.open_note(&note)?;
        Ok(Some((note, signed)))
    }

    fn open_note(&self, note: &str) -> Result<SignedCheckpoint, Tampered> {
        SignedCheckpoint::open(note, &self.key, &[]).map_err(|e| Tampered::Checkpoint(e.to_string()))
    }

    /// A tlog-proof bundle for entry `index` against the latest checkpoint,
    /// with the entry itself as the bundle's extra data.
    pub async fn prove(&self, index: u64) -> Result<ProofBundle, RecordError> {
        let latest = self.latest().await?.ok_or(RecordError::NoCheckpoint)?;
        let size = latest.checkpoint.size;
        if index >= size {
            return Err(RecordError::NotCovered { index, size });
        }
        let proof = self.inclusion_proof(index, size).await?;
        let entry = self.store.read_entries(index, index + 1).await?.remove(0);
        Ok(ProofBundle { extra: Some(entry), index, proof, checkpoint: latest.note.to_string() })
    }

    /// Stored hashes `indexes`, in order (a tile's, for tlog-tiles).
    pub async fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, RecordError> {
        let found = self.read_all(indexes).await?;
        Ok(indexes.iter().map(|i| found[i]).collect())
    }

    /// Entries `[start, end)` as a C2SP tlog-tiles entry bundle, the way
    /// the store keeps them.
    pub async fn entry_bundle(&self, start: u64, end: u64) -> Result<Vec<u8>, RecordError> {
        let entries = self.store.read_entries(start, end).await?;
        let mut bundle = Vec::new();
        crate::pages::encode_entries(&mut bundle, entries.iter().map(Vec::as_slice));
        Ok(bundle)
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries,
    /// from one query for the stored hashes it needs.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, RecordError> {
        Ok(self.inclusion_proofs(&[index], size).await?.remove(0))
    }

    /// The inclusion proofs of entries `indexes` in the tree of `size`
    /// entries, from one query for all the stored hashes they need: an
    /// envelope of a thousand entries costs one read, not a thousand.
    pub async fn inclusion_proofs(&self, indexes: &[u64], size: u64) -> Result<Vec<Vec<Hash>>, RecordError> {
        let mut plan = Vec::new();
        for &index in indexes {
            plan.extend(tree::inclusion_indexes(index, size).map_err(|e| RecordError::Proof(e.to_string()))?);
        }
        plan.sort_unstable();
        plan.dedup();
        let stored = self.read_all(&plan).await?;
        let prove = |index| tree::prove_inclusion(index, size, &stored).map_err(|e| RecordError::Proof(e.to_string()));
        indexes.iter().map(|&index| prove(index)).collect()
    }

    /// The tlog-witness `add-checkpoint` request that takes a witness from
    /// `old_size` to the latest checkpoint.
    pub async fn witness_request(&self, old_size: u64) -> Result<AddCheckpoint, RecordError> {
        let latest = self.latest().await?.ok_or(RecordError::NoCheckpoint)?;
        let size = latest.checkpoint.size;
        let proof = match old_size {
            0 => Vec::new(),
            _ => self.consistency_proof(old_size, size).await?,
        };
        Ok(AddCheckpoint { old_size, proof, checkpoint: latest.note.to_string() })
    }

    /// Notes a witness's own word on the size it is at (the body of its 409),
    /// so that the next request to it starts there; never moves back.
    pub async fn note_witness_size(&self, witness: &VerifierKey, size: u64) -> Result<(), RecordError> {
        Ok(self.store.record_cosigned(&witness.to_string(), size).await?)
    }

    /// The request that takes `witness` from the last checkpoint it cosigned
    /// for this record (as the record noted its cosignatures) to the latest.
    pub async fn witness_request_for(&self, witness: &VerifierKey) -> Result<AddCheckpoint, RecordError> {
        let old_size = self.store.cosigned_size(&witness.to_string()).await?.unwrap_or(0);
        self.witness_request(old_size).await
    }

    /// Adds a witness's cosignature lines (its `add-checkpoint` answer) to
    /// the latest checkpoint. Each must verify against one of `witnesses`.
    pub async fn add_cosignatures(&self, lines: &str, witnesses: &[VerifierKey]) -> Result<Vec<Verified>, RecordError> {
        let mut signatures = Vec::new();
        for (i, line) in lines.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let signature = NoteSignature::parse(line, i + 1).map_err(|e| RecordError::Cosignature(e.to_string()))?;
            if !witnesses.iter().any(|w| w.name() == signature.name && w.id() == signature.id) {
                let problem = format!("line {}: {} is not a witness key given", i + 1, signature.name);
                return Err(RecordError::Cosignature(problem));
            }
            signatures.push(signature);
        }
        if signatures.is_empty() {
            // Otherwise the cosignatures already on the note would be reported as this answer's.
            return Err(RecordError::Cosignature(
                "the answer holds no cosignature: a witness answers with one signature line per key".into(),
            ));
        }
        // Another process may add its witness's cosignature at the same time:
        // the swap is on the whole note, so on a race, merge again.
        loop {
            let (old, latest) = self.latest_stored().await?.ok_or(RecordError::NoCheckpoint)?;
            let mut note = latest.note.clone();
            for signature in &signatures {
                note.add_signature(signature.clone());
            }
            let verified = note.verify(witnesses).map_err(|e| RecordError::Cosignature(e.to_string()))?;
            // The keys that cosigned, noted with the checkpoint in one transaction,
            // so that the next request to each witness starts where it is.
            let cosigners: Vec<String> = verified
                .iter()
                .filter_map(|v| witnesses.iter().find(|w| w.name() == v.name && w.id() == v.id))
                .map(ToString::to_string)
                .collect();
            let size = latest.checkpoint.size;
            if self.store.swap_checkpoint(Some(&old), size, &note.to_string(), &cosigners).await? {
                return Ok(verified);
            }
            let now = self.latest().await?.map_or(0, |l| l.checkpoint.size);
            if now != latest.checkpoint.size {
                let problem =
                    format!("the checkpoint moved on from size {} to {now}; ask again", latest.checkpoint.size);
                return Err(RecordError::Cosignature(problem));
            }
        }
    }
}
