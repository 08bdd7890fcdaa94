//! Appends killed with SIGKILL, many times, on SQLite and PostgreSQL: after
//! each restart the signer signs, the audit passes, and nothing acknowledged
//! is lost or forked. `append_until_killed` is shared with the power-cut test.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use detente_log::MemoryLog;
use detente_log::checkpoint::parse_hash;
use detente_log::entry::{Content, SignedEntry};
use detente_store::LogStore;
use detente_store::postgres::PgStore;
use detente_store::sqlite::SqliteStore;

use super::{Party, detente};

/// What a killed appender acknowledged: the size of its last durable
/// commit, and each checkpoint it printed.
#[derive(Default)]
pub struct Acknowledged {
    pub committed: u64,
    pub checkpoints: Vec<(u64, String)>,
}

async fn stored_entries<S: LogStore>(store: &S) -> Vec<Vec<u8>> {
    let size = store.size().await.unwrap();
    store.read_entries(0, size).await.unwrap()
}

/// Runs `log append --lines --batch 40 --checkpoint -` on `store`, feeding
/// it lines tagged with `round`, and kills it with SIGKILL after `delay`:
/// the lines it was sent, and what it acknowledged before it died.
pub fn append_until_killed(
    store: &str,
    key: &str,
    round: u64,
    delay: std::time::Duration,
    env: &[(&str, &str)],
) -> (Vec<String>, Acknowledged) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["log", "append", "--store", store, "--key", key, "--kind", "notification", "--notice", "change-in-data"])
        .args(["--lines", "--batch", "40", "--checkpoint", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .envs(env.iter().copied())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines: Vec<String> = (0..100_000).map(|i| format!("round {round} line {i}")).collect();
    let writer = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in lines {
                if writeln!(stdin, "{line}").is_err() {
                    break;
                }
            }
        })
    };
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let reader = {
        let stdout = child.stdout.take().unwrap();
        let acknowledged = Arc::clone(&acknowledged);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut acknowledged = acknowledged.lock().unwrap();
                let words: Vec<&str> = line.split(' ').collect();
                match words.as_slice() {
                    ["committed", size] => acknowledged.committed = size.parse().unwrap(),
                    ["checkpoint", size, root] => {
                        acknowledged.checkpoints.push((size.parse().unwrap(), root.to_string()))
                    }
                    _ => panic!("unexpected output {line:?}"),
                }
            }
        })
    };
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    writer.join().unwrap();
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    (lines, acknowledged)
}

/// Kills `log append --lines` with SIGKILL mid-stream, many times, and
/// checks after each restart that every acknowledged entry is there and
/// intact, the checkpoint never went back, and every checkpoint the log
/// ever signed is a prefix of the same history.
fn appends_survive_sigkill(store: &str, rounds: u64) {
    let us = Party::new();
    us.keygen("us.detente.example/record", "us", false);
    let (key, vkey) = (us.path("us.key"), us.path("us.vkey"));
    us.ok(&["log", "init", "--store", store, "--key", &key, "--party", "US"]);
    let mut sent: Vec<String> = Vec::new();
    let mut signed: Vec<(u64, String)> = Vec::new();
    let mut acknowledged_size = 0;
    let mut random = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..rounds {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let delay = std::time::Duration::from_millis(30 + random % 400);
        let (lines, acknowledged) = append_until_killed(store, &key, round, delay, &[]);
        let before = sent.len() as u64;
        // A round killed before its first commit acknowledged nothing.
        let acknowledged_now = acknowledged.committed;
        assert!(
            acknowledged_now == 0 || acknowledged_now >= acknowledged_size,
            "round {round}: acknowledged sizes go forward"
        );
        acknowledged_size = acknowledged_now.max(acknowledged_size);
        signed.extend(acknowledged.checkpoints);

        // Restart: the signer signs what the killed appender committed (it never
        // refuses for good), the audit passes, and every acknowledged entry is
        // there, intact, in order.
        let checkpointed = detente(&["log", "checkpoint", "--store", store, "--key", &key, "--json"]);
        assert!(checkpointed.status.success(), "round {round}: {}", String::from_utf8_lossy(&checkpointed.stderr));
        let view: serde_json::Value = serde_json::from_slice(&checkpointed.stdout).unwrap();
        signed.push((view["size"].as_u64().unwrap(), view["root"].as_str().unwrap().to_owned()));
        let state = std::fs::read_to_string(format!("{key}.signed")).unwrap();
        assert_eq!(state, view["note"].as_str().unwrap(), "round {round}: the signer remembers what it signed");
        let audit = detente(&["log", "verify", "--store", store, "--key", &vkey]);
        assert!(audit.status.success(), "round {round}: {}", String::from_utf8_lossy(&audit.stderr));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let entries = runtime.block_on(async {
            match store.strip_prefix("postgres") {
                Some(_) => stored_entries(&PgStore::open(store).await.unwrap()).await,
                None => stored_entries(&SqliteStore::open(std::path::Path::new(store)).await.unwrap()).await,
            }
        });
        assert!(entries.len() as u64 >= acknowledged_size, "round {round}: acknowledged entries were lost");
        let texts: Vec<String> = entries
            .iter()
            .map(|bytes| match &SignedEntry::decode(bytes).unwrap().entry().content {
                Content::Inline { bytes, .. } => String::from_utf8(bytes.clone()).unwrap(),
                Content::Digest { .. } => panic!("a line is recorded inline"),
            })
            .collect();
        // This round added a prefix of what it was sent, after everything before.
        assert_eq!(texts[..before as usize], sent[..], "round {round}: earlier entries changed");
        let added = texts.len() - before as usize;
        assert_eq!(texts[before as usize..], lines[..added], "round {round}: entries out of order");
        sent = texts;

        // Every checkpoint ever signed is the root of a prefix of this one history, and the
        // stored checkpoint is at least the latest one acknowledged.
        let mut tree = MemoryLog::new();
        for bytes in &entries {
            tree.push(bytes);
        }
        for (size, root) in &signed {
            assert_eq!(tree.root(*size), parse_hash(root).unwrap(), "round {round}: a fork at size {size}");
        }
        let shown: serde_json::Value =
            serde_json::from_str(&super::ok(&["log", "show", "--store", store, "--json", "--limit", "0"])).unwrap();
        let stored_size =
            shown["checkpoint"].as_str().map_or(0, |note| note.lines().nth(1).unwrap().parse::<u64>().unwrap());
        let latest_signed = signed.iter().map(|(size, _)| *size).max().unwrap_or(0);
        assert!(
            stored_size >= latest_signed,
            "round {round}: the checkpoint went back to {stored_size} from {latest_signed}"
        );
    }
    assert!(acknowledged_size > 0, "the appender acknowledged something in {rounds} rounds");
}

#[test]
fn sqlite_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    appends_survive_sigkill(&dir.path().join("us.db").display().to_string(), 16);
}

#[test]
fn postgres_appends_survive_sigkill() {
    let server = std::env::var("DETENTE_TEST_POSTGRES")
        .expect("DETENTE_TEST_POSTGRES must give a PostgreSQL server; scripts/test-all starts one");
    let name = format!("detente_crash_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    });
    appends_survive_sigkill(&format!("{server}/{name}"), 8);
}
