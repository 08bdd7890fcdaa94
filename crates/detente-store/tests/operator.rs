//! The record against its own operator, on both backends: whoever runs the
//! store can write any row, restore an older copy, and (being the party)
//! holds the key. Each story is one attack, and names the check that
//! catches it. docs/threat-model.md lists them all.

use detente_log::checkpoint::SignedCheckpoint;
use detente_log::entry::{Entry, SignedEntry};
use detente_log::tree::{self, Frontier};
use detente_log::witness::Refusal;
use detente_log::{Hash, MemoryLog};
use detente_store::postgres::PgStore;
use detente_store::record::{Record, RecordError, Tampered};
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_store::witness::{WitnessError, add_checkpoint};
use detente_store::{LogStore, WitnessStore};

mod common;
use common::*;

/// Writing rows behind the record's back, as the operator can.
trait Insider: LogStore + WitnessStore + Sized {
    /// Sets (inserting if need be) the `data` of row `key` of `entry_bundles` or `hash_pages`.
    async fn set_row(&self, table: &str, key: i64, data: Vec<u8>);
    async fn run(&self, sql: &str);
}

macro_rules! insider {
    ($store:ty) => {
        impl Insider for $store {
            async fn set_row(&self, table: &str, key: i64, data: Vec<u8>) {
                let id = if table == "entry_bundles" { "bundle" } else { "page" };
                let sql = format!(
                    "INSERT INTO {table} ({id}, data) VALUES ($1, $2) ON CONFLICT ({id}) DO UPDATE SET data = excluded.data"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).bind(data).execute(self.pool()).await.unwrap();
            }

            async fn run(&self, sql: &str) {
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(self.pool()).await.unwrap();
            }
        }
    };
}
insider!(SqliteStore);
insider!(PgStore);

/// Appends entries straight to the store, with the stored hashes they add,
/// as an insider with write access (and, for honest entries, the key) can.
async fn insert<S: LogStore>(store: &S, entries: &[Vec<u8>]) {
    assert!(try_insert(store, entries).await.unwrap());
}

/// [`insert`], which the store may refuse (its rows no longer agree with
/// its size, say).
async fn try_insert<S: LogStore>(store: &S, entries: &[Vec<u8>]) -> Result<bool, detente_store::StoreError> {
    let size = store.size().await?;
    let mut frontier = Frontier::from_hashes(size, store.read_hashes(&Frontier::indexes(size)).await?);
    let mut hashes = Vec::new();
    let leaves: Vec<Hash> = entries.iter().map(|e| Hash::leaf(e)).collect();
    frontier.extend(&leaves, &mut hashes);
    store.append(size, entries, &hashes).await
}

/// Entries the key signs for `range`, differing from [`entry`] by their time.
fn other_entries(range: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    range.map(|i| Entry { time: 7, ..entry(i).entry().clone() }.sign(&log_key()).unwrap().bytes().to_vec()).collect()
}

fn honest(range: std::ops::Range<u64>) -> Vec<SignedEntry> {
    range.map(entry).collect()
}

/// A copy of a store's rows, checkpoint included: what a backup holds.
async fn copy_into<S: LogStore, T: LogStore>(from: &S, to: T) -> T {
    to.init(&from.meta().await.unwrap().unwrap()).await.unwrap();
    let size = from.size().await.unwrap();
    let entries = from.read_entries(0, size).await.unwrap();
    let hashes = from.read_hash_range(0, tree::stored_hash_count(size)).await.unwrap();
    assert!(to.append(0, &entries, &hashes).await.unwrap());
    if let Some(note) = from.checkpoint().await.unwrap() {
        assert!(to.swap_checkpoint(None, 0, &note, &[]).await.unwrap());
    }
    to
}

/// The record as another process opens it: nothing audited in memory.
async fn reopened<S: LogStore + Clone>(record: &Record<S>) -> Record<S> {
    Record::open(record.store().clone()).await.unwrap()
}

fn is_entry_problem(error: &RecordError, at: u64, says: &str) -> bool {
    matches!(error, RecordError::Tampered(Tampered::Entry { index, problem }) if *index == at && problem.contains(says))
}

