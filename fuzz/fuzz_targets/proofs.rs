//! RFC 9162 proofs, `detente_log::tree::verify_inclusion` and
//! `verify_consistency`, with arbitrary indexes, sizes and proofs: never a
//! panic, and against the fixed log of 1,000 leaves (`detente_fuzz::fixed_log`)
//! a proof verifies exactly when it is the honest one.
//!
//! Input: `u64 a | u64 b | u8 flags | rest`, big-endian. `a` is the leaf index
//! and the first size, `b` the tree size and the second size. Flags:
//! bit 0 takes `a` and `b` modulo 1,002 (most then fall within the log);
//! bit 1 reads the proofs from `rest` as 32-byte hashes, else each proof is the
//! honest one changed by the 2-byte edits in `rest` (flip a bit, drop, repeat,
//! swap, truncate, insert the first root); bit 2 proves the leaf hash of `rest`
//! instead of leaf `a`; bit 3 gives the first root as the leaf hash of `rest`
//! instead of the root of `a` leaves.
//!
//! Within the log the roots are honest and the checks are exact: an inclusion
//! proof verifies if and only if `a < b`, the leaf is leaf `a` and the proof is
//! `prove_inclusion(a, b)`; a consistency proof if and only if `a <= b`, the
//! proof is `prove_consistency(a, b)` and the first root is the root of `a`
//! leaves (any root when `a` is 0). Beyond it, stand-in roots, no panic.
//! `MemoryLog::prove_inclusion` and `prove_consistency` are asked for any
//! `a`, `b` too: an error beyond the log, never a panic.
#![no_main]

use detente_log::{Hash, tree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<17>() else { return };
    let a = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
    let b = u64::from_be_bytes(head[8..16].try_into().expect("8 bytes"));
    let flags = head[16];
    let log = detente_fuzz::fixed_log();
    let (a, b) = if flags & 1 != 0 { (a % (log.size() + 2), b % (log.size() + 2)) } else { (a, b) };

    let honest_inclusion = log.prove_inclusion(a, b).ok();
    let honest_consistency = log.prove_consistency(a, b).ok();
    assert_eq!(honest_inclusion.is_some(), a < b && b <= log.size(), "prove_inclusion({a}, {b})");
    assert_eq!(honest_consistency.is_some(), a <= b && b <= log.size(), "prove_consistency({a}, {b})");

    let root = |size: u64| if size <= log.size() { log.root(size) } else { Hash::leaf(&size.to_be_bytes()) };
    let leaf = if flags & 4 != 0 { Hash::leaf(rest) } else { Hash::leaf(&detente_fuzz::log_leaf(a)) };
    let first_root = if flags & 8 != 0 { Hash::leaf(rest) } else { root(a) };
    let second_root = root(b);
    let proof = |honest: &Option<Vec<Hash>>| {
        if flags & 2 != 0 {
            rest.chunks_exact(32).map(|c| Hash(c.try_into().expect("32 bytes"))).collect()
        } else {
            edit(honest.clone().unwrap_or_default(), rest, first_root)
        }
    };
    let (inclusion, consistency) = (proof(&honest_inclusion), proof(&honest_consistency));

    let included = tree::verify_inclusion(a, b, &leaf, &inclusion, &second_root);
    let consistent = tree::verify_consistency(a, b, &first_root, &second_root, &consistency);
    if b > log.size() {
        return;
    }
    let honest_leaf = a < b && leaf == Hash::leaf(&detente_fuzz::log_leaf(a));
    let expected = honest_leaf && honest_inclusion.as_ref() == Some(&inclusion);
    assert_eq!(included.is_ok(), expected, "inclusion of leaf {a} in {b}: {included:?}, proof {inclusion:?}");
    let expected = honest_consistency.as_ref() == Some(&consistency) && (a == 0 || first_root == root(a)) && a <= b;
    assert_eq!(consistent.is_ok(), expected, "consistency of {a} with {b}: {consistent:?}, proof {consistency:?}");
});

/// Applies the 2-byte edits in `edits` to `proof`: the first byte chooses the
/// edit, the second the position.
fn edit(mut proof: Vec<Hash>, edits: &[u8], first_root: Hash) -> Vec<Hash> {
    for pair in edits.chunks_exact(2) {
        let (op, at) = (pair[0], usize::from(pair[1]));
        let len = proof.len();
        match op % 6 {
            0 if len > 0 => proof[at % len].0[usize::from(op) % 32] ^= 1 << (op % 8),
            1 if len > 0 => drop(proof.remove(at % len)),
            2 if len > 0 => proof.insert(at % (len + 1), proof[at % len]),
            3 if len > 1 => proof.swap(at % len, (at + 1) % len),
            4 => proof.truncate(at % (len + 1)),
            5 => proof.insert(at % (len + 1), first_root),
            _ => {}
        }
    }
    proof
}
