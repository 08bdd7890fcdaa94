//! The change feed, `GET /api/v1/feed`: every entry the node records, as
//! a server-sent event, in the record's order (docs/node.md).
//!
//! The feed is the record read as it grows, not a queue beside it. An
//! event's id is its entry's sequence, so a client that reconnects with
//! `Last-Event-ID` (or `?after=`) goes on where it stopped, and a slow
//! client reads a longer run at its next turn: nothing is held for it here
//! and nothing is dropped.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::Event;
use detente_core::Party;
use detente_log::entry::{Body, Content, SignedEntry};
use detente_store::LogStore;
use futures_util::Stream;
use serde::Serialize;

use super::{Node, time_of};

/// The most entries the feed reads from the store at once.
const READ_AT_ONCE: u64 = 256;

/// What an entry of the record says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum Change {
    /// A declaration of this node's party, as of a date.
    Declared { as_of: String },
    /// A notification of this node's party, of a kind the treaty defines.
    Notified { notice: String },
    /// This node's receipt for a peer's entry: the entry was received.
    Received { from: Party, sequence: u64 },
    /// A peer's receipt for this node's entry, recorded here: delivered.
    Delivered { to: Party, sequence: u64 },
    /// Entries the exchange does not make (inspection reports, concerns,
    /// escrow commitments), by their kind.
    Other { kind: &'static str },
}

/// One event of the feed: the entry's place and time, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub sequence: u64,
    pub time: detente_core::Time,
    #[serde(flatten)]
    pub change: Change,
}

/// What `entry`, one of this node's record, says happened. A receipt's
/// content is the other side's signed entry: a peer's notification (this
/// node received it) or the peer's receipt of this node's entry (the peer
/// acknowledged it).
pub fn change_of(entry: &SignedEntry) -> Change {
    match &entry.entry().body {
        Body::Declaration { as_of, .. } => Change::Declared { as_of: as_of.to_string() },
        Body::Notification { notice, .. } => Change::Notified { notice: notice.clone() },
        Body::Receipt { of } => {
            let inner = match &entry.entry().content {
                Content::Inline { bytes, .. } => SignedEntry::decode(bytes).ok(),
                Content::Digest { .. } => None,
            };
            match inner.as_ref().map(|inner| &inner.entry().body) {
                Some(Body::Receipt { of: acknowledged }) => {
                    Change::Delivered { to: of.party.clone(), sequence: acknowledged.sequence }
                }
                _ => Change::Received { from: of.party.clone(), sequence: of.sequence },
            }
        }
        other => Change::Other { kind: other.kind().name() },
    }
}

fn event_of(sequence: u64, bytes: &[u8]) -> Event {
    let event = Event::default().id(sequence.to_string());
    match SignedEntry::decode(bytes) {
        Ok(entry) => {
            let recorded = Recorded { sequence, time: time_of(&entry), change: change_of(&entry) };
            event.event("recorded").json_data(&recorded).expect("a change serialises")
        }
        // The node read this entry back when it started; one that no longer
        // decodes was changed in the store since, which the feed says.
        Err(error) => event.event("unreadable").data(format!("entry {sequence}: {error}")),
    }
}

struct Reader<S> {
    node: Arc<Node<S>>,
    recorded: tokio::sync::watch::Receiver<u64>,
    stopping: tokio::sync::watch::Receiver<bool>,
    next: u64,
    ready: VecDeque<Event>,
}

impl<S: LogStore + 'static> Node<S> {
    /// The record's entries after `after` (all of them when `None`), then
    /// each one as it is recorded, until the node stops.
    pub fn feed(self: Arc<Self>, after: Option<u64>) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        let reader = Reader {
            recorded: self.recorded.subscribe(),
            stopping: self.stopping.subscribe(),
            node: self,
            next: after.map_or(0, |after| after.saturating_add(1)),
            ready: VecDeque::new(),
        };
        futures_util::stream::unfold(reader, |mut reader| async move {
            let event = reader.next_event().await?;
            Some((Ok(event), reader))
        })
    }
}

impl<S: LogStore> Reader<S> {
    async fn next_event(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if *self.stopping.borrow() {
                return None;
            }
            let size = *self.recorded.borrow_and_update();
            if self.next < size {
                let end = size.min(self.next + READ_AT_ONCE);
                match self.node.record.store().read_entries(self.next, end).await {
                    Ok(read) => {
                        self.ready.extend((self.next..).zip(read).map(|(sequence, bytes)| event_of(sequence, &bytes)))
                    }
                    Err(error) => {
                        // The client reconnects with the last id it got.
                        tracing::warn!(%error, "the feed could not read the record");
                        return None;
                    }
                }
                self.next = end;
                continue;
            }
            tokio::select! {
                changed = self.recorded.changed() => changed.ok()?,
                _ = self.stopping.changed() => {}
            }
        }
    }
}
