//! One conformance suite, run against every backend: SQLite in a temporary
//! directory and PostgreSQL in a fresh database on the server that
//! `scripts/test-all` starts (its address in `DETENTE_TEST_POSTGRES`).
//!
//! Each story is written once over the [`Store`] trait; a macro instantiates
//! it per backend. Stories that tamper with rows reach behind the trait with
//! SQL, which both backends accept in the same `$n` form.

use detente_log::bundle::ProofBundle;
use detente_log::entry::{Body, Entry, Reference, SignedEntry};
use detente_log::keys::{Algorithm, SigningKey};
use detente_log::policy::Policy;
use detente_log::witness::{Fork, ForkEvidence, Refusal};
use detente_log::{Hash, MemoryLog};
use detente_store::admission::Draft;
use detente_store::postgres::PgStore;
use detente_store::record::{Record, RecordError, Tampered};
use detente_store::sqlite::SqliteStore;
use detente_store::witness::{WitnessError, add_checkpoint};
use detente_store::{Evidence, LogStore, StoreError, WitnessStore};

mod common;
use common::*;

/// The protocol status of a witness's refusal; anything else fails the test.
fn refusal_status(answer: Result<String, WitnessError>) -> u16 {
    match answer {
        Err(WitnessError::Refused(refusal)) => refusal.status(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn appends_store_what_the_tree_math_says<S: LogStore + WitnessStore>(store: S) {
    let record = record_with(store, 3_000).await;
    let mut memory = MemoryLog::new();
    for i in 0..3_000 {
        memory.push(entry(i).bytes());
    }
    assert_eq!(record.size().await.unwrap(), 3_000);
    for size in [0, 1, 2, 3, 1_000, 2_047, 2_048, 3_000] {
        assert_eq!(record.root(size).await.unwrap(), memory.root(size), "root of {size}");
    }
    let stored = record.store().read_hash_range(0, memory.stored().len() as u64).await.unwrap();
    assert_eq!(stored, memory.stored());
    assert_eq!(
        record.store().read_entries(10, 12).await.unwrap(),
        vec![entry(10).bytes().to_vec(), entry(11).bytes().to_vec()]
    );
    assert!(record.store().read_entries(2_999, 3_001).await.is_err(), "a range past the end is refused");
}

async fn appends_are_compare_and_swap<S: LogStore + WitnessStore + Clone>(store: S) {
    let record = record_with(store, 10).await;
    // A writer that still thinks the log has 9 entries writes nothing.
    let stale = record.store().append(9, &[entry(9).bytes().to_vec()], &[Hash::leaf(entry(9).bytes())]).await.unwrap();
    assert!(!stale);
    assert_eq!(record.size().await.unwrap(), 10);
    // Entries out of place, of another party or badly signed are refused before anything is written.
    assert!(matches!(record.append(&[entry(11)]).await, Err(RecordError::Rejected { index: 10, .. })));
    let forged = Entry { party: "US".parse().unwrap(), ..entry(10).entry().clone() }
        .sign(&SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [2; 32]).unwrap())
        .unwrap();
    assert!(matches!(record.append(&[forged]).await, Err(RecordError::Rejected { .. })));
    assert_eq!(record.size().await.unwrap(), 10);
    assert!(matches!(
        Record::init(record.store().clone(), log_key().verifier(), "US".parse().unwrap()).await,
        Err(RecordError::AlreadyInitialised(_))
    ));
}

async fn checkpoints_never_go_back_or_fork<S: LogStore + WitnessStore>(store: S) {
    let signer = signer();
    let record = record_with(store, 100).await;
    let first = record.checkpoint(&signer).await.unwrap();
    assert_eq!(first.checkpoint.size, 100);
    // Nothing new: the same checkpoint, not a second signature.
    assert_eq!(record.checkpoint(&signer).await.unwrap().note, first.note);
    record.append(&[entry(100)]).await.unwrap();
    let second = record.checkpoint(&signer).await.unwrap();
    assert_eq!(second.checkpoint.size, 101);
    // The stored checkpoint can only move by compare-and-swap from its own size.
    assert!(!record.store().swap_checkpoint(Some(&first.note.to_string()), 100, "stale", &[]).await.unwrap());
    assert!(!record.store().swap_checkpoint(None, 100, "stale", &[]).await.unwrap());
    assert_eq!(record.latest().await.unwrap().unwrap().checkpoint.size, 101);
    // Another key cannot sign for the record.
    let other = SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [3; 32]).unwrap();
    let other = detente_store::signer::Signer::new(other, std::path::PathBuf::from("never-written.signed"));
    assert!(matches!(record.checkpoint(&other).await, Err(RecordError::WrongKey { .. })));
}

async fn proofs_verify_offline<S: LogStore + WitnessStore>(store: S) {
    let signer = signer();
    let record = record_with(store, 777).await;
    record.checkpoint(&signer).await.unwrap();
    let policy = Policy::parse(&format!("log {}\nquorum none\n", log_key().verifier())).unwrap();
    for index in [0, 1, 400, 776] {
        let bundle = ProofBundle::parse(&record.prove(index).await.unwrap().to_string()).unwrap();
        let entry_bytes = bundle.extra.clone().unwrap();
        assert_eq!(entry_bytes, entry(index).bytes());
        bundle.verify(&entry_bytes, &policy).unwrap();
        assert!(bundle.verify(entry(index + 1).bytes(), &policy).is_err(), "another entry is not proven by it");
    }
    assert!(matches!(record.prove(777).await, Err(RecordError::NotCovered { .. })));
}

async fn witnesses_cosign_refuse_and_keep_evidence<S: LogStore + WitnessStore>(
    witness_store: S,
    log_store: S,
    fork_store: S,
) {
    let signer = signer();
    let witness = witness_key(7);
    let logs = [log_key().verifier().clone()];
    let record = record_with(log_store, 50).await;
    record.checkpoint(&signer).await.unwrap();
    let request = record.witness_request(0).await.unwrap().to_text();
    let line = add_checkpoint(&witness_store, &request, &logs, &witness, 1_800_000_000).await.unwrap();
    let cosigned = record.add_cosignatures(&line, std::slice::from_ref(witness.verifier())).await.unwrap();
    assert_eq!(cosigned.iter().filter(|v| v.timestamp == Some(1_800_000_000)).count(), 1);

    // The same request again: the witness has moved to 50, so old size 0 conflicts.
    let again = add_checkpoint(&witness_store, &request, &logs, &witness, 1_800_000_001).await;
    assert!(matches!(again, Err(WitnessError::Refused(Refusal::Conflict { latest: 50 }))), "{again:?}");

    // The log grows; a request from the witness's size with a proof is cosigned.
    record.append(&(50..80).map(entry).collect::<Vec<_>>()).await.unwrap();
    record.checkpoint(&signer).await.unwrap();
    let grown = record.witness_request(50).await.unwrap().to_text();
    add_checkpoint(&witness_store, &grown, &logs, &witness, 1_800_000_002).await.unwrap();
    assert_eq!(witness_store.witnessed(record.origin()).await.unwrap().unwrap().size, 80);

    // A fork: the same key signs a different history of the same size. Refused with 409 (as
    // C2SP tlog-witness says for a same-size, different-root checkpoint) and kept.
    let fork = Record::init(fork_store, log_key().verifier(), "US".parse().unwrap()).await.unwrap();
    let other: Vec<SignedEntry> =
        (0..80).map(|i| Entry { time: 1, ..entry(i).entry().clone() }.sign(&log_key()).unwrap()).collect();
    fork.append(&other).await.unwrap();
    fork.checkpoint(&common::signer()).await.unwrap();
    let forked = fork.witness_request(0).await.unwrap();
    let forked = detente_log::witness::AddCheckpoint { old_size: 80, ..forked }.to_text();
    let refused = add_checkpoint(&witness_store, &forked, &logs, &witness, 1_800_000_003).await;
    assert!(matches!(&refused, Err(WitnessError::Refused(Refusal::Forked { latest: 80 }))), "{refused:?}");
    assert_eq!(refusal_status(refused), 409);
    // The same fork with another `old` is still a fork, and is kept once.
    let again =
        detente_log::witness::AddCheckpoint { old_size: 50, ..fork.witness_request(0).await.unwrap() }.to_text();
    let refused = add_checkpoint(&witness_store, &again, &logs, &witness, 1_800_000_005).await;
    assert!(matches!(&refused, Err(WitnessError::Refused(Refusal::Forked { latest: 80 }))), "{refused:?}");
    // A consistency proof that does not verify is the client's mistake: 422, and nothing kept.
    record.append(&(80..90).map(entry).collect::<Vec<_>>()).await.unwrap();
    record.checkpoint(&signer).await.unwrap();
    let mut bad_proof = record.witness_request(80).await.unwrap();
    bad_proof.proof[0] = Hash::leaf(b"not the sibling");
    let bad_proof = bad_proof.to_text();
    let refused = add_checkpoint(&witness_store, &bad_proof, &logs, &witness, 1_800_000_004).await;
    assert_eq!(refusal_status(refused), 422);
    let kept: Vec<Evidence> = witness_store.evidence().await.unwrap();
    assert_eq!(kept.len(), 1, "one fork, kept once; no wrong proof");
    assert_eq!((kept[0].request.as_str(), kept[0].received), (forked.as_str(), 1_800_000_003));
    let witnessed = witness_store.witnessed(record.origin()).await.unwrap().unwrap();
    assert_eq!(kept[0].cosigned, witnessed.note, "kept with the cosigned checkpoint it contradicts");
    let bundle = ForkEvidence { cosigned: kept[0].cosigned.clone(), request: kept[0].request.clone() };
    assert_eq!(bundle.check(log_key().verifier()), Ok(Fork::SameSize { size: 80 }));
    assert_eq!(witnessed.size, 80, "the witness did not move");
    // A flood of forks costs the witness a bounded number of rows, the first kept.
    for i in 0..(detente_store::MAX_EVIDENCE_PER_LOG + 8) {
        let checkpoint = detente_log::checkpoint::Checkpoint::new(record.origin(), 80, Hash::leaf(&i.to_be_bytes()));
        let mut note = detente_log::note::Note::new(checkpoint.text()).unwrap();
        note.sign(&log_key(), 0);
        let request = detente_log::witness::AddCheckpoint { old_size: 80, proof: vec![], checkpoint: note.to_string() };
        let refused = add_checkpoint(&witness_store, &request.to_text(), &logs, &witness, 1_900_000_000 + i).await;
        assert_eq!(refusal_status(refused), 409);
    }
    let kept = witness_store.evidence().await.unwrap();
    assert_eq!(kept.len() as u64, detente_store::MAX_EVIDENCE_PER_LOG);
    assert_eq!(kept[0].request, forked, "the first fork is kept for good");

    // Unknown logs and bad signatures get 404 and 403.
    let stranger =
        [SigningKey::from_seed("other.example/log", Algorithm::Ed25519, [9; 32]).unwrap().verifier().clone()];
    let unknown = add_checkpoint(&witness_store, &grown, &stranger, &witness, 0).await;
    assert_eq!(refusal_status(unknown), 404);
    let impostor =
        [SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [9; 32]).unwrap().verifier().clone()];
    assert_eq!(refusal_status(add_checkpoint(&witness_store, &grown, &impostor, &witness, 0).await), 403);
}

