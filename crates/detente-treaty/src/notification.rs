//! Notification kinds as data: what triggers each, when it is due and what
//! it carries, as a treaty file's `[[notifications]]` write them; and the
//! checks of one notification against its kind (`check`).
//!
//! Where the sources give no deadline for a kind (New START's movement
//! notices) or not its contents (the Annex on Notifications, which gives
//! the formats, was never retrieved), the file lists what is `unverified`
//! and states the assumption used, and so does everything that reports on it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use detente_core::model::is_kebab_identifier;
use detente_core::{Change, Date, quoted};

use crate::TreatyError;

mod check;
pub use check::{Missing, NoticeError, Timeliness, timeliness};

/// When a notification is due, relative to its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Due {
    /// At most this many hours after the anchor (a deadline).
    AfterHours(u32),
    /// At least this many hours before the anchor (advance notice).
    BeforeHours(u32),
}

/// What a notification of a kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Carries {
    /// A whole declaration: the initial database, a six-monthly update.
    Declaration,
    /// Item events: changes in data, movements, conversions.
    Events,
    /// Named fields only: a launch's planned time and areas.
    Notice,
}

/// The value a notice field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldType {
    /// A UTC time, `YYYY-MM-DDTHH:MM:SSZ`.
    Time,
    /// Free text on one line.
    Text,
    /// The uid of an item in the sender's database.
    Uid,
    /// The id of a facility in the sender's database.
    Facility,
}

/// What the sources do not give for a kind, so that detente assumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unverified {
    /// The deadline: no retrieved text states it.
    Deadline,
    /// The contents: the Annex on Notifications, which gives the formats,
    /// was not retrieved.
    Contents,
}

/// One field a notice of some kind carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default = "yes")]
    pub required: bool,
    pub description: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationKind {
    pub id: String,
    pub name: String,
    pub due: Due,
    /// What the deadline runs from: `event`, `entry-into-force`, `as-of`, or
    /// the name of one of the kind's time fields (a launch's `launch`).
    pub anchor: String,
    /// For periodic data exchanges: the as-of days of the year, `MM-DD`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<String>,
    pub carries: Carries,
    /// For `events`: the changes it reports, as `Change::NAMES` spell them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    /// For `events`: the item kinds it is about; empty for any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub item_kinds: Vec<String>,
    /// For `notice`: the fields it carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<NoticeField>,
    /// What the sources do not give: the deadline, the contents, or both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<Unverified>,
    /// What detente assumes for what is unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotification {
    pub(crate) id: String,
    name: String,
    due: RawDue,
    #[serde(default)]
    schedule: Vec<String>,
    #[serde(default = "carries_notice")]
    carries: Carries,
    #[serde(default)]
    triggers: Vec<String>,
    #[serde(default)]
    item_kinds: Vec<String>,
    #[serde(default)]
    fields: Vec<NoticeField>,
    #[serde(default)]
    unverified: Vec<Unverified>,
    assumption: Option<String>,
    reference: Option<String>,
    pub(crate) source: String,
    note: Option<String>,
}

fn carries_notice() -> Carries {
    Carries::Notice
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDue {
    after: Option<String>,
    before: Option<String>,
    #[serde(default = "default_anchor")]
    anchor: String,
}

fn default_anchor() -> String {
    "event".to_owned()
}

/// What the treaty around a notification kind offers it.
pub(crate) struct Context<'a> {
    pub item_kinds: &'a BTreeSet<&'a str>,
}

impl NotificationKind {
    pub(crate) fn validate(path: &str, raw: RawNotification, context: &Context<'_>) -> Result<Self, TreatyError> {
        let field = |name: &str, message: String| TreatyError::field(format!("{path}.{name}"), message);
        let due = match (&raw.due.after, &raw.due.before) {
            (Some(after), None) => parse_hours(after).map(Due::AfterHours),
            (None, Some(before)) => parse_hours(before).map(Due::BeforeHours),
            _ => return Err(field("due", "give exactly one of after or before".into())),
        }
        .ok_or_else(|| field("due", "a duration is a whole number of hours or days, such as 24h or 5d".into()))?;
        for (j, day) in raw.schedule.iter().enumerate() {
            if format!("2000-{day}").parse::<Date>().is_err() {
                return Err(field(
                    &format!("schedule[{j}]"),
                    format!("{} is not a day of the year written MM-DD", quoted(day)),
                ));
            }
        }
        if !is_kebab_identifier(&raw.due.anchor) {
            let message =
                format!("{} is not a lower-case identifier such as entry-into-force", quoted(&raw.due.anchor));
            return Err(field("due.anchor", message));
        }
        check_contents(&raw, context).map_err(|(name, message)| field(&name, message))?;
        check_anchor(&raw).map_err(|message| field("due.anchor", message))?;
        match (raw.unverified.is_empty(), &raw.assumption) {
            (false, None) => return Err(field("assumption", "say what is assumed for what is unverified".into())),
            (true, Some(_)) => return Err(field("assumption", "only a kind with something unverified assumes".into())),
            _ => {}
        }
        Ok(NotificationKind {
            id: raw.id,
            name: raw.name,
            due,
            anchor: raw.due.anchor,
            schedule: raw.schedule,
            carries: raw.carries,
            triggers: raw.triggers,
            item_kinds: raw.item_kinds,
            fields: raw.fields,
            unverified: raw.unverified,
            assumption: raw.assumption,
            reference: raw.reference,
            source: raw.source,
            note: raw.note,
        })
    }

