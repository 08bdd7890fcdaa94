//! Calendar dates (proleptic Gregorian, UTC), the only notion of time the core needs.
//!
//! The core never reads the clock: callers pass dates in. A date is stored as a
//! day number so that ordering and day arithmetic are integer operations.

use std::fmt;
use std::str::FromStr;

/// A calendar day, ISO 8601 `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01 (negative before).
    days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {}: {reason} (expected YYYY-MM-DD)", crate::error::quoted(.text))]
pub struct DateError {
    pub text: String,
    pub reason: &'static str,
}

impl Date {
    /// Builds a date from its parts, rejecting impossible days such as 2023-02-29.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { days: days_from_civil(year, month, day) })
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// The date `n` days later (earlier when `n` is negative).
    pub fn add_days(self, n: i32) -> Date {
        Date { days: self.days + n }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i32 {
        later.days - self.days
    }

    /// Days since 1970-01-01; useful as a chart coordinate.
    pub fn day_number(self) -> i32 {
        self.days
    }

    /// The date `days` after 1970-01-01 (before it when negative).
    pub fn from_day_number(days: i32) -> Date {
        Date { days }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// The two conversions below are the standard era-based civil calendar algorithms:
// a 400-year era holds exactly 146,097 days, and counting years from March puts
// the leap day last, so the day of the year is a linear function of the month.
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era as u32 * 365 + year_of_era as u32 / 4 - year_of_era as u32 / 100 + day_of_year;
    era * 146_097 + day_of_era as i32 - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097) as u32;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era as i32 + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Date, DateError> {
        let err = |reason| DateError { text: text.to_owned(), reason };
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(err("wrong shape"));
        }
        let number = |range: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = &text[range];
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("not a number"));
            }
            part.parse().map_err(|_| err("not a number"))
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        Date::from_ymd(year as i32, month, day).ok_or_else(|| err("no such day"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!("1970-01-01".parse::<Date>().unwrap().day_number(), 0);
        let eif: Date = "2011-02-05".parse().unwrap();
        // New START: initial database due 45 days after entry into force.
        assert_eq!(eif.add_days(45).to_string(), "2011-03-22");
        let expiry: Date = "2026-02-05".parse().unwrap();
        assert_eq!(eif.days_until(expiry), 5479);
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in ["2023-02-29", "2020-13-01", "2020-00-10", "2020-1-01", "20200101", "2020-01-3x", "+202-01-01"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!("2024-02-29".parse::<Date>().is_ok());
    }

    proptest! {
        #[test]
        fn text_round_trip(days in -700_000i32..2_900_000) {
            let date = Date { days };
            let text = date.to_string();
            prop_assert_eq!(text.parse::<Date>().unwrap(), date);
        }
    }
}
