//! PostgreSQL, for larger deployments. Batches travel as arrays (`ANY`,
//! `UNNEST`), so an append of any size is three statements. The tree-size
//! row is the lock: a second appender waits on it, then finds the size moved.

use detente_log::Hash;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::{
    Evidence, LogMeta, Store, StoreError, WitnessedCheckpoint, complete_range, in_order, to_hash, to_i64, to_u64,
};

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to a `postgres://` address and brings the schema up to date.
    pub async fn open(address: &str) -> Result<PgStore, StoreError> {
        if !(address.starts_with("postgres://") || address.starts_with("postgresql://")) {
            return Err(StoreError::Address(address.into()));
        }
        let pool = PgPoolOptions::new().max_connections(4).connect(address).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// The pool, for tests that must reach behind the trait (to tamper with rows).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Store for PgStore {
    crate::shared_queries!();

    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| to_i64(i)).collect();
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, hash FROM hashes WHERE idx = ANY($1)")
            .bind(&wanted)
            .fetch_all(&self.pool)
            .await?;
        in_order(indexes, rows)
    }

    async fn append(&self, size: u64, entries: &[Vec<u8>], hashes: &[Hash]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query("UPDATE tree_size SET size = $1 WHERE id = 1 AND size = $2")
            .bind(to_i64(size + entries.len() as u64))
            .bind(to_i64(size))
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        let numbered = |first: u64, n: usize| -> Vec<i64> { (0..n as u64).map(|i| to_i64(first + i)).collect() };
        sqlx::query("INSERT INTO entries (idx, data) SELECT * FROM UNNEST($1::bigint[], $2::bytea[])")
            .bind(numbered(size, entries.len()))
            .bind(entries)
            .execute(&mut *tx)
            .await?;
        let hash_bytes: Vec<&[u8]> = hashes.iter().map(|h| &h.0[..]).collect();
        sqlx::query("INSERT INTO hashes (idx, hash) SELECT * FROM UNNEST($1::bigint[], $2::bytea[])")
            .bind(numbered(detente_log::tree::stored_hash_count(size), hashes.len()))
            .bind(hash_bytes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
