//! A party's node in-process on loopback, over a real SQLite store: the
//! operator API records only what the treaty engine and the party's ledger
//! accept, refuses the rest naming the field with nothing recorded, counts
//! under every reading, and rebuilds what it knows from its record.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use detente_log::keys::{Algorithm, SigningKey};
use detente_node::party::exchange::Envelope;
use detente_node::party::{Node, Peer, Setup, StartError, TokenHashes, run, token_hash};
use detente_store::LogStore;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_treaty::Catalogue;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const US_2020: &str = include_str!("../../../data/declarations/us-2020-09-01.csv");
const OPERATOR: &str = "operator-token";
const OBSERVER: &str = "observer-token";
/// The node's clock: 2020-10-10T00:00:00Z.
const NOW: u64 = 1_602_288_000;

fn catalogue() -> Catalogue {
    let mut catalogue = Catalogue::default();
    catalogue.add_treaty("new-start", include_str!("../../../data/treaties/new-start.toml")).unwrap();
    catalogue.add_interpretation("ru", include_str!("../../../data/interpretations/new-start-ru.toml")).unwrap();
    catalogue.add_interpretation("us", include_str!("../../../data/interpretations/new-start-us.toml")).unwrap();
    catalogue
}

fn key() -> SigningKey {
    SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [7; 32]).unwrap()
}

async fn node(dir: &Path) -> Result<Node<SqliteStore>, StartError> {
    node_with_peers(dir, Vec::new()).await
}

async fn node_with_peers(dir: &Path, peers: Vec<Peer>) -> Result<Node<SqliteStore>, StartError> {
    start_node(SqliteStore::open(&dir.join("us.db")).await.unwrap(), dir, peers).await
}

/// The US node over `store`, its signer state in `dir`.
async fn start_node<S: LogStore + Clone>(store: S, dir: &Path, peers: Vec<Peer>) -> Result<Node<S>, StartError> {
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
    };
    Node::start(record, signer, setup).await
}

struct Server {
    address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve<S: LogStore + 'static>(node: Node<S>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run(node, listener, async {
        let _ = stopped.await;
    }));
    Server { address, stop, task }
}

impl Server {
    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }

    /// One HTTP/1.1 request: the status and the body, as JSON when it is.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content: Option<(&str, &[u8])>,
    ) -> (u16, Value) {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.address);
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let (media_type, body) = content.unwrap_or(("", b""));
        if !media_type.is_empty() {
            head.push_str(&format!("Content-Type: {media_type}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(head.as_bytes()).await.unwrap();
        let _ = stream.write_all(body).await;
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        (status, serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())))
    }

    async fn deliver(&self, envelope: &Envelope) -> (u16, Value) {
        let body = serde_json::to_vec(envelope).unwrap();
        self.call("POST", "/peer/v1/entries", None, Some(("application/json", &body))).await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, Some(OBSERVER), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn notify(&self, submission: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(submission).unwrap();
        self.call("POST", "/api/v1/notifications", Some(OPERATOR), Some(("application/json", &body))).await
    }

    async fn size(&self) -> u64 {
        self.get("/api/v1/status").await["record"]["size"].as_u64().unwrap()
    }

    /// The three New START totals of the U.S. database under `reader`'s reading.
    async fn totals(&self, reader: &str) -> Vec<u64> {
        let status = self.get("/api/v1/status").await;
        status["counts"]["US"][reader].as_array().unwrap().iter().map(|l| l["total"].as_u64().unwrap()).collect()
    }
}

fn converted(uid: &str, at: &str) -> Value {
    json!({ "kind": "change-in-data", "notice": { "events": [
        { "uid": uid, "at": at, "change": { "what": "converted", "armament": "non-nuclear" } }
    ]}})
}

