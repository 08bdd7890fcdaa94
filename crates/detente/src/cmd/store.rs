//! Store addresses, and running a command against whichever backend one names.

use detente_store::record::RecordError;
use detente_store::{Address, StoreError};

use crate::bad_input;

/// Reads `--store`; a bad address is bad input.
pub fn address(text: &str) -> anyhow::Result<Address> {
    Address::parse(text).map_err(|e| bad_input!("--store: {e}"))
}

/// Opens the store at an address and evaluates `$body` with it bound to
/// `$store`, monomorphised for each backend.
macro_rules! with_store {
    ($address:expr, |$store:ident| $body:expr) => {
        match $crate::cmd::store::address($address)? {
            detente_store::Address::Sqlite(path) => {
                let $store = detente_store::sqlite::SqliteStore::open(&path)
                    .await
                    .map_err(|e| $crate::cmd::store::store_error(e, &path.display().to_string()))?;
                $body
            }
            detente_store::Address::Postgres(url) => {
                let $store = detente_store::postgres::PgStore::open(&url)
                    .await
                    .map_err(|e| $crate::cmd::store::store_error(e, "the PostgreSQL store"))?;
                $body
            }
        }
    };
}
pub(crate) use with_store;

pub fn store_error(error: StoreError, store: &str) -> anyhow::Error {
    anyhow::Error::new(error).context(format!("opening {store}"))
}

/// Record errors the user can fix by giving something else are bad input.
pub fn record_error(error: RecordError) -> anyhow::Error {
    match error {
        RecordError::NotInitialised
        | RecordError::AlreadyInitialised(_)
        | RecordError::WrongKey { .. }
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
