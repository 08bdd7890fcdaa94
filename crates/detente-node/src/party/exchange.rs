//! The exchange between nodes: every notification and declaration a party
//! records goes to every peer in a signed envelope; the peer checks it,
//! records the sender's entry bytes unchanged inside a receipt entry of its
//! own record, applies it to its copy of the sender's database, and answers
//! with that receipt, which the sender records in turn (docs/node.md).
//!
//! Exactly once, in order: an envelope carries a run of the sender's
//! entries with no number missing, those a peer is sent and, between them,
//! those it is not (the sender's receipts), shown so the receiver can tell
//! that nothing was skipped. A receiver holds back a run that starts after
//! the entry it expects (409, naming that entry) and answers a duplicate
//! with the receipt it gave the first time. The outbox keeps no state of
//! its own but a cursor: what each peer acknowledged is read from the
//! receipts in the record.
//!
//! Batches: an envelope holds up to [`MAX_ENVELOPE_ENTRIES`] entries, and
//! the receiver records its receipts for all of them in one durable append,
//! the sender the receipts it gets back in one more. Under load the
//! batches fill while the last one is in flight.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use detente_log::Hash;
use detente_log::checkpoint::SignedCheckpoint;
use detente_log::entry::{Body, Content, Reference, SignedEntry, verify_all, verify_bytes};
use detente_log::tree;
use detente_store::LogStore;
use detente_store::admission::Draft;
use serde::{Deserialize, Serialize};

use super::book::{Book, Refused};
use super::{Node, Peer, Submitted, time_of};

mod outbox;

/// The media type of a receipt's content: the other party's signed entry.
pub const ENTRY_MEDIA_TYPE: &str = "application/vnd.detente.entry";

/// The most entries one envelope carries.
pub const MAX_ENVELOPE_ENTRIES: usize = 1000;

/// What a sender's envelope may weigh before it is sent as it is: well
/// under the receiver's 4 MiB body limit, after base64 and JSON.
const ENVELOPE_BUDGET_BYTES: usize = 2 << 20;

/// What a sender posts to `/peer/v1/entries`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The sender's entries, numbered one after another.
    pub entries: Vec<Sent>,
    /// The sender's newest checkpoint (a signed note), which includes
    /// every entry delivered here.
    pub checkpoint: String,
}

/// One entry of an envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sent {
    /// The sender's signed entry, base64.
    pub entry: String,
    /// For an entry delivered, its inclusion proof in the checkpoint:
    /// base64 of the proof's 32-byte hashes. None for an entry only shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// The document an entry delivered records by digest, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// The receiver's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Its receipt entries, base64: one for each entry delivered, in the
    /// envelope's order, up to the first it refused.
    pub receipts: Vec<String>,
    /// The sender's entry it expects next.
    pub next: u64,
    /// The entry it refused, if any, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RefusedEntry>,
}

/// An entry of an envelope that the receiver refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusedEntry {
    pub sequence: u64,
    pub field: String,
    pub error: String,
}

/// Why an envelope is refused, with the status that says so, and, for a
/// 409, the sender's entry the receiver expects next.
#[derive(Debug)]
pub struct Rejected {
    pub status: StatusCode,
    pub field: &'static str,
    pub message: String,
    pub next: Option<u64>,
}

fn rejected(status: StatusCode, field: &'static str, message: impl Into<String>) -> Rejected {
    Rejected { status, field, message: message.into(), next: None }
}

fn base64(field: &'static str, text: &str) -> Result<Vec<u8>, Rejected> {
    BASE64.decode(text).map_err(|e| rejected(StatusCode::BAD_REQUEST, field, format!("not base64: {e}")))
}

/// Entries a peer is sent: what the party says, not its receipts.
fn deliverable(entry: &SignedEntry) -> bool {
    matches!(entry.entry().body, Body::Notification { .. } | Body::Declaration { .. })
}

/// An entry of an envelope, decoded, with what came with it.
struct Opened {
    entry: SignedEntry,
    bytes: Vec<u8>,
    proof: Option<String>,
    document: Option<String>,
}

