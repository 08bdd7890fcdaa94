//! "Every command that prints a result takes `--json`": each command the
//! binary has (read from its own help, so a new command cannot be missed)
//! is run with `--json`, and what it prints must be JSON.

use std::collections::BTreeSet;
use std::io::BufRead as _;
use std::process::{Command, Stdio};

use crate::{US, detente, root};

/// The commands `detente help` (or `detente GROUP --help`) lists.
fn listed(group: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = group.to_vec();
    args.push("--help");
    let help = String::from_utf8(detente(&args).stdout).unwrap();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every leaf command, such as `log append`.
fn every_command() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for command in listed(&[]) {
        let sub = listed(&[&command]);
        if sub.is_empty() {
            all.insert(command);
        } else {
            all.extend(sub.into_iter().map(|s| format!("{command} {s}")));
        }
    }
    all
}

/// Runs one command with `--json` and checks its standard output: one JSON
/// document, or (for streams) one JSON document a line.
fn json_out(args: &[&str], lines: bool) {
    let mut args = args.to_vec();
    args.push("--json");
    let output = detente(&args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "detente {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    if lines {
        assert!(!text.is_empty(), "{args:?} printed nothing");
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
        }
    } else {
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{args:?}: {e}:\n{text}"));
    }
}

#[test]
fn every_command_prints_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let (store, key, vkey, wkey, wvkey, wstore) =
        (at("us.db"), at("us.key"), at("us.vkey"), at("w.key"), at("w.vkey"), at("w.db"));
    let notice = at("notice.txt");
    std::fs::write(&notice, "a notification\n").unwrap();
    let us_json = at("us.json");
    let (request, answer, bundle, policy) = (at("request"), at("answer"), at("p.tlog-proof"), at("policy.txt"));
    let write = |path: &str, args: &[&str]| {
        let output = detente(args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        std::fs::write(path, output.stdout).unwrap();
    };

    let mut covered = BTreeSet::new();
    let mut run = |name: &str, args: &[&str]| {
        covered.insert(name.to_owned());
        json_out(args, name == "log append --lines" || name == "demo");
    };
    run("treaty list", &["treaty", "list"]);
    run("treaty show", &["treaty", "show", "new-start"]);
    run("count", &["count", US, "--treaty", "new-start"]);
    run("compliance", &["compliance", US, "--treaty", "new-start", "--as", "RU"]);
    run("diff", &["diff", US, US]);
    run("history", &["history", "--party", "US"]);
    run("import", &["import", US, "--out", &us_json]);
    run("export", &["export", &us_json]);
    run("data list", &["data", "list"]);
    run("data show", &["data", "show", "treaties/sort.toml"]);
    run("demo", &["demo", "--out", &at("demo"), "--until-done"]);
    run("keygen", &["keygen", "--name", "us.detente.example/record", "--out", &at("us")]);
    run("keygen", &["keygen", "--name", "w.example/witness", "--witness", "--out", &at("w")]);
    run("policy", &["policy", "--log", &vkey, "--witness", &wvkey]);
    write(&policy, &["policy", "--log", &vkey, "--witness", &wvkey]);
    run("log init", &["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    run("log append", &["log", "append", "--store", &store, "--key", &key, "--kind", "declaration", US]);
    let lines = ["log", "append", "--store", &store, "--key", &key, "--kind", "notification"];
    run("log append --lines", &[&lines[..], &["--notice", "change-in-data", "--lines", &notice]].concat());
    run("log checkpoint", &["log", "checkpoint", "--store", &store, "--key", &key]);
    run("log witness-request", &["log", "witness-request", "--store", &store, "--witness", &wvkey]);
    write(&request, &["log", "witness-request", "--store", &store, "--witness", &wvkey]);
    run(
        "witness add-checkpoint",
        &["witness", "add-checkpoint", "--store", &wstore, "--key", &wkey, "--log-key", &vkey, &request],
    );
    write(
        &answer,
        &["witness", "add-checkpoint", "--store", &at("w2.db"), "--key", &wkey, "--log-key", &vkey, &request],
    );
    run("log cosign", &["log", "cosign", "--store", &store, "--witness-key", &wvkey, &answer]);
    run("log prove", &["log", "prove", "--store", &store, "1", "--out", &bundle]);
    run("log show", &["log", "show", "--store", &store, "--policy", &policy]);
    run("log verify", &["log", "verify", "--store", &store, "--policy", &policy]);
    run("verify-proof", &["verify-proof", &bundle, "--policy", &policy]);
    run("witness evidence", &["witness", "evidence", "--store", &wstore]);
    let fork = at("fork.evidence");
    std::fs::write(&fork, same_size_fork(&key)).unwrap();
    run("witness check-evidence", &["witness", "check-evidence", &fork, "--log-key", &vkey]);
    run("analyze scenarios", &["analyze", "scenarios"]);
    run("analyze upload", &["analyze", "upload", "--treaty", "new-start"]);
    run("analyze exchange", &["analyze", "exchange", "--sspk", "0.5"]);
    run("analyze stability", &["analyze", "stability"]);
    run("analyze race", &["analyze", "race"]);
    run("analyze sweep", &["analyze", "sweep", "--x", "US.alert_rate=0:1:3", "--y", "RU.alert_rate=0:1:3"]);

    let node_dir = at("node");
    run("init", &["init", "--dir", &node_dir, "--listen", "127.0.0.1:0"]);

    // The servers' first line says where they listen.
    covered.insert("witness serve".to_owned());
    let mut server = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["witness", "serve", "--store", &wstore, "--key", &wkey, "--log-key", &vkey])
        .args(["--listen", "127.0.0.1:0", "--json"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut first).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let listening: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(listening["listening"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{first}");

    covered.insert("node".to_owned());
    let mut node = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["node", "--config", &format!("{node_dir}/node.toml"), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(node.stdout.take().unwrap()).read_line(&mut first).unwrap();
    node.kill().unwrap();
    node.wait().unwrap();
    let listening: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(listening["party"], "US", "{first}");
    assert!(listening["listening"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{first}");

    covered.remove("log append --lines");
    assert_eq!(covered, every_command(), "a command this test does not run with --json");
}

/// A fork bundle: two checkpoints the key in `key_file` signed for one size
/// with different roots.
fn same_size_fork(key_file: &str) -> String {
    use detente_log::checkpoint::Checkpoint;
    use detente_log::note::Note;
    let key = detente_log::keys::SigningKey::parse(std::fs::read_to_string(key_file).unwrap().trim_end()).unwrap();
    let signed = |root: &[u8]| {
        let mut note = Note::new(Checkpoint::new(key.name(), 3, detente_log::Hash::leaf(root)).text()).unwrap();
        note.sign(&key, 0);
        note.to_string()
    };
    let request = detente_log::witness::AddCheckpoint { old_size: 3, proof: Vec::new(), checkpoint: signed(b"b") };
    detente_log::witness::ForkEvidence { cosigned: signed(b"a"), request: request.to_text() }.to_text()
}
