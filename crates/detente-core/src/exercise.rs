//! An exercise clock: a time that runs faster than the wall clock from a
//! given start, written as one line that every process of an exercise
//! reads. Pure: the caller reads the file and the wall clock.

use crate::Time;

/// An exercise clock: `simulated` seconds since the Unix epoch when the
/// system clock read `real_ms` milliseconds, running `rate` times as fast
/// from there (0 stands still).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExerciseClock {
    pub simulated: u64,
    pub real_ms: u64,
    pub rate: u64,
}

impl ExerciseClock {
    /// The file's one line: `simulated=2020-09-15T00:00:00Z real-ms=1764590000000 rate=3600`.
    pub fn parse(text: &str) -> Result<ExerciseClock, String> {
        let mut clock = ExerciseClock { simulated: 0, real_ms: 0, rate: 1 };
        let mut seen = [false; 3];
        for pair in text.split_whitespace() {
            let (name, value) = pair.split_once('=').ok_or_else(|| format!("{pair:?} is not name=value"))?;
            let number = |what: &str| value.parse::<u64>().map_err(|e| format!("{what}: {e}"));
            match name {
                "simulated" => {
                    let time: Time = value.parse().map_err(|e| format!("simulated: {e}"))?;
                    clock.simulated = u64::try_from(time.unix_seconds()).map_err(|_| "simulated: before 1970")?;
                    clock.simulated = clock.simulated.min(LAST_SECOND);
                    seen[0] = true;
                }
                "real-ms" => (clock.real_ms, seen[1]) = (number("real-ms")?, true),
                "rate" => (clock.rate, seen[2]) = (number("rate")?, true),
                other => return Err(format!("unknown field {other:?}")),
            }
        }
        match seen {
            [true, true, true] => Ok(clock),
            _ => Err("an exercise clock gives simulated, real-ms and rate".into()),
        }
    }

    pub fn to_text(self) -> String {
        format!(
            "simulated={} real-ms={} rate={}\n",
            Time::from_unix_seconds(self.simulated as i64),
            self.real_ms,
            self.rate
        )
    }

    /// The simulated time when the system clock reads `real_ms`
    /// milliseconds; never past the last second of 9999, the last a
    /// [`Time`] writes.
    pub fn at(&self, real_ms: u64) -> u64 {
        let elapsed_ms = u128::from(real_ms.saturating_sub(self.real_ms));
        let simulated = u128::from(self.simulated) + elapsed_ms * u128::from(self.rate) / 1000;
        simulated.min(u128::from(LAST_SECOND)) as u64
    }
}

/// 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exercise_clock_runs_at_its_rate_from_its_start_and_reads_back_as_written() {
        let text = "simulated=2020-09-15T00:00:00Z real-ms=1000000 rate=3600\n";
        let clock = ExerciseClock::parse(text).unwrap();
        assert_eq!(clock.to_text(), text);
        let start: Time = "2020-09-15T00:00:00Z".parse().unwrap();
        let start = start.unix_seconds() as u64;
        assert_eq!(clock.at(1_000_000), start);
        assert_eq!(clock.at(1_000_500), start + 1800, "half a second is half an hour");
        assert_eq!(clock.at(0), start, "before its start it stands still");
        let fast = ExerciseClock { rate: u64::MAX, ..clock };
        assert_eq!(fast.at(u64::MAX), LAST_SECOND, "it never runs past what a time can write");
        assert_eq!(ExerciseClock::parse(&fast.to_text()), Ok(fast));
    }

    #[test]
    fn a_bad_clock_file_says_what_is_wrong() {
        for (text, expected) in [
            ("simulated=2020-09-15 real-ms=1 rate=1", "simulated"),
            ("simulated=2020-09-15T00:00:00Z rate=1", "gives simulated, real-ms and rate"),
            ("simulated=2020-09-15T00:00:00Z real-ms=x rate=1", "real-ms"),
            ("speed=3", "unknown field"),
            ("simulated", "not name=value"),
        ] {
            let error = ExerciseClock::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