#[tokio::test]
async fn the_node_records_what_the_engine_accepts_and_refuses_the_rest_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(node(dir.path()).await.unwrap()).await;
    assert_eq!(server.call("GET", "/api/v1/status", None, None).await.0, 401);
    assert_eq!(server.call("GET", "/api/v1/status", Some("guess"), None).await.0, 401);
    assert_eq!(server.size().await, 1, "the declaration is recorded on the first start");
    // The published figures of 2020-09-01: 675 deployed, 1,457 warheads, 800 launchers.
    let (us_before, ru_before) = (server.totals("US").await, server.totals("RU").await);
    assert_eq!(us_before, [675, 1457, 800]);

    let conversion = converted("US-B-B52H-001", "2020-10-08T09:00:00Z");
    let body = serde_json::to_vec(&conversion).unwrap();
    let observed =
        server.call("POST", "/api/v1/notifications", Some(OBSERVER), Some(("application/json", &body))).await;
    assert_eq!(observed.0, 403, "observers cannot write");
    assert_eq!(server.size().await, 1);

    let (status, listed) = server.notify(&conversion).await;
    assert_eq!(status, 201, "{listed}");
    assert_eq!((listed["sequence"].as_u64(), listed["late"].as_bool()), (Some(1), Some(false)));
    assert_eq!(listed["due"], "2020-10-13T09:00:00Z");
    assert_eq!(server.size().await, 2);
    // The United States counts the converted bomber out of all three
    // limits. Russia, which never accepted the conversions, reads it as a
    // non-deployed bomber: out of the deployed, still under the 800, which
    // it sees exceeded by 101 as before.
    assert_eq!(server.totals("US").await, [674, 1456, 799]);
    assert_eq!(ru_before, [675, 1457, 901]);
    assert_eq!(server.totals("RU").await, [674, 1456, 901], "Russia's reading keeps the bomber under the 800");

    let refused = [
        (
            json!({ "kind": "movement", "notice": { "events": [
                { "uid": "US-B-B52H-002", "at": "2020-10-09T00:00:00Z", "change": { "what": "moved", "from": "MINOT", "to": "EDWARDS" } }
            ]}}),
            "events[0].change.from",
        ),
        (converted("US-B-B52H-999", "2020-10-09T00:00:00Z"), "events[0].uid"),
        (converted("US-B-B52H-001", "2020-10-09T00:00:00Z"), "events[0].change"),
        (
            json!({ "kind": "change-in-data", "notice": { "events": [
                { "uid": "US-B-NEW-1", "at": "2020-10-09T00:00:00Z", "change": { "what": "created", "kind": "heavy-bomber",
                  "type": "B-52H", "facility": "MINOT", "status": "converted", "armament": "non-nuclear", "warheads": 2 } }
            ]}}),
            "events[0].change.warheads",
        ),
        (
            json!({ "kind": "change-in-data", "notice": { "events": [
                { "uid": "US-B-B52H-002", "at": "2020-10-09T00:00:00Z", "change": { "what": "moved", "from": "BARKSDALE", "to": "MINOT" } }
            ]}}),
            "events[0].change.what",
        ),
        (
            json!({ "kind": "launch", "notice": { "fields": { "launch": "2020-10-12T00:00:00Z" } } }),
            "fields.launch-area",
        ),
        (json!({ "kind": "inspection", "notice": {} }), "kind"),
        (json!({ "kind": "six-monthly-update", "notice": {} }), "kind"),
    ];
    for (submission, field) in refused {
        let (status, body) = server.notify(&submission).await;
        assert_eq!((status, body["field"].as_str()), (422, Some(field)), "{submission}: {body}");
    }
    let malformed: [(&str, &[u8], u16, Option<&str>); 4] = [
        (
            "application/json",
            b"{\"kind\": \"movement\", \"notice\": {\"events\": [{\"uid\": 5}]}}",
            400,
            Some("notice.events[0].uid"),
        ),
        ("application/json", b"{not json", 400, None),
        ("text/plain", b"{}", 415, None),
        ("application/json", &[b' '; 5 << 20], 413, None),
    ];
    for (media_type, body, expected, field) in malformed {
        let (status, answer) =
            server.call("POST", "/api/v1/notifications", Some(OPERATOR), Some((media_type, body))).await;
        assert_eq!(status, expected, "{answer}");
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{answer}");
        }
    }
    assert_eq!(server.size().await, 2, "nothing refused was recorded");

    // A late notification is recorded, and it is a finding.
    let (status, late) = server.notify(&converted("US-B-B52H-002", "2020-10-01T00:00:00Z")).await;
    assert_eq!((status, late["late"].as_bool()), (201, Some(true)), "{late}");
    let findings = server.get("/api/v1/findings").await;
    let kinds: Vec<(&str, &Value)> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["finding"]["finding"].as_str().unwrap(), &f["reading"]))
        .collect();
    // Under Russia's reading the United States is over the 800.
    assert_eq!(kinds, [("late-notification", &Value::Null), ("limit-exceeded", &json!("RU"))], "{findings}");

    // What each party owes next: the update as of 2021-03-01, due 30 days later.
    let deadlines = server.get("/api/v1/deadlines").await;
    let us = deadlines["deadlines"].as_array().unwrap().iter().find(|d| d["party"] == "US").unwrap().clone();
    assert_eq!(
        (us["kind"].as_str(), us["as_of"].as_str(), us["due"].as_str()),
        (Some("six-monthly-update"), Some("2021-03-01"), Some("2021-03-31T00:00:00Z"))
    );
    assert_eq!(us["seconds_left"].as_i64(), Some(172 * 86_400));
    let history = server.get("/api/v1/parties/US/items/US-B-B52H-001").await;
    assert_eq!(history["declared"]["status"], "deployed");
    assert_eq!(history["steps"][0]["after"]["status"], "converted");
    assert_eq!(server.call("GET", "/api/v1/parties/US/items/NOPE", Some(OBSERVER), None).await.0, 404);
    let before = server.get("/api/v1/parties/US/database?at=2020-10-08T00:00:00Z").await;
    let item = before["items"].as_array().unwrap().iter().find(|i| i["uid"] == "US-B-B52H-001").unwrap().clone();
    assert_eq!(item["status"], "deployed");
    let page = server.get("/api/v1/notifications?limit=1").await;
    assert_eq!((page["notifications"][0]["sequence"].as_u64(), page["next_after"].as_u64()), (Some(1), Some(0)));
    let rest = server.get("/api/v1/notifications?after=0").await;
    assert_eq!(rest["notifications"].as_array().unwrap().len(), 1);
    assert!(rest["next_after"].is_null());
    server.stop().await;

    // Restarted on the same store, the node knows what its record holds.
    let server = serve(node(dir.path()).await.unwrap()).await;
    assert_eq!(server.size().await, 3, "the declaration is not recorded twice");
    assert_eq!(server.totals("US").await, [673, 1455, 798]);
    assert_eq!(server.get("/api/v1/notifications").await["notifications"].as_array().unwrap().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn a_document_changed_in_the_store_stops_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let first = node(dir.path()).await.unwrap();
    let store = first.record().store().clone();
    drop(first);
    let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(US_2020.as_bytes()).into();
    let edited = US_2020.replacen(
        "US-B-B52H-001,heavy-bomber,B-52H,BARKSDALE,deployed",
        "US-B-B52H-001,heavy-bomber,B-52H,BARKSDALE,converted",
        1,
    );
    sqlx::query("UPDATE documents SET data = $1").bind(edited.as_bytes()).execute(store.pool()).await.unwrap();
    assert!(store.document(&detente_log::Hash(digest)).await.unwrap().is_some());
    let error = node(dir.path()).await.unwrap_err();
    assert!(matches!(error, StartError::Unreadable { sequence: 0, .. }), "{error}");
    assert!(error.to_string().contains("digest"), "{error}");
}

