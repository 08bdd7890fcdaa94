//! SIGKILL under load: the US and Russian nodes run as processes on
//! loopback while notifications are submitted, and one of them is killed
//! outright, round after round, then started again. No notification the US
//! node acknowledged is lost, none is recorded or delivered twice, and
//! each reaches the Russian node in order.

use std::time::{Duration, Instant};

use super::node::{Running, pair, try_call};
use super::{detente, exit};

/// Kills `node` with SIGKILL: no shutdown, no flush.
fn kill(node: Running) {
    let mut child = node.child;
    rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::KILL).unwrap();
    child.wait().unwrap();
}

/// Every notification of `party` a node lists, in its order: (sequence, leaf hash).
fn listed(node: &Running, party: &str) -> Vec<(u64, String)> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let page = node.get(&format!("/api/v1/notifications?party={party}&limit=1000{after}"));
        for n in page["notifications"].as_array().unwrap() {
            all.push((n["sequence"].as_u64().unwrap(), n["leaf_hash"].as_str().unwrap().to_owned()));
        }
        match page["next_after"].as_u64() {
            Some(next) => after = format!("&after={next}"),
            None => return all,
        }
    }
}

/// Where the bomber is now, by the US node's own database.
fn base_of(node: &Running, uid: &str) -> String {
    let database = node.get("/api/v1/parties/US/database");
    let items = database["items"].as_array().unwrap();
    let item = items.iter().find(|i| i["uid"] == uid).unwrap();
    item["facility"].as_str().unwrap().to_owned()
}

#[test]
fn no_acknowledged_notification_is_lost_or_repeated_when_either_node_is_killed_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let (us, ru) = pair(&dir);
    let (mut us_node, mut ru_node) = (Running::start(&us), Running::start(&ru));
    let uid = "US-B-B52H-001";
    let mut acknowledged: Vec<u64> = Vec::new();
    let mut minute = 0u32;
    for round in 0..8 {
        // Batches of 20 movements, one request after another, until the
        // kill cuts the stream; then the killed node is started again.
        let killer = {
            let pid = if round % 2 == 0 { &us_node.child } else { &ru_node.child };
            let pid = rustix::process::Pid::from_child(pid);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150 + 40 * round));
                rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
            })
        };
        let mut from = base_of(&us_node, uid);
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(800) {
            let mut batch = Vec::new();
            for _ in 0..20 {
                let to = if from == "BARKSDALE" { "MINOT" } else { "BARKSDALE" };
                let at = format!("2020-10-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, minute / 60 % 24, minute % 60);
                batch.push(serde_json::json!({"kind": "movement", "notice": {"events": [
                    {"uid": uid, "at": at, "change": {"what": "moved", "from": from, "to": to}}]}}));
                from = to.to_owned();
                minute += 1;
            }
            let body = serde_json::to_string(&batch).unwrap();
            let submitted = try_call(&us_node.url, "POST", "/api/v1/notifications", &us_node.operator, &body);
            // Killed under the request: its outcome is not known, and it was not acknowledged.
            let Ok((status, answers)) = submitted else { break };
            assert_eq!(status, 200, "{answers}");
            for answer in answers.as_array().unwrap() {
                assert_eq!(answer["status"], 201, "{answer}");
                acknowledged.push(answer["sequence"].as_u64().unwrap());
            }
        }
        killer.join().unwrap();
        if round % 2 == 0 {
            let _ = us_node.child.wait();
            us_node = Running::start(&us);
        } else {
            let _ = ru_node.child.wait();
            ru_node = Running::start(&ru);
        }
    }
    assert!(acknowledged.len() >= 100, "the load ran: {} acknowledged", acknowledged.len());
    assert!(minute < 31 * 1440, "every movement is dated in October 2020");

    // Everything settles: the Russian node holds every US notification.
    let last = *acknowledged.last().unwrap();
    us_node.until("/api/v1/status", |s| s["peers"][0]["delivered_up_to"].as_u64() >= Some(last));
    let sent = listed(&us_node, "US");
    let sequences: Vec<u64> = sent.iter().map(|(s, _)| *s).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "recorded once each, in order");
    for sequence in &acknowledged {
        assert!(sequences.binary_search(sequence).is_ok(), "acknowledged {sequence} is in the US record");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut received = listed(&ru_node, "US");
    while received.len() < sent.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        received = listed(&ru_node, "US");
    }
    assert_eq!(received, sent, "delivered once each, in order, the sender's entries unchanged");

    kill(us_node);
    kill(ru_node);
    for (dir, party) in [(&us, "us"), (&ru, "ru")] {
        let store = format!("sqlite:{dir}/{party}.db");
        let verified = detente(&["log", "verify", "--store", &store, "--key", &format!("{dir}/{party}.vkey")]);
        assert_eq!(exit(&verified), Some(0), "{}", String::from_utf8_lossy(&verified.stderr));
    }
}
