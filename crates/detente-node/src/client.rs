//! The node as an HTTP client of other nodes and of witnesses: one request
//! per connection, bounded in time, so an answer that never comes holds
//! nothing. A [`Target`] is reached over plain HTTP on loopback only, and
//! anywhere else over TLS to the server whose key is pinned.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::header;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};

/// A request as [`Target::send`] takes it.
pub type Request = axum::http::Request<axum::body::Body>;

/// A server the node sends requests to.
#[derive(Clone)]
pub struct Target {
    /// `host:port`.
    pub authority: String,
    /// Where every request's path starts (empty, or `/prefix`).
    pub prefix: String,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url())
    }
}

impl Target {
    /// `http://ADDRESS:PORT[/prefix]` on loopback, or
    /// `https://HOST:PORT[/prefix]` with `pin`, the SHA-256 of the server
    /// certificate's public key (64 hexadecimal digits).
    pub fn parse(url: &str, pin: Option<&str>) -> Result<Target, String> {
        let (secure, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err(format!("{url:?} is not http://… or https://…")),
        };
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = match prefix.trim_end_matches('/') {
            "" => String::new(),
            prefix => format!("/{prefix}"),
        };
        let (host, port) = authority.rsplit_once(':').ok_or_else(|| format!("{url:?} names no port"))?;
        port.parse::<u16>().map_err(|_| format!("{url:?}: {port:?} is not a port"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let tls = match (secure, pin) {
            (false, Some(_)) => return Err(format!("{url:?}: a key pin needs https://")),
            (false, None) => {
                if !authority.parse::<SocketAddr>().is_ok_and(|a| a.ip().is_loopback()) {
                    return Err(format!("{url:?} is plain HTTP off loopback: use https:// with the server's key pin"));
                }
                None
            }
            (true, None) => return Err(format!("{url:?}: https needs the server's key pin (spki_sha256)")),
            (true, Some(pin)) => {
                let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("{url:?}: {e}"))?;
                Some((crate::tls::pinned_connector(crate::tls::parse_pin(pin)?), name))
            }
        };
        Ok(Target { authority: authority.to_owned(), prefix, tls })
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority, self.prefix)
    }

    /// One POST of `body` as `content_type` to `path` under the prefix,
    /// within `timeout`: the status and up to 1 MiB of the answer.
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>), String> {
        let request = axum::http::Request::post(format!("{}{path}", self.prefix))
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .map_err(|e| e.to_string())?;
        self.send(request, timeout).await
    }

    /// One request to an operator API, `token` as its bearer, with `body`
    /// of the given media type if any: what a script or a console sends.
    pub async fn authorised(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<(&str, Vec<u8>)>,
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.prefix))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                axum::body::Body::from(bytes)
            }
            None => axum::body::Body::empty(),
        };
        self.send(request.body(body).map_err(|e| e.to_string())?, timeout).await
    }

    /// One request, on a connection of its own, within `timeout`.
    pub async fn send(&self, mut request: Request, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
        let host = header::HeaderValue::from_str(&self.authority).map_err(|e| e.to_string())?;
        request.headers_mut().insert(header::HOST, host);
        let exchange = async {
            let stream = tokio::net::TcpStream::connect(&self.authority).await.map_err(|e| e.to_string())?;
            match &self.tls {
                None => exchange(stream, request).await,
                Some((connector, name)) => {
                    let stream = connector
                        .connect(name.clone(), stream)
                        .await
                        .map_err(|e| format!("TLS with {}: {e}", self.authority))?;
                    exchange(stream, request).await
                }
            }
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer from {} in time", self.authority))?
    }
}

async fn exchange<S>(stream: S, request: Request) -> Result<(u16, Vec<u8>), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes =
        axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1 << 20).await.map_err(|e| e.to_string())?;
    Ok((status, bytes.to_vec()))
}