/// Random requests against a live node: whatever the method, path, token,
/// content type and body, the answer is never a server error, refusals
/// are JSON naming what is wrong, and the record grows only by what was
/// answered 201.
#[test]
fn random_requests_never_break_the_node_or_record_what_they_should_not() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = runtime.block_on(async { serve(node(dir.path()).await.unwrap()).await });
    let paths = [
        "/api/v1/status",
        "/api/v1/notifications",
        "/api/v1/notifications?limit=0&after=-1",
        "/api/v1/notifications?party=us",
        "/api/v1/declarations",
        "/api/v1/counts",
        "/api/v1/findings",
        "/api/v1/deadlines",
        "/api/v1/parties/US/items/US-B-B52H-003",
        "/api/v1/parties/ZZ/database?at=2020",
        "/api/v1/parties/%FF/items/x",
        "/nothing",
    ];
    let bodies = prop_oneof![
        Just(converted("US-B-B52H-003", "2020-10-09T00:00:00Z").to_string()),
        Just(r#"{"kind":"launch","notice":{"fields":{"launch":"2020-10-12T00:00:00Z","launch-area":"a","impact-area":"b"}}}"#.to_owned()),
        "\\PC{0,200}",
        proptest::collection::vec(proptest::char::range(' ', '~'), 0..300).prop_map(|c| c.into_iter().collect()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 128, ..ProptestConfig::default() });
    let strategy = (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        proptest::sample::select(paths.to_vec()),
        prop_oneof![Just(Some(OPERATOR)), Just(Some(OBSERVER)), Just(None), Just(Some("x"))],
        prop_oneof![Just("application/json"), Just("text/csv"), Just("application/json; charset=utf-8"), Just("")],
        bodies,
    );
    runner
        .run(&strategy, |(method, path, token, media_type, body)| {
            runtime.block_on(async {
                let before = server.size().await;
                let content = (!media_type.is_empty()).then_some((media_type, body.as_bytes()));
                let (status, answer) = server.call(method, path, token, content).await;
                let after = server.size().await;
                prop_assert!((200..500).contains(&status), "{method} {path}: {status} {answer}");
                if status == 201 {
                    prop_assert_eq!(after, before + 1);
                } else {
                    prop_assert_eq!(after, before, "{} {}: {} recorded something", method, path, status);
                }
                // A method a route does not take gets axum's bare 405.
                if status >= 400 && status != 405 {
                    prop_assert!(answer["error"].is_string(), "{method} {path}: {status} {answer}");
                }
                Ok(())
            })
        })
        .unwrap();
    runtime.block_on(server.stop());
}

