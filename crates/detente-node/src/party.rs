//! A party's node: its record, the book derived from it, and the operator
//! API under `/api/v1/` (docs/node.md). Every submission is checked by the
//! treaty engine and the party's ledger before anything is signed, and one
//! sequencer (the book's lock, held across the durable append) numbers
//! them, so what the book holds is always what the record holds.

use std::future::Future;
use std::sync::Arc;

use detente_core::Time;
use detente_core::codec;
use detente_log::entry::{Body, Content, SignedEntry};
use detente_store::LogStore;
use detente_store::admission::{Draft, admit};
use detente_store::record::{Record, RecordError};
use detente_store::signer::Signer;
use detente_treaty::Catalogue;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::Clock;
use crate::http::Limits;

mod api;
pub mod book;
pub mod config;
pub mod exchange;

use book::{Book, Prepared, Refused};
pub use config::{ConfigFile, Peer, PeerFile, Role, TokenHashes, token_hash};

/// The media type of a notification's contents in its entry.
pub const NOTICE_MEDIA_TYPE: &str = "application/vnd.detente.notice+json";

/// The node's server limits: the shared defaults, but bodies up to 4 MiB,
/// since a whole declaration (about 130 KB for the United States' 2,000
/// items) comes in one request.
pub const NODE_LIMITS: Limits = Limits { max_body_bytes: 4 << 20, ..Limits::DEFAULT };

/// What a node is given besides its record and its signer, resolved from
/// its configuration.
pub struct Setup {
    pub catalogue: Catalogue,
    /// The treaty the record is kept under, by id.
    pub treaty: String,
    pub tokens: TokenHashes,
    pub clock: Clock,
    /// The party's full declaration (media type, bytes), recorded when the
    /// record is empty.
    pub declaration: Option<(String, Vec<u8>)>,
    pub peers: Vec<Peer>,
}

/// A running party's node.
pub struct Node<S> {
    record: Record<S>,
    signer: Signer,
    catalogue: Arc<Catalogue>,
    treaty: String,
    tokens: TokenHashes,
    clock: Clock,
    limits: Limits,
    peers: Vec<Peer>,
    /// Woken when an entry is recorded, so the outbox delivers it at once.
    recorded: tokio::sync::Notify,
    /// The sequencer: held from a submission's check to its durable append.
    book: Mutex<Book>,
}

/// Why a node cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("the catalogue has no treaty {0:?}")]
    UnknownTreaty(String),
    #[error("entry {sequence} of the record cannot be read back: {problem}")]
    Unreadable { sequence: u64, problem: String },
    #[error("the declaration to record: {0}")]
    Declaration(String),
}

impl<S: LogStore> Node<S> {
    /// The node of `record`, its book rebuilt from every entry the record
    /// holds. An empty record first records `declaration`, if given.
    pub async fn start(record: Record<S>, signer: Signer, setup: Setup) -> Result<Node<S>, StartError> {
        let Setup { catalogue, treaty, tokens, clock, declaration, peers } = setup;
        if catalogue.treaty(&treaty).is_none() {
            return Err(StartError::UnknownTreaty(treaty));
        }
        let catalogue = Arc::new(catalogue);
        let book = Mutex::new(Book::new(catalogue.clone(), &treaty));
        let node = Node {
            record,
            signer,
            catalogue,
            treaty,
            tokens,
            clock,
            limits: NODE_LIMITS,
            peers,
            recorded: tokio::sync::Notify::new(),
            book,
        };
        node.rebuild().await?;
        if let Some((media_type, bytes)) = declaration
            && node.record.size().await? == 0
        {
            node.declare(&media_type, bytes).await.map_err(|e| StartError::Declaration(e.to_string()))?;
        }
        Ok(node)
    }

    pub fn record(&self) -> &Record<S> {
        &self.record
    }

    pub fn book(&self) -> &Mutex<Book> {
        &self.book
    }

    fn now(&self) -> Time {
        Time::from_unix_seconds(i64::try_from((self.clock)()).unwrap_or(i64::MAX))
    }

