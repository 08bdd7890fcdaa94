//! Audits: recomputing the record from its entries and comparing every
//! stored row with what it must be. Two kinds share the walk: the full
//! audit `log verify` runs, from the first entry, and the incremental one
//! that signing starts with, from the last checkpoint the key signed.

use detente_log::Hash;
use detente_log::checkpoint::Checkpoint;
use detente_log::entry;
use detente_log::tree::{self, Frontier};
use rayon::prelude::*;

use super::{AUDIT_CHUNK, AuditReport, Audited, Record, RecordError, Tampered};
use crate::{LogStore, StoreError};

/// Signatures checked together: their points are encoded with one shared
/// inversion, and a chunk of [`AUDIT_CHUNK`] splits into runs for both cores.
const SIGNATURE_RUN: usize = 128;

impl<S: LogStore> Record<S> {
    /// Recomputes everything from the entries: each entry's encoding, place,
    /// party and (if asked) signature; every stored hash; that no row lies
    /// past the last entry; the checkpoint's signature and root, and the
    /// root of `trusted` (a checkpoint the caller holds, such as one with
    /// its witnesses' cosignatures), which the store must extend. Stops at
    /// the first problem, naming it.
    pub async fn audit(
        &self,
        check_signatures: bool,
        trusted: Option<&Checkpoint>,
    ) -> Result<AuditReport, RecordError> {
        // The checkpoint first: one committed after it can only cover more
        // entries than the size read next.
        let latest = self.latest().await?;
        let size = self.store.size().await?;
        let checkpoint = latest.as_ref().map(|c| c.checkpoint.clone());
        if let Some(trusted) = trusted.filter(|t| t.size > size) {
            let problem = format!(
                "the store holds {size} entries, fewer than the {} of the trusted checkpoint: it was rolled back",
                trusted.size
            );
            return Err(Tampered::Checkpoint(problem).into());
        }
        let mut roots: Vec<(u64, Option<Hash>)> = checkpoint
            .iter()
            .chain(trusted)
            .filter(|c| c.size <= size)
            .map(|c| (c.size, (c.size == 0).then(Hash::empty)))
            .collect();
        roots.sort_unstable_by_key(|(at, _)| *at);
        let mut frontier = Frontier::default();
        self.audit_entries(&mut frontier, size, check_signatures, &mut roots).await?;
        self.check_extent().await?;
        let root_at = |at: u64| roots.iter().find(|(n, _)| *n == at).and_then(|(_, root)| *root);
        if let Some(trusted) = trusted.filter(|t| root_at(t.size) != Some(t.root)) {
            let problem = format!(
                "the first {} entries are not those of the trusted checkpoint: the store shows another history",
                trusted.size
            );
            return Err(Tampered::Checkpoint(problem).into());
        }
        if let (Some(trusted), Some(checkpoint)) = (trusted, &checkpoint)
            && checkpoint.size < trusted.size
        {
            let problem = format!(
                "the store's checkpoint, of size {}, is older than the trusted one, of size {}: an older checkpoint was put back",
                checkpoint.size, trusted.size
            );
            return Err(Tampered::Checkpoint(problem).into());
        }
        if let Some(checkpoint) = &checkpoint {
            match root_at(checkpoint.size) {
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

    /// The frontier of the whole log, audited from `anchor` (the newest
    /// checkpoint the key is known to have signed; `None`: from the first
    /// entry): the stored frontier at the anchor must give its root, and
    /// every entry after it is checked, signature included, with the
    /// stored hashes it added. What this process audited last is kept, so
    /// the next call from the same anchor checks only what came since.
    pub(super) async fn audited_frontier(&self, anchor: Option<&Checkpoint>) -> Result<Frontier, RecordError> {
        let size = self.store.size().await?;
        let anchored = anchor.map_or((0, Hash::empty()), |c| (c.size, c.root));
        if anchored.0 > size {
            return Err(RecordError::WouldFork(format!(
                "the store holds {size} entries, but a checkpoint of {} was signed: the store was rolled back or lost entries",
                anchored.0
            )));
        }
        let kept = self.audited.lock().expect("the audited lock is never poisoned: nothing panics under it").clone();
        let mut frontier = match kept {
            // Reused only while the store still holds that frontier: a store
            // restored and regrown under a long-lived process is audited again.
            Some(kept)
                if kept.anchor == anchored && kept.frontier.size() <= size && self.holds(&kept.frontier).await? =>
            {
                kept.frontier
            }
            _ => self.frontier_at(anchored).await?,
        };
        self.audit_entries(&mut frontier, size, true, &mut []).await?;
        self.check_extent().await?;
        self.keep_audited(anchored, &frontier);
        Ok(frontier)
    }

    pub(super) fn keep_audited(&self, anchor: (u64, Hash), frontier: &Frontier) {
        let mut audited = self.audited.lock().expect("the audited lock is never poisoned: nothing panics under it");
        *audited = Some(Audited { anchor, frontier: frontier.clone() });
    }

    /// Whether the store's frontier at `frontier`'s size is `frontier`.
    async fn holds(&self, frontier: &Frontier) -> Result<bool, RecordError> {
        let size = frontier.size();
        let hashes = self.store.read_hashes(&Frontier::indexes(size)).await.map_err(tampered_rows)?;
        Ok(Frontier::from_hashes(size, hashes) == *frontier)
    }

    /// The stored frontier at a signed size, checked against the signed root.
    async fn frontier_at(&self, (size, root): (u64, Hash)) -> Result<Frontier, RecordError> {
        let hashes = self.store.read_hashes(&Frontier::indexes(size)).await.map_err(tampered_rows)?;
        let frontier = Frontier::from_hashes(size, hashes);
        if frontier.root() != root {
            return Err(Tampered::Frontier { size }.into());
        }
        Ok(frontier)
    }

    /// Checks entries `[frontier.size(), end)` and the stored hashes they
    /// add, extending `frontier` over them, and fills in the root at each
    /// size of `roots` (sorted) that it passes.
    async fn audit_entries(
        &self,
        frontier: &mut Frontier,
        end: u64,
        signatures: bool,
        roots: &mut [(u64, Option<Hash>)],
    ) -> Result<(), RecordError> {
        let mut recomputed = Vec::new();
        let mut start = frontier.size();
        while start < end {
            let chunk_end = (start + AUDIT_CHUNK).min(end);
            let entries = self.store.read_entries(start, chunk_end).await.map_err(tampered_rows)?;
            let (first_hash, end_hash) = (tree::stored_hash_count(start), tree::stored_hash_count(chunk_end));
            let stored = self.store.read_hash_range(first_hash, end_hash).await.map_err(tampered_rows)?;
            self.check_entries(start, &entries, signatures)?;
            let leaves = Hash::leaves(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
            recomputed.clear();
            let mut done = 0;
            for (at, root) in roots.iter_mut().filter(|(at, _)| *at > start && *at <= chunk_end) {
                let upto = (*at - start) as usize;
                frontier.extend(&leaves[done..upto], &mut recomputed);
                *root = Some(frontier.root());
                done = upto;
            }
            frontier.extend(&leaves[done..], &mut recomputed);
            if let Some(at) = recomputed.iter().zip(&stored).position(|(recomputed, stored)| recomputed != stored) {
                let (index, level) = tree::stored_hash_position(start, at as u64);
                return Err(tampered_hash(index, level, first_hash + at as u64));
            }
            start = chunk_end;
        }
        Ok(())
    }

    /// Each entry's encoding, place and party, then (if asked) the
    /// signatures, on every core.
    fn check_entries(&self, start: u64, entries: &[Vec<u8>], signatures: bool) -> Result<(), Tampered> {
        let mut signed = Vec::with_capacity(entries.len());
        for (index, bytes) in (start..).zip(entries) {
            signed.push((bytes.as_slice(), self.check_entry(index, bytes)?));
        }
        if !signatures {
            return Ok(());
        }
        let first_failure = signed
            .par_chunks(SIGNATURE_RUN)
            .enumerate()
            .filter_map(|(run, part)| {
                let failure = entry::verify_all(part, &self.key, &self.tables).err();
                failure.map(|(at, error)| (run * SIGNATURE_RUN + at, error))
            })
            .min_by_key(|(at, _)| *at);
        match first_failure {
            Some((at, error)) => Err(Tampered::Entry { index: start + at as u64, problem: error.to_string() }),
            None => Ok(()),
        }
    }

    /// An entry's encoding, place and party; its key ID.
    fn check_entry(&self, index: u64, bytes: &[u8]) -> Result<u32, Tampered> {
        let problem = |problem: String| Tampered::Entry { index, problem };
        let (entry, key_id) = entry::decode_parts(bytes).map_err(|e| problem(e.to_string()))?;
        if entry.sequence != index {
            return Err(problem(format!("it is numbered {} but stored at {index}", entry.sequence)));
        }
        if entry.party != self.party {
            return Err(problem(format!("it is {}'s entry in {}'s record", entry.party.as_str(), self.party.as_str())));
        }
        Ok(key_id)
    }

    /// No row may hold anything past the last entry: an append would bury
    /// it where no index reaches, and a reader could be shown it. The size
    /// is read again with the rows, in one snapshot, so an append by another
    /// writer meanwhile is not taken for garbage.
    async fn check_extent(&self) -> Result<(), RecordError> {
        let extent = self.store.extent().await.map_err(tampered_rows)?;
        let hashes = tree::stored_hash_count(extent.size);
        if extent.entries != extent.size || extent.hashes != hashes {
            return Err(Tampered::PastEnd {
                size: extent.size,
                entries: extent.entries,
                hashes: extent.hashes,
                expected_hashes: hashes,
            }
            .into());
        }
        Ok(())
    }

    /// The consistency proof between two sizes, from the stored hashes.
    pub(super) async fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, RecordError> {
        self.with_planned(tree::consistency_indexes(first, second), |stored| {
            tree::prove_consistency(first, second, stored)
        })
        .await
    }
}

/// Rows missing or damaged are tampering too, named by the first item they lack.
pub(super) fn tampered_rows(error: StoreError) -> RecordError {
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
