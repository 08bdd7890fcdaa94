//! `detente-bench`: generate a synthetic declaration, and time the counting engine on one.
//!
//! ```text
//! detente-bench generate N SEED OUT.csv
//! detente-bench count-timing FILE.csv REPEATS
//! ```
//!
//! `count-timing` prints one JSON line:
//! `{"file":…,"items":…,"repeats":…,"decode_ms":…,"first_ms":…,"median_ms":…,"min_ms":…,"max_ms":…,"totals":{limit id: total, …},"times_ms":[…]}`
//! (`first_ms` is the first count after decoding, not among the REPEATS; `times_ms` are the
//! REPEATS runs in the order measured).
//! The engine is single-threaded; pin the process to one core (`taskset -c 0`) for stable figures.

use std::fs::File;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use detente_core::codec;
use detente_treaty::{Options, count};

const USAGE: &str = "usage:\n  detente-bench generate N SEED OUT.csv\n  detente-bench count-timing FILE.csv REPEATS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["generate", items, seed, out] => generate(items, seed, out),
        ["count-timing", file, repeats] => count_timing(file, repeats),
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

    let totals: Vec<String> = reference.limits.iter().map(|l| format!("{}:{}", json_string(&l.id), l.total)).collect();
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

/// The median of sorted, non-empty durations.
fn median_of(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
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
