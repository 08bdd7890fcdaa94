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

mod pages;
pub mod postgres;
pub mod record;
pub mod sqlite;
pub mod witness;

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
    #[error("the row holding {what} {index} cannot be read: its framing is damaged")]
    Damaged { what: &'static str, index: u64 },
    #[error("the store holds a malformed {0}")]
    Corrupt(&'static str),
    #[error("store address {0:?} is neither sqlite:PATH, a path, nor postgres://…")]
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
    /// Replaces the checkpoint if the stored one is still exactly `old`
    /// (`None`: there is none), so that neither a newer checkpoint nor a
    /// cosignature added meanwhile is lost. Returns `false` otherwise,
    /// writing nothing.
    fn swap_checkpoint(
        &self,
        old: Option<&str>,
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
/// Expanded inside each backend's `impl Store`, where `self.pool` is its
/// pool; the tokens given are the call that opens a write transaction. Only
/// reading scattered hash pages differs by dialect.
macro_rules! shared_queries {
    ($($begin:tt)*) => {
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
            if start >= end {
                return Ok(Vec::new());
            }
            let (first, last) = $crate::pages::rows(start, end, $crate::pages::PAGE);
            let rows: Vec<(i64, Vec<u8>)> =
                sqlx::query_as("SELECT page, data FROM hash_pages WHERE page >= $1 AND page <= $2 ORDER BY page")
                    .bind(to_i64(first))
                    .bind(to_i64(last))
                    .fetch_all(&self.pool)
                    .await?;
            $crate::pages::items(start, end, $crate::pages::PAGE, first, rows, $crate::pages::decode_hashes, "stored hash")
        }

        async fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
            if start >= end {
                return Ok(Vec::new());
            }
            let (first, last) = $crate::pages::rows(start, end, $crate::pages::BUNDLE);
            let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT bundle, data FROM entry_bundles WHERE bundle >= $1 AND bundle <= $2 ORDER BY bundle",
            )
            .bind(to_i64(first))
            .bind(to_i64(last))
            .fetch_all(&self.pool)
            .await?;
            $crate::pages::items(start, end, $crate::pages::BUNDLE, first, rows, $crate::pages::decode_entries, "entry")
        }

        async fn append(&self, size: u64, entries: &[Vec<u8>], hashes: &[Hash]) -> Result<bool, StoreError> {
            let mut tx = self.pool.$($begin)*.await?;
            // The tree size moves first: it is the lock, and the check that
            // no other writer appended since `size` was read.
            let moved = sqlx::query("UPDATE tree_size SET size = $1 WHERE id = 1 AND size = $2")
                .bind(to_i64(size + entries.len() as u64))
                .bind(to_i64(size))
                .execute(&mut *tx)
                .await?;
            if moved.rows_affected() != 1 {
                return Ok(false);
            }
            let (bundle, offset) = $crate::pages::locate(size, $crate::pages::BUNDLE);
            let existing = match offset {
                0 => None,
                _ => Some(
                    sqlx::query_as::<_, (Vec<u8>,)>("SELECT data FROM entry_bundles WHERE bundle = $1")
                        .bind(to_i64(bundle))
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::Missing { what: "entry", index: bundle * $crate::pages::BUNDLE })?
                        .0,
                ),
            };
            // The partial row must hold exactly the items the size says, or
            // the append would bury entries where no index can reach them.
            if let Some(data) = &existing {
                if $crate::pages::decode_entries(bundle, data)?.len() != offset {
                    return Err(StoreError::Damaged { what: "entry", index: size });
                }
            }
            let bundles = $crate::pages::rows_after_append(size, $crate::pages::BUNDLE, existing, entries.iter().map(Vec::as_slice), |bytes, entry| {
                $crate::pages::encode_entries(bytes, [entry])
            });
            for (bundle, data) in bundles {
                sqlx::query(
                    "INSERT INTO entry_bundles (bundle, data) VALUES ($1, $2) ON CONFLICT (bundle) DO UPDATE SET data = excluded.data",
                )
                .bind(to_i64(bundle))
                .bind(data)
                .execute(&mut *tx)
                .await?;
            }
            let first_hash = detente_log::tree::stored_hash_count(size);
            let (page, offset) = $crate::pages::locate(first_hash, $crate::pages::PAGE);
            let existing = match offset {
                0 => None,
                _ => Some(
                    sqlx::query_as::<_, (Vec<u8>,)>("SELECT data FROM hash_pages WHERE page = $1")
                        .bind(to_i64(page))
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::Missing { what: "stored hash", index: page * $crate::pages::PAGE })?
                        .0,
                ),
            };
            if existing.as_ref().is_some_and(|data| data.len() != offset * 32) {
                return Err(StoreError::Damaged { what: "stored hash", index: first_hash });
            }
            let pages = $crate::pages::rows_after_append(first_hash, $crate::pages::PAGE, existing, hashes.iter().map(|h| &h.0[..]), |bytes, hash| {
                bytes.extend_from_slice(hash)
            });
            for (page, data) in pages {
                sqlx::query(
                    "INSERT INTO hash_pages (page, data) VALUES ($1, $2) ON CONFLICT (page) DO UPDATE SET data = excluded.data",
                )
                .bind(to_i64(page))
                .bind(data)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }

        async fn checkpoint(&self) -> Result<Option<String>, StoreError> {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT note FROM latest_checkpoint WHERE id = 1").fetch_optional(&self.pool).await?;
            Ok(row.map(|(note,)| note))
        }

        async fn swap_checkpoint(&self, old: Option<&str>, size: u64, note: &str) -> Result<bool, StoreError> {
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
                    sqlx::query("UPDATE latest_checkpoint SET size = $1, note = $2 WHERE id = 1 AND note = $3")
                        .bind(to_i64(size))
                        .bind(note)
                        .bind(old)
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