const RU_2020: &str = include_str!("../../../data/declarations/ru-2020-09-01.csv");

fn ru_key() -> SigningKey {
    SigningKey::from_seed("ru.detente.example/record", Algorithm::Ed25519, [8; 32]).unwrap()
}

/// A Russian record, kept here without a node, and the envelopes of its
/// entries as its outbox would send them.
struct Sender {
    record: Record<SqliteStore>,
    signer: Signer,
    catalogue: Catalogue,
}

impl Sender {
    async fn new(dir: &Path) -> Sender {
        let store = SqliteStore::open(&dir.join("ru.db")).await.unwrap();
        let record = Record::init(store, ru_key().verifier(), "RU".parse().unwrap()).await.unwrap();
        Sender { record, signer: Signer::new(ru_key(), dir.join("ru.key.signed")), catalogue: catalogue() }
    }

    async fn submit(&self, draft: detente_store::admission::Draft) -> detente_log::entry::SignedEntry {
        let entry = self.record.submit(&self.signer, &self.catalogue, &[draft], NOW).await.unwrap().remove(0);
        self.record.checkpoint(&self.signer).await.unwrap();
        entry
    }

    async fn envelope(
        &self,
        entry: &detente_log::entry::SignedEntry,
        document: Option<&[u8]>,
        previous: Option<u64>,
    ) -> Envelope {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let checkpoint = self.record.latest().await.unwrap().unwrap();
        let proof = self.record.inclusion_proof(entry.entry().sequence, checkpoint.checkpoint.size).await.unwrap();
        Envelope {
            entry: b64.encode(entry.bytes()),
            document: document.map(|d| b64.encode(d)),
            previous,
            between: Vec::new(),
            checkpoint: checkpoint.note.to_string(),
            proof: b64.encode(proof.iter().flat_map(|h| h.0).collect::<Vec<u8>>()),
        }
    }
}

