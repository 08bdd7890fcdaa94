//! Treaties as data, and the engine that counts declarations against them.
//!
//! - [`Treaty`]: a validated treaty file (limits, counting rules, prohibitions,
//!   quotas, notification kinds with deadlines, dates, sources).
//! - [`Interpretation`]: a party's reading of contested items.
//! - [`count()`]: declaration × treaty × interpretation → [`Count`], with the
//!   items behind every number, the itemised difference a reading makes, and
//!   the [`Finding`]s.
//! - [`Catalogue`]: the treaties and interpretations known to a run.
//!
//! Architecture invariant: no I/O. Callers hand in file texts and get values back.

mod catalogue;
mod caution;
pub mod count;
mod finding;
pub mod interpretation;
pub mod notification;
pub mod regime;
pub mod selector;
pub mod treaty;

pub use catalogue::{Catalogue, CatalogueError};
pub use caution::Caution;
pub use count::{Breakdown, Count, Options, count};
pub use finding::{Finding, unnotified};
pub use interpretation::Interpretation;
pub use treaty::Treaty;

/// A treaty or interpretation file that cannot be used, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreatyError {
    /// The text is not valid TOML, or a field has the wrong type or name; the message gives line and column.
    #[error("{0}")]
    Syntax(String),
    #[error("field {path}: {message}")]
    Field { path: String, message: String },
}

impl TreatyError {
    pub(crate) fn field(path: impl Into<String>, message: impl Into<String>) -> TreatyError {
        TreatyError::Field { path: path.into(), message: message.into() }
    }

    /// A TOML error located by line and column in `text`. The TOML crate's own
    /// message quotes the offending line, which may be any length, so it is
    /// rebuilt from the bare message and the position.
    pub(crate) fn syntax(error: toml::de::Error, text: &str) -> TreatyError {
        let message = detente_core::shortened(error.message().trim_end());
        match error.span() {
            Some(span) => {
                let before = &text.as_bytes()[..span.start.min(text.len())];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
                TreatyError::Syntax(format!("TOML parse error at line {line}, column {column}: {message}"))
            }
            None => TreatyError::Syntax(format!("TOML parse error: {message}")),
        }
    }
}
