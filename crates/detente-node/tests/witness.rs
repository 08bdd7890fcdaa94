//! The witness server in-process on loopback: the spec's statuses, the
//! limits, and a graceful stop.

mod common;

use std::sync::Arc;

use detente_log::entry::{Body, Content, Entry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_node::http::Limits;
use detente_node::witness::{Config, run};
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn log_key() -> SigningKey {
    SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [1; 32]).unwrap()
}

/// One HTTP/1.1 POST of a request body to `/add-checkpoint`.
async fn post(address: std::net::SocketAddr, body: &[u8]) -> (u16, String) {
    common::request(address, "POST", "/add-checkpoint", &[], body).await
}

#[tokio::test]
async fn a_witness_server_answers_as_the_spec_says_and_stops_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let record = Record::init(
        SqliteStore::open(&dir.path().join("log.db")).await.unwrap(),
        log_key().verifier(),
        "US".parse().unwrap(),
    )
    .await
    .unwrap();
    let entry = Entry {
        party: "US".parse().unwrap(),
        sequence: 0,
        time: 1,
        body: Body::Concern { treaty: "new-start".into(), about: None },
        content: Content::of("text/plain", b"a concern".to_vec()),
    };
    record.append(&[entry.sign(&log_key()).unwrap()]).await.unwrap();
    record.checkpoint(&Signer::new(log_key(), dir.path().join("log.signed"))).await.unwrap();
    let request = record.witness_request(0).await.unwrap().to_text();

    let config = Config {
        store: SqliteStore::open(&dir.path().join("witness.db")).await.unwrap(),
        key: SigningKey::from_seed("neutral.example/witness", Algorithm::Cosignature, [2; 32]).unwrap(),
        logs: vec![log_key().verifier().clone()],
        clock: Arc::new(|| 1_800_000_000),
        limits: Limits::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(config, listener, None, async {
        let _ = stopped.await;
    }));

    let (status, body) = post(address, request.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let cosignature = detente_log::note::NoteSignature::parse(body.trim_end(), 1).unwrap();
    assert_eq!(cosignature.name, "neutral.example/witness");
    // The same request again: the witness is at 1 now, so 409 with its size.
    let (status, body) = post(address, request.as_bytes()).await;
    assert_eq!((status, body.as_str()), (409, "1\n"));
    let (status, _) = post(address, b"old 0\n\nnot a checkpoint\n").await;
    assert_eq!(status, 400);
    let (status, _) = post(address, &vec![b'x'; Limits::default().max_body_bytes + 1]).await;
    assert_eq!(status, 413);
    let (status, _) = post(address, b"\xff\xfe").await;
    assert_eq!(status, 400);

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "the listener is closed after shutdown");
}

/// A bounded slowloris on loopback: 500 clients open connections, twice as
/// many as the server may hold, and trickle their headers or (every other
/// one) their bodies, 125 times as many as the requests it handles at once.
/// Each is closed at its deadline, slow bodies hold no place for handling,
/// and a legitimate request, queued behind them, is served to completion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_of_500_connections_does_not_shut_out_a_legitimate_request() {
    const SLOW: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let limits =
        Limits { header_timeout: std::time::Duration::from_secs(2), max_connections: 250, ..Limits::default() };
    let config = Config {
        store: SqliteStore::open(&dir.path().join("witness.db")).await.unwrap(),
        key: SigningKey::from_seed("neutral.example/witness", Algorithm::Cosignature, [2; 32]).unwrap(),
        logs: vec![log_key().verifier().clone()],
        clock: Arc::new(|| 1_800_000_000),
        limits,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(config, listener, None, async {
        let _ = stopped.await;
    }));
    let mut slow = Vec::with_capacity(SLOW);
    for i in 0..SLOW {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        slow.push(tokio::spawn(async move {
            // At most 100 header lines or body bytes, one every 250 ms: a
            // bounded trickle that, unchecked, would hold the connection for
            // 25 s, long enough for the last ones to be accepted and timed out.
            let (head, trickle): (&[u8], &[u8]) = match i % 2 {
                0 => (b"POST /add-checkpoint HTTP/1.1\r\nHost: slow\r\n", b"X-Slow: 1\r\n"),
                _ => (b"POST /add-checkpoint HTTP/1.1\r\nHost: slow\r\nContent-Length: 1000\r\n\r\n", b"o"),
            };
            let _ = stream.write_all(head).await;
            let mut byte = [0u8; 1];
            for _ in 0..100 {
                tokio::select! {
                    // An answer (408 for a body too slow) or the connection closed.
                    _ = stream.read(&mut byte) => return true,
                    () = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                }
                if stream.write_all(trickle).await.is_err() {
                    return true;
                }
            }
            false
        }));
    }
    let started = std::time::Instant::now();
    let (status, body) = post(address, b"old 0\n\nnot a checkpoint\n").await;
    // Served, not dropped: the witness read it and refused it as the spec says.
    assert_eq!(status, 400, "{body}");
    eprintln!("a legitimate request behind {SLOW} slow connections: answered in {:?}", started.elapsed());
    for client in slow {
        assert!(client.await.unwrap(), "the server answered or closed every slow connection before its trickle ended");
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
