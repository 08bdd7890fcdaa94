//! The tlog-witness server: `POST /add-checkpoint` (C2SP tlog-witness).
//!
//! The checks and the state live in `detente_store::witness`; this module is
//! only the protocol's HTTP face: the status codes the spec gives each
//! refusal, the `text/x.tlog.size` body of a 409, and the server's limits.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use detente_log::keys::{SigningKey, VerifierKey};
use detente_store::WitnessStore;
use detente_store::witness::{WitnessError, add_checkpoint};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::Clock;
use crate::http::Limits;

/// What a witness needs to answer.
pub struct Config<S> {
    pub store: S,
    /// This witness's cosigner key.
    pub key: SigningKey,
    /// The logs it follows; checkpoints of any other log get 404.
    pub logs: Vec<VerifierKey>,
    /// The time each cosignature carries.
    pub clock: Clock,
    /// What the server holds and waits for at most. An add-checkpoint body
    /// is a checkpoint note and at most 63 proof hashes, a few KiB, so the
    /// default body cap (64 KiB) refuses anything that is not a request.
    pub limits: Limits,
}

impl<S> std::fmt::Debug for Config<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("key", self.key.verifier()).field("logs", &self.logs).finish_non_exhaustive()
    }
}

/// Serves `config` on `listener` (over TLS with `tls`), under its limits,
/// until `shutdown` completes, then stops accepting and lets requests in
/// flight finish (each is one short store transaction, so the wait is brief).
pub async fn run<S: WitnessStore + 'static>(
    config: Config<S>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = config.limits;
    crate::http::serve_over(listener, tls, router(config), limits, shutdown).await
}

/// The witness's routes, for [`run`] and for tests that drive it without a socket.
pub fn router<S: WitnessStore + 'static>(config: Config<S>) -> Router {
    let in_flight = Semaphore::new(config.limits.max_in_flight);
    Router::new()
        .route("/add-checkpoint", axum::routing::post(handle::<S>))
        .with_state(Arc::new(Witness { config, in_flight }))
}

/// The witness as its handlers share it.
struct Witness<S> {
    config: Config<S>,
    /// Places for requests being checked, each holding a store connection
    /// while it checks and swaps. Taken only once a body is in, so that
    /// clients slow to send bodies hold no place.
    in_flight: Semaphore,
}

/// The tlog-witness route, for the node's OpenAPI document.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct WitnessApi;

/// Checks a log's checkpoint against the last one this witness cosigned
/// and cosigns it (C2SP tlog-witness; with a node, its peers' records).
#[utoipa::path(post, path = "/add-checkpoint",
    request_body(content = String, content_type = "text/plain", description = "old <size>, the consistency proof's hashes, a blank line, the signed checkpoint"),
    responses(
        (status = 200, description = "The witness's cosignature line", content_type = "text/plain"),
        (status = 400, description = "Not an add-checkpoint request"),
        (status = 403, description = "The log's signature does not verify"),
        (status = 404, description = "A log this witness does not follow"),
        (status = 409, description = "The old size is not this witness's; the body is its size (text/x.tlog.size)"),
        (status = 422, description = "The consistency proof does not hold")))]
async fn handle<S: WitnessStore>(State(witness): State<Arc<Witness<S>>>, request: Request) -> Response {
    let config = &witness.config;
    let body = match read_body(request.into_body(), &config.limits).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    // A request that finds every place taken for as long as a body may
    // take to arrive is told to come back, not queued without end.
    let Ok(Ok(_place)) = tokio::time::timeout(config.limits.body_timeout, witness.in_flight.acquire()).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the witness is busy; try again\n").into_response();
    };
    let now = (config.clock)();
    answer(add_checkpoint(&config.store, &body, &config.logs, &config.key, now).await)
}

/// The body as text, within the size and time limits.
async fn read_body(body: Body, limits: &Limits) -> Result<String, Response> {
    let bytes =
        crate::http::read_body(body, limits).await.map_err(|(status, message)| (status, message).into_response())?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| (StatusCode::BAD_REQUEST, "the request body is not UTF-8 text\n").into_response())
}

/// The cosignature line, or the spec's status for the refusal with its
/// reason; a 409 carries the witness's size as `text/x.tlog.size`.
fn answer(result: Result<String, WitnessError>) -> Response {
    match result {
        Ok(cosignature) => (StatusCode::OK, cosignature).into_response(),
        Err(WitnessError::Refused(refusal)) => match refusal.conflicting_size() {
            Some(latest) => (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{latest}\n"))
                .into_response(),
            None => {
                let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
                (status, format!("{refusal}\n")).into_response()
            }
        },
        Err(WitnessError::Store(error)) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the witness's store failed: {error}\n")).into_response()
        }
    }
}
