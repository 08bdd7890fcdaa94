//! Criterion benchmarks of the record's tree hashing: the root of 1,000,000 entries of 256
//! bytes (256 MB), against raw SHA-256 of the same bytes and against `ct-merkle`
//! (`cargo bench -p detente-bench --bench record`; not part of the tests).
//!
//! Every benchmark hashes every byte once per iteration, so the times compare directly:
//!
//! - `sha256/each-entry`: SHA-256 of each entry on its own, the baseline of the target
//!   (the root within 1.5× of it);
//! - `sha256/one-stream`: SHA-256 of all 256 MB as one message, for context;
//! - `detente/frontier`: RFC 6962 leaf hashes of 1,024 entries at a time (`Hash::leaves`)
//!   added to a `tree::Frontier` (`Frontier::extend`), then its root, as an auditor computes
//!   it (and an appender, a batch at a time);
//! - `detente/frontier-each`: the same, one `Hash::leaf` and `Frontier::push` per entry;
//! - `detente/memory-log`: `MemoryLog::push` of each entry (which keeps every stored hash),
//!   then `MemoryLog::root`;
//! - `ct-merkle/memory-backed`: `ct_merkle::MemoryBackedTree<Sha256, Vec<u8>>` push of each
//!   entry, then its root (the entries are copied into owned vectors before timing).
//!
//! `root-from-stored/tree-hash-1m` then times `tree::tree_hash` alone over the stored hashes
//! of the 1,000,000-entry log: a root read from storage, not recomputed.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use detente_bench::record::{ENTRY_BYTES, synthetic_entry};
use detente_log::tree::{self, Frontier};
use detente_log::{Hash, MemoryLog};
use sha2::{Digest, Sha256};

const ENTRIES: u64 = 1_000_000;

/// The root of `entries` as an auditor computes it: a batch of leaves at a time.
fn frontier_root<'a>(entries: impl Iterator<Item = &'a [u8]>) -> Hash {
    const BATCH: usize = 1_024;
    let mut frontier = Frontier::default();
    let mut stored = Vec::with_capacity(2 * BATCH);
    let mut batch = Vec::with_capacity(BATCH);
    let mut entries = entries.peekable();
    while entries.peek().is_some() {
        batch.clear();
        batch.extend(entries.by_ref().take(BATCH));
        stored.clear();
        frontier.extend(&Hash::leaves(&batch), &mut stored);
    }
    frontier.root()
}

/// The root of `entries` leaf by leaf.
fn frontier_root_each<'a>(entries: impl Iterator<Item = &'a [u8]>) -> Hash {
    let mut frontier = Frontier::default();
    let mut stored = Vec::with_capacity(64);
    for entry in entries {
        stored.clear();
        frontier.push(Hash::leaf(entry), &mut stored);
    }
    frontier.root()
}

fn memory_log(entries: impl Iterator<Item = impl AsRef<[u8]>>) -> MemoryLog {
    let mut log = MemoryLog::new();
    for entry in entries {
        log.push(entry.as_ref());
    }
    log
}

fn roots(c: &mut Criterion) {
    let data: Vec<u8> = (0..ENTRIES).flat_map(synthetic_entry).collect();
    let entries = || data.chunks_exact(ENTRY_BYTES);
    let expected = frontier_root(entries());
    assert_eq!(frontier_root_each(entries()), expected, "batched and one at a time agree");

    let mut group = c.benchmark_group("root-1m");
    group.throughput(Throughput::Bytes(data.len() as u64));
    // One iteration per sample: each takes a quarter of a second or (ct-merkle) several seconds.
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("sha256/each-entry", |b| {
        b.iter(|| entries().map(|entry| Sha256::digest(black_box(entry))).fold(0u8, |acc, digest| acc ^ digest[0]));
    });
    group.bench_function("sha256/one-stream", |b| b.iter(|| Sha256::digest(black_box(&data))));
    group.bench_function("detente/frontier", |b| b.iter(|| frontier_root(black_box(&data).chunks_exact(ENTRY_BYTES))));
    group.bench_function("detente/frontier-each", |b| {
        b.iter(|| frontier_root_each(black_box(&data).chunks_exact(ENTRY_BYTES)));
    });
    group.bench_function("detente/memory-log", |b| {
        b.iter(|| memory_log(black_box(&data).chunks_exact(ENTRY_BYTES)).root(ENTRIES));
    });
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("ct-merkle/memory-backed", |b| {
        b.iter_batched(
            || entries().map(<[u8]>::to_vec).collect::<Vec<_>>(),
            |leaves| {
                let mut tree = MemoryBackedTree::<Sha256, Vec<u8>>::new();
                for leaf in leaves {
                    tree.push(leaf);
                }
                tree.root()
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();

    let log = memory_log(entries());
    assert_eq!(log.root(ENTRIES), expected, "the memory log and the frontier agree");
    c.bench_function("root-from-stored/tree-hash-1m", |b| {
        b.iter(|| tree::tree_hash(black_box(ENTRIES), log.stored()).expect("a memory log has every hash"));
    });
}

/// The same comparison with 4 KiB entries (100,000 of them, 400 MB): the
/// size at which RFC 6962's prefix byte and node hashes stop mattering.
fn roots_of_large_entries(c: &mut Criterion) {
    const LARGE: usize = 4096;
    let data: Vec<u8> =
        (0..100_000 * LARGE as u64 / 8).flat_map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes()).collect();
    let mut group = c.benchmark_group("root-100k-4k");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("sha256/each-entry", |b| {
        b.iter(|| black_box(&data).chunks_exact(LARGE).map(Sha256::digest).fold(0u8, |acc, digest| acc ^ digest[0]));
    });
    group.bench_function("detente/frontier", |b| b.iter(|| frontier_root(black_box(&data).chunks_exact(LARGE))));
    group.finish();
}

criterion_group!(record_benches, roots, roots_of_large_entries);
criterion_main!(record_benches);
