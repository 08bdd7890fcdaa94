//! Three parties: US, Russian and Chinese nodes as processes on loopback,
//! each every other's peer and witness, with a neutral witness process,
//! under a hypothetical three-party launch notification agreement
//! (data/hypothetical/). A launch notice submitted to the US node reaches
//! both other nodes once, both receipts come back into the US record, and
//! every record verifies with its checkpoint cosigned by a majority of its
//! witnesses.

use serde_json::Value;

use super::node::{Running, Witness, call, network, witness_all};
use super::{detente, exit};

const TREATY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hypothetical/launch-notification-trilateral.toml");

#[test]
fn a_notice_to_the_us_node_reaches_russia_and_china_and_every_record_is_witnessed() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = network(&dir, &["US", "RU", "CN"]);
    let folders: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let witness = Witness::start(&dir, &folders);
    witness_all(&dir, &folders, &witness);
    for node in &nodes {
        // Under the three-party agreement, with no New START declaration.
        let config = std::fs::read_to_string(format!("{node}/node.toml")).unwrap();
        let config: String = config
            .lines()
            .filter(|l| !l.starts_with("declaration = "))
            .map(|l| match l {
                "treaty = \"new-start\"" => {
                    format!("treaty = \"launch-notification-trilateral\"\ntreaties = [\"{TREATY}\"]\n")
                }
                l => format!("{l}\n"),
            })
            .collect();
        std::fs::write(format!("{node}/node.toml"), config).unwrap();
    }
    let running: Vec<Running> = nodes.iter().map(|n| Running::start(n)).collect();
    let (us, others) = running.split_first().unwrap();

    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let launch = detente_core::Time::from_unix_seconds(i64::try_from(now).unwrap() + 2 * 86_400);
    let notice = serde_json::json!({ "kind": "ballistic-missile-launch", "notice": { "fields": {
        "launch": launch.to_string(), "launch-area": "Vandenberg", "impact-area": "Kwajalein Atoll" } } });
    let (status, body) = call(&us.url, "POST", "/api/v1/notifications", &us.operator, &notice.to_string());
    assert_eq!(status, 201, "{body}");
    let sequence = body["sequence"].as_u64().unwrap();
    assert_eq!(body["late"], false, "{body}");

    for other in others {
        let listed = other
            .until("/api/v1/notifications?party=US", |a| a["notifications"].as_array().is_some_and(|n| !n.is_empty()));
        let notifications = listed["notifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 1, "delivered once: {listed}");
        assert_eq!(notifications[0]["leaf_hash"], body["leaf_hash"], "the sender's entry, unchanged");
    }
    // Both peers' receipts are in the US record.
    let status = us.until("/api/v1/status", |s| {
        s["peers"].as_array().unwrap().iter().all(|p| p["delivered_up_to"].as_u64() == Some(sequence))
    });
    let parties: Vec<&str> = status["peers"].as_array().unwrap().iter().map(|p| p["party"].as_str().unwrap()).collect();
    assert_eq!(parties, ["RU", "CN"]);
    // Every record is cosigned by two of its three witnesses at its latest size.
    for node in &running {
        let done = |q: &Value| q["witnessed"]["quorum_met"] == true;
        let size = node.get("/api/v1/status")["record"]["size"].clone();
        let quorum = node.until("/api/v1/quorum", |q| done(q) && q["witnessed"]["size"] == size);
        assert!(quorum["witnessed"]["cosigners"].as_array().unwrap().len() >= 2, "{quorum}");
    }
    for node in running {
        node.stop();
    }
    witness.stop();
    for node in &nodes {
        let party = std::path::Path::new(node).file_name().unwrap().to_string_lossy().into_owned();
        let store = format!("sqlite:{node}/{party}.db");
        let verified = detente(&["log", "verify", "--store", &store, "--policy", &format!("{node}/record.policy")]);
        assert_eq!(exit(&verified), Some(0), "{party}: {}", String::from_utf8_lossy(&verified.stderr));
    }
}
