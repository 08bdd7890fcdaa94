//! `detente init` writes a node that `detente node` runs as a separate
//! process on loopback: it records a checked notification, refuses a bad
//! one naming the field, stops cleanly on SIGINT, and its record verifies.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{bad, detente, exit, ok};

pub fn call(url: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    try_call(url, method, path, token, body).unwrap()
}

/// One request; an error if the node is not there or dies under it.
pub fn try_call(url: &str, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<(u16, Value)> {
    let address = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address)?;
    let content = if body.is_empty() { String::new() } else { "Content-Type: application/json\r\n".to_owned() };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n{content}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok());
    let status = status.ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {response:?}")))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

#[test]
fn init_writes_a_node_that_runs_records_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("us");
    let node_dir = node_dir.to_str().unwrap();
    ok(&["init", "--dir", node_dir, "--listen", "127.0.0.1:0"]);
    assert!(bad(&["init", "--dir", node_dir]).contains("never overwritten"));
    let node = Running::start(node_dir);
    let (url, operator, observer) = (node.url.clone(), node.operator.clone(), node.observer.clone());

    let (status, body) = call(&url, "GET", "/api/v1/status", &observer, "");
    assert_eq!((status, body["record"]["size"].as_u64()), (200, Some(1)), "{body}");
    let conversion = r#"{"kind":"change-in-data","notice":{"events":[{"uid":"US-B-B52H-001","at":"2020-10-08T09:00:00Z","change":{"what":"converted","armament":"non-nuclear"}}]}}"#;
    let (status, body) = call(&url, "POST", "/api/v1/notifications", &observer, conversion);
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(&url, "POST", "/api/v1/notifications", &operator, conversion);
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(&url, "POST", "/api/v1/notifications", &operator, conversion);
    assert_eq!((status, body["field"].as_str()), (422, Some("events[0].change")), "{body}");

    // SIGINT stops it cleanly (exit 0), and its logs hold no secret.
    let logs = node.stop();
    assert!(logs.contains("node stopped"), "{logs}");
    for secret in [&operator, &observer] {
        assert!(!logs.contains(secret.as_str()), "a token in the logs");
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

#[test]
fn an_exercise_clock_others_may_write_is_refused_and_a_bad_one_named() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock");
    let clock_arg = clock.to_str().unwrap();
    std::fs::write(&clock, "simulated=2020-09-15T00:00:00Z real-ms=0 rate=0\n").unwrap();
    std::fs::set_permissions(&clock, std::fs::Permissions::from_mode(0o664)).unwrap();
    let refused = bad(&["--clock", clock_arg, "treaty", "list"]);
    assert!(refused.contains("others may write it"), "{refused}");
    std::fs::set_permissions(&clock, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&["--clock", clock_arg, "treaty", "list"]);
    std::fs::write(&clock, "simulated=2020-09-15 real-ms=0 rate=0\n").unwrap();
    let refused = bad(&["--clock", clock_arg, "treaty", "list"]);
    assert!(refused.contains(clock_arg) && refused.contains("simulated"), "{refused}");
}

/// Starts `detente ARGS` as a server process, which prints where it
/// listens as its first line of JSON: the process and that URL.
fn listening(args: &[impl AsRef<std::ffi::OsStr>], stderr: Stdio) -> (std::process::Child, String) {
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_detente")).args(args).stdout(Stdio::piped()).stderr(stderr).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let started: Value = serde_json::from_str(&first).unwrap_or_else(|_| panic!("not JSON: {first:?}"));
    (child, started["listening"].as_str().unwrap().to_owned())
}

