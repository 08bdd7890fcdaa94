//! `detente witness …`: checking and cosigning other parties' checkpoints.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_store::Store;
use detente_store::witness::{WitnessError, add_checkpoint};

use super::keys::{self, read_input_text};
use super::store::{runtime, with_store};
use crate::args::{WitnessArgs, WitnessCommand};
use crate::{Outcome, bad_input};

pub fn run(command: WitnessCommand) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        match command {
            WitnessCommand::AddCheckpoint { witness, request } => {
                let (key, logs) = witness_keys(&witness)?;
                let body = read_input_text(&request)?;
                with_store!(&witness.store.store, |store| answer(
                    add_checkpoint(&store, &body, &logs, &key, now()).await
                ))
            }
            WitnessCommand::Serve { witness, listen } => {
                let (key, logs) = witness_keys(&witness)?;
                with_store!(&witness.store.store, |store| serve(Witness { store, key, logs }, listen).await)
            }
            WitnessCommand::Evidence { store } => with_store!(&store.store, |store| evidence(&store).await),
        }
    })
}

/// The witness's cosigner key and the log keys it follows.
fn witness_keys(args: &WitnessArgs) -> anyhow::Result<(SigningKey, Vec<VerifierKey>)> {
    Ok((
        keys::signing_key(&args.key, Algorithm::Cosignature)?,
        keys::verifier_keys(&args.log_keys, Algorithm::Ed25519)?,
    ))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// What the HTTP witness holds.
struct Witness<S> {
    store: S,
    key: SigningKey,
    logs: Vec<VerifierKey>,
}

/// Serves `POST /add-checkpoint` until interrupted. The first line printed
/// is the address listened on.
async fn serve<S: Store + 'static>(witness: Witness<S>, listen: std::net::SocketAddr) -> anyhow::Result<Outcome> {
    let app =
        axum::Router::new().route("/add-checkpoint", axum::routing::post(handle::<S>)).with_state(Arc::new(witness));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let mut out = std::io::stdout();
    writeln!(out, "witness listening on http://{}", listener.local_addr()?)?;
    out.flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(Outcome::Done)
}

/// One add-checkpoint call: the cosignature line, or the spec's status with
/// a reason; a 409 carries the witness's size as `text/x.tlog.size`.
async fn handle<S: Store>(State(witness): State<Arc<Witness<S>>>, body: String) -> Response {
    match add_checkpoint(&witness.store, &body, &witness.logs, &witness.key, now()).await {
        Ok(cosignature) => (StatusCode::OK, cosignature).into_response(),
        Err(WitnessError::Refused(refusal)) if refusal.conflicting_size().is_some() => {
            let latest = refusal.conflicting_size().unwrap_or_default();
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{latest}\n")).into_response()
        }
        Err(error) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, format!("{error}\n")).into_response()
        }
    }
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