async fn concurrent_witness_requests_never_roll_back<S: LogStore + WitnessStore + 'static>(
    witness_store: S,
    log_store: S,
) {
    let signer = signer();
    // Two requests from the same old size race; exactly one wins and the other gets 409.
    let witness = witness_key(8);
    let logs = [log_key().verifier().clone()];
    let record = record_with(log_store, 10).await;
    record.checkpoint(&signer).await.unwrap();
    let small = record.witness_request(0).await.unwrap().to_text();
    record.append(&(10..20).map(entry).collect::<Vec<_>>()).await.unwrap();
    record.checkpoint(&signer).await.unwrap();
    let large = record.witness_request(0).await.unwrap().to_text();
    let (a, b) = tokio::join!(
        add_checkpoint(&witness_store, &small, &logs, &witness, 1),
        add_checkpoint(&witness_store, &large, &logs, &witness, 1),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert_eq!(refusal_status(loser), 409);
}

async fn concurrent_cosignatures_are_all_kept<S: LogStore + WitnessStore + 'static>(log_store: S, first: S, second: S) {
    let signer = signer();
    let record = record_with(log_store, 20).await;
    record.checkpoint(&signer).await.unwrap();
    let request = record.witness_request(0).await.unwrap().to_text();
    let logs = [log_key().verifier().clone()];
    let (a, b) = (witness_key(11), witness_key(12));
    let line_a = add_checkpoint(&first, &request, &logs, &a, 1).await.unwrap();
    let line_b = add_checkpoint(&second, &request, &logs, &b, 1).await.unwrap();
    let (ra, rb) = tokio::join!(
        record.add_cosignatures(&line_a, std::slice::from_ref(a.verifier())),
        record.add_cosignatures(&line_b, std::slice::from_ref(b.verifier())),
    );
    ra.unwrap();
    rb.unwrap();
    let note = record.latest().await.unwrap().unwrap().note;
    let both = [a.verifier().clone(), b.verifier().clone()];
    assert_eq!(note.verify(&both).unwrap().len(), 2, "neither cosignature was lost");
}

