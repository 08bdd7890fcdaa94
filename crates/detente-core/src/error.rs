//! The errors of the core, and the one helper that keeps them short.
//!
//! Every value an error message repeats goes through [`quoted`] (a value we
//! quote ourselves) or [`shortened`] (a message from a parser that may repeat
//! its input), so that a 50 MB field gives a message of a few hundred bytes.

use std::fmt;

/// At most this many characters of a value are repeated in a message.
pub const QUOTE_LIMIT: usize = 80;

/// At most this many characters of another library's message are kept.
pub const MESSAGE_LIMIT: usize = 400;

/// A value as an error message shows it: quoted and escaped like `{:?}`, and
/// cut after [`QUOTE_LIMIT`] characters with the full length said.
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// A value that is usually a short word or number, shown bare when it is one
/// (`-5 is negative`) and quoted and cut like [`quoted`] when it is not.
pub fn bare(value: &str) -> String {
    let short = value.chars().count() <= QUOTE_LIMIT && value.chars().all(|c| c.is_ascii_graphic());
    if short { value.to_owned() } else { quoted(value).to_string() }
}

/// Displays a value for [`quoted`].
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(QUOTE_LIMIT) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(f, "{:?}… ({} bytes in all)", &self.0[..cut], self.0.len()),
        }
    }
}

/// A message from a parser (serde, TOML, CSV) that may repeat the input: kept
/// whole when short, otherwise its head and tail with the middle cut out, so
/// that both what went wrong and where (which such messages put at either end) remain.
pub fn shortened(message: &str) -> String {
    shortened_to(message, MESSAGE_LIMIT)
}

/// [`shortened`] with another limit, for a whole message made of several parts.
pub fn shortened_to(message: &str, limit: usize) -> String {
    let chars = message.chars().count();
    if chars <= limit {
        return message.to_owned();
    }
    let keep = limit / 2;
    let head_end = message.char_indices().nth(keep).map_or(message.len(), |(i, _)| i);
    let tail_start = message.char_indices().nth(chars - keep).map_or(message.len(), |(i, _)| i);
    format!("{} … [{} characters cut] … {}", &message[..head_end], chars - 2 * keep, &message[tail_start..])
}

/// Where in the input a problem lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A CSV line, counted from 1 and including the `#` preamble.
    Line(u64),
    /// A JSON item, by its index in `items` (or an item handed to the builder, by its number).
    Record(usize),
    /// The file as a whole (or its JSON header).
    File,
}

/// Why a declaration could not be read or built: where, which item, which field, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    pub location: Location,
    /// The item's unique identifier, when it was read before the problem.
    pub uid: Option<String>,
    /// The field at fault, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Line(line) => write!(f, "line {line}")?,
            Location::Record(index) => write!(f, "items[{index}]")?,
            Location::File => f.write_str("header")?,
        }
        if let Some(uid) = &self.uid {
            write!(f, " (uid {uid})")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl DecodeError {
    pub fn new(location: Location, field: Option<&str>, message: impl Into<String>) -> DecodeError {
        DecodeError { location, uid: None, field: field.map(str::to_owned), message: message.into() }
    }

    pub fn from_field(location: Location, uid: Option<&str>, error: FieldError) -> DecodeError {
        DecodeError { location, uid: uid.map(quoted_uid), field: Some(error.field.to_owned()), message: error.message }
    }
}

/// A uid as an error names it: whole when it is a valid one (at most 128
/// characters), cut like any quoted value otherwise.
fn quoted_uid(uid: &str) -> String {
    if crate::model::is_token(uid) { uid.to_owned() } else { quoted(uid).to_string() }
}

/// Why an item or header was refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
    }
}

/// A party code that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid party {}: expected a country code of 2 or 3 capital letters, such as US or RU", quoted(.text))]
pub struct PartyError {
    pub text: String,
}

/// A status that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {}: expected one of {}", quoted(.text), crate::model::Status::names())]
pub struct StatusError {
    pub text: String,
}

/// An armament that is neither `nuclear` nor `non-nuclear`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown armament {}: expected nuclear, non-nuclear or empty", quoted(.text))]
pub struct ArmamentError {
    pub text: String,
}

/// Why declarations could not be combined into one (see [`crate::Declaration::combine`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CombineError {
    #[error("nothing to combine: give at least one declaration")]
    Empty,
    #[error(
        "the {party} declaration is as of {as_of}, the first one as of {expected}: combine declarations of one date"
    )]
    DifferentDates { party: crate::Party, as_of: crate::Date, expected: crate::Date },
    #[error("uid {uid} is declared by both {first} and {second}")]
    DuplicateUid { uid: String, first: crate::Party, second: crate::Party },
    #[error("facility {id} is declared by {first} and {second} with different kinds or names")]
    ConflictingFacility { id: String, first: crate::Party, second: crate::Party },
    #[error("kind {kind} links missiles and launchers in one declaration and not in another")]
    ConflictingKind { kind: String },
    #[error(
        "the {linked} declaration names the launcher of each missile and the {unlinked} declaration \
         (detente-declaration/1) names none: combine declarations of one format"
    )]
    MixedLinks { linked: crate::Party, unlinked: crate::Party },
    #[error("the combined declaration has more than 4,294,967,295 items or 65,535 (kind, type) pairs")]
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_their_length() {
        assert_eq!(quoted("Minuteman III").to_string(), "\"Minuteman III\"");
        let huge = "x".repeat(1 << 20);
        let text = quoted(&huge).to_string();
        assert!(text.len() < 120, "{text}");
        assert!(text.ends_with("(1048576 bytes in all)"), "{text}");
        // Multi-byte characters are never split.
        let cyrillic = "ж".repeat(100);
        assert!(quoted(&cyrillic).to_string().starts_with(&format!("{:?}", "ж".repeat(QUOTE_LIMIT))));
    }

    #[test]
    fn long_messages_keep_head_and_tail() {
        assert_eq!(shortened("short"), "short");
        let message = format!("unknown variant `{}`, expected one of `a`, `b` at line 3", "y".repeat(1 << 20));
        let cut = shortened(&message);
        assert!(cut.len() < MESSAGE_LIMIT + 100, "{}", cut.len());
        assert!(cut.starts_with("unknown variant `yyy"), "{cut}");
        assert!(cut.ends_with("expected one of `a`, `b` at line 3"), "{cut}");
        assert!(cut.contains("characters cut"), "{cut}");
    }
}
