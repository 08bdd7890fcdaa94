//! One notification against its kind: what it may carry, when it is due,
//! whether it came in time; and which scheduled exchanges never came.
//! The clock is passed in.

use serde::Serialize;

use detente_core::{Change, Date, Lookup, Notice, Time, quoted};

use super::{Carries, Due, FieldType, NotificationKind};
use crate::treaty::{Dates, Treaty};

/// Why a notification does not fit its kind, naming the field at fault,
/// such as `events[0].change.what` or `fields.launch`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {path}: {message}")]
pub struct NoticeError {
    pub path: String,
    pub message: String,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> NoticeError {
    NoticeError { path: path.into(), message: message.into() }
}

/// Whether a notification was provided by its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Timeliness {
    OnTime { due: Time },
    Late { due: Time, seconds_late: i64 },
}

/// A scheduled or one-off data exchange whose deadline passed without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub kind: String,
    pub as_of: Date,
    pub due: Time,
}

impl NotificationKind {
    /// Checks what a notification of this kind carries, against the
    /// sender's database as it stands before it (`database`).
    pub fn check(&self, notice: &Notice, database: &impl Lookup) -> Result<(), NoticeError> {
        if self.carries != Carries::Events && !notice.events.is_empty() {
            return Err(error("events", format!("a {} notification carries no item events", self.id)));
        }
        if self.carries != Carries::Notice && !notice.fields.is_empty() {
            return Err(error("fields", format!("a {} notification carries no notice fields", self.id)));
        }
        if self.carries == Carries::Events && notice.events.is_empty() {
            return Err(error("events", format!("a {} notification reports at least one event", self.id)));
        }
        for (i, event) in notice.events.iter().enumerate() {
            if !self.triggers.iter().any(|t| t == event.change.name()) {
                let message = format!(
                    "a {} notification reports {}, not {}",
                    self.id,
                    self.triggers.join(", "),
                    event.change.name()
                );
                return Err(error(format!("events[{i}].change.what"), message));
            }
            let kind = match &event.change {
                Change::Created { kind, .. } => Some(kind.as_str()),
                _ => database.kind_of(&event.uid),
            };
            if let Some(kind) = kind.filter(|k| !self.item_kinds.is_empty() && !self.item_kinds.iter().any(|i| i == k))
            {
                let message = format!("a {} notification is about {}, not {kind}", self.id, self.item_kinds.join(", "));
                return Err(error(format!("events[{i}].uid"), message));
            }
        }
        self.check_fields(notice, database)
    }

    fn check_fields(&self, notice: &Notice, database: &impl Lookup) -> Result<(), NoticeError> {
        for name in notice.fields.keys() {
            if self.field(name).is_none() {
                let known: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                let message =
                    format!("a {} notice has no field {}; it has {}", self.id, quoted(name), known.join(", "));
                return Err(error(format!("fields.{}", detente_core::error::bare(name)), message));
            }
        }
        for field in &self.fields {
            let path = format!("fields.{}", field.name);
            let Some(value) = notice.fields.get(&field.name) else {
                if field.required {
                    return Err(error(path, format!("a {} notice gives {}", self.id, field.description)));
                }
                continue;
            };
            let sound = match field.field_type {
                FieldType::Time => value.parse::<Time>().map(drop).map_err(|e| e.to_string()),
                FieldType::Text if value.is_empty() || value.contains(['\r', '\n']) => {
                    Err("write it on one line, and not empty".into())
                }
                FieldType::Text => Ok(()),
                FieldType::Uid if database.kind_of(value).is_some() => Ok(()),
                FieldType::Uid => Err(format!("no item {} in the database", quoted(value))),
                FieldType::Facility if database.has_facility(value) => Ok(()),
                FieldType::Facility => Err(format!("no facility {} in the database", quoted(value))),
            };
            sound.map_err(|message| error(path, message))?;
        }
        Ok(())
    }

