//! A node's configuration file (TOML; documented in docs/node.md), read
//! once into typed values. Paths in it are relative to the file's folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use detente_core::{Party, shortened};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The party this node keeps the record of.
    pub party: Party,
    /// Where the API listens: loopback only, unless `tls` is set.
    pub listen: SocketAddr,
    /// Serve over TLS with this certificate and key.
    pub tls: Option<TlsFiles>,
    /// The record's signing key (`PRIVATE+KEY+…`, mode 0600); its signer
    /// state is kept beside it as `<key>.signed`.
    pub key: PathBuf,
    /// `sqlite:PATH` (a path relative to this file) or `postgres://…`.
    pub store: String,
    /// The treaty the node keeps its record under, by id.
    pub treaty: String,
    /// More treaty files than the shipped ones, relative to this file.
    #[serde(default)]
    pub treaties: Vec<PathBuf>,
    /// The party's full declaration, recorded when the record is empty.
    pub declaration: Option<PathBuf>,
    pub tokens: TokenHashes,
    /// The other parties' nodes this one delivers to and receives from.
    #[serde(default)]
    pub peers: Vec<PeerFile>,
    /// The witness policy of this node's record (C2SP tlog-policy),
    /// relative to this file: every checkpoint goes to each witness it
    /// names, at the URL it gives. Its quorums must share a witness.
    pub policy: Option<PathBuf>,
    /// For each witness of the policy reached at an `https://` URL, by its
    /// name there: the SHA-256 of its certificate's public key.
    #[serde(default)]
    pub witness_pins: std::collections::BTreeMap<String, String>,
    /// This node's cosigner key (mode 0600): with it the node witnesses its
    /// peers' records at `POST /add-checkpoint`.
    pub witness_key: Option<PathBuf>,
    /// Records this node witnesses besides its peers' (their verifier keys):
    /// it cosigns their checkpoints and is sent none of their entries.
    #[serde(default)]
    pub witnessed: Vec<String>,
}

/// A peer as written: its party, its node's address and its record's key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerFile {
    pub party: Party,
    /// `https://host:port`, or `http://address:port` on loopback only.
    pub url: String,
    /// With https: the SHA-256 of the peer's certificate's public key
    /// (SubjectPublicKeyInfo), as `detente init --tls` prints it; the only
    /// certificate the node accepts from that peer.
    pub spki_sha256: Option<String>,
    /// The peer record's verifier key (C2SP vkey text).
    pub key: String,
}

/// A peer, resolved.
#[derive(Debug, Clone)]
pub struct Peer {
    pub party: Party,
    pub target: crate::client::Target,
    pub key: detente_log::keys::VerifierKey,
}

impl PeerFile {
    pub fn resolve(&self, own: &Party) -> Result<Peer, String> {
        if &self.party == own {
            return Err(format!("{} is this node's own party", self.party));
        }
        let target = crate::client::Target::parse(&self.url, self.spki_sha256.as_deref())?;
        let key = detente_log::keys::VerifierKey::parse(&self.key).map_err(|e| format!("key: {e}"))?;
        Ok(Peer { party: self.party.clone(), target, key })
    }
}

/// The node's certificate and its private key, as PEM files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    /// Mode 0600, the user's own, as every private key.
    pub key: PathBuf,
}

/// The API's tokens, kept as their SHA-256 only: a file that leaks gives
/// nobody a token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenHashes {
    /// Submits notifications and declarations, and reads everything.
    pub operator_sha256: String,
    /// Reads everything, writes nothing.
    pub observer_sha256: String,
}

impl std::fmt::Debug for TokenHashes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHashes { .. }")
    }
}

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Operator,
    Observer,
}

impl TokenHashes {
    /// The role of whoever holds `token`, compared in constant time with
    /// both hashes, so the timing says nothing about either.
    pub fn role(&self, token: &str) -> Option<Role> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let matches = |hex: &str| decode_hash(hex).is_some_and(|hash| bool::from(hash.ct_eq(&digest)));
        let (operator, observer) = (matches(&self.operator_sha256), matches(&self.observer_sha256));
        if operator {
            Some(Role::Operator)
        } else if observer {
            Some(Role::Observer)
        } else {
            None
        }
    }
}

/// The SHA-256 of a token, as the configuration keeps it.
pub fn token_hash(token: &str) -> String {
    crate::tls::hex(&Sha256::digest(token.as_bytes()))
}

fn decode_hash(hex: &str) -> Option<[u8; 32]> {
    crate::tls::parse_pin(hex).ok()
}

/// A configuration that cannot be used, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Syntax(String),
    #[error("field {field}: {message}")]
    Field { field: &'static str, message: String },
}