/// Changes byte `offset` of a row with the given SQL, run by the backend.
macro_rules! tamper_story {
    ($name:ident, $store:expr, $pool:ident) => {
        async fn $name(seed: u64) {
            let signer = signer();
            let store = $store;
            let record = record_with(store, 300).await;
            record.checkpoint(&signer).await.unwrap();
            record.audit(true, None).await.unwrap();
            let mut random = seed;
            let mut next = |n: u64| {
                random = random.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (random >> 33) % n
            };
            let pool = record.store().$pool();
            for case in 0..24 {
                let which = next(3);
                let (table, key) = match which {
                    0 => ("entry_bundles", next(300 / 256 + 1) as i64),
                    1 => ("hash_pages", next(detente_log::tree::stored_hash_count(300).div_ceil(64)) as i64),
                    _ => ("latest_checkpoint", 1),
                };
                let (column, id) = match table {
                    "entry_bundles" => ("data", "bundle"),
                    "hash_pages" => ("data", "page"),
                    _ => ("note", "id"),
                };
                let select = format!("SELECT {column} FROM {table} WHERE {id} = $1");
                let original: Vec<u8> = if table == "latest_checkpoint" {
                    let (text,): (String,) =
                        sqlx::query_as(sqlx::AssertSqlSafe(select)).bind(key).fetch_one(pool).await.unwrap();
                    text.into_bytes()
                } else {
                    let (bytes,): (Vec<u8>,) =
                        sqlx::query_as(sqlx::AssertSqlSafe(select)).bind(key).fetch_one(pool).await.unwrap();
                    bytes
                };
                let mut changed = original.clone();
                let at = next(changed.len() as u64) as usize;
                // Keep a note valid UTF-8: flip a low bit of an ASCII byte.
                changed[at] ^= if table == "latest_checkpoint" { 0x01 } else { 1 << next(8) };
                if table == "latest_checkpoint" && !changed[at].is_ascii() {
                    continue;
                }
                let update = format!("UPDATE {table} SET {column} = $1 WHERE {id} = $2");
                let write = |bytes: Vec<u8>| {
                    let update = update.clone();
                    async move {
                        if table == "latest_checkpoint" {
                            sqlx::query(sqlx::AssertSqlSafe(update))
                                .bind(String::from_utf8_lossy(&bytes).into_owned())
                                .bind(key)
                                .execute(pool)
                                .await
                                .unwrap();
                        } else {
                            sqlx::query(sqlx::AssertSqlSafe(update)).bind(bytes).bind(key).execute(pool).await.unwrap();
                        }
                    }
                };
                write(changed).await;
                let found = record
                    .audit(true, None)
                    .await
                    .expect_err(&format!("case {case}: {table} {key} byte {at} changed unnoticed"));
                let named = match (&found, table) {
                    (RecordError::Tampered(Tampered::Entry { index, .. }), "entry_bundles") => {
                        *index / 256 == key as u64
                    }
                    (RecordError::Tampered(Tampered::Entry { .. } | Tampered::Node { .. }), "hash_pages") => true,
                    (RecordError::Tampered(Tampered::Checkpoint(_)), "latest_checkpoint") => true,
                    _ => false,
                };
                assert!(named, "case {case}: {table} {key}: {found:?}");
                write(original).await;
                record.audit(true, None).await.unwrap();
            }
        }
    };
}

