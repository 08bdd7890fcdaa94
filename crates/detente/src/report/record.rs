//! The record as people read it, and the views `--json` prints.

use std::fmt::Write as _;

use detente_core::Date;
use detente_log::Hash;
use detente_log::bundle::open_witnessed;
use detente_log::checkpoint::{SignedCheckpoint, encode_hash};
use detente_log::entry::{Body, Content, Reference, SignedEntry};
use detente_log::note::Note;
use detente_log::policy::Policy;
use detente_log::tree;
use serde::Serialize;

/// A signed checkpoint: its figures and the note itself.
#[derive(Debug, Serialize)]
pub struct CheckpointView {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub note: String,
}

impl CheckpointView {
    pub fn of(signed: &SignedCheckpoint) -> CheckpointView {
        CheckpointView {
            origin: signed.checkpoint.origin.clone(),
            size: signed.checkpoint.size,
            root: encode_hash(&signed.checkpoint.root),
            note: signed.note.to_string(),
        }
    }
}

/// Whether a checkpoint has its quorum of cosignatures under a policy.
#[derive(Debug, Serialize)]
pub struct WitnessStatus {
    pub quorum_met: bool,
    pub size: Option<u64>,
    pub cosigners: Vec<String>,
    pub quorum: Option<String>,
    /// Why the policy does not trust the checkpoint at all, if it does not.
    pub problem: Option<String>,
}

impl WitnessStatus {
    pub fn of(note: Option<&Note>, policy: &Policy) -> WitnessStatus {
        let unwitnessed = |size, problem| WitnessStatus {
            quorum_met: false,
            size,
            cosigners: Vec::new(),
            quorum: Some(policy.describe_quorum()),
            problem,
        };
        let Some(note) = note else { return unwitnessed(None, None) };
        match open_witnessed(&note.to_string(), policy) {
            Ok(witnessed) => WitnessStatus {
                quorum_met: witnessed.quorum_met,
                size: Some(witnessed.signed.checkpoint.size),
                cosigners: witnessed.cosigners,
                quorum: Some(policy.describe_quorum()),
                problem: None,
            },
            Err(error) => unwitnessed(None, Some(error.to_string())),
        }
    }
}

pub fn witness_status(status: &WitnessStatus) -> String {
    if let Some(problem) = &status.problem {
        return format!("NOT TRUSTED: under the policy, {problem}\n");
    }
    let quorum = status.quorum.as_deref().unwrap_or("none");
    let Some(size) = status.size else { return "UNWITNESSED: there is no checkpoint yet\n".into() };
    let by = if status.cosigners.is_empty() { "nobody".to_owned() } else { status.cosigners.join(", ") };
    if status.quorum_met {
        format!("witnessed: checkpoint {size} cosigned by {by}; quorum {quorum} met\n")
    } else {
        format!("UNWITNESSED: checkpoint {size} cosigned by {by}; quorum {quorum} not met\n")
    }
}

/// What an audit that found nothing wrong says.
#[derive(Debug, Serialize)]
pub struct Verified<'a> {
    pub ok: bool,
    pub party: &'a str,
    pub origin: &'a str,
    pub entries: u64,
    pub root: String,
    pub signatures_checked: bool,
    pub against_trusted_key: bool,
    /// The size of the trusted checkpoint (`--since`) the store was shown to extend.
    pub extends: Option<u64>,
    pub witnessed: Option<&'a WitnessStatus>,
}

pub fn verified(v: &Verified<'_>) -> String {
    let signatures = if v.signatures_checked { ", every signature" } else { "" };
    let mut text = format!(
        "ok: {} entries of {}'s record ({}): every stored hash{signatures} and the checkpoint check out\nroot {}\n",
        v.entries, v.party, v.origin, v.root
    );
    if let Some(size) = v.extends {
        text.push_str(&format!("it extends the trusted checkpoint of size {size}\n"));
    }
    if !v.against_trusted_key {
        text.push_str(
            "note: checked with the key the store names (--trust-store-key): it is self-consistent, but only --key, --policy or --since shows whose record it is\n",
        );
    }
    if let Some(status) = v.witnessed {
        text.push_str(&witness_status(status));
    }
    text
}

/// One entry `log append` recorded.
#[derive(Debug, Serialize)]
pub struct Appended {
    pub index: u64,
    pub leaf_hash: String,
    pub document: String,
}

pub fn appended(rows: &[Appended], checkpoint: Option<&CheckpointView>) -> String {
    let mut text: String = rows.iter().map(|r| format!("{}\t{}\t{}\n", r.index, r.leaf_hash, r.document)).collect();
    if let Some(checkpoint) = checkpoint {
        text.push_str(&checkpoint.note);
    }
    text
}

