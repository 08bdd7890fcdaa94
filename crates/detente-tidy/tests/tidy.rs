//! The tidy test: the pure crates stay pure.
//!
//! Clippy enforces the configuration in each pure crate's `clippy.toml`
//! whenever the workspace is linted (`scripts/test-all` runs it with `-D
//! warnings`); this test checks that the configuration is in place and
//! bites. Every pure crate carries the canonical file; each forbidden
//! category has a fixture crate, reached through aliased imports, on which
//! clippy must report exactly the uses the fixture marks and fail; a clean
//! fixture passes with nothing to say. The dependency rules are checked on
//! the workspace's `cargo metadata`, and shown to fail on a metadata
//! document in which a pure crate reaches an I/O crate.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use detente_tidy::{
    CLIPPY_CONFIG, IO_CRATES, PURE_CRATES, PureCrate, Violation, check_dependencies, diagnostics, expected, reached,
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    // Cargo's progress and clippy's human-readable report, for a failing test's log.
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn stdout(output: &Output) -> &str {
    std::str::from_utf8(&output.stdout).expect("cargo and rustc write UTF-8")
}

/// The platform to resolve dependencies for: this one, so that no other
/// platform's packages need fetching.
fn host() -> String {
    let output = run(Command::new("rustc").arg("-vV"));
    stdout(&output).lines().find_map(|line| line.strip_prefix("host: ")).expect("rustc -vV names the host").into()
}

fn metadata() -> String {
    let output = run(Command::new("cargo").current_dir(workspace()).args([
        "metadata",
        "--format-version=1",
        "--locked",
        "--filter-platform",
        &host(),
    ]));
    assert!(output.status.success(), "cargo metadata failed");
    stdout(&output).into()
}

#[test]
fn pure_crates_depend_only_on_their_allow_lists_and_reach_no_io_crate() {
    let violations = check_dependencies(&metadata(), PURE_CRATES, IO_CRATES).unwrap();
    let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(violations.is_empty(), "the pure crates break their dependency rules:\n{}", report.join("\n"));
}

/// The check walks what cargo itself builds for each pure crate alone:
/// `cargo tree -p` resolves features per package, as the check does, and
/// not for the whole workspace, as `cargo metadata` does. (In the workspace,
/// sqlx turns on rand's OS generator, and so getrandom; detente-analysis
/// alone does not.)
#[test]
fn the_check_reaches_what_cargo_builds_for_each_pure_crate() {
    let metadata = metadata();
    for krate in PURE_CRATES {
        let output = run(Command::new("cargo").current_dir(workspace()).args([
            "tree",
            "--locked",
            "--edges=normal",
            "--prefix=none",
            "--format={p}",
            "--package",
            krate.name,
        ]));
        assert!(output.status.success(), "cargo tree failed");
        let from_cargo: BTreeSet<String> = stdout(&output)
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != krate.name)
            .map(String::from)
            .collect();
        let walked = reached(&metadata, krate.name).unwrap().expect("a pure crate is a workspace member");
        assert_eq!(walked, from_cargo, "what {} reaches", krate.name);
    }
}

