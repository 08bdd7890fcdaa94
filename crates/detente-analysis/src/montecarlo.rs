//! Uncertainty: seeded Monte Carlo runs over uncertain parameters, and
//! two-parameter sweeps, in parallel.
//!
//! Reproducibility: trial `i` draws from its own ChaCha8 stream (the run's
//! seed, stream `i`), and results are gathered in trial order, so a run
//! gives the same numbers on any number of threads.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::Distribution as _;
use rayon::prelude::*;

use crate::params::{Apply, Inputs, Parameter, ParameterError};
use crate::stability::{LaunchUnderAttack, stability};

/// A distribution of an uncertain value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// Values outside the parameter's bounds are clamped to them.
    Normal {
        mean: f64,
        sd: f64,
    },
}

/// What is wrong with a distribution as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DistributionProblem {
    #[error("no arguments")]
    NoArguments,
    #[error("no closing parenthesis")]
    Unclosed,
    #[error("an argument is not a number")]
    NotANumber,
    #[error("an argument is beyond ±{:e}", crate::scenario::LARGEST)]
    TooLarge,
    #[error("wrong number or order of arguments")]
    Arguments,
    #[error("unknown distribution")]
    Unknown,
}

/// A distribution that cannot be read, with the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?}: {problem}; expected uniform(LOW,HIGH), triangular(LOW,MODE,HIGH) or normal(MEAN,SD)")]
pub struct DistributionError {
    pub text: String,
    pub problem: DistributionProblem,
}

impl FromStr for Distribution {
    type Err = DistributionError;
    /// `uniform(LOW,HIGH)`, `triangular(LOW,MODE,HIGH)` or `normal(MEAN,SD)`.
    fn from_str(text: &str) -> Result<Distribution, DistributionError> {
        let bad = |problem| DistributionError { text: text.into(), problem };
        let (name, rest) = text.split_once('(').ok_or_else(|| bad(DistributionProblem::NoArguments))?;
        let arguments = rest.strip_suffix(')').ok_or_else(|| bad(DistributionProblem::Unclosed))?;
        let numbers: Vec<f64> = arguments
            .split(',')
            .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad(DistributionProblem::NotANumber))?;
        // Bounded like every figure, so that draws and their differences stay finite.
        if numbers.iter().any(|n| n.abs() > crate::scenario::LARGEST) {
            return Err(bad(DistributionProblem::TooLarge));
        }
        match (name.trim(), numbers.as_slice()) {
            ("uniform", &[low, high]) if low <= high => Ok(Distribution::Uniform { low, high }),
            ("triangular", &[low, mode, high]) if low <= mode && mode <= high && low < high => {
                Ok(Distribution::Triangular { low, mode, high })
            }
            ("normal", &[mean, sd]) if sd >= 0.0 => Ok(Distribution::Normal { mean, sd }),
            ("uniform" | "triangular" | "normal", _) => Err(bad(DistributionProblem::Arguments)),
            _ => Err(bad(DistributionProblem::Unknown)),
        }
    }
}

impl Distribution {
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match *self {
            Distribution::Uniform { low, high } if low == high => low,
            Distribution::Uniform { low, high } => {
                rand_distr::Uniform::new_inclusive(low, high).expect("checked on parsing").sample(rng)
            }
            Distribution::Triangular { low, mode, high } => {
                rand_distr::Triangular::new(low, high, mode).expect("checked on parsing").sample(rng)
            }
            Distribution::Normal { mean, sd } => {
                rand_distr::Normal::new(mean, sd).expect("checked on parsing").sample(rng)
            }
        }
    }
}

/// One uncertain parameter: `PARAMETER=DIST` sets it, `PARAMETER*=DIST` scales it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Uncertain {
    pub parameter: Parameter,
    pub apply: Apply,
    pub distribution: Distribution,
}

/// An uncertain parameter that cannot be read: its parameter, its
/// distribution, or the `=` between them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UncertainError {
    #[error("{text:?}: expected PARAMETER=DISTRIBUTION or PARAMETER*=DISTRIBUTION")]
    NoAssignment { text: String },
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    #[error(transparent)]
    Distribution(#[from] DistributionError),
}

