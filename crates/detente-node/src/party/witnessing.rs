//! Witnessing the node's own record: every checkpoint it signs goes to the
//! witnesses its policy names (tlog-witness `add-checkpoint`), and their
//! cosignatures are gathered until the policy's quorum is met.
//!
//! One task does this, in rounds: a round takes the latest checkpoint,
//! asks every witness due at once (each from the size it last cosigned),
//! and keeps the cosignatures it gets. Under load the checkpoint moves on
//! during a round; the cosignatures then still count for the checkpoint
//! they sign, which is kept in memory as the newest one witnessed, and the
//! next round starts each witness where it is. So the witnesses see every
//! checkpoint's successor, not necessarily every checkpoint, which is all
//! consistency needs.
//!
//! The policy is checked when the node starts: its quorums must share a
//! witness ([`Policy::disjoint_quorums`]), or a node could have two
//! histories cosigned, each by a quorum that never saw the other.

use std::time::Duration;

use detente_log::checkpoint::SignedCheckpoint;
use detente_log::keys::VerifierKey;
use detente_log::note::{Note, NoteSignature};
use detente_log::policy::{Policy, Witness};
use detente_store::LogStore;
use serde::Serialize;
use std::collections::BTreeMap;

use super::Node;
use crate::client::Target;

impl QuorumState {
    /// The state before any witness is asked, once `policy` is checked to
    /// be one the record can be witnessed under.
    pub fn of(policy: &Policy, record_key: &VerifierKey) -> Result<QuorumState, String> {
        check_policy(policy, record_key)?;
        let witnesses = policy.witnesses().iter().map(|w| WitnessState {
            name: w.name.clone(),
            url: w.url.clone().unwrap_or_default(),
            ..WitnessState::default()
        });
        Ok(QuorumState { witnessed: None, witnesses: witnesses.collect() })
    }
}

/// Whether the record can be witnessed under `policy`: it names the
/// record's key, and no two of its quorums can be disjoint.
pub fn check_policy(policy: &Policy, record_key: &VerifierKey) -> Result<(), String> {
    if !policy.logs().iter().any(|log| log.public_key() == record_key.public_key() && log.name() == record_key.name()) {
        return Err(format!("it has no `log` line for this node's record key {}", record_key.name()));
    }
    match policy.disjoint_quorums().map_err(|e| e.to_string())? {
        None => Ok(()),
        Some((one, other)) => Err(format!(
            "its quorum ({}) is met by [{}] and by [{}], which share no witness: a node could have each cosign another history",
            policy.describe_quorum(),
            one.join(", "),
            other.join(", ")
        )),
    }
}

/// The witnesses of the policy, each reached at the URL it gives: plain
/// HTTP on loopback, or HTTPS to the certificate key pinned for the
/// witness's name in `pins` (C2SP's policy lines have no place for a pin).
/// A pin for a witness the policy does not name is refused, as a typo.
pub fn endpoints(policy: &Policy, pins: &BTreeMap<String, String>) -> Result<Vec<Target>, String> {
    if let Some(name) = pins.keys().find(|name| !policy.witnesses().iter().any(|w| &w.name == *name)) {
        return Err(format!("a pin for witness {name}, which the policy does not name"));
    }
    let target = |witness: &Witness| {
        let url = witness.url.as_deref().ok_or_else(|| format!("witness {} has no URL", witness.name))?;
        let pin = pins.get(&witness.name).map(String::as_str);
        Target::parse(url, pin).map_err(|e| format!("witness {}: {e}", witness.name))
    };
    policy.witnesses().iter().map(target).collect()
}