impl<S: LogStore> Node<S> {
    fn peer(&self, party: &detente_core::Party) -> Option<&Peer> {
        self.peers.iter().find(|p| &p.party == party)
    }

    /// Checks that `peer` signed every one of `entries`; on failure, the
    /// position of the first it did not, and why.
    fn signed_by(&self, peer: &Peer, entries: &[&SignedEntry]) -> Result<(), (usize, String)> {
        let tables = self.peers.iter().position(|p| p.party == peer.party).and_then(|i| self.tables[i].as_ref());
        let signed: Vec<(&[u8], u32)> = entries.iter().map(|e| (e.bytes(), e.key_id())).collect();
        match tables {
            Some(tables) => verify_all(&signed, &peer.key, tables).map_err(|(i, e)| (i, e.to_string())),
            None => signed.iter().enumerate().try_for_each(|(i, &(bytes, key_id))| {
                verify_bytes(bytes, key_id, &peer.key).map_err(|e| (i, e.to_string()))
            }),
        }
    }

    /// Keeps, when the node starts, what one of its own receipt entries
    /// says: a peer's entry it received, or a peer's receipt for its own.
    pub(super) async fn apply_receipt(
        &self,
        book: &mut Book,
        own: &SignedEntry,
        content: &[u8],
    ) -> Result<(), Refused> {
        let inner = SignedEntry::decode(content).map_err(|e| Refused::new("content", e.to_string()))?;
        let sender = inner.entry().party.clone();
        let peer = self.peer(&sender).ok_or_else(|| Refused::new("content", format!("{sender} is not a peer")))?;
        inner.verify(&peer.key).map_err(|e| Refused::new("content", e.to_string()))?;
        let at = time_of(&inner);
        match &inner.entry().body {
            Body::Receipt { of } if &of.party == self.record.party() => {
                book.note_delivered(self.record.party(), &sender, of.sequence, at);
            }
            Body::Receipt { .. } => return Err(Refused::new("content", "a peer's receipt of another party's entry")),
            _ if book.receipt(&sender, inner.entry().sequence).is_some() => {
                return Err(Refused::new("content", "a second receipt of one peer entry"));
            }
            _ => {
                let inner_content = self.content(&inner).await?;
                self.apply(book, &inner, inner_content)?;
                book.provided(&sender, inner.entry().sequence, time_of(own));
                book.note_received(&sender, inner.entry().sequence, own.bytes().to_vec());
            }
        }
        Ok(())
    }

    /// Checks an envelope from a peer, records and applies the entries it
    /// delivers, and gives their receipts (the same ones again for
    /// duplicates), up to the first entry refused.
    pub async fn receive(&self, envelope: Envelope) -> Result<Answer, Rejected> {
        let (peer, opened) = self.open(&envelope)?;
        let sender = peer.party.clone();
        let first = opened.first().map_or(0, |o| o.entry.entry().sequence);
        let mut book = self.book.lock().await;
        let expected = book.expected(&sender);
        if first > expected {
            let message = format!("entries from {first} on: this node takes {sender}'s entry {expected} next");
            return Err(Rejected { next: Some(expected), ..rejected(StatusCode::CONFLICT, "entries", message) });
        }
        let mut receipts: Vec<Vec<u8>> = Vec::new();
        let mut fresh = Vec::new();
        let mut refused = None;
        let mut checkpoint = None;
        for opened in opened {
            let sequence = opened.entry.entry().sequence;
            if !deliverable(&opened.entry) {
                if sequence >= expected {
                    book.note_seen(&sender, sequence);
                }
                continue;
            }
            if let Some(receipt) = book.receipt(&sender, sequence) {
                receipts.push(duplicate(receipt, &opened.entry, &sender)?);
                continue;
            }
            if checkpoint.is_none() {
                checkpoint = Some(open_checkpoint(&envelope.checkpoint, peer)?);
            }
            let checkpoint = checkpoint.as_ref().expect("opened just now");
            match self.take(&mut book, checkpoint, opened).await {
                Ok(taken) => fresh.push(taken),
                Err(rejection) if receipts.is_empty() && fresh.is_empty() => return Err(rejection),
                Err(rejection) => {
                    let error = rejection.message;
                    refused = Some(RefusedEntry { sequence, field: rejection.field.into(), error });
                    break;
                }
            }
        }
        let drafts: Vec<Draft> = fresh.iter().map(|taken| taken.draft.clone()).collect();
        let recorded = self.append(&mut book, drafts).await.map_err(|e| match e {
            Submitted::Refused(r) => rejected(StatusCode::UNPROCESSABLE_ENTITY, "entries", r.to_string()),
            other => internal(other),
        })?;
        for (taken, receipt) in fresh.into_iter().zip(recorded) {
            book.provided(&sender, taken.sequence, time_of(&receipt));
            book.note_received(&sender, taken.sequence, receipt.bytes().to_vec());
            receipts.push(receipt.bytes().to_vec());
        }
        let next = book.expected(&sender);
        tracing::info!(from = %sender, receipts = receipts.len(), next, "received");
        Ok(Answer { receipts: receipts.iter().map(|r| BASE64.encode(r)).collect(), next, refused })
    }