async fn the_record_signs_only_what_it_checked<S: LogStore + WitnessStore>(store: S) {
    let signer = signer();
    let record = record_with(store, 3).await;
    let catalogue = catalogue();
    let us = include_str!("../../../data/declarations/us-2020-09-01.csv");
    let ru = include_str!("../../../data/declarations/ru-2020-09-01.csv");
    let refused = [
        (declaration_draft(ru, "2020-09-01"), "it is a declaration of RU, and this is the record of US"),
        (declaration_draft(us, "2021-03-01"), "as of 2020-09-01, but the entry says 2021-03-01"),
        (declaration_draft("not a declaration", "2020-09-01"), "does not read"),
        (notice_draft("new-start-3", "change-in-data"), "unknown treaty \"new-start-3\""),
        (
            notice_draft("new-start", "major-strategic-exercise"),
            "defines no notification of kind \"major-strategic-exercise\"",
        ),
    ];
    for (draft, expected) in refused {
        // A good document first: a refusal anywhere in a batch signs none of it.
        let batch = [notice_draft("new-start", "change-in-data"), draft];
        let error = record.submit(&signer, &catalogue, &batch, 5).await.unwrap_err();
        assert!(matches!(error, RecordError::Refused { position: 1, .. }), "{error}");
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!(record.size().await.unwrap(), 3, "nothing was appended");
    }
    let signed = record
        .submit(
            &signer,
            &catalogue,
            &[declaration_draft(us, "2020-09-01"), notice_draft("new-start", "change-in-data")],
            9,
        )
        .await
        .unwrap();
    let numbers: Vec<u64> = signed.iter().map(|e| e.entry().sequence).collect();
    assert_eq!(numbers, [3, 4], "numbered with the places they took");
    assert!(signed.iter().all(|e| e.entry().time == 9 && e.verify(log_key().verifier()).is_ok()));

    // References: to this record's own entries they must name one that is there.
    let declaration = signed[0].leaf_hash();
    let refers = |party: &str, sequence: u64, leaf_hash: Hash| Draft {
        body: Body::Notification {
            treaty: "new-start".into(),
            notice: "change-in-data".into(),
            refers_to: Some(Reference { party: party.parse().unwrap(), sequence, leaf_hash }),
        },
        media_type: "text/plain".into(),
        bytes: b"about the declaration".to_vec(),
    };
    let receipt = |party: &str| Draft {
        body: Body::Receipt { of: Reference { party: party.parse().unwrap(), sequence: 0, leaf_hash: declaration } },
        media_type: "text/plain".into(),
        bytes: Vec::new(),
    };
    for (draft, expected) in [
        (refers("US", 9, declaration), "entry 9 of this record, which has only 5 entries"),
        (refers("US", 2, declaration), "entry 2 of this record with leaf hash"),
        (receipt("US"), "a receipt acknowledges another party's entry"),
    ] {
        let error = record.submit(&signer, &catalogue, &[draft], 10).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert_eq!(record.size().await.unwrap(), 5, "nothing was appended");
    let accepted = [refers("US", 3, declaration), refers("RU", 7, Hash::leaf(b"theirs")), receipt("RU")];
    assert_eq!(record.submit(&signer, &catalogue, &accepted, 11).await.unwrap().len(), 3);
    record.audit(true, None).await.unwrap();
}

async fn concurrent_submissions_are_numbered_in_turn<S: LogStore + WitnessStore + Clone + 'static>(store: S) {
    let first = record_with(store.clone(), 0).await;
    let second = Record::open(store).await.unwrap();
    let catalogue = catalogue();
    let drafts: Vec<Draft> = (0..20).map(|_| notice_draft("new-start", "change-in-data")).collect();
    let key = signer();
    let (a, b) = tokio::join!(first.submit(&key, &catalogue, &drafts, 1), second.submit(&key, &catalogue, &drafts, 2));
    let mut numbers: Vec<u64> = a.unwrap().iter().chain(&b.unwrap()).map(|e| e.entry().sequence).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..40).collect::<Vec<_>>(), "every place taken once");
    first.audit(true, None).await.unwrap();
}

