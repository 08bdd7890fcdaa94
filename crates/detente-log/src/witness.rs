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
    /// The proof gives the log's signed new root, but another old root
    /// than the one this witness cosigned: the log signed a tree that does
    /// not extend its own earlier one. Answered 422 like a wrong proof; the
    /// request is evidence.
    #[error("422 Unprocessable Entity: {0}")]
    Diverged(String),
    /// A proof that proves nothing: the client's mistake, not the log's.
    #[error("422 Unprocessable Entity: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// Whether the request shows the log misbehaving and should be kept: a
    /// fork ([`Refusal::Forked`], [`Refusal::Diverged`]). Any other refusal is
    /// the client's fault, which anyone can provoke, so nothing of it is kept.
    pub fn is_evidence(&self) -> bool {
        matches!(self, Refusal::Diverged(_) | Refusal::Forked { .. })
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
            Refusal::Diverged(_) | Refusal::Inconsistent(_) => 422,
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
    if let Some(fork) = latest.and_then(|latest| fork_shown(latest, &checkpoint, request)) {
        return Err(fork);
    }
    let known_size = latest.map_or(0, |l| l.size);
    if request.old_size != known_size {
        return Err(Refusal::Conflict { latest: known_size });
    }
    match latest {
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

/// Whether a checkpoint the log signed, with its request, proves the log
/// inconsistent with `latest` (what the witness cosigned), whatever the
/// request's `old` says: the same size with another root, or a proof from
/// `latest`'s size that gives the signed new root from another old root.
/// (When `latest`'s size is a power of two the proof leaves its root out,
/// so only the first kind can show then.)
fn fork_shown(latest: Latest, checkpoint: &Checkpoint, request: &AddCheckpoint) -> Option<Refusal> {
    if checkpoint.size == latest.size {
        return (checkpoint.root != latest.root).then_some(Refusal::Forked { latest: latest.size });
    }
    if request.old_size != latest.size || latest.size == 0 || checkpoint.size < latest.size {
        return None;
    }
    let (old_root, new_root) =
        tree::consistency_roots(latest.size, checkpoint.size, &latest.root, &request.proof).ok()?;
    (new_root == checkpoint.root && old_root != latest.root).then(|| {
        Refusal::Diverged(format!(
            "the proof shows the log's tree of size {} grows from another tree of size {} than the one this witness cosigned: the log has forked",
            checkpoint.size, latest.size
        ))
    })
}

/// What a witness keeps of a fork, enough for anyone holding the log's key
/// to check it alone ([`ForkEvidence::check`]): the checkpoint the witness
/// had cosigned, and the request that contradicts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// The cosigned checkpoint note (the log's signature and the witness's).
    pub cosigned: String,
    /// The `add-checkpoint` request body, verbatim.
    pub request: String,
}

/// A `<name> <length>` line and the `length` bytes after it; the rest.
fn section<'a>(text: &'a str, name: &str) -> Result<(&'a str, &'a str), String> {
    let (line, rest) = text.split_once('\n').ok_or_else(|| format!("no `{name} <length>` line"))?;
    let length =
        line.strip_prefix(name).and_then(|n| n.strip_prefix(' ')).and_then(parse_decimal).ok_or_else(|| {
            format!("expected `{name} <length>`, found {:?}", line.chars().take(40).collect::<String>())
        })?;
    let length = usize::try_from(length).map_err(|_| format!("the {name} is longer than this machine holds"))?;
    if rest.len() < length || !rest.is_char_boundary(length) {
        return Err(format!("the {name} is cut short: {length} bytes announced"));
    }
    Ok(rest.split_at(length))
}

/// The kinds of fork a [`ForkEvidence`] can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// Two signed trees of one size with different roots.
    SameSize { size: u64 },
    /// A signed tree whose consistency proof grows it from another tree of
    /// the cosigned size.
    Diverged { cosigned: u64, size: u64 },
}

const EVIDENCE_HEADER: &str = "detente fork evidence v1\n";

impl ForkEvidence {
    /// The evidence as one text: a header, then the cosigned note and the
    /// request, each after a line giving its length in bytes. Lengths, not
    /// markers: a checkpoint's extension lines are the log's to choose, so
    /// no line a forking log could sign may cut the bundle in the wrong place.
    pub fn to_text(&self) -> String {
        format!(
            "{EVIDENCE_HEADER}cosigned {}\n{}request {}\n{}",
            self.cosigned.len(),
            self.cosigned,
            self.request.len(),
            self.request
        )
    }

