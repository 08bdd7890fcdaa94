//! `detente witness …`: checking and cosigning other parties' checkpoints.

use std::path::Path;

use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_log::witness::{Fork, ForkEvidence};
use detente_store::WitnessStore;
use detente_store::witness::{WitnessError, add_checkpoint};
use serde::Serialize;

use super::Context;
use crate::args::{WitnessArgs, WitnessCommand};
use crate::bad_input;
use crate::error::Outcome;
use crate::inputs::{self, read_input_text};
use crate::stores::{open_store, runtime};

pub fn run(command: WitnessCommand, context: &Context) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        match command {
            WitnessCommand::AddCheckpoint { witness, request } => {
                let (key, logs) = witness_keys(&witness)?;
                let body = read_input_text(&request)?;
                let store = open_store(&witness.store.store).await?;
                answer(add_checkpoint(&store, &body, &logs, &key, context.now()).await, context)
            }
            WitnessCommand::Serve { witness, listen, tls, limits } => {
                let (key, logs) = witness_keys(&witness)?;
                let tls = match (&tls.tls_certificate, &tls.tls_key) {
                    (Some(certificate), Some(key)) => Some(inputs::tls_acceptor(certificate, key)?),
                    _ if !listen.ip().is_loopback() => {
                        return Err(bad_input!("--listen {listen}: off loopback a witness serves over TLS only (--tls-certificate, --tls-key)"));
                    }
                    _ => None,
                };
                let store = open_store(&witness.store.store).await?;
                let limits = limits.resolve();
                let config = detente_node::witness::Config { store, key, logs, clock: context.clock.clone(), limits };
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("--listen {listen}: cannot listen there: {e}"))?;
                // Interrupting (Ctrl-C, SIGINT) stops it gracefully: requests in flight finish.
                let interrupted = crate::stores::interrupted()?;
                let scheme = if tls.is_some() { "https" } else { "http" };
                let address = format!("{scheme}://{}", listener.local_addr()?);
                // One line either way: whoever started the server reads it to learn the address.
                match context.out.json_wanted() {
                    true => context.out.json_line(&serde_json::json!({ "listening": address }))?,
                    false => context.out.text(&format!("witness listening on {address}\n"))?,
                }
                detente_node::witness::run(config, listener, tls, interrupted).await?;
                Ok(Outcome::Done)
            }
            WitnessCommand::Evidence { store } => evidence(&open_store(&store.store).await?, context).await,
            WitnessCommand::CheckEvidence { bundle, log_key } => check_evidence(&bundle, &log_key, context),
        }
    })
}

/// The witness's cosigner key and the log keys it follows.
fn witness_keys(args: &WitnessArgs) -> anyhow::Result<(SigningKey, Vec<VerifierKey>)> {
    Ok((
        inputs::signing_key(&args.key, Algorithm::Cosignature)?,
        inputs::verifier_keys(&args.log_keys, Algorithm::Ed25519)?,
    ))
}

/// Prints the cosignature (status 200), or the refusal with its protocol
/// status. A refusal of a well-formed request (403, 404, 409, 422) is a
/// finding; a malformed request (400) is bad input.
fn answer(result: Result<String, WitnessError>, context: &Context) -> anyhow::Result<Outcome> {
    #[derive(Serialize)]
    struct Answer {
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        cosignature: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        refused: Option<String>,
    }
    match result {
        Ok(cosignature) => {
            context
                .out
                .result(&Answer { status: 200, cosignature: Some(cosignature), size: None, refused: None }, |a| {
                    a.cosignature.clone().unwrap_or_default()
                })?;
            Ok(Outcome::Done)
        }
        Err(WitnessError::Refused(refusal)) if refusal.status() == 400 => Err(bad_input!("{refusal}")),
        Err(WitnessError::Refused(refusal)) => {
            let size = refusal.conflicting_size();
            if context.out.json_wanted() {
                let refused = Some(refusal.to_string());
                context.out.json_value(&Answer { status: refusal.status(), cosignature: None, size, refused })?;
            } else if let Some(size) = size {
                // As over HTTP, a 409's body is the witness's size: `log cosign`
                // takes it, so the log's next request starts there.
                context.out.text(&format!("{size}\n"))?;
            }
            context.out.note(&format!("detente: {refusal}"));
            Ok(Outcome::Findings)
        }
        Err(WitnessError::Store(error)) => Err(error.into()),
    }
}

/// Each fork kept, as a self-contained bundle (`witness check-evidence`
/// checks one with the log's key alone).
async fn evidence<S: WitnessStore>(store: &S, context: &Context) -> anyhow::Result<Outcome> {
    let kept = store.evidence().await?;
    #[derive(Serialize)]
    struct Kept<'a> {
        origin: &'a str,
        received: u64,
        reason: &'a str,
        bundle: String,
    }
    let listed: Vec<Kept<'_>> = kept
        .iter()
        .map(|e| Kept {
            origin: &e.origin,
            received: e.received,
            reason: &e.reason,
            bundle: ForkEvidence { cosigned: e.cosigned.clone(), request: e.request.clone() }.to_text(),
        })
        .collect();
    context.out.result(&listed, |listed| {
        if listed.is_empty() {
            return "no fork has been shown to this witness\n".into();
        }
        listed.iter().map(|k| format!("# {} at {}: {}\n{}", k.origin, k.received, k.reason, k.bundle)).collect()
    })?;
    Ok(if kept.is_empty() { Outcome::Done } else { Outcome::Findings })
}

/// `witness check-evidence`: a fork bundle checked with the log's key alone.
fn check_evidence(bundle: &Path, log_key: &str, context: &Context) -> anyhow::Result<Outcome> {
    let text = read_input_text(bundle)?;
    let key = inputs::verifier_key(log_key)?;
    let evidence = ForkEvidence::parse(&text).map_err(|e| bad_input!("{}: {e}", bundle.display()))?;
    match evidence.check(&key) {
        Ok(fork) => {
            let (kind, text) = match fork {
                Fork::SameSize { size } => {
                    ("same-size", format!("{} signed two different trees of size {size}: it has forked\n", key.name()))
                }
                Fork::Diverged { cosigned, size } => (
                    "diverged",
                    format!(
                        "{} signed a tree of size {size} that does not extend its tree of size {cosigned}: it has forked\n",
                        key.name()
                    ),
                ),
            };
            context.out.result(&serde_json::json!({ "fork": true, "kind": kind }), |_| text.clone())?;
            Ok(Outcome::Findings)
        }
        Err(problem) => Err(bad_input!("{}: not evidence of a fork by {}: {problem}", bundle.display(), key.name())),
    }
}