impl FromStr for Uncertain {
    type Err = UncertainError;
    fn from_str(text: &str) -> Result<Uncertain, UncertainError> {
        let (parameter, apply, distribution) = match text.split_once("*=") {
            Some((p, d)) => (p, Apply::Scale, d),
            None => {
                let (p, d) = text.split_once('=').ok_or_else(|| UncertainError::NoAssignment { text: text.into() })?;
                (p, Apply::Set, d)
            }
        };
        Ok(Uncertain { parameter: parameter.trim().parse()?, apply, distribution: distribution.trim().parse()? })
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distribution::Uniform { low, high } => write!(f, "uniform({low},{high})"),
            Distribution::Triangular { low, mode, high } => write!(f, "triangular({low},{mode},{high})"),
            Distribution::Normal { mean, sd } => write!(f, "normal({mean},{sd})"),
        }
    }
}

/// As it is written on the command line, so it reads back the same.
impl std::fmt::Display for Uncertain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let operator = if self.apply == Apply::Scale { "*=" } else { "=" };
        write!(f, "{}{operator}{}", self.parameter, self.distribution)
    }
}

/// Which two parties face each other, and how they respond to an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub launch_under_attack: LaunchUnderAttack,
}

/// What one evaluation gives.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub index: f64,
    pub ratio_a: f64,
    pub ratio_b: f64,
    /// A's warheads that survive B's first strike and retaliate.
    pub survivors_a: f64,
    /// B's warheads that survive A's first strike.
    pub survivors_b: f64,
}

fn evaluate(inputs: &Inputs, pair: Pair) -> Outcome {
    let s = stability(&inputs.model, &inputs.postures[pair.a], &inputs.postures[pair.b], pair.launch_under_attack);
    Outcome {
        index: s.index,
        ratio_a: s.a.ratio,
        ratio_b: s.b.ratio,
        survivors_a: s.b_strikes.retaliation,
        survivors_b: s.a_strikes.retaliation,
    }
}

/// Summary statistics of one quantity over the trials.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Stats {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub p05: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p95: f64,
    pub max: f64,
}

impl Stats {
    /// The statistics of at least one value.
    fn of(mut values: Vec<f64>) -> Stats {
        assert!(!values.is_empty(), "statistics of no values");
        let n = values.len() as f64;
        // A fixed order of summation: the same sums on any number of threads.
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let last = (values.len() - 1) as f64;
        let ranks = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0].map(|q: f64| (q * last).round() as usize);
        // Short runs repeat ranks: select each distinct one once.
        let mut distinct = ranks.to_vec();
        distinct.dedup();
        let mut found = vec![0.0; distinct.len()];
        select_ranks(&mut values, &distinct, 0, &mut found);
        let [min, p05, p25, median, p75, p95, max] =
            ranks.map(|rank| found[distinct.binary_search(&rank).expect("every rank was selected")]);
        Stats { mean, sd, min, p05, p25, median, p75, p95, max }
    }
}

/// The values at sorted positions `ranks` (strictly ascending, counted from
/// `offset`) of `values`, by selection: linear time where sorting a million
/// values is not. Each selection splits the slice, and the ranks on either
/// side are found within their part.
fn select_ranks(values: &mut [f64], ranks: &[usize], offset: usize, found: &mut [f64]) {
    if ranks.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let (below, &mut value, above) = values.select_nth_unstable_by(ranks[middle] - offset, f64::total_cmp);
    let (found_below, rest) = found.split_at_mut(middle);
    rest[0] = value;
    select_ranks(below, &ranks[..middle], offset, found_below);
    select_ranks(above, &ranks[middle + 1..], ranks[middle] + 1, &mut rest[1..]);
}

/// A Monte Carlo run's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonteCarlo {
    pub trials: u64,
    pub seed: u64,
    pub index: Stats,
    pub ratio_a: Stats,
    pub ratio_b: Stats,
    pub survivors_a: Stats,
    pub survivors_b: Stats,
    /// Trials whose index fell in each tenth of [0, 1] (the last holds 1).
    pub index_histogram: [u64; 10],
}

/// Trials between progress reports.
const PROGRESS_EVERY: u64 = 4_096;

