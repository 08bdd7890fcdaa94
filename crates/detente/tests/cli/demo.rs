//! `demo`: the shipped data counted, then the running system: separate
//! node processes on loopback replaying a sequence, interrupted by Ctrl-C
//! and resumed, every record verifying with its quorum at the end.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use crate::*;

/// `demo --out DIR` until a line holds `until`, then SIGINT: all it printed.
fn interrupted_demo(dir: &str, until: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["demo", "--out", dir])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains(until) {
            rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::INT)
                .unwrap();
            break;
        }
    }
    for line in lines {
        printed.push_str(&line.unwrap());
        printed.push('\n');
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(exit(&output), Some(0), "{printed}\n{}", String::from_utf8_lossy(&output.stderr));
    printed
}

/// The replay's step lines: they start with the exercise clock's date.
fn steps(printed: &str) -> Vec<&str> {
    printed.lines().filter(|l| l.starts_with("2020-") || l.starts_with("2021-")).collect()
}

#[test]
fn the_demo_counts_the_shipped_data_then_replays_over_node_processes_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();

    // Interrupted once the bomber has gone abroad.
    let first = interrupted_demo(out, "RAF Fairford");
    for expected in [
        "49 rows",
        "US as RU reads",
        "901 (+101)",
        "US 2020-09-01: counted [675, 1457, 800], published [675, 1457, 800]: match",
        "RU 2020-09-01: counted [510, 1447, 764], published [510, 1447, 764]: match",
        "Difference in launchers: declared 800, read by RU 901 (+101)",
        "US could upload 1,930 warheads",
        "least stable pair",
        "US node     http://127.0.0.1:",
        "RU node     http://127.0.0.1:",
        "CN node     http://127.0.0.1:",
        "neutral witness http://127.0.0.1:",
        "US → RU: a B-52H heavy bomber converted to non-nuclear armaments",
        "US's forces: 674 / 1,456 / 799 as US reads New START, 674 / 1,456 / 901 as RU reads it, on both nodes",
        "Interrupted, and stopped cleanly",
    ] {
        assert!(first.contains(expected), "{expected}\n{first}");
    }
    assert!(!first.contains("DIFFER") && !first.contains("DISAGREE"), "{first}");
    assert!(dir.path().join("newstart-history.svg").exists());
    let stopped_after = steps(&first).iter().filter(|l| l.contains(" → ") || l.contains("  CN: ")).count();
    assert!((3..9).contains(&stopped_after), "{first}");

    // Run again for a script: it resumes at the next step and exits 0.
    let second = ok(&["--json", "demo", "--out", out, "--until-done"]);
    let lines: Vec<Value> = second.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[1]["resumed"], true, "{second}");
    let replayed: Vec<&str> = lines.iter().filter_map(|l| l["step"].as_str()).collect();
    assert_eq!(stopped_after + replayed.len(), 9, "every step once across both runs: {replayed:?}\n{first}");
    assert!(lines.iter().filter(|l| l["nodes_agree"].is_boolean()).all(|l| l["nodes_agree"] == true), "{second}");
    let summary = lines.iter().find(|l| l["delivered"].is_array()).expect("the summary");
    assert!(summary["delivered"].as_array().unwrap().iter().all(|d| d["as_sent"] == true), "{summary}");
    assert_eq!(summary["nodes_agree_on_findings"], true);
    assert_eq!(lines.last().unwrap(), &serde_json::json!({ "stopped": true, "finished": true }));

    // A third run has nothing left to replay, and reports what came of it.
    let third = ok(&["demo", "--out", out, "--until-done"]);
    for expected in [
        "Resuming: 9 of 9 steps were done.",
        "The U.S. forces count 674 / 1,454 / 799 as the United States reads New START, 674 / 1,454 / 901 as Russia reads it",
        "Difference in launchers: declared 799, read by RU 901 (+102)",
        "US's 4 notifications are on RU's node: each once, in order, its entries unchanged",
        "RU's 2 notifications are on US's node: each once, in order, its entries unchanged",
        "Findings (the same on both nodes)",
        "RU: conversion-or-elimination notification",
        "limit launchers exceeded by 101: 901 against 800",
        "cosigned by RU, CN, NEUTRAL (q = 2 of [RU, CN, NEUTRAL]: met)",
        "cosigned by US, CN, NEUTRAL (q = 2 of [US, CN, NEUTRAL]: met)",
        "cosigned by US, RU, NEUTRAL (q = 2 of [US, RU, NEUTRAL]: met)",
        "Stopped cleanly",
    ] {
        assert!(third.contains(expected), "{expected}\n{third}");
    }
    assert!(steps(&third).is_empty(), "{third}");
    let late: Vec<&str> = [first.as_str(), second.as_str()]
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| l.contains("LATE") || l.contains("\"late\":true"))
        .collect();
    assert_eq!(late.len(), 1, "one notification came late: {late:?}");

    // A port another program took since is named, and nothing is lost.
    let config = std::fs::read_to_string(dir.path().join("ru/node.toml")).unwrap();
    let listen = config.lines().find_map(|l| l.strip_prefix("listen = ")).unwrap().trim_matches('"');
    let taken = std::net::TcpListener::bind(listen).unwrap();
    let refused = detente(&["demo", "--out", out, "--until-done"]);
    let error = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(exit(&refused), Some(3), "{error}");
    for expected in ["ru/node.toml did not start", &format!("cannot listen on {listen}"), "ru/node.log"] {
        assert!(error.contains(expected), "{expected}\n{error}");
    }
    drop(taken);

    // Every record verifies from its store, its checkpoint meeting its policy.
    for party in ["us", "ru", "cn"] {
        let store = format!("sqlite:{out}/{party}/{party}.db");
        let policy = format!("{out}/{party}/record.policy");
        let verified = detente(&["--json", "log", "verify", "--store", &store, "--policy", &policy]);
        assert_eq!(exit(&verified), Some(0), "{party}: {}", String::from_utf8_lossy(&verified.stderr));
        let report: Value = serde_json::from_slice(&verified.stdout).unwrap();
        assert_eq!(report["witnessed"]["quorum_met"], true, "{party}: {report}");
    }
}
