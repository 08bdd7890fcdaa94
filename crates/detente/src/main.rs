//! `detente`: the command line over the detente libraries.
//!
//! `args` parses what the user asked into typed values; `cmd::*` does it by
//! calling the libraries; `report` and `charts` render results; `output` is
//! the one printer; `data` finds the shipped files and the user's; `error`
//! maps the end of a command to an exit status: 0 done, 1 findings, 2 bad
//! input or usage, 3 anything else.

mod args;
mod charts;
mod cmd;
mod data;
mod error;
mod inputs;
mod output;
mod report;
mod stores;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let context =
        cmd::Context { data_dir: cli.data_dir, clock: Arc::new(unix_now), out: output::Output::new(cli.json) };
    error::exit_code(cmd::run(cli.command, &context))
}

/// The one place detente reads the clock; everything below is handed the time.
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
