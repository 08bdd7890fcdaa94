//! The record from the command line: keys, entries, checkpoints, witnesses,
//! proofs, audits, trust anchors and concurrent appenders.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use detente_store::LogStore;
use detente_store::sqlite::SqliteStore;

use super::{Party, bad, exit};

#[test]
fn a_notification_is_recorded_witnessed_and_proven_offline() {
    let us = Party::new();
    let vkey = us.keygen("us.detente.example/record", "us", false);
    let witness = us.keygen("ru.detente.example/witness", "ru-witness", true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(us.path("us.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is the owner's only");
    }
    assert!(vkey.starts_with("us.detente.example/record+"));
    let (store, key) = (us.path("us.db"), us.path("us.key"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let note = us.write("n.txt", "One B-52H converted to non-nuclear armaments.\n");
    let appended = us.ok(&[
        "log",
        "append",
        "--store",
        &store,
        "--key",
        &key,
        "--kind",
        "notification",
        "--notice",
        "change-in-data",
        &note,
    ]);
    assert!(appended.starts_with("0\t"), "{appended}");
    us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "declaration", super::US]);
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);

    let policy = us.write("policy.txt", &format!("log {vkey}\nwitness RU {witness}\nquorum RU\n"));
    let bundle = us.path("entry0.tlog-proof");
    us.ok(&["log", "prove", "--store", &store, "0", "--out", &bundle]);
    // Not yet cosigned: proven, but unwitnessed, which is a finding.
    let unwitnessed = us.run(&["verify-proof", &bundle, "--policy", &policy]);
    assert_eq!(exit(&unwitnessed), Some(1));
    assert!(String::from_utf8_lossy(&unwitnessed.stdout).contains("UNWITNESSED"));

    let witness_vkey = us.path("ru-witness.vkey");
    let request =
        us.write("request.txt", &us.ok(&["log", "witness-request", "--store", &store, "--witness", &witness_vkey]));
    let witness_store = us.path("witness.db");
    let witness_key = us.path("ru-witness.key");
    let us_vkey = us.path("us.vkey");
    // The witness, as Russia runs it.
    let add_checkpoint = |request: &str| {
        us.run(&[
            "witness",
            "add-checkpoint",
            "--store",
            &witness_store,
            "--key",
            &witness_key,
            "--log-key",
            &us_vkey,
            request,
        ])
    };
    let answer = String::from_utf8(add_checkpoint(&request).stdout).unwrap();
    let answer = us.write("answer.txt", &answer);
    // An empty answer (a witness that wrote nothing) is bad input, not a success.
    let empty = us.write("empty.txt", "");
    let refused = us.run(&["log", "cosign", "--store", &store, "--witness-key", &witness_vkey, &empty]);
    assert_eq!(exit(&refused), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no cosignature"));
    us.ok(&["log", "cosign", "--store", &store, "--witness-key", &us.path("ru-witness.vkey"), &answer]);
    us.ok(&["log", "prove", "--store", &store, "0", "--out", &bundle]);
    let proven = us.ok(&["verify-proof", &bundle, "--policy", &policy, "--json"]);
    let proven: serde_json::Value = serde_json::from_str(&proven).unwrap();
    assert_eq!((proven["witnessed"].as_bool(), proven["kind"].as_str()), (Some(true), Some("notification")));
    assert!(us.ok(&["log", "verify", "--store", &store, "--policy", &policy]).contains("witnessed: checkpoint 2"));

    // The same request again: the witness has moved on (409), a finding with the status named.
    let again = add_checkpoint(&request);
    assert_eq!(exit(&again), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("409 Conflict"));

    // A second round needs nothing the user cannot know: the record noted that
    // the witness cosigned size 2, so the next request starts there.
    let later = us.write("later.txt", "A second notification.\n");
    us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "concern", &later]);
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    let second = us.ok(&["log", "witness-request", "--store", &store, "--witness", &witness_vkey]);
    assert!(second.starts_with("old 2\n"), "{second}");
    let second = us.write("second.txt", &second);
    let answered = add_checkpoint(&second);
    assert!(answered.status.success(), "{}", String::from_utf8_lossy(&answered.stderr));
    let answer = String::from_utf8(answered.stdout).unwrap();
    let answer = us.write("answer2.txt", &answer);
    us.ok(&["log", "cosign", "--store", &store, "--witness-key", &witness_vkey, &answer]);
    assert!(us.ok(&["log", "verify", "--store", &store, "--policy", &policy]).contains("witnessed: checkpoint 3"));

    // An answer lost on the way back (cosigned, never given to `log cosign`):
    // the log's next request starts too far back, the witness answers 409 with
    // its size, and `log cosign` takes that answer, so the one after goes through.
    let round = |name: &str| {
        us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "concern", &later]);
        us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
        us.write(name, &us.ok(&["log", "witness-request", "--store", &store, "--witness", &witness_vkey]))
    };
    let lost = round("lost.txt");
    assert!(add_checkpoint(&lost).status.success());
    let behind = round("behind.txt");
    assert!(std::fs::read_to_string(&behind).unwrap().starts_with("old 3\n"));
    let conflict = add_checkpoint(&behind);
    assert_eq!(exit(&conflict), Some(1));
    let size = us.write("size.txt", &String::from_utf8(conflict.stdout).unwrap());
    assert_eq!(std::fs::read_to_string(&size).unwrap(), "4\n", "a 409's body is the witness's size");
    let noted = us.ok(&["log", "cosign", "--store", &store, "--witness-key", &witness_vkey, &size]);
    assert!(noted.contains("is at size 4"), "{noted}");
    let retry =
        us.write("retry.txt", &us.ok(&["log", "witness-request", "--store", &store, "--witness", &witness_vkey]));
    assert!(std::fs::read_to_string(&retry).unwrap().starts_with("old 4\n"));
    let answered = add_checkpoint(&retry);
    assert!(answered.status.success(), "{}", String::from_utf8_lossy(&answered.stderr));
    let answer = us.write("answer3.txt", &String::from_utf8(answered.stdout).unwrap());
    us.ok(&["log", "cosign", "--store", &store, "--witness-key", &witness_vkey, &answer]);
    assert!(us.ok(&["log", "verify", "--store", &store, "--policy", &policy]).contains("witnessed: checkpoint 5"));

    // A bundle whose entry was changed is not proven.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let extra = text.lines().nth(1).unwrap();
    let mut changed = extra.to_string();
    let at = changed.len() - 6;
    changed.replace_range(at..at + 1, if &extra[at..at + 1] == "A" { "B" } else { "A" });
    let forged = us.write("forged.tlog-proof", &text.replace(extra, &changed));
    let refused = us.run(&["verify-proof", &forged, "--policy", &policy]);
    assert_eq!(exit(&refused), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
}

