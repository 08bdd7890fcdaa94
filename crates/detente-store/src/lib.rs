//! The record kept on disk.
//!
//! Storage is split by who owns the rows: [`LogStore`] holds a party's own
//! log, [`WitnessStore`] what a witness keeps of the logs it follows.
//! [`sqlite::SqliteStore`] (the embedded default) and [`postgres::PgStore`]
//! implement both, each with its own migrations, and one conformance suite
//! (`tests/conformance.rs`) runs against both; [`AnyStore`] is whichever an
//! [`Address`] names. The stores know rows, not rules: every rule lives in
//! [`record`] (a party's log: append, checkpoint, prove, audit) and
//! [`witness`] (checking and cosigning other logs), written once over the
//! traits.
//!
//! Two writes are compare-and-swap, so concurrent writers and crashes can
//! never lose or fork anything: appending (on the tree size, in the same
//! transaction as the rows) and replacing a checkpoint (on its size).

use std::future::Future;

use detente_log::Hash;

pub mod admission;
mod any;
mod pages;
pub mod postgres;
mod queries;
pub mod record;
pub mod signer;
pub mod sqlite;
pub mod witness;

pub use any::AnyStore;

/// Where a store is: `sqlite:PATH` (or `sqlite://PATH`, or a plain path)
/// or `postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Address {
    pub fn parse(text: &str) -> Result<Address, StoreError> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Address::Postgres(text.into()));
        }
        let path = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")).unwrap_or(text);
        if path.is_empty() {
            return Err(StoreError::Address(text.into()));
        }
        Ok(Address::Sqlite(path.into()))
    }
}

/// Who keeps the log: its origin (the log key's name), its party and its
/// verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    pub origin: String,
    pub party: String,
    pub verifier_key: String,
}

/// How far a log's rows reach, whatever its size says: the entries its
/// bundles hold and the hashes its pages hold, read with the size in one
/// snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub size: u64,
    pub entries: u64,
    pub hashes: u64,
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The checkpoint note with the witness's cosignature.
    pub note: String,
}

/// A fork a witness was shown, kept as evidence of the log's misbehaviour:
/// the request that contradicts what it cosigned, and that cosigned note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub origin: String,
    /// Seconds since the epoch.
    pub received: u64,
    pub reason: String,
    /// The `add-checkpoint` request body, verbatim.
    pub request: String,
    /// The checkpoint note the witness had cosigned, which the request contradicts.
    pub cosigned: String,
}

