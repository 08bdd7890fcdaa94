//! What the store's test files share: the keys, entries and drafts the
//! stories use, the stores they run on, and a signer whose state lives in a
//! temporary directory for as long as the signer does.
#![allow(dead_code, reason = "each test file uses its own part of what is shared")]

use std::ops::Deref;

use detente_log::entry::{Body, Content, Entry, SignedEntry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_store::admission::Draft;
use detente_store::postgres::PgStore;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_store::{LogStore, WitnessStore};
use detente_treaty::Catalogue;

pub fn log_key() -> SigningKey {
    SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [1; 32]).unwrap()
}

pub fn witness_key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&format!("w{seed}.detente.example/witness"), Algorithm::Cosignature, [seed; 32]).unwrap()
}

pub fn entry(sequence: u64) -> SignedEntry {
    Entry {
        party: "US".parse().unwrap(),
        sequence,
        time: 1_700_000_000 + sequence,
        body: Body::Notification { treaty: "new-start".into(), notice: "change-in-data".into(), refers_to: None },
        content: Content::of("text/plain", format!("notification {sequence}").into_bytes()),
    }
    .sign(&log_key())
    .unwrap()
}

pub async fn record_with<S: LogStore + WitnessStore>(store: S, entries: u64) -> Record<S> {
    let record = Record::init(store, log_key().verifier(), "US".parse().unwrap()).await.unwrap();
    let mut next = 0;
    // Uneven batches cross tree levels and SQLite's per-statement row limit.
    for batch in [1, 2, 5, 100, 9_000, 7] {
        let batch: Vec<SignedEntry> = (next..(next + batch).min(entries)).map(entry).collect();
        next += batch.len() as u64;
        if !batch.is_empty() {
            record.append(&batch).await.unwrap();
        }
    }
    record
}

/// The shipped New START treaty, for what the record will sign.
pub fn catalogue() -> Catalogue {
    let mut catalogue = Catalogue::default();
    catalogue.add_treaty("new-start", include_str!("../../../../data/treaties/new-start.toml")).unwrap();
    catalogue
}

pub fn declaration_draft(text: &str, as_of: &str) -> Draft {
    Draft {
        body: Body::Declaration { treaty: "new-start".into(), as_of: as_of.parse().unwrap() },
        media_type: "text/csv".into(),
        bytes: text.as_bytes().to_vec(),
    }
}

pub fn notice_draft(treaty: &str, notice: &str) -> Draft {
    Draft {
        body: Body::Notification { treaty: treaty.into(), notice: notice.into(), refers_to: None },
        media_type: "text/plain".into(),
        bytes: b"a notice".to_vec(),
    }
}

pub async fn sqlite_store() -> SqliteStore {
    let dir = tempfile::tempdir().unwrap().keep();
    SqliteStore::open(&dir.join("record.db")).await.unwrap()
}

pub async fn postgres_store() -> PgStore {
    PgStore::open(&postgres_database().await).await.unwrap()
}

/// The address of a new, empty database on the test server.
pub async fn postgres_database() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let server = std::env::var("DETENTE_TEST_POSTGRES").expect(
        "DETENTE_TEST_POSTGRES must give a PostgreSQL server address such as postgres://user@127.0.0.1:5432; \
         scripts/test-all starts a throwaway cluster and sets it",
    );
    let name = format!("detente_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    admin.close().await;
    format!("{server}/{name}")
}

/// The record's signer, remembering what it signed in a directory of its own.
pub struct TestSigner {
    signer: Signer,
    _dir: tempfile::TempDir,
}

impl Deref for TestSigner {
    type Target = Signer;
    fn deref(&self) -> &Signer {
        &self.signer
    }
}

pub fn signer() -> TestSigner {
    let dir = tempfile::tempdir().unwrap();
    TestSigner { signer: Signer::new(log_key(), dir.path().join("record.signed")), _dir: dir }
}
