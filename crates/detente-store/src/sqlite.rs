//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk when it returns. Writers take the lock up front
//! (`BEGIN IMMEDIATE`) and wait for one another; readers never block.

use std::path::Path;
use std::time::Duration;

use detente_log::Hash;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::{
    Evidence, LogMeta, LogStore, StoreError, WitnessStore, WitnessedCheckpoint, pages, to_hash, to_i64, to_u64,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

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

    /// Opens the store at `path` for reading only: a missing file is an error,
    /// not a new store, and every write is refused by SQLite itself.
    pub async fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_owned()));
        }
        let options = SqliteConnectOptions::new().filename(path).read_only(true).busy_timeout(Duration::from_secs(60));
        let pool = SqliteStore::pool_of(options).await?;
        let applied = sqlx::query_scalar(crate::APPLIED_MIGRATIONS).fetch_all(&pool).await;
        crate::check_schema(applied, &MIGRATOR)?;
        Ok(SqliteStore { pool })
    }

    async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        let pool = SqliteStore::pool_of(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    async fn pool_of(options: SqliteConnectOptions) -> Result<SqlitePool, StoreError> {
        // An embedded database's connections cannot drop: no ping before each use.
        Ok(SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(options).await?)
    }

    /// The pool, for tests that must reach behind the trait (to tamper with rows).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl LogStore for SqliteStore {
    crate::queries::log_queries!(begin_with("BEGIN IMMEDIATE"));

    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let pages = pages::pages_of(indexes);
        let mut rows = Vec::with_capacity(pages.len());
        for chunk in pages.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT page, data FROM hash_pages WHERE page IN (");
            let mut list = query.separated(", ");
            for &page in chunk {
                list.push_bind(to_i64(page));
            }
            query.push(")");
            rows.extend(query.build_query_as::<(i64, Vec<u8>)>().fetch_all(&self.pool).await?);
        }
        pages::pick_hashes(indexes, rows)
    }
}

impl WitnessStore for SqliteStore {
    crate::queries::witness_queries!();
}
