//! C2SP tlog-proof bundles on arbitrary UTF-8 text: `ProofBundle::parse` never
//! panics; an accepted bundle is written back byte for byte by `Display` and
//! parses again to the same bundle. `verify`, with the bundle's `extra` as the
//! leaf and the fuzz policy (the log key, witness `W`, quorum `W`), never
//! panics; when it accepts, the index is within the checkpoint, the checkpoint
//! comes from the trusted log, the quorum is met exactly when `W` cosigned, the
//! inclusion proof verifies on its own, and any other leaf is refused.
#![no_main]

use detente_log::Hash;
use detente_log::bundle::{BundleError, ProofBundle};
use detente_log::tree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(bundle) = ProofBundle::parse(text) else { return };
    let written = bundle.to_string();
    assert_eq!(written, text, "an accepted bundle is written back differently");
    assert_eq!(ProofBundle::parse(&written), Ok(bundle.clone()), "the written bundle parses differently");

    let policy = detente_fuzz::log_policy();
    let leaf = bundle.extra.as_deref().unwrap_or_default();
    let Ok(witnessed) = bundle.verify(leaf, policy) else { return };
    let checkpoint = &witnessed.signed.checkpoint;
    assert!(bundle.index < checkpoint.size, "entry {} proven in a tree of {}", bundle.index, checkpoint.size);
    assert_eq!(checkpoint.origin, detente_fuzz::log_key().name(), "a checkpoint of an untrusted log");
    let (quorum_met, cosigners) = (witnessed.quorum_met, &witnessed.cosigners);
    assert_eq!(quorum_met, cosigners == &["W"], "quorum met: {quorum_met}, with cosigners {cosigners:?}");
    assert_eq!(
        tree::verify_inclusion(bundle.index, checkpoint.size, &Hash::leaf(leaf), &bundle.proof, &checkpoint.root),
        Ok(()),
        "the bundle verifies but its inclusion proof does not"
    );
    let other = [leaf, b"x"].concat();
    assert!(
        matches!(bundle.verify(&other, policy), Err(BundleError::NotIncluded { .. })),
        "a bundle proves another leaf too"
    );
});
