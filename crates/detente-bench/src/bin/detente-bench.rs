//! `detente-bench`: generate a synthetic declaration, time the counting engine on one, and time
//! the record.
//!
//! ```text
//! detente-bench generate N SEED OUT.csv
//! detente-bench count-timing FILE.csv REPEATS
//! detente-bench stability-timing SCENARIO.toml REPEATS
//! detente-bench record fill STORE N synthetic|signed
//! detente-bench record proofs STORE SAMPLES RUNS
//! detente-bench record append STORE ENTRIES BATCH RUNS
//! detente-bench record audit STORE RUNS [signatures]
//! detente-bench record checkpoint STORE ENTRIES RUNS
//! ```
//!
//! `count-timing` prints one JSON line:
//! `{"file":…,"items":…,"repeats":…,"decode_ms":…,"first_ms":…,"median_ms":…,"min_ms":…,"max_ms":…,"totals":{limit id: total, …},"times_ms":[…]}`
//! (`first_ms` is the first count after decoding, not among the REPEATS; `times_ms` are the
//! REPEATS runs in the order measured).
//! The engine is single-threaded; pin the process to one core (`taskset -c 0`) for stable figures.
//!
//! `stability-timing` times REPEATS first-strike stability indexes of the scenario's first two
//! parties, one after another on one thread, and prints one JSON line:
//! `{"scenario":…,"repeats":…,"median_us":…,"min_us":…,"index":…}` (for `bench/stability.py`).
//!
//! `record` works on the benchmark record in STORE, `sqlite:PATH` or `postgres://…/DATABASE`
//! (an existing database), starting it if the store is empty. Each mode prints one JSON line:
//!
//! - `fill` appends entries of 256 bytes until the log holds N, then signs a checkpoint:
//!   `synthetic` bytes (for proofs) or `signed` entries (for audits and appends).
//! - `proofs` proves SAMPLES random entries of the whole log per run, timing each
//!   `Record::inclusion_proof`, its `tree::verify_inclusion` and, for comparison, a one-row query
//!   (`LogStore::size`); per run, the median and the 99th percentile. An untimed warm-up run comes
//!   first.
//! - `append` signs ENTRIES entries per run, then times `Record::append` of them, BATCH per
//!   durable commit, and reports entries per second.
//! - `audit` times `Record::audit` of the whole store, with every signature checked when
//!   `signatures` is given, and after each run, for comparison, reading what the audit reads
//!   without checking it (`reads_alone`).
//! - `checkpoint` appends ENTRIES entries per run, then times `Record::checkpoint` by a
//!   record opened afresh (as `detente log checkpoint` is, with nothing audited in memory) and a
//!   signer whose state is kept in a temporary folder: the incremental audit of what came since
//!   the last checkpoint, and the signing. After each run, for comparison, a checkpoint with
//!   nothing new (`unchanged`).

use std::fs::File;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use detente_bench::record::{self, Entries};
use detente_core::codec;
use detente_store::postgres::PgStore;
use detente_store::record::{Record, RecordError};
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_store::{Address, LogStore, StoreError};
use detente_treaty::{Options, count};

const USAGE: &str = "usage:
  detente-bench generate N SEED OUT.csv
  detente-bench count-timing FILE.csv REPEATS
  detente-bench stability-timing SCENARIO.toml REPEATS
  detente-bench record fill STORE N synthetic|signed
  detente-bench record proofs STORE SAMPLES RUNS
  detente-bench record append STORE ENTRIES BATCH RUNS
  detente-bench record audit STORE RUNS [signatures]
  detente-bench record checkpoint STORE ENTRIES RUNS
(STORE: sqlite:PATH or postgres://…/DATABASE)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["generate", items, seed, out] => generate(items, seed, out),
        ["count-timing", file, repeats] => count_timing(file, repeats),
        ["stability-timing", file, repeats] => stability_timing(file, repeats),
        ["record", ref mode @ ..] => RecordBench::parse(mode).and_then(|(store, bench)| bench.run_on(store)),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("detente-bench: {message}");
            ExitCode::from(2)
        }
    }
}