#[test]
fn init_tls_writes_a_certificate_whose_pin_alone_reaches_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("us").display().to_string();
    let written = detente(&["--json", "init", "--tls", "--dir", &node_dir, "--listen", "127.0.0.1:0"]);
    assert_eq!(exit(&written), Some(0), "{}", String::from_utf8_lossy(&written.stderr));
    let written: Value = serde_json::from_slice(&written.stdout).unwrap();
    let pin = std::fs::read_to_string(format!("{node_dir}/us.spki")).unwrap().trim().to_owned();
    assert_eq!(written["spki_sha256"], pin.as_str());
    let certificate = std::fs::read(format!("{node_dir}/us.tls.crt")).unwrap();
    assert_eq!(detente_node::tls::spki_sha256_of_pem(&certificate).unwrap(), pin, "the pin is the certificate's key's");

    let node = Running::start(&node_dir);
    assert!(node.url.starts_with("https://127.0.0.1:"), "{}", node.url);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = |pin: &str| {
        let target = detente_node::client::Target::parse(&node.url, Some(pin)).unwrap();
        let request = get_request("/api/v1/status", &node.observer);
        runtime.block_on(target.send(request, std::time::Duration::from_secs(10)))
    };
    let (code, body) = status(&pin).unwrap();
    assert_eq!(code, 200);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["party"], "US");
    let other = "0".repeat(64);
    assert!(status(&other).unwrap_err().contains("not the pinned"));
    node.stop();
}

#[test]
fn a_witness_serves_over_tls_and_only_so_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("us").display().to_string();
    ok(&["init", "--tls", "--dir", &node_dir, "--listen", "127.0.0.1:0"]);
    let prefix = dir.path().join("neutral").display().to_string();
    ok(&["keygen", "--witness", "--name", "neutral.detente.local/witness", "--out", &prefix]);
    let serve = |listen: &str, tls: bool| {
        let mut args: Vec<String> = ["--json", "witness", "serve", "--listen", listen].map(String::from).into();
        args.extend(["--store".into(), format!("sqlite:{prefix}.db"), "--key".into(), format!("{prefix}.key")]);
        args.extend(["--log-key".into(), format!("{node_dir}/us.vkey")]);
        if tls {
            args.extend(["--tls-certificate".into(), format!("{node_dir}/us.tls.crt")]);
            args.extend(["--tls-key".into(), format!("{node_dir}/us.tls.key")]);
        }
        args
    };
    let refused = bad(&serve("0.0.0.0:0", false).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(refused.contains("--listen") && refused.contains("TLS"), "{refused}");
    let (mut child, url) = listening(&serve("127.0.0.1:0", true), Stdio::null());
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::INT).unwrap();
    assert!(child.wait().unwrap().success());
}

