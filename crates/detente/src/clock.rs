//! The clock `main` hands every command: the system's, or an exercise clock
//! read from a file that a conductor (the demo, or a drill's organiser)
//! moves on. Every process of an exercise reads the same file, so the nodes
//! of a replay agree on the time, which runs faster than the wall clock and
//! jumps from step to step.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use detente_core::exercise::ExerciseClock;

use crate::cmd::Clock;

/// The system clock, in milliseconds since the Unix epoch: the one place
/// detente reads the time.
pub fn system_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The clock for this run: the system's, or the exercise clock in `file`.
pub fn clock(file: Option<PathBuf>) -> anyhow::Result<Clock> {
    let Some(file) = file else {
        return Ok(Arc::new(|| system_ms() / 1000));
    };
    refuse_shared(&file)?;
    let first = read(&file).map_err(|e| crate::bad_input!("--clock {}: {e}", file.display()))?;
    // The file is read at every tick so that the conductor can move the
    // time on; a file caught half-written keeps the last time read, and the
    // time never runs backwards.
    let last = AtomicU64::new(first.at(system_ms()));
    Ok(Arc::new(move || {
        let now = read(&file).map_or(0, |clock| clock.at(system_ms()));
        last.fetch_max(now, Ordering::Relaxed).max(now)
    }))
}

/// Whoever can write the clock file decides every deadline and finding of
/// the processes reading it, so one that others may write is refused.
fn refuse_shared(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode =
        std::fs::metadata(file).map_err(|e| crate::bad_input!("--clock {}: {e}", file.display()))?.permissions().mode();
    match mode & 0o022 {
        0 => Ok(()),
        _ => Err(crate::bad_input!(
            "--clock {}: others may write it (mode {:o}); make it 0644 or tighter",
            file.display(),
            mode & 0o777
        )),
    }
}

fn read(file: &Path) -> Result<ExerciseClock, String> {
    ExerciseClock::parse(&std::fs::read_to_string(file).map_err(|e| e.to_string())?)
}