impl ConfigFile {
    /// Reads a configuration's text; `folder` is where its paths start.
    pub fn parse(text: &str, folder: &Path) -> Result<ConfigFile, ConfigError> {
        let mut config: ConfigFile =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(shortened(&e.to_string())))?;
        for (field, hex) in [
            ("tokens.operator_sha256", &config.tokens.operator_sha256),
            ("tokens.observer_sha256", &config.tokens.observer_sha256),
        ] {
            if decode_hash(hex).is_none() {
                let message = "the SHA-256 of a token, as 64 hexadecimal digits (`detente init` writes them)".into();
                return Err(ConfigError::Field { field, message });
            }
        }
        if config.tokens.operator_sha256.eq_ignore_ascii_case(&config.tokens.observer_sha256) {
            let message = "the observer's token must differ from the operator's".into();
            return Err(ConfigError::Field { field: "tokens.observer_sha256", message });
        }
        if !config.listen.ip().is_loopback() && config.tls.is_none() {
            let message = format!(
                "{} is not a loopback address: serving beyond this machine needs TLS (the [tls] section)",
                config.listen
            );
            return Err(ConfigError::Field { field: "listen", message });
        }
        for (i, peer) in config.peers.iter().enumerate() {
            peer.resolve(&config.party).map_err(|message| ConfigError::Field { field: "peers", message })?;
            if config.peers[..i].iter().any(|p| p.party == peer.party) {
                let message = format!("{} is listed twice", peer.party);
                return Err(ConfigError::Field { field: "peers", message });
            }
        }
        config.key = folder.join(&config.key);
        if let Some(tls) = &mut config.tls {
            (tls.certificate, tls.key) = (folder.join(&tls.certificate), folder.join(&tls.key));
        }
        config.treaties = config.treaties.iter().map(|t| folder.join(t)).collect();
        config.declaration = config.declaration.map(|d| folder.join(d));
        config.policy = config.policy.map(|p| folder.join(p));
        config.witness_key = config.witness_key.map(|k| folder.join(k));
        if let Some(path) = config.store.strip_prefix("sqlite:") {
            config.store = format!("sqlite:{}", folder.join(path).display());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(extra: &str) -> String {
        format!(
            "party = \"US\"\nlisten = \"127.0.0.1:7401\"\nkey = \"us.key\"\nstore = \"sqlite:us.db\"\ntreaty = \"new-start\"\n{extra}\n[tokens]\noperator_sha256 = \"{}\"\nobserver_sha256 = \"{}\"\n",
            token_hash("op"),
            token_hash("ob")
        )
    }

    #[test]
    fn paths_start_at_the_files_folder_and_tokens_give_roles() {
        let config = ConfigFile::parse(&file(""), Path::new("/etc/detente")).unwrap();
        assert_eq!(config.key, Path::new("/etc/detente/us.key"));
        assert_eq!(config.store, "sqlite:/etc/detente/us.db");
        assert_eq!(config.tokens.role("op"), Some(Role::Operator));
        assert_eq!(config.tokens.role("ob"), Some(Role::Observer));
        assert_eq!(config.tokens.role("op "), None);
        assert_eq!(format!("{:?}", config.tokens), "TokenHashes { .. }");
    }

    #[test]
    fn bad_files_name_the_field() {
        let outside = file("").replace("127.0.0.1:7401", "192.0.2.1:7401");
        assert!(matches!(ConfigFile::parse(&outside, Path::new(".")), Err(ConfigError::Field { field: "listen", .. })));
        let short = file("").replace(&token_hash("op"), "abcd");
        let error = ConfigFile::parse(&short, Path::new(".")).unwrap_err();
        assert!(matches!(error, ConfigError::Field { field: "tokens.operator_sha256", .. }), "{error}");
        let same = file("").replace(&token_hash("ob"), &token_hash("op"));
        assert!(ConfigFile::parse(&same, Path::new(".")).is_err());
        let unknown = ConfigFile::parse(&file("colour = \"red\""), Path::new(".")).unwrap_err().to_string();
        assert!(unknown.contains("colour"), "{unknown}");
    }

    #[test]
    fn beyond_loopback_needs_tls_and_peers_there_a_key_pin() {
        let tls = "[tls]\ncertificate = \"us.crt\"\nkey = \"us.tls.key\"\n";
        let outside = file(tls).replace("127.0.0.1:7401", "192.0.2.1:7401");
        let config = ConfigFile::parse(&outside, Path::new("/etc/detente")).unwrap();
        assert_eq!(config.tls.unwrap().key, Path::new("/etc/detente/us.tls.key"));
        let peer = |url: &str, pin: &str| {
            format!(
                "{}\n[[peers]]\nparty = \"RU\"\nurl = \"{url}\"\n{pin}key = \"{}\"\n",
                file(""),
                detente_log::keys::SigningKey::from_seed(
                    "ru.example/record",
                    detente_log::keys::Algorithm::Ed25519,
                    [1; 32]
                )
                .unwrap()
                .verifier()
            )
        };
        let pin = format!("spki_sha256 = \"{}\"\n", "ab".repeat(32));
        assert!(ConfigFile::parse(&peer("https://ru.example:7402", &pin), Path::new(".")).is_ok());
        for (url, pin, expected) in [
            ("https://ru.example:7402", String::new(), "needs the server's key pin"),
            ("http://192.0.2.2:7402", String::new(), "off loopback"),
            ("http://127.0.0.1:7402", pin.clone(), "needs https"),
            ("https://ru.example:7402", "spki_sha256 = \"abc\"\n".to_owned(), "64 hexadecimal digits"),
        ] {
            let error = ConfigFile::parse(&peer(url, &pin), Path::new(".")).unwrap_err();
            assert!(
                matches!(&error, ConfigError::Field { field: "peers", message } if message.contains(expected)),
                "{error}"
            );
        }
    }
}