#[test]
fn a_witness_refuses_a_fork_with_409_and_keeps_it() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    us.keygen("neutral.example/witness", "w", true);
    let key = us.path("us.key");
    let line = us.write("n.txt", "a notification\n");
    let other = us.write("m.txt", "a different notification\n");
    // Two stores under one key: the same log, forked. The signer refuses to
    // sign the second history; an operator who also throws away the signer's
    // state (`us.key.signed`) gets it signed, and only the witness catches it.
    for (store, document) in [("a.db", &line), ("b.db", &other)] {
        let store = us.path(store);
        us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
        let append = ["log", "append", "--store", &store, "--key", &key, "--kind", "concern", document];
        let appended = us.run(&append);
        if !appended.status.success() {
            let message = String::from_utf8_lossy(&appended.stderr);
            assert!(message.contains("the store was rolled back"), "{message}");
            std::fs::remove_file(format!("{key}.signed")).unwrap();
            us.ok(&append);
        }
        us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    }
    let (witness_store, witness_key, log_key) = (us.path("w.db"), us.path("w.key"), us.path("us.vkey"));
    let witness = |request: &str| {
        us.run(&[
            "witness",
            "add-checkpoint",
            "--store",
            &witness_store,
            "--key",
            &witness_key,
            "--log-key",
            &log_key,
            request,
        ])
    };
    let w = us.path("w.vkey");
    let first = us.write("a.req", &us.ok(&["log", "witness-request", "--store", &us.path("a.db"), "--witness", &w]));
    assert!(witness(&first).status.success());
    let fork = us.write(
        "b.req",
        &us.ok(&["log", "witness-request", "--store", &us.path("b.db"), "--witness", &w, "--old", "1"]),
    );
    let refused = witness(&fork);
    assert_eq!(exit(&refused), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("409 Conflict: the log signed two different trees of size 1"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let kept = us.run(&["witness", "evidence", "--store", &witness_store]);
    assert_eq!(exit(&kept), Some(1), "kept evidence is a finding");
    let kept = String::from_utf8_lossy(&kept.stdout).into_owned();
    assert!(kept.contains("us.detente.example/record") && kept.contains(&std::fs::read_to_string(&fork).unwrap()));
    // The bundle checks alone, with the log's key.
    let bundle = us.write("fork.evidence", kept.split_once('\n').unwrap().1);
    let checked = us.run(&["witness", "check-evidence", &bundle, "--log-key", &log_key]);
    assert_eq!(exit(&checked), Some(1), "{}", String::from_utf8_lossy(&checked.stderr));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("signed two different trees of size 1"));
}

