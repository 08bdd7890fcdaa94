//! The change feed over a real connection: every entry the node records,
//! in order, as server-sent events that resume from the last id a client
//! saw, live as entries are recorded, and ended when the node stops.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A client of the feed: the connection, read line by line.
struct Feed {
    lines: tokio::io::Lines<BufReader<TcpStream>>,
}

impl Feed {
    async fn open(server: &Server, path: &str, headers: &str) -> Feed {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {OBSERVER}\r\n{headers}\r\n",
            server.address
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(stream).lines();
        let status = lines.next_line().await.unwrap().unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        Feed { lines }
    }

    /// The next event's id and data, within ten seconds; `None` once the
    /// server has ended the stream.
    async fn next(&mut self) -> Option<(u64, Value)> {
        let mut id = None;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
                .await
                .expect("an event within ten seconds")
                .unwrap()?;
            if let Some(value) = line.strip_prefix("id: ") {
                id = Some(value.parse().unwrap());
            } else if let Some(data) = line.strip_prefix("data: ") {
                return Some((id.expect("an id before the data"), serde_json::from_str(data).unwrap()));
            } else if line == "0" {
                // The last chunk of the response: the server ended the stream.
                return None;
            }
        }
    }
}

#[tokio::test]
async fn the_feed_gives_every_entry_in_order_resumes_from_the_last_id_and_ends_with_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(node(dir.path()).await.unwrap()).await;

    let mut feed = Feed::open(&server, "/api/v1/feed", "").await;
    let (id, declared) = feed.next().await.unwrap();
    assert_eq!(id, 0);
    assert_eq!(declared["what"], "declared", "{declared}");
    assert_eq!(declared["as_of"], "2020-09-01");
    assert_eq!(declared["time"], "2020-10-10T00:00:00Z", "the node's clock when it recorded it");

    // Live: an entry recorded now comes on the open feed.
    let (status, listed) = server.notify(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).await;
    assert_eq!(status, 201, "{listed}");
    let (id, notified) = feed.next().await.unwrap();
    assert_eq!((id, notified["sequence"].as_u64()), (1, Some(1)));
    assert_eq!(notified["what"], "notified");
    assert_eq!(notified["notice"], "change-in-data");

    // A client that saw entry 0 goes on from entry 1, by header or query.
    let mut resumed = Feed::open(&server, "/api/v1/feed", "Last-Event-ID: 0\r\n").await;
    assert_eq!(resumed.next().await.unwrap().0, 1);
    let mut after = Feed::open(&server, "/api/v1/feed?after=0", "").await;
    assert_eq!(after.next().await.unwrap().0, 1);

    // Refused: no token, an id that is not a sequence, a query it does not take.
    assert_eq!(server.call("GET", "/api/v1/feed", None, None).await.0, 401);
    let (address, bad_id) =
        (server.address, ["Authorization: Bearer observer-token".into(), "Last-Event-ID: x".into()]);
    let (status, body) = request(address, "GET", "/api/v1/feed", &bad_id, b"").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Last-Event-ID"), "{body}");
    assert_eq!(server.call("GET", "/api/v1/feed?from=1", Some(OBSERVER), None).await.0, 400);

    // Stopping the node ends every feed.
    server.stop().await;
    assert_eq!(feed.next().await, None);
    assert_eq!(resumed.next().await, None);
    assert_eq!(after.next().await, None);
}
