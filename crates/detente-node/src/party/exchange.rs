//! The exchange between nodes: every notification and declaration a party
//! records goes to every peer in a signed envelope; the peer checks it,
//! records the sender's entry bytes unchanged inside a receipt entry of its
//! own record, applies it to its copy of the sender's database, and answers
//! with that receipt, which the sender records in turn (docs/node.md).
//!
//! Exactly once, in order: each envelope names the entry delivered to that
//! peer before it (`previous`), so a receiver holds back anything after a
//! gap (409, saying what it has) and answers a duplicate with the receipt
//! it gave the first time. The outbox keeps no state of its own: what each
//! peer acknowledged is read from the receipts in the record.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use detente_core::Time;
use detente_log::Hash;
use detente_log::checkpoint::SignedCheckpoint;
use detente_log::entry::{Body, Content, Reference, SignedEntry};
use detente_log::tree;
use detente_store::LogStore;
use detente_store::admission::Draft;
use serde::{Deserialize, Serialize};

use super::book::{Book, Refused};
use super::{Node, Peer, Submitted};

/// The media type of a receipt's content: the other party's signed entry.
pub const ENTRY_MEDIA_TYPE: &str = "application/vnd.detente.entry";

/// What a sender posts to `/peer/v1/entries`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The sender's signed entry, base64.
    pub entry: String,
    /// The document the entry records by digest, base64, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The sequence of the entry delivered to this peer before this one.
    pub previous: Option<u64>,
    /// The sender's entries between that one and this one, base64: what is
    /// not delivered (its receipts), shown so the receiver can tell that
    /// nothing was skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub between: Vec<String>,
    /// The sender's newest checkpoint (a signed note) and the entry's
    /// inclusion proof in it (base64 of the proof's 32-byte hashes).
    pub checkpoint: String,
    pub proof: String,
}

/// The receiver's answer: its receipt entry, base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub receipt: String,
}

/// Why an envelope is refused, with the status that says so.
#[derive(Debug)]
pub struct Rejected {
    pub status: StatusCode,
    pub field: &'static str,
    pub message: String,
}

fn rejected(status: StatusCode, field: &'static str, message: impl Into<String>) -> Rejected {
    Rejected { status, field, message: message.into() }
}

fn base64(field: &'static str, text: &str) -> Result<Vec<u8>, Rejected> {
    BASE64.decode(text).map_err(|e| rejected(StatusCode::BAD_REQUEST, field, format!("not base64: {e}")))
}

/// Entries a peer is sent: what the party says, not its receipts.
fn deliverable(entry: &SignedEntry) -> bool {
    matches!(entry.entry().body, Body::Notification { .. } | Body::Declaration { .. })
}

