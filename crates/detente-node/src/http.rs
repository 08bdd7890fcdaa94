//! Serving HTTP under limits, for every server of the node.
//!
//! A party's node faces other states' software, and a witness faces anyone.
//! Without limits, a client that opens connections and never finishes its
//! headers (or its body, or ever sends a second request) holds them forever,
//! and enough such clients shut everyone else out. So every connection here
//! is served under [`Limits`]: a deadline for each request's headers (which
//! also closes a kept-alive connection left idle), a deadline for its body,
//! a longest life for a connection, a cap on connections held at once, a
//! cap on requests handled at once, and a cap on a body's size.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits a server runs under. The defaults suit a witness or a node on
/// a small machine; each is a flag of `detente witness serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's headers, counted from when
    /// the connection is ready for them: so it is also the longest a
    /// kept-alive connection may sit idle between requests.
    pub header_timeout: Duration,
    /// How long a client has to send a request's body once its headers are in.
    pub body_timeout: Duration,
    /// The longest a connection is kept, however busy: then it is closed
    /// once its request in flight is answered. With the header deadline, it
    /// bounds how long any client holds one of the places.
    pub max_connection_age: Duration,
    /// Connections held open at once. Past this, new connections wait in
    /// the listen queue until one closes, which [`Limits::max_connection_age`]
    /// and the header deadline make sure of.
    pub max_connections: usize,
    /// Requests handled at once (each may hold a store connection).
    pub max_in_flight: usize,
    /// The largest request body any route takes; larger ones get 413
    /// before they are buffered.
    pub max_body_bytes: usize,
    /// How long, once shutdown is asked for, requests in flight may take
    /// to finish before their connections are dropped.
    pub shutdown_grace: Duration,
}

impl Limits {
    /// The defaults, as a constant that other limits start from.
    pub const DEFAULT: Limits = Limits {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        max_connection_age: Duration::from_secs(60),
        max_connections: 1024,
        max_in_flight: 32,
        max_body_bytes: 64 * 1024,
        shutdown_grace: Duration::from_secs(10),
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// Serves `router` on `listener` under `limits` until `shutdown` completes;
/// then stops accepting, and lets requests in flight finish (within
/// [`Limits::shutdown_grace`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_over(listener, None, router, limits, shutdown).await
}

/// [`serve`], over TLS when `tls` is given. The handshake runs in the
/// connection's own task, under the header deadline, so a client that
/// starts one and never finishes holds its place no longer than one that
/// never sends its headers.
pub async fn serve_over(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let places = Arc::new(Semaphore::new(limits.max_connections));
    // Every connection task watches this: `true` once shutdown is asked for.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A place first, then the connection: at the cap, clients wait in
        // the kernel's queue rather than being accepted and starved.
        let place = tokio::select! {
            place = Arc::clone(&places).acquire_owned() => place.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: the server goes on; a pause lets descriptors free.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (http, router, stop, tls) = (http.clone(), router.clone(), stop.clone(), tls.clone());
        connections.spawn(async move {
            match tls {
                None => drive(&http, stream, router, limits, stop).await,
                Some(tls) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(limits.header_timeout, tls.accept(stream)).await {
                        drive(&http, stream, router, limits, stop).await;
                    }
                }
            }
            drop(place);
        });
        // Reap the tasks already done, so the set holds only live connections.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stopping.send(true);
    let _ =
        tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} }).await;
    Ok(())
}

/// Serves one connection until it ends, it has lived its longest, or the
/// server stops.
async fn drive<S>(
    http: &hyper::server::conn::http1::Builder,
    stream: S,
    router: Router,
    limits: Limits,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    let mut connection = std::pin::pin!(connection);
    let closing = tokio::select! {
        // The connection's own end (closed, timed out, reset) is the client's business.
        _ = connection.as_mut() => false,
        () = tokio::time::sleep(limits.max_connection_age) => true,
        _ = stop.wait_for(|stopping| *stopping) => true,
    };
    if closing {
        // Answer the request in flight, if any, then close.
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(limits.shutdown_grace, connection).await;
    }
}

/// A request's body, whole, within the body deadline and size cap: the
/// status and message to answer with otherwise (408 or 413).
pub(crate) async fn read_body(
    body: axum::body::Body,
    limits: &Limits,
) -> Result<axum::body::Bytes, (axum::http::StatusCode, String)> {
    use axum::http::StatusCode;
    match tokio::time::timeout(limits.body_timeout, axum::body::to_bytes(body, limits.max_body_bytes)).await {
        Err(_) => Err((StatusCode::REQUEST_TIMEOUT, "the request body was not sent in time\n".into())),
        Ok(Err(_)) => {
            Err((StatusCode::PAYLOAD_TOO_LARGE, format!("a request body is at most {} bytes\n", limits.max_body_bytes)))
        }
        Ok(Ok(bytes)) => Ok(bytes),
    }
}
