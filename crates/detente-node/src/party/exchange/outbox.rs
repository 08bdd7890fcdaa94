//! The outbox: delivering this node's entries to one peer, a run at a
//! time and in order, with retries, and recording the receipts it gives.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use detente_log::Hash;
use detente_log::entry::{Body, Content, Reference, SignedEntry};
use detente_store::LogStore;
use detente_store::admission::Draft;

use super::{Answer, ENTRY_MEDIA_TYPE, ENVELOPE_BUDGET_BYTES, Envelope, MAX_ENVELOPE_ENTRIES, Sent, deliverable};
use crate::party::{Node, Peer, time_of};

/// One peer's outbox: where its delivery stands between runs.
pub(super) struct Outbox {
    peer: Peer,
    /// The entry the peer said it takes next, when it is past the last it
    /// acknowledged (the entries between were only shown).
    cursor: Option<u64>,
    /// The last entry the peer acknowledged (`Some(None)`: none yet), kept
    /// from its answers so a run does not wait for the book while a
    /// submission holds it; ahead of the book by at most the run being
    /// recorded. `None` until read from the book, and again after a
    /// recording failed ([`Outbox::settle`]).
    acknowledged: Option<Option<u64>>,
    /// The task recording the receipts of the run before.
    recording: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl Outbox {
    /// Waits for the receipts of the run before to be recorded. If they
    /// could not be, delivery starts again from the last entry the record
    /// says was acknowledged, and the peer gives the same receipts again.
    async fn settle(&mut self) -> Result<(), String> {
        let Some(recording) = self.recording.take() else { return Ok(()) };
        let recorded = recording.await.unwrap_or_else(|e| Err(format!("the recording task failed: {e}")));
        if recorded.is_err() {
            self.cursor = None;
            self.acknowledged = None;
        }
        recorded
    }
}

impl<S: LogStore> Node<S> {
    /// Delivers this node's entries to peer `index`, a batch at a time and
    /// in order, until `stop` says so. Each attempt that fails waits longer
    /// (100 ms doubling to 30 s, with jitter so peers coming back are not
    /// all retried at once); a recorded entry wakes it at once.
    pub(in crate::party) async fn deliver(self: std::sync::Arc<Self>, index: usize)
    where
        S: 'static,
    {
        let mut outbox = Outbox { peer: self.peers[index].clone(), cursor: None, acknowledged: None, recording: None };
        let mut stop = self.stopping.subscribe();
        let mut wait = Duration::from_millis(100);
        loop {
            if *stop.borrow() {
                if let Err(problem) = outbox.settle().await {
                    tracing::warn!(peer = %outbox.peer.party, %problem, "receipts not recorded; sent again on restart");
                }
                return;
            }
            // Subscribed before looking, so an entry recorded meanwhile
            // still wakes it.
            let mut recorded = self.recorded.subscribe();
            let delivered = match self.deliver_next(&mut outbox).await {
                Ok(true) => Ok(true),
                Ok(false) => outbox.settle().await.map(|()| false),
                Err(problem) => Err(problem),
            };
            match delivered {
                Ok(true) => {
                    wait = Duration::from_millis(100);
                    continue;
                }
                Ok(false) => {
                    tokio::select! {
                        _ = recorded.changed() => {}
                        _ = stop.changed() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
                Err(problem) => {
                    let peer = &outbox.peer.party;
                    tracing::warn!(%peer, %problem, retry_in_ms = wait.as_millis() as u64, "delivery failed")
                }
            }
            let jitter = std::collections::hash_map::RandomState::new().build_hasher().finish()
                % (wait.as_millis() as u64 / 2 + 1);
            tokio::select! {
                _ = stop.changed() => {}
                () = tokio::time::sleep(wait + Duration::from_millis(jitter)) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    }

    /// Delivers the next run of entries the peer has not acknowledged;
    /// `false` when there is none. The peer's receipts are recorded by a
    /// task of their own, while the next run is on its way.
    async fn deliver_next(self: &std::sync::Arc<Self>, outbox: &mut Outbox) -> Result<bool, String>
    where
        S: 'static,
    {
        let peer = outbox.peer.clone();
        let size = self.record.size().await.map_err(|e| e.to_string())?;
        let after = match outbox.acknowledged {
            Some(after) => after,
            None => *outbox.acknowledged.insert(self.book.lock().await.delivered(&peer.party)),
        };
        let start = after.map_or(0, |a| a + 1).max(outbox.cursor.unwrap_or(0));
        let Some(envelope) = self.envelope(start, size).await? else { return Ok(false) };
        let sent: Vec<SignedEntry> = envelope
            .entries
            .iter()
            .filter(|s| s.proof.is_some())
            .map(|s| {
                SignedEntry::decode(&BASE64.decode(&s.entry).expect("encoded here")).expect("read from the record")
            })
            .collect();
        let body = serde_json::to_vec(&envelope).expect("an envelope serialises");
        let (status, answer) =
            peer.target.post("/peer/v1/entries", "application/json", body, self.limits.body_timeout).await?;
        // The run before this one is recorded first, so receipts keep their order.
        outbox.settle().await?;
        if status == 409 {
            let next = serde_json::from_slice::<serde_json::Value>(&answer).ok().and_then(|a| a["next"].as_u64());
            if let Some(next) = next.filter(|&n| n <= size) {
                // The peer restarted, or has more than this node thought:
                // go on from what it asks for.
                outbox.cursor = Some(next);
            }
            return Err(format!("{} holds entry {start} on back: {}", peer.party, String::from_utf8_lossy(&answer)));
        }
        if status != 200 && status != 201 {
            return Err(format!("{} answered {status}: {}", peer.party, String::from_utf8_lossy(&answer)));
        }
        let answer: Answer = serde_json::from_slice(&answer).map_err(|e| format!("{}'s answer: {e}", peer.party))?;
        if answer.receipts.len() > sent.len() {
            return Err(format!("{} gave more receipts than entries were sent", peer.party));
        }
        let receipts = answer
            .receipts
            .iter()
            .map(|r| BASE64.decode(r).ok().and_then(|bytes| SignedEntry::decode(&bytes).ok()))
            .collect::<Option<Vec<SignedEntry>>>()
            .ok_or_else(|| format!("{}'s answer holds a receipt that is not a signed entry", peer.party))?;
        self.signed_by(&peer, &receipts.iter().collect::<Vec<_>>())
            .map_err(|(i, e)| format!("{}'s receipt {i} is not signed by its key: {e}", peer.party))?;
        let mut drafts = Vec::with_capacity(receipts.len());
        let mut acknowledged = Vec::with_capacity(receipts.len());
        for (entry, receipt) in sent.iter().zip(receipts) {
            let (draft, received) = self.check_receipt(&peer, entry, receipt)?;
            drafts.push(draft);
            acknowledged.push((entry.entry().sequence, received));
        }
        if let Some(&(last, _)) = acknowledged.last() {
            outbox.acknowledged = Some(Some(last));
        }
        let node = std::sync::Arc::clone(self);
        let party = peer.party.clone();
        outbox.recording = Some(tokio::spawn(async move {
            let mut book = node.book.lock().await;
            node.append(&mut book, drafts).await.map_err(|e| e.to_string())?;
            for (sequence, received) in acknowledged {
                book.note_delivered(node.record.party(), &party, sequence, received);
            }
            Ok(())
        }));
        outbox.cursor = Some(answer.next.min(size));
        tracing::info!(to = %peer.party, receipts = answer.receipts.len(), next = answer.next, "delivered");
        match answer.refused {
            Some(refused) => Err(format!(
                "{} refused entry {} (field {}): {}",
                peer.party, refused.sequence, refused.field, refused.error
            )),
            None => Ok(true),
        }
    }

    /// The envelope of this node's entries from `start`, up to the last
    /// deliverable one that fits; `None` when there is nothing to send.
    async fn envelope(&self, start: u64, size: u64) -> Result<Option<Envelope>, String> {
        if start >= size {
            return Ok(None);
        }
        let end = size.min(start + MAX_ENVELOPE_ENTRIES as u64);
        let read = self.record.store().read_entries(start, end).await.map_err(|e| e.to_string())?;
        let checkpoint = self.record.latest().await.map_err(|e| e.to_string())?.ok_or("no checkpoint yet")?;
        let covered = checkpoint.checkpoint.size;
        // What a proof in this checkpoint weighs at most, in base64: one
        // hash per level of the tree.
        let proof_weight = (u64::BITS - covered.leading_zeros()) as usize * 44;
        let mut entries = Vec::with_capacity(read.len());
        let mut delivered = Vec::new();
        let mut weight = 0;
        for (sequence, bytes) in (start..).zip(read) {
            let entry = SignedEntry::decode(&bytes).map_err(|e| e.to_string())?;
            let mut sent = Sent { entry: BASE64.encode(&bytes), proof: None, document: None };
            let deliver = deliverable(&entry);
            if deliver {
                if sequence >= covered {
                    break;
                }
                if let Content::Digest { sha256, .. } = &entry.entry().content {
                    let stored = self.record.store().document(&Hash(*sha256)).await.map_err(|e| e.to_string())?;
                    sent.document = Some(BASE64.encode(stored.ok_or("a recorded document is missing from the store")?));
                }
            }
            weight += sent.entry.len() + sent.document.as_ref().map_or(0, String::len) + proof_weight;
            if weight > ENVELOPE_BUDGET_BYTES && !entries.is_empty() {
                break;
            }
            if deliver {
                delivered.push((entries.len(), sequence));
            }
            entries.push(sent);
        }
        match delivered.last() {
            // Entries only shown after the last delivered wait for the next one.
            Some(&(last, _)) => entries.truncate(last + 1),
            // A run of entries only shown, longer than one envelope, goes on its own.
            None if end < size && !entries.is_empty() => {}
            None => return Ok(None),
        }
        let sequences: Vec<u64> = delivered.iter().map(|&(_, sequence)| sequence).collect();
        let proofs = self.record.inclusion_proofs(&sequences, covered).await.map_err(|e| e.to_string())?;
        for ((place, _), proof) in delivered.into_iter().zip(proofs) {
            entries[place].proof = Some(BASE64.encode(proof.iter().flat_map(|h| h.0).collect::<Vec<u8>>()));
        }
        Ok(Some(Envelope { entries, checkpoint: checkpoint.note.to_string() }))
    }

    /// A peer's receipt for `entry`, its signature checked, as the draft
    /// that records it, with the time it was received.
    fn check_receipt(
        &self,
        peer: &Peer,
        entry: &SignedEntry,
        receipt: SignedEntry,
    ) -> Result<(Draft, detente_core::Time), String> {
        let sequence = entry.entry().sequence;
        let expected = Reference { party: self.record.party().clone(), sequence, leaf_hash: entry.leaf_hash() };
        if !matches!(&receipt.entry().body, Body::Receipt { of } if *of == expected) {
            return Err(format!("{}'s receipt is not for entry {sequence}", peer.party));
        }
        // The receipt's time decides what was late: it cannot be before the
        // entry, nor more than five minutes ahead of this node's clock.
        let received = time_of(&receipt);
        if received < time_of(entry) || self.now().seconds_until(received) > 300 {
            return Err(format!("{}'s receipt is dated {received}, outside the entry's time and now", peer.party));
        }
        let of =
            Reference { party: peer.party.clone(), sequence: receipt.entry().sequence, leaf_hash: receipt.leaf_hash() };
        let draft =
            Draft { body: Body::Receipt { of }, media_type: ENTRY_MEDIA_TYPE.into(), bytes: receipt.bytes().to_vec() };
        Ok((draft, received))
    }
}
