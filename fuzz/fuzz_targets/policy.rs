//! C2SP tlog-policy files on arbitrary UTF-8 text: `Policy::parse` never
//! panics. In an accepted policy, logs are Ed25519 keys and witnesses cosigner
//! keys, no key is listed twice, no witness is named `none` or named twice;
//! `describe_quorum` never panics; no cosigner meets the quorum exactly when
//! it is `none`, every witness together always meets it, and adding cosigners
//! never loses it; and `cosigners` names every witness whose cosignature
//! verified, in policy order, and none for no cosignature; and
//! `disjoint_quorums` finds two quorums with no witness in common exactly
//! when there are some.
#![no_main]

use detente_log::keys::Algorithm;
use detente_log::note::Verified;
use detente_log::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = Policy::parse(text) else { return };
    let logs = policy.logs();
    for (i, log) in logs.iter().enumerate() {
        assert_eq!(log.algorithm(), Algorithm::Ed25519, "log {log} is not an Ed25519 key");
        assert!(!logs[..i].iter().any(|l| l.public_key() == log.public_key()), "log key {log} listed twice");
    }
    let witnesses = policy.witnesses();
    for (i, witness) in witnesses.iter().enumerate() {
        let (name, key) = (&witness.name, &witness.key);
        assert_eq!(key.algorithm(), Algorithm::Cosignature, "witness {name}: {key} is not a cosigner key");
        assert_ne!(name, "none", "a witness named none");
        assert!(!witnesses[..i].iter().any(|w| &w.name == name), "witness {name} defined twice");
        assert!(!witnesses[..i].iter().any(|w| w.key.public_key() == key.public_key()), "key {key} listed twice");
    }
    assert_eq!(policy.witness_keys().len(), witnesses.len(), "one key per witness");

    let none = policy.describe_quorum() == "none (no cosignature needed)";
    assert_eq!(policy.quorum_met(&[]), none, "quorum met without cosigners: {}", policy.describe_quorum());
    let names: Vec<String> = witnesses.iter().map(|w| w.name.clone()).collect();
    assert!(policy.quorum_met(&names), "every witness together misses the quorum {}", policy.describe_quorum());
    let mut met = none;
    for k in 1..=names.len() {
        let now = policy.quorum_met(&names[..k]);
        assert!(now || !met, "quorum met by {:?} but not with {}", &names[..k - 1], names[k - 1]);
        met = now;
    }

    let verified: Vec<Verified> = witnesses
        .iter()
        .map(|w| Verified {
            name: w.key.name().into(),
            id: w.key.id(),
            algorithm: w.key.algorithm(),
            timestamp: Some(0),
        })
        .collect();
    assert_eq!(policy.cosigners(&verified), names, "cosigners of every witness");
    assert!(policy.cosigners(&[]).is_empty(), "cosigners without cosignatures");

    // Two disjoint quorums, when found, are disjoint and each a quorum;
    // when none is found, no split of the witnesses into a prefix and the
    // rest gives two.
    if let Ok(found) = policy.disjoint_quorums() {
        match found {
            Some((one, other)) => {
                assert!(one.iter().all(|w| !other.contains(w)), "{one:?} and {other:?} share a witness");
                assert!(policy.quorum_met(&one) && policy.quorum_met(&other), "{one:?} or {other:?} is no quorum");
            }
            None => {
                for k in 0..=names.len() {
                    let (one, other) = names.split_at(k);
                    assert!(!(policy.quorum_met(one) && policy.quorum_met(other)), "{one:?} and {other:?} missed");
                }
            }
        }
    }
});