    /// The field of this kind named `name`.
    pub fn field(&self, name: &str) -> Option<&NoticeField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Triggers, item kinds and fields go with what the kind carries.
fn check_contents(raw: &RawNotification, context: &Context<'_>) -> Result<(), (String, String)> {
    let only_for =
        |name: &str, carries: &str| (name.to_owned(), format!("only a kind that carries {carries} has {name}"));
    if raw.carries != Carries::Events {
        if !raw.triggers.is_empty() {
            return Err(only_for("triggers", "events"));
        }
        if !raw.item_kinds.is_empty() {
            return Err(only_for("item_kinds", "events"));
        }
    } else if raw.triggers.is_empty() {
        return Err(("triggers".into(), format!("name the changes it reports, among {}", Change::NAMES.join(", "))));
    }
    if raw.carries != Carries::Notice && !raw.fields.is_empty() {
        return Err(only_for("fields", "a notice"));
    }
    for (j, trigger) in raw.triggers.iter().enumerate() {
        if !Change::NAMES.contains(&trigger.as_str()) {
            let message = format!("unknown change {}; expected one of {}", quoted(trigger), Change::NAMES.join(", "));
            return Err((format!("triggers[{j}]"), message));
        }
    }
    for (j, kind) in raw.item_kinds.iter().enumerate() {
        if !context.item_kinds.contains(kind.as_str()) {
            return Err((format!("item_kinds[{j}]"), format!("unknown item kind {}", quoted(kind))));
        }
    }
    let mut names = BTreeSet::new();
    for (j, notice_field) in raw.fields.iter().enumerate() {
        if !is_kebab_identifier(&notice_field.name) {
            let message = format!("{} is not a lower-case identifier such as launch-area", quoted(&notice_field.name));
            return Err((format!("fields[{j}].name"), message));
        }
        if !names.insert(notice_field.name.as_str()) {
            return Err((format!("fields[{j}].name"), format!("{} is listed twice", notice_field.name)));
        }
    }
    Ok(())
}

/// `event` needs events and `as-of` a scheduled declaration;
/// `entry-into-force` always applies, and any other anchor is a required
/// time field.
fn check_anchor(raw: &RawNotification) -> Result<(), String> {
    match raw.due.anchor.as_str() {
        "event" if raw.carries == Carries::Events => Ok(()),
        "event" => Err("the event anchors only a kind that carries events".into()),
        "as-of" if raw.carries == Carries::Declaration && !raw.schedule.is_empty() => Ok(()),
        "as-of" => Err("the as-of date anchors only a declaration with a schedule".into()),
        // A treaty not in force yet still says what is due once it is.
        "entry-into-force" => Ok(()),
        name => match raw.fields.iter().find(|f| f.name == name) {
            Some(f) if f.field_type == FieldType::Time && f.required => Ok(()),
            Some(_) => Err(format!("field {name} anchors a deadline, so it is a required time")),
            None => {
                Err(format!("{} is neither event, as-of, entry-into-force nor a time field of the kind", quoted(name)))
            }
        },
    }
}

/// Parses a duration written as whole hours or days: `24h`, `5d`.
fn parse_hours(text: &str) -> Option<u32> {
    let (number, hours_per_unit) = match text.strip_suffix('h') {
        Some(hours) => (hours, 1),
        None => (text.strip_suffix('d')?, 24),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse::<u32>().ok()?.checked_mul(hours_per_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_hours("24h"), Some(24));
        assert_eq!(parse_hours("5d"), Some(120));
        assert_eq!(parse_hours("5"), None);
        assert_eq!(parse_hours(""), None);
        assert_eq!(parse_hours("-5d"), None);
        assert_eq!(parse_hours("999999999d"), None);
        // Found by reading the fuzz target's code: a multi-byte last character once panicked.
        assert_eq!(parse_hours("é"), None);
        assert_eq!(parse_hours("24ч"), None);
        assert_eq!(parse_hours("+5d"), None);
        assert_eq!(parse_hours("d"), None);
    }
}