impl<S: LogStore> Node<S> {
    fn peer(&self, party: &detente_core::Party) -> Option<&Peer> {
        self.peers.iter().find(|p| &p.party == party)
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

    /// Checks an envelope from a peer, records and applies its entry, and
    /// gives the receipt (the same one again for a duplicate).
    pub async fn receive(&self, envelope: Envelope) -> Result<Vec<u8>, Rejected> {
        let bytes = base64("entry", &envelope.entry)?;
        let entry =
            SignedEntry::decode(&bytes).map_err(|e| rejected(StatusCode::BAD_REQUEST, "entry", e.to_string()))?;
        let sender = entry.entry().party.clone();
        let forbidden = |message: String| rejected(StatusCode::FORBIDDEN, "entry", message);
        let peer = self.peer(&sender).ok_or_else(|| forbidden(format!("{sender} is not a peer of this node")))?;
        entry.verify(&peer.key).map_err(|e| forbidden(format!("the entry is not signed by {sender}'s key: {e}")))?;
        if !deliverable(&entry) {
            return Err(rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                "entry",
                "only notifications and declarations are delivered",
            ));
        }
        let sequence = entry.entry().sequence;
        let mut book = self.book.lock().await;
        if let Some(receipt) = book.receipt(&sender, sequence) {
            // The same entry again gets the same receipt; another entry
            // signed with the same number is the sender showing two
            // histories, and is refused.
            let first = SignedEntry::decode(receipt).ok().and_then(|r| match &r.entry().body {
                Body::Receipt { of } => Some(of.leaf_hash),
                _ => None,
            });
            if first != Some(entry.leaf_hash()) {
                let message = format!("{sender} signed another entry {sequence} before: two histories");
                return Err(rejected(StatusCode::CONFLICT, "entry", message));
            }
            return Ok(receipt.to_vec());
        }
        check_order(&entry, &envelope, book.received(&sender), peer)?;
        check_inclusion(&entry, &envelope, peer)?;
        let document = self.document_of(&entry, envelope.document.as_deref())?;
        let content = match (&entry.entry().content, &document) {
            (Content::Inline { bytes, .. }, _) => bytes.clone(),
            (Content::Digest { .. }, Some(document)) => document.clone(),
            (Content::Digest { .. }, None) => unreachable!("document_of gives the document of a by-digest entry"),
        };
        // Checked first, kept only once the receipt is durable, so that a
        // failure on the way changes nothing and a retry meets the same book.
        let prepared = self
            .prepare(&book, &entry, content)
            .map_err(|e| rejected(StatusCode::UNPROCESSABLE_ENTITY, "entry", e.to_string()))?;
        if let (Some(document), Content::Digest { sha256, .. }) = (document, &entry.entry().content) {
            self.record.store().put_document(&Hash(*sha256), &document).await.map_err(internal)?;
        }
        let of = Reference { party: sender.clone(), sequence, leaf_hash: entry.leaf_hash() };
        let draft = Draft { body: Body::Receipt { of }, media_type: ENTRY_MEDIA_TYPE.into(), bytes };
        let receipt = self.submit(draft).await.map_err(|e| match e {
            Submitted::Refused(r) => rejected(StatusCode::UNPROCESSABLE_ENTITY, "entry", r.to_string()),
            Submitted::Record(e) => internal(e),
        })?;
        book.take(prepared).map_err(|e| internal(format!("a checked entry could not be kept: {e}")))?;
        book.provided(&sender, sequence, time_of(&receipt));
        book.note_received(&sender, sequence, receipt.bytes().to_vec());
        tracing::info!(from = %sender, sequence, "received");
        Ok(receipt.bytes().to_vec())
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

    /// The envelope for own entry `sequence`, with the newest checkpoint.
    async fn envelope(&self, entry: &SignedEntry, previous: Option<u64>) -> Result<Envelope, String> {
        let checkpoint = self.record.latest().await.map_err(|e| e.to_string())?.ok_or("no checkpoint yet")?;
        let size = checkpoint.checkpoint.size;
        let proof = self.record.inclusion_proof(entry.entry().sequence, size).await.map_err(|e| e.to_string())?;
        let proof: Vec<u8> = proof.iter().flat_map(|h| h.0).collect();
        let document = match &entry.entry().content {
            Content::Digest { sha256, .. } => {
                let stored = self.record.store().document(&Hash(*sha256)).await.map_err(|e| e.to_string())?;
                Some(BASE64.encode(stored.ok_or("a recorded document is missing from the store")?))
            }
            Content::Inline { .. } => None,
        };
        Ok(Envelope {
            entry: BASE64.encode(entry.bytes()),
            document,
            previous,
            between: Vec::new(),
            checkpoint: checkpoint.note.to_string(),
            proof: BASE64.encode(proof),
        })
    }

    /// Delivers this node's entries to peer `index`, one at a time and in
    /// order, until `stop` says so. Each attempt that fails waits longer
    /// (100 ms doubling to 30 s, with jitter so peers coming back are not
    /// all retried at once); a recorded entry wakes it at once.
    pub(super) async fn deliver(
        self: std::sync::Arc<Self>,
        index: usize,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let peer = self.peers[index].clone();
        let mut wait = Duration::from_millis(100);
        loop {
            if *stop.borrow() {
                return;
            }
            // Registered before looking, so an entry recorded meanwhile
            // still wakes it.
            let recorded = self.recorded.notified();
            tokio::pin!(recorded);
            recorded.as_mut().enable();
            match self.deliver_next(&peer).await {
                Ok(true) => {
                    wait = Duration::from_millis(100);
                    continue;
                }
                Ok(false) => {
                    tokio::select! {
                        () = recorded => {}
                        _ = stop.changed() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
                Err(problem) => {
                    tracing::warn!(peer = %peer.party, %problem, retry_in_ms = wait.as_millis() as u64, "delivery failed")
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

    /// Delivers the next entry `peer` has not acknowledged; `false` when
    /// there is none.
    async fn deliver_next(&self, peer: &Peer) -> Result<bool, String> {
        let size = self.record.size().await.map_err(|e| e.to_string())?;
        let after = self.book.lock().await.delivered(&peer.party);
        let mut next = after.map_or(0, |a| a + 1);
        let mut between = Vec::new();
        let entry = loop {
            if next >= size {
                return Ok(false);
            }
            let read = self.record.store().read_entries(next, next + 1).await.map_err(|e| e.to_string())?;
            let bytes = read.into_iter().next().ok_or_else(|| format!("entry {next} is missing from the store"))?;
            let entry = SignedEntry::decode(&bytes).map_err(|e| e.to_string())?;
            if deliverable(&entry) {
                break entry;
            }
            between.push(BASE64.encode(&bytes));
            next += 1;
        };
        // The peer's last entry from this node is the last it acknowledged:
        // what lies between is not sent to peers.
        let envelope = Envelope { between, ..self.envelope(&entry, after).await? };
        let body = serde_json::to_vec(&envelope).expect("an envelope serialises");
        let (status, answer) = post(&peer.authority, "/peer/v1/entries", body, self.limits.body_timeout).await?;
        if status == 409 {
            return Err(format!("{} holds entry {next} back: {}", peer.party, String::from_utf8_lossy(&answer)));
        }
        if status != 200 && status != 201 {
            return Err(format!("{} answered {status}: {}", peer.party, String::from_utf8_lossy(&answer)));
        }
        let answer: Answer = serde_json::from_slice(&answer).map_err(|e| format!("{}'s answer: {e}", peer.party))?;
        let receipt_bytes = BASE64.decode(&answer.receipt).map_err(|e| format!("{}'s receipt: {e}", peer.party))?;
        let receipt = SignedEntry::decode(&receipt_bytes).map_err(|e| format!("{}'s receipt: {e}", peer.party))?;
        receipt.verify(&peer.key).map_err(|e| format!("{}'s receipt is not signed by its key: {e}", peer.party))?;
        let expected = Reference { party: self.record.party().clone(), sequence: next, leaf_hash: entry.leaf_hash() };
        if !matches!(&receipt.entry().body, Body::Receipt { of } if *of == expected) {
            return Err(format!("{}'s receipt is not for entry {next}", peer.party));
        }
        // The receipt's time decides what was late: it cannot be before the
        // entry, nor more than five minutes ahead of this node's clock.
        let received = time_of(&receipt);
        if received < time_of(&entry) || self.now().seconds_until(received) > 300 {
            return Err(format!("{}'s receipt is dated {received}, outside the entry's time and now", peer.party));
        }
        let mut book = self.book.lock().await;
        let of =
            Reference { party: peer.party.clone(), sequence: receipt.entry().sequence, leaf_hash: receipt.leaf_hash() };
        let draft = Draft { body: Body::Receipt { of }, media_type: ENTRY_MEDIA_TYPE.into(), bytes: receipt_bytes };
        self.submit(draft).await.map_err(|e| e.to_string())?;
        book.note_delivered(self.record.party(), &peer.party, next, received);
        tracing::info!(to = %peer.party, sequence = next, "delivered");
        Ok(true)
    }
}

/// The entry follows the last one received from its sender with nothing
/// deliverable skipped: `previous` is that last one, and every entry of the
/// sender's in between is shown, signed by it, numbered in turn, and not
/// one a peer is sent. Someone replaying a later entry cannot skip any.
fn check_order(entry: &SignedEntry, envelope: &Envelope, last: Option<u64>, peer: &Peer) -> Result<(), Rejected> {
    let sequence = entry.entry().sequence;
    let conflict = |message: String| rejected(StatusCode::CONFLICT, "previous", message);
    if envelope.previous != last {
        let has = last.map_or("none yet".into(), |l| format!("up to entry {l}"));
        return Err(conflict(format!(
            "entry {sequence} follows {:?}, but this node has {has} of {}'s",
            envelope.previous, peer.party
        )));
    }
    let first = last.map_or(0, |l| l + 1);
    let shown = u64::try_from(envelope.between.len()).unwrap_or(u64::MAX);
    if first.checked_add(shown) != Some(sequence) {
        return Err(conflict(format!("entries {first} to {sequence} are not all shown before entry {sequence}")));
    }
    for (i, text) in envelope.between.iter().enumerate() {
        let field = "between";
        let bytes =
            BASE64.decode(text).map_err(|e| rejected(StatusCode::BAD_REQUEST, field, format!("not base64: {e}")))?;
        let shown = SignedEntry::decode(&bytes).map_err(|e| rejected(StatusCode::BAD_REQUEST, field, e.to_string()))?;
        let expected = first + i as u64;
        let signed = shown.verify(&peer.key).is_ok() && shown.entry().party == peer.party;
        if !signed || shown.entry().sequence != expected || deliverable(&shown) {
            let message = format!("between[{i}] is not {}'s undelivered entry {expected}", peer.party);
            return Err(rejected(StatusCode::UNPROCESSABLE_ENTITY, field, message));
        }
    }
    Ok(())
}

/// The envelope's checkpoint is the sender's, and includes the entry.
fn check_inclusion(entry: &SignedEntry, envelope: &Envelope, peer: &Peer) -> Result<(), Rejected> {
    let unprocessable = |field, message: String| rejected(StatusCode::UNPROCESSABLE_ENTITY, field, message);
    let checkpoint = SignedCheckpoint::open(&envelope.checkpoint, &peer.key, &[])
        .map_err(|e| unprocessable("checkpoint", format!("not {}'s signed checkpoint: {e}", peer.party)))?;
    let proof = base64("proof", &envelope.proof)?;
    if proof.len() % 32 != 0 {
        return Err(unprocessable("proof", "a proof is whole 32-byte hashes".into()));
    }
    let proof: Vec<Hash> = proof.chunks_exact(32).map(|c| Hash(c.try_into().expect("32 bytes"))).collect();
    let (index, size) = (entry.entry().sequence, checkpoint.checkpoint.size);
    tree::verify_inclusion(index, size, &entry.leaf_hash(), &proof, &checkpoint.checkpoint.root)
        .map_err(|e| unprocessable("proof", format!("entry {index} is not in the checkpoint of size {size}: {e}")))
}

fn time_of(entry: &SignedEntry) -> Time {
    Time::from_unix_seconds(i64::try_from(entry.entry().time).unwrap_or(i64::MAX))
}

fn internal(error: impl std::fmt::Display) -> Rejected {
    rejected(StatusCode::INTERNAL_SERVER_ERROR, "entry", format!("the record failed: {error}"))
}

/// One HTTP/1.1 POST of JSON to `authority`, within `timeout`.
async fn post(authority: &str, path: &str, body: Vec<u8>, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let request = axum::http::Request::post(path)
            .header(axum::http::header::HOST, authority)
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body))
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1 << 20)
            .await
            .map_err(|e| e.to_string())?;
        Ok((status, bytes.to_vec()))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("no answer from {authority} in time"))?
}
