//! Every code block of the README works as written. The set-up block runs
//! in a fresh clone of the repository; every other block runs in an empty
//! folder of its own, with `detente` on the PATH as an installed binary
//! would be, under `bash -eu -o pipefail`, so a missing file, a flag that is
//! not there or a command that fails stops it.

use std::path::Path;
use std::process::Command;

use crate::root;

/// The README's ```sh blocks, in order.
fn blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "a README code block is never closed");
    blocks
}

/// The commands of a block: its lines without comments and blank lines.
fn commands(block: &str) -> Vec<String> {
    block
        .lines()
        .map(|line| line.split(" #").next().unwrap_or_default().trim().to_owned())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

#[test]
fn the_set_up_block_is_exactly_two_commands_that_work_in_a_fresh_clone() {
    let blocks = blocks();
    let set_up = commands(&blocks[0]);
    assert_eq!(set_up, ["cargo run --release -- demo", "scripts/test-all"], "the README's first block");

    let clone = tempfile::tempdir().unwrap();
    let cloned = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root())
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(cloned.success(), "git clone of the repository");
    let test_all = clone.path().join("scripts/test-all");
    assert!(is_executable(&test_all), "scripts/test-all is there and executable in a fresh clone");
    // The test command itself is not run here: it would run this test again.
    // The demo is, as a new user runs it. Its release build goes to a target
    // folder of its own (the one `cargo test` is using stays locked while it
    // runs), kept under the workspace's, so it compiles once per machine.
    let demo = Command::new("sh")
        .arg("-c")
        .arg(&set_up[0])
        .current_dir(clone.path())
        .env("CARGO_TARGET_DIR", root().join("target/readme"))
        .env_remove("DETENTE_DATA")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&demo.stdout);
    assert!(demo.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&demo.stderr));
    assert!(stdout.contains("detente demo: New START on public data"), "{stdout}");
    assert!(clone.path().join("detente-demo/newstart-history.svg").is_file());
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[test]
fn every_usage_block_works_as_written_in_an_empty_folder() {
    let binary = Path::new(env!("CARGO_BIN_EXE_detente"));
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let blocks = blocks();
    assert!(blocks.len() >= 3, "the README shows how to count, keep a record and analyse");
    for (number, block) in blocks.iter().enumerate().skip(1) {
        let folder = tempfile::tempdir().unwrap();
        let run = Command::new("bash")
            .args(["-eu", "-o", "pipefail", "-x", "-c", block])
            .current_dir(folder.path())
            .env("PATH", &path)
            .env_remove("DETENTE_DATA")
            .env_remove("DETENTE_STORE")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "README block {number} failed (the last command traced is the one that failed):\n{block}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