/// Runs `trials` (at least one) evaluations of `pair`, each with every
/// uncertain parameter drawn afresh. `progress` hears the number of trials
/// done now and then.
pub fn monte_carlo(
    base: &Inputs,
    pair: Pair,
    uncertain: &[Uncertain],
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> MonteCarlo {
    let done = AtomicU64::new(0);
    let outcomes: Vec<Outcome> = (0..trials)
        .into_par_iter()
        .map_init(
            || base.clone(),
            |inputs, trial| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(trial);
                for u in uncertain {
                    inputs.restore(base, &u.parameter);
                }
                for u in uncertain {
                    inputs.apply(&u.parameter, u.apply, u.distribution.sample(&mut rng));
                }
                let outcome = evaluate(inputs, pair);
                if done.fetch_add(1, Ordering::Relaxed) % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                    progress(done.load(Ordering::Relaxed));
                }
                outcome
            },
        )
        .collect();
    progress(trials);
    let mut index_histogram = [0u64; 10];
    for outcome in &outcomes {
        index_histogram[((outcome.index * 10.0) as usize).min(9)] += 1;
    }
    // Each quantity's statistics on its own thread: each is computed in a fixed order.
    let columns: [fn(&Outcome) -> f64; 5] =
        [|o| o.index, |o| o.ratio_a, |o| o.ratio_b, |o| o.survivors_a, |o| o.survivors_b];
    let stats: Vec<Stats> = columns.par_iter().map(|column| Stats::of(outcomes.iter().map(column).collect())).collect();
    MonteCarlo {
        trials,
        seed,
        index: stats[0],
        ratio_a: stats[1],
        ratio_b: stats[2],
        survivors_a: stats[3],
        survivors_b: stats[4],
        index_histogram,
    }
}

/// One axis of a sweep: `steps` values from `from` to `to`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Axis {
    pub parameter: Parameter,
    pub apply: Apply,
    pub from: f64,
    pub to: f64,
    pub steps: usize,
}

impl Axis {
    pub fn values(&self) -> Vec<f64> {
        if self.steps == 1 {
            return vec![self.from];
        }
        (0..self.steps).map(|i| self.from + (self.to - self.from) * i as f64 / (self.steps - 1) as f64).collect()
    }
}

/// A sweep's results: `cells[row][column]`, rows along `y`, columns along `x`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sweep {
    pub x: Axis,
    pub y: Axis,
    pub x_values: Vec<f64>,
    pub y_values: Vec<f64>,
    pub cells: Vec<Vec<Outcome>>,
}