fn stability_timing(file: &str, repeats: &str) -> Result<(), String> {
    use detente_analysis::scenario::Scenario;
    use detente_analysis::stability::{LaunchUnderAttack, stability};
    let repeats: usize = number(repeats, "REPEATS")?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{file}: {e}"))?;
    let [a, b, ..] = scenario.postures.as_slice() else { return Err(format!("{file}: two parties are needed")) };
    let mut times = Vec::with_capacity(repeats);
    let mut index = 0.0;
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        index = black_box(stability(&scenario.model, black_box(a), black_box(b), LaunchUnderAttack::default())).index;
        times.push(started.elapsed());
    }
    times.sort();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{{\"scenario\":{:?},\"repeats\":{},\"median_us\":{:.3},\"min_us\":{:.3},\"index\":{index}}}",
        scenario.id,
        times.len(),
        micros(times[times.len() / 2]),
        micros(times[0])
    );
    Ok(())
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.replace('_', "").parse().map_err(|_| format!("{what}: {text:?} is not a whole number\n{USAGE}"))
}

fn generate(items: &str, seed: &str, out: &str) -> Result<(), String> {
    let items: usize = number(items, "N")?;
    let seed: u64 = number(seed, "SEED")?;
    let started = Instant::now();
    let declaration = detente_bench::synthetic_declaration(items, seed);
    let generated = started.elapsed();
    let file = File::create(out).map_err(|e| format!("{out}: {e}"))?;
    codec::write_csv(&declaration, file).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "wrote {items} items (seed {seed}) to {out}: generated in {} ms, written in {} ms",
        ms(generated),
        ms(started.elapsed() - generated)
    );
    Ok(())
}

fn count_timing(file: &str, repeats: &str) -> Result<(), String> {
    let repeats: usize = number(repeats, "REPEATS")?;
    if repeats == 0 {
        return Err("REPEATS must be at least 1".to_owned());
    }
    let treaty = detente_bench::new_start();
    let started = Instant::now();
    let input = File::open(file).map_err(|e| format!("{file}: {e}"))?;
    let declaration = codec::read_csv(input, &detente_bench::vocabulary()).map_err(|e| format!("{file}: {e}"))?;
    let decoded = started.elapsed();

    // One run first, reported apart as `first_ms` and left out of the median: the first
    // runs after a decode pay for the allocator sorting out the chunks the decoder freed.
    let started = Instant::now();
    let reference = count(&treaty, &declaration, None, Options::default());
    let first = started.elapsed();
    let mut times: Vec<Duration> = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let started = Instant::now();
        let counted = count(black_box(&treaty), black_box(&declaration), None, Options::default());
        times.push(started.elapsed());
        if counted != reference {
            return Err("two runs over the same declaration disagree".to_owned());
        }
        black_box(counted);
    }
    let in_order: Vec<String> = times.iter().map(|&t| ms(t)).collect();
    times.sort_unstable();
    let median = median_of(&times);

    let totals: Vec<String> = reference
        .limits
        .iter()
        .map(|l| format!("{}:{}", json_string(&l.id), l.total.map_or("null".to_owned(), |t| t.to_string())))
        .collect();
    println!(
        "{{\"file\":{},\"items\":{},\"repeats\":{repeats},\"decode_ms\":{},\"first_ms\":{},\"median_ms\":{},\"min_ms\":{},\"max_ms\":{},\"totals\":{{{}}},\"times_ms\":[{}]}}",
        json_string(file),
        declaration.len(),
        ms(decoded),
        ms(first),
        ms(median),
        ms(times[0]),
        ms(times[repeats - 1]),
        totals.join(","),
        in_order.join(",")
    );
    Ok(())
}

/// A `record` benchmark, parsed before its store is opened.
enum RecordBench {
    Fill { entries: u64, kind: Entries },
    Proofs { samples: usize, runs: usize },
    Append { entries: u64, batch: usize, runs: usize },
    Audit { runs: usize, signatures: bool },
    Checkpoint { entries: u64, runs: usize },
}