/// An entry with a garbage signature, inserted with its leaf hash after the
/// checkpoint, is caught by the audit that signing starts with: the honest
/// checkpoint never signs it, nor does an append build on it.
async fn a_forged_entry_is_never_signed<S: Insider + Clone>(store: S) {
    let signer = signer();
    let record = record_with(store, 10).await;
    record.checkpoint(&signer).await.unwrap();
    let mut forged = entry(10).bytes().to_vec();
    *forged.last_mut().unwrap() ^= 1;
    insert(record.store(), &[forged]).await;
    let record = reopened(&record).await;
    let refused = record.checkpoint(&signer).await.unwrap_err();
    assert!(is_entry_problem(&refused, 10, "signature"), "{refused}");
    let drafts = [notice_draft("new-start", "change-in-data")];
    let refused = record.submit(&signer, &catalogue(), &drafts, 1).await;
    assert!(is_entry_problem(&refused.unwrap_err(), 10, "signature"));
    let refused = record.submit_and_checkpoint(&signer, &catalogue(), &drafts, 1).await;
    assert!(is_entry_problem(&refused.unwrap_err(), 10, "signature"));
    assert_eq!(record.latest().await.unwrap().unwrap().checkpoint.size, 10, "nothing new was signed");
}

/// One stored hash changed after the checkpoint would make the key sign a
/// root that no entries give: the audit compares every stored hash added
/// since. One changed under the checkpoint, in its frontier, is caught by
/// the check that the stored frontier gives the signed root.
async fn a_changed_stored_hash_is_never_signed<S: Insider + Clone>(store: S) {
    let signer = signer();
    let record = record_with(store, 64).await;
    record.checkpoint(&signer).await.unwrap();
    record.append(&honest(64..70)).await.unwrap();
    let flip_stored_hash = async |index: u64| {
        let page = index / 64;
        let end = ((page + 1) * 64).min(tree::stored_hash_count(70));
        let mut data: Vec<u8> =
            record.store().read_hash_range(page * 64, end).await.unwrap().iter().flat_map(|h| h.0).collect();
        let original = data.clone();
        data[(index % 64) as usize * 32] ^= 1;
        record.store().set_row("hash_pages", page as i64, data).await;
        original
    };
    let leaf = tree::stored_hash_index(0, 66);
    let original = flip_stored_hash(leaf).await;
    let refused = reopened(&record).await.checkpoint(&signer).await.unwrap_err();
    assert!(is_entry_problem(&refused, 66, "stored leaf hash"), "{refused}");
    record.store().set_row("hash_pages", (leaf / 64) as i64, original).await;
    // The root of the first 64 entries is the whole frontier at the checkpoint.
    let [frontier] = Frontier::indexes(64)[..] else { panic!("64 is a power of two") };
    flip_stored_hash(frontier).await;
    let refused = reopened(&record).await.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(refused, RecordError::Tampered(Tampered::Frontier { size: 64 })), "{refused}");
}

