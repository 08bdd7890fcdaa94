//! Every code block of the README works as written. The set-up block runs in
//! a fresh clone of the repository; `detente` is then installed from that
//! clone as the README says (`cargo install --path crates/detente`), and every
//! other block runs, a line at a time, in an empty folder of its own with that
//! binary on the PATH, under `bash -eu -o pipefail`: a missing file, a flag
//! that is not there or a command that fails stops it. A comment that makes a
//! claim (`# → 675 / 1,457 / 800`) is checked too: every number after the
//! arrow must be in what the command printed.

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

/// A line of a block: the command, and the numbers its comment claims it prints.
struct Line {
    command: String,
    claims: Vec<String>,
}

/// The commands of a block, without comment lines and blank lines.
fn lines(block: &str) -> Vec<Line> {
    block
        .lines()
        .filter_map(|line| {
            let (command, comment) = line.split_once(" #").unwrap_or((line, ""));
            let command = command.trim();
            if command.is_empty() || command.starts_with('#') {
                return None;
            }
            let claims = comment.split_once('→').map_or_else(Vec::new, |(_, claim)| numbers(claim));
            Some(Line { command: command.to_owned(), claims })
        })
        .collect()
}

/// The numbers in a text, as written: `1,457`, `0.19019`, `496.5`.
fn numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() || (!current.is_empty() && (c == ',' || c == '.')) {
            current.push(c);
        } else if !current.is_empty() {
            found.push(current.trim_end_matches([',', '.']).to_owned());
            current.clear();
        }
    }
    found
}

#[test]
fn claims_are_read_from_comments() {
    let parsed = lines("detente count us.csv   # → 675 / 1,457 / 800\n# a comment\n\ndetente x  # no claim, 12\n");
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].command, "detente count us.csv");
    assert_eq!(parsed[0].claims, ["675", "1,457", "800"]);
    assert!(parsed[1].claims.is_empty());
    assert_eq!(numbers("→ 496.5 m, SSPK 0.19019."), ["496.5", "0.19019"]);
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

/// Runs a shell command in `folder` in a process group of its own, reads
/// its output until a line holds `until`, then interrupts the group as
/// Ctrl-C at a terminal would: all it printed, once it has exited 0.
fn until_interrupted(command: &str, folder: &Path, until: &str) -> String {
    use std::io::BufRead as _;
    use std::os::unix::process::CommandExt as _;
    let mut child = shell(command, folder).stdout(std::process::Stdio::piped()).process_group(0).spawn().unwrap();
    let mut printed = String::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains(until) {
            let group = rustix::process::Pid::from_child(&child);
            rustix::process::kill_process_group(group, rustix::process::Signal::INT).unwrap();
            break;
        }
    }
    for line in lines {
        printed.push_str(&line.unwrap());
        printed.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(printed.contains(until) && status.success(), "`{command}` ({status}):\n{printed}");
    printed
}

/// `bash -c command` in `folder`, building the clone under the
/// workspace's target folder: its release artifacts are compiled once per
/// machine, not per run (the folder `cargo test` is using stays locked
/// while it runs).
fn shell(command: &str, folder: &Path) -> Command {
    let mut shell = Command::new("bash");
    shell.args(["-eu", "-o", "pipefail", "-c", command]).current_dir(folder);
    shell.env("CARGO_TARGET_DIR", root().join("target/readme")).env_remove("DETENTE_DATA").env_remove("DETENTE_STORE");
    shell
}

/// Runs a shell command in `folder`; panics, showing its output, if it fails.
fn sh(command: &str, folder: &Path, path: Option<&str>) -> String {
    let mut shell = shell(command, folder);
    if let Some(path) = path {
        shell.env("PATH", path);
    }
    let run = shell.output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "`{command}` failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    stdout
}

#[test]
fn every_block_works_as_written() {
    let blocks = blocks();
    assert!(blocks.len() >= 4, "the README sets up, counts, keeps a record and analyses");
    let set_up: Vec<String> = lines(&blocks[0]).into_iter().map(|l| l.command).collect();
    assert_eq!(set_up, ["cargo run --release -- demo", "scripts/test-all"], "the README's first block");

    let clone = tempfile::tempdir().unwrap();
    let cloned = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root())
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(cloned.success(), "git clone of the repository");
    // The test command itself is not run here: it would run this test again.
    assert!(is_executable(&clone.path().join("scripts/test-all")), "scripts/test-all is there and executable");
    // The demo runs until Ctrl-C, which a terminal sends to its whole
    // process group: so does this test, once the replay is done.
    let demo = until_interrupted(&set_up[0], clone.path(), "Ctrl-C stops them");
    assert!(demo.contains("detente demo: New START on public data"), "{demo}");
    assert!(demo.contains("Stopped cleanly"), "{demo}");
    assert!(clone.path().join("detente-demo/newstart-history.svg").is_file());

    let installed = clone.path().join("installed");
    sh(
        &format!("cargo install --quiet --locked --path crates/detente --root {}", installed.display()),
        clone.path(),
        None,
    );
    let path = format!("{}:{}", installed.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    for (number, block) in blocks.iter().enumerate().skip(1) {
        let folder = tempfile::tempdir().unwrap();
        for line in lines(block) {
            let printed = sh(&line.command, folder.path(), Some(&path));
            for claim in &line.claims {
                assert!(
                    printed.contains(claim.as_str()),
                    "README block {number}: `{}` claims {claim}, but printed:\n{printed}",
                    line.command
                );
            }
        }
    }
}