    /// The moment a notification of this kind is due by: the latest moment
    /// a deadline allows, or the latest an advance notice may be provided.
    /// A declaration's deadline runs from its as-of date; events' from the
    /// earliest of them. `None` when what it runs from is not known.
    pub fn due_by(&self, notice: &Notice, as_of: Option<Date>, dates: &Dates) -> Option<Time> {
        let anchor = match self.anchor.as_str() {
            "event" => notice.events.iter().map(|e| e.at).min()?,
            "as-of" => Time::start_of(as_of?),
            "entry-into-force" => Time::start_of(dates.entered_into_force?),
            field => notice.fields.get(field)?.parse().ok()?,
        };
        Some(match self.due {
            Due::AfterHours(hours) => anchor.add_hours(i64::from(hours)),
            Due::BeforeHours(hours) => anchor.add_hours(-i64::from(hours)),
        })
    }
}

/// Whether a notification provided at `provided` met `due`.
pub fn timeliness(due: Time, provided: Time) -> Timeliness {
    let late = due.seconds_until(provided);
    if late > 0 { Timeliness::Late { due, seconds_late: late } } else { Timeliness::OnTime { due } }
}

impl Treaty {
    /// The data exchanges that fell due after `since` and by `now` and are
    /// not among `provided` (kind and as-of date): the initial database, and
    /// each scheduled update from entry into force to the treaty's end.
    pub fn missing(&self, provided: &[(&str, Date)], since: Time, now: Time) -> Vec<Missing> {
        let mut missing = Vec::new();
        let Some(start) = self.dates.entered_into_force else { return missing };
        let end = [self.dates.expires, self.dates.ended].into_iter().flatten().min();
        for kind in self.notifications.iter().filter(|k| k.carries == Carries::Declaration) {
            let as_ofs: Vec<Date> = match kind.anchor.as_str() {
                "entry-into-force" => vec![start],
                "as-of" => scheduled(&kind.schedule, start, end.unwrap_or(now.date()).min(now.date())),
                _ => continue,
            };
            for as_of in as_ofs {
                let Some(due) = kind.due_by(&Notice::default(), Some(as_of), &self.dates) else { continue };
                let given = provided.iter().any(|&(k, date)| k == kind.id && date == as_of);
                if due > since && due <= now && !given {
                    missing.push(Missing { kind: kind.id.clone(), as_of, due });
                }
            }
        }
        missing.sort_by_key(|m| (m.due, m.kind.clone()));
        missing
    }
}

impl Treaty {
    /// The scheduled data exchanges still to come after `now`: for each
    /// kind with a schedule, the first as-of date not among `provided`
    /// whose deadline is after `now`, while the treaty runs.
    pub fn upcoming(&self, provided: &[(&str, Date)], now: Time) -> Vec<Missing> {
        let Some(start) = self.dates.entered_into_force else { return Vec::new() };
        let end = [self.dates.expires, self.dates.ended].into_iter().flatten().min();
        let mut upcoming = Vec::new();
        for kind in self.notifications.iter().filter(|k| k.carries == Carries::Declaration && k.anchor == "as-of") {
            // A year past the deadline's length is far enough to find the next date.
            let horizon = now.date().add_days(366 + i32::try_from(kind.due_hours() / 24).unwrap_or(0));
            let next = scheduled(&kind.schedule, start, end.map_or(horizon, |e| e.min(horizon)))
                .into_iter()
                .filter(|&as_of| !provided.iter().any(|&(k, d)| k == kind.id && d == as_of))
                .filter_map(|as_of| Some((as_of, kind.due_by(&Notice::default(), Some(as_of), &self.dates)?)))
                .find(|&(_, due)| due > now);
            if let Some((as_of, due)) = next {
                upcoming.push(Missing { kind: kind.id.clone(), as_of, due });
            }
        }
        upcoming.sort_by_key(|m| (m.due, m.kind.clone()));
        upcoming
    }
}

impl NotificationKind {
    /// The deadline's length in hours, before or after the anchor.
    fn due_hours(&self) -> u32 {
        match self.due {
            Due::AfterHours(hours) | Due::BeforeHours(hours) => hours,
        }
    }
}

/// The days of `schedule` (`MM-DD`) from `start` to `end`, after the start.
fn scheduled(schedule: &[String], start: Date, end: Date) -> Vec<Date> {
    let mut days = Vec::new();
    for year in start.year()..=end.year() {
        for day in schedule {
            // 02-29 is a day of leap years only.
            let Ok(date) = format!("{year:04}-{day}").parse::<Date>() else { continue };
            if date > start && date <= end {
                days.push(date);
            }
        }
    }
    days.sort();
    days
}
