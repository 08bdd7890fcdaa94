//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk when it returns. Writers take the lock up front
//! (`BEGIN IMMEDIATE`) and wait for one another; readers never block.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use detente_log::Hash;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::{
    Evidence, LogMeta, Store, StoreError, WitnessedCheckpoint, complete_range, in_order, to_hash, to_i64, to_u64,
};

/// SQLite allows 32,766 bound parameters per statement; stay well below.
const ROWS_PER_STATEMENT: usize = 8_000;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(60));
        SqliteStore::connect(options).await
    }

    /// Opens a `sqlite:` address.
    pub async fn open_address(address: &str) -> Result<SqliteStore, StoreError> {
        let path = address.strip_prefix("sqlite:").ok_or_else(|| StoreError::Address(address.into()))?;
        // Accept sqlite:PATH and sqlite://PATH alike.
        let path = path.strip_prefix("//").unwrap_or(path);
        let _ = SqliteConnectOptions::from_str(address)?;
        SqliteStore::open(Path::new(path)).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// The pool, for tests that must reach behind the trait (to tamper with rows).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl Store for SqliteStore {
    async fn meta(&self) -> Result<Option<LogMeta>, StoreError> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT origin, party, verifier_key FROM log_meta WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(origin, party, verifier_key)| LogMeta { origin, party, verifier_key }))
    }

    async fn init(&self, meta: &LogMeta) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO log_meta (id, origin, party, verifier_key) VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&meta.origin)
        .bind(&meta.party)
        .bind(&meta.verifier_key)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn size(&self) -> Result<u64, StoreError> {
        let (size,): (i64,) = sqlx::query_as("SELECT size FROM tree_size WHERE id = 1").fetch_one(&self.pool).await?;
        to_u64(size, "tree size")
    }

    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let mut rows = Vec::with_capacity(indexes.len());
        for chunk in indexes.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT idx, hash FROM hashes WHERE idx IN (");
            let mut list = query.separated(", ");
            for &index in chunk {
                list.push_bind(to_i64(index));
            }
            query.push(")");
            rows.extend(query.build_query_as::<(i64, Vec<u8>)>().fetch_all(&self.pool).await?);
        }
        in_order(indexes, rows)
    }

    async fn read_hash_range(&self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT idx, hash FROM hashes WHERE idx >= ? AND idx < ? ORDER BY idx")
                .bind(to_i64(start))
                .bind(to_i64(end))
                .fetch_all(&self.pool)
                .await?;
        complete_range(start, end, rows, "stored hash")?.iter().map(|h| to_hash(h, "stored hash")).collect()
    }

    async fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx")
                .bind(to_i64(start))
                .bind(to_i64(end))
                .fetch_all(&self.pool)
                .await?;
        complete_range(start, end, rows, "entry")
    }

    async fn append(&self, size: u64, entries: &[Vec<u8>], hashes: &[Hash]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let moved = sqlx::query("UPDATE tree_size SET size = ? WHERE id = 1 AND size = ?")
            .bind(to_i64(size + entries.len() as u64))
            .bind(to_i64(size))
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        for (chunk_index, chunk) in entries.chunks(ROWS_PER_STATEMENT).enumerate() {
            let first = size + (chunk_index * ROWS_PER_STATEMENT) as u64;
            let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO entries (idx, data) ");
            query.push_values(chunk.iter().enumerate(), |mut row, (i, data)| {
                row.push_bind(to_i64(first + i as u64)).push_bind(data.as_slice());
            });
            query.build().execute(&mut *tx).await?;
        }
        let first_hash = detente_log::tree::stored_hash_count(size);
        for (chunk_index, chunk) in hashes.chunks(ROWS_PER_STATEMENT).enumerate() {
            let first = first_hash + (chunk_index * ROWS_PER_STATEMENT) as u64;
            let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO hashes (idx, hash) ");
            query.push_values(chunk.iter().enumerate(), |mut row, (i, hash)| {
                row.push_bind(to_i64(first + i as u64)).push_bind(&hash.0[..]);
            });
            query.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT note FROM latest_checkpoint WHERE id = 1").fetch_optional(&self.pool).await?;
        Ok(row.map(|(note,)| note))
    }

    async fn swap_checkpoint(&self, old: Option<u64>, size: u64, note: &str) -> Result<bool, StoreError> {
        let done = match old {
            None => {
                sqlx::query("INSERT INTO latest_checkpoint (id, size, note) VALUES (1, ?, ?) ON CONFLICT DO NOTHING")
                    .bind(to_i64(size))
                    .bind(note)
                    .execute(&self.pool)
                    .await?
            }
            Some(old) => {
                sqlx::query("UPDATE latest_checkpoint SET size = ?, note = ? WHERE id = 1 AND size = ?")
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
            sqlx::query_as("SELECT size, root, note FROM witnessed WHERE origin = ?")
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
            None => {
                sqlx::query(
                    "INSERT INTO witnessed (origin, size, root, note) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(origin)
                .bind(to_i64(new.size))
                .bind(&new.root.0[..])
                .bind(&new.note)
                .execute(&self.pool)
                .await?
            }
            Some(old) => {
                sqlx::query("UPDATE witnessed SET size = ?, root = ?, note = ? WHERE origin = ? AND size = ?")
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
        sqlx::query("INSERT INTO evidence (origin, received, reason, request) VALUES (?, ?, ?, ?)")
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
}
