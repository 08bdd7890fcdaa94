//! `detente`: the command line over the detente libraries.
//!
//! `args` parses what the user asked into typed values; `cmd::*` does it by
//! calling the libraries; `report` and `charts` render results; `output` is
//! the one printer; `data` finds the shipped files and the user's; `error`
//! maps the end of a command to an exit status: 0 done, 1 findings, 2 bad
//! input or usage, 3 anything else.

// Key files are checked by their Unix owner and mode, and the demo runs its
// nodes in process groups it signals: there is no other platform's meaning
// for either here.
#[cfg(not(unix))]
compile_error!("detente runs on Unix (Linux, macOS, the BSDs)");

mod args;
mod charts;
mod clock;
mod cmd;
mod data;
mod error;
mod inputs;
mod output;
mod report;
mod stores;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // Everything below `main` is handed the time; `clock` alone reads it.
    let run = clock::clock(cli.clock).and_then(|clock| {
        let context = cmd::Context {
            data_dir: cli.data_dir,
            clock,
            wall_ms: clock::system_ms,
            out: output::Output::new(cli.json),
        };
        cmd::run(cli.command, &context)
    });
    error::exit_code(run)
}
