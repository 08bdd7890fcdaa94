//! `detente witness …`: checking and cosigning other parties' checkpoints.

use std::time::{SystemTime, UNIX_EPOCH};

use detente_store::Store;
use detente_store::witness::{WitnessError, add_checkpoint};

use super::keys::{self, read_input_text};
use super::store::{runtime, with_store};
use crate::args::WitnessCommand;
use crate::{Outcome, bad_input};

pub fn run(command: WitnessCommand) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        match command {
            WitnessCommand::AddCheckpoint { store, key, log_keys, request } => {
                let key = keys::signing_key(&key)?;
                let logs = log_keys.iter().map(|k| keys::verifier_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
                let body = read_input_text(&request)?;
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                with_store!(&store.store, |store| answer(add_checkpoint(&store, &body, &logs, &key, now).await))
            }
            WitnessCommand::Evidence { store } => with_store!(&store.store, |store| evidence(&store).await),
        }
    })
}

/// Prints the cosignature (status 200), or the refusal with its HTTP status.
/// A refusal of a well-formed request (403, 404, 409, 422) is a finding; a
/// malformed request (400) is bad input.
fn answer(result: Result<String, WitnessError>) -> anyhow::Result<Outcome> {
    match result {
        Ok(cosignature) => {
            super::print_text(&cosignature)?;
            Ok(Outcome::Done)
        }
        Err(WitnessError::Refused(refusal)) if refusal.status() == 400 => Err(bad_input!("{refusal}")),
        Err(WitnessError::Refused(refusal)) => {
            eprintln!("detente: {refusal}");
            Ok(Outcome::Findings)
        }
        Err(WitnessError::Store(error)) => Err(error.into()),
    }
}

async fn evidence<S: Store>(store: &S) -> anyhow::Result<Outcome> {
    let kept = store.evidence().await?;
    if kept.is_empty() {
        println!("no inconsistent checkpoint has been shown to this witness");
        return Ok(Outcome::Done);
    }
    for item in &kept {
        println!("{} at {}: {}\n{}", item.origin, item.received, item.reason, item.request);
    }
    Ok(Outcome::Findings)
}
