//! Criterion benchmarks of the stability analysis on the shipped `fas-2025`
//! scenario, United States against Russia (`cargo bench -p detente-bench
//! --bench analysis`; not part of the tests):
//!
//! - `stability/index`: one first-strike stability index (both first strikes
//!   with their stop rules, both ratios);
//! - `sweep/200x200`: 40,000 indexes over U.S. alert rates × Russian Yars
//!   loadings, on every core;
//! - `monte-carlo/1m`: 1,000,000 trials with four uncertain parameters, on
//!   every core.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use detente_analysis::montecarlo::{Axis, Pair, Uncertain, monte_carlo, sweep};
use detente_analysis::params::{Apply, Inputs};
use detente_analysis::scenario::Scenario;
use detente_analysis::stability::{LaunchUnderAttack, stability};

fn inputs() -> Inputs {
    let scenario =
        Scenario::parse(include_str!("../../../data/scenarios/fas-2025.toml")).expect("the shipped scenario parses");
    Inputs { model: scenario.model, postures: scenario.postures }
}

const US_RU: Pair = Pair { a: 0, b: 1, launch_under_attack: LaunchUnderAttack { a: false, b: false } };

/// The uncertain parameters of the Monte Carlo benchmark (and of BENCHMARKS.md's Python comparison).
pub const UNCERTAIN: [&str; 4] = [
    "US.cep_m*=triangular(0.7,1,1.5)",
    "RU.alert_rate=uniform(0.1,0.6)",
    "model.fratricide=uniform(0.5,1)",
    "RU.value_w80=uniform(200,400)",
];

fn analysis(c: &mut Criterion) {
    let inputs = inputs();
    c.bench_function("stability/index", |b| {
        b.iter(|| {
            stability(
                &inputs.model,
                black_box(&inputs.postures[0]),
                black_box(&inputs.postures[1]),
                LaunchUnderAttack::default(),
            )
        })
    });

    let mut group = c.benchmark_group("parallel");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_secs(1));
    let x = Axis { parameter: "US.alert_rate".parse().unwrap(), apply: Apply::Set, from: 0.0, to: 1.0, steps: 200 };
    let y = Axis {
        parameter: "RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher".parse().unwrap(),
        apply: Apply::Set,
        from: 1.0,
        to: 4.0,
        steps: 200,
    };
    group.bench_function("sweep/200x200", |b| b.iter(|| sweep(black_box(&inputs), US_RU, &x, &y, &|_| {})));
    let uncertain: Vec<Uncertain> = UNCERTAIN.iter().map(|u| u.parse().unwrap()).collect();
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("monte-carlo/1m", |b| {
        b.iter(|| monte_carlo(black_box(&inputs), US_RU, &uncertain, 1_000_000, 7, &|_| {}))
    });
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