/// A store restored from an older copy is behind what the signer signed:
/// it refuses to sign or build on it. Entries appended after the restore
/// (the operator holds the key) make another tree of the size signed: the
/// store's older checkpoint cannot be proven consistent with the signer's,
/// and without it, the stored frontier at that size no longer gives the
/// signed root.
async fn a_restored_store_is_refused_by_the_signer<S: Insider + Clone>(store: S, restored: S) {
    let signer = signer();
    let record = record_with(store, 10).await;
    record.checkpoint(&signer).await.unwrap();
    let backup = copy_into(record.store(), restored).await;
    record.append(&honest(10..20)).await.unwrap();
    record.checkpoint(&signer).await.unwrap();
    let restored = Record::open(backup).await.unwrap();
    let refused = restored.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(&refused, RecordError::WouldFork(why) if why.contains("rolled back")), "{refused}");
    let drafts = [notice_draft("new-start", "change-in-data")];
    let refused = restored.submit(&signer, &catalogue(), &drafts, 1).await;
    assert!(matches!(refused, Err(RecordError::WouldFork(_))));
    let refused = restored.submit_and_checkpoint(&signer, &catalogue(), &drafts, 1).await;
    assert!(matches!(refused, Err(RecordError::WouldFork(_))));
    insert(restored.store(), &other_entries(10..20)).await;
    let refused = reopened(&restored).await.checkpoint(&signer).await.unwrap_err();
    assert!(
        matches!(&refused, RecordError::WouldFork(why) if why.contains("cannot be proven consistent")),
        "{refused}"
    );
    // Without the store's own checkpoint to compare, the frontier check catches it.
    restored.store().run("DELETE FROM latest_checkpoint").await;
    let refused = reopened(&restored).await.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(refused, RecordError::Tampered(Tampered::Frontier { size: 20 })), "{refused}");
    // Lowering the size over acknowledged entries is a rollback behind what
    // was signed, and an audit finds their rows past the end ...
    record.store().run("UPDATE tree_size SET size = 15 WHERE id = 1").await;
    let refused = reopened(&record).await.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(&refused, RecordError::WouldFork(why) if why.contains("rolled back")), "{refused}");
    let audit = reopened(&record).await.audit(false, None).await.unwrap_err();
    assert!(matches!(audit, RecordError::Tampered(Tampered::PastEnd { size: 15, entries: 20, .. })), "{audit}");
    // ... and with their rows deleted too, the checkpoint covers entries that are gone.
    let kept = record.store().read_entries(0, 15).await.unwrap();
    let bundle: Vec<u8> = kept.iter().flat_map(|e| [&(e.len() as u16).to_be_bytes()[..], e].concat()).collect();
    record.store().set_row("entry_bundles", 0, bundle).await;
    let hashes = record.store().read_hash_range(0, tree::stored_hash_count(15)).await.unwrap();
    record.store().set_row("hash_pages", 0, hashes.iter().flat_map(|h| h.0).collect()).await;
    let refused = reopened(&record).await.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(&refused, RecordError::WouldFork(why) if why.contains("rolled back")), "{refused}");
    let audit = reopened(&record).await.audit(false, None).await.unwrap_err();
    assert!(matches!(audit, RecordError::Tampered(Tampered::Checkpoint(_))), "{audit}");
}

/// The operator rolls back the store and the signer state together: the
/// signer cannot tell, and signs a second tree of a size it signed before.
/// The witness that cosigned the newer checkpoint refuses the fork (409)
/// and keeps it; a witness that only ever saw the older one cosigns, which
/// is why a policy asks for a quorum of witnesses.
async fn a_rollback_of_store_and_signer_is_caught_by_a_witness<S: Insider + Clone>(
    store: S,
    backup: S,
    late_witness: S,
    early_witness: S,
) {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(log_key(), dir.path().join("record.signed"));
    let logs = [log_key().verifier().clone()];
    let (late, early) = (witness_key(21), witness_key(22));
    let record = record_with(store, 10).await;
    record.checkpoint(&signer).await.unwrap();
    let request = record.witness_request(0).await.unwrap().to_text();
    add_checkpoint(&late_witness, &request, &logs, &late, 1).await.unwrap();
    add_checkpoint(&early_witness, &request, &logs, &early, 1).await.unwrap();
    let backup = copy_into(record.store(), backup).await;
    let state_backup = std::fs::read(signer.state()).unwrap();
    record.append(&honest(10..20)).await.unwrap();
    record.checkpoint(&signer).await.unwrap();
    add_checkpoint(&late_witness, &record.witness_request(10).await.unwrap().to_text(), &logs, &late, 2).await.unwrap();

    std::fs::write(signer.state(), state_backup).unwrap();
    let restored = Record::open(backup).await.unwrap();
    insert(restored.store(), &other_entries(10..20)).await;
    let forked = reopened(&restored).await.checkpoint(&signer).await.unwrap();
    assert_eq!(forked.checkpoint.size, 20);
    assert_ne!(forked.checkpoint.root, record.latest().await.unwrap().unwrap().checkpoint.root);
    let request = restored.witness_request(10).await.unwrap().to_text();
    let caught = add_checkpoint(&late_witness, &request, &logs, &late, 3).await;
    assert!(matches!(caught, Err(WitnessError::Refused(Refusal::Forked { latest: 20 }))), "{caught:?}");
    assert_eq!(late_witness.evidence().await.unwrap().len(), 1, "the fork is kept");
    add_checkpoint(&early_witness, &request, &logs, &early, 3).await.expect("a witness that saw only size 10 cosigns");
}

