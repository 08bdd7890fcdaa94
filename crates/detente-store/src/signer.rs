//! The signer, and its memory of what it signed, kept outside the store.
//!
//! A party's operator controls its store: it can restore an older copy of
//! it, or edit its rows. So the signer does not take the store's word for
//! what it signed last. It keeps the last checkpoint it signed in a small
//! file of its own beside its key (as Sunlight's lock backend keeps the
//! latest checkpoint outside the database), replaced atomically and
//! durably before any checkpoint reaches the store, and [`Record`] signs
//! only trees that extend it. A store restored behind it is refused.
//!
//! The file is on the operator's disk too. An operator who rolls back both
//! the store and this file is caught by the witnesses and peers, who
//! remember the newest checkpoint they cosigned (docs/threat-model.md).
//!
//! [`Record`]: crate::record::Record

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use detente_log::checkpoint::SignedCheckpoint;
use detente_log::keys::SigningKey;

/// How often a signer waiting for the lock tries again.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// A log key with the file that remembers the last checkpoint it signed.
pub struct Signer {
    key: SigningKey,
    state: PathBuf,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("key", self.key.verifier()).field("state", &self.state).finish()
    }
}

/// The signer state could not be read or written; the path is named.
#[derive(Debug, thiserror::Error)]
#[error("signer state {}: {problem}", path.display())]
pub struct SignerError {
    pub path: PathBuf,
    pub problem: String,
}

/// Held while a checkpoint is made, so that two processes signing with the
/// same key take turns and the state never moves back.
#[derive(Debug)]
pub struct SignerLock {
    _file: File,
}

impl Signer {
    /// The signer of `key`, remembering what it signed in `state`.
    pub fn new(key: SigningKey, state: PathBuf) -> Signer {
        Signer { key, state }
    }

    /// Where the state of the key kept at `key_file` lives: beside it, as
    /// `<key file>.signed`.
    pub fn state_beside(key_file: &Path) -> PathBuf {
        let mut name = key_file.as_os_str().to_owned();
        name.push(".signed");
        PathBuf::from(name)
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    pub fn state(&self) -> &Path {
        &self.state
    }

    fn error(&self, problem: impl std::fmt::Display) -> SignerError {
        SignerError { path: self.state.clone(), problem: problem.to_string() }
    }

    /// Takes the signer's lock (a `.lock` file beside the state), waiting
    /// for another process (or task) that holds it without blocking the
    /// runtime's thread: the wait is a poll with pauses.
    pub async fn lock(&self) -> Result<SignerLock, SignerError> {
        let mut path = self.state.as_os_str().to_owned();
        path.push(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.error(format!("its lock file cannot be opened: {e}")))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(SignerLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => tokio::time::sleep(LOCK_POLL).await,
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(self.error(format!("its lock cannot be taken: {e}")));
                }
            }
        }
    }

    /// The last checkpoint this key signed, as the state remembers it: `None`
    /// if it has signed none. A state that is not a checkpoint signed by this
    /// key is an error, never read as "nothing signed".
    pub fn last_signed(&self) -> Result<Option<SignedCheckpoint>, SignerError> {
        let text = match std::fs::read_to_string(&self.state) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        SignedCheckpoint::open(&text, self.key.verifier(), &[])
            .map(Some)
            .map_err(|e| self.error(format!("it is not a checkpoint signed by {}: {e}", self.key.name())))
    }

    /// Replaces the state with `note`, atomically and durably: the new
    /// content is written and synced under a temporary name, renamed over
    /// the old, and the directory synced, so that after a crash or a power
    /// cut the file holds either the old note or the new one, whole.
    pub fn remember(&self, note: &str) -> Result<(), SignerError> {
        let mut temporary = self.state.as_os_str().to_owned();
        temporary.push(".new");
        let temporary = PathBuf::from(temporary);
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&temporary)?;
            file.write_all(note.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.state)?;
            let directory = match self.state.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            File::open(directory)?.sync_all()
        };
        write().map_err(|e| self.error(format!("it cannot be written: {e}")))
    }
}
