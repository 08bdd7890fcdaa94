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
use detente_log::signatures::KeyTables;
use detente_store::admission::{Draft, admit};
use detente_store::record::{Record, RecordError};
use detente_store::signer::Signer;
use detente_store::{LogStore, WitnessStore};
use detente_treaty::Catalogue;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::Clock;
use crate::http::Limits;

mod api;
pub mod book;
pub mod config;
pub mod exchange;
pub mod feed;
pub mod witnessing;

use book::{Book, Listed, Pending, Refused};
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
    /// The witness policy of the node's record; `None`: it is not witnessed.
    pub policy: Option<detente_log::policy::Policy>,
    /// This node's cosigner key, with which it witnesses its peers' records
    /// at `POST /add-checkpoint`; `None`: it witnesses nobody.
    pub cosigner: Option<detente_log::keys::SigningKey>,
    /// The SHA-256 of the certificate key of each witness of `policy`
    /// reached over HTTPS, by the witness's name in the policy.
    pub witness_pins: std::collections::BTreeMap<String, String>,
    /// Records this node witnesses besides its peers': it cosigns their
    /// checkpoints, and no entry of theirs reaches it. A third state can so
    /// check that two others show one history without reading a word of it.
    pub witnessed: Vec<detente_log::keys::VerifierKey>,
    /// Serve over TLS with this acceptor's certificate.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
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
    /// Each peer's key tables, for checking its signatures many at a time
    /// (`None` for a key no signature could verify under).
    tables: Vec<Option<KeyTables>>,
    /// The record's size, sent after every append: it wakes the outboxes,
    /// so they deliver at once, and the change feed.
    recorded: tokio::sync::watch::Sender<u64>,
    /// `true` once the node is told to stop: the outboxes and the feeds end.
    stopping: tokio::sync::watch::Sender<bool>,
    /// The sequencer: held from a submission's check to its durable append.
    book: Mutex<Book>,
    /// Notifications waiting for the sequencer (see [`Node::notify_all`]).
    waiting: std::sync::Mutex<Vec<Waiting>>,
    policy: Option<detente_log::policy::Policy>,
    /// Where each witness of `policy` is reached, in the policy's order.
    witness_targets: Vec<crate::client::Target>,
    /// What the witnesses have cosigned, kept by the witnessing task.
    quorum: std::sync::Mutex<witnessing::QuorumState>,
    cosigner: Option<detente_log::keys::SigningKey>,
    witnessed: Vec<detente_log::keys::VerifierKey>,
    tls: Option<tokio_rustls::TlsAcceptor>,
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
    #[error("the witness policy: {0}")]
    Policy(String),
    #[error("peer {peer} is not a party of {treaty}, and would be sent every entry of this record")]
    NotAParty { peer: detente_core::Party, treaty: String },
}

