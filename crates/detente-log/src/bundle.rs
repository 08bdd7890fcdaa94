//! C2SP tlog-proof bundles: an entry's index, its inclusion proof and a
//! cosigned checkpoint, verifiable offline with nothing but a policy.
//!
//! detente puts the entry itself in the bundle's `extra` line. The spec calls
//! `extra` unauthenticated, and it is, until the inclusion proof ties its
//! leaf hash to the checkpoint: only then is the entry trusted.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{CheckpointError, SignedCheckpoint, encode_hash, parse_decimal, parse_hash};
use crate::hash::Hash;
use crate::note::Note;
use crate::policy::Policy;
use crate::tree::{self, VerifyError};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A proof bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBundle {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed (and cosigned) checkpoint, verbatim.
    pub checkpoint: String,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("proof line {line}: {message}")]
    Line { line: usize, message: String },
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("entry {index} is not proven in the checkpoint of size {size}: {reason}")]
    NotIncluded { index: u64, size: u64, reason: VerifyError },
}

/// A checkpoint checked against a policy: signed by a trusted log, with the
/// cosigners the policy knows and whether they make its quorum.
#[derive(Debug, Clone)]
pub struct Witnessed {
    pub signed: SignedCheckpoint,
    /// The policy's key that signed it.
    pub log: crate::keys::VerifierKey,
    pub cosigners: Vec<String>,
    pub quorum_met: bool,
}

/// Opens a signed checkpoint under a policy. A checkpoint short of the
/// quorum is returned with `quorum_met == false`: the caller reports it as
/// unwitnessed.
pub fn open_witnessed(text: &str, policy: &Policy) -> Result<Witnessed, CheckpointError> {
    let note = Note::parse(text)?;
    let origin = note.text().split('\n').next().unwrap_or_default();
    // A policy may list several keys for one origin (a key rotation): any one will do.
    let mut outcome = Err(CheckpointError::UnknownLog(origin.into()));
    for log in policy.logs().iter().filter(|k| k.name() == origin) {
        outcome = SignedCheckpoint::open(text, log, &policy.witness_keys()).map(|signed| (signed, log.clone()));
        if outcome.is_ok() {
            break;
        }
    }
    let (signed, log) = outcome?;
    let cosigners = policy.cosigners(&signed.cosignatures);
    let quorum_met = policy.quorum_met(&cosigners);
    Ok(Witnessed { signed, log, cosigners, quorum_met })
}

impl ProofBundle {
    pub fn parse(text: &str) -> Result<ProofBundle, BundleError> {
        let bad = |line: usize, message: &str| BundleError::Line { line, message: message.into() };
        let (head, checkpoint) =
            text.split_once("\n\n").ok_or_else(|| bad(1, "no blank line before the checkpoint"))?;
        let mut lines = head.split('\n').enumerate().map(|(i, l)| (i + 1, l)).peekable();
        if lines.next().map(|(_, l)| l) != Some(HEADER) {
            return Err(bad(1, "the first line must be c2sp.org/tlog-proof@v1"));
        }
        let extra = match lines.peek() {
            Some(&(line, l)) if l.starts_with("extra ") => {
                lines.next();
                Some(BASE64.decode(&l[6..]).map_err(|_| bad(line, "the extra data is not valid base64"))?)
            }
            _ => None,
        };
        let (line, index) = lines.next().ok_or_else(|| bad(2, "the index line is missing"))?;
        let index = index
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad(line, "expected `index <n>`, a decimal with no leading zeroes"))?;
        let proof = lines
            .map(|(line, l)| parse_hash(l).ok_or_else(|| bad(line, "not a base64 SHA-256 hash")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProofBundle { extra, index, proof, checkpoint: checkpoint.into() })
    }

    /// Verifies that `leaf` (the entry's bytes) is entry `index` of the
    /// checkpointed tree, and checks the checkpoint under `policy`.
    pub fn verify(&self, leaf: &[u8], policy: &Policy) -> Result<Witnessed, BundleError> {
        let witnessed = open_witnessed(&self.checkpoint, policy)?;
        let checkpoint = &witnessed.signed.checkpoint;
        tree::verify_inclusion(self.index, checkpoint.size, &Hash::leaf(leaf), &self.proof, &checkpoint.root)
            .map_err(|reason| BundleError::NotIncluded { index: self.index, size: checkpoint.size, reason })?;
        Ok(witnessed)
    }
}

impl std::fmt::Display for ProofBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut head = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            let _ = writeln!(head, "extra {}", BASE64.encode(extra));
        }
        let _ = writeln!(head, "index {}", self.index);
        for hash in &self.proof {
            let _ = writeln!(head, "{}", encode_hash(hash));
        }
        write!(f, "{head}\n{}", self.checkpoint)
    }
}
