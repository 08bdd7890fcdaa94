//! A node's inbox, fed by hand-made envelopes of a Russian record: it takes
//! each peer entry once and in order, and refuses what a hostile peer or a
//! replaying third party could send, with nothing recorded.

mod common;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use detente_log::entry::{Body, Content, Entry, SignedEntry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_node::party::Peer;
use detente_node::party::exchange::{Envelope, Sent};
use detente_store::admission::Draft;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_treaty::Catalogue;

const RU_2020: &str = include_str!("../../../data/declarations/ru-2020-09-01.csv");

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

    async fn submit(&self, draft: Draft) -> SignedEntry {
        let entry = self.record.submit(&self.signer, &self.catalogue, &[draft], NOW).await.unwrap().remove(0);
        self.record.checkpoint(&self.signer).await.unwrap();
        entry
    }

    /// The envelope of a run of entries, each with the document it records
    /// by digest, if any; those a peer is sent come with their proofs.
    async fn envelope(&self, run: &[(&SignedEntry, Option<&[u8]>)]) -> Envelope {
        let checkpoint = self.record.latest().await.unwrap().unwrap();
        let mut entries = Vec::new();
        for (entry, document) in run {
            let delivered = matches!(entry.entry().body, Body::Notification { .. } | Body::Declaration { .. });
            let proof = match delivered {
                true => {
                    let proof =
                        self.record.inclusion_proof(entry.entry().sequence, checkpoint.checkpoint.size).await.unwrap();
                    Some(B64.encode(proof.iter().flat_map(|h| h.0).collect::<Vec<u8>>()))
                }
                false => None,
            };
            entries.push(Sent { entry: B64.encode(entry.bytes()), proof, document: document.map(|d| B64.encode(d)) });
        }
        Envelope { entries, checkpoint: checkpoint.note.to_string() }
    }

    async fn notify(&self, notice: &str) -> SignedEntry {
        self.submit(Draft {
            body: Body::Notification { treaty: "new-start".into(), notice: "movement".into(), refers_to: None },
            media_type: detente_node::party::NOTICE_MEDIA_TYPE.into(),
            bytes: notice.as_bytes().to_vec(),
        })
        .await
    }
}

/// The envelope's entry `i` with other bytes.
fn with_entry(envelope: &Envelope, i: usize, bytes: &[u8]) -> Envelope {
    let mut changed = envelope.clone();
    changed.entries[i].entry = B64.encode(bytes);
    changed
}

/// A movement of `uid` from `from` to `to` at `at`.
fn movement(uid: &str, at: &str, from: &str, to: &str) -> String {
    serde_json::json!({ "events": [{ "uid": uid, "at": at, "change": { "what": "moved", "from": from, "to": to } }] })
        .to_string()
}