/// Rows past the last entry (the size lowered, or a row added) are named
/// by every audit and every append, before anything builds on them.
async fn rows_past_the_end_are_named<S: Insider + Clone>(store: S) {
    let signer = signer();
    let record = record_with(store, 10).await;
    record.checkpoint(&signer).await.unwrap();
    record.store().set_row("entry_bundles", 5, vec![0, 1, 42]).await;
    let past_end = |error: RecordError| matches!(error, RecordError::Tampered(Tampered::PastEnd { size: 10, .. }));
    let record = reopened(&record).await;
    assert!(past_end(record.audit(true, None).await.unwrap_err()));
    assert!(past_end(record.checkpoint(&signer).await.unwrap_err()));
    let appended = record.submit(&signer, &catalogue(), &[notice_draft("new-start", "change-in-data")], 1).await;
    assert!(past_end(appended.unwrap_err()));
    record.store().run("DELETE FROM entry_bundles WHERE bundle = 5").await;
    record.audit(true, None).await.unwrap();
    record.submit(&signer, &catalogue(), &[notice_draft("new-start", "change-in-data")], 1).await.unwrap();
}

/// An older checkpoint put back in the store fails an audit against a
/// checkpoint the verifier holds; the signer puts the newer one back,
/// without signing anything new.
async fn an_older_checkpoint_put_back_is_caught<S: Insider + Clone>(store: S) {
    let signer = signer();
    let record = record_with(store, 10).await;
    let older = record.checkpoint(&signer).await.unwrap();
    record.append(&honest(10..20)).await.unwrap();
    let newer = record.checkpoint(&signer).await.unwrap();
    let (older_note, newer_note) = (older.note.to_string(), newer.note.to_string());
    assert!(record.store().swap_checkpoint(Some(&newer_note), 10, &older_note, &[]).await.unwrap());
    let record = reopened(&record).await;
    let refused = record.audit(true, Some(&newer.checkpoint)).await.unwrap_err();
    assert!(matches!(&refused, RecordError::Tampered(Tampered::Checkpoint(why)) if why.contains("older")), "{refused}");
    assert_eq!(record.checkpoint(&signer).await.unwrap().note.to_string(), newer_note);
    assert_eq!(record.store().checkpoint().await.unwrap().as_deref(), Some(newer_note.as_str()));
    record.audit(true, Some(&newer.checkpoint)).await.unwrap();
    // A store that shows another history of the trusted size fails too.
    let mut memory = MemoryLog::new();
    for bytes in other_entries(0..20) {
        memory.push(&bytes);
    }
    let other = detente_log::checkpoint::Checkpoint::new(record.origin(), 20, memory.root(20));
    let refused = record.audit(false, Some(&other)).await.unwrap_err();
    assert!(matches!(&refused, RecordError::Tampered(Tampered::Checkpoint(why)) if why.contains("another history")));
}

/// A changed origin in the store's description is refused on opening, so
/// nothing verifies or signs under a name that is not the key's.
async fn a_changed_origin_is_refused<S: Insider + Clone>(store: S) {
    let record = record_with(store, 3).await;
    record.store().run("UPDATE log_meta SET origin = 'ru.detente.example/record' WHERE id = 1").await;
    let opened = Record::open(record.store().clone()).await;
    assert!(matches!(&opened, Err(RecordError::Tampered(Tampered::Meta(_)))), "{:?}", opened.err());
}

/// A signer state that is not a checkpoint signed by the key is an error
/// naming the file, never taken for "nothing signed yet".
async fn a_damaged_signer_state_is_named<S: Insider + Clone>(store: S) {
    let signer = signer();
    let record = record_with(store, 3).await;
    record.checkpoint(&signer).await.unwrap();
    let note = std::fs::read_to_string(signer.state()).unwrap();
    SignedCheckpoint::open(&note, log_key().verifier(), &[]).unwrap();
    std::fs::write(signer.state(), note.replace('3', "4")).unwrap();
    let refused = record.checkpoint(&signer).await.unwrap_err();
    assert!(matches!(&refused, RecordError::Signer(e) if e.path == signer.state()), "{refused}");
}

