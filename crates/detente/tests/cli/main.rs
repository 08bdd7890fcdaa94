//! The `detente` binary end to end: real processes, real files, exit codes.
//! One test binary, a module per area of the command line.

mod analyze;
mod count;
mod crash;
mod declaration;
mod demo;
mod history;
mod json;
mod node;
mod node_faults;
mod node_trilateral;
mod powercut;
mod readme;
mod record;
mod treaty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn detente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(args)
        .current_dir(root())
        .env_remove("DETENTE_DATA")
        .output()
        .expect("the binary runs")
}

pub fn ok(args: &[&str]) -> String {
    let output = detente(args);
    assert!(output.status.success(), "detente {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

pub fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("valid JSON")
}

pub fn totals(count: &Value) -> Vec<u64> {
    count["limits"].as_array().unwrap().iter().map(|l| l["total"].as_u64().unwrap()).collect()
}

/// Runs a command that must fail on bad input: exit 2, a message on stderr, nothing on stdout.
pub fn bad(args: &[&str]) -> String {
    let output = detente(args);
    assert_eq!(output.status.code(), Some(2), "detente {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    String::from_utf8(output.stderr).unwrap()
}

pub const US: &str = "data/declarations/us-2020-09-01.csv";

/// Writes `text` to `name` in `dir` and returns the path as a string.
pub fn file_in(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A party's working folder: its keys, stores and documents.
#[derive(Debug)]
pub struct Party {
    dir: tempfile::TempDir,
}

impl Default for Party {
    fn default() -> Party {
        Party { dir: tempfile::tempdir().unwrap() }
    }
}

impl Party {
    pub fn new() -> Party {
        Party::default()
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        detente(args)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "detente {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn keygen(&self, name: &str, prefix: &str, witness: bool) -> String {
        let out = self.path(prefix);
        let mut args = vec!["keygen", "--name", name, "--out", &out];
        if witness {
            args.push("--witness");
        }
        self.ok(&args).trim().to_string()
    }
}

/// A command's exit status.
pub fn exit(output: &std::process::Output) -> Option<i32> {
    output.status.code()
}