/// The inbox takes only what a configured peer signed, in order, once:
/// a duplicate gets the same receipt, and a gap, a forged signature, an
/// unknown key, a bad proof, a missing document, an oversized body,
/// malformed JSON or a wrong content type gets a 4xx with nothing recorded.
#[tokio::test]
async fn the_inbox_takes_each_peer_entry_once_in_order_and_refuses_the_rest() {
    use base64::Engine as _;
    use detente_log::entry::{Body, Content, Entry};
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    let peer = Peer { party: "RU".parse().unwrap(), authority: "127.0.0.1:9".into(), key: ru_key().verifier().clone() };
    let server = serve(node_with_peers(dir.path(), vec![peer]).await.unwrap()).await;
    let sender = Sender::new(dir.path()).await;
    let declaration = sender
        .submit(detente_store::admission::Draft {
            body: Body::Declaration { treaty: "new-start".into(), as_of: "2020-09-01".parse().unwrap() },
            media_type: "text/csv".into(),
            bytes: RU_2020.as_bytes().to_vec(),
        })
        .await;
    let notice = r#"{"events":[{"uid":"RU-B-TU160-01","at":"2020-10-08T09:00:00Z","change":{"what":"moved","from":"ENGELS","to":"UKRAINKA"}}]}"#;
    let uid_line = RU_2020.lines().find(|l| l.contains(",heavy-bomber,") && l.contains(",deployed,")).unwrap();
    let fields: Vec<&str> = uid_line.split(',').collect();
    let other_base = RU_2020
        .lines()
        .find(|l| l.starts_with("# facility: ") && l.contains("air-base") && !l.contains(&format!(" {} |", fields[3])))
        .unwrap();
    let other_base = other_base.trim_start_matches("# facility: ").split(" | ").next().unwrap();
    let notice =
        notice.replace("RU-B-TU160-01", fields[0]).replace("ENGELS", fields[3]).replace("UKRAINKA", other_base);
    let notice_back =
        r#"{"events":[{"uid":"U","at":"2020-10-09T09:00:00Z","change":{"what":"moved","from":"B","to":"A"}}]}"#
            .replace("\"U\"", &format!("\"{}\"", fields[0]))
            .replace("\"B\"", &format!("\"{other_base}\""))
            .replace("\"A\"", &format!("\"{}\"", fields[3]));
    let notification = sender
        .submit(detente_store::admission::Draft {
            body: Body::Notification { treaty: "new-start".into(), notice: "movement".into(), refers_to: None },
            media_type: detente_node::party::NOTICE_MEDIA_TYPE.into(),
            bytes: notice.into_bytes(),
        })
        .await;
    let post = |envelope: &Envelope| serde_json::to_vec(envelope).unwrap();
    let size = server.size().await;

    // Out of order: the notification before the declaration is a gap.
    let early = sender.envelope(&notification, None, Some(0)).await;
    let (status, answer) = server.deliver(&early).await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("previous")), "{answer}");
    // A declaration by digest without its document, or with another one.
    let without = sender.envelope(&declaration, None, None).await;
    assert_eq!(server.deliver(&without).await.1["field"], "document");
    let other = sender.envelope(&declaration, Some(b"uid,kind\n"), None).await;
    assert_eq!(server.deliver(&other).await.1["field"], "document");
    // A forged signature, and an entry signed by a key the node does not know.
    let mut forged_bytes = declaration.bytes().to_vec();
    *forged_bytes.last_mut().unwrap() ^= 1;
    let forged = Envelope {
        entry: b64.encode(&forged_bytes),
        ..sender.envelope(&declaration, Some(RU_2020.as_bytes()), None).await
    };
    assert_eq!(server.deliver(&forged).await.0, 403);
    let stranger = SigningKey::from_seed("ru.detente.example/record", Algorithm::Ed25519, [9; 32]).unwrap();
    let unknown = declaration.entry().clone().sign(&stranger).unwrap();
    let unknown = Envelope {
        entry: b64.encode(unknown.bytes()),
        ..sender.envelope(&declaration, Some(RU_2020.as_bytes()), None).await
    };
    assert_eq!(server.deliver(&unknown).await.0, 403);
    let not_a_peer = Entry { party: "CN".parse().unwrap(), ..declaration.entry().clone() }.sign(&ru_key()).unwrap();
    let not_a_peer = Envelope {
        entry: b64.encode(not_a_peer.bytes()),
        ..sender.envelope(&declaration, Some(RU_2020.as_bytes()), None).await
    };
    let (status, answer) = server.deliver(&not_a_peer).await;
    assert_eq!(status, 403, "{answer}");
    // A proof that does not include the entry.
    let bad_proof = Envelope {
        proof: b64.encode([0u8; 32]),
        ..sender.envelope(&declaration, Some(RU_2020.as_bytes()), None).await
    };
    assert_eq!(server.deliver(&bad_proof).await.1["field"], "proof");
    for (media_type, body, expected) in [
        ("application/json", b"{\"entry\": 5}".to_vec(), 400),
        ("application/json", b"{not json".to_vec(), 400),
        ("text/plain", post(&without), 415),
        ("application/json", vec![b' '; 5 << 20], 413),
    ] {
        let (status, answer) = server.call("POST", "/peer/v1/entries", None, Some((media_type, &body))).await;
        assert_eq!(status, expected, "{answer}");
    }
    assert_eq!(server.size().await, size, "nothing refused was recorded");

    // In order, each once: a duplicate gets the same receipt and records nothing.
    let first = sender.envelope(&declaration, Some(RU_2020.as_bytes()), None).await;
    let (status, receipt) = server.deliver(&first).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(server.size().await, size + 1);
    let (status, again) = server.deliver(&first).await;
    assert_eq!((status, &again), (201, &receipt));
    assert_eq!(server.size().await, size + 1, "a duplicate records nothing");
    let receipt =
        detente_log::entry::SignedEntry::decode(&b64.decode(receipt["receipt"].as_str().unwrap()).unwrap()).unwrap();
    receipt.verify(key().verifier()).unwrap();
    assert!(
        matches!(&receipt.entry().body, Body::Receipt { of } if of.sequence == 0 && of.leaf_hash == declaration.leaf_hash())
    );
    assert!(
        matches!(&receipt.entry().content, Content::Inline { bytes, .. } if bytes == declaration.bytes()),
        "the sender's bytes, unchanged"
    );
    let next = sender.envelope(&notification, None, Some(0)).await;
    assert_eq!(server.deliver(&next).await.0, 201);
    let listed = server.get("/api/v1/notifications?party=RU").await;
    assert_eq!(listed["notifications"].as_array().unwrap().len(), 1, "{listed}");
    // Provided when this node received it, as its receipt says (its clock
    // is 2020-10-10, two days after the move: within the five days).
    assert_eq!(listed["notifications"][0]["provided"], "2020-10-10T00:00:00Z", "{listed}");
    assert_eq!(listed["notifications"][0]["late"], false, "{listed}");
    // A replay of the older entry after the newer: the same old receipt.
    assert_eq!(server.deliver(&first).await.1, again);
    assert_eq!(server.size().await, size + 2);
    // The sender records a concern (not delivered), then moves the bomber
    // back: the move must show the concern in between, so that nobody
    // replaying it can make the receiver skip an entry.
    let concern = sender
        .submit(detente_store::admission::Draft {
            body: Body::Concern { treaty: "new-start".into(), about: None },
            media_type: "text/plain".into(),
            bytes: b"a concern".to_vec(),
        })
        .await;
    let returned = sender
        .submit(detente_store::admission::Draft {
            body: Body::Notification { treaty: "new-start".into(), notice: "movement".into(), refers_to: None },
            media_type: detente_node::party::NOTICE_MEDIA_TYPE.into(),
            bytes: notice_back.into_bytes(),
        })
        .await;
    let skipping = sender.envelope(&returned, None, Some(1)).await;
    let (status, answer) = server.deliver(&skipping).await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("previous")), "{answer}");
    let hiding = Envelope { between: vec![b64.encode(notification.bytes())], ..skipping.clone() };
    assert_eq!(server.deliver(&hiding).await.1["field"], "between", "entry 1 is not the one between 1 and 3");
    let mut forged_concern = concern.bytes().to_vec();
    *forged_concern.last_mut().unwrap() ^= 1;
    let wrong = Envelope { between: vec![b64.encode(&forged_concern)], ..skipping.clone() };
    assert_eq!(server.deliver(&wrong).await.1["field"], "between");
    assert_eq!(server.size().await, size + 2, "nothing skipped was recorded");
    let shown = Envelope { between: vec![b64.encode(concern.bytes())], ..skipping };
    let (status, answer) = server.deliver(&shown).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(server.size().await, size + 3);
    server.stop().await;

    // Restarted, the node knows what it received from whom.
    let server = serve(
        node_with_peers(
            dir.path(),
            vec![Peer {
                party: "RU".parse().unwrap(),
                authority: "127.0.0.1:9".into(),
                key: ru_key().verifier().clone(),
            }],
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(server.deliver(&next).await.0, 201);
    assert_eq!(server.size().await, size + 3);
    let status = server.get("/api/v1/status").await;
    assert_eq!(status["peers"][0]["received_up_to"].as_u64(), Some(3), "{status}");
    server.stop().await;
}

/// A new, empty database on the test server (`scripts/test-all` starts one).
async fn postgres_database() -> String {
    let server = std::env::var("DETENTE_TEST_POSTGRES")
        .expect("DETENTE_TEST_POSTGRES gives the test PostgreSQL server; scripts/test-all starts one and sets it");
    let name = format!("detente_node_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    admin.close().await;
    format!("{server}/{name}")
}

/// The same node over PostgreSQL: it records, refuses, and rebuilds alike.
#[tokio::test]
async fn the_node_keeps_its_record_in_postgresql_alike() {
    let address = postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let store = || async { detente_store::postgres::PgStore::open(&address).await.unwrap() };
    let server = serve(start_node(store().await, dir.path(), Vec::new()).await.unwrap()).await;
    assert_eq!(server.totals("US").await, [675, 1457, 800]);
    let (status, listed) = server.notify(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).await;
    assert_eq!(status, 201, "{listed}");
    let (status, refused) = server.notify(&converted("US-B-B52H-001", "2020-10-09T00:00:00Z")).await;
    assert_eq!((status, refused["field"].as_str()), (422, Some("events[0].change")), "{refused}");
    assert_eq!(server.size().await, 2);
    server.stop().await;
    let server = serve(start_node(store().await, dir.path(), Vec::new()).await.unwrap()).await;
    assert_eq!(server.size().await, 2);
    assert_eq!(server.totals("US").await, [674, 1456, 799]);
    server.stop().await;
}
