//! PostgreSQL, for larger deployments. The tree-size row is the lock: a
//! second appender waits on it, then finds the size moved.

use detente_log::Hash;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{
    Evidence, LogMeta, LogStore, StoreError, WitnessStore, WitnessedCheckpoint, pages, to_hash, to_i64, to_u64,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long opening a store, or taking a connection from its pool, may wait
/// for the server.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to a `postgres://` address and brings the schema up to date.
    pub async fn open(address: &str) -> Result<PgStore, StoreError> {
        let pool = PgStore::pool_of(address, false).await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Connects for reading only: every transaction of the session is read-only,
    /// so the server refuses any write, and the schema is checked, not migrated.
    pub async fn open_read_only(address: &str) -> Result<PgStore, StoreError> {
        let pool = PgStore::pool_of(address, true).await?;
        let applied = sqlx::query_scalar(crate::APPLIED_MIGRATIONS).fetch_all(&pool).await;
        crate::check_schema(applied, &MIGRATOR)?;
        Ok(PgStore { pool })
    }

    async fn pool_of(address: &str, read_only: bool) -> Result<PgPool, StoreError> {
        if !(address.starts_with("postgres://") || address.starts_with("postgresql://")) {
            return Err(StoreError::Address(address.into()));
        }
        let mut options: PgConnectOptions = address.parse()?;
        if read_only {
            options = options.options([("default_transaction_read_only", "on")]);
        }
        // No ping before each use: it would double every query's round trip.
        // A connection the server dropped fails its next query instead; the
        // error reaches the caller (nothing is half-written) and the pool
        // replaces the connection.
        //
        // A server that refuses or never answers is an error within
        // CONNECT_TIMEOUT, not a wait: sqlx would otherwise retry for 30 s.
        Ok(PgPoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await?)
    }

    /// The pool, for tests that must reach behind the trait (to tamper with rows).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl LogStore for PgStore {
    crate::queries::log_queries!(begin());

    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let wanted: Vec<i64> = pages::pages_of(indexes).into_iter().map(to_i64).collect();
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT page, data FROM hash_pages WHERE page = ANY($1)")
            .bind(&wanted)
            .fetch_all(&self.pool)
            .await?;
        pages::pick_hashes(indexes, rows)
    }
}

impl WitnessStore for PgStore {
    crate::queries::witness_queries!();
}