/// An append checkpointed in the same turn of the signer: each checkpoint
/// covers the entries appended with it, two handles doing it at once take
/// their turns, and the last leaves nothing for a separate checkpoint to sign.
async fn appends_are_checkpointed_in_one_turn<S: LogStore + WitnessStore + Clone + 'static>(store: S) {
    let first = record_with(store.clone(), 0).await;
    let second = Record::open(store).await.unwrap();
    let (catalogue, key) = (catalogue(), signer());
    let drafts: Vec<Draft> = (0..5).map(|_| notice_draft("new-start", "change-in-data")).collect();
    let (a, b) = tokio::join!(
        first.submit_and_checkpoint(&key, &catalogue, &drafts, 1),
        second.submit_and_checkpoint(&key, &catalogue, &drafts, 2)
    );
    for submission in [a.unwrap(), b.unwrap()] {
        let checkpoint = submission.checkpoint.unwrap().checkpoint;
        let last = submission.entries.last().unwrap().entry().sequence;
        assert_eq!(checkpoint.size, last + 1, "the checkpoint covers its entries and no other's");
        let entries = first.store().read_entries(0, checkpoint.size).await.unwrap();
        let mut memory = MemoryLog::new();
        for entry in &entries {
            memory.push_hash(Hash::leaf(entry));
        }
        assert_eq!(checkpoint.root, memory.root(checkpoint.size), "the root of the entries, computed here");
    }
    // With nothing to append, the stored checkpoint stands.
    let nothing = first.submit_and_checkpoint(&key, &catalogue, &[], 3).await.unwrap();
    assert!(nothing.entries.is_empty());
    assert_eq!(nothing.checkpoint.unwrap().checkpoint.size, 10);
    let latest = first.latest().await.unwrap().unwrap();
    assert_eq!(latest.checkpoint.size, 10);
    assert_eq!(first.checkpoint(&key).await.unwrap().note.to_string(), latest.note.to_string(), "nothing left to sign");
    first.audit(true, None).await.unwrap();
}

