//! How a command ends, and the exit status each end gives: 0 done, 1
//! findings (with `--fail-on-findings`, or a check that found a problem), 2
//! bad input or usage, 3 anything else.

use std::process::ExitCode;

/// An error the user can fix by changing what they gave us. The message
/// names the file, the line or record, and the field.
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
    ($($arg:tt)*) => { anyhow::Error::new($crate::error::BadInput(format!($($arg)*))) };
}

/// What a command reports back when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The work was done and found something the user asked to be told of
    /// by the exit status: findings, a failed audit, an unwitnessed checkpoint.
    Findings,
}

/// The longest error message printed, in characters.
const MESSAGE_LIMIT: usize = 4_000;

/// The exit status for a command's result; errors are printed here, once.
pub fn exit_code(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        // A reader such as `head` closed our output: it has what it wanted.
        Err(error) if is_closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Libraries cut the values they repeat; this is the last guard, so
            // that no input, however large, makes a message of its size.
            eprintln!("detente: {}", detente_core::error::shortened_to(&format!("{error:#}"), MESSAGE_LIMIT));
            if error.is::<BadInput>() { ExitCode::from(2) } else { ExitCode::from(3) }
        }
    }
}

fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}
