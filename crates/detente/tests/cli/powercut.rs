//! Power cuts, simulated. `log append` runs under an LD_PRELOAD shim
//! (`powercut/shim.c`) that records what each file of its folder would hold
//! after a power failure: a file's content as of its last sync, a rename
//! once its directory is synced. The test kills the appender at a random
//! moment, puts every file back to that recorded state, and restarts: no
//! acknowledged entry is lost, every checkpoint acknowledged is a prefix of
//! the one history, and the signer state never runs ahead of the store in a
//! way that stops the signer.

use std::path::{Path, PathBuf};

use detente_log::MemoryLog;
use detente_log::checkpoint::parse_hash;
use detente_store::LogStore;
use detente_store::sqlite::SqliteStore;

use super::crash::append_until_killed;
use super::{Party, detente};

/// Builds the shim with the C compiler every Rust toolchain links with.
fn build_shim(out: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/powercut/shim.c");
    let shim = out.join("shim.so");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&shim)
        .arg(&source)
        .arg("-ldl")
        .output()
        .expect("cc runs");
    assert!(built.status.success(), "building the shim: {}", String::from_utf8_lossy(&built.stderr));
    shim
}

/// Makes `to` hold exactly the files of `from` (the names the shim keeps
/// copies under, leaving out copies it was still writing).
fn mirror(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(to).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_name().to_string_lossy().ends_with(".copying") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn no_acknowledged_entry_is_lost_to_a_power_cut() {
    let party = Party::new();
    let (disk, durable) = (PathBuf::from(party.path("disk")), PathBuf::from(party.path("durable")));
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(&durable).unwrap();
    let shim = build_shim(Path::new(&party.path("")));
    let at = |name: &str| disk.join(name).display().to_string();
    let (store, key, vkey) = (at("us.db"), at("us.key"), at("us.vkey"));
    party.keygen("us.detente.example/record", "disk/us", false);
    party.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
    let env = [
        ("LD_PRELOAD", shim.to_str().unwrap()),
        ("POWERCUT_WATCH", disk.to_str().unwrap()),
        ("POWERCUT_DURABLE", durable.to_str().unwrap()),
    ];
    let mut acknowledged_size = 0;
    let mut signed: Vec<(u64, String)> = Vec::new();
    let mut random = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..10 {
        // Up to here everything is on disk: the machine ran cleanly.
        mirror(&disk, &durable);
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let delay = std::time::Duration::from_millis(50 + random % 300);
        let (_, acknowledged) = append_until_killed(&store, &key, round, delay, &env);
        // The power cut: every file is what the disk durably held. The
        // signer state held then is at least every checkpoint acknowledged.
        if let Some(&(size, _)) = acknowledged.checkpoints.iter().max_by_key(|(size, _)| *size) {
            let state = std::fs::read_to_string(durable.join("us.key.signed")).unwrap();
            let remembered: u64 = state.lines().nth(1).unwrap().parse().unwrap();
            assert!(remembered >= size, "round {round}: the signer state lost checkpoint {size}");
        }
        mirror(&durable, &disk);
        acknowledged_size = acknowledged_size.max(acknowledged.committed);
        signed.extend(acknowledged.checkpoints);

        // The machine boots: the signer signs (it is never stuck), the audit passes.
        let checkpointed = detente(&["log", "checkpoint", "--store", &store, "--key", &key, "--json"]);
        assert!(checkpointed.status.success(), "round {round}: {}", String::from_utf8_lossy(&checkpointed.stderr));
        let view: serde_json::Value = serde_json::from_slice(&checkpointed.stdout).unwrap();
        let latest = view["size"].as_u64().unwrap();
        signed.push((latest, view["root"].as_str().unwrap().to_owned()));
        let audit = detente(&["log", "verify", "--store", &store, "--key", &vkey]);
        assert!(audit.status.success(), "round {round}: {}", String::from_utf8_lossy(&audit.stderr));
        let entries = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
            let sqlite = SqliteStore::open_read_only(Path::new(&store)).await.unwrap();
            let size = sqlite.size().await.unwrap();
            sqlite.read_entries(0, size).await.unwrap()
        });
        assert!(entries.len() as u64 >= acknowledged_size, "round {round}: acknowledged entries were lost");
        let mut tree = MemoryLog::new();
        for bytes in &entries {
            tree.push(bytes);
        }
        for (size, root) in &signed {
            assert!(*size <= latest, "round {round}: the checkpoint went back from {size} to {latest}");
            assert_eq!(tree.root(*size), parse_hash(root).unwrap(), "round {round}: a fork at size {size}");
        }
    }
    assert!(acknowledged_size > 0, "the appender acknowledged something before a power cut");
}