async fn cosigned_sizes_only_move_forward<S: LogStore + WitnessStore>(store: S) {
    let signer = signer();
    let record = record_with(store, 5).await;
    record.checkpoint(&signer).await.unwrap();
    let witness = witness_key(3);
    assert_eq!(record.witness_request_for(witness.verifier()).await.unwrap().old_size, 0);
    let request = record.witness_request(0).await.unwrap().to_text();
    let witness_store = record.store();
    let cosignature =
        add_checkpoint(witness_store, &request, &[log_key().verifier().clone()], &witness, 1).await.unwrap();
    record.add_cosignatures(&cosignature, std::slice::from_ref(witness.verifier())).await.unwrap();
    assert_eq!(record.witness_request_for(witness.verifier()).await.unwrap().old_size, 5);
    // An empty answer is refused, not taken for the cosignatures already there.
    let note = record.store().checkpoint().await.unwrap();
    for empty in ["", "\n\n"] {
        let added = record.add_cosignatures(empty, std::slice::from_ref(witness.verifier())).await;
        assert!(matches!(&added, Err(RecordError::Cosignature(why)) if why.contains("no cosignature")), "{added:?}");
    }
    assert_eq!(record.store().checkpoint().await.unwrap(), note);
    let key = witness.verifier().to_string();
    record.store().record_cosigned(&key, 2).await.unwrap();
    assert_eq!(record.store().cosigned_size(&key).await.unwrap(), Some(5), "a late answer never moves it back");
    assert_eq!(record.store().cosigned_size("someone else").await.unwrap(), None);
}