/// One durable commit of `log append --lines`.
#[derive(Debug, Serialize)]
pub struct Committed {
    pub committed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_root: Option<String>,
}

pub fn committed(c: &Committed) -> String {
    let mut text = format!("committed {}\n", c.committed);
    if let (Some(size), Some(root)) = (c.checkpoint_size, &c.checkpoint_root) {
        let _ = writeln!(text, "checkpoint {size} {root}");
    }
    text
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i32;
    let rest = seconds % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", Date::from_day_number(days), rest / 3600, rest % 3600 / 60, rest % 60)
}

/// One entry as `log show` lists it.
#[derive(Debug, Serialize)]
pub struct EntryView {
    pub index: u64,
    pub leaf_hash: String,
    pub kind: &'static str,
    pub time: String,
    pub subject: String,
    pub content: String,
}

impl EntryView {
    pub fn of(index: u64, bytes: &[u8]) -> EntryView {
        let leaf_hash = Hash::leaf(bytes).to_hex();
        match SignedEntry::decode(bytes) {
            Ok(signed) => {
                let entry = signed.entry();
                EntryView {
                    index,
                    leaf_hash,
                    kind: entry.body.kind().name(),
                    time: utc(entry.time),
                    subject: subject(&entry.body),
                    content: match &entry.content {
                        Content::Inline { media_type, bytes } => format!("{media_type}, {} bytes inline", bytes.len()),
                        Content::Digest { media_type, sha256, size } => {
                            format!("{media_type}, {size} bytes, sha256 {}", Hash(*sha256).to_hex())
                        }
                    },
                }
            }
            Err(error) => EntryView {
                index,
                leaf_hash,
                kind: "unreadable",
                time: String::new(),
                subject: error.to_string(),
                content: String::new(),
            },
        }
    }
}

fn subject(body: &Body) -> String {
    let reference = |r: &Reference| format!("{}:{}:{}", r.party.as_str(), r.sequence, r.leaf_hash.to_hex());
    match body {
        Body::Declaration { treaty, as_of } => format!("{treaty} as of {as_of}"),
        Body::Notification { treaty, notice, refers_to } => {
            let about = refers_to.as_ref().map(|r| format!(", on {}", reference(r))).unwrap_or_default();
            format!("{treaty} {notice}{about}")
        }
        Body::Receipt { of } => format!("receipt of {}", reference(of)),
        Body::InspectionReport { treaty, inspection } => format!("{treaty} {inspection}"),
        Body::Concern { treaty, about } => {
            let about = about.as_ref().map(|r| format!(" about {}", reference(r))).unwrap_or_default();
            format!("{treaty}{about}")
        }
        Body::EscrowCommitment { treaty, root, leaves } => {
            format!("{treaty} escrow of {leaves} leaves, root {}", root.to_hex())
        }
    }
}

/// The record as `log show` lists it.
#[derive(Debug, Serialize)]
pub struct Shown<'a> {
    pub origin: &'a str,
    pub party: &'a str,
    pub verifier_key: String,
    pub size: u64,
    /// The latest checkpoint note, verbatim.
    pub checkpoint: Option<String>,
    #[serde(skip)]
    pub checkpoint_view: Option<CheckpointView>,
    pub entries: Vec<EntryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<&'a WitnessStatus>,
}

pub fn shown(s: &Shown<'_>) -> String {
    let mut text = format!(
        "record of {} ({})\nkey {}\n{} entries, {} stored hashes\n",
        s.party,
        s.origin,
        s.verifier_key,
        s.size,
        tree::stored_hash_count(s.size)
    );
    match &s.checkpoint_view {
        Some(latest) => {
            let signatures =
                s.checkpoint.as_deref().map_or(0, |note| note.lines().filter(|l| l.starts_with('\u{2014}')).count());
            let _ =
                writeln!(text, "checkpoint: size {}, root {}, {signatures} signature lines", latest.size, latest.root);
        }
        None => text.push_str("checkpoint: none yet\n"),
    }
    if !s.entries.is_empty() {
        text.push_str("\nindex  kind               time                  subject / content\n");
    }
    for view in &s.entries {
        let _ = writeln!(
            text,
            "{:<6} {:<18} {:<21} {}\n       {:<40} leaf {}",
            view.index,
            view.kind,
            view.time,
            view.subject,
            view.content,
            &view.leaf_hash[..16]
        );
    }
    let shown_to = s.entries.last().map_or(0, |e| e.index + 1);
    if shown_to < s.size && !s.entries.is_empty() {
        let _ = writeln!(text, "… {} more (use --from and --limit)", s.size - shown_to);
    }
    if let Some(status) = s.witnessed {
        text.push_str(&witness_status(status));
    }
    text
}