fn get_request(path: &str, token: &str) -> detente_node::client::Request {
    let mut request = detente_node::client::Request::new(Default::default());
    *request.uri_mut() = path.parse().unwrap();
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A node started as its own process, with its URL and tokens.
pub struct Running {
    pub child: std::process::Child,
    pub url: String,
    pub operator: String,
    pub observer: String,
}

impl Running {
    pub fn start(dir: &str) -> Running {
        let (child, url) = listening(&["--json", "node", "--config", &format!("{dir}/node.toml")], Stdio::piped());
        let token = |role: &str| std::fs::read_to_string(format!("{dir}/{role}.token")).unwrap().trim().to_owned();
        Running { child, url, operator: token("operator"), observer: token("observer") }
    }

    pub fn get(&self, path: &str) -> Value {
        let (status, body) = call(&self.url, "GET", path, &self.observer, "");
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// Polls `path` until `done` holds of its answer: at most 600 times,
    /// 50 ms apart, so the test ends even if the exchange never does.
    pub fn until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..600 {
            let answer = self.get(path);
            if done(&answer) {
                return answer;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{path} never reached the state awaited: {}", self.get(path));
    }

    /// Reads the change feed from its start until `done` holds of the
    /// changes read (their data), within 30 s.
    fn feed(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let address = self.url.strip_prefix("http://").unwrap();
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "GET /api/v1/feed HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\r\n",
            self.observer
        )
        .unwrap();
        let mut changes = Vec::new();
        for line in BufReader::new(stream).lines() {
            let line = line.expect("the feed goes on within 30 s");
            if let Some(data) = line.strip_prefix("data: ") {
                changes.push(serde_json::from_str(data).unwrap());
                if done(&changes) {
                    return changes;
                }
            }
        }
        panic!("the feed ended before the state awaited: {changes:?}");
    }

    pub fn stop(self) -> String {
        rustix::process::kill_process(rustix::process::Pid::from_child(&self.child), rustix::process::Signal::INT)
            .unwrap();
        let output = self.child.wait_with_output().unwrap();
        assert_eq!(exit(&output), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }
}

/// A port free now, for a node whose peers must know its address before it starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A US and a Russian node written with `detente init` in `dir`, each the
/// other's peer: their folders.
pub fn pair(dir: &tempfile::TempDir) -> (String, String) {
    let [us, ru] = <[String; 2]>::try_from(network(dir, &["US", "RU"])).unwrap();
    (us, ru)
}

/// A node of each of `parties` written with `detente init` in `dir`
/// (folders named by the party, in lower case), each every other's peer.
pub fn network(dir: &tempfile::TempDir, parties: &[&str]) -> Vec<String> {
    let folders: Vec<String> =
        parties.iter().map(|p| dir.path().join(p.to_lowercase()).display().to_string()).collect();
    let ports: Vec<u16> = parties.iter().map(|_| free_port()).collect();
    for ((party, folder), port) in parties.iter().zip(&folders).zip(&ports) {
        ok(&["init", "--party", party, "--dir", folder, "--listen", &format!("127.0.0.1:{port}")]);
    }
    for (i, folder) in folders.iter().enumerate() {
        let mut config = std::fs::OpenOptions::new().append(true).open(format!("{folder}/node.toml")).unwrap();
        for (j, other) in folders.iter().enumerate().filter(|&(j, _)| j != i) {
            let key = std::fs::read_to_string(record_vkey(other)).unwrap();
            let (party, port) = (parties[j], ports[j]);
            write!(
                config,
                "\n[[peers]]\nparty = \"{party}\"\nurl = \"http://127.0.0.1:{port}\"\nkey = \"{}\"\n",
                key.trim()
            )
            .unwrap();
        }
    }
    folders
}

/// A neutral witness, `detente witness serve` as its own process,
/// following the records of the nodes in `nodes` (folders from [`pair`]).
pub struct Witness {
    child: std::process::Child,
    pub url: String,
}

impl Witness {
    pub fn start(dir: &tempfile::TempDir, nodes: &[&str]) -> Witness {
        let prefix = dir.path().join("neutral").display().to_string();
        ok(&["keygen", "--witness", "--name", "neutral.detente.local/witness", "--out", &prefix]);
        let mut args =
            vec!["--json".to_owned(), "witness".into(), "serve".into(), "--listen".into(), "127.0.0.1:0".into()];
        args.extend(["--store".into(), format!("sqlite:{prefix}.db"), "--key".into(), format!("{prefix}.key")]);
        for node in nodes {
            args.extend(["--log-key".into(), record_vkey(node)]);
        }
        let (child, url) = listening(&args, Stdio::null());
        Witness { child, url }
    }

    pub fn vkey(&self, dir: &tempfile::TempDir) -> String {
        std::fs::read_to_string(dir.path().join("neutral.vkey")).unwrap().trim().to_owned()
    }

    pub fn stop(mut self) {
        rustix::process::kill_process(rustix::process::Pid::from_child(&self.child), rustix::process::Signal::INT)
            .unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

/// The path of the record's verifier key in a node's folder.
fn record_vkey(node: &str) -> String {
    let party = std::path::Path::new(node).file_name().unwrap().to_string_lossy().into_owned();
    format!("{node}/{party}.vkey")
}

/// Has each node of a [`network`] witnessed by the other nodes and by
/// `witness`, a majority of them needed (so any two quorums share a
/// witness): writes each record's policy and names it in the node's
/// configuration.
pub fn witness_all(dir: &tempfile::TempDir, nodes: &[&str], witness: &Witness) {
    let port = |node: &str| {
        let config = std::fs::read_to_string(format!("{node}/node.toml")).unwrap();
        config.lines().find_map(|l| l.strip_prefix("listen = \"127.0.0.1:")).unwrap().trim_end_matches('"').to_owned()
    };
    for node in nodes {
        let log = std::fs::read_to_string(record_vkey(node)).unwrap();
        let mut policy = format!("log {}\n", log.trim());
        let mut names = Vec::new();
        for other in nodes.iter().filter(|other| *other != node) {
            let party = std::path::Path::new(other).file_name().unwrap().to_string_lossy().into_owned();
            let other_witness = std::fs::read_to_string(format!("{other}/{party}-witness.vkey")).unwrap();
            let name = party.to_uppercase();
            policy.push_str(&format!("witness {name} {} http://127.0.0.1:{}\n", other_witness.trim(), port(other)));
            names.push(name);
        }
        policy.push_str(&format!("witness NEUTRAL {} {}\n", witness.vkey(dir), witness.url));
        names.push("NEUTRAL".into());
        policy.push_str(&format!("group q {} {}\nquorum q\n", names.len() / 2 + 1, names.join(" ")));
        std::fs::write(format!("{node}/record.policy"), policy).unwrap();
        let config = std::fs::read_to_string(format!("{node}/node.toml")).unwrap();
        let config = config.replace("# policy = \"record.policy\"", "policy = \"record.policy\"");
        std::fs::write(format!("{node}/node.toml"), config).unwrap();
    }
}

fn us_totals(status: &Value, reader: &str) -> Vec<u64> {
    status["counts"]["US"][reader]
        .as_array()
        .map_or(vec![], |l| l.iter().map(|x| x["total"].as_u64().unwrap()).collect())
}

#[test]
fn a_notification_to_the_us_node_reaches_the_russian_node_once_even_when_it_starts_late() {
    let dir = tempfile::tempdir().unwrap();
    let (us, ru) = pair(&dir);
    let witness = Witness::start(&dir, &[&us, &ru]);
    witness_all(&dir, &[&us, &ru], &witness);

    // The Russian node is down while the United States notifies.
    let us_node = Running::start(&us);
    let conversion = r#"{"kind":"change-in-data","notice":{"events":[{"uid":"US-B-B52H-001","at":"2020-10-08T09:00:00Z","change":{"what":"converted","armament":"non-nuclear"}}]}}"#;
    let (status, body) = call(&us_node.url, "POST", "/api/v1/notifications", &us_node.operator, conversion);
    assert_eq!(status, 201, "{body}");
    let sequence = body["sequence"].as_u64().unwrap();

    let ru_node = Running::start(&ru);
    // Everything reaches the Russian node: the U.S. declaration, then the notification.
    let listed = ru_node
        .until("/api/v1/notifications?party=US", |a| a["notifications"].as_array().is_some_and(|n| !n.is_empty()));
    let notifications = listed["notifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1, "delivered once: {listed}");
    assert_eq!(notifications[0]["sequence"].as_u64(), Some(sequence));
    assert_eq!(notifications[0]["leaf_hash"], body["leaf_hash"], "the sender's entry, unchanged");
    // Both nodes count the U.S. forces alike, under both readings.
    let ru_status = ru_node.get("/api/v1/status");
    assert_eq!(us_totals(&ru_status, "US"), [674, 1456, 799]);
    assert_eq!(us_totals(&ru_status, "RU"), [674, 1456, 901]);
    let us_status = us_node.until("/api/v1/status", |s| {
        s["peers"][0]["delivered_up_to"].as_u64() == Some(sequence)
            && s["peers"][0]["received_up_to"].as_u64().is_some()
    });
    assert_eq!(us_totals(&us_status, "US"), [674, 1456, 799]);
    assert!(us_status["counts"]["RU"].is_object(), "the U.S. node has Russia's declaration too: {us_status}");
    // The U.S. change feed tells the same story, entry by entry.
    let changes = us_node.feed(|changes| {
        let delivered = changes.iter().any(|c| c["what"] == "delivered" && c["sequence"].as_u64() == Some(sequence));
        delivered && changes.iter().any(|c| c["what"] == "received")
    });
    assert_eq!((changes[0]["what"].as_str(), changes[0]["as_of"].as_str()), (Some("declared"), Some("2020-09-01")));
    assert_eq!(
        (changes[1]["what"].as_str(), changes[1]["notice"].as_str()),
        (Some("notified"), Some("change-in-data"))
    );
    let received = changes.iter().find(|c| c["what"] == "received").unwrap();
    assert_eq!((received["from"].as_str(), received["sequence"].as_u64()), (Some("RU"), Some(0)), "{changes:?}");
    assert!(changes.iter().all(|c| c["what"] != "delivered" || c["to"] == "RU"), "{changes:?}");
    // The receipt is in the U.S. record: the Russian node's signed receipt,
    // kept as the content of a U.S. receipt entry.
    let own = us_node.get("/api/v1/notifications?party=US");
    assert!(own["notifications"][0]["provided"].is_string(), "provided when the Russian node received it: {own}");
    let history = us_node.get("/api/v1/parties/US/items/US-B-B52H-001");
    assert!(history["steps"][0]["provided"].is_string(), "the receipt says when it was provided: {history}");

    // Each record's latest checkpoint is cosigned by the other node and by
    // the neutral witness, which is the quorum of its policy.
    for node in [&us_node, &ru_node] {
        let size = node.get("/api/v1/status")["record"]["size"].clone();
        let quorum =
            node.until("/api/v1/quorum", |q| q["witnessed"]["size"] == size && q["witnessed"]["quorum_met"] == true);
        assert_eq!(quorum["witnesses"].as_array().unwrap().len(), 2, "{quorum}");
        assert!(quorum["evidence"].as_array().unwrap().is_empty(), "{quorum}");
    }

    let logs = [us_node.stop(), ru_node.stop()].concat();
    assert!(logs.contains("delivered") && logs.contains("received"), "{logs}");
    for (dir, party) in [(&us, "us"), (&ru, "ru")] {
        let store = format!("sqlite:{dir}/{party}.db");
        let verified = detente(&["log", "verify", "--store", &store, "--key", &format!("{dir}/{party}.vkey")]);
        assert_eq!(exit(&verified), Some(0), "{}", String::from_utf8_lossy(&verified.stderr));
        // Against the policy alone: the checkpoint the store keeps carries its quorum.
        let witnessed =
            detente(&["--json", "log", "verify", "--store", &store, "--policy", &format!("{dir}/record.policy")]);
        assert_eq!(exit(&witnessed), Some(0), "{}", String::from_utf8_lossy(&witnessed.stderr));
        let report: Value = serde_json::from_slice(&witnessed.stdout).unwrap();
        assert_eq!(report["witnessed"]["quorum_met"], true, "{report}");
    }

    // Restarted, each node knows what it delivered: nothing is sent twice.
    let (us_node, ru_node) = (Running::start(&us), Running::start(&ru));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let listed = ru_node.get("/api/v1/notifications?party=US");
    assert_eq!(listed["notifications"].as_array().unwrap().len(), 1, "{listed}");
    let sizes = || {
        (
            us_node.get("/api/v1/status")["record"]["size"].clone(),
            ru_node.get("/api/v1/status")["record"]["size"].clone(),
        )
    };
    let before = sizes();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(sizes(), before, "no entry delivered or receipted twice");
    us_node.stop();
    ru_node.stop();
    witness.stop();
}