/// Documents recorded by digest are kept once, under their digest, and
/// read back as stored.
async fn documents_are_kept_by_digest<S: LogStore + WitnessStore>(store: S) {
    let (first, second) = (b"uid,kind\n".to_vec(), vec![0u8; 200_000]);
    let (a, b) = (Hash::leaf(&first), Hash::leaf(&second));
    assert_eq!(store.document(&a).await.unwrap(), None);
    store.put_document(&a, &first).await.unwrap();
    store.put_document(&b, &second).await.unwrap();
    store.put_document(&a, &first).await.unwrap();
    assert_eq!(store.document(&a).await.unwrap(), Some(first));
    assert_eq!(store.document(&b).await.unwrap(), Some(second));
}

/// A store opened read-only, over a record of 10 entries with a checkpoint:
/// everything reads, and the backend itself refuses every write.
async fn read_only_holds<S: LogStore + WitnessStore>(record: Record<S>) {
    assert_eq!(record.store().size().await.unwrap(), 10);
    record.audit(true, None).await.unwrap();
    record.prove(3).await.unwrap();
    let appended = record.append(&[entry(10)]).await;
    assert!(matches!(appended, Err(RecordError::Store(StoreError::Database(_)))), "{appended:?}");
    assert_eq!(record.store().size().await.unwrap(), 10);
}

async fn checkpointed(record: Record<impl LogStore + WitnessStore>) {
    let signer = signer();
    record.checkpoint(&signer).await.unwrap();
}

#[tokio::test]
async fn sqlite_read_only_creates_nothing_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.db");
    assert!(matches!(SqliteStore::open_read_only(&path).await, Err(StoreError::NotFound(p)) if p == path));
    assert!(!path.exists(), "opening to read created the file");
    checkpointed(record_with(SqliteStore::open(&path).await.unwrap(), 10).await).await;
    read_only_holds(Record::open(SqliteStore::open_read_only(&path).await.unwrap()).await.unwrap()).await;
    // A file that is not a store is named as such, not migrated into one.
    let other = dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    let opened = SqliteStore::open_read_only(&other).await;
    assert!(matches!(opened, Err(StoreError::NotAStore)), "{opened:?}");
    // A store one migration behind is named as older, and left as it is.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(SqliteStore::open(&path).await.unwrap().pool())
        .await
        .unwrap();
    let opened = SqliteStore::open_read_only(&path).await;
    assert!(matches!(&opened, Err(StoreError::Schema(why)) if why.contains("it is older")), "{opened:?}");
}