impl RecordBench {
    /// The store address and the benchmark from the words after `record`.
    fn parse<'a>(args: &[&'a str]) -> Result<(&'a str, RecordBench), String> {
        let bench = match *args {
            ["fill", _, entries, kind] => {
                RecordBench::Fill { entries: number(entries, "N")?, kind: entries_kind(kind)? }
            }
            ["proofs", _, samples, runs] => {
                RecordBench::Proofs { samples: at_least_one(samples, "SAMPLES")?, runs: at_least_one(runs, "RUNS")? }
            }
            ["append", _, entries, batch, runs] => RecordBench::Append {
                entries: number(entries, "ENTRIES")?,
                batch: at_least_one(batch, "BATCH")?,
                runs: at_least_one(runs, "RUNS")?,
            },
            ["audit", _, runs] => RecordBench::Audit { runs: at_least_one(runs, "RUNS")?, signatures: false },
            ["audit", _, runs, "signatures"] => {
                RecordBench::Audit { runs: at_least_one(runs, "RUNS")?, signatures: true }
            }
            ["checkpoint", _, entries, runs] => {
                RecordBench::Checkpoint { entries: number(entries, "ENTRIES")?, runs: at_least_one(runs, "RUNS")? }
            }
            _ => return Err(USAGE.to_owned()),
        };
        Ok((args[1], bench))
    }

    /// Opens the store at `address` and runs the benchmark on its record.
    fn run_on(self, address: &str) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("starting the async runtime: {e}"))?;
        let opening = |e: StoreError| format!("{address}: {e}");
        runtime.block_on(async {
            match Address::parse(address).map_err(opening)? {
                Address::Postgres(url) => self.run(PgStore::open(&url).await.map_err(opening)?, address).await,
                Address::Sqlite(path) => self.run(SqliteStore::open(&path).await.map_err(opening)?, address).await,
            }
        })
    }

    async fn run<S: LogStore + Clone>(self, store: S, address: &str) -> Result<(), String> {
        // Where the checkpoint benchmark's signer keeps its state, for this run only.
        let folder = tempfile::tempdir().map_err(|e| format!("a folder for the signer state: {e}"))?;
        let done = async {
            let record = record::open_or_init(store).await?;
            match self {
                RecordBench::Fill { entries, kind } => fill(&record, address, entries, kind).await,
                RecordBench::Proofs { samples, runs } => proofs(&record, address, samples, runs).await,
                RecordBench::Append { entries, batch, runs } => appends(&record, address, entries, batch, runs).await,
                RecordBench::Audit { runs, signatures } => audits(&record, address, runs, signatures).await,
                RecordBench::Checkpoint { entries, runs } => {
                    checkpoints(&record, folder.path(), address, entries, runs).await
                }
            }
        };
        done.await.map_err(|e: RecordError| format!("{address}: {e}"))
    }
}

fn entries_kind(text: &str) -> Result<Entries, String> {
    match text {
        "synthetic" => Ok(Entries::Synthetic),
        "signed" => Ok(Entries::Signed),
        _ => Err(format!("expected synthetic or signed, found {text:?}\n{USAGE}")),
    }
}

fn at_least_one(text: &str, what: &str) -> Result<usize, String> {
    match number(text, what)? {
        0 => Err(format!("{what} must be at least 1")),
        n => Ok(n),
    }
}

async fn fill<S: LogStore>(record: &Record<S>, address: &str, entries: u64, kind: Entries) -> Result<(), RecordError> {
    let started = Instant::now();
    record::fill(record, entries, kind, |size| eprint!("\rfilled {size} entries")).await?;
    eprintln!();
    let kind = if kind == Entries::Signed { "signed" } else { "synthetic" };
    println!(
        "{{\"store\":{},\"entries\":{entries},\"kind\":\"{kind}\",\"seconds\":{:.1}}}",
        json_string(address),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn proofs<S: LogStore>(
    record: &Record<S>,
    address: &str,
    samples: usize,
    runs: usize,
) -> Result<(), RecordError> {
    record::time_proofs(record, samples, 0).await?;
    let mut prove = Latencies::default();
    let mut verify = Latencies::default();
    let mut query = Latencies::default();
    for run in 1..=runs {
        let times = record::time_proofs(record, samples, run as u64).await?;
        prove.add_run(times.prove);
        verify.add_run(times.verify);
        query.add_run(times.query);
    }
    println!(
        "{{\"store\":{},\"entries\":{},\"samples\":{samples},\"runs\":{runs},\"prove_us\":{},\"verify_us\":{},\"one_row_query_us\":{}}}",
        json_string(address),
        record.size().await?,
        prove.json(),
        verify.json(),
        query.json()
    );
    Ok(())
}

/// The median and 99th percentile of each run of latencies.
#[derive(Default)]
struct Latencies {
    medians: Vec<Duration>,
    p99s: Vec<Duration>,
}

impl Latencies {
    fn add_run(&mut self, mut times: Vec<Duration>) {
        times.sort_unstable();
        self.medians.push(median_of(&times));
        self.p99s.push(times[(times.len() * 99).div_ceil(100) - 1]);
    }

    /// `{"median":…,"p99":…,"medians":[…],"p99s":[…]}` in µs: the medians over
    /// the runs, then each run's figure in the order measured.
    fn json(&self) -> String {
        let list = |times: &[Duration]| times.iter().map(|&t| us(t)).collect::<Vec<_>>().join(",");
        format!(
            "{{\"median\":{},\"p99\":{},\"medians\":[{}],\"p99s\":[{}]}}",
            us(median_of(&sorted(&self.medians))),
            us(median_of(&sorted(&self.p99s))),
            list(&self.medians),
            list(&self.p99s)
        )
    }
}

async fn appends<S: LogStore>(
    record: &Record<S>,
    address: &str,
    entries: u64,
    batch: usize,
    runs: usize,
) -> Result<(), RecordError> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(record::time_appends(record, entries, batch).await?);
    }
    println!(
        "{{\"store\":{},\"entries\":{entries},\"batch\":{batch},\"runs\":{runs},{},\"size_after\":{}}}",
        json_string(address),
        rates(entries, &times),
        record.size().await?
    );
    Ok(())
}

