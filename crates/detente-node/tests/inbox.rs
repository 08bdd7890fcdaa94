//! A node's inbox, fed by hand-made envelopes of a Russian record: it takes
//! each peer entry once and in order, and refuses what a hostile peer or a
//! replaying third party could send, with nothing recorded.

mod common;

use std::path::Path;

use common::*;
use detente_log::keys::{Algorithm, SigningKey};
use detente_node::party::Peer;
use detente_node::party::exchange::Envelope;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_treaty::Catalogue;

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
