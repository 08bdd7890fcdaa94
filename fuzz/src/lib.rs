//! Shared fixtures and property checks for the fuzz targets in `fuzz_targets/`.
//!
//! Every check panics on a violation, which is how libFuzzer learns about it.
//! See `docs/fuzzing.md` for what each target covers and how to run it.

use std::collections::HashSet;
use std::sync::OnceLock;

use detente_core::{Declaration, Vocabulary};
use detente_log::MemoryLog;
use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_log::policy::Policy;
use detente_treaty::count::Count;
use detente_treaty::{Finding, Interpretation, Options, Treaty};

/// The item kinds the fuzzed declarations may use.
pub const KINDS: [&str; 6] = ["icbm", "slbm", "icbm-launcher", "slbm-launcher", "heavy-bomber", "glcm"];

pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY
        .get_or_init(|| Vocabulary::new(KINDS).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"]))
}

/// The shipped New START definition.
pub fn new_start() -> &'static Treaty {
    static TREATY: OnceLock<Treaty> = OnceLock::new();
    TREATY.get_or_init(|| {
        Treaty::from_toml(include_str!("../../data/treaties/new-start.toml"))
            .expect("data/treaties/new-start.toml is valid")
    })
}

/// Russia's shipped reading of New START (applies to U.S. declarations).
pub fn new_start_ru() -> &'static Interpretation {
    static READING: OnceLock<Interpretation> = OnceLock::new();
    READING.get_or_init(|| {
        Interpretation::from_toml(include_str!("../../data/interpretations/new-start-ru.toml"), new_start())
            .expect("data/interpretations/new-start-ru.toml is valid")
    })
}

/// A fuzz-only reading of New START that names items by uid, for every party,
/// so that the counting engine's uid-named path is exercised too.
pub fn named_uids_reading() -> &'static Interpretation {
    static READING: OnceLock<Interpretation> = OnceLock::new();
    READING.get_or_init(|| {
        Interpretation::from_toml(include_str!("../fixtures/named-uids.toml"), new_start())
            .expect("fuzz/fixtures/named-uids.toml is valid")
    })
}

/// A fixed declaration with every kind, several statuses and armaments, and ranges.
pub fn fixture_declaration() -> &'static Declaration {
    static DECLARATION: OnceLock<Declaration> = OnceLock::new();
    DECLARATION.get_or_init(|| {
        detente_core::codec::read_csv(include_bytes!("../fixtures/mixed.csv").as_slice(), vocabulary())
            .expect("fuzz/fixtures/mixed.csv is valid")
    })
}

/// Panics unless the two declarations have the same header and the same items in the same order.
pub fn assert_same_declaration(original: &Declaration, again: &Declaration, encoded: &[u8]) {
    let encoded = String::from_utf8_lossy(encoded);
    assert_eq!(original.header(), again.header(), "header changed in the round trip; re-encoded as:\n{encoded}");
    let before: Vec<_> = original.specs().collect();
    let after: Vec<_> = again.specs().collect();
    assert_eq!(before, after, "items changed in the round trip; re-encoded as:\n{encoded}");
}

