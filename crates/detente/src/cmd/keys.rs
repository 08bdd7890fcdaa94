//! `detente keygen`, and reading keys and policies from files.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_log::policy::Policy;

use serde::Serialize;

use super::Context;
use crate::args::KeygenArgs;
use crate::error::Outcome;
use crate::{bad_input, data};

/// What `keygen` made.
#[derive(Serialize)]
struct Made {
    verifier_key: String,
    private_key_file: String,
    public_key_file: String,
}

pub fn keygen(args: KeygenArgs, context: &Context) -> anyhow::Result<Outcome> {
    let algorithm = if args.witness { Algorithm::Cosignature } else { Algorithm::Ed25519 };
    let key = SigningKey::from_seed(&args.name, algorithm, fresh_seed()?).map_err(|e| bad_input!("--name: {e}"))?;
    let private = with_suffix(&args.out, "key");
    let public = with_suffix(&args.out, "vkey");
    if public.exists() {
        return Err(bad_input!("{} already exists; keys are never overwritten", public.display()));
    }
    write_private(&private, &format!("{}\n", key.to_private_text()))?;
    data::write_atomically(&public, |out| writeln!(out, "{}", key.verifier()))?;
    let made = Made {
        verifier_key: key.verifier().to_string(),
        private_key_file: private.display().to_string(),
        public_key_file: public.display().to_string(),
    };
    context.out.result(&made, |made| format!("{}\n", made.verifier_key))?;
    context.out.note(&format!(
        "private key: {} (keep it secret)\npublic key:  {}",
        private.display(),
        public.display()
    ));
    Ok(Outcome::Done)
}

/// 32 bytes from the operating system's random source: a new key's seed.
pub fn fresh_seed() -> anyhow::Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("the operating system's random source failed: {e}"))?;
    Ok(seed)
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes a private key readable by its owner only, never replacing a file.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    // A temporary file is created with mode 0600 and stays so.
    let mut temporary =
        tempfile::NamedTempFile::new_in(folder).with_context(|| format!("writing in {}", folder.display()))?;
    temporary.write_all(text.as_bytes()).and_then(|()| temporary.as_file().sync_all())?;
    temporary
        .persist_noclobber(path)
        .map_err(|e| bad_input!("{}: {}; keys are never overwritten", path.display(), e.error))?;
    Ok(())
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

fn wrong_kind(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Ed25519 => "expected a log key (type 0x01); this is a witness key",
        Algorithm::Cosignature => "expected a witness key (type 0x04, made with keygen --witness); this is a log key",
    }
}

fn any_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_err(|e| bad_input!("{}: {e}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(bad_input!(
                "{}: a private key must be readable by its owner only (chmod 600), but its mode is {:o}",
                path.display(),
                mode & 0o777
            ));
        }
    }
    let text = data::read_text(path)?;
    SigningKey::parse(text.trim_end()).map_err(|e| bad_input!("{}: {e}", path.display()))
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