async fn audits<S: LogStore>(
    record: &Record<S>,
    address: &str,
    runs: usize,
    signatures: bool,
) -> Result<(), RecordError> {
    let mut times = Vec::with_capacity(runs);
    let mut reads = Vec::with_capacity(runs);
    let mut entries = 0;
    for _ in 0..runs {
        let started = Instant::now();
        entries = record.audit(signatures, None).await?.entries;
        times.push(started.elapsed());
        reads.push(record::time_audit_reads(record).await?);
    }
    println!(
        "{{\"store\":{},\"entries\":{entries},\"signatures\":{signatures},\"runs\":{runs},{},\"reads_alone\":{{{}}}}}",
        json_string(address),
        rates(entries, &times),
        rates(entries, &reads)
    );
    Ok(())
}

async fn checkpoints<S: LogStore + Clone>(
    record: &Record<S>,
    state: &std::path::Path,
    address: &str,
    entries: u64,
    runs: usize,
) -> Result<(), RecordError> {
    let signer = Signer::new(record::log_key(), state.join("bench.signed"));
    let (mut times, mut unchanged) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        record::time_appends(record, entries, 1_000).await?;
        let fresh = Record::open(record.store().clone()).await?;
        let started = Instant::now();
        fresh.checkpoint(&signer).await?;
        times.push(started.elapsed());
        let fresh = Record::open(record.store().clone()).await?;
        let started = Instant::now();
        fresh.checkpoint(&signer).await?;
        unchanged.push(started.elapsed());
    }
    let ms = |times: &[Duration]| {
        let each: Vec<String> = times.iter().map(|t| format!("{:.2}", t.as_secs_f64() * 1e3)).collect();
        format!("\"median_ms\":{:.2},\"ms\":[{}]", median_of(&sorted(times)).as_secs_f64() * 1e3, each.join(","))
    };
    println!(
        "{{\"store\":{},\"entries_since\":{entries},\"runs\":{runs},{},\"unchanged\":{{{}}},\"size_after\":{}}}",
        json_string(address),
        ms(&times),
        ms(&unchanged),
        record.size().await?
    );
    Ok(())
}

/// `"median_s":…,"median_per_s":…,"per_s":[…]`: the median time of the runs, the
/// rate it gives for `count` items, and each run's rate in the order measured.
fn rates(count: u64, times: &[Duration]) -> String {
    let per_s = |time: Duration| format!("{:.0}", count as f64 / time.as_secs_f64());
    let median = median_of(&sorted(times));
    let each: Vec<String> = times.iter().map(|&t| per_s(t)).collect();
    format!(
        "\"median_s\":{:.3},\"median_per_s\":{},\"per_s\":[{}]",
        median.as_secs_f64(),
        per_s(median),
        each.join(",")
    )
}

fn sorted(times: &[Duration]) -> Vec<Duration> {
    let mut times = times.to_vec();
    times.sort_unstable();
    times
}

/// The median of sorted, non-empty durations.
fn median_of(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
}

/// Microseconds with nanosecond precision, as a JSON number.
fn us(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1e6)
}

/// Milliseconds with microsecond precision, as a JSON number.
fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1e3)
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
