//! Nodes over TLS on loopback: a peer is reached only if its certificate's
//! key is the one pinned, whoever signed the certificate, and the exchange
//! runs over TLS as over plain HTTP.

mod common;

use std::time::Duration;

use axum::http::Request;
use common::*;
use detente_node::client::Target;
use detente_node::party::Peer;
use detente_node::tls;
use serde_json::Value;

/// A self-signed certificate for 127.0.0.1: the acceptor serving it, and its pin.
fn certificate() -> (tokio_rustls::TlsAcceptor, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    let pin = tls::spki_sha256_of_pem(pem.as_bytes()).unwrap();
    (tls::acceptor(pem.as_bytes(), key.serialize_pem().as_bytes()).unwrap(), pin)
}

async fn status(target: &Target) -> Result<(u16, Value), String> {
    let request = Request::get("/api/v1/status")
        .header("Authorization", format!("Bearer {OBSERVER}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, body) = target.send(request, Duration::from_secs(10)).await?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_over_tls_is_reached_only_under_its_pinned_key_and_exchanges_as_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let (us_dir, ru_dir) = (dir.path().join("us"), dir.path().join("ru"));
    std::fs::create_dir_all(&us_dir).unwrap();
    std::fs::create_dir_all(&ru_dir).unwrap();
    let (us_tls, us_pin) = certificate();
    let (ru_tls, ru_pin) = certificate();
    let us_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ru_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let us_url = format!("https://{}", us_listener.local_addr().unwrap());
    let ru_url = format!("https://{}", ru_listener.local_addr().unwrap());

    let ru_peer = Peer {
        party: "RU".parse().unwrap(),
        target: Target::parse(&ru_url, Some(&ru_pin)).unwrap(),
        key: ru_key().verifier().clone(),
    };
    let us_peer = Peer {
        party: "US".parse().unwrap(),
        target: Target::parse(&us_url, Some(&us_pin)).unwrap(),
        key: key().verifier().clone(),
    };
    let store = detente_store::sqlite::SqliteStore::open(&us_dir.join("us.db")).await.unwrap();
    let us_node = start_node_with(store, &us_dir, vec![ru_peer], None, Some(us_tls)).await.unwrap();
    let us = serve_on(us_listener, us_node);
    let ru = serve_on(ru_listener, russian_node(&ru_dir, vec![us_peer], None, Vec::new(), Some(ru_tls)).await);

    // The right pin reaches the node; another key's pin, or no TLS, does not.
    let (code, body) = status(&Target::parse(&us_url, Some(&us_pin)).unwrap()).await.unwrap();
    assert_eq!((code, body["party"].as_str()), (200, Some("US")));
    let error = status(&Target::parse(&us_url, Some(&ru_pin)).unwrap()).await.unwrap_err();
    assert!(error.contains("not the pinned"), "{error}");
    let (plain, _) = request(us.address, "GET", "/api/v1/status", &[], b"").await;
    assert_eq!(plain, 0, "no HTTP answer without TLS");
    let url = us_url.replace("127.0.0.1", "192.0.2.1");
    assert!(Target::parse(&url, None).unwrap_err().contains("pin"));
    assert!(Target::parse(&url.replace("https", "http"), None).unwrap_err().contains("off loopback"));

    // A notification to the US node reaches the Russian node over TLS.
    let body = serde_json::to_vec(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).unwrap();
    let request = Request::post("/api/v1/notifications")
        .header("Authorization", format!("Bearer {OPERATOR}"))
        .header("Content-Type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let us_target = Target::parse(&us_url, Some(&us_pin)).unwrap();
    let (code, _) = us_target.send(request, Duration::from_secs(10)).await.unwrap();
    assert_eq!(code, 201);
    let ru_target = Target::parse(&ru_url, Some(&ru_pin)).unwrap();
    let mut received = Value::Null;
    for _ in 0..400 {
        let (_, status) = status(&ru_target).await.unwrap();
        received = status["peers"][0]["received_up_to"].clone();
        if received == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(received, 1, "the declaration and the notification reached the Russian node");
    let (_, status) = status(&us_target).await.unwrap();
    assert_eq!(status["peers"][0]["url"], ru_url);
    us.stop().await;
    ru.stop().await;
}

/// A witness served over TLS is asked under the pin the node has for it
/// and under no other; a witness at an https URL with no pin, or a pin for
/// a witness the policy does not name, stops the node from starting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reaches_a_witness_over_tls_under_its_pin_only() {
    use std::collections::BTreeMap;

    use detente_log::keys::{Algorithm, SigningKey};
    use detente_log::policy::Policy;
    use detente_node::party::StartError;
    use detente_store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let cosigner = SigningKey::from_seed("w.detente.example/witness", Algorithm::Cosignature, [51; 32]).unwrap();
    let ((acceptor, pin), (_, other_pin)) = (certificate(), certificate());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = detente_node::witness::Config {
        store: SqliteStore::open(&dir.path().join("witness.db")).await.unwrap(),
        key: cosigner.clone(),
        logs: vec![key().verifier().clone()],
        clock: std::sync::Arc::new(|| NOW),
        limits: detente_node::http::Limits::default(),
    };
    tokio::spawn(detente_node::witness::run(config, listener, Some(acceptor), std::future::pending()));
    let policy = Policy::parse(&format!(
        "log {}\nwitness W {} https://{address}\nquorum W\n",
        key().verifier(),
        cosigner.verifier()
    ))
    .unwrap();
    let start = |name: &str, pins: BTreeMap<String, String>| {
        let (policy, folder) = (policy.clone(), dir.path().join(name));
        async move {
            std::fs::create_dir_all(&folder).unwrap();
            let store = SqliteStore::open(&folder.join("us.db")).await.unwrap();
            start_node_pinned(store, &folder, Vec::new(), Some((policy, pins)), None).await
        }
    };
    let pinned = |name: &str, pin: &str| BTreeMap::from([(name.to_owned(), pin.to_owned())]);

    for (pins, expected) in [(BTreeMap::new(), "witness W"), (pinned("V", &pin), "does not name")] {
        match start("refused", pins).await {
            Err(StartError::Policy(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected the witnesses refused for {expected:?}, got {other:?}"),
        }
    }

    let node = serve(start("pinned", pinned("W", &pin)).await.unwrap()).await;
    let quorum = quorum_until(&node, |q| q["witnessed"]["quorum_met"] == true).await;
    assert_eq!(quorum["witnessed"]["cosigners"], serde_json::json!(["W"]));
    let wrong = serve(start("wrong", pinned("W", &other_pin)).await.unwrap()).await;
    let quorum =
        quorum_until(&wrong, |q| q["witnesses"][0]["error"].as_str().is_some_and(|e| e.contains("pinned"))).await;
    assert!(quorum["witnessed"].is_null(), "nothing cosigned through a certificate not pinned: {quorum}");
    node.stop().await;
    wrong.stop().await;
}
