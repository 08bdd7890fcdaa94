//! `detente init` writes a node that `detente node` runs as a separate
//! process on loopback: it records a checked notification, refuses a bad
//! one naming the field, stops cleanly on SIGINT, and its record verifies.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{bad, detente, exit, ok};

fn call(url: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    let address = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let content = if body.is_empty() { String::new() } else { "Content-Type: application/json\r\n".to_owned() };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n{content}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn init_writes_a_node_that_runs_records_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("us");
    let node_dir = node_dir.to_str().unwrap();
    ok(&["init", "--dir", node_dir, "--listen", "127.0.0.1:0"]);
    assert!(bad(&["init", "--dir", node_dir]).contains("never overwritten"));
    let config = format!("{node_dir}/node.toml");
    let operator = std::fs::read_to_string(format!("{node_dir}/operator.token")).unwrap();
    let observer = std::fs::read_to_string(format!("{node_dir}/observer.token")).unwrap();
    let (operator, observer) = (operator.trim(), observer.trim());

    let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["--json", "node", "--config", &config])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let started: Value = serde_json::from_str(&first).unwrap_or_else(|_| panic!("not JSON: {first:?}"));
    let url = started["listening"].as_str().unwrap().to_owned();

    let (status, body) = call(&url, "GET", "/api/v1/status", observer, "");
    assert_eq!((status, body["record"]["size"].as_u64()), (200, Some(1)), "{body}");
    let conversion = r#"{"kind":"change-in-data","notice":{"events":[{"uid":"US-B-B52H-001","at":"2020-10-08T09:00:00Z","change":{"what":"converted","armament":"non-nuclear"}}]}}"#;
    let (status, body) = call(&url, "POST", "/api/v1/notifications", observer, conversion);
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(&url, "POST", "/api/v1/notifications", operator, conversion);
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(&url, "POST", "/api/v1/notifications", operator, conversion);
    assert_eq!((status, body["field"].as_str()), (422, Some("events[0].change")), "{body}");

    rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::INT).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(exit(&output), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("node stopped"), "{logs}");
    for secret in [operator, observer] {
        assert!(!logs.contains(secret), "a token in the logs");
    }
    let key = std::fs::read_to_string(format!("{node_dir}/us.key")).unwrap();
    assert!(!logs.contains(key.trim()), "the key in the logs");

    // The record the node kept verifies against its key, checkpoint included.
    let store = format!("sqlite:{node_dir}/us.db");
    let verified = detente(&["log", "verify", "--store", &store, "--key", &format!("{node_dir}/us.vkey")]);
    assert_eq!(exit(&verified), Some(0), "{}", String::from_utf8_lossy(&verified.stderr));
}

#[test]
fn a_node_refuses_a_key_others_can_read_and_a_config_that_names_a_bad_field() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("ru");
    let node_dir = node_dir.to_str().unwrap();
    ok(&["init", "--party", "RU", "--dir", node_dir, "--listen", "127.0.0.1:0"]);
    let config = format!("{node_dir}/node.toml");
    let key = format!("{node_dir}/ru.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = bad(&["node", "--config", &config]);
    assert!(refused.contains("ru.key"), "{refused}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("127.0.0.1:0", "0.0.0.0:7401")).unwrap();
    let refused = bad(&["node", "--config", &config]);
    assert!(refused.contains("field listen") && refused.contains("TLS"), "{refused}");
    assert!(!std::path::Path::new(&format!("{node_dir}/ru.db")).exists(), "nothing was created");
}