/// Forks kept per log at most. The first is kept for good; the same fork
/// shown again is not kept twice; past this, more are not kept at all, so a
/// flood of requests costs the witness nothing durable. (Rows kept before
/// migration 0003, which could be a client's wrong proofs, do not count
/// against it. On PostgreSQL, requests racing at the cap can each add one.)
pub const MAX_EVIDENCE_PER_LOG: u64 = 16;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the store is missing {what} {index}")]
    Missing { what: &'static str, index: u64 },
    #[error("the row holding {what} {index} cannot be read: its framing is damaged")]
    Damaged { what: &'static str, index: u64 },
    #[error("the store holds a malformed {0}")]
    Corrupt(&'static str),
    #[error("store address {0:?} is neither sqlite:PATH, a path, nor postgres://…")]
    Address(String),
    #[error("no store at {0}: opening a store only to read it creates nothing")]
    NotFound(std::path::PathBuf),
    #[error("not a detente store: it has no table of applied migrations")]
    NotAStore,
    #[error("the store's schema is not this version's: {0}")]
    Schema(String),
}

/// Checks, for a store opened read-only (which cannot migrate), that the
/// migrations applied are exactly those this version would apply.
fn check_schema(applied: Result<Vec<i64>, sqlx::Error>, migrator: &sqlx::migrate::Migrator) -> Result<(), StoreError> {
    let applied = applied.map_err(|_| StoreError::NotAStore)?;
    let expected: Vec<i64> =
        migrator.iter().filter(|m| m.migration_type.is_up_migration()).map(|m| m.version).collect();
    let found = format!("migrations {applied:?} applied, {expected:?} expected");
    if applied == expected {
        Ok(())
    } else if expected.starts_with(&applied) {
        Err(StoreError::Schema(format!(
            "{found}; it is older, and a command that writes to it, such as `detente log append`, brings it up to date"
        )))
    } else {
        Err(StoreError::Schema(format!("{found}; another version of detente wrote it")))
    }
}

/// The applied migrations' versions, as both backends list them.
const APPLIED_MIGRATIONS: &str = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";

/// A party's log: its entries, the stored hashes of its tree and its
/// latest checkpoint, durable once a call returns `Ok`.
pub trait LogStore: Send + Sync {
    fn meta(&self) -> impl Future<Output = Result<Option<LogMeta>, StoreError>> + Send;
    /// Records who keeps the log, once. Returns `false` if it was already set.
    fn init(&self, meta: &LogMeta) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The number of entries.
    fn size(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Stored hashes, in the order asked; an absent index is an error.
    fn read_hashes(&self, indexes: &[u64]) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;
    /// Stored hashes `[start, end)`, for audits.
    fn read_hash_range(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;
    /// How far the rows reach, read from the last bundle and the last page.
    fn extent(&self) -> impl Future<Output = Result<Extent, StoreError>> + Send;
    /// Entries `[start, end)`.
    fn read_entries(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<Vec<u8>>, StoreError>> + Send;
    /// Appends entries at `size` with the stored hashes they add, in one
    /// durable transaction, if the log still has `size` entries. Returns
    /// `false`, having written nothing, if another writer moved it.
    fn append(
        &self,
        size: u64,
        entries: &[Vec<u8>],
        hashes: &[Hash],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The latest signed checkpoint.
    fn checkpoint(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Replaces the checkpoint if the stored one is still exactly `old`
    /// (`None`: there is none), so that neither a newer checkpoint nor a
    /// cosignature added meanwhile is lost, and notes in the same
    /// transaction that `cosigners` (verifier keys) cosigned a checkpoint of
    /// `size`. Returns `false` otherwise, writing nothing.
    fn swap_checkpoint(
        &self,
        old: Option<&str>,
        size: u64,
        note: &str,
        cosigners: &[String],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The size of the latest checkpoint that `witness` (its verifier key)
    /// cosigned, so the next request to it can start from there.
    fn cosigned_size(&self, witness: &str) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;
    /// Notes that `witness` cosigned a checkpoint of `size`; never moves back.
    fn record_cosigned(&self, witness: &str, size: u64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Keeps the bytes of a document an entry records by digest, durably;
    /// keeping the same document again changes nothing.
    fn put_document(&self, digest: &Hash, bytes: &[u8]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The bytes kept under `digest`, as stored: the caller checks them
    /// against the digest, since the operator can change any row.
    fn document(&self, digest: &Hash) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
}

/// What a witness keeps of the logs it follows.
pub trait WitnessStore: Send + Sync {
    /// What this witness last cosigned for `origin`.
    fn witnessed(&self, origin: &str) -> impl Future<Output = Result<Option<WitnessedCheckpoint>, StoreError>> + Send;
    /// Records a cosigned checkpoint if the last one for `origin` still has
    /// size `old` (`None`: there is none). Returns `false` otherwise.
    fn swap_witnessed(
        &self,
        origin: &str,
        old: Option<u64>,
        new: &WitnessedCheckpoint,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Keeps a fork unless the same one (by `fingerprint`) is kept, or the
    /// log has [`MAX_EVIDENCE_PER_LOG`] already. Returns whether it was kept.
    fn keep_evidence(
        &self,
        evidence: &Evidence,
        fingerprint: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn evidence(&self) -> impl Future<Output = Result<Vec<Evidence>, StoreError>> + Send;
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("sizes and indexes fit in a signed 64-bit column")
}

fn to_u64(n: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(what))
}

fn to_hash(bytes: &[u8], what: &'static str) -> Result<Hash, StoreError> {
    <[u8; 32]>::try_from(bytes).map(Hash).map_err(|_| StoreError::Corrupt(what))
}
