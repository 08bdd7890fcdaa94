//! C2SP tlog-checkpoint: the note text `origin\nsize\nbase64(root)\n` with
//! optional extension lines, signed by the log (and cosigned by witnesses).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::hash::Hash;
use crate::keys::VerifierKey;
use crate::note::{Note, NoteError, Verified};

/// A log's tree head: its origin, its size and its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Opaque extension lines; detente writes none.
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint line {line}: {message}")]
    Line { line: usize, message: &'static str },
    #[error("checkpoint: {0}")]
    Note(#[from] NoteError),
    #[error("checkpoint origin {found:?} is not the log's ({expected:?})")]
    Origin { expected: String, found: String },
    #[error("checkpoint is not signed by the log key {0}")]
    NotSignedByLog(String),
    #[error("checkpoint origin {0:?} is not a log the policy trusts")]
    UnknownLog(String),
}

/// Reads a decimal with no leading zeroes (`0` itself allowed), as the C2SP
/// formats write sizes and indexes.
pub fn parse_decimal(text: &str) -> Option<u64> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// Reads one base64 SHA-256 hash.
pub fn parse_hash(text: &str) -> Option<Hash> {
    BASE64.decode(text).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).map(Hash)
}

pub fn encode_hash(hash: &Hash) -> String {
    BASE64.encode(hash.0)
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// Reads a checkpoint's note text (without signatures).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |line, message| CheckpointError::Line { line, message };
        let body = text.strip_suffix('\n').ok_or(bad(1, "the checkpoint text must end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or(bad(1, "the origin line is empty"))?;
        let size = lines.next().ok_or(bad(2, "the tree size line is missing"))?;
        let size = parse_decimal(size).ok_or(bad(2, "the tree size must be a decimal with no leading zeroes"))?;
        let root = lines.next().ok_or(bad(3, "the root hash line is missing"))?;
        let root = parse_hash(root).ok_or(bad(3, "the root hash must be 32 bytes in base64"))?;
        let extensions: Vec<String> = lines.map(String::from).collect();
        if let Some(i) = extensions.iter().position(String::is_empty) {
            return Err(bad(4 + i, "extension lines must be non-empty"));
        }
        Ok(Checkpoint { origin: origin.into(), size, root, extensions })
    }

    /// The note text.
    pub fn text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, encode_hash(&self.root));
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// A checkpoint whose log signature has been verified, with the cosignatures
/// that verified against the witness keys given.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
    /// Verified cosignatures (never the log's own signature).
    pub cosignatures: Vec<Verified>,
}

impl SignedCheckpoint {
    /// Reads a signed checkpoint and checks it: the origin must be the log
    /// key's name and the log's signature must verify. Cosignatures from
    /// `witnesses` are verified too (a bad one refuses the note); others are
    /// ignored.
    pub fn open(
        input: &str,
        log: &VerifierKey,
        witnesses: &[VerifierKey],
    ) -> Result<SignedCheckpoint, CheckpointError> {
        let note = Note::parse(input)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != log.name() {
            return Err(CheckpointError::Origin { expected: log.name().into(), found: checkpoint.origin });
        }
        let trusted: Vec<VerifierKey> = std::iter::once(log.clone()).chain(witnesses.iter().cloned()).collect();
        let verified = note.verify(&trusted)?;
        let (by_log, cosignatures): (Vec<_>, Vec<_>) =
            verified.into_iter().partition(|v| v.name == log.name() && v.id == log.id());
        if by_log.is_empty() {
            return Err(CheckpointError::NotSignedByLog(log.to_string()));
        }
        Ok(SignedCheckpoint { checkpoint, note, cosignatures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_reads_and_writes_back() {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let checkpoint = Checkpoint::parse(text).unwrap();
        assert_eq!((checkpoint.origin.as_str(), checkpoint.size), ("example.com/behind-the-sofa", 20852163));
        assert_eq!(checkpoint.text(), text);
    }

    #[test]
    fn malformed_checkpoints_name_the_line() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let cases = [
            (format!("\n1\n{root}\n"), 1),
            (format!("o\n01\n{root}\n"), 2),
            (format!("o\n-1\n{root}\n"), 2),
            ("o\n1\n".to_string(), 3),
            ("o\n1\nAAAA\n".to_string(), 3),
            (format!("o\n1\n{root}\n\n"), 4),
            (format!("o\n1\n{root}"), 1),
        ];
        for (text, line) in cases {
            match Checkpoint::parse(&text) {
                Err(CheckpointError::Line { line: found, .. }) => assert_eq!(found, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn decimals_are_canonical() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("10"), Some(10));
        for bad in ["", "00", "01", "+1", " 1", "1 ", "18446744073709551616"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