/// Counts `declaration` (with and without the uids) and checks the invariants of a [`Count`]:
///
/// - every limit's `total` is the sum of its lines' `counted`;
/// - `excess == total.saturating_sub(max)` (0 when there is no ceiling);
/// - with `with_items`, each line lists exactly `items` uids, all distinct within a limit
///   and all from the declaration, and no limit has more items than the declaration;
/// - without `with_items`, the same numbers and no uids;
/// - every difference's `delta` is `read - declared`, its `read` is the limit's total, and
///   each of its lines lists exactly `items` uids; likewise for prohibited and unknown-kind findings;
/// - a limit-exceeded finding's `excess` is `total - max`, and positive.
pub fn check_count(treaty: &Treaty, declaration: &Declaration, interpretation: Option<&Interpretation>) -> Count {
    let full = detente_treaty::count(treaty, declaration, interpretation, Options { with_items: true, ..Options::default() });
    let bare = detente_treaty::count(treaty, declaration, interpretation, Options::default());
    assert_eq!(full.limits.len(), treaty.limits.len(), "one count per limit");
    let declared_uids: HashSet<&str> = declaration.items().iter().map(|item| &*item.uid).collect();

    for (limit, bare_limit) in full.limits.iter().zip(&bare.limits) {
        let id = &limit.id;
        let sum: u64 = limit.lines.iter().map(|line| line.counted).sum();
        let total = limit.total.unwrap_or(0);
        assert!(limit.total.is_some() || limit.lines.is_empty(), "limit {id}: lines without a total");
        assert_eq!(total, sum, "limit {id}: total is not the sum of its lines' counted: {:#?}", limit.lines);
        let excess = limit.max.map_or(0, |max| total.saturating_sub(u64::from(max)));
        assert_eq!(
            limit.excess, excess,
            "limit {id}: excess {} with total {:?} and max {:?}",
            limit.excess, limit.total, limit.max
        );

        let mut seen = HashSet::new();
        let mut items = 0u64;
        for line in &limit.lines {
            assert_eq!(
                line.uids.len() as u64,
                line.items,
                "limit {id}, line {} / {} / {}: {} uids for {} items",
                line.kind,
                line.type_name,
                line.status,
                line.uids.len(),
                line.items
            );
            for uid in &line.uids {
                assert!(declared_uids.contains(uid.as_str()), "limit {id}: uid {uid:?} is not in the declaration");
                assert!(seen.insert(uid.as_str()), "limit {id}: uid {uid:?} is listed twice");
            }
            items += line.items;
        }
        assert!(
            items <= declaration.len() as u64,
            "limit {id}: {items} items counted from a declaration of {}",
            declaration.len()
        );

        assert_eq!(limit.total, bare_limit.total, "limit {id}: total depends on with_items");
        assert_eq!(limit.excess, bare_limit.excess, "limit {id}: excess depends on with_items");
        assert_eq!(limit.lines.len(), bare_limit.lines.len(), "limit {id}: lines depend on with_items");
        for (line, bare_line) in limit.lines.iter().zip(&bare_limit.lines) {
            assert!(bare_line.uids.is_empty(), "limit {id}: uids listed without with_items");
            assert_eq!(
                (line.items, line.counted),
                (bare_line.items, bare_line.counted),
                "limit {id}: line numbers depend on with_items"
            );
        }
    }

    for difference in &full.differences {
        assert_eq!(
            difference.delta,
            difference.read as i64 - difference.declared as i64,
            "difference for {}: wrong delta",
            difference.limit
        );
        let limit = full.limits.iter().find(|l| l.id == difference.limit).expect("a difference names a counted limit");
        assert_eq!(
            Some(difference.read),
            limit.total,
            "difference for {}: read is not the limit's total",
            difference.limit
        );
        for line in &difference.lines {
            assert_eq!(
                line.uids.len() as u64,
                line.items,
                "difference for {}: {} uids for {} items",
                difference.limit,
                line.uids.len(),
                line.items
            );
        }
    }
    for finding in &full.findings {
        match finding {
            Finding::LimitExceeded { limit, max, total, excess, .. } => {
                assert_eq!(*excess, total.saturating_sub(u64::from(*max)), "finding for {limit}: wrong excess");
                assert!(*excess > 0, "finding for {limit}: a limit exceeded by 0");
            }
            Finding::Prohibited { prohibition: name, items, uids, .. }
            | Finding::Contradiction { check: name, items, uids, .. }
            | Finding::UnknownKind { kind: name, items, uids }
            | Finding::MissingArmament { kind: name, items, uids } => {
                assert_eq!(uids.len() as u64, *items, "finding {name}: {} uids for {items} items", uids.len());
            }
            Finding::ReadingNamesMissingItems { reading, uids } => {
                assert!(!uids.is_empty() && uids.is_sorted(), "finding for {reading}: uids empty or unsorted");
            }
            Finding::Unattributed { .. } => {}
            Finding::LateNotification { .. } | Finding::MissingNotification { .. } | Finding::UnnotifiedChange { .. } => {
                panic!("a count found something of notifications: {finding}")
            }
        }
    }
    assert_eq!(full.findings.len(), bare.findings.len(), "findings depend on with_items");
    full
}

// The fixtures of the detente-log targets (note, checkpoint, keys, proof_bundle,
// witness_request, policy, entry, proofs). The seeds in fuzz/seeds/ are made
// with these keys and this log, so that the fuzzer starts from inputs that verify.

/// The fuzz-only log key: Ed25519, `log.example/record`, seed `[1; 32]`.
pub fn log_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed("log.example/record", Algorithm::Ed25519, [1; 32]).expect("a valid name"))
}

/// The fuzz-only witness key: a cosigner (type 0x04), `witness.example/w`, seed `[2; 32]`.
pub fn witness_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_seed("witness.example/w", Algorithm::Cosignature, [2; 32]).expect("a valid name")
    })
}

/// The fuzz-only party key that signs entries: Ed25519, `us.example/record`, seed `[3; 32]`.
pub fn entry_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed("us.example/record", Algorithm::Ed25519, [3; 32]).expect("a valid name"))
}

/// The verifier key of the C2SP signed-note example.
pub const EXAMPLE_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

/// The keys the `note` target trusts: the C2SP example key, the log key and the witness key.
pub fn trusted_keys() -> &'static [VerifierKey] {
    static KEYS: OnceLock<Vec<VerifierKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let example = VerifierKey::parse(EXAMPLE_VKEY).expect("the C2SP example key is valid");
        vec![example, log_key().verifier().clone(), witness_key().verifier().clone()]
    })
}

/// The policy the `proof_bundle` target verifies under: the log key, the witness `W`, quorum `W`.
pub fn log_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let text = format!("log {}\nwitness W {}\nquorum W\n", log_key().verifier(), witness_key().verifier());
        Policy::parse(&text).expect("the fuzz policy is valid")
    })
}

/// Leaves in the fixed log.
pub const LOG_SIZE: u64 = 1000;

/// The data of leaf `index` of the fixed log: the index as 8 bytes, big-endian.
pub fn log_leaf(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// A log of [`LOG_SIZE`] leaves ([`log_leaf`]): its roots and proofs are the honest ones.
pub fn fixed_log() -> &'static MemoryLog {
    static LOG: OnceLock<MemoryLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut log = MemoryLog::new();
        for index in 0..LOG_SIZE {
            log.push(&log_leaf(index));
        }
        log
    })
}