    /// Reads every entry back into the book, checking each against its key
    /// and every document against its digest.
    async fn rebuild(&self) -> Result<(), StartError> {
        let size = self.record.size().await?;
        let mut book = self.book.lock().await;
        let mut start = 0;
        while start < size {
            let end = size.min(start + 1024);
            for (sequence, bytes) in
                (start..).zip(self.record.store().read_entries(start, end).await.map_err(RecordError::from)?)
            {
                let unreadable = |problem: String| StartError::Unreadable { sequence, problem };
                let entry = SignedEntry::decode(&bytes).map_err(|e| unreadable(e.to_string()))?;
                entry.verify(self.record.key()).map_err(|e| unreadable(e.to_string()))?;
                if entry.entry().sequence != sequence || &entry.entry().party != self.record.party() {
                    return Err(unreadable("it is not this record's entry of that place".into()));
                }
                let content = self.content(&entry).await.map_err(|e| unreadable(e.to_string()))?;
                let applied = match entry.entry().body {
                    Body::Receipt { .. } => self.apply_receipt(&mut book, &entry, &content).await,
                    _ => self.apply(&mut book, &entry, content),
                };
                applied.map_err(|e| unreadable(e.to_string()))?;
            }
            start = end;
        }
        Ok(())
    }

    /// An entry's content, from the entry or, by digest, from the store.
    async fn content(&self, entry: &SignedEntry) -> Result<Vec<u8>, Refused> {
        match &entry.entry().content {
            Content::Inline { bytes, .. } => Ok(bytes.clone()),
            Content::Digest { sha256, .. } => {
                let stored = self.record.store().document(&detente_log::Hash(*sha256)).await;
                let bytes =
                    stored.ok().flatten().ok_or_else(|| Refused::new("content", "its document is not in the store"))?;
                let actual: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bytes).into();
                if &actual != sha256 {
                    return Err(Refused::new(
                        "content",
                        "the stored document does not have the digest the entry names",
                    ));
                }
                Ok(bytes)
            }
        }
    }

    /// Keeps what a recorded entry says in the book.
    fn apply(&self, book: &mut Book, entry: &SignedEntry, content: Vec<u8>) -> Result<(), Refused> {
        let prepared = self.prepare(book, entry, content)?;
        book.take(prepared)
    }

    /// Checks what an entry says against the treaty and the book, changing
    /// nothing: a declaration must be its signer's and of the date its
    /// entry names, under the node's treaty; a notification of a kind the
    /// treaty defines, whose events hold against its signer's database.
    fn prepare(&self, book: &Book, entry: &SignedEntry, content: Vec<u8>) -> Result<Prepared, Refused> {
        let party = &entry.entry().party;
        let media_type = entry.entry().content.media_type();
        let draft = Draft { body: entry.entry().body.clone(), media_type: media_type.into(), bytes: content };
        admit(&self.catalogue, party, &draft).map_err(|e| Refused::new("entry", e.to_string()))?;
        match &entry.entry().body {
            Body::Declaration { treaty, .. } | Body::Notification { treaty, .. } if treaty != &self.treaty => {
                Err(Refused::new("entry", format!("under {treaty}, and this node keeps {}", self.treaty)))
            }
            Body::Declaration { .. } => {
                let declaration = self.read_declaration(media_type, &draft.bytes)?;
                book.check_declaration(&declaration)?;
                Ok(Prepared::Declaration(declaration))
            }
            Body::Notification { notice, .. } => {
                let contents: detente_core::Notice = serde_json::from_slice(&draft.bytes)
                    .map_err(|e| Refused::new("content", detente_core::shortened(&e.to_string())))?;
                let checked = book.check(party, notice, contents)?;
                let recorded = Time::from_unix_seconds(i64::try_from(entry.entry().time).unwrap_or(i64::MAX));
                Ok(Prepared::Notification {
                    checked: Box::new(checked),
                    sequence: entry.entry().sequence,
                    recorded,
                    leaf_hash: entry.leaf_hash().to_hex(),
                })
            }
            _ => Ok(Prepared::Nothing),
        }
    }

    fn read_declaration(&self, media_type: &str, bytes: &[u8]) -> Result<detente_core::Declaration, Refused> {
        let vocabulary = self.catalogue.vocabulary();
        let read = match media_type {
            "text/csv" => codec::read_csv(bytes, &vocabulary),
            "application/json" => codec::read_json(bytes, &vocabulary),
            other => {
                return Err(Refused::new(
                    "content-type",
                    format!("a declaration is text/csv or application/json, not {other:?}"),
                ));
            }
        };
        read.map_err(|e| Refused::new(e.field.clone().unwrap_or_else(|| "declaration".into()), e.to_string()))
    }

    /// Checks a notification of this node's party, records it, keeps it.
    pub async fn notify(&self, kind: &str, notice: detente_core::Notice) -> Result<SignedEntry, Submitted> {
        let mut book = self.book.lock().await;
        let bytes = serde_json::to_vec(&notice).expect("a notice serialises");
        let checked = book.check(self.record.party(), kind, notice).map_err(Submitted::Refused)?;
        let body = Body::Notification { treaty: self.treaty.clone(), notice: kind.to_owned(), refers_to: None };
        let draft = Draft { body, media_type: NOTICE_MEDIA_TYPE.into(), bytes };
        let entry = self.submit(draft).await?;
        let recorded = Time::from_unix_seconds(i64::try_from(entry.entry().time).unwrap_or(i64::MAX));
        book.keep(checked, entry.entry().sequence, recorded, entry.leaf_hash().to_hex());
        Ok(entry)
    }

    /// Checks a full declaration of this node's party, records it (the
    /// document by digest when it is large), keeps it.
    pub async fn declare(&self, media_type: &str, bytes: Vec<u8>) -> Result<SignedEntry, Submitted> {
        let mut book = self.book.lock().await;
        let declaration = self.read_declaration(media_type, &bytes).map_err(Submitted::Refused)?;
        if declaration.party() != self.record.party() {
            let message =
                format!("a declaration of {}, and this is {}'s node", declaration.party(), self.record.party());
            return Err(Submitted::Refused(Refused::new("party", message)));
        }
        book.check_declaration(&declaration).map_err(Submitted::Refused)?;
        let body = Body::Declaration { treaty: self.treaty.clone(), as_of: declaration.as_of() };
        if let Content::Digest { sha256, .. } = Content::of(media_type, bytes.clone()) {
            self.record.store().put_document(&detente_log::Hash(sha256), &bytes).await.map_err(RecordError::from)?;
        }
        let entry = self.submit(Draft { body, media_type: media_type.into(), bytes }).await?;
        book.declare(declaration).map_err(Submitted::Refused)?;
        Ok(entry)
    }

    /// Records one checked draft, and signs a checkpoint over it, so the
    /// record can be verified and witnessed as it stands after every
    /// submission.
    async fn submit(&self, draft: Draft) -> Result<SignedEntry, Submitted> {
        let time = u64::try_from(self.now().unix_seconds()).unwrap_or(0);
        let mut entries = self.record.submit(&self.signer, &self.catalogue, &[draft], time).await?;
        let entry = entries.remove(0);
        // The entry is durable now, so the caller keeps it whatever comes
        // next; a checkpoint that fails here is signed with the next one.
        if let Err(error) = self.record.checkpoint(&self.signer).await {
            tracing::warn!(%error, "the checkpoint after an entry failed; the next one covers it");
        }
        self.recorded.notify_waiters();
        tracing::info!(party = %entry.entry().party, sequence = entry.entry().sequence, body = ?entry.entry().body.kind(), "recorded");
        Ok(entry)
    }
}

/// Why a submission was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum Submitted {
    #[error(transparent)]
    Refused(Refused),
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// Serves `node` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn run<S: LogStore + 'static>(
    node: Node<S>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = node.limits;
    let node = Arc::new(node);
    // The outboxes stop when the server is told to; the watch carries that
    // to each of them, and the server's own shutdown follows.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let outboxes: Vec<_> =
        (0..node.peers.len()).map(|index| tokio::spawn(node.clone().deliver(index, stopping.clone()))).collect();
    let told = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let served = crate::http::serve(listener, api::router(node), limits, told).await;
    for outbox in outboxes {
        let _ = outbox.await;
    }
    served
}

/// The node's routes, for [`run`] and for tests that drive it without a socket.
pub fn router<S: LogStore + 'static>(node: Node<S>) -> axum::Router {
    api::router(Arc::new(node))
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup").field("treaty", &self.treaty).field("peers", &self.peers).finish_non_exhaustive()
    }
}

impl<S> std::fmt::Debug for Node<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("treaty", &self.treaty).finish_non_exhaustive()
    }
}
