//! `detente`: the command line over the detente libraries.
//!
//! `args` says what the user asked; `cmd::*` does it; `data` finds treaties and
//! reads declarations; `report` formats results for people. Exit status: 0 done,
//! 1 findings (with `--fail-on-findings`), 2 bad input or usage, 3 anything else.

mod args;
mod cmd;
mod data;
mod report;
mod report_extra;

use std::process::ExitCode;

use clap::Parser;

/// An error the user can fix by changing what they gave us.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Shorthand for returning a [`BadInput`] error.
#[macro_export]
macro_rules! bad_input {
    ($($arg:tt)*) => { anyhow::Error::new($crate::BadInput(format!($($arg)*))) };
}

/// What a command reports back to `main`.
#[derive(Debug)]
pub enum Outcome {
    Done,
    Findings,
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match cmd::run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        // A reader such as `head` closed our output: it has what it wanted.
        Err(error) if is_closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("detente: {error:#}");
            if error.is::<BadInput>() { ExitCode::from(2) } else { ExitCode::from(3) }
        }
    }
}

fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}
