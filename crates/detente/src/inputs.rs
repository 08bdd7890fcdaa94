//! What users hand in besides declarations: key files (a private key must be
//! its owner's only), verifier keys as files or text, policies, documents
//! from a file or standard input; and fresh randomness for new keys.

use std::path::Path;

use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_log::policy::Policy;
use detente_store::signer::Signer;

use crate::{bad_input, data};

/// 32 bytes from the operating system's random source: a new key's seed.
pub fn fresh_seed() -> anyhow::Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("the operating system's random source failed: {e}"))?;
    Ok(seed)
}

/// Reads a private key file of the given kind (a log key signs, a witness
/// key cosigns), refusing one that others may read.
pub fn signing_key(path: &Path, algorithm: Algorithm) -> anyhow::Result<SigningKey> {
    let key = any_signing_key(path)?;
    if key.verifier().algorithm() != algorithm {
        return Err(bad_input!("{}: {}", path.display(), wrong_kind(algorithm)));
    }
    Ok(key)
}

/// The log key in `path`, with its signer state beside it
/// ([`Signer::state_beside`]).
pub fn signer(path: &Path) -> anyhow::Result<Signer> {
    Ok(Signer::new(signing_key(path, Algorithm::Ed25519)?, Signer::state_beside(path)))
}

fn wrong_kind(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Ed25519 => "expected a log key (type 0x01); this is a witness key",
        Algorithm::Cosignature => "expected a witness key (type 0x04, made with keygen --witness); this is a log key",
    }
}

fn any_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = String::from_utf8(private_file(path)?).map_err(|_| bad_input!("{}: not UTF-8 text", path.display()))?;
    SigningKey::parse(text.trim_end()).map_err(|e| bad_input!("{}: {e}", path.display()))
}

/// Reads a file holding a secret (a private key of any kind), refusing one
/// that is not the user's own or that others may read.
pub fn private_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let metadata = std::fs::metadata(path).map_err(|e| bad_input!("{}: {e}", path.display()))?;
    // Mode 0600 protects a key only if it is ours: another user's file
    // is readable and replaceable by that user.
    let user = rustix::process::geteuid().as_raw();
    if metadata.uid() != user {
        return Err(bad_input!(
            "{}: a private key must belong to the user who uses it (uid {user}), but it belongs to uid {}",
            path.display(),
            metadata.uid()
        ));
    }
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(bad_input!(
            "{}: a private key must be readable by its owner only (chmod 600), but its mode is {:o}",
            path.display(),
            mode & 0o777
        ));
    }
    std::fs::read(path).map_err(|e| bad_input!("{}: {e}", path.display()))
}

/// Reads verifier keys of the given kind, each as text or a file's path.
pub fn verifier_keys(texts: &[String], algorithm: Algorithm) -> anyhow::Result<Vec<VerifierKey>> {
    texts
        .iter()
        .map(|text| {
            let key = verifier_key(text)?;
            if key.algorithm() != algorithm {
                return Err(bad_input!("{text}: {}", wrong_kind(algorithm)));
            }
            Ok(key)
        })
        .collect()
}

/// Reads a verifier key given as text or as the path of a file holding it.
pub fn verifier_key(text_or_path: &str) -> anyhow::Result<VerifierKey> {
    let path = Path::new(text_or_path);
    let (text, origin) = if path.is_file() {
        (data::read_text(path)?, path.display().to_string())
    } else {
        (text_or_path.to_string(), "verifier key".to_string())
    };
    VerifierKey::parse(text.trim()).map_err(|e| bad_input!("{origin}: {e}"))
}

pub fn policy(path: &Path) -> anyhow::Result<Policy> {
    Policy::parse(&data::read_text(path)?).map_err(|e| bad_input!("{}: {e}", path.display()))
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| bad_input!("{}: {e}", path.display()))
}

pub fn read_input_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(read_input(path)?).map_err(|_| bad_input!("{}: not UTF-8 text", path.display()))
}

/// A TLS acceptor serving the PEM certificate chain in `certificate` with
/// the private key in `key` (mode 0600, the user's own).
pub fn tls_acceptor(certificate: &Path, key: &Path) -> anyhow::Result<detente_node::tls::TlsAcceptor> {
    let chain = std::fs::read(certificate).map_err(|e| bad_input!("{}: {e}", certificate.display()))?;
    let private = private_file(key)?;
    detente_node::tls::acceptor(&chain, &private)
        .map_err(|e| bad_input!("{} and {}: {e}", certificate.display(), key.display()))
}
