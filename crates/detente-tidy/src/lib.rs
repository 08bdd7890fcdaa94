//! Tidy checks, run as tests (`tests/tidy.rs`): the rules that keep the pure
//! crates pure, stated once as data and checked by tools that resolve names
//! rather than by text search.
//!
//! - [`PURE_CRATES`]: the crates that do no I/O, each with the direct
//!   dependencies it may have. Each has a `clippy.toml` that is the canonical
//!   [`CLIPPY_CONFIG`] (disallowed clock, files, network, environment, OS
//!   randomness and printing), so plain `cargo clippy --workspace` enforces it.
//! - [`check_dependencies`]: reads `cargo metadata` and refuses a pure crate
//!   whose direct dependencies leave its allow-list, or whose normal
//!   dependencies reach one of the [`IO_CRATES`].
//! - [`diagnostics`] and [`expected`]: what clippy reported and what a
//!   fixture's `// expect:` comments say it must report, so the test can
//!   show every forbidden category is caught, aliased imports included.

mod dependencies;
mod lints;

pub use dependencies::{DependencyError, Violation, check_dependencies, reached};
pub use lints::{Disallowed, Lint, MarkError, Report, diagnostics, expected};

/// A crate that does no I/O, and the only crates it may depend on directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PureCrate {
    pub name: &'static str,
    pub allowed: &'static [&'static str],
}

/// The pure crates. A crate joins by an entry here and a `clippy.toml` link
/// to [`CLIPPY_CONFIG`] in its directory (the tidy test asks for both).
pub const PURE_CRATES: &[PureCrate] = &[
    PureCrate {
        name: "detente-core",
        allowed: &["csv", "csv-core", "hashbrown", "memchr", "serde", "serde_json", "serde_path_to_error", "thiserror"],
    },
    PureCrate { name: "detente-treaty", allowed: &["detente-core", "serde", "thiserror", "toml"] },
    PureCrate {
        name: "detente-log",
        allowed: &["base64", "curve25519-dalek", "detente-core", "ed25519-dalek", "sha2", "tape-sha256", "thiserror"],
    },
    PureCrate {
        name: "detente-analysis",
        allowed: &["detente-core", "rand", "rand_distr", "rayon", "serde", "thiserror", "toml"],
    },
    PureCrate { name: "detente-chart", allowed: &[] },
];

/// The canonical clippy configuration of the pure crates, relative to the
/// workspace root.
pub const CLIPPY_CONFIG: &str = "crates/detente-tidy/pure/clippy.toml";

/// Crates whose purpose is I/O: no pure crate may reach one through its
/// normal dependencies. A trailing `*` matches any suffix (`tokio*` is
/// tokio, tokio-util, tokio-postgres, …).
///
/// `libc` is not here: it is also how `cpufeatures` and the like ask the CPU
/// what it can do, and every function in it is `unsafe`, which the
/// workspace forbids in our own code; the crates that do I/O through it are
/// named below instead.
pub const IO_CRATES: &[&str] = &[
    // Asynchronous runtimes and event loops.
    "tokio*",
    "mio",
    "async-std",
    "async-io",
    "smol",
    "polling",
    // Sockets, HTTP clients and servers.
    "socket2",
    "hyper*",
    "h2",
    "h3",
    "axum*",
    "tower-http",
    "reqwest",
    "ureq",
    "curl*",
    "isahc",
    // Databases.
    "sqlx*",
    "rusqlite",
    "libsqlite3-sys",
    "postgres*",
    "mysql*",
    "redis",
    // Randomness from the operating system (seeded generators are fine).
    "getrandom",
    "fastrand",
    // System calls behind safe wrappers.
    "rustix",
    "nix",
    // Files, directories and the user's environment.
    "tempfile",
    "walkdir",
    "fs-err",
    "memmap2",
    "notify",
    "dirs*",
    "directories",
    "home",
    "glob",
    "iana-time-zone",
    // The terminal and the process's arguments.
    "clap*",
    "crossterm",
    "termion",
    "atty",
    "is-terminal",
    "anstream",
    "console",
    "indicatif",
    "env_logger",
    "tracing-subscriber",
    "ctrlc",
    "signal-hook*",
];

/// Whether `name` is matched by one of `patterns` (see [`IO_CRATES`]).
pub fn matches_any(name: &str, patterns: &[&str]) -> bool {
    patterns.iter().any(|pattern| match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *pattern,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_and_prefixes() {
        assert!(matches_any("tokio", IO_CRATES));
        assert!(matches_any("tokio-postgres", IO_CRATES));
        assert!(matches_any("sqlx-sqlite", IO_CRATES));
        assert!(matches_any("getrandom", IO_CRATES));
        assert!(!matches_any("getrandomness", &["getrandom"]));
        assert!(!matches_any("rand", IO_CRATES));
        assert!(!matches_any("rand_chacha", IO_CRATES));
        assert!(!matches_any("libc", IO_CRATES));
    }
}
