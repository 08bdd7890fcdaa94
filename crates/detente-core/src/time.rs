//! Moments in UTC to the second, for events and the times notifications are
//! provided: the Protocol keeps its times in GMT, and its deadlines run in
//! hours as well as days.
//!
//! The core never reads the clock: a `Time` is always passed in.

use std::fmt;
use std::str::FromStr;

use crate::date::Date;

/// A moment in UTC, RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    seconds: i64,
}

const DAY: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {}: {reason} (expected UTC as YYYY-MM-DDTHH:MM:SSZ)", crate::error::quoted(.text))]
pub struct TimeError {
    pub text: String,
    pub reason: &'static str,
}

impl Time {
    /// Midnight at the start of `date`.
    pub fn start_of(date: Date) -> Time {
        Time { seconds: i64::from(date.day_number()) * DAY }
    }

    pub fn from_unix_seconds(seconds: i64) -> Time {
        Time { seconds }
    }

    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// The day this moment falls on.
    pub fn date(self) -> Date {
        // Day numbers of years 1 to 9999 fit an i32 many times over.
        Date::from_day_number(self.seconds.div_euclid(DAY) as i32)
    }

    /// The moment `hours` later (earlier when negative).
    pub fn add_hours(self, hours: i64) -> Time {
        Time { seconds: self.seconds + hours * 3600 }
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Time) -> i64 {
        later.seconds - self.seconds
    }
}

impl FromStr for Time {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Time, TimeError> {
        let err = |reason| TimeError { text: text.to_owned(), reason };
        let bytes = text.as_bytes();
        if bytes.len() != 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
            return Err(err("wrong shape"));
        }
        if bytes[19] != b'Z' {
            return Err(err("not in UTC"));
        }
        let date: Date = text[..10].parse().map_err(|_| err("no such day"))?;
        let number = |at: usize, below: i64| -> Result<i64, TimeError> {
            let part = &bytes[at..at + 2];
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(err("not a number"));
            }
            let value = i64::from(part[0] - b'0') * 10 + i64::from(part[1] - b'0');
            if value < below { Ok(value) } else { Err(err("no such time of day")) }
        };
        // Leap seconds are not written: the Protocol's times are to the minute.
        let (hour, minute, second) = (number(11, 24)?, number(14, 60)?, number(17, 60)?);
        Ok(Time { seconds: Time::start_of(date).seconds + hour * 3600 + minute * 60 + second })
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let of_day = self.seconds.rem_euclid(DAY);
        let (hour, minute, second) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
        write!(f, "{}T{hour:02}:{minute:02}:{second:02}Z", self.date())
    }
}

impl serde::Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Time, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_text() {
        for text in ["1970-01-01T00:00:00Z", "2011-02-05T13:07:59Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"] {
            assert_eq!(text.parse::<Time>().unwrap().to_string(), text);
        }
        let time: Time = "2011-02-05T12:00:00Z".parse().unwrap();
        assert_eq!(time.date().to_string(), "2011-02-05");
        assert_eq!(time.add_hours(12).to_string(), "2011-02-06T00:00:00Z");
        assert_eq!(Time::start_of(time.date()).seconds_until(time), 12 * 3600);
        assert_eq!("1969-12-31T23:00:00Z".parse::<Time>().unwrap().date().to_string(), "1969-12-31");
    }

    #[test]
    fn bad_times_say_why() {
        for (text, reason) in [
            ("2011-02-05", "wrong shape"),
            ("2011-02-05T12:00:00+01", "wrong shape"),
            ("2011-02-05T12:00:00+", "not in UTC"),
            ("2011-02-30T12:00:00Z", "no such day"),
            ("2011-02-05T24:00:00Z", "no such time of day"),
            ("2011-02-05T12:60:00Z", "no such time of day"),
            ("2011-02-05T1a:00:00Z", "not a number"),
        ] {
            assert_eq!(text.parse::<Time>().unwrap_err().reason, reason, "{text}");
        }
    }
}