    pub fn parse(text: &str) -> Result<ForkEvidence, String> {
        let rest = text.strip_prefix(EVIDENCE_HEADER).ok_or("line 1: expected `detente fork evidence v1`")?;
        let (cosigned, rest) = section(rest, "cosigned")?;
        let (request, rest) = section(rest, "request")?;
        if !rest.is_empty() {
            return Err(format!("{} bytes follow the request", rest.len()));
        }
        Ok(ForkEvidence { cosigned: cosigned.into(), request: request.into() })
    }

    /// Checks the evidence against the log's key: both checkpoints signed by
    /// it, for one origin, and contradicting each other.
    pub fn check(&self, log: &VerifierKey) -> Result<Fork, String> {
        let cosigned = crate::checkpoint::SignedCheckpoint::open(&self.cosigned, log, &[])
            .map_err(|e| format!("the cosigned checkpoint: {e}"))?
            .checkpoint;
        let request = AddCheckpoint::parse(&self.request).map_err(|e| format!("the request: {e}"))?;
        let signed = crate::checkpoint::SignedCheckpoint::open(&request.checkpoint, log, &[])
            .map_err(|e| format!("the request's checkpoint: {e}"))?
            .checkpoint;
        let latest = Latest { size: cosigned.size, root: cosigned.root };
        match fork_shown(latest, &signed, &request) {
            Some(Refusal::Forked { .. }) => Ok(Fork::SameSize { size: signed.size }),
            Some(_) => Ok(Fork::Diverged { cosigned: cosigned.size, size: signed.size }),
            None => Err("the two checkpoints do not contradict each other".into()),
        }
    }
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
    fn the_same_size_with_another_root_is_a_fork_whatever_old_says() {
        let key = SigningKey::from_seed("log.example/l", Algorithm::Ed25519, [1; 32]).unwrap();
        let latest = Latest { size: 5, root: Hash::leaf(b"a") };
        for old_size in [0, 3, 5] {
            let fork = AddCheckpoint { old_size, ..request(5, Hash::leaf(b"b"), &key) };
            let refused = check(&fork, std::slice::from_ref(key.verifier()), Some(latest)).unwrap_err();
            assert_eq!((refused.status(), refused.is_evidence(), refused.conflicting_size()), (409, true, Some(5)));
        }
    }

    /// A log of `n` leaves, each `tag` and its index.
    fn log(tag: &[u8], n: u64) -> crate::MemoryLog {
        let mut log = crate::MemoryLog::new();
        for i in 0..n {
            log.push(&[tag, &i.to_be_bytes()].concat());
        }
        log
    }

    #[test]
    fn a_proof_from_another_tree_is_a_fork_and_a_wrong_proof_is_not() {
        let key = SigningKey::from_seed("log.example/l", Algorithm::Ed25519, [1; 32]).unwrap();
        let logs = std::slice::from_ref(key.verifier());
        let (honest, other) = (log(b"a", 9), log(b"b", 9));
        let latest = Latest { size: 5, root: honest.root(5) };
        // The log signs `other`'s tree of 9 and proves it from `other`'s 5: a fork.
        let proof = tree::prove_consistency(5, 9, other.stored()).unwrap();
        let fork = AddCheckpoint { old_size: 5, proof: proof.clone(), ..request(9, other.root(9), &key) };
        let refused = check(&fork, logs, Some(latest)).unwrap_err();
        assert!(matches!(refused, Refusal::Diverged(_)) && refused.is_evidence(), "{refused}");
        // A proof that gives neither signed root is the client's mistake: 422, not evidence.
        let mut wrong = proof;
        wrong[1] = Hash::leaf(b"noise");
        let refused = check(&AddCheckpoint { proof: wrong, ..fork.clone() }, logs, Some(latest)).unwrap_err();
        assert!(matches!(refused, Refusal::Inconsistent(_)) && !refused.is_evidence(), "{refused}");
        // The evidence checks alone, from its text, with the log's key only.
        let mut cosigned = Note::new(Checkpoint::new(key.name(), 5, honest.root(5)).text()).unwrap();
        cosigned.sign(&key, 0);
        let evidence = ForkEvidence { cosigned: cosigned.to_string(), request: fork.to_text() };
        let read = ForkEvidence::parse(&evidence.to_text()).unwrap();
        assert_eq!(read.check(key.verifier()), Ok(Fork::Diverged { cosigned: 5, size: 9 }));
        let honest_growth = AddCheckpoint {
            old_size: 5,
            proof: tree::prove_consistency(5, 9, honest.stored()).unwrap(),
            ..request(9, honest.root(9), &key)
        };
        let not_a_fork = ForkEvidence { request: honest_growth.to_text(), ..evidence };
        assert!(not_a_fork.check(key.verifier()).is_err());
    }
}
