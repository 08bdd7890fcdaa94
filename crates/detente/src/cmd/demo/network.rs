//! The demo's network: a node for the United States, Russia and China and
//! a neutral witness, each its own `detente` process on loopback with its
//! embedded SQLite store under the demo's folder, all reading the demo's
//! exercise clock. Written once; started again as it was on every run.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use detente_log::keys::{Algorithm, SigningKey};
use detente_node::client::Target;
use serde_json::Value;

use crate::args::InitArgs;
use crate::cmd::keys::write_private;
use crate::cmd::node::write_node;
use crate::{bad_input, data};

/// The parties with a node, in the order they start. The United States and
/// Russia exchange New START notifications. China's node is a party to none
/// of their treaties: it keeps its own record (under the hypothetical
/// three-party launch agreement) and witnesses both of theirs, so it sees
/// their checkpoints and none of their entries.
pub const PARTIES: [&str; 3] = ["US", "RU", "CN"];
const TRILATERAL: &str = "launch-notification-trilateral.toml";

/// One party's node, running.
pub struct NodeProcess {
    pub party: &'static str,
    pub url: String,
    operator: String,
    observer: String,
    target: Target,
    child: Child,
}

/// The running processes. Dropped on any path out of the demo (an error,
/// a closed output, a panic), it stops them: no node outlives the demo.
pub struct Network {
    pub nodes: Vec<NodeProcess>,
    pub witness_url: String,
    witness: Option<Child>,
}

fn folder(root: &Path, party: &str) -> PathBuf {
    root.join(party.to_ascii_lowercase())
}

fn read_trimmed(path: &Path) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?.trim().to_owned())
}

/// A loopback port free now.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether the network is written already; an error if only part of it is.
pub fn written(root: &Path) -> anyhow::Result<bool> {
    let configs = PARTIES.map(|party| folder(root, party).join("node.toml").exists());
    match configs {
        [true, true, true] if root.join("neutral/listen").exists() => Ok(true),
        [false, false, false] => Ok(false),
        _ => Err(bad_input!("{} holds part of a demo network only; remove the folder to start afresh", root.display())),
    }
}

/// Writes every node's keys, tokens and configuration, the neutral
/// witness's key, and each record's witness policy: two of the three other
/// witnesses, so that any two quorums share one.
pub fn write(root: &Path) -> anyhow::Result<()> {
    let ports: Vec<u16> = PARTIES.iter().map(|_| free_port()).collect::<anyhow::Result<_>>()?;
    for (party, port) in PARTIES.iter().zip(&ports) {
        let args = InitArgs {
            party: party.parse()?,
            dir: folder(root, party),
            listen: format!("127.0.0.1:{port}").parse()?,
            declaration: None,
            tls: false,
        };
        write_node(&args)?;
    }
    let neutral = root.join("neutral");
    let key =
        SigningKey::from_seed("neutral.detente.local/witness", Algorithm::Cosignature, crate::inputs::fresh_seed()?)?;
    write_private(&neutral.join("neutral.key"), &format!("{}\n", key.to_private_text()))?;
    data::write_atomically(&neutral.join("neutral.vkey"), |out| writeln!(out, "{}", key.verifier()))?;
    let neutral_url = format!("http://127.0.0.1:{}", free_port()?);

    let record_key =
        |party: &str| read_trimmed(&folder(root, party).join(format!("{}.vkey", party.to_ascii_lowercase())));
    let witness_key =
        |party: &str| read_trimmed(&folder(root, party).join(format!("{}-witness.vkey", party.to_ascii_lowercase())));
    for (party, _) in PARTIES.iter().zip(&ports) {
        let mut policy = format!("log {}\n", record_key(party)?);
        let mut names = Vec::new();
        for (other, port) in PARTIES.iter().zip(&ports).filter(|(other, _)| *other != party) {
            policy.push_str(&format!("witness {other} {} http://127.0.0.1:{port}\n", witness_key(other)?));
            names.push(*other);
        }
        policy.push_str(&format!(
            "witness NEUTRAL {} {neutral_url}\ngroup q 2 {} NEUTRAL\nquorum q\n",
            key.verifier(),
            names.join(" ")
        ));
        let dir = folder(root, party);
        data::write_atomically(&dir.join("record.policy"), |out| out.write_all(policy.as_bytes()))?;

        // Each node witnesses the records of the nodes that are not its peers.
        let witnessed: Vec<String> = PARTIES
            .iter()
            .filter(|other| *other != party && !(is_new_start(party) && is_new_start(other)))
            .map(|other| record_key(other).map(|key| format!("{key:?}")))
            .collect::<anyhow::Result<_>>()?;
        let config_path = dir.join("node.toml");
        let mut config = std::fs::read_to_string(&config_path)?.replace(
            "# policy = \"record.policy\"",
            &format!(
                "policy = \"record.policy\"\n# The records this node witnesses without being their peer.\nwitnessed = [{}]",
                witnessed.join(", ")
            ),
        );
        if is_new_start(party) {
            for (other, port) in PARTIES.iter().zip(&ports).filter(|(other, _)| *other != party && is_new_start(other))
            {
                config.push_str(&format!(
                    "\n[[peers]]\nparty = \"{other}\"\nurl = \"http://127.0.0.1:{port}\"\nkey = \"{}\"\n",
                    record_key(other)?
                ));
            }
        } else {
            let treaty =
                data::shipped(&format!("hypothetical/{TRILATERAL}")).expect("the three-party agreement is shipped");
            data::write_atomically(&dir.join(TRILATERAL), |out| out.write_all(treaty.as_bytes()))?;
            config = config.replace(
                "treaty = \"new-start\"",
                &format!("treaty = \"launch-notification-trilateral\"\ntreaties = [\"{TRILATERAL}\"]"),
            );
        }
        // The edits above work on `init`'s text: should it change, the
        // demo's network must not quietly lose its policy or its treaty.
        let parsed = detente_node::party::ConfigFile::parse(&config, &dir)
            .map_err(|e| anyhow::anyhow!("the demo wrote a configuration it cannot read: {e}"))?;
        let treaty = if is_new_start(party) { "new-start" } else { "launch-notification-trilateral" };
        let whole = parsed.policy.is_some() && parsed.witnessed.len() == witnessed.len() && parsed.treaty == treaty;
        anyhow::ensure!(
            whole,
            "the demo's edits of {} did not take: `init` writes another template",
            config_path.display()
        );
        data::write_atomically(&config_path, |out| out.write_all(config.as_bytes()))?;
    }
    // Written last: its presence says the network is whole.
    data::write_atomically(&neutral.join("listen"), |out| writeln!(out, "{neutral_url}"))?;
    Ok(())
}

