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
    crate::shared_queries!();

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
}
