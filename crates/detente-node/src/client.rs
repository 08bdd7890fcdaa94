//! The node as an HTTP client of other nodes and of witnesses: one request
//! per connection, bounded in time, so an answer that never comes holds
//! nothing.

use std::time::Duration;

/// One HTTP/1.1 POST of `body` as `content_type` to `authority`, within
/// `timeout`: the status and up to 1 MiB of the answer.
pub async fn post(
    authority: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let request = axum::http::Request::post(path)
            .header(axum::http::header::HOST, authority)
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1 << 20)
            .await
            .map_err(|e| e.to_string())?;
        Ok((status, bytes.to_vec()))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("no answer from {authority} in time"))?
}