/// What the node knows of its witnesses, as `GET /api/v1/quorum` shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuorumState {
    /// The newest checkpoint with cosignatures, and whether they make up the quorum.
    pub witnessed: Option<Witnessed>,
    pub witnesses: Vec<WitnessState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Witnessed {
    pub size: u64,
    pub cosigners: Vec<String>,
    pub quorum_met: bool,
    /// The checkpoint note with the cosignatures gathered, as its text.
    #[serde(serialize_with = "note_text")]
    pub note: Note,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WitnessState {
    pub name: String,
    pub url: String,
    /// The size of the last checkpoint it cosigned in this node's run.
    pub cosigned_size: Option<u64>,
    /// Why the last request to it failed, if it did.
    pub error: Option<String>,
}

fn note_text<S: serde::Serializer>(note: &Note, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(note)
}

/// One witness's answer to one request.
enum Asked {
    Cosigned(String),
    Failed(String),
}

/// When a witness is asked next, and how long it waits after the next failure.
#[derive(Clone, Copy)]
struct Retry {
    at: tokio::time::Instant,
    wait: Duration,
}

const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(60);

impl<S: LogStore> Node<S> {
    /// Gathers cosignatures for the record's checkpoints until `stopping`.
    /// A witness that fails waits longer before it is asked again (1 s
    /// doubling to 60 s); the others go on.
    pub(super) async fn witness_rounds(self: std::sync::Arc<Self>) {
        let Some(policy) = &self.policy else { return };
        let endpoints = &self.witness_targets;
        let keys = policy.witness_keys();
        let mut recorded = self.recorded.subscribe();
        let mut stopping = self.stopping.subscribe();
        let mut retry = vec![Retry { at: tokio::time::Instant::now(), wait: FIRST_WAIT }; endpoints.len()];
        while !*stopping.borrow() {
            if let Ok(Some(latest)) = self.record.latest().await {
                let now = tokio::time::Instant::now();
                let size = latest.checkpoint.size;
                let due: Vec<usize> = {
                    let state = self.quorum.lock().expect("the quorum state is never left half-written");
                    (0..endpoints.len())
                        .filter(|&i| retry[i].at <= now && state.witnesses[i].cosigned_size != Some(size))
                        .collect()
                };
                let asked = due.iter().map(|&i| self.ask(&endpoints[i], &keys[i], size));
                let answers = futures_util::future::join_all(asked).await;
                let lines = self.keep_answers(size, &due, answers, &mut retry);
                if !lines.is_empty() {
                    self.keep_cosignatures(policy, &latest, &lines).await;
                }
            }
            let next = retry.iter().map(|r| r.at).filter(|&at| at > tokio::time::Instant::now()).min();
            tokio::select! {
                _ = recorded.changed() => {}
                _ = stopping.changed() => {}
                () = async {
                    match next {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
    }

    /// Asks one witness to cosign the latest checkpoint (of `size`), from
    /// the size the record says it last cosigned. A witness behind that
    /// (it lost its state, or never saw it) says where it is in a 409, and
    /// is asked once more from there; a witness at or past `size` with
    /// another checkpoint holds a checkpoint this record never signed.
    async fn ask(&self, witness: &Target, key: &VerifierKey, size: u64) -> Asked {
        let mut old_size = None;
        for _ in 0..2 {
            let request = match old_size {
                None => self.record.witness_request_for(key).await,
                Some(old) => self.record.witness_request(old).await,
            };
            let request = match request {
                Ok(request) => request,
                Err(error) => return Asked::Failed(format!("the record failed: {error}")),
            };
            let body = request.to_text().into_bytes();
            let (status, body) =
                match witness.post("/add-checkpoint", "text/plain", body, self.limits.body_timeout).await {
                    Ok(answer) => answer,
                    Err(error) => return Asked::Failed(error),
                };
            let text = String::from_utf8_lossy(&body).trim_end().to_owned();
            match (status, text.parse::<u64>()) {
                (200, _) => return Asked::Cosigned(text),
                (409, Ok(at)) if at < size && Some(at) != old_size => old_size = Some(at),
                (409, Ok(at)) => {
                    return Asked::Failed(format!(
                        "it cosigned another checkpoint of this record of size {at}: the record has been shown in two versions, or the witness is wrong"
                    ));
                }
                (status, _) => return Asked::Failed(format!("{status}: {text}")),
            }
        }
        Asked::Failed("the witness's size kept changing".into())
    }

    /// Notes each answer in the quorum state and when each witness is asked
    /// next; the cosignature lines given, by witness.
    fn keep_answers(&self, size: u64, due: &[usize], answers: Vec<Asked>, retry: &mut [Retry]) -> Vec<(usize, String)> {
        let mut lines = Vec::new();
        let mut state = self.quorum.lock().expect("the quorum state is never left half-written");
        let now = tokio::time::Instant::now();
        for (&i, answer) in due.iter().zip(answers) {
            let witness = &mut state.witnesses[i];
            match answer {
                Asked::Cosigned(line) => {
                    (witness.cosigned_size, witness.error) = (Some(size), None);
                    retry[i] = Retry { at: now, wait: FIRST_WAIT };
                    lines.push((i, line));
                }
                Asked::Failed(error) => {
                    tracing::warn!(witness = %witness.name, %error, "a witness did not cosign");
                    witness.error = Some(error);
                    retry[i] = Retry { at: now + retry[i].wait, wait: (retry[i].wait * 2).min(LONGEST_WAIT) };
                }
            }
        }
        lines
    }

    /// Adds cosignatures to the checkpoint they sign: in the record, if it
    /// is still the latest (which also notes where each witness is), and in
    /// the newest checkpoint witnessed, which the quorum state shows. A line
    /// that is not its witness's cosignature of that checkpoint is dropped.
    async fn keep_cosignatures(&self, policy: &Policy, latest: &SignedCheckpoint, lines: &[(usize, String)]) {
        let keys = policy.witness_keys();
        let mut good = Vec::new();
        for (i, line) in lines {
            match cosignature(latest, &keys[*i], line) {
                Ok(signature) => good.push((*i, line.as_str(), signature)),
                Err(error) => {
                    let mut state = self.quorum.lock().expect("the quorum state is never left half-written");
                    state.witnesses[*i].cosigned_size = None;
                    state.witnesses[*i].error = Some(format!("its answer is not its cosignature: {error}"));
                }
            }
        }
        if good.is_empty() {
            return;
        }
        let given: Vec<&str> = good.iter().map(|(_, line, _)| *line).collect();
        if let Err(error) = self.record.add_cosignatures(&given.join("\n"), &keys).await {
            // The checkpoint moved on meanwhile: the witnesses are still
            // at this size, and start from it next time.
            tracing::debug!(%error, "cosignatures for a checkpoint no longer the latest");
            for (i, _, _) in &good {
                if let Err(error) = self.record.note_witness_size(&keys[*i], latest.checkpoint.size).await {
                    tracing::warn!(%error, "a witness's size could not be noted");
                }
            }
        }
        let size = latest.checkpoint.size;
        let mut state = self.quorum.lock().expect("the quorum state is never left half-written");
        let mut note = match &state.witnessed {
            Some(witnessed) if witnessed.size > size => return,
            Some(witnessed) if witnessed.size == size => witnessed.note.clone(),
            _ => latest.note.clone(),
        };
        for (_, _, signature) in good {
            note.add_signature(signature);
        }
        let verified = note.verify(&keys).unwrap_or_default();
        let cosigners = policy.cosigners(&verified);
        let quorum_met = policy.quorum_met(&cosigners);
        state.witnessed = Some(Witnessed { size, cosigners, quorum_met, note });
    }
}

/// `line` as `key`'s valid cosignature of `latest`.
fn cosignature(latest: &SignedCheckpoint, key: &VerifierKey, line: &str) -> Result<NoteSignature, String> {
    let signature = NoteSignature::parse(line, 1).map_err(|e| e.to_string())?;
    let mut alone = Note::new(latest.note.text().to_owned()).map_err(|e| e.to_string())?;
    alone.add_signature(signature.clone());
    alone.verify(std::slice::from_ref(key)).map_err(|e| e.to_string())?;
    Ok(signature)
}
