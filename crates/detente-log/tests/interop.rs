//! Against implementations nobody here wrote, byte for byte: `ct-merkle`
//! (an RFC 6962 tree) and `tlog_tiles` (a port of Go's sumdb/tlog, whose stored
//! hash layout detente shares). Then the proof properties the RFC's verifiers
//! must hold: any change to a proof, its sizes or its roots is refused.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use detente_log::tree::{self, SizeError, VerifyError};
use detente_log::{Hash, MemoryLog};
use proptest::prelude::*;
use sha2::Sha256;
use tlog_tiles::tlog;

fn data(i: u64) -> Vec<u8> {
    format!("detente entry {i}").into_bytes()
}

/// A small deterministic generator (splitmix64), so failures can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

struct GoStore(Vec<tlog::Hash>);

impl tlog::HashReader for GoStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

fn bytes(proof: &[Hash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

fn go_bytes(proof: &[tlog::Hash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

#[test]
fn a_million_leaf_tree_matches_ct_merkle_and_the_go_tlog_port() {
    const N: u64 = 1 << 20;
    let mut random = Random(6962);
    let mut checkpoints: Vec<u64> = (0..10).map(|_| 1 + random.below(N)).collect();
    checkpoints.extend([1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, N - 1, N]);
    checkpoints.sort_unstable();
    checkpoints.dedup();

    let mut ours = MemoryLog::new();
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    let mut go = GoStore(Vec::new());
    let mut next = checkpoints.iter().peekable();
    for i in 0..N {
        let entry = data(i);
        ours.push(&entry);
        go.0.extend(tlog::stored_hashes(i, &entry, &go).unwrap());
        theirs.push(entry);
        let size = i + 1;
        if next.peek() != Some(&&size) {
            continue;
        }
        next.next();
        let root = ours.root(size);
        assert_eq!(root.0.as_slice(), theirs.root().as_bytes().as_slice(), "root of {size} (ct-merkle)");
        assert_eq!(root.0, tlog::tree_hash(size, &go).unwrap().0, "root of {size} (tlog)");
        for _ in 0..8 {
            let index = random.below(size);
            let proof = ours.prove_inclusion(index, size).unwrap();
            let theirs_proof = theirs.prove_inclusion(index as usize);
            assert_eq!(bytes(&proof), theirs_proof.as_bytes(), "inclusion of {index} in {size} (ct-merkle)");
            assert_eq!(bytes(&proof), go_bytes(&tlog::prove_record(size, index, &go).unwrap()), "inclusion (tlog)");
            tree::verify_inclusion(index, size, &Hash::leaf(&data(index)), &proof, &root).unwrap();

            let first = 1 + random.below(size);
            let proof = ours.prove_consistency(first, size).unwrap();
            if first < size {
                let theirs_proof = theirs.prove_consistency((size - first) as usize);
                assert_eq!(bytes(&proof), theirs_proof.as_bytes(), "consistency {first} → {size} (ct-merkle)");
                assert_eq!(bytes(&proof), go_bytes(&tlog::prove_tree(size, first, &go).unwrap()), "consistency (tlog)");
            }
            tree::verify_consistency(first, size, &ours.root(first), &root, &proof).unwrap();
        }
    }
    // The stored layout is Go tlog's, hash for hash, so tiles can be served from it later.
    assert_eq!(ours.stored().len(), go.0.len());
    assert!(ours.stored().iter().zip(&go.0).all(|(a, b)| a.0 == b.0), "stored hashes differ");
    for (level, index) in [(0u32, 0u64), (0, 12345), (1, 7), (5, 1000), (19, 1)] {
        assert_eq!(tree::stored_hash_index(level, index), tlog::stored_hash_index(level as u8, index));
    }
}

fn log_of(size: u64) -> MemoryLog {
    let mut log = MemoryLog::new();
    for i in 0..size {
        log.push(&data(i));
    }
    log
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs_refuse_every_change(size in 1u64..300, index_seed in any::<u64>(), position in any::<usize>(), byte in 0usize..32) {
        let log = log_of(size);
        let index = index_seed % size;
        let root = log.root(size);
        let leaf = Hash::leaf(&data(index));
        let proof = log.prove_inclusion(index, size).unwrap();
        prop_assert_eq!(tree::verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));

        // A changed byte anywhere in the proof, the leaf or the root.
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[position % proof.len()].0[byte] ^= 1;
            prop_assert!(tree::verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
        let mut other = leaf;
        other.0[byte] ^= 1;
        prop_assert!(tree::verify_inclusion(index, size, &other, &proof, &root).is_err());
        prop_assert!(tree::verify_inclusion(index, size, &leaf, &proof, &other).is_err());
        // An extra or a missing element.
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(tree::verify_inclusion(index, size, &leaf, &longer, &root).is_err());
        if !proof.is_empty() {
            prop_assert!(tree::verify_inclusion(index, size, &leaf, &proof[..proof.len() - 1], &root).is_err());
        }
        // Another leaf index, or an index past the end.
        if size > 1 {
            prop_assert!(tree::verify_inclusion((index + 1) % size, size, &leaf, &proof, &root).is_err());
        }
        prop_assert_eq!(
            tree::verify_inclusion(size, size, &leaf, &proof, &root),
            Err(VerifyError::Sizes(SizeError::NoSuchLeaf { index: size, size }))
        );
    }

    #[test]
    fn consistency_proofs_refuse_every_change(second in 1u64..300, first_seed in any::<u64>(), position in any::<usize>(), byte in 0usize..32) {
        let log = log_of(second);
        let first = first_seed % (second + 1);
        let (r1, r2) = (log.root(first), log.root(second));
        let proof = log.prove_consistency(first, second).unwrap();
        prop_assert_eq!(tree::verify_consistency(first, second, &r1, &r2, &proof), Ok(()));

        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[position % proof.len()].0[byte] ^= 1;
            prop_assert!(tree::verify_consistency(first, second, &r1, &r2, &bad).is_err());
            prop_assert!(tree::verify_consistency(first, second, &r1, &r2, &proof[..proof.len() - 1]).is_err());
        }
        let mut longer = proof.clone();
        longer.push(r2);
        prop_assert!(tree::verify_consistency(first, second, &r1, &r2, &longer).is_err());
        if first > 0 {
            let mut other = r1;
            other.0[byte] ^= 1;
            prop_assert!(tree::verify_consistency(first, second, &other, &r2, &proof).is_err());
        }
        // (The empty tree is a prefix of every tree, whatever its root.)
        if first > 0 {
            let mut other = r2;
            other.0[byte] ^= 1;
            prop_assert!(tree::verify_consistency(first, second, &r1, &other, &proof).is_err());
        }
        // Sizes the wrong way round are refused outright.
        if first < second {
            prop_assert_eq!(
                tree::verify_consistency(second, first, &r2, &r1, &proof),
                Err(VerifyError::Sizes(SizeError::Shrinking { first: second, second: first }))
            );
        }
    }
}

#[test]
fn equal_sizes_need_an_empty_proof_and_equal_roots() {
    let log = log_of(5);
    let root = log.root(5);
    assert_eq!(tree::verify_consistency(5, 5, &root, &root, &[]), Ok(()));
    assert_eq!(tree::verify_consistency(5, 5, &root, &log.root(4), &[]), Err(VerifyError::RootMismatch));
    assert_eq!(tree::verify_consistency(5, 5, &root, &root, &[root]), Err(VerifyError::TooLong));
    // The empty tree is a prefix of every tree, with an empty proof only.
    assert_eq!(tree::verify_consistency(0, 5, &Hash::empty(), &root, &[]), Ok(()));
    assert_eq!(tree::verify_consistency(0, 5, &Hash::empty(), &root, &[root]), Err(VerifyError::TooLong));
    assert_eq!(log.root(0), Hash::empty());
    assert!(log.prove_inclusion(5, 5).is_err());
    assert!(log.prove_consistency(3, 6).is_err(), "a size beyond the log");
}

// Signed notes and checkpoints against Cloudflare's `signed_note` and `tlog_tiles`.
mod notes {
    use detente_log::Hash;
    use detente_log::checkpoint::{Checkpoint, SignedCheckpoint};
    use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
    use detente_log::note::Note;
    use proptest::prelude::*;
    use signed_note::{StandardSigner, StandardVerifier, VerifierList};

    // Go's sumdb/note documentation key pair, written by Go, not by detente (data only).
    const GO_SIGNING_KEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VERIFIER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    fn origin() -> impl Strategy<Value = String> {
        "[a-z]{1,12}\\.example/[a-z0-9]{1,12}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// detente writes, signed_note verifies and tlog_tiles reads the same checkpoint.
        #[test]
        fn signed_note_accepts_detente_checkpoints(origin in origin(), size: u64, root: [u8; 32], seed: [u8; 32]) {
            let key = SigningKey::from_seed(&origin, Algorithm::Ed25519, seed).unwrap();
            let checkpoint = Checkpoint::new(&origin, size, Hash(root));
            let mut note = Note::new(checkpoint.text()).unwrap();
            note.sign(&key, 0);
            let written = note.to_string();

            let verifier = StandardVerifier::new(&key.verifier().to_string()).unwrap();
            let theirs = signed_note::Note::from_bytes(written.as_bytes()).unwrap();
            let (verified, _) = theirs.verify(&VerifierList::new(vec![Box::new(verifier)])).unwrap();
            prop_assert_eq!(verified.len(), 1);
            let parsed = tlog_tiles::Checkpoint::from_bytes(theirs.text()).unwrap();
            prop_assert_eq!((parsed.origin(), parsed.size(), parsed.hash().0), (origin.as_str(), size, root));
        }

        /// signed_note signs a checkpoint tlog_tiles wrote; detente reads and verifies it.
        #[test]
        fn detente_accepts_signed_note_checkpoints(size: u64, root: [u8; 32]) {
            let text = tlog_tiles::Checkpoint::new("PeterNeumann", size, tlog_tiles::Hash(root), "").unwrap().to_bytes();
            let signer = StandardSigner::new(GO_SIGNING_KEY).unwrap();
            let mut theirs = signed_note::Note::new(&text, &[]).unwrap();
            theirs.add_sigs(&[&signer]).unwrap();
            let written = String::from_utf8(theirs.to_bytes()).unwrap();

            let key = VerifierKey::parse(GO_VERIFIER_KEY).unwrap();
            let signed = SignedCheckpoint::open(&written, &key, &[]).unwrap();
            prop_assert_eq!(signed.checkpoint, Checkpoint::new("PeterNeumann", size, Hash(root)));
            prop_assert_eq!(signed.note.to_string(), written);
        }
    }

    #[test]
    fn signed_note_and_detente_agree_on_verifier_keys() {
        let key = SigningKey::from_seed("us.detente.example/record", Algorithm::Ed25519, [5; 32]).unwrap();
        let vkey = key.verifier().to_string();
        let verifier = StandardVerifier::new(&vkey).unwrap();
        use signed_note::Verifier as _;
        assert_eq!((verifier.name(), verifier.key_id()), (key.name(), key.verifier().id()));
        // And signed_note's own signer key text reads as the same key here.
        let go = StandardSigner::new(GO_SIGNING_KEY).unwrap();
        use signed_note::Signer as _;
        assert_eq!(go.key_id(), SigningKey::parse(GO_SIGNING_KEY).unwrap().verifier().id());
    }
}

/// Found by the `proofs` fuzz target (fuzz/regressions/proofs-prove-size-overflow.bin):
/// asking a memory log for a proof in a tree of 2^64 - 1 leaves overflowed.
#[test]
fn proofs_for_impossible_sizes_are_errors_not_panics() {
    let mut log = MemoryLog::new();
    log.push(b"one");
    assert!(log.prove_inclusion(0, u64::MAX).is_err());
    assert!(log.prove_consistency(0, u64::MAX).is_err());
    assert!(log.prove_consistency(1, u64::MAX).is_err());
}
