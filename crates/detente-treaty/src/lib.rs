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
pub mod count;
mod finding;
pub mod interpretation;
pub mod selector;
pub mod treaty;

pub use catalogue::{Catalogue, CatalogueError};
pub use count::{Count, Options, count};
pub use finding::Finding;
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

    pub(crate) fn syntax(error: toml::de::Error) -> TreatyError {
        TreatyError::Syntax(error.to_string().trim_end().to_owned())
    }
}
