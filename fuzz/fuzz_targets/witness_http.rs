//! The witness server's HTTP route, `POST /add-checkpoint`, on arbitrary
//! requests: the first byte picks the method and the path, the rest is the
//! body. The server never panics and answers only with the statuses its
//! protocol and its limits give: 200 with one cosignature line, 400, 403,
//! 404, 409 (with the witness's size as `text/x.tlog.size`), 422, 413 for an
//! oversized body, and 404/405 for other paths and methods; never 500 from
//! the request alone. A body the request parser refuses is always a 400.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode};
use detente_log::witness::AddCheckpoint;
use detente_node::http::Limits;
use detente_node::witness::{Config, router};
use detente_store::sqlite::SqliteStore;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

struct Server {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let folder = std::env::temp_dir().join(format!("detente-fuzz-witness-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let store = runtime.block_on(SqliteStore::open(&folder.join("witness.db"))).unwrap();
        let config = Config {
            store,
            key: detente_fuzz::witness_key().clone(),
            logs: vec![detente_fuzz::log_key().verifier().clone()],
            clock: Arc::new(|| 1_800_000_000),
            limits: Limits::default(),
        };
        Server { router: router(config), runtime }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else { return };
    let method = [Method::POST, Method::GET, Method::PUT][usize::from(choice % 3)].clone();
    let path = ["/add-checkpoint", "/", "/add-checkpoint/more"][usize::from(choice / 3 % 3)];
    let request = Request::builder().method(method.clone()).uri(path).body(Body::from(body.to_vec())).unwrap();
    let server = server();
    let (status, content_type, answer) = server.runtime.block_on(async {
        let response = server.router.clone().oneshot(request).await.unwrap();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
        let status = response.status();
        (status, content_type, to_bytes(response.into_body(), usize::MAX).await.unwrap())
    });
    if path != "/add-checkpoint" {
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        return;
    }
    if method != Method::POST {
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        return;
    }
    let allowed = [200, 400, 403, 404, 409, 413, 422];
    assert!(allowed.contains(&status.as_u16()), "status {status}: {}", String::from_utf8_lossy(&answer));
    if body.len() > Limits::default().max_body_bytes {
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        return;
    }
    let parsed = std::str::from_utf8(body).ok().map(AddCheckpoint::parse);
    if !matches!(parsed, Some(Ok(_))) {
        assert_eq!(status, StatusCode::BAD_REQUEST, "a body the parser refuses");
    }
    match status.as_u16() {
        200 => {
            let text = std::str::from_utf8(&answer).expect("a cosignature is text");
            assert_eq!(text.lines().count(), 1, "one cosignature line: {text:?}");
            assert!(text.starts_with("\u{2014} "), "{text:?}");
        }
        409 => {
            assert_eq!(content_type.as_deref(), Some("text/x.tlog.size"));
            let size = std::str::from_utf8(&answer).unwrap().trim_end();
            assert!(size.parse::<u64>().is_ok(), "{size:?}");
        }
        _ => {}
    }
});