impl<S: LogStore> Node<S> {
    /// The node of `record`, its book rebuilt from every entry the record
    /// holds. An empty record first records `declaration`, if given.
    pub async fn start(record: Record<S>, signer: Signer, setup: Setup) -> Result<Node<S>, StartError> {
        let Setup {
            catalogue,
            treaty,
            tokens,
            clock,
            declaration,
            peers,
            policy,
            witness_pins,
            cosigner,
            witnessed,
            tls,
        } = setup;
        let Some(kept_under) = catalogue.treaty(&treaty) else {
            return Err(StartError::UnknownTreaty(treaty));
        };
        // Every peer is sent every entry the node records, so each must be a
        // party of the treaty they are all under: what a treaty's parties
        // declare is not for anyone else.
        if let Some(outsider) = peers.iter().find(|peer| !kept_under.parties.contains(&peer.party)) {
            return Err(StartError::NotAParty { peer: outsider.party.clone(), treaty });
        }
        // A witness keeps what it cosigned by the log's name, so two logs of
        // one name would share that memory, and one could plant "forks"
        // against the other.
        if !witnessed.is_empty() && cosigner.is_none() {
            return Err(StartError::Policy("records to witness are given, but no witness key".into()));
        }
        let mut names: Vec<&str> =
            peers.iter().map(|p| p.key.name()).chain(witnessed.iter().map(|k| k.name())).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(StartError::Policy(format!("two records to witness are both named {}", pair[0])));
        }
        let (quorum, witness_targets) = match &policy {
            Some(policy) => (
                witnessing::QuorumState::of(policy, record.key()).map_err(StartError::Policy)?,
                witnessing::endpoints(policy, &witness_pins).map_err(StartError::Policy)?,
            ),
            None if !witness_pins.is_empty() => {
                return Err(StartError::Policy("witness pins are given, but no policy".into()));
            }
            None => (witnessing::QuorumState::default(), Vec::new()),
        };
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
            tables: peers.iter().map(|p| KeyTables::new(p.key.public_key())).collect(),
            peers,
            recorded: tokio::sync::watch::Sender::new(0),
            stopping: tokio::sync::watch::Sender::new(false),
            book,
            waiting: std::sync::Mutex::new(Vec::new()),
            policy,
            witness_targets,
            quorum: std::sync::Mutex::new(quorum),
            cosigner,
            witnessed,
            tls,
        };
        node.rebuild(&mut *node.book.lock().await).await?;
        if let Some((media_type, bytes)) = declaration
            && node.record.size().await? == 0
        {
            node.declare(&media_type, bytes).await.map_err(|e| StartError::Declaration(e.to_string()))?;
        }
        node.recorded.send_replace(node.record.size().await?);
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

    /// Reads every entry back into `book`, checking each against its key
    /// and every document against its digest.
    async fn rebuild(&self, book: &mut Book) -> Result<(), StartError> {
        let size = self.record.size().await?;
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
                    Body::Receipt { .. } => self.apply_receipt(book, &entry, &content).await,
                    _ => self.apply(book, &entry, content),
                };
                applied.map_err(|e| unreadable(e.to_string()))?;
            }
            start = end;
        }
        Ok(())
    }

    /// Makes the book again from the record, after an append that failed:
    /// the book then holds exactly what was made durable, even where the
    /// failure leaves it unclear whether the commit happened.
    async fn reset(&self, book: &mut Book) {
        *book = Book::new(self.catalogue.clone(), &self.treaty);
        if let Err(error) = self.rebuild(book).await {
            tracing::error!(%error, "the book could not be made again from the record");
        }
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

    /// Keeps what a signed entry says in the book, and lists it.
    fn apply(&self, book: &mut Book, entry: &SignedEntry, content: Vec<u8>) -> Result<(), Refused> {
        if let Some(pending) = self.admit_entry(book, entry, content)? {
            book.list(pending, time_of(entry), entry.leaf_hash().to_hex());
        }
        Ok(())
    }

    /// Checks what a signed entry says against the treaty and the book, and
    /// keeps it there, or refuses it and changes nothing: a declaration
    /// must be its signer's and of the date its entry names, under the
    /// node's treaty; a notification of a kind the treaty defines, whose
    /// events hold against its signer's database. A notification comes
    /// back to be listed.
    fn admit_entry(&self, book: &mut Book, entry: &SignedEntry, content: Vec<u8>) -> Result<Option<Pending>, Refused> {
        let party = &entry.entry().party;
        let media_type = entry.entry().content.media_type();
        let draft = Draft { body: entry.entry().body.clone(), media_type: media_type.into(), bytes: content };
        match &entry.entry().body {
            Body::Declaration { treaty, .. } | Body::Notification { treaty, .. } if treaty != &self.treaty => {
                Err(Refused::new("entry", format!("under {treaty}, and this node keeps {}", self.treaty)))
            }
            Body::Declaration { as_of, .. } => {
                let declaration = self.read_declaration(media_type, &draft.bytes)?;
                if declaration.party() != party || declaration.as_of() != *as_of {
                    let says = format!("{} as of {}", declaration.party(), declaration.as_of());
                    return Err(Refused::new(
                        "entry",
                        format!("the entry is {party}'s as of {as_of}, the document {says}"),
                    ));
                }
                book.declare(declaration)?;
                Ok(None)
            }
            Body::Notification { notice, .. } => {
                let contents: detente_core::Notice = serde_json::from_slice(&draft.bytes)
                    .map_err(|e| Refused::new("content", detente_core::shortened(&e.to_string())))?;
                book.admit(party, notice, contents, entry.entry().sequence).map(Some)
            }
            _ => {
                admit(&self.catalogue, party, &draft).map_err(|e| Refused::new("entry", e.to_string()))?;
                Ok(None)
            }
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

    /// Checks a notification of this node's party, records it, lists it.
    pub async fn notify(&self, kind: &str, notice: detente_core::Notice) -> Result<Listed, Submitted> {
        self.notify_all(vec![(kind.to_owned(), notice)]).await.remove(0)
    }

    /// Checks notifications of this node's party, in order, and records
    /// those that hold: each answer says how its notification fared.
    ///
    /// Group commit: every submission waits in `waiting`, and whoever
    /// holds the sequencer next records all those waiting then in one
    /// durable append and one checkpoint. While one batch is being made
    /// durable the next one gathers, so the batches grow with the load.
    pub async fn notify_all(&self, notices: Vec<(String, detente_core::Notice)>) -> Vec<Result<Listed, Submitted>> {
        let answers: Vec<_> = {
            let mut waiting = self.waiting.lock().expect("no panic while holding the queue");
            notices
                .into_iter()
                .map(|(kind, notice)| {
                    let (answer, answered) = tokio::sync::oneshot::channel();
                    waiting.push(Waiting { kind, notice, answer });
                    answered
                })
                .collect()
        };
        let mut answers = answers.into_iter();
        let mut first = answers.next().expect("at least one notification");
        // Either another holder of the sequencer takes this submission into
        // its group, and the answer comes without waiting for the book, or
        // this one gets the book and records every submission waiting. A
        // submission already answered must not queue for the book: it would
        // hold its client's answer back for the next group's append.
        let answered = tokio::select! {
            answered = &mut first => answered,
            mut book = self.book.lock() => {
                self.record_waiting(&mut book).await;
                drop(book);
                first.await
            }
        };
        let mut results = Vec::with_capacity(answers.len() + 1);
        results.push(answered.expect("a queued submission is answered"));
        for answered in answers {
            // Taken into the same group as the first: the holder of the
            // book answers them all before letting it go.
            results.push(answered.await.expect("a queued submission is answered"));
        }
        results
    }

    /// Records every notification waiting: checked one after another
    /// against the book, then appended together.
    async fn record_waiting(&self, book: &mut Book) {
        let waiting = std::mem::take(&mut *self.waiting.lock().expect("no panic while holding the queue"));
        if waiting.is_empty() {
            return;
        }
        let size = match self.record.size().await {
            Ok(size) => size,
            Err(error) => {
                let error = error.to_string();
                for job in waiting {
                    let _ = job.answer.send(Err(Submitted::Failed(error.clone())));
                }
                return;
            }
        };
        let own = self.record.party().clone();
        let mut drafts = Vec::new();
        let mut admitted = Vec::new();
        for Waiting { kind, notice, answer } in waiting {
            let bytes = serde_json::to_vec(&notice).expect("a notice serialises");
            let sequence = size + drafts.len() as u64;
            match book.admit(&own, &kind, notice, sequence) {
                Ok(pending) => {
                    let body = Body::Notification { treaty: self.treaty.clone(), notice: kind, refers_to: None };
                    drafts.push(Draft { body, media_type: NOTICE_MEDIA_TYPE.into(), bytes });
                    admitted.push((pending, answer));
                }
                Err(refused) => {
                    let _ = answer.send(Err(Submitted::Refused(refused)));
                }
            }
        }
        match self.append(book, drafts).await {
            Ok(entries) => {
                for ((pending, answer), entry) in admitted.into_iter().zip(entries) {
                    debug_assert_eq!(pending.sequence(), entry.entry().sequence);
                    book.list(pending, time_of(&entry), entry.leaf_hash().to_hex());
                    let listed = book.listed().last().expect("just listed").clone();
                    let _ = answer.send(Ok(listed));
                }
            }
            Err(error) => {
                for (_, answer) in admitted {
                    let _ = answer.send(Err(Submitted::Failed(error.to_string())));
                }
            }
        }
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
        let body = Body::Declaration { treaty: self.treaty.clone(), as_of: declaration.as_of() };
        book.declare(declaration).map_err(Submitted::Refused)?;
        if let Content::Digest { sha256, .. } = Content::of(media_type, bytes.clone())
            && let Err(error) = self.record.store().put_document(&detente_log::Hash(sha256), &bytes).await
        {
            self.reset(&mut book).await;
            return Err(Submitted::Failed(RecordError::from(error).to_string()));
        }
        let mut entries = self.append(&mut book, vec![Draft { body, media_type: media_type.into(), bytes }]).await?;
        Ok(entries.remove(0))
    }

    /// Records drafts the book has taken already, in one durable append,
    /// and signs a checkpoint over them, so the record can be verified and
    /// witnessed as it stands after every batch. If the append fails the
    /// book is made again from the record.
    async fn append(&self, book: &mut Book, drafts: Vec<Draft>) -> Result<Vec<SignedEntry>, Submitted> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let time = u64::try_from(self.now().unix_seconds()).unwrap_or(0);
        let entries = match self.record.submit_and_checkpoint(&self.signer, &self.catalogue, &drafts, time).await {
            Ok(detente_store::record::Submission { entries, checkpoint }) => {
                // The entries are durable now, so the caller keeps them
                // whatever came next; a checkpoint that failed is signed
                // with the next one.
                if let Err(error) = checkpoint {
                    tracing::warn!(%error, "the checkpoint after an append failed; the next one covers it");
                }
                entries
            }
            Err(error) => {
                self.reset(book).await;
                return Err(Submitted::Record(error));
            }
        };
        if let Some(last) = entries.last() {
            self.recorded.send_replace(last.entry().sequence + 1);
        }
        for entry in &entries {
            let entry = entry.entry();
            tracing::debug!(party = %entry.party, sequence = entry.sequence, body = ?entry.body.kind(), "recorded");
        }
        tracing::info!(entries = entries.len(), last = entries.last().map(|e| e.entry().sequence), "recorded");
        Ok(entries)
    }
}

/// A notification waiting for the sequencer, and where its answer goes.
struct Waiting {
    kind: String,
    notice: detente_core::Notice,
    answer: tokio::sync::oneshot::Sender<Result<Listed, Submitted>>,
}

/// When an entry's record took it.
fn time_of(entry: &SignedEntry) -> Time {
    Time::from_unix_seconds(i64::try_from(entry.entry().time).unwrap_or(i64::MAX))
}

/// Why a submission was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum Submitted {
    #[error(transparent)]
    Refused(Refused),
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A failure met by a batch this submission was part of.
    #[error("the record failed: {0}")]
    Failed(String),
}

/// Serves `node` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn run<S: LogStore + WitnessStore + Clone + 'static>(
    node: Node<S>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = node.limits;
    let node = Arc::new(node);
    // The outboxes, the witnessing and the change feeds stop when the server is told to;
    // the node's `stopping` carries that to each of them, and the server's
    // own shutdown follows.
    let mut tasks: Vec<_> = (0..node.peers.len()).map(|index| tokio::spawn(node.clone().deliver(index))).collect();
    tasks.push(tokio::spawn(node.clone().witness_rounds()));
    let stopping = node.clone();
    let told = async move {
        shutdown.await;
        stopping.stopping.send_replace(true);
    };
    let served = crate::http::serve_over(listener, node.tls.clone(), api::router(node), limits, told).await;
    for task in tasks {
        let _ = task.await;
    }
    served
}

/// The node's routes, for [`run`] and for tests that drive it without a socket.
pub fn router<S: LogStore + WitnessStore + Clone + 'static>(node: Node<S>) -> axum::Router {
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