#[tokio::test]
async fn postgres_read_only_writes_nothing() {
    let address = postgres_database().await;
    let opened = PgStore::open_read_only(&address).await;
    assert!(matches!(opened, Err(StoreError::NotAStore)), "{opened:?}");
    checkpointed(record_with(PgStore::open(&address).await.unwrap(), 10).await).await;
    read_only_holds(Record::open(PgStore::open_read_only(&address).await.unwrap()).await.unwrap()).await;
}

/// A PostgreSQL address where nothing listens is an error, not a hang.
#[tokio::test]
async fn a_postgres_server_that_refuses_is_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let opened = PgStore::open(&format!("postgres://nobody@127.0.0.1:{port}/none")).await;
    assert!(matches!(opened, Err(StoreError::Database(_))), "{opened:?}");
}

tamper_story!(sqlite_tampering, sqlite_store().await, pool);
tamper_story!(postgres_tampering, postgres_store().await, pool);

macro_rules! conformance {
    ($backend:ident, $store:ident, $tamper:ident) => {
        mod $backend {
            use super::*;

            #[tokio::test]
            async fn appends_store_what_the_tree_math_says() {
                super::appends_store_what_the_tree_math_says($store().await).await;
            }

            #[tokio::test]
            async fn appends_are_compare_and_swap() {
                super::appends_are_compare_and_swap($store().await).await;
            }

            #[tokio::test]
            async fn checkpoints_never_go_back_or_fork() {
                super::checkpoints_never_go_back_or_fork($store().await).await;
            }

            #[tokio::test]
            async fn documents_are_kept_by_digest() {
                super::documents_are_kept_by_digest($store().await).await;
            }

            #[tokio::test]
            async fn proofs_verify_offline() {
                super::proofs_verify_offline($store().await).await;
            }

            #[tokio::test]
            async fn witnesses_cosign_refuse_and_keep_evidence() {
                super::witnesses_cosign_refuse_and_keep_evidence($store().await, $store().await, $store().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_witness_requests_never_roll_back() {
                for _ in 0..5 {
                    super::concurrent_witness_requests_never_roll_back($store().await, $store().await).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_cosignatures_are_all_kept() {
                for _ in 0..5 {
                    super::concurrent_cosignatures_are_all_kept($store().await, $store().await, $store().await).await;
                }
            }

            /// Appending onto a partial bundle that does not hold what the
            /// size says would bury the new entries: refused instead.
            #[tokio::test]
            async fn appends_refuse_a_partial_row_that_disagrees_with_the_size() {
                let store = $store().await;
                let record = super::record_with(store.clone(), 10).await;
                sqlx::query("UPDATE tree_size SET size = 9 WHERE id = 1").execute(store.pool()).await.unwrap();
                let appended = record.append(&[super::entry(9)]).await;
                assert!(
                    matches!(appended, Err(RecordError::Tampered(Tampered::PastEnd { size: 9, entries: 10, .. }))),
                    "{appended:?}"
                );
            }

            #[tokio::test]
            async fn the_record_signs_only_what_it_checked() {
                super::the_record_signs_only_what_it_checked($store().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn appends_are_checkpointed_in_one_turn() {
                super::appends_are_checkpointed_in_one_turn($store().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_submissions_are_numbered_in_turn() {
                super::concurrent_submissions_are_numbered_in_turn($store().await).await;
            }

            #[tokio::test]
            async fn cosigned_sizes_only_move_forward() {
                super::cosigned_sizes_only_move_forward($store().await).await;
            }

            #[tokio::test]
            async fn any_changed_byte_is_found_and_named() {
                for seed in 1..=4 {
                    super::$tamper(seed).await;
                }
            }
        }
    };
}

conformance!(sqlite, sqlite_store, sqlite_tampering);
conformance!(postgres, postgres_store, postgres_tampering);
