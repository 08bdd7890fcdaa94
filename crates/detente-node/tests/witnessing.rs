//! Witnessing a node's record: the node gathers its quorum from witness
//! servers on loopback, a node witnesses its peers, and a record shown in
//! two versions (a split view) passes only a policy whose quorums can be
//! disjoint, which a node refuses to start under.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use common::*;
use detente_log::checkpoint::SignedCheckpoint;
use detente_log::entry::{Body, Content, Entry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_log::policy::Policy;
use detente_log::witness::{Fork, ForkEvidence};
use detente_node::http::Limits;
use detente_node::party::{Peer, StartError};
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;

fn cosigner(name: &str, seed: u8) -> SigningKey {
    SigningKey::from_seed(&format!("{name}.detente.example/witness"), Algorithm::Cosignature, [seed; 32]).unwrap()
}

/// A neutral witness server on loopback following the US record, its
/// state in `dir`; it runs until the test ends.
async fn witness_server(dir: &Path, key: &SigningKey) -> SocketAddr {
    let config = detente_node::witness::Config {
        store: SqliteStore::open(&dir.join(format!("{}.db", key.verifier().id()))).await.unwrap(),
        key: key.clone(),
        logs: vec![common::key().verifier().clone()],
        clock: Arc::new(|| NOW),
        limits: Limits::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(detente_node::witness::run(config, listener, None, std::future::pending()));
    address
}

/// A policy for the US record: `witnesses` (name, key, address) and the
/// quorum `rule` over them.
fn policy(witnesses: &[(&str, &SigningKey, Option<SocketAddr>)], rule: &str) -> Policy {
    let mut text = format!("log {}\n", common::key().verifier());
    for (name, key, address) in witnesses {
        let url = address.map(|a| format!(" http://{a}")).unwrap_or_default();
        text.push_str(&format!("witness {name} {}{url}\n", key.verifier()));
    }
    Policy::parse(&format!("{text}{rule}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_gathers_its_quorum_and_reports_a_witness_that_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (cosigner("a", 21), cosigner("b", 22), cosigner("c", 23));
    let (at_a, at_b) = (witness_server(dir.path(), &a).await, witness_server(dir.path(), &b).await);
    // Nothing listens on port 9 of loopback: witness C is down throughout.
    let down: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let policy =
        policy(&[("A", &a, Some(at_a)), ("B", &b, Some(at_b)), ("C", &c, Some(down))], "group q 2 A B C\nquorum q\n");
    let store = SqliteStore::open(&dir.path().join("us.db")).await.unwrap();
    let node = start_node_with(store, dir.path(), Vec::new(), Some(policy.clone()), None).await.unwrap();
    let server = serve(node).await;
    let (status, _) = server.notify(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).await;
    assert_eq!(status, 201);
    let size = server.size().await;

    let quorum = quorum_until(&server, |q| {
        q["witnessed"]["size"] == size && q["witnessed"]["quorum_met"] == true && !q["witnesses"][2]["error"].is_null()
    })
    .await;
    assert_eq!(quorum["witnessed"]["cosigners"], serde_json::json!(["A", "B"]));
    assert_eq!(quorum["witnesses"][0]["cosigned_size"], size);
    assert!(quorum["witnesses"][2]["cosigned_size"].is_null());
    // The cosigned checkpoint stands on its own: the log's signature, and
    // cosignatures that make up the policy's quorum.
    let note = quorum["witnessed"]["note"].as_str().unwrap();
    let checkpoint = SignedCheckpoint::open(note, common::key().verifier(), &policy.witness_keys()).unwrap();
    assert_eq!(checkpoint.checkpoint.size, size);
    assert!(policy.quorum_met(&policy.cosigners(&checkpoint.cosignatures)));
    let status = server.get("/api/v1/status").await;
    assert_eq!(status["witnessed"], serde_json::json!({ "size": size, "quorum_met": true }));
    server.stop().await;
}

#[tokio::test]
async fn a_node_refuses_a_policy_whose_quorums_can_be_disjoint_or_that_is_not_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (cosigner("a", 21), cosigner("b", 22));
    let url: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let weak = policy(&[("A", &a, Some(url)), ("B", &b, Some(url))], "group q any A B\nquorum q\n");
    let not_ours = Policy::parse(&format!(
        "log {}\nwitness A {} http://{url}\nquorum A\n",
        SigningKey::from_seed("other.example/record", Algorithm::Ed25519, [3; 32]).unwrap().verifier(),
        a.verifier()
    ))
    .unwrap();
    let no_url = policy(&[("A", &a, None)], "quorum A\n");
    for (policy, expected) in [(weak, "share no witness"), (not_ours, "no `log` line"), (no_url, "has no URL")] {
        let store = SqliteStore::open(&dir.path().join("us.db")).await.unwrap();
        match start_node_with(store, dir.path(), Vec::new(), Some(policy), None).await {
            Err(StartError::Policy(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected the policy refused for {expected:?}, got {other:?}"),
        }
    }
}

/// One version of the US record: the same key, a concern of its own at
/// sequence 0, and a checkpoint over it.
async fn version(dir: &Path, name: &str, text: &str) -> Record<SqliteStore> {
    let store = SqliteStore::open(&dir.join(format!("{name}.db"))).await.unwrap();
    let record = Record::init(store, common::key().verifier(), "US".parse().unwrap()).await.unwrap();
    let entry = Entry {
        party: "US".parse().unwrap(),
        sequence: 0,
        time: NOW,
        body: Body::Concern { treaty: "new-start".into(), about: None },
        content: Content::of("text/plain", text.as_bytes().to_vec()),
    };
    record.append(&[entry.sign(&common::key()).unwrap()]).await.unwrap();
    // Each version has a signer state of its own, as an operator forking
    // its record would keep.
    record.checkpoint(&Signer::new(common::key(), dir.join(format!("{name}.signed")))).await.unwrap();
    record
}

/// Shows `record` to the witness at `address`: its cosignature, or `None`
/// when it refuses.
async fn show(record: &Record<SqliteStore>, address: SocketAddr) -> Option<String> {
    let body = record.witness_request(0).await.unwrap().to_text();
    let (status, answer) = request(address, "POST", "/add-checkpoint", &[], body.as_bytes()).await;
    (status == 200).then_some(answer)
}

/// Whether `record`'s checkpoint with the cosignatures `lines` meets `policy`.
async fn quorum_met(record: &Record<SqliteStore>, lines: &[String], policy: &Policy) -> bool {
    let latest = record.latest().await.unwrap().unwrap();
    let mut note = latest.note.to_string();
    for line in lines {
        note.push_str(line);
    }
    let checkpoint = SignedCheckpoint::open(&note, common::key().verifier(), &policy.witness_keys()).unwrap();
    policy.quorum_met(&policy.cosigners(&checkpoint.cosignatures))
}

/// The Russian node, a witness of the US record with `key`, serving.
async fn russian_witness(dir: &Path, key: &SigningKey) -> Server {
    let us = Peer {
        party: "US".parse().unwrap(),
        target: detente_node::client::Target::parse("http://127.0.0.1:9", None).unwrap(),
        key: common::key().verifier().clone(),
    };
    serve(russian_node(dir, vec![us], Some(key.clone()), Vec::new(), None).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_view_passes_a_weak_policy_and_is_caught_under_the_shipped_one() {
    let dir = tempfile::tempdir().unwrap();
    let (ru, cn, neutral) = (cosigner("ru", 31), cosigner("cn", 32), cosigner("neutral", 33));
    let witnesses = |ru_at, cn_at, neutral_at| {
        [("RU", &ru, Some(ru_at)), ("CN", &cn, Some(cn_at)), ("NEUTRAL", &neutral, Some(neutral_at))]
    };
    // The United States keeps two versions of its record, signed with its
    // one key, and means to show one to Russia and the other to China.
    let shown_to_russia = version(dir.path(), "a", "history for Russia").await;
    let shown_to_china = version(dir.path(), "b", "history for China").await;

    // Under any-one-witness, each version gathers its quorum from a witness
    // that never sees the other: the split view succeeds.
    let weak_dir = tempfile::tempdir().unwrap();
    let (ru_at, cn_at, neutral_at) = (
        witness_server(weak_dir.path(), &ru).await,
        witness_server(weak_dir.path(), &cn).await,
        witness_server(weak_dir.path(), &neutral).await,
    );
    let weak = policy(&witnesses(ru_at, cn_at, neutral_at), "group q any RU CN NEUTRAL\nquorum q\n");
    let for_russia = show(&shown_to_russia, ru_at).await.expect("Russia's witness cosigns what it is shown");
    let for_china = show(&shown_to_china, cn_at).await.expect("China's witness cosigns what it is shown");
    assert!(quorum_met(&shown_to_russia, &[for_russia], &weak).await);
    assert!(quorum_met(&shown_to_china, &[for_china], &weak).await);
    assert!(weak.disjoint_quorums().unwrap().is_some(), "which is why a node refuses such a policy");

    // Under the shipped policy, two of the three, every two quorums share a
    // witness. Russia's node is one, and it is shown both versions.
    let russia = russian_witness(dir.path(), &ru).await;
    let (cn_at, neutral_at) = (witness_server(dir.path(), &cn).await, witness_server(dir.path(), &neutral).await);
    let shipped = policy(&witnesses(russia.address, cn_at, neutral_at), "group q 2 RU CN NEUTRAL\nquorum q\n");
    assert_eq!(shipped.disjoint_quorums().unwrap(), None);
    let first = [show(&shown_to_russia, russia.address).await, show(&shown_to_russia, neutral_at).await];
    let first: Vec<String> = first.into_iter().map(|c| c.expect("the first version is cosigned")).collect();
    assert!(quorum_met(&shown_to_russia, &first, &shipped).await);
    let second = [
        show(&shown_to_china, cn_at).await,
        show(&shown_to_china, russia.address).await,
        show(&shown_to_china, neutral_at).await,
    ];
    assert!(second[0].is_some(), "China's witness has seen nothing else");
    assert_eq!((&second[1], &second[2]), (&None, &None), "the witnesses that saw the first version refuse the second");
    let second: Vec<String> = second.into_iter().flatten().collect();
    assert!(!quorum_met(&shown_to_china, &second, &shipped).await, "the second version never reaches its quorum");

    // The Russian node keeps the fork as evidence and reports it; anyone
    // with the US key can check it alone.
    let quorum = russia.get("/api/v1/quorum").await;
    let evidence = quorum["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{quorum}");
    assert_eq!(evidence[0]["origin"], common::key().verifier().name());
    let evidence = ForkEvidence::parse(evidence[0]["evidence"].as_str().unwrap()).unwrap();
    assert_eq!(evidence.check(common::key().verifier()), Ok(Fork::SameSize { size: 1 }));
    let someone_else = SigningKey::from_seed(common::key().verifier().name(), Algorithm::Ed25519, [40; 32]).unwrap();
    assert!(evidence.check(someone_else.verifier()).is_err(), "only the US key makes it evidence against the US");
    russia.stop().await;
}

/// A third state's node cosigns a record it is told to witness, though it
/// is no peer of it and is sent none of its entries; a record it was not
/// told of it refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_witnesses_the_records_it_is_told_to_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let us_record = version(dir.path(), "us", "the one history").await;
    for folder in ["told", "untold"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
    }
    let told = serve(
        russian_node(
            &dir.path().join("told"),
            Vec::new(),
            Some(cosigner("cn", 34)),
            vec![common::key().verifier().clone()],
            None,
        )
        .await,
    )
    .await;
    let untold =
        serve(russian_node(&dir.path().join("untold"), Vec::new(), Some(cosigner("cn", 35)), Vec::new(), None).await)
            .await;
    let cosigned = show(&us_record, told.address).await.expect("the record it witnesses is cosigned");
    assert!(cosigned.starts_with("— cn.detente.example/witness "), "{cosigned}");
    assert_eq!(show(&us_record, untold.address).await, None, "a record it does not witness is refused");
    told.stop().await;
    untold.stop().await;
}

#[tokio::test]
async fn a_node_refuses_records_to_witness_without_a_key_or_under_a_peer_s_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("us.db");
    let store = || SqliteStore::open(&path);
    let us = common::key().verifier().clone();
    let peer = Peer {
        party: "RU".parse().unwrap(),
        target: detente_node::client::Target::parse("http://127.0.0.1:9", None).unwrap(),
        key: ru_key().verifier().clone(),
    };
    // A record named as the peer's: the witness's memory of the two would be one.
    let twin = SigningKey::from_seed(ru_key().verifier().name(), Algorithm::Ed25519, [41; 32]).unwrap();
    for (cosigner, witnessed, expected) in [
        (None, vec![us.clone()], "no witness key"),
        (Some(cosigner("cn", 36)), vec![twin.verifier().clone()], "both named"),
    ] {
        let record = match Record::open(store().await.unwrap()).await {
            Ok(record) => record,
            Err(_) => Record::init(store().await.unwrap(), &us, "US".parse().unwrap()).await.unwrap(),
        };
        let setup = detente_node::party::Setup {
            catalogue: catalogue(),
            treaty: "new-start".into(),
            tokens: detente_node::party::TokenHashes {
                operator_sha256: detente_node::party::token_hash(OPERATOR),
                observer_sha256: detente_node::party::token_hash(OBSERVER),
            },
            clock: Arc::new(|| NOW),
            declaration: None,
            peers: vec![peer.clone()],
            policy: None,
            witness_pins: Default::default(),
            cosigner,
            witnessed,
            tls: None,
        };
        match detente_node::party::Node::start(
            record,
            Signer::new(common::key(), dir.path().join("us.key.signed")),
            setup,
        )
        .await
        {
            Err(StartError::Policy(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
}
