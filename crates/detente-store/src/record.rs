//! A party's record over a [`LogStore`]: append signed entries, sign
//! checkpoints that can never fork, prove entries, gather cosignatures and
//! audit everything.

use std::collections::HashMap;
use std::ops::Range;

use detente_core::Party;
use detente_log::bundle::ProofBundle;
use detente_log::checkpoint::{Checkpoint, SignedCheckpoint};
use detente_log::entry::{self, Content, Entry, Reference, SignedEntry};
use detente_log::keys::{SigningKey, VerifierKey};
use detente_log::note::{Note, NoteSignature, Verified};
use detente_log::tree::{self, Frontier};
use detente_log::witness::AddCheckpoint;
use detente_log::{Hash, ProveError};
use detente_treaty::Catalogue;

use crate::admission::{Draft, Refusal, admit, reference};
use crate::{LogMeta, LogStore, StoreError};

/// Entries read per query during an audit. Small reads keep the buffers in
/// the CPU's caches: 16,384 gave 0.89M entries/s, 1,024 gives 1.13M/s.
const AUDIT_CHUNK: u64 = 1_024;

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
        Ok(Record { store, meta, key, party, cache: Default::default() })
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
    /// the log, signed at `time` and appended in one durable transaction. If
    /// another writer appends first, the drafts are numbered and signed again
    /// after it, so sequence numbers are always the places the entries take.
    pub async fn submit(
        &self,
        key: &SigningKey,
        catalogue: &Catalogue,
        drafts: &[Draft],
        time: u64,
    ) -> Result<Vec<SignedEntry>, RecordError> {
        self.check_signer(key)?;
        for (position, draft) in drafts.iter().enumerate() {
            let refused = |reason| RecordError::Refused { position, reason };
            admit(catalogue, &self.party, draft).map_err(refused)?;
            if let Some(reference) = reference(&draft.body).filter(|r| r.party == self.party) {
                self.check_own_reference(reference).await?.map_err(refused)?;
            }
        }
        loop {
            let size = self.store.size().await?;
            let signed = (size..)
                .zip(drafts)
                .map(|(sequence, draft)| {
                    let content = Content::of(&draft.media_type, draft.bytes.clone());
                    Entry { party: self.party.clone(), sequence, time, body: draft.body.clone(), content }.sign(key)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| RecordError::Rejected { index: size, problem: e.to_string() })?;
            match self.append_at(size, &signed).await {
                Ok(_) => return Ok(signed),
                Err(RecordError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
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
    pub async fn append(&self, entries: &[SignedEntry]) -> Result<Range<u64>, RecordError> {
        self.append_at(self.store.size().await?, entries).await
    }

    /// Appends entries numbered from `size`, if the log still has `size`
    /// entries; [`RecordError::Conflict`] if another writer moved it first.
    async fn append_at(&self, size: u64, entries: &[SignedEntry]) -> Result<Range<u64>, RecordError> {
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
        let mut frontier = Frontier::read(size, &self.read_all(&Frontier::indexes(size)).await?)
            .expect("every frontier hash was read");
        let mut hashes = Vec::with_capacity(entries.len() * 2);
        frontier.extend(&entries.iter().map(SignedEntry::leaf_hash).collect::<Vec<_>>(), &mut hashes);
        let bytes: Vec<Vec<u8>> = entries.iter().map(|e| e.bytes().to_vec()).collect();
        if !self.store.append(size, &bytes, &hashes).await? {
            return Err(RecordError::Conflict);
        }
        Ok(size..size + entries.len() as u64)
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

    /// The consistency proof from the tree of `first` entries to the tree of `second`.
    async fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, RecordError> {
        self.with_planned(tree::consistency_indexes(first, second), |stored| {
            tree::prove_consistency(first, second, stored)
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
        let signed = SignedCheckpoint::open(&note, &self.key, &[]).map_err(|e| Tampered::Checkpoint(e.to_string()))?;
        Ok(Some((note, signed)))
    }

    /// Signs a checkpoint of the whole log, unless that would contradict the
    /// last one: the new tree must extend it, proven from the store before
    /// signing. The checkpoint is replaced by compare-and-swap, so of two
    /// processes checkpointing at once, one wins and the other starts again
    /// from the winner's checkpoint.
    pub async fn checkpoint(&self, key: &SigningKey) -> Result<SignedCheckpoint, RecordError> {
        self.check_signer(key)?;
        loop {
            let stored = self.latest_stored().await?;
            let (old, previous) = stored.map_or((None, None), |(text, signed)| (Some(text), Some(signed)));
            let size = self.store.size().await?;
            let root = self.root(size).await?;
            if let Some(previous) = &previous {
                let last = &previous.checkpoint;
                if last.size > size {
                    return Err(RecordError::WouldFork(format!(
                        "the store has {size} entries but the last checkpoint covers {}: entries were lost",
                        last.size
                    )));
                }
                let proof = self.consistency_proof(last.size, size).await?;
                tree::verify_consistency(last.size, size, &last.root, &root, &proof).map_err(|e| {
                    RecordError::WouldFork(format!("the tree of {size} does not extend the last checkpoint: {e}"))
                })?;
                if last.size == size {
                    return Ok(previous.clone());
                }
            }
            let checkpoint = Checkpoint::new(self.origin(), size, root);
            let mut note = Note::new(checkpoint.text()).expect("a checkpoint is a valid note text");
            note.sign(key, 0);
            if self.store.swap_checkpoint(old.as_deref(), size, &note.to_string(), &[]).await? {
                return Ok(SignedCheckpoint { checkpoint, note, cosignatures: Vec::new() });
            }
        }
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

    /// The inclusion proof of entry `index` in the tree of `size` entries,
    /// from one query for the stored hashes it needs.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, RecordError> {
        self.with_planned(tree::inclusion_indexes(index, size), |stored| tree::prove_inclusion(index, size, stored))
            .await
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

    /// Recomputes everything from the entries: each entry's encoding, place,
    /// party and (if asked) signature; every stored hash; the checkpoint's
    /// signature and root. Stops at the first problem, naming it.
    pub async fn audit(&self, check_signatures: bool) -> Result<AuditReport, RecordError> {
        // The checkpoint first: one committed after it can only cover more
        // entries than the size read next.
        let latest = self.latest().await?;
        let size = self.store.size().await?;
        let checkpoint = latest.as_ref().map(|c| c.checkpoint.clone());
        let mut frontier = Frontier::default();
        let mut checkpoint_root = (checkpoint.as_ref().map(|c| c.size) == Some(0)).then(Hash::empty);
        let mut recomputed = Vec::new();
        let mut start = 0;
        while start < size {
            let end = (start + AUDIT_CHUNK).min(size);
            let entries = self.store.read_entries(start, end).await.map_err(tampered_rows)?;
            let (first_hash, end_hash) = (tree::stored_hash_count(start), tree::stored_hash_count(end));
            let stored = self.store.read_hash_range(first_hash, end_hash).await.map_err(tampered_rows)?;
            for (index, bytes) in (start..).zip(&entries) {
                self.check_entry(index, bytes, check_signatures)?;
            }
            let leaves = Hash::leaves(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
            // The checkpoint's root is the frontier's root once its last entry is in.
            let checkpoint_end = checkpoint.as_ref().map(|c| c.size).filter(|&n| n > start && n <= end);
            let (before, after) = leaves.split_at(checkpoint_end.map_or(leaves.len(), |n| (n - start) as usize));
            recomputed.clear();
            frontier.extend(before, &mut recomputed);
            if checkpoint_end.is_some() {
                checkpoint_root = Some(frontier.root());
            }
            frontier.extend(after, &mut recomputed);
            if let Some(at) = recomputed.iter().zip(&stored).position(|(recomputed, stored)| recomputed != stored) {
                let (index, level) = tree::stored_hash_position(start, at as u64);
                return Err(tampered_hash(index, level, first_hash + at as u64));
            }
            start = end;
        }
        if let Some(checkpoint) = &checkpoint {
            match checkpoint_root {
                None => {
                    let problem = format!("it covers {} entries, the log holds {size}", checkpoint.size);
                    return Err(Tampered::Checkpoint(problem).into());
                }
                Some(root) if root != checkpoint.root => {
                    let problem = format!("its root differs from the root of the first {} entries", checkpoint.size);
                    return Err(Tampered::Checkpoint(problem).into());
                }
                Some(_) => {}
            }
        }
        let note = latest.map(|c| c.note);
        Ok(AuditReport { entries: size, root: frontier.root(), checkpoint, note, signatures_checked: check_signatures })
    }

    fn check_entry(&self, index: u64, bytes: &[u8], check_signature: bool) -> Result<(), Tampered> {
        let problem = |problem: String| Tampered::Entry { index, problem };
        let (entry, key_id) = entry::decode_parts(bytes).map_err(|e| problem(e.to_string()))?;
        if entry.sequence != index {
            return Err(problem(format!("it is numbered {} but stored at {index}", entry.sequence)));
        }
        if entry.party != self.party {
            return Err(problem(format!("it is {}'s entry in {}'s record", entry.party.as_str(), self.party.as_str())));
        }
        if check_signature {
            entry::verify_bytes(bytes, key_id, &self.key).map_err(|e| problem(e.to_string()))?;
        }
        Ok(())
    }
}

/// Rows missing or damaged are tampering too, named by the first item they lack.
fn tampered_rows(error: StoreError) -> RecordError {
    match error {
        StoreError::Missing { what: "entry", index } => {
            Tampered::Entry { index, problem: "it is missing".into() }.into()
        }
        StoreError::Damaged { what: "entry", index } => {
            Tampered::Entry { index, problem: "the bundle holding it is damaged".into() }.into()
        }
        StoreError::Missing { what: "stored hash", index } | StoreError::Damaged { what: "stored hash", index } => {
            Tampered::StoredHash { index, problem: "it is missing or its page is damaged".into() }.into()
        }
        other => other.into(),
    }
}

/// Names what a stored hash that differs covers: the entry for a leaf hash,
/// the entries under a node otherwise.
fn tampered_hash(index: u64, level: u32, stored: u64) -> RecordError {
    if level == 0 {
        return Tampered::Entry { index, problem: "its stored leaf hash does not match its bytes".into() }.into();
    }
    Tampered::Node { stored, first: index + 1 - (1 << level), last: index }.into()
}
