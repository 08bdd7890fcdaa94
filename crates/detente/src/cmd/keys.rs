//! `detente keygen`: a new key pair, the private half readable by its owner only.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use detente_log::keys::{Algorithm, SigningKey};
use serde::Serialize;

use super::Context;
use crate::args::KeygenArgs;
use crate::error::Outcome;
use crate::inputs::fresh_seed;
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

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes a private key readable by its owner only, never replacing a file.
pub(super) fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
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
