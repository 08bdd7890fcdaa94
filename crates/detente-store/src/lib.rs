//! The record kept on disk.
//!
//! [`Store`] is the one storage trait; [`sqlite::SqliteStore`] (the embedded
//! default) and [`postgres::PgStore`] implement it, each with its own
//! migrations, and one conformance suite (`tests/conformance.rs`) runs
//! against both. The store knows rows, not rules: every rule lives in
//! [`record`] (a party's log: append, checkpoint, prove, audit) and
//! [`witness`] (checking and cosigning other logs), written once over the
//! trait.
//!
//! Two writes are compare-and-swap, so concurrent writers and crashes can
//! never lose or fork anything: appending (on the tree size, in the same
//! transaction as the rows) and replacing a checkpoint (on its size).

use std::future::Future;

use detente_log::Hash;

pub mod postgres;
pub mod record;
pub mod sqlite;
pub mod witness;

/// Who keeps the log: its origin (the log key's name), its party and its
/// verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    pub origin: String,
    pub party: String,
    pub verifier_key: String,
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The checkpoint note with the witness's cosignature.
    pub note: String,
}

/// A checkpoint a witness was shown and refused as inconsistent, kept as
/// evidence of the log's misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub origin: String,
    /// Seconds since the epoch.
    pub received: u64,
    pub reason: String,
    /// The `add-checkpoint` request body, verbatim.
    pub request: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the store is missing {what} {index}")]
    Missing { what: &'static str, index: u64 },
    #[error("the store holds a malformed {0}")]
    Corrupt(&'static str),
    #[error("store address {0:?} is neither sqlite:PATH nor postgres://…")]
    Address(String),
}

/// Rows of a record, durable once a call returns `Ok`.
pub trait Store: Send + Sync {
    fn meta(&self) -> impl Future<Output = Result<Option<LogMeta>, StoreError>> + Send;
    /// Records who keeps the log, once. Returns `false` if it was already set.
    fn init(&self, meta: &LogMeta) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The number of entries.
    fn size(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Stored hashes, in the order asked; an absent index is an error.
    fn read_hashes(&self, indexes: &[u64]) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;
    /// Stored hashes `[start, end)`, for audits.
    fn read_hash_range(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;
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
    /// Replaces the checkpoint if the stored one still has size `old`
    /// (`None`: there is none). Returns `false` otherwise, writing nothing.
    fn swap_checkpoint(
        &self,
        old: Option<u64>,
        size: u64,
        note: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

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
    fn keep_evidence(&self, evidence: &Evidence) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn evidence(&self) -> impl Future<Output = Result<Vec<Evidence>, StoreError>> + Send;
}

/// The trait methods both backends write the same way: plain statements with
/// `$n` placeholders, which sqlx's SQLite driver accepts as PostgreSQL does.
/// Expanded inside each backend's `impl Store`, where `self.pool` is its pool.
/// Only reading scattered hashes and appending differ by dialect.
macro_rules! shared_queries {
    () => {
        async fn meta(&self) -> Result<Option<LogMeta>, StoreError> {
            let row: Option<(String, String, String)> =
                sqlx::query_as("SELECT origin, party, verifier_key FROM log_meta WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|(origin, party, verifier_key)| LogMeta { origin, party, verifier_key }))
        }

        async fn init(&self, meta: &LogMeta) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "INSERT INTO log_meta (id, origin, party, verifier_key) VALUES (1, $1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&meta.origin)
            .bind(&meta.party)
            .bind(&meta.verifier_key)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn size(&self) -> Result<u64, StoreError> {
            let (size,): (i64,) =
                sqlx::query_as("SELECT size FROM tree_size WHERE id = 1").fetch_one(&self.pool).await?;
            to_u64(size, "tree size")
        }

        async fn read_hash_range(&self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
            let rows: Vec<(i64, Vec<u8>)> =
                sqlx::query_as("SELECT idx, hash FROM hashes WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                    .bind(to_i64(start))
                    .bind(to_i64(end))
                    .fetch_all(&self.pool)
                    .await?;
            complete_range(start, end, rows, "stored hash")?.iter().map(|h| to_hash(h, "stored hash")).collect()
        }

        async fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
            let rows: Vec<(i64, Vec<u8>)> =
                sqlx::query_as("SELECT idx, data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                    .bind(to_i64(start))
                    .bind(to_i64(end))
                    .fetch_all(&self.pool)
                    .await?;
            complete_range(start, end, rows, "entry")
        }

        async fn checkpoint(&self) -> Result<Option<String>, StoreError> {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT note FROM latest_checkpoint WHERE id = 1").fetch_optional(&self.pool).await?;
            Ok(row.map(|(note,)| note))
        }

        async fn swap_checkpoint(&self, old: Option<u64>, size: u64, note: &str) -> Result<bool, StoreError> {
            let done = match old {
                None => {
                    sqlx::query(
                        "INSERT INTO latest_checkpoint (id, size, note) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(to_i64(size))
                    .bind(note)
                    .execute(&self.pool)
                    .await?
                }
                Some(old) => {
                    sqlx::query("UPDATE latest_checkpoint SET size = $1, note = $2 WHERE id = 1 AND size = $3")
                        .bind(to_i64(size))
                        .bind(note)
                        .bind(to_i64(old))
                        .execute(&self.pool)
                        .await?
                }
            };
            Ok(done.rows_affected() == 1)
        }

        async fn witnessed(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>, StoreError> {
            let row: Option<(i64, Vec<u8>, String)> =
                sqlx::query_as("SELECT size, root, note FROM witnessed WHERE origin = $1")
                    .bind(origin)
                    .fetch_optional(&self.pool)
                    .await?;
            row.map(|(size, root, note)| {
                Ok(WitnessedCheckpoint {
                    size: to_u64(size, "witnessed size")?,
                    root: to_hash(&root, "witnessed root")?,
                    note,
                })
            })
            .transpose()
        }

        async fn swap_witnessed(
            &self,
            origin: &str,
            old: Option<u64>,
            new: &WitnessedCheckpoint,
        ) -> Result<bool, StoreError> {
            let done = match old {
                None => sqlx::query(
                    "INSERT INTO witnessed (origin, size, root, note) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(origin)
                .bind(to_i64(new.size))
                .bind(&new.root.0[..])
                .bind(&new.note)
                .execute(&self.pool)
                .await?,
                Some(old) => {
                    sqlx::query("UPDATE witnessed SET size = $1, root = $2, note = $3 WHERE origin = $4 AND size = $5")
                        .bind(to_i64(new.size))
                        .bind(&new.root.0[..])
                        .bind(&new.note)
                        .bind(origin)
                        .bind(to_i64(old))
                        .execute(&self.pool)
                        .await?
                }
            };
            Ok(done.rows_affected() == 1)
        }

        async fn keep_evidence(&self, evidence: &Evidence) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO evidence (origin, received, reason, request) VALUES ($1, $2, $3, $4)")
                .bind(&evidence.origin)
                .bind(to_i64(evidence.received))
                .bind(&evidence.reason)
                .bind(&evidence.request)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn evidence(&self) -> Result<Vec<Evidence>, StoreError> {
            let rows: Vec<(String, i64, String, String)> =
                sqlx::query_as("SELECT origin, received, reason, request FROM evidence ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
            rows.into_iter()
                .map(|(origin, received, reason, request)| {
                    Ok(Evidence { origin, received: to_u64(received, "evidence time")?, reason, request })
                })
                .collect()
        }
    };
}
pub(crate) use shared_queries;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("sizes and indexes fit in a signed 64-bit column")
}

fn to_u64(n: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(what))
}

fn to_hash(bytes: &[u8], what: &'static str) -> Result<Hash, StoreError> {
    <[u8; 32]>::try_from(bytes).map(Hash).map_err(|_| StoreError::Corrupt(what))
}

/// Puts `rows` (index, value) into the order of `indexes`, failing on a gap.
fn in_order(indexes: &[u64], rows: Vec<(i64, Vec<u8>)>) -> Result<Vec<Hash>, StoreError> {
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for (index, hash) in rows {
        found.insert(to_u64(index, "hash index")?, to_hash(&hash, "stored hash")?);
    }
    indexes
        .iter()
        .map(|&index| found.get(&index).copied().ok_or(StoreError::Missing { what: "stored hash", index }))
        .collect()
}

/// Checks that a range read returned every row `[start, end)`, in order.
fn complete_range<T>(start: u64, end: u64, rows: Vec<(i64, T)>, what: &'static str) -> Result<Vec<T>, StoreError> {
    let mut values = Vec::with_capacity(rows.len());
    for (expected, (index, value)) in (start..).zip(rows) {
        if index != to_i64(expected) {
            return Err(StoreError::Missing { what, index: expected });
        }
        values.push(value);
    }
    let read = start + values.len() as u64;
    if read < end {
        return Err(StoreError::Missing { what, index: read });
    }
    Ok(values)
}
