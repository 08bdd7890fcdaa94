//! Criterion benchmarks of the counting engine and the CSV decoder on a generated
//! declaration of 1,000,000 items (`cargo bench -p detente-bench --bench count`; not part of the tests).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use detente_core::codec;
use detente_treaty::{Options, count};

const ITEMS: usize = 1_000_000;
const SEED: u64 = 2010;

fn benches(c: &mut Criterion) {
    let treaty = detente_bench::new_start();
    let ru = detente_bench::new_start_ru(&treaty);
    let declaration = detente_bench::synthetic_declaration(ITEMS, SEED);
    let vocabulary = detente_bench::vocabulary();
    let mut csv = Vec::new();
    codec::write_csv(&declaration, &mut csv).expect("writing to memory");

    let mut group = c.benchmark_group("count-1m");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    group.bench_function("new-start/totals", |b| {
        b.iter(|| count(black_box(&treaty), black_box(&declaration), None, Options::default()));
    });
    group.bench_function("new-start-ru/totals", |b| {
        b.iter(|| count(black_box(&treaty), black_box(&declaration), Some(black_box(&ru)), Options::default()));
    });
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("new-start/with-items", |b| {
        b.iter(|| {
            count(black_box(&treaty), black_box(&declaration), None, Options { with_items: true, ..Options::default() })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("decode-1m");
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(20));
    group.bench_function("csv-from-memory", |b| {
        b.iter(|| codec::read_csv(black_box(&csv[..]), &vocabulary).expect("the generated CSV is valid"));
    });
    group.finish();
}

criterion_group!(count_benches, benches);
criterion_main!(count_benches);
