//! The tlog-witness server: `POST /add-checkpoint` (C2SP tlog-witness).
//!
//! The checks and the state live in `detente_store::witness`; this module is
//! only the protocol's HTTP face: the status codes the spec gives each
//! refusal, the `text/x.tlog.size` body of a 409, and the server's limits.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use detente_log::keys::{SigningKey, VerifierKey};
use detente_store::WitnessStore;
use detente_store::witness::{WitnessError, add_checkpoint};
use tokio::net::TcpListener;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::Clock;

/// An add-checkpoint body is a checkpoint note and at most 63 proof hashes:
/// a few KiB. Anything much larger is not a request, so it is refused (413)
/// before it is buffered.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Requests handled at once. Each holds a store connection while it checks
/// and swaps; past this, requests queue instead of exhausting the pool.
pub const MAX_IN_FLIGHT: usize = 32;

/// How long a client may take to send its body. A slow sender would
/// otherwise hold one of the [`MAX_IN_FLIGHT`] places indefinitely. (Slow
/// headers are hyper's concern; axum's `serve` keeps its defaults.)
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What a witness needs to answer.
pub struct Config<S> {
    pub store: S,
    /// This witness's cosigner key.
    pub key: SigningKey,
    /// The logs it follows; checkpoints of any other log get 404.
    pub logs: Vec<VerifierKey>,
    /// The time each cosignature carries.
    pub clock: Clock,
}

impl<S> std::fmt::Debug for Config<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("key", self.key.verifier()).field("logs", &self.logs).finish_non_exhaustive()
    }
}

/// Serves `config` on `listener` until `shutdown` completes, then stops
/// accepting and lets requests in flight finish (each is one short store
/// transaction, so the wait is brief).
pub async fn run<S: WitnessStore + 'static>(
    config: Config<S>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config)).with_graceful_shutdown(shutdown).await
}

/// The witness's routes, for [`run`] and for tests that drive it without a socket.
pub fn router<S: WitnessStore + 'static>(config: Config<S>) -> Router {
    Router::new()
        .route("/add-checkpoint", axum::routing::post(handle::<S>))
        .layer(GlobalConcurrencyLimitLayer::new(MAX_IN_FLIGHT))
        .with_state(Arc::new(config))
}

async fn handle<S: WitnessStore>(State(witness): State<Arc<Config<S>>>, request: Request) -> Response {
    let body = match read_body(request.into_body()).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let now = (witness.clock)();
    answer(add_checkpoint(&witness.store, &body, &witness.logs, &witness.key, now).await)
}

/// The body as text, within the size and time limits.
async fn read_body(body: Body) -> Result<String, Response> {
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, to_bytes(body, MAX_REQUEST_BYTES)).await {
        Err(_) => return Err((StatusCode::REQUEST_TIMEOUT, "the request body was not sent in time\n").into_response()),
        Ok(Err(_)) => {
            let message = format!("a request body is at most {MAX_REQUEST_BYTES} bytes\n");
            return Err((StatusCode::PAYLOAD_TOO_LARGE, message).into_response());
        }
        Ok(Ok(bytes)) => bytes,
    };
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
