//! The checks of a C2SP tlog-witness `add-checkpoint` call, as a pure function.
//!
//! A witness remembers, per log origin, the latest checkpoint it cosigned.
//! Given a request (old size, consistency proof, signed checkpoint) and that
//! memory, [`check`] decides: cosign, or refuse with the spec's HTTP status.
//! Persisting the new size must happen atomically with the check (compare
//! and swap on the old size); the store does that, not this module.

use std::fmt::Write as _;

use crate::checkpoint::{Checkpoint, encode_hash, parse_decimal, parse_hash};
use crate::hash::Hash;
use crate::keys::VerifierKey;
use crate::note::Note;
use crate::tree;

/// The spec allows at most 63 consistency proof lines.
pub const MAX_PROOF_LINES: usize = 63;

/// An `add-checkpoint` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as sent.
    pub checkpoint: String,
}

/// A refusal, with the HTTP status the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("400 Bad Request: {0}")]
    BadRequest(String),
    #[error("403 Forbidden: {0}")]
    Forbidden(String),
    #[error("404 Not Found: this witness knows no log with origin {0:?}")]
    UnknownLog(String),
    #[error("409 Conflict: the latest checkpoint this witness cosigned for the log has size {latest}")]
    Conflict { latest: u64 },
    /// The same size as the checkpoint last cosigned, with another root: the
    /// log has forked. The spec answers 409 like any other conflict; the
    /// request is evidence.
    #[error("409 Conflict: the log signed two different trees of size {latest}: it has forked")]
    Forked { latest: u64 },
    #[error("422 Unprocessable Entity: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// Whether the request shows the log misbehaving and should be kept.
    pub fn is_evidence(&self) -> bool {
        matches!(self, Refusal::Inconsistent(_) | Refusal::Forked { .. })
    }

    /// The size a 409 answer carries (`text/x.tlog.size`).
    pub fn conflicting_size(&self) -> Option<u64> {
        match self {
            Refusal::Conflict { latest } | Refusal::Forked { latest } => Some(*latest),
            _ => None,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict { .. } | Refusal::Forked { .. } => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latest {
    pub size: u64,
    pub root: Hash,
}

impl AddCheckpoint {
    /// Reads a request body: `old <size>`, proof lines, a blank line, the checkpoint.
    pub fn parse(body: &str) -> Result<AddCheckpoint, Refusal> {
        let bad = |message: String| Refusal::BadRequest(message);
        let (head, checkpoint) =
            body.split_once("\n\n").ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        let old = lines.next().unwrap_or_default();
        let old_size = old
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad(format!("line 1: expected `old <size>`, found {old:?}")))?;
        let proof = lines
            .enumerate()
            .map(|(i, line)| parse_hash(line).ok_or_else(|| bad(format!("line {}: not a base64 SHA-256 hash", i + 2))))
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad(format!("{} proof lines; at most {MAX_PROOF_LINES} are allowed", proof.len())));
        }
        Ok(AddCheckpoint { old_size, proof, checkpoint: checkpoint.into() })
    }

    /// The request body.
    pub fn to_text(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            let _ = writeln!(body, "{}", encode_hash(hash));
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }
}

/// A checkpoint that passed the checks, ready to cosign.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub checkpoint: Checkpoint,
    pub note: Note,
}

/// Reads the request's signed checkpoint; errors name the line.
pub fn read_checkpoint(text: &str) -> Result<(Note, Checkpoint), Refusal> {
    let note = Note::parse(text).map_err(|e| Refusal::BadRequest(format!("the checkpoint: {e}")))?;
    let checkpoint = Checkpoint::parse(note.text()).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    Ok((note, checkpoint))
}

/// Checks a request against the log keys the witness trusts and what it
/// last cosigned for the checkpoint's origin (`None`: never).
pub fn check(request: &AddCheckpoint, logs: &[VerifierKey], latest: Option<Latest>) -> Result<Accepted, Refusal> {
    let (note, checkpoint) = read_checkpoint(&request.checkpoint)?;
    let keys: Vec<VerifierKey> = logs.iter().filter(|k| k.name() == checkpoint.origin).cloned().collect();
    if keys.is_empty() {
        return Err(Refusal::UnknownLog(checkpoint.origin));
    }
    note.verify(&keys).map_err(|e| Refusal::Forbidden(e.to_string()))?;
    if checkpoint.size > i64::MAX as u64 {
        return Err(Refusal::BadRequest(format!(
            "tree size {} is beyond any log this witness can follow",
            checkpoint.size
        )));
    }
    if request.old_size > checkpoint.size {
        return Err(Refusal::BadRequest(format!(
            "old size {} is larger than the checkpoint's size {}",
            request.old_size, checkpoint.size
        )));
    }
    let known_size = latest.map_or(0, |l| l.size);
    if request.old_size != known_size {
        return Err(Refusal::Conflict { latest: known_size });
    }
    match latest {
        Some(latest) if latest.size == checkpoint.size && latest.root != checkpoint.root => {
            return Err(Refusal::Forked { latest: latest.size });
        }
        Some(latest) if latest.size > 0 => {
            tree::verify_consistency(latest.size, checkpoint.size, &latest.root, &checkpoint.root, &request.proof)
                .map_err(|e| {
                    Refusal::Inconsistent(format!(
                        "the checkpoint of size {} is not consistent with the cosigned checkpoint of size {}: {e}",
                        checkpoint.size, latest.size
                    ))
                })?;
        }
        _ if !request.proof.is_empty() => {
            return Err(Refusal::Inconsistent("a consistency proof from size 0 must be empty".into()));
        }
        _ if checkpoint.size == 0 && checkpoint.root != Hash::empty() => {
            return Err(Refusal::Inconsistent("the root of the empty tree must be SHA-256 of no bytes".into()));
        }
        _ => {}
    }
    Ok(Accepted { checkpoint, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, SigningKey};

    fn request(size: u64, root: Hash, key: &SigningKey) -> AddCheckpoint {
        let mut note = Note::new(Checkpoint::new(key.name(), size, root).text()).unwrap();
        note.sign(key, 0);
        AddCheckpoint { old_size: 0, proof: Vec::new(), checkpoint: note.to_string() }
    }

    #[test]
    fn sizes_no_store_can_hold_are_bad_requests() {
        let key = SigningKey::from_seed("log.example/l", Algorithm::Ed25519, [1; 32]).unwrap();
        let refused = check(&request(u64::MAX, Hash::empty(), &key), std::slice::from_ref(key.verifier()), None);
        assert!(matches!(refused, Err(Refusal::BadRequest(_))), "{refused:?}");
    }

    #[test]
    fn the_same_size_with_another_root_is_a_fork() {
        let key = SigningKey::from_seed("log.example/l", Algorithm::Ed25519, [1; 32]).unwrap();
        let latest = Latest { size: 5, root: Hash::leaf(b"a") };
        let fork = AddCheckpoint { old_size: 5, ..request(5, Hash::leaf(b"b"), &key) };
        let refused = check(&fork, std::slice::from_ref(key.verifier()), Some(latest)).unwrap_err();
        assert_eq!((refused.status(), refused.is_evidence(), refused.conflicting_size()), (409, true, Some(5)));
    }
}