    /// The envelope's entries, decoded and each checked to be the signed
    /// entry of one peer, numbered one after another.
    fn open(&self, envelope: &Envelope) -> Result<(&Peer, Vec<Opened>), Rejected> {
        if envelope.entries.is_empty() || envelope.entries.len() > MAX_ENVELOPE_ENTRIES {
            let message = format!("an envelope carries 1 to {MAX_ENVELOPE_ENTRIES} entries");
            return Err(rejected(StatusCode::UNPROCESSABLE_ENTITY, "entries", message));
        }
        let mut opened = Vec::with_capacity(envelope.entries.len());
        let mut peer: Option<&Peer> = None;
        for (i, sent) in envelope.entries.iter().enumerate() {
            let bytes = base64("entries", &sent.entry)?;
            let entry = SignedEntry::decode(&bytes)
                .map_err(|e| rejected(StatusCode::BAD_REQUEST, "entries", format!("entries[{i}]: {e}")))?;
            let sender = &entry.entry().party;
            let forbidden = |message: String| rejected(StatusCode::FORBIDDEN, "entries", message);
            let this = self.peer(sender).ok_or_else(|| forbidden(format!("{sender} is not a peer of this node")))?;
            if peer.is_some_and(|p| p.party != this.party) {
                return Err(rejected(StatusCode::UNPROCESSABLE_ENTITY, "entries", "an envelope is one party's"));
            }
            peer = Some(this);
            let previous = opened.last().map(|o: &Opened| o.entry.entry().sequence);
            if previous.is_some_and(|p| p.checked_add(1) != Some(entry.entry().sequence)) {
                let message = format!("entries[{i}] does not follow the entry before it");
                return Err(rejected(StatusCode::UNPROCESSABLE_ENTITY, "entries", message));
            }
            opened.push(Opened { entry, bytes, proof: sent.proof.clone(), document: sent.document.clone() });
        }
        let peer = peer.expect("at least one entry");
        let entries: Vec<&SignedEntry> = opened.iter().map(|o| &o.entry).collect();
        self.signed_by(peer, &entries).map_err(|(i, e)| {
            rejected(
                StatusCode::FORBIDDEN,
                "entries",
                format!("entries[{i}] is not signed by {}'s key: {e}", peer.party),
            )
        })?;
        Ok((peer, opened))
    }