macro_rules! attacks {
    ($backend:ident, $store:ident) => {
        mod $backend {
            use super::*;

            #[tokio::test]
            async fn a_forged_entry_is_never_signed() {
                super::a_forged_entry_is_never_signed($store().await).await;
            }

            #[tokio::test]
            async fn a_changed_stored_hash_is_never_signed() {
                super::a_changed_stored_hash_is_never_signed($store().await).await;
            }

            #[tokio::test]
            async fn a_restored_store_is_refused_by_the_signer() {
                super::a_restored_store_is_refused_by_the_signer($store().await, $store().await).await;
            }

            #[tokio::test]
            async fn a_rollback_of_store_and_signer_is_caught_by_a_witness() {
                super::a_rollback_of_store_and_signer_is_caught_by_a_witness(
                    $store().await,
                    $store().await,
                    $store().await,
                    $store().await,
                )
                .await;
            }

            #[tokio::test]
            async fn rows_past_the_end_are_named() {
                super::rows_past_the_end_are_named($store().await).await;
            }

            #[tokio::test]
            async fn an_older_checkpoint_put_back_is_caught() {
                super::an_older_checkpoint_put_back_is_caught($store().await).await;
            }

            #[tokio::test]
            async fn a_changed_origin_is_refused() {
                super::a_changed_origin_is_refused($store().await).await;
            }

            #[tokio::test]
            async fn a_damaged_signer_state_is_named() {
                super::a_damaged_signer_state_is_named($store().await).await;
            }
        }
    };
}

attacks!(sqlite, sqlite_store);
attacks!(postgres, postgres_store);

/// What an insider does to the store between the signer's runs.
#[derive(Debug, Clone)]
enum Edit {
    /// Honest entries, appended through the record.
    Append(u8),
    /// Honest entries, appended and checkpointed in one turn.
    AppendCheckpointed(u8),
    /// Entries the key signs with other contents, straight into the store.
    AppendOther(u8),
    /// An entry with a garbage signature, with its leaf hash.
    Forge,
    /// One bit of a stored hash.
    FlipHash { index: u16, bit: u8 },
    /// One bit of an entry's bytes (not its framing).
    FlipEntry { index: u16, at: u16, bit: u8 },
    /// The size lowered, the rows left.
    LowerSize(u8),
    /// A copy kept now, to restore later.
    Snapshot,
    /// An older copy put back in place of the store.
    Restore(u8),
}

fn edits() -> impl proptest::strategy::Strategy<Value = Vec<Edit>> {
    use proptest::prelude::*;
    let edit = prop_oneof![
        2 => (1u8..12).prop_map(Edit::Append),
        1 => (1u8..12).prop_map(Edit::AppendCheckpointed),
        1 => (1u8..12).prop_map(Edit::AppendOther),
        1 => Just(Edit::Forge),
        1 => (any::<u16>(), 0u8..8).prop_map(|(index, bit)| Edit::FlipHash { index, bit }),
        1 => (any::<u16>(), any::<u16>(), 0u8..8).prop_map(|(index, at, bit)| Edit::FlipEntry { index, at, bit }),
        1 => (1u8..6).prop_map(Edit::LowerSize),
        1 => Just(Edit::Snapshot),
        1 => any::<u8>().prop_map(Edit::Restore),
    ];
    proptest::collection::vec(edit, 1..14)
}

/// Applies one edit; a copy it needs to make comes from `fresh`.
async fn apply<S: Insider + Clone, F: AsyncFn() -> S>(
    store: &mut S,
    snapshots: &mut Vec<S>,
    edit: &Edit,
    signer: &Signer,
    fresh: &F,
) {
    let size = store.size().await.unwrap();
    match *edit {
        Edit::Append(n) | Edit::AppendCheckpointed(n) => {
            let record = Record::open(store.clone()).await.unwrap();
            let drafts: Vec<_> = (0..n).map(|_| notice_draft("new-start", "change-in-data")).collect();
            if let Edit::AppendCheckpointed(_) = edit {
                let _ = record.submit_and_checkpoint(signer, &catalogue(), &drafts, 1).await;
            } else {
                let _ = record.submit(signer, &catalogue(), &drafts, 1).await;
            }
        }
        // The insider's own writes may fail on rows it broke before: then nothing happens.
        Edit::AppendOther(n) => drop(try_insert(store, &other_entries(size..size + u64::from(n))).await),
        Edit::Forge => {
            let mut forged = entry(size).bytes().to_vec();
            *forged.last_mut().unwrap() ^= 1;
            drop(try_insert(store, &[forged]).await);
        }
        Edit::FlipHash { index, bit } if size > 0 => {
            let index = u64::from(index) % tree::stored_hash_count(size);
            let page = index / 64;
            let end = ((page + 1) * 64).min(tree::stored_hash_count(size));
            let Ok(hashes) = store.read_hash_range(page * 64, end).await else { return };
            let mut data: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
            data[(index % 64) as usize * 32] ^= 1 << bit;
            store.set_row("hash_pages", page as i64, data).await;
        }
        Edit::FlipEntry { index, at, bit } if size > 0 => {
            let index = u64::from(index) % size;
            let bundle = index / 256;
            let end = ((bundle + 1) * 256).min(size);
            let Ok(mut entries) = store.read_entries(bundle * 256, end).await else { return };
            let target = &mut entries[(index % 256) as usize];
            let at = usize::from(at) % target.len();
            target[at] ^= 1 << bit;
            let data = entries.iter().flat_map(|e| [&(e.len() as u16).to_be_bytes()[..], e].concat()).collect();
            store.set_row("entry_bundles", bundle as i64, data).await;
        }
        Edit::FlipHash { .. } | Edit::FlipEntry { .. } => {}
        Edit::LowerSize(n) => {
            store.run(&format!("UPDATE tree_size SET size = {} WHERE id = 1", size.saturating_sub(n.into()))).await
        }
        Edit::Snapshot => {
            // A copy of a store whose rows no longer read is no copy at all.
            if store.read_entries(0, size).await.is_ok() {
                snapshots.push(copy_into(store, fresh().await).await);
            }
        }
        Edit::Restore(i) if !snapshots.is_empty() => {
            let from = snapshots[usize::from(i) % snapshots.len()].clone();
            *store = copy_into(&from, fresh().await).await;
        }
        Edit::Restore(_) => {}
    }
}