/// In the fixture, detente-chart depends on svg-writer, which depends on
/// tokio (and tokio on mio), and on leftpad, which is not on its list; its
/// dev-dependency tempfile reaches getrandom. svg-writer's optional
/// getrandom is on in the workspace's resolution only because detente-plot
/// asks for it, so it counts against detente-plot and not detente-chart.
#[test]
fn a_pure_crate_that_reaches_an_io_crate_fails_naming_both() {
    let metadata = fs::read_to_string(fixtures().join("metadata/io-dependency.json")).unwrap();
    let pure = [
        PureCrate { name: "detente-chart", allowed: &["svg-writer"] },
        PureCrate { name: "detente-plot", allowed: &["svg-writer"] },
        PureCrate { name: "detente-seismic", allowed: &[] },
    ];
    let violations = check_dependencies(&metadata, &pure, IO_CRATES).unwrap();
    let io = |krate: &str, through: &[&str]| Violation::Io {
        krate: krate.into(),
        dependency: through.last().unwrap().to_string(),
        through: through.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        violations,
        vec![
            Violation::Missing { krate: "detente-seismic".into() },
            Violation::NotAllowed { krate: "detente-chart".into(), dependency: "leftpad".into() },
            io("detente-chart", &["detente-chart", "svg-writer", "tokio", "mio"]),
            io("detente-chart", &["detente-chart", "svg-writer", "tokio"]),
            io("detente-plot", &["detente-plot", "svg-writer", "getrandom"]),
            io("detente-plot", &["detente-plot", "svg-writer", "tokio", "mio"]),
            io("detente-plot", &["detente-plot", "svg-writer", "tokio"]),
        ]
    );
    assert_eq!(
        violations[3].to_string(),
        "detente-chart reaches the I/O crate tokio through its normal dependencies: detente-chart -> svg-writer -> tokio"
    );
    assert_eq!(
        violations[1].to_string(),
        "detente-chart depends directly on leftpad, which is not in its allow-list (detente_tidy::PURE_CRATES)"
    );
}

#[test]
fn every_pure_crate_carries_the_canonical_clippy_config() {
    let canonical = fs::read_to_string(workspace().join(CLIPPY_CONFIG)).unwrap();
    for krate in PURE_CRATES {
        let path = workspace().join("crates").join(krate.name).join("clippy.toml");
        let config = fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; link it to {CLIPPY_CONFIG} (ln -s ../detente-tidy/pure/clippy.toml)", path.display())
        });
        assert!(config == canonical, "{} differs from {CLIPPY_CONFIG}: keep one configuration", path.display());
    }
}

/// The pure crates themselves, under their configuration: so the tidy test
/// fails when one of them reads the clock, touches the disk or prints, not
/// only the clippy step of the test command. Its own target directory keeps
/// it clear of the build the enclosing `cargo test` holds.
#[test]
fn the_pure_crates_pass_their_configuration() {
    let mut command = Command::new("cargo");
    command.current_dir(workspace()).args(["clippy", "--quiet", "--locked", "--lib", "--message-format=json"]);
    for krate in PURE_CRATES {
        command.args(["-p", krate.name]);
    }
    command
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-pure"));
    let output = run(&mut command);
    let report = diagnostics(stdout(&output));
    assert!(report.disallowed.is_empty(), "a pure crate does what it must not: {:?}", report.disallowed);
    assert!(output.status.success(), "clippy refused a pure crate:\n{}", report.other.join("\n"));
}

/// Runs clippy, as CI does, on a fixture crate with the canonical
/// configuration; the fixtures share one target directory.
fn clippy(fixture: &str) -> Output {
    let config = workspace().join(CLIPPY_CONFIG);
    run(Command::new("cargo")
        .args(["clippy", "--quiet", "--locked", "--message-format=json", "--manifest-path"])
        .arg(fixtures().join(fixture).join("Cargo.toml"))
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-fixtures"))
        .env("CLIPPY_CONF_DIR", config.parent().unwrap()))
}

/// Clippy fails the fixture, reporting exactly the uses its `// expect:`
/// marks name, and nothing else.
fn caught(fixture: &str) {
    let source = fs::read_to_string(fixtures().join(fixture).join("src/lib.rs")).unwrap();
    let marked = expected(&source).unwrap();
    assert!(!marked.is_empty(), "the {fixture} fixture marks no forbidden use");
    let output = clippy(fixture);
    let report = diagnostics(stdout(&output));
    assert_eq!(report.disallowed, marked, "the uses clippy reported in the {fixture} fixture");
    assert!(report.other.is_empty(), "unexpected diagnostics in the {fixture} fixture:\n{}", report.other.join("\n"));
    assert!(!output.status.success(), "clippy -D warnings passed the {fixture} fixture");
}