/// The inbox takes only what a configured peer signed, in order, once:
/// a duplicate gets the same receipt, and a gap, a forged signature, an
/// unknown key, a bad proof, a missing document, an oversized body,
/// malformed JSON or a wrong content type gets a 4xx with nothing recorded.
#[tokio::test]
async fn the_inbox_takes_each_peer_entry_once_in_order_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let ru = || Peer {
        party: "RU".parse().unwrap(),
        target: detente_node::client::Target::parse("http://127.0.0.1:9", None).unwrap(),
        key: ru_key().verifier().clone(),
    };
    let server = serve(node_with_peers(dir.path(), vec![ru()]).await.unwrap()).await;
    let sender = Sender::new(dir.path()).await;
    let declaration = sender
        .submit(Draft {
            body: Body::Declaration { treaty: "new-start".into(), as_of: "2020-09-01".parse().unwrap() },
            media_type: "text/csv".into(),
            bytes: RU_2020.as_bytes().to_vec(),
        })
        .await;
    let bomber_line = RU_2020.lines().find(|l| l.contains(",heavy-bomber,") && l.contains(",deployed,")).unwrap();
    let fields: Vec<&str> = bomber_line.split(',').collect();
    let (bomber, home) = (fields[0], fields[3]);
    let other_base = RU_2020
        .lines()
        .find(|l| l.starts_with("# facility: ") && l.contains("air-base") && !l.contains(&format!(" {home} |")))
        .unwrap();
    let away = other_base.trim_start_matches("# facility: ").split(" | ").next().unwrap();
    let notification = sender.notify(&movement(bomber, "2020-10-08T09:00:00Z", home, away)).await;
    let post = |envelope: &Envelope| serde_json::to_vec(envelope).unwrap();
    let size = server.size().await;
    let whole: Option<&[u8]> = Some(RU_2020.as_bytes());

    // Out of order: the notification before the declaration is a gap, and
    // the answer names the entry the node takes next.
    let (status, answer) = server.deliver(&sender.envelope(&[(&notification, None)]).await).await;
    assert_eq!(
        (status, answer["field"].as_str(), answer["next"].as_u64()),
        (409, Some("entries"), Some(0)),
        "{answer}"
    );
    // A declaration by digest without its document, or with another one.
    assert_eq!(server.deliver(&sender.envelope(&[(&declaration, None)]).await).await.1["field"], "document");
    assert_eq!(
        server.deliver(&sender.envelope(&[(&declaration, Some(b"uid,kind\n"))]).await).await.1["field"],
        "document"
    );
    // A forged signature, an entry signed by a key the node does not know,
    // and an entry of a party that is not a peer.
    let good = sender.envelope(&[(&declaration, whole)]).await;
    let mut forged = declaration.bytes().to_vec();
    *forged.last_mut().unwrap() ^= 1;
    assert_eq!(server.deliver(&with_entry(&good, 0, &forged)).await.0, 403);
    let stranger = SigningKey::from_seed("ru.detente.example/record", Algorithm::Ed25519, [9; 32]).unwrap();
    let unknown = declaration.entry().clone().sign(&stranger).unwrap();
    assert_eq!(server.deliver(&with_entry(&good, 0, unknown.bytes())).await.0, 403);
    let not_a_peer = Entry { party: "CN".parse().unwrap(), ..declaration.entry().clone() }.sign(&ru_key()).unwrap();
    let (status, answer) = server.deliver(&with_entry(&good, 0, not_a_peer.bytes())).await;
    assert_eq!(status, 403, "{answer}");
    // A proof that does not include the entry, and none at all.
    let mut bad_proof = good.clone();
    bad_proof.entries[0].proof = Some(B64.encode([0u8; 32]));
    assert_eq!(server.deliver(&bad_proof).await.1["field"], "proof");
    bad_proof.entries[0].proof = None;
    assert_eq!(server.deliver(&bad_proof).await.1["field"], "proof");
    let empty = Envelope { entries: Vec::new(), ..good.clone() };
    assert_eq!(server.deliver(&empty).await.0, 422);
    for (media_type, body, expected) in [
        ("application/json", b"{\"entries\": 5}".to_vec(), 400),
        ("application/json", b"{not json".to_vec(), 400),
        ("text/plain", post(&good), 415),
        ("application/json", vec![b' '; 5 << 20], 413),
    ] {
        let (status, answer) = server.call("POST", "/peer/v1/entries", None, Some((media_type, &body))).await;
        assert_eq!(status, expected, "{answer}");
    }
    assert_eq!(server.size().await, size, "nothing refused was recorded");

    // In order, each once: a duplicate gets the same receipt and records nothing.
    let (status, receipt) = server.deliver(&good).await;
    assert_eq!((status, receipt["next"].as_u64()), (200, Some(1)), "{receipt}");
    assert_eq!(server.size().await, size + 1);
    let (status, again) = server.deliver(&good).await;
    assert_eq!((status, &again), (200, &receipt));
    assert_eq!(server.size().await, size + 1, "a duplicate records nothing");
    let receipt = SignedEntry::decode(&B64.decode(receipt["receipts"][0].as_str().unwrap()).unwrap()).unwrap();
    receipt.verify(key().verifier()).unwrap();
    assert!(
        matches!(&receipt.entry().body, Body::Receipt { of } if of.sequence == 0 && of.leaf_hash == declaration.leaf_hash())
    );
    assert!(
        matches!(&receipt.entry().content, Content::Inline { bytes, .. } if bytes == declaration.bytes()),
        "the sender's bytes, unchanged"
    );
    let next = sender.envelope(&[(&notification, None)]).await;
    assert_eq!(server.deliver(&next).await.0, 200);
    let listed = server.get("/api/v1/notifications?party=RU").await;
    assert_eq!(listed["notifications"].as_array().unwrap().len(), 1, "{listed}");
    // Provided when this node received it, as its receipt says (its clock
    // is 2020-10-10, two days after the move: within the five days).
    assert_eq!(listed["notifications"][0]["provided"], "2020-10-10T00:00:00Z", "{listed}");
    assert_eq!(listed["notifications"][0]["late"], false, "{listed}");
    // A replay of the older entry after the newer: the same old receipt.
    assert_eq!(server.deliver(&good).await.1["receipts"], again["receipts"]);
    assert_eq!(server.size().await, size + 2);

    // The sender records a concern (not delivered), then moves the bomber
    // back: the move must come with the concern shown before it, so that
    // nobody replaying it can make the receiver skip an entry.
    let concern = sender
        .submit(Draft {
            body: Body::Concern { treaty: "new-start".into(), about: None },
            media_type: "text/plain".into(),
            bytes: b"a concern".to_vec(),
        })
        .await;
    let returned = sender.notify(&movement(bomber, "2020-10-09T09:00:00Z", away, home)).await;
    let (status, answer) = server.deliver(&sender.envelope(&[(&returned, None)]).await).await;
    assert_eq!((status, answer["next"].as_u64()), (409, Some(2)), "{answer}");
    let hiding = sender.envelope(&[(&notification, None), (&returned, None)]).await;
    let (status, answer) = server.deliver(&hiding).await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("entries")), "entry 1 is not the one before 3: {answer}");
    let shown = sender.envelope(&[(&concern, None), (&returned, None)]).await;
    let mut forged_concern = concern.bytes().to_vec();
    *forged_concern.last_mut().unwrap() ^= 1;
    assert_eq!(server.deliver(&with_entry(&shown, 0, &forged_concern)).await.0, 403);
    assert_eq!(server.size().await, size + 2, "nothing skipped was recorded");
    let (status, answer) = server.deliver(&shown).await;
    assert_eq!((status, answer["next"].as_u64()), (200, Some(4)), "{answer}");
    assert_eq!(server.size().await, size + 3);
    server.stop().await;

    // Restarted, the node knows what it received from whom.
    let server = serve(node_with_peers(dir.path(), vec![ru()]).await.unwrap()).await;
    assert_eq!(server.deliver(&next).await.0, 200);
    assert_eq!(server.size().await, size + 3);
    let status = server.get("/api/v1/status").await;
    assert_eq!(status["peers"][0]["received_up_to"].as_u64(), Some(3), "{status}");

    // A batch is taken up to the first entry refused: the receipts before
    // it are recorded and given, and the refusal says which and why.
    let away_again = sender.notify(&movement(bomber, "2020-10-09T10:00:00Z", home, away)).await;
    let nowhere = sender.notify(&movement(bomber, "2020-10-09T11:00:00Z", home, away)).await;
    let after = sender.notify(&movement(bomber, "2020-10-09T12:00:00Z", away, home)).await;
    let batch = sender.envelope(&[(&away_again, None), (&nowhere, None), (&after, None)]).await;
    let (status, answer) = server.deliver(&batch).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["receipts"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["refused"]["sequence"].as_u64(), Some(nowhere.entry().sequence), "{answer}");
    assert_eq!(answer["next"].as_u64(), Some(nowhere.entry().sequence), "{answer}");
    assert_eq!(server.size().await, size + 4);
    let (status, answer) = server.deliver(&sender.envelope(&[(&nowhere, None), (&after, None)]).await).await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("entries")), "{answer}");
    assert_eq!(server.size().await, size + 4, "nothing refused was recorded");
    server.stop().await;
}