/// Any sequence of store-level edits, each followed by the signer's
/// checkpoint and a verifier's audit against the last signed checkpoint,
/// never ends with a signed or accepted state that does not extend the
/// last one signed. The leaves are recomputed here from the entries read,
/// not taken from the store's hashes.
async fn edits_never_make_the_key_sign_a_fork<S: Insider + Clone, F: AsyncFn() -> S>(edits: Vec<Edit>, fresh: F) {
    let signer = signer();
    let mut store = fresh().await;
    Record::init(store.clone(), log_key().verifier(), "US".parse().unwrap()).await.unwrap();
    let mut snapshots = Vec::new();
    // The leaves of the last checkpoint signed, and its note.
    let mut signed: Option<(Vec<Hash>, detente_log::checkpoint::Checkpoint)> = None;
    for edit in &edits {
        apply(&mut store, &mut snapshots, edit, &signer, &fresh).await;
        let record = Record::open(store.clone()).await.unwrap();
        for step in 0..2 {
            if step == 1 {
                let _ = record.checkpoint(&signer).await;
            }
            let Ok(Some(new)) = signer.last_signed() else { continue };
            let new = new.checkpoint;
            if signed.as_ref().is_some_and(|(_, last)| *last == new) {
                continue; // Nothing new was signed.
            }
            // The new tree is the last signed one's leaves, as they were
            // then, and the entries after it as the store holds them now.
            let mut leaves = signed.as_ref().map_or_else(Vec::new, |(before, _)| before.clone());
            let start = leaves.len() as u64;
            assert!(new.size >= start, "after {edit:?}: the key signed a smaller tree, {} < {start}", new.size);
            let entries = store.read_entries(start, new.size).await.expect("a signed tree's entries read");
            leaves.extend(entries.iter().map(|e| Hash::leaf(e)));
            let mut memory = MemoryLog::new();
            for leaf in &leaves {
                memory.push_hash(*leaf);
            }
            assert_eq!(
                memory.root(new.size),
                new.root,
                "after {edit:?}: the key signed a tree that does not extend the last"
            );
            signed = Some((leaves, new));
        }
        if let Some((before, last)) = &signed
            && record.audit(true, Some(last)).await.is_ok()
        {
            let entries = store.read_entries(0, before.len() as u64).await.expect("an accepted store's entries read");
            let leaves: Vec<Hash> = entries.iter().map(|e| Hash::leaf(e)).collect();
            assert_eq!(&leaves, before, "after {edit:?}: a store that does not extend the signed tree was accepted");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 40, ..Default::default() })]

    #[test]
    fn sqlite_edits_never_make_the_key_sign_a_fork(edits in edits()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(edits_never_make_the_key_sign_a_fork(edits, sqlite_store));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]

    #[test]
    fn postgres_edits_never_make_the_key_sign_a_fork(edits in edits()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(edits_never_make_the_key_sign_a_fork(edits, postgres_store));
    }
}
