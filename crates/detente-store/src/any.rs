//! The store an [`Address`] names, whichever backend that is, so that tools
//! open one type and the rules are compiled once.

use detente_log::Hash;

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Address, Evidence, LogMeta, LogStore, StoreError, WitnessStore, WitnessedCheckpoint};

#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// Opens (creating an SQLite file if needed) the store at `address` and
    /// brings its schema up to date.
    pub async fn open(address: &Address) -> Result<AnyStore, StoreError> {
        Ok(match address {
            Address::Sqlite(path) => AnyStore::Sqlite(SqliteStore::open(path).await?),
            Address::Postgres(url) => AnyStore::Postgres(PgStore::open(url).await?),
        })
    }

    /// Opens the store at `address` for reading only: nothing is created or
    /// migrated, and the backend refuses every write.
    pub async fn open_read_only(address: &Address) -> Result<AnyStore, StoreError> {
        Ok(match address {
            Address::Sqlite(path) => AnyStore::Sqlite(SqliteStore::open_read_only(path).await?),
            Address::Postgres(url) => AnyStore::Postgres(PgStore::open_read_only(url).await?),
        })
    }
}

/// Calls the same method on whichever backend this is.
macro_rules! on_backend {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call,
            AnyStore::Postgres($store) => $call,
        }
    };
}

impl LogStore for AnyStore {
    async fn meta(&self) -> Result<Option<LogMeta>, StoreError> {
        on_backend!(self, s => s.meta().await)
    }
    async fn init(&self, meta: &LogMeta) -> Result<bool, StoreError> {
        on_backend!(self, s => s.init(meta).await)
    }
    async fn size(&self) -> Result<u64, StoreError> {
        on_backend!(self, s => s.size().await)
    }
    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        on_backend!(self, s => s.read_hashes(indexes).await)
    }
    async fn read_hash_range(&self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        on_backend!(self, s => s.read_hash_range(start, end).await)
    }
    async fn extent(&self) -> Result<crate::Extent, StoreError> {
        on_backend!(self, s => s.extent().await)
    }
    async fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        on_backend!(self, s => s.read_entries(start, end).await)
    }
    async fn append(&self, size: u64, entries: &[Vec<u8>], hashes: &[Hash]) -> Result<bool, StoreError> {
        on_backend!(self, s => s.append(size, entries, hashes).await)
    }
    async fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        on_backend!(self, s => s.checkpoint().await)
    }
    async fn swap_checkpoint(
        &self,
        old: Option<&str>,
        size: u64,
        note: &str,
        cosigners: &[String],
    ) -> Result<bool, StoreError> {
        on_backend!(self, s => s.swap_checkpoint(old, size, note, cosigners).await)
    }
    async fn cosigned_size(&self, witness: &str) -> Result<Option<u64>, StoreError> {
        on_backend!(self, s => s.cosigned_size(witness).await)
    }
    async fn record_cosigned(&self, witness: &str, size: u64) -> Result<(), StoreError> {
        on_backend!(self, s => s.record_cosigned(witness, size).await)
    }
    async fn put_document(&self, digest: &Hash, bytes: &[u8]) -> Result<(), StoreError> {
        on_backend!(self, s => s.put_document(digest, bytes).await)
    }
    async fn document(&self, digest: &Hash) -> Result<Option<Vec<u8>>, StoreError> {
        on_backend!(self, s => s.document(digest).await)
    }
}

impl WitnessStore for AnyStore {
    async fn witnessed(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>, StoreError> {
        on_backend!(self, s => s.witnessed(origin).await)
    }
    async fn swap_witnessed(
        &self,
        origin: &str,
        old: Option<u64>,
        new: &WitnessedCheckpoint,
    ) -> Result<bool, StoreError> {
        on_backend!(self, s => s.swap_witnessed(origin, old, new).await)
    }
    async fn keep_evidence(&self, evidence: &Evidence, fingerprint: &str) -> Result<bool, StoreError> {
        on_backend!(self, s => s.keep_evidence(evidence, fingerprint).await)
    }
    async fn evidence(&self) -> Result<Vec<Evidence>, StoreError> {
        on_backend!(self, s => s.evidence().await)
    }
}
