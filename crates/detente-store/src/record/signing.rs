//! Signing checkpoints: from the newest checkpoint the key is known to
//! have signed (the anchor), only as an extension of it, and remembered by
//! the signer before the store shows it.

use detente_log::checkpoint::{Checkpoint, SignedCheckpoint};
use detente_log::note::Note;
use detente_log::tree::{self, Frontier};

use super::{Record, RecordError};
use crate::LogStore;
use crate::signer::Signer;

/// The newest checkpoint the key is known to have signed, as a note.
#[derive(Debug, Clone)]
pub(super) struct Anchor {
    pub(super) checkpoint: Checkpoint,
    pub(super) note: String,
}

impl<S: LogStore> Record<S> {
    /// The checkpoint as the store holds it (its text, to swap it), and the
    /// newest checkpoint the key is known to have signed: the store's or the
    /// signer state's, whichever is newer, once the stored hashes prove the
    /// older one consistent with it. Two signed checkpoints that cannot be
    /// proven consistent are a fork, or rows changed under them: nothing is
    /// signed then.
    pub(super) async fn anchor(
        &self,
        signer: Option<&Signer>,
    ) -> Result<(Option<String>, Option<Anchor>), RecordError> {
        let stored = self.latest_stored().await?;
        let remembered = signer.map(Signer::last_signed).transpose()?.flatten();
        let old = stored.as_ref().map(|(text, _)| text.clone());
        let in_store = stored.map(|(note, signed)| Anchor { checkpoint: signed.checkpoint, note });
        let in_state = remembered.map(|s| Anchor { checkpoint: s.checkpoint, note: s.note.to_string() });
        let anchor = match (in_store, in_state) {
            (Some(in_store), Some(in_state)) => Some(self.newer_of(in_store, in_state).await?),
            (in_store, in_state) => in_store.or(in_state),
        };
        Ok((old, anchor))
    }

    /// Of the store's checkpoint and the signer state's, the newer, proven
    /// consistent with the other; the store's when they are the same tree,
    /// as it carries the cosignatures.
    async fn newer_of(&self, in_store: Anchor, in_state: Anchor) -> Result<Anchor, RecordError> {
        let (a, b) = (in_store.checkpoint.clone(), in_state.checkpoint.clone());
        if a.size == b.size {
            if a.root != b.root {
                return Err(RecordError::WouldFork(format!(
                    "the store's checkpoint and the signer state are both of size {} with different roots: the key has signed two histories",
                    a.size
                )));
            }
            return Ok(in_store);
        }
        let (older, newer, newer_anchor) = if a.size < b.size { (a, b, in_state) } else { (b, a, in_store) };
        if newer.size > self.store.size().await? {
            // Rolled back behind it: the audit from it says so, by name.
            return Ok(newer_anchor);
        }
        let proof = self.consistency_proof(older.size, newer.size).await?;
        tree::verify_consistency(older.size, newer.size, &older.root, &newer.root, &proof).map_err(|e| {
            RecordError::WouldFork(format!(
                "the checkpoints of size {} and {} signed with this key cannot be proven consistent from the stored hashes ({e}): the hashes were changed, or the key signed a fork",
                older.size, newer.size
            ))
        })?;
        Ok(newer_anchor)
    }

    /// Signs a checkpoint of the whole log, only after auditing everything
    /// since the newest checkpoint the key is known to have signed, and only
    /// as an extension of it. The signer state is written (durably) before
    /// the store, so no checkpoint is ever out that the signer does not
    /// remember. The signer's lock keeps two processes signing with one key
    /// in turn; the store's checkpoint is replaced by compare-and-swap, so a
    /// cosignature added meanwhile is never lost.
    pub async fn checkpoint(&self, signer: &Signer) -> Result<SignedCheckpoint, RecordError> {
        self.check_signer(signer.key())?;
        // Held across the awaits below on purpose: one signer at a time.
        let _turn = signer.lock().await?;
        self.checkpoint_in_turn(signer).await
    }

    /// [`Record::checkpoint`], the signer's lock held already.
    pub(super) async fn checkpoint_in_turn(&self, signer: &Signer) -> Result<SignedCheckpoint, RecordError> {
        loop {
            let (old, anchor) = self.anchor(Some(signer)).await?;
            let frontier = self.audited_frontier(anchor.as_ref().map(|a| &a.checkpoint)).await?;
            let size = frontier.size();
            let note = match anchor {
                Some(anchor) if anchor.checkpoint.size == size => {
                    if old.as_ref() == Some(&anchor.note) {
                        return Ok(self.open_note(&anchor.note)?);
                    }
                    // The signer remembers a checkpoint the store lost: put it back.
                    anchor.note
                }
                _ => self.sign_note(signer, &frontier)?,
            };
            if self.store.swap_checkpoint(old.as_deref(), size, &note, &[]).await? {
                return Ok(self.open_note(&note)?);
            }
        }
    }

    /// A checkpoint of `frontier`, which this process has just appended
    /// and audited, in place of the store's checkpoint `old`; if that was
    /// replaced meanwhile (a cosignature merged), as [`Record::checkpoint`]
    /// does it. The signer's lock is held already.
    pub(super) async fn sign_frontier(
        &self,
        signer: &Signer,
        old: Option<&str>,
        frontier: &Frontier,
    ) -> Result<SignedCheckpoint, RecordError> {
        let note = self.sign_note(signer, frontier)?;
        if self.store.swap_checkpoint(old, frontier.size(), &note, &[]).await? {
            return Ok(self.open_note(&note)?);
        }
        self.checkpoint_in_turn(signer).await
    }

    /// A checkpoint of `frontier` signed, and remembered by the signer
    /// before anyone can see it.
    fn sign_note(&self, signer: &Signer, frontier: &Frontier) -> Result<String, RecordError> {
        let checkpoint = Checkpoint::new(self.origin(), frontier.size(), frontier.root());
        let mut note = Note::new(checkpoint.text()).expect("a checkpoint is a valid note text");
        note.sign(signer.key(), 0);
        let note = note.to_string();
        signer.remember(&note)?;
        Ok(note)
    }
}
