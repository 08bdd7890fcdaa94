//! The queries both backends write the same way: plain statements with `$n`
//! placeholders, which sqlx's SQLite driver accepts as PostgreSQL does. They
//! are macros because the two pools have different types: each expands inside
//! a backend's trait impl, where `self.pool` is its pool. Only reading
//! scattered hash pages differs by dialect.

/// Notes the size a witness cosigned, only ever forward: a late answer for an
/// older checkpoint must not make the next request start from further back.
pub(crate) const RECORD_COSIGNED: &str = "INSERT INTO cosigned (witness, size) VALUES ($1, $2) \
     ON CONFLICT (witness) DO UPDATE SET size = excluded.size WHERE cosigned.size < excluded.size";

/// The log's rows. The tokens given are the call that opens a write transaction.
macro_rules! log_queries {
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

        async fn extent(&self) -> Result<$crate::Extent, StoreError> {
            // One statement, so one snapshot: the size and the last rows
            // agree even while another writer appends.
            let (size, bundle, bundle_data, page, page_data): (i64, Option<i64>, Option<Vec<u8>>, Option<i64>, Option<Vec<u8>>) =
                sqlx::query_as(
                    "SELECT (SELECT size FROM tree_size WHERE id = 1), \
                     (SELECT bundle FROM entry_bundles ORDER BY bundle DESC LIMIT 1), \
                     (SELECT data FROM entry_bundles ORDER BY bundle DESC LIMIT 1), \
                     (SELECT page FROM hash_pages ORDER BY page DESC LIMIT 1), \
                     (SELECT data FROM hash_pages ORDER BY page DESC LIMIT 1)",
                )
                .fetch_one(&self.pool)
                .await?;
            let entries = $crate::pages::reach(bundle.zip(bundle_data), $crate::pages::BUNDLE, $crate::pages::decode_entries, "bundle number")?;
            let hashes = $crate::pages::reach(page.zip(page_data), $crate::pages::PAGE, $crate::pages::decode_hashes, "page number")?;
            Ok($crate::Extent { size: to_u64(size, "tree size")?, entries, hashes })
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

        async fn swap_checkpoint(
            &self,
            old: Option<&str>,
            size: u64,
            note: &str,
            cosigners: &[String],
        ) -> Result<bool, StoreError> {
            let mut tx = self.pool.$($begin)*.await?;
            let done = match old {
                None => {
                    sqlx::query(
                        "INSERT INTO latest_checkpoint (id, size, note) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(to_i64(size))
                    .bind(note)
                    .execute(&mut *tx)
                    .await?
                }
                Some(old) => {
                    sqlx::query("UPDATE latest_checkpoint SET size = $1, note = $2 WHERE id = 1 AND note = $3")
                        .bind(to_i64(size))
                        .bind(note)
                        .bind(old)
                        .execute(&mut *tx)
                        .await?
                }
            };
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            for witness in cosigners {
                sqlx::query($crate::queries::RECORD_COSIGNED).bind(witness).bind(to_i64(size)).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(true)
        }

        async fn cosigned_size(&self, witness: &str) -> Result<Option<u64>, StoreError> {
            let row: Option<(i64,)> = sqlx::query_as("SELECT size FROM cosigned WHERE witness = $1")
                .bind(witness)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|(size,)| to_u64(size, "cosigned size")).transpose()
        }

        async fn record_cosigned(&self, witness: &str, size: u64) -> Result<(), StoreError> {
            sqlx::query($crate::queries::RECORD_COSIGNED).bind(witness).bind(to_i64(size)).execute(&self.pool).await?;
            Ok(())
        }

        async fn put_document(&self, digest: &Hash, bytes: &[u8]) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO documents (digest, data) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(digest.0.as_slice())
                .bind(bytes)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn document(&self, digest: &Hash) -> Result<Option<Vec<u8>>, StoreError> {
            let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM documents WHERE digest = $1")
                .bind(digest.0.as_slice())
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.map(|(data,)| data))
        }
    };
}
pub(crate) use log_queries;

/// The witness's rows, written alike by both backends.
macro_rules! witness_queries {
    () => {
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

        async fn keep_evidence(&self, evidence: &Evidence, fingerprint: &str) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "INSERT INTO evidence (origin, received, reason, request, cosigned, fingerprint) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM evidence WHERE origin = $1 AND cosigned <> '') < $7 \
                 ON CONFLICT (origin, fingerprint) DO NOTHING",
            )
            .bind(&evidence.origin)
            .bind(to_i64(evidence.received))
            .bind(&evidence.reason)
            .bind(&evidence.request)
            .bind(&evidence.cosigned)
            .bind(fingerprint)
            .bind(to_i64($crate::MAX_EVIDENCE_PER_LOG))
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn evidence(&self) -> Result<Vec<Evidence>, StoreError> {
            let rows: Vec<(String, i64, String, String, String)> =
                sqlx::query_as("SELECT origin, received, reason, request, cosigned FROM evidence ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
            rows.into_iter()
                .map(|(origin, received, reason, request, cosigned)| {
                    Ok(Evidence { origin, received: to_u64(received, "evidence time")?, reason, request, cosigned })
                })
                .collect()
        }
    };
}
pub(crate) use witness_queries;
