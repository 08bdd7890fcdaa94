//! A witness over a [`WitnessStore`]: C2SP tlog-witness `add-checkpoint`, with the
//! check and the new size persisted atomically (compare-and-swap on the
//! size the check saw), and forks kept as evidence (only forks: a wrong
//! proof is the client's fault, and anyone can send one).

use detente_log::Hash;
use detente_log::keys::{SigningKey, VerifierKey};
use detente_log::witness::{self, AddCheckpoint, Latest, Refusal};

use crate::{Evidence, StoreError, WitnessStore, WitnessedCheckpoint};

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Handles one `add-checkpoint` request body. On success returns the
/// response body: this witness's cosignature line. `now` is the time to put
/// in the cosignature, in seconds since the epoch.
pub async fn add_checkpoint<S: WitnessStore>(
    store: &S,
    body: &str,
    logs: &[VerifierKey],
    key: &SigningKey,
    now: u64,
) -> Result<String, WitnessError> {
    let request = AddCheckpoint::parse(body)?;
    let (note, checkpoint) = witness::read_checkpoint(&request.checkpoint)?;
    let checkpoint_text = note.text().to_owned();
    let origin = checkpoint.origin;
    let known = store.witnessed(&origin).await?;
    let latest = known.as_ref().map(|k| Latest { size: k.size, root: k.root });
    let accepted = match witness::check(&request, logs, latest) {
        Ok(accepted) => accepted,
        Err(refusal) if refusal.is_evidence() => {
            // Signed by the log yet contradicting what this witness cosigned:
            // a fork, kept with that cosigned note before answering, once per
            // contradicting checkpoint.
            let cosigned = known.map(|k| k.note).unwrap_or_default();
            let fingerprint = Hash::leaf(checkpoint_text.as_bytes()).to_hex();
            let evidence =
                Evidence { origin, received: now, reason: refusal.to_string(), request: body.into(), cosigned };
            store.keep_evidence(&evidence, &fingerprint).await?;
            return Err(refusal.into());
        }
        Err(refusal) => return Err(refusal.into()),
    };
    let mut note = accepted.note;
    let cosignature = note.sign(key, now);
    let new =
        WitnessedCheckpoint { size: accepted.checkpoint.size, root: accepted.checkpoint.root, note: note.to_string() };
    if !store.swap_witnessed(&origin, known.map(|k| k.size), &new).await? {
        // Another request moved this log's size between the check and now.
        let latest = store.witnessed(&origin).await?.map_or(0, |k| k.size);
        return Err(Refusal::Conflict { latest }.into());
    }
    Ok(cosignature.to_string())
}
