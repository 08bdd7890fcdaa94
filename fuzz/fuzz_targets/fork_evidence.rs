//! Fork evidence bundles (`witness evidence`, `witness check-evidence`) on
//! arbitrary UTF-8 text: `ForkEvidence::parse` never panics, a bundle it
//! reads is written back byte for byte, and checking one against the fuzz
//! log key never panics. A bundle that checks as a fork holds two
//! checkpoints the key signed for one origin that contradict each other:
//! the same size with different roots, or a larger tree whose proof starts
//! from another tree of the cosigned size.
#![no_main]

use detente_log::checkpoint::SignedCheckpoint;
use detente_log::witness::{AddCheckpoint, Fork, ForkEvidence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(evidence) = ForkEvidence::parse(text) else { return };
    assert_eq!(evidence.to_text(), text, "a bundle read is written back differently");
    let key = detente_fuzz::log_key().verifier();
    let Ok(fork) = evidence.check(key) else { return };
    let cosigned = SignedCheckpoint::open(&evidence.cosigned, key, &[]).expect("a fork's cosigned note verifies");
    let request = AddCheckpoint::parse(&evidence.request).expect("a fork's request reads");
    let signed = SignedCheckpoint::open(&request.checkpoint, key, &[]).expect("a fork's checkpoint verifies");
    let (a, b) = (cosigned.checkpoint, signed.checkpoint);
    assert_eq!(a.origin, b.origin);
    match fork {
        Fork::SameSize { size } => assert!(a.size == size && b.size == size && a.root != b.root),
        Fork::Diverged { cosigned, size } => assert!(a.size == cosigned && b.size == size && size > cosigned),
    }
});
