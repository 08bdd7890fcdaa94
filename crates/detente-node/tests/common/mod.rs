//! What the node's test files share: the keys, tokens and clock of the US
//! node, starting it over a store, serving it on loopback, and one raw
//! HTTP/1.1 request, so that nothing between the test and the server
//! rewrites what is sent.
#![allow(dead_code, reason = "each test file uses its own part of what is shared")]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use detente_log::keys::{Algorithm, SigningKey};
use detente_log::policy::Policy;
use detente_node::party::exchange::Envelope;
use detente_node::party::{Node, Peer, Setup, StartError, TokenHashes, run, token_hash};
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_store::{LogStore, WitnessStore};
use detente_treaty::Catalogue;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request with `headers` (each `Name: value`), on a
/// connection of its own: the status and the body.
pub async fn request(address: SocketAddr, method: &str, path: &str, headers: &[String], body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for header in headers {
        head.push_str(&format!("{header}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.unwrap();
    // A server may answer (413) before taking the whole body; that is not a failure here.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_owned();
    (status, body)
}

pub const US_2020: &str = include_str!("../../../../data/declarations/us-2020-09-01.csv");
pub const OPERATOR: &str = "operator-token";
pub const OBSERVER: &str = "observer-token";
/// The node's clock: 2020-10-10T00:00:00Z.
pub const NOW: u64 = 1_602_288_000;

pub fn catalogue() -> Catalogue {
    let mut catalogue = Catalogue::default();
    catalogue.add_treaty("new-start", include_str!("../../../../data/treaties/new-start.toml")).unwrap();
    catalogue.add_interpretation("ru", include_str!("../../../../data/interpretations/new-start-ru.toml")).unwrap();
    catalogue.add_interpretation("us", include_str!("../../../../data/interpretations/new-start-us.toml")).unwrap();
    catalogue
}

pub fn key() -> SigningKey {
    SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [7; 32]).unwrap()
}

pub async fn node(dir: &Path) -> Result<Node<SqliteStore>, StartError> {
    node_with_peers(dir, Vec::new()).await
}

pub async fn node_with_peers(dir: &Path, peers: Vec<Peer>) -> Result<Node<SqliteStore>, StartError> {
    start_node(SqliteStore::open(&dir.join("us.db")).await.unwrap(), dir, peers).await
}

/// The US node over `store`, its signer state in `dir`.
pub async fn start_node<S: LogStore + Clone>(store: S, dir: &Path, peers: Vec<Peer>) -> Result<Node<S>, StartError> {
    start_node_with(store, dir, peers, None, None).await
}

/// The US node over `store`, witnessed under `policy`, serving over `tls`.
pub async fn start_node_with<S: LogStore + Clone>(
    store: S,
    dir: &Path,
    peers: Vec<Peer>,
    policy: Option<Policy>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<Node<S>, StartError> {
    start_node_pinned(store, dir, peers, policy.map(|p| (p, Default::default())), tls).await
}

/// The US node over `store`, witnessed under a policy whose HTTPS
/// witnesses have the pins given, serving over `tls`.
pub async fn start_node_pinned<S: LogStore + Clone>(
    store: S,
    dir: &Path,
    peers: Vec<Peer>,
    witnessing: Option<(Policy, std::collections::BTreeMap<String, String>)>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<Node<S>, StartError> {
    let (policy, witness_pins) = match witnessing {
        Some((policy, pins)) => (Some(policy), pins),
        None => (None, Default::default()),
    };
    let record = match Record::open(store.clone()).await {
        Ok(record) => record,
        Err(_) => Record::init(store, key().verifier(), "US".parse().unwrap()).await.unwrap(),
    };
    let tokens = TokenHashes { operator_sha256: token_hash(OPERATOR), observer_sha256: token_hash(OBSERVER) };
    let signer = Signer::new(key(), dir.join("us.key.signed"));
    let declaration = Some(("text/csv".to_owned(), US_2020.as_bytes().to_vec()));
    let setup = Setup {
        catalogue: catalogue(),
        treaty: "new-start".into(),
        tokens,
        clock: Arc::new(|| NOW),
        declaration,
        peers,
        policy,
        witness_pins,
        cosigner: None,
        witnessed: Vec::new(),
        tls,
    };
    Node::start(record, signer, setup).await
}

pub fn ru_key() -> SigningKey {
    SigningKey::from_seed("ru.detente.example/record", Algorithm::Ed25519, [8; 32]).unwrap()
}

/// A Russian node with no declaration of its own, its record in `dir`.
pub async fn russian_node(
    dir: &Path,
    peers: Vec<Peer>,
    cosigner: Option<SigningKey>,
    witnessed: Vec<detente_log::keys::VerifierKey>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Node<SqliteStore> {
    let store = SqliteStore::open(&dir.join("ru.db")).await.unwrap();
    let record = match Record::open(store.clone()).await {
        Ok(record) => record,
        Err(_) => Record::init(store, ru_key().verifier(), "RU".parse().unwrap()).await.unwrap(),
    };
    let setup = Setup {
        catalogue: catalogue(),
        treaty: "new-start".into(),
        tokens: TokenHashes { operator_sha256: token_hash(OPERATOR), observer_sha256: token_hash(OBSERVER) },
        clock: Arc::new(|| NOW),
        declaration: None,
        peers,
        policy: None,
        witness_pins: Default::default(),
        cosigner,
        witnessed,
        tls,
    };
    Node::start(record, Signer::new(ru_key(), dir.join("ru.key.signed")), setup).await.unwrap()
}

pub struct Server {
    pub address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn serve<S: LogStore + WitnessStore + Clone + 'static>(node: Node<S>) -> Server {
    serve_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), node)
}

/// Serves `node` on a listener bound already, so that its address can be
/// given to its peers before it starts.
pub fn serve_on<S: LogStore + WitnessStore + Clone + 'static>(
    listener: tokio::net::TcpListener,
    node: Node<S>,
) -> Server {
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run(node, listener, async {
        let _ = stopped.await;
    }));
    Server { address, stop, task }
}

impl Server {
    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }

    /// One HTTP/1.1 request: the status and the body, as JSON when it is.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content: Option<(&str, &[u8])>,
    ) -> (u16, Value) {
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(format!("Authorization: Bearer {token}"));
        }
        let (media_type, body) = content.unwrap_or(("", b""));
        if !media_type.is_empty() {
            headers.push(format!("Content-Type: {media_type}"));
        }
        let (status, body) = request(self.address, method, path, &headers, body).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    pub async fn deliver(&self, envelope: &Envelope) -> (u16, Value) {
        let body = serde_json::to_vec(envelope).unwrap();
        self.call("POST", "/peer/v1/entries", None, Some(("application/json", &body))).await
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, Some(OBSERVER), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    pub async fn notify(&self, submission: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(submission).unwrap();
        self.call("POST", "/api/v1/notifications", Some(OPERATOR), Some(("application/json", &body))).await
    }

    pub async fn size(&self) -> u64 {
        self.get("/api/v1/status").await["record"]["size"].as_u64().unwrap()
    }

    /// The three New START totals of the U.S. database under `reader`'s reading.
    pub async fn totals(&self, reader: &str) -> Vec<u64> {
        let status = self.get("/api/v1/status").await;
        status["counts"]["US"][reader].as_array().unwrap().iter().map(|l| l["total"].as_u64().unwrap()).collect()
    }
}

pub fn converted(uid: &str, at: &str) -> Value {
    json!({ "kind": "change-in-data", "notice": { "events": [
        { "uid": uid, "at": at, "change": { "what": "converted", "armament": "non-nuclear" } }
    ]}})
}

/// Reads the node's quorum state until `done` holds of it (at most 20 s).
pub async fn quorum_until(server: &Server, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    for _ in 0..400 {
        let quorum = server.get("/api/v1/quorum").await;
        if done(&quorum) {
            return quorum;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the quorum state never got there: {}", server.get("/api/v1/quorum").await);
}