    /// Checks one new entry delivered, and admits it to the book; its
    /// receipt is recorded with the rest of the envelope's.
    async fn take(&self, book: &mut Book, checkpoint: &SignedCheckpoint, opened: Opened) -> Result<Taken, Rejected> {
        let Opened { entry, bytes, proof, document } = opened;
        check_inclusion(&entry, checkpoint, proof.as_deref())?;
        let document = self.document_of(&entry, document.as_deref())?;
        let content = match (&entry.entry().content, &document) {
            (Content::Inline { bytes, .. }, _) => bytes.clone(),
            (Content::Digest { .. }, Some(document)) => document.clone(),
            (Content::Digest { .. }, None) => unreachable!("document_of gives the document of a by-digest entry"),
        };
        if let (Some(document), Content::Digest { sha256, .. }) = (&document, &entry.entry().content) {
            self.record.store().put_document(&Hash(*sha256), document).await.map_err(internal)?;
        }
        // Kept in the book before the receipt is durable: if the append
        // fails, the book is made again from the record.
        self.apply(book, &entry, content)
            .map_err(|e| rejected(StatusCode::UNPROCESSABLE_ENTITY, "entries", e.to_string()))?;
        let sequence = entry.entry().sequence;
        let of = Reference { party: entry.entry().party.clone(), sequence, leaf_hash: entry.leaf_hash() };
        Ok(Taken { sequence, draft: Draft { body: Body::Receipt { of }, media_type: ENTRY_MEDIA_TYPE.into(), bytes } })
    }

    /// The document a by-digest entry records, which must come with it and
    /// have its digest.
    fn document_of(&self, entry: &SignedEntry, document: Option<&str>) -> Result<Option<Vec<u8>>, Rejected> {
        let Content::Digest { sha256, .. } = &entry.entry().content else { return Ok(None) };
        let document = document.ok_or_else(|| {
            rejected(StatusCode::UNPROCESSABLE_ENTITY, "document", "the entry records a document by digest; send it")
        })?;
        let bytes = base64("document", document)?;
        let actual: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bytes).into();
        if &actual != sha256 {
            return Err(rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                "document",
                "the document does not have the digest the entry names",
            ));
        }
        Ok(Some(bytes))
    }
}

/// An entry taken from an envelope, and the draft of its receipt.
struct Taken {
    sequence: u64,
    draft: Draft,
}

/// The receipt given before for an entry sent again: the same entry gets
/// the same receipt; another entry signed with the same number is its
/// sender showing two histories, and is refused.
fn duplicate(receipt: &[u8], entry: &SignedEntry, sender: &detente_core::Party) -> Result<Vec<u8>, Rejected> {
    let first = SignedEntry::decode(receipt).ok().and_then(|r| match &r.entry().body {
        Body::Receipt { of } => Some(of.leaf_hash),
        _ => None,
    });
    if first != Some(entry.leaf_hash()) {
        let sequence = entry.entry().sequence;
        let message = format!("{sender} signed another entry {sequence} before: two histories");
        return Err(rejected(StatusCode::CONFLICT, "entries", message));
    }
    Ok(receipt.to_vec())
}

/// The envelope's checkpoint, which must be the sender's.
fn open_checkpoint(note: &str, peer: &Peer) -> Result<SignedCheckpoint, Rejected> {
    SignedCheckpoint::open(note, &peer.key, &[]).map_err(|e| {
        rejected(StatusCode::UNPROCESSABLE_ENTITY, "checkpoint", format!("not {}'s signed checkpoint: {e}", peer.party))
    })
}

/// The checkpoint includes the entry, by the proof sent with it.
fn check_inclusion(entry: &SignedEntry, checkpoint: &SignedCheckpoint, proof: Option<&str>) -> Result<(), Rejected> {
    let unprocessable = |field, message: String| rejected(StatusCode::UNPROCESSABLE_ENTITY, field, message);
    let proof = base64(
        "proof",
        proof.ok_or_else(|| unprocessable("proof", "an entry delivered comes with its inclusion proof".into()))?,
    )?;
    if proof.len() % 32 != 0 {
        return Err(unprocessable("proof", "a proof is whole 32-byte hashes".into()));
    }
    let proof: Vec<Hash> = proof.chunks_exact(32).map(|c| Hash(c.try_into().expect("32 bytes"))).collect();
    let (index, size) = (entry.entry().sequence, checkpoint.checkpoint.size);
    tree::verify_inclusion(index, size, &entry.leaf_hash(), &proof, &checkpoint.checkpoint.root)
        .map_err(|e| unprocessable("proof", format!("entry {index} is not in the checkpoint of size {size}: {e}")))
}

fn internal(error: impl std::fmt::Display) -> Rejected {
    rejected(StatusCode::INTERNAL_SERVER_ERROR, "entries", format!("the record failed: {error}"))
}
