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
        let (size,): (i64,) = sqlx::query_as("SELECT size FROM tree_size WHERE id = 1").fetch_one(&self.pool).await?;
        to_u64(size, "tree size")
    }

    async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| to_i64(i)).collect();
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, hash FROM hashes WHERE idx = ANY($1)")
            .bind(&wanted)
            .fetch_all(&self.pool)
            .await?;
        in_order(indexes, rows)
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

    async fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT note FROM latest_checkpoint WHERE id = 1").fetch_optional(&self.pool).await?;
        Ok(row.map(|(note,)| note))
    }

    async fn swap_checkpoint(&self, old: Option<u64>, size: u64, note: &str) -> Result<bool, StoreError> {
        let done = match old {
            None => {
                sqlx::query("INSERT INTO latest_checkpoint (id, size, note) VALUES (1, $1, $2) ON CONFLICT DO NOTHING")
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
        let done =
            match old {
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
}
