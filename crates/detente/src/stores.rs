//! Opening stores, and which record errors are the user's to fix.

use detente_store::record::{Record, RecordError};
use detente_store::{Address, AnyStore, StoreError};

use crate::bad_input;

pub async fn open_store(address: &Address) -> anyhow::Result<AnyStore> {
    AnyStore::open(address).await.map_err(|e| opening(address, e))
}

/// The record a store holds.
pub async fn open_record(address: &Address) -> anyhow::Result<Record<AnyStore>> {
    Record::open(open_store(address).await?).await.map_err(record_error)
}

/// The record a store holds, opened for reading only: the commands that only
/// read (show, prove, verify) create nothing and change nothing they read.
pub async fn open_record_read_only(address: &Address) -> anyhow::Result<Record<AnyStore>> {
    let store = AnyStore::open_read_only(address).await.map_err(|e| opening(address, e))?;
    Record::open(store).await.map_err(record_error)
}

fn opening(address: &Address, error: StoreError) -> anyhow::Error {
    let name = match address {
        Address::Sqlite(path) => path.display().to_string(),
        Address::Postgres(_) => "the PostgreSQL store".to_owned(),
    };
    match error {
        StoreError::NotFound(_) | StoreError::NotAStore | StoreError::Schema(_) => {
            bad_input!("opening {name}: {error}")
        }
        other => anyhow::Error::new(other).context(format!("opening {name}")),
    }
}

/// Record errors the user can fix by giving something else are bad input.
pub fn record_error(error: RecordError) -> anyhow::Error {
    match error {
        RecordError::NotInitialised
        | RecordError::AlreadyInitialised(_)
        | RecordError::WrongKey { .. }
        | RecordError::Refused { .. }
        | RecordError::Rejected { .. }
        | RecordError::NoCheckpoint
        | RecordError::NotCovered { .. }
        | RecordError::Proof(_)
        | RecordError::Cosignature(_) => bad_input!("{error}"),
        other => anyhow::Error::new(other),
    }
}

/// A single-threaded runtime: each command is one client of its store.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// A runtime with a worker per core, for a server: signatures are checked
/// and requests read on one core while the sequencer signs and records on
/// another.
pub fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Completes at the first SIGINT (Ctrl-C), SIGTERM or SIGHUP (the
/// terminal closed) from now on. The handlers are in place when this
/// returns, so a server that then prints where it listens cannot be killed
/// by a signal sent the moment that line is read. Called within a runtime.
pub fn interrupted() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
        }
    })
}