#[test]
fn log_verify_names_the_tampered_entry() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let (store, key) = (us.path("us.db"), us.path("us.key"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let lines = us.write("lines.txt", &(0..40).map(|i| format!("notice {i}\n")).collect::<String>());
    us.ok(&[
        "log",
        "append",
        "--store",
        &store,
        "--key",
        &key,
        "--kind",
        "notification",
        "--notice",
        "change-in-data",
        "--lines",
        &lines,
    ]);
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    assert!(us.run(&["log", "verify", "--store", &store, "--key", &us.path("us.vkey")]).status.success());
    // Checked against a key the user trusts, a store kept under another key is a finding.
    us.keygen("us.detente.example/record", "other", false);
    let other = us.run(&["log", "verify", "--store", &store, "--key", &us.path("other.vkey")]);
    assert_eq!(exit(&other), Some(1));
    assert!(String::from_utf8_lossy(&other.stderr).contains("not a key you trust"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let sqlite = SqliteStore::open(std::path::Path::new(&store)).await.unwrap();
        let entry = sqlite.read_entries(17, 18).await.unwrap().remove(0);
        let (mut bundle,): (Vec<u8>,) =
            sqlx::query_as("SELECT data FROM entry_bundles WHERE bundle = 0").fetch_one(sqlite.pool()).await.unwrap();
        let at = bundle.windows(entry.len()).position(|w| w == entry.as_slice()).unwrap() + entry.len() - 70;
        bundle[at] ^= 0x01;
        sqlx::query("UPDATE entry_bundles SET data = $1 WHERE bundle = 0")
            .bind(bundle)
            .execute(sqlite.pool())
            .await
            .unwrap();
        sqlite.pool().close().await;
    });
    let audit = us.run(&["log", "verify", "--store", &store, "--key", &us.path("us.vkey")]);
    assert_eq!(exit(&audit), Some(1));
    let message = String::from_utf8_lossy(&audit.stderr);
    assert!(message.contains("entry 17"), "{message}");
}

/// `log show`, `log prove` and `log verify` open the store read-only: a path
/// with no store is refused by name, and nothing is created or written.
#[test]
fn commands_that_only_read_create_and_change_nothing() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let vkey = us.path("us.vkey");
    let reading = |store: &str| -> [Vec<String>; 3] {
        let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect();
        [
            owned(&["log", "show", "--store", store]),
            owned(&["log", "prove", "--store", store, "0"]),
            owned(&["log", "verify", "--store", store, "--key", &vkey]),
        ]
    };
    let missing = us.path("missing.db");
    for command in reading(&missing) {
        let output = us.run(&command.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(exit(&output), Some(2), "{command:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(&format!("opening {missing}: no store at {missing}")), "{command:?}: {message}");
        assert!(!std::path::Path::new(&missing).exists(), "{command:?} created the store");
    }
    let (store, key) = (us.path("us.db"), us.path("us.key"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let lines = us.write("lines.txt", "notice 0\nnotice 1\n");
    let append = ["log", "append", "--store", &store, "--key", &key, "--kind", "notification"];
    us.ok(&[&append[..], &["--notice", "change-in-data", "--lines", &lines]].concat());
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    let before = std::fs::read(&store).unwrap();
    for command in reading(&store) {
        us.ok(&command.iter().map(String::as_str).collect::<Vec<_>>());
    }
    assert_eq!(std::fs::read(&store).unwrap(), before, "a reading command changed the store");
}

#[test]
fn bad_keys_policies_requests_and_bundles_are_refused_by_name() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let key = us.path("us.key");
    // Keys are never overwritten.
    let again = bad(&["keygen", "--name", "x.example/y", "--out", &us.path("us")]);
    assert!(again.contains("never overwritten"), "{again}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let message = bad(&["log", "init", "--store", &us.path("s.db"), "--key", &key, "--party", "US"]);
        assert!(message.contains("chmod 600"), "{message}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Mode 0600 is not enough: the key must be the user's own. Run as
        // root, the test gives a copy away; otherwise root's files are another's.
        let theirs = us.path("theirs.key");
        std::fs::copy(&key, &theirs).unwrap();
        let theirs = match std::os::unix::fs::chown(&theirs, Some(65_534), None) {
            Ok(()) => theirs,
            Err(_) => "/etc/passwd".to_owned(),
        };
        let message = bad(&["log", "init", "--store", &us.path("s.db"), "--key", &theirs, "--party", "US"]);
        assert!(message.contains("must belong to the user who uses it"), "{message}");
    }
    let policy = us.write("policy.txt", "log us.detente.example/record+00000000+AQ==\nquorum none\n");
    let bundle = us.write("b.tlog-proof", "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n1\nAA==\n\n— x AAAAAAA=\n");
    let message = bad(&["verify-proof", &bundle, "--policy", &policy]);
    assert!(message.contains("policy.txt: policy line 1"), "{message}");
    let vkey = std::fs::read_to_string(us.path("us.vkey")).unwrap();
    let policy = us.write("policy.txt", &format!("log {vkey}quorum none\n"));
    let message = bad(&["verify-proof", &bundle, "--policy", &policy]);
    assert!(message.contains("b.tlog-proof: proof line 2"), "{message}");
    let request = us.write("request.txt", "old x\n\nbody\n");
    us.keygen("w.example/w", "w", true);
    let message = bad(&[
        "witness",
        "add-checkpoint",
        "--store",
        &us.path("w.db"),
        "--key",
        &us.path("w.key"),
        "--log-key",
        &vkey,
        &request,
    ]);
    assert!(message.contains("400 Bad Request: line 1"), "{message}");
    let message = bad(&["log", "cosign", "--store", &us.path("s.db"), "--witness-key", "not-a-key", &request]);
    assert!(message.contains("verifier key"), "{message}");
}

/// One HTTP/1.1 POST over a plain socket: (status line, headers and body).
fn post(address: &str, path: &str, body: &str) -> (String, String) {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (status, rest) = response.split_once("\r\n").unwrap();
    (status.to_string(), rest.to_lowercase())
}

#[test]
fn the_witness_speaks_tlog_witness_over_http() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    us.keygen("neutral.example/witness", "w", true);
    let (store, key) = (us.path("us.db"), us.path("us.key"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let document = us.write("n.txt", "a notification\n");
    us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "concern", &document]);
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    let request = us.ok(&["log", "witness-request", "--store", &store, "--witness", &us.path("w.vkey")]);

    let (witness_store, witness_key, log_key) = (us.path("w.db"), us.path("w.key"), us.path("us.vkey"));
    let mut server = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["witness", "serve", "--store", &witness_store, "--key", &witness_key, "--log-key", &log_key])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let address = first.trim().rsplit("http://").next().unwrap().to_string();

    let (status, body) = post(&address, "/add-checkpoint", &request);
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(body.contains("\u{2014} neutral.example/witness "), "{body}");
    let (status, body) = post(&address, "/add-checkpoint", &request);
    assert_eq!(status, "HTTP/1.1 409 Conflict");
    assert!(body.contains("content-type: text/x.tlog.size") && body.ends_with("\r\n\r\n1\n"), "{body}");
    let (status, _) = post(&address, "/add-checkpoint", "old 0\n\nnot a checkpoint\n");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `log verify` trusts nothing it reads: it needs an anchor, fails on a
/// missing or stale checkpoint, and with `--since` on a store rolled back
/// behind a checkpoint the verifier holds.
#[test]
fn log_verify_needs_an_anchor_and_a_fresh_checkpoint() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let (store, key, vkey) = (us.path("us.db"), us.path("us.key"), us.path("us.vkey"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    // A backup of the store as it is now: the database and its write-ahead log.
    let older = us.path("older.db");
    for suffix in ["", "-wal"] {
        if std::path::Path::new(&format!("{store}{suffix}")).exists() {
            std::fs::copy(format!("{store}{suffix}"), format!("{older}{suffix}")).unwrap();
        }
    }
    let verify = |extra: &[&str]| us.run(&[&["log", "verify", "--store", &store][..], extra].concat());
    let no_anchor = verify(&[]);
    assert_eq!(exit(&no_anchor), Some(2));
    assert!(String::from_utf8_lossy(&no_anchor.stderr).contains("needs a trust anchor"));
    let missing = verify(&["--key", &vkey]);
    assert_eq!(exit(&missing), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no signed checkpoint"));
    let note = us.write("n.txt", "a notification\n");
    let append = ["log", "append", "--store", &store, "--key", &key, "--kind", "concern", &note];
    us.ok(&append);
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    let held = us.write("held.checkpoint", &us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]));
    us.ok(&append);
    let stale = verify(&["--key", &vkey]);
    assert_eq!(exit(&stale), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("the checkpoint is stale: it covers 1 of the 2 entries"));
    us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
    assert!(
        us.ok(&["log", "verify", "--store", &store, "--since", &held])
            .contains("extends the trusted checkpoint of size 1")
    );
    // A policy that names no log of the store's origin says nothing about its key.
    us.keygen("ru.detente.example/record", "ru", false);
    let other_policy = us.write("other.txt", &us.ok(&["policy", "--log", &us.path("ru.vkey")]));
    let unnamed = verify(&["--policy", &other_policy]);
    assert_eq!(exit(&unnamed), Some(1));
    assert!(String::from_utf8_lossy(&unnamed.stderr).contains("a log the policy does not name"));
    let trusting = us.ok(&["log", "verify", "--store", &store, "--trust-store-key"]);
    assert!(trusting.contains("--trust-store-key"), "{trusting}");
    // A copy of the store from before the held checkpoint is behind it.
    let behind = us.run(&["log", "verify", "--store", &older, "--since", &held]);
    assert_eq!(exit(&behind), Some(1));
    assert!(String::from_utf8_lossy(&behind.stderr).contains("it was rolled back"));
}

/// Two appenders on one store at once: each retries after the other's
/// commit, both finish, and neither reports its good input as bad.
#[test]
fn concurrent_appenders_both_finish() {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let (store, key) = (us.path("us.db"), us.path("us.key"));
    us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let spawn = |name: &str| {
        let lines = us.write(name, &(0..300).map(|i| format!("{name} {i}\n")).collect::<String>());
        Command::new(env!("CARGO_BIN_EXE_detente"))
            .args(["log", "append", "--store", &store, "--key", &key, "--kind", "notification"])
            .args(["--notice", "change-in-data", "--lines", "--batch", "10", "--checkpoint", &lines])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn("a.txt"), spawn("b.txt"));
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let shown: serde_json::Value =
        serde_json::from_str(&us.ok(&["log", "show", "--store", &store, "--json", "--limit", "0"])).unwrap();
    assert_eq!(shown["size"], 600, "every line of both inputs is recorded");
    assert!(us.run(&["log", "verify", "--store", &store, "--key", &us.path("us.vkey")]).status.success());
}