fn is_new_start(party: &str) -> bool {
    party != "CN"
}

/// Starts `detente ARGS` with the demo's clock, its standard error appended
/// to `log`, in a process group of its own, so that the demo alone decides
/// when it stops; returns it with the URL its first line says it listens on.
fn spawn(root: &Path, args: &[String], log: &Path) -> anyhow::Result<(Child, String)> {
    use std::os::unix::process::CommandExt as _;
    let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--clock")
        .arg(root.join("clock"))
        .arg("--json")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .process_group(0)
        .spawn()?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first)?;
    let started: Option<Value> = serde_json::from_str(&first).ok();
    match started.as_ref().and_then(|s| s["listening"].as_str()) {
        Some(url) => Ok((child, url.to_owned())),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(anyhow::anyhow!("{} did not start: {} (its log: {})", args.join(" "), last_words(log), log.display()))
        }
    }
}

/// The last line a process that failed to start wrote to its log.
fn last_words(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("it wrote nothing").trim().to_owned()
}

impl Network {
    /// Starts the witness, then every node.
    pub fn start(root: &Path) -> anyhow::Result<Network> {
        let neutral = root.join("neutral");
        let listen = read_trimmed(&neutral.join("listen"))?;
        let mut args: Vec<String> =
            ["witness", "serve", "--listen", listen.trim_start_matches("http://")].map(String::from).into();
        args.extend(["--store".into(), format!("sqlite:{}", neutral.join("witness.db").display())]);
        args.extend(["--key".into(), neutral.join("neutral.key").display().to_string()]);
        for party in PARTIES {
            let vkey = folder(root, party).join(format!("{}.vkey", party.to_ascii_lowercase()));
            args.extend(["--log-key".into(), vkey.display().to_string()]);
        }
        let (witness, witness_url) = spawn(root, &args, &neutral.join("witness.log"))?;
        // From here every process started is the network's, stopped when it is dropped.
        let mut network = Network { nodes: Vec::new(), witness_url, witness: Some(witness) };
        for party in PARTIES {
            let dir = folder(root, party);
            let (operator, observer) =
                (read_trimmed(&dir.join("operator.token"))?, read_trimmed(&dir.join("observer.token"))?);
            let config = dir.join("node.toml").display().to_string();
            let (mut child, url) = spawn(root, &["node".into(), "--config".into(), config], &dir.join("node.log"))?;
            let target = match Target::parse(&url, None) {
                Ok(target) => target,
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(anyhow::anyhow!("{url}: {error}"));
                }
            };
            network.nodes.push(NodeProcess { party, url, operator, observer, target, child });
        }
        Ok(network)
    }

    pub fn node(&self, party: &str) -> &NodeProcess {
        self.nodes.iter().find(|n| n.party == party).expect("a demo party")
    }

    /// Asks every process to stop (SIGINT, as Ctrl-C would) and waits for
    /// it: nodes first, so that the witness outlives their last requests.
    /// One that has not stopped within ten seconds is killed; their names
    /// are returned.
    pub fn stop(mut self) -> Vec<String> {
        self.stop_all()
    }

    fn stop_all(&mut self) -> Vec<String> {
        let mut unclean = Vec::new();
        let nodes = std::mem::take(&mut self.nodes).into_iter().map(|n| (n.party.to_owned(), n.child));
        for (name, mut child) in nodes.chain(self.witness.take().map(|w| ("the witness".to_owned(), w))) {
            let pid = rustix::process::Pid::from_child(&child);
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
            let stopped = (0..200).find_map(|_| match child.try_wait() {
                Ok(None) => {
                    std::thread::sleep(Duration::from_millis(50));
                    None
                }
                Ok(Some(status)) => Some(status.success()),
                Err(_) => Some(false),
            });
            if stopped != Some(true) {
                let _ = child.kill();
                let _ = child.wait();
                unclean.push(name);
            }
        }
        unclean
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.stop_all();
    }
}

impl NodeProcess {
    /// `GET path` with the observer's token: the answer's JSON.
    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call("GET", path, &self.observer, None).await
    }

    /// `POST path` with the operator's token.
    pub async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> anyhow::Result<Value> {
        self.call("POST", path, &self.operator, Some((content_type, body))).await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Value> {
        let (status, answer) = self
            .target
            .authorised(method, path, token, body, Duration::from_secs(30))
            .await
            .map_err(|e| anyhow::anyhow!("the {} node at {}: {e}", self.party, self.url))?;
        let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        match status {
            200..=299 => Ok(answer),
            _ => Err(anyhow::anyhow!("the {} node answered {method} {path} with {status}: {answer}", self.party)),
        }
    }
}