#[test]
fn reading_the_clock_is_caught() {
    caught("clock");
}

#[test]
fn touching_the_file_system_is_caught() {
    caught("files");
}

#[test]
fn opening_sockets_and_resolving_names_is_caught() {
    caught("network");
}

#[test]
fn reading_the_environment_and_starting_processes_is_caught() {
    caught("environment");
}

#[test]
fn randomness_from_the_os_is_caught() {
    caught("randomness");
}

#[test]
fn printing_is_caught() {
    caught("printing");
}

/// The clean fixture computes from its arguments, much as the pure crates
/// do, and clippy has nothing to say about it: in particular no
/// configuration entry fails to name a real std item (clippy warns of those,
/// and that warning alone would not fail the lint run).
#[test]
fn pure_code_passes_and_every_std_entry_names_a_real_item() {
    let output = clippy("clean");
    let report = diagnostics(stdout(&output));
    assert_eq!(report.disallowed, vec![]);
    assert!(report.other.is_empty(), "clippy on the clean fixture:\n{}", report.other.join("\n"));
    assert!(output.status.success(), "clippy -D warnings failed the clean fixture");
}

/// The lints can be turned off in code or in a manifest, which would quietly
/// undo the configuration. In a pure crate, an allow of them (or of the
/// groups holding them) must be on an item, with a reason, and the crate's
/// lint levels come from the workspace, which leaves them alone.
#[test]
fn the_disallowed_lints_are_never_turned_off_wholesale() {
    let root = fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    assert!(!root.contains("disallowed"), "the workspace's [lints] must not change the disallowed_* lints");
    for krate in PURE_CRATES {
        let dir = workspace().join("crates").join(krate.name);
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[lints]\nworkspace = true"), "{} must take the workspace's lints", krate.name);
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for file in files {
            let problems = lint_switches(&fs::read_to_string(&file).unwrap());
            assert!(problems.is_empty(), "{}: {}", file.display(), problems.join("; "));
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Attributes in `text` that turn the disallowed lints off too widely:
/// crate- or module-wide (`#![…]`), for all of clippy or its style group,
/// or without a reason.
fn lint_switches(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (start, _) in text.match_indices('#') {
        let rest = &text[start..];
        let inner = rest.starts_with("#![");
        if !(inner || rest.starts_with("#[")) {
            continue;
        }
        let attribute = &rest[..rest.find(']').map_or(rest.len(), |end| end + 1)];
        let switches_off = ["allow(", "expect(", "cfg_attr("].iter().any(|a| attribute.contains(a));
        let touches = ["clippy::disallowed_", "clippy::all", "clippy::style"].iter().any(|l| attribute.contains(l));
        if !(switches_off && touches) {
            continue;
        }
        if inner || attribute.contains("clippy::all") || attribute.contains("clippy::style") {
            problems.push(format!("{attribute} switches the disallowed lints off for more than one item"));
        } else if !attribute.contains("reason") {
            problems.push(format!("{attribute} needs a reason = \"…\""));
        }
    }
    problems
}

#[test]
fn wholesale_lint_switches_are_found() {
    assert_eq!(lint_switches("#![allow(clippy::disallowed_methods)]\nfn f() {}").len(), 1);
    assert_eq!(lint_switches("#[allow(clippy::all)]\nfn f() {}").len(), 1);
    assert_eq!(lint_switches("#[allow(clippy::disallowed_types)]\nfn f() {}").len(), 1);
    let with_reason = "#[allow(clippy::disallowed_methods, reason = \"the test reads its fixture\")]\nfn f() {}";
    assert_eq!(lint_switches(with_reason), Vec::<String>::new());
    assert_eq!(lint_switches("#[derive(Debug)]\n#![doc = \"x\"]"), Vec::<String>::new());
}