/// Evaluates `pair` at every combination of the two axes' values.
pub fn sweep(base: &Inputs, pair: Pair, x: &Axis, y: &Axis, progress: &(dyn Fn(u64) + Sync)) -> Sweep {
    let (x_values, y_values) = (x.values(), y.values());
    let done = AtomicU64::new(0);
    let flat: Vec<Outcome> = (0..x_values.len() * y_values.len())
        .into_par_iter()
        .map_init(
            || base.clone(),
            |inputs, cell| {
                inputs.restore(base, &x.parameter);
                inputs.restore(base, &y.parameter);
                inputs.apply(&x.parameter, x.apply, x_values[cell % x_values.len()]);
                inputs.apply(&y.parameter, y.apply, y_values[cell / x_values.len()]);
                let outcome = evaluate(inputs, pair);
                if done.fetch_add(1, Ordering::Relaxed) % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                    progress(done.load(Ordering::Relaxed));
                }
                outcome
            },
        )
        .collect();
    progress(flat.len() as u64);
    let cells = flat.chunks(x_values.len()).map(<[Outcome]>::to_vec).collect();
    Sweep { x: x.clone(), y: y.clone(), x_values, y_values, cells }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn inputs() -> Inputs {
        let scenario = Scenario::parse(include_str!("../../../data/scenarios/fas-2025.toml")).unwrap();
        Inputs { model: scenario.model, postures: scenario.postures }
    }

    const US_RU: Pair = Pair { a: 0, b: 1, launch_under_attack: LaunchUnderAttack { a: false, b: false } };

    fn uncertain() -> Vec<Uncertain> {
        [
            "US.cep_m*=triangular(0.7,1,1.5)",
            "RU.alert_rate=uniform(0.1,0.6)",
            "model.fratricide=uniform(0.5,1)",
            "RU[R-36M2 (SS-18)].hardness_psi=normal(3000,800)",
        ]
        .iter()
        .map(|u| u.parse().unwrap())
        .collect()
    }

    #[test]
    fn a_seeded_run_gives_the_same_result_on_one_thread_or_two() {
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| monte_carlo(&inputs(), US_RU, &uncertain(), 5_000, 42, &|_| {}))
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        assert_ne!(one, monte_carlo(&inputs(), US_RU, &uncertain(), 5_000, 43, &|_| {}), "another seed, other draws");
        assert_eq!(one.index_histogram.iter().sum::<u64>(), 5_000);
        assert!(one.index.min <= one.index.median && one.index.median <= one.index.max);
        assert!((0.0..=1.0).contains(&one.index.min) && (0.0..=1.0).contains(&one.index.max));
    }

    #[test]
    fn certain_draws_give_the_deterministic_answer() {
        let fixed: Vec<Uncertain> = vec!["US.value_w80=uniform(300,300)".parse().unwrap()];
        let run = monte_carlo(&inputs(), US_RU, &fixed, 100, 1, &|_| {});
        let direct = evaluate(&inputs(), US_RU);
        assert_eq!((run.index.min, run.index.max), (direct.index, direct.index));
        assert!(run.index.sd < 1e-12, "{}", run.index.sd);
    }

    #[test]
    fn a_sweep_evaluates_every_combination() {
        let x = Axis { parameter: "US.alert_rate".parse().unwrap(), apply: Apply::Set, from: 0.2, to: 1.0, steps: 5 };
        let y = Axis {
            parameter: "RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher".parse().unwrap(),
            apply: Apply::Set,
            from: 1.0,
            to: 4.0,
            steps: 4,
        };
        let result = sweep(&inputs(), US_RU, &x, &y, &|_| {});
        assert_eq!((result.cells.len(), result.cells[0].len()), (4, 5));
        for (row, &y_value) in result.y_values.iter().enumerate() {
            for (column, &x_value) in result.x_values.iter().enumerate() {
                let mut direct = inputs();
                direct.apply(&x.parameter, Apply::Set, x_value);
                direct.apply(&y.parameter, Apply::Set, y_value);
                assert_eq!(result.cells[row][column], evaluate(&direct, US_RU), "x {x_value} y {y_value}");
            }
        }
    }

    #[test]
    fn quantiles_by_selection_equal_quantiles_of_the_sorted_values() {
        for n in [1usize, 2, 3, 7, 20, 101, 1000] {
            let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 3.0).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let at = |q: f64| sorted[(q * (n - 1) as f64).round() as usize];
            let stats = Stats::of(values);
            let expected = [at(0.0), at(0.05), at(0.25), at(0.5), at(0.75), at(0.95), at(1.0)];
            assert_eq!(
                [stats.min, stats.p05, stats.p25, stats.median, stats.p75, stats.p95, stats.max],
                expected,
                "n = {n}"
            );
        }
    }

    #[test]
    fn distributions_and_uncertainties_parse_or_say_why_not() {
        assert_eq!(
            "triangular(1, 2, 4)".parse::<Distribution>().unwrap(),
            Distribution::Triangular { low: 1.0, mode: 2.0, high: 4.0 }
        );
        for (bad, problem) in [
            ("uniform(2,1)", DistributionProblem::Arguments),
            ("triangular(1,5,4)", DistributionProblem::Arguments),
            ("normal(1,-1)", DistributionProblem::Arguments),
            ("normal(1)", DistributionProblem::Arguments),
            ("gauss(1,2)", DistributionProblem::Unknown),
            ("uniform(1,x)", DistributionProblem::NotANumber),
            ("uniform(1,1e300)", DistributionProblem::TooLarge),
            ("uniform(1,2", DistributionProblem::Unclosed),
            ("uniform", DistributionProblem::NoArguments),
        ] {
            let error = bad.parse::<Distribution>().unwrap_err();
            assert_eq!(error, DistributionError { text: bad.into(), problem }, "{bad}");
            assert!(error.to_string().starts_with(&format!("{bad:?}: {problem}; expected uniform(")), "{error}");
        }
        let u: Uncertain = "US.cep_m*=uniform(0.5,2)".parse().unwrap();
        assert_eq!(u.apply, Apply::Scale);
        assert_eq!(
            "US.cep_m~uniform(0,1)".parse::<Uncertain>(),
            Err(UncertainError::NoAssignment { text: "US.cep_m~uniform(0,1)".into() })
        );
        assert!(matches!(
            "US.cep=uniform(0,1)".parse::<Uncertain>(),
            Err(UncertainError::Parameter(ParameterError::UnknownField { field, .. })) if field == "cep"
        ));
        assert!(matches!(
            "US.cep_m=uniform(1,0)".parse::<Uncertain>(),
            Err(UncertainError::Distribution(DistributionError { problem: DistributionProblem::Arguments, .. }))
        ));
    }
}
