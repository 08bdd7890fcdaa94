//! Criterion benchmark of admitting one notification to a party's ledger:
//! a movement of one B-52H, on the United States' 2020-09-01 declaration
//! with 10,000 movements admitted before it, as a node does for every
//! notification it takes; and of building that database as it stands (`cargo bench -p detente-bench --bench ledger`;
//! not part of the tests).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use detente_core::ledger::{Admitted, Ledger};
use detente_core::{Change, Event, Notice, Time, codec};

const US_2020: &str = include_str!("../../../data/declarations/us-2020-09-01.csv");
const BASES: [&str; 2] = ["BARKSDALE", "MINOT"];

/// The `i`th movement: the bomber goes back and forth, a minute apart.
fn movement(i: u64) -> Admitted {
    let start = Time::start_of("2020-09-02".parse().unwrap());
    let at = Time::from_unix_seconds(start.unix_seconds() + 60 * i as i64);
    let change = Change::Moved { from: BASES[i as usize % 2].into(), to: BASES[(i as usize + 1) % 2].into() };
    let events = vec![Event { uid: "US-B-B52H-001".into(), at, change }];
    Admitted {
        sequence: i + 1,
        kind: "movement".into(),
        provided: None,
        notice: Notice { events, ..Notice::default() },
    }
}

fn benches(c: &mut Criterion) {
    let vocabulary = detente_bench::vocabulary();
    let declaration = codec::read_csv(US_2020.as_bytes(), &vocabulary).expect("the shipped declaration reads");
    let mut ledger = Ledger::new(declaration, vocabulary);
    for i in 0..10_000 {
        ledger.admit(movement(i)).expect("each movement holds");
    }
    let mut group = c.benchmark_group("ledger");
    group.sample_size(50).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    let mut next = 10_000;
    group.bench_function("admit-movement/us-2020+10k", |b| {
        b.iter_batched(
            || {
                next += 1;
                movement(next - 1)
            },
            |admitted| ledger.admit(black_box(admitted)).expect("holds"),
            BatchSize::SmallInput,
        );
    });
    // What status and counts read: the whole database as it stands.
    group.bench_function("now/us-2020+10k", |b| b.iter(|| black_box(ledger.now())));
    group.finish();
}

criterion_group!(ledger_benches, benches);
criterion_main!(ledger_benches);
