//! A treaty definition, read from a TOML file (schema: `docs/formats/treaty.md`).
//!
//! Deserialisation refuses unknown fields; [`Treaty::from_toml`] then checks
//! what serde cannot: references between parts of the file, kinds, durations,
//! and that every fact names one of the file's sources.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use detente_core::model::is_kebab_identifier;
use detente_core::{Date, Party};

use crate::TreatyError;
use crate::selector::Selector;

pub const FORMAT: &str = "detente-treaty/1";

/// A publication that facts in the file rest on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_into_force: Option<Date>,
    /// When the treaty ends by its own terms (as extended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// When it actually ended, if earlier or otherwise (withdrawal, superseded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Date>,
}

/// A dated event in the treaty's life: extension, suspension, withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatyEvent {
    pub date: Date,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An item kind the treaty knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub kind: String,
    pub description: String,
    /// Items of this kind must say what they are equipped for, because rules tell
    /// nuclear from non-nuclear ones (heavy bombers); one that does not is a finding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_armament: bool,
}

/// Facts about a type of system that counting rules may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub name: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Warheads the treaty attributes to each item of this type, whatever it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_warheads: Option<u32>,
    /// The most weapons of the counted sort an item of this type can carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    pub source: String,
}

/// How much each selected item adds to a limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// One per item.
    Item,
    /// The warheads actually emplaced on the item.
    Warheads,
    /// A fixed number per item.
    Each(u32),
    /// The number the treaty's `types` table attributes to the item's type.
    Attributed,
    /// For each party, the first `first` items count `each`; the rest count their type's capacity.
    Discounted(BTreeMap<Party, Discount>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discount {
    pub first: u32,
    pub each: u32,
}

/// One counting rule: a selector and the weight of what it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    #[serde(flatten)]
    pub select: Selector,
    pub weight: Weight,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The ceiling for every party, unless `max_by_party` names the party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub max_by_party: BTreeMap<Party, u32>,
    /// Before this date the ceiling is not yet binding (reductions period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<Date>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An item is counted by the first rule that selects it, and only once.
    pub count: Vec<Rule>,
}

impl Limit {
    pub fn max_for(&self, party: &Party) -> Option<u32> {
        self.max_by_party.get(party).copied().or(self.max)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prohibition {
    pub id: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<Date>,
    pub source: String,
    /// An item is prohibited if any of these selects it.
    pub select: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub id: String,
    pub name: String,
    pub max: u32,
    /// The period the quota renews over, such as `treaty-year` or `calendar-year`.
    pub per: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// When a notification is due, relative to its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Due {
    /// At most this many hours after the anchor (a deadline).
    AfterHours(u32),
    /// At least this many hours before the anchor (advance notice).
    BeforeHours(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationKind {
    pub id: String,
    pub name: String,
    pub due: Due,
    /// What the deadline runs from: `event`, `entry-into-force`, `as-of`, …
    pub anchor: String,
    /// For periodic data exchanges: the as-of days of the year, `MM-DD`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A validated treaty definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treaty {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Caveats: facts not yet checked against the primary text, conflicts between sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub dates: Dates,
    pub events: Vec<TreatyEvent>,
    pub sources: Vec<Source>,
    pub categories: Vec<Category>,
    pub types: Vec<TypeDef>,
    pub limits: Vec<Limit>,
    pub prohibitions: Vec<Prohibition>,
    pub quotas: Vec<Quota>,
    pub notifications: Vec<NotificationKind>,
}

// --- the file as written --------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreaty {
    format: String,
    id: String,
    name: String,
    short_name: String,
    parties: Vec<Party>,
    summary: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    dates: Dates,
    #[serde(default)]
    events: Vec<TreatyEvent>,
    sources: Vec<Source>,
    categories: Vec<Category>,
    #[serde(default)]
    types: Vec<TypeDef>,
    #[serde(default)]
    limits: Vec<RawLimit>,
    #[serde(default)]
    prohibitions: Vec<Prohibition>,
    #[serde(default)]
    quotas: Vec<Quota>,
    #[serde(default)]
    notifications: Vec<RawNotification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    id: String,
    name: String,
    article: Option<String>,
    max: Option<u32>,
    #[serde(default)]
    max_by_party: BTreeMap<Party, u32>,
    applies_from: Option<Date>,
    source: String,
    note: Option<String>,
    count: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(flatten)]
    select: Selector,
    weight: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotification {
    id: String,
    name: String,
    due: RawDue,
    #[serde(default)]
    schedule: Vec<String>,
    reference: Option<String>,
    source: String,
    note: Option<String>,
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

fn parse_weight(path: &str, value: Option<&toml::Value>) -> Result<Weight, TreatyError> {
    let bad = |message: String| TreatyError::field(format!("{path}.weight"), message);
    let Some(value) = value else { return Ok(Weight::Item) };
    match value {
        toml::Value::String(name) => match name.as_str() {
            "item" => Ok(Weight::Item),
            "warheads" => Ok(Weight::Warheads),
            "attributed" => Ok(Weight::Attributed),
            other => Err(bad(format!("unknown weight {other:?}: expected \"item\", \"warheads\", \"attributed\", {{ each = N }} or {{ discounted = … }}"))),
        },
        toml::Value::Table(table) if table.len() == 1 && table.contains_key("each") => {
            let each = table["each"].as_integer().and_then(|n| u32::try_from(n).ok());
            each.map(Weight::Each).ok_or_else(|| bad("`each` must be a whole number from 0".into()))
        }
        toml::Value::Table(table) if table.len() == 1 && table.contains_key("discounted") => {
            let discounted: BTreeMap<Party, Discount> = table["discounted"]
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| bad(format!("discounted: {}", e.message())))?;
            Ok(Weight::Discounted(discounted))
        }
        _ => Err(bad("expected \"item\", \"warheads\", \"attributed\", { each = N } or { discounted = { PARTY = { first = N, each = M } } }".into())),
    }
}

impl Treaty {
    /// Reads and validates a treaty file's text.
    pub fn from_toml(text: &str) -> Result<Treaty, TreatyError> {
        let raw: RawTreaty = toml::from_str(text).map_err(TreatyError::syntax)?;
        if raw.format != FORMAT {
            return Err(TreatyError::field(
                "format",
                format!("unsupported format {:?}: expected {FORMAT}", raw.format),
            ));
        }
        if !is_kebab_identifier(&raw.id) {
            return Err(TreatyError::field(
                "id",
                format!("{:?} is not a lower-case identifier such as new-start", raw.id),
            ));
        }
        let source_ids: BTreeSet<&str> = raw.sources.iter().map(|s| s.id.as_str()).collect();
        if source_ids.len() != raw.sources.len() {
            return Err(TreatyError::field("sources", "two sources share an id"));
        }
        let cite = |path: String, id: &str| -> Result<(), TreatyError> {
            if source_ids.contains(id) {
                Ok(())
            } else {
                Err(TreatyError::field(
                    format!("{path}.source"),
                    format!("unknown source {id:?}: add it to [[sources]]"),
                ))
            }
        };
        let mut kinds = BTreeSet::new();
        for (i, category) in raw.categories.iter().enumerate() {
            if !is_kebab_identifier(&category.kind) {
                return Err(TreatyError::field(
                    format!("categories[{i}].kind"),
                    format!("{:?} is not a lower-case identifier such as heavy-bomber", category.kind),
                ));
            }
            if !kinds.insert(category.kind.as_str()) {
                return Err(TreatyError::field(
                    format!("categories[{i}].kind"),
                    format!("kind {:?} is listed twice", category.kind),
                ));
            }
        }
        let known_kind = |kind: &str| kinds.contains(kind);
        let tags: BTreeSet<&str> = raw.types.iter().flat_map(|t| t.tags.iter().map(String::as_str)).collect();
        let known_tag = |tag: &str| tags.contains(tag);
        for (i, event) in raw.events.iter().enumerate() {
            cite(format!("events[{i}]"), &event.source)?;
        }
        for (i, def) in raw.types.iter().enumerate() {
            let path = format!("types[{i}]");
            if !known_kind(&def.kind) {
                return Err(TreatyError::field(format!("{path}.kind"), format!("unknown item kind {:?}", def.kind)));
            }
            cite(path, &def.source)?;
        }
        let mut limits = Vec::with_capacity(raw.limits.len());
        let mut ids = BTreeSet::new();
        for (i, limit) in raw.limits.into_iter().enumerate() {
            let path = format!("limits[{i}]");
            if !ids.insert(limit.id.clone()) {
                return Err(TreatyError::field(format!("{path}.id"), format!("id {:?} is used twice", limit.id)));
            }
            if limit.max.is_none() && limit.max_by_party.is_empty() {
                return Err(TreatyError::field(
                    format!("{path}.max"),
                    format!("limit {:?} gives neither max nor max_by_party", limit.id),
                ));
            }
            if limit.count.is_empty() {
                return Err(TreatyError::field(
                    format!("{path}.count"),
                    format!("limit {:?} has no counting rule", limit.id),
                ));
            }
            cite(path.clone(), &limit.source)?;
            let mut rules = Vec::with_capacity(limit.count.len());
            for (j, rule) in limit.count.into_iter().enumerate() {
                let rule_path = format!("{path}.count[{j}]");
                rule.select.validate(&rule_path, known_kind, known_tag)?;
                let weight = parse_weight(&rule_path, rule.weight.as_ref())?;
                rules.push(Rule { select: rule.select, weight });
            }
            limits.push(Limit {
                id: limit.id,
                name: limit.name,
                article: limit.article,
                max: limit.max,
                max_by_party: limit.max_by_party,
                applies_from: limit.applies_from,
                source: limit.source,
                note: limit.note,
                count: rules,
            });
        }
        for (i, prohibition) in raw.prohibitions.iter().enumerate() {
            let path = format!("prohibitions[{i}]");
            if prohibition.select.is_empty() {
                return Err(TreatyError::field(format!("{path}.select"), "give at least one selector"));
            }
            for (j, selector) in prohibition.select.iter().enumerate() {
                selector.validate(&format!("{path}.select[{j}]"), known_kind, known_tag)?;
            }
            cite(path, &prohibition.source)?;
        }
        for (i, quota) in raw.quotas.iter().enumerate() {
            cite(format!("quotas[{i}]"), &quota.source)?;
        }
        let mut notifications = Vec::with_capacity(raw.notifications.len());
        for (i, n) in raw.notifications.into_iter().enumerate() {
            let path = format!("notifications[{i}]");
            cite(path.clone(), &n.source)?;
            let due = match (&n.due.after, &n.due.before) {
                (Some(after), None) => parse_hours(after).map(Due::AfterHours),
                (None, Some(before)) => parse_hours(before).map(Due::BeforeHours),
                _ => return Err(TreatyError::field(format!("{path}.due"), "give exactly one of after or before")),
            }
            .ok_or_else(|| {
                TreatyError::field(
                    format!("{path}.due"),
                    "a duration is a whole number of hours or days, such as 24h or 5d",
                )
            })?;
            for (j, day) in n.schedule.iter().enumerate() {
                if format!("2000-{day}").parse::<Date>().is_err() {
                    return Err(TreatyError::field(
                        format!("{path}.schedule[{j}]"),
                        format!("{day:?} is not a day of the year written MM-DD"),
                    ));
                }
            }
            if !is_kebab_identifier(&n.due.anchor) {
                return Err(TreatyError::field(
                    format!("{path}.due.anchor"),
                    format!("{:?} is not a lower-case identifier such as entry-into-force", n.due.anchor),
                ));
            }
            notifications.push(NotificationKind {
                id: n.id,
                name: n.name,
                due,
                anchor: n.due.anchor,
                schedule: n.schedule,
                reference: n.reference,
                source: n.source,
                note: n.note,
            });
        }
        Ok(Treaty {
            id: raw.id,
            name: raw.name,
            short_name: raw.short_name,
            parties: raw.parties,
            summary: raw.summary,
            notes: raw.notes,
            dates: raw.dates,
            events: raw.events,
            sources: raw.sources,
            categories: raw.categories,
            types: raw.types,
            limits,
            prohibitions: raw.prohibitions,
            quotas: raw.quotas,
            notifications,
        })
    }

    pub fn knows_kind(&self, kind: &str) -> bool {
        self.category(kind).is_some()
    }

    pub fn category(&self, kind: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.kind == kind)
    }

    pub fn type_def(&self, kind: &str, type_name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.kind == kind && t.name == type_name)
    }

    /// Whether some entry of the `types` table carries `tag`.
    pub fn knows_tag(&self, tag: &str) -> bool {
        self.types.iter().any(|t| t.tags.iter().any(|x| x == tag))
    }

    /// Whether the treaty is in force on `date`: from entry into force until it ended or expired.
    pub fn in_force_on(&self, date: Date) -> bool {
        let started = self.dates.entered_into_force.is_some_and(|eif| eif <= date);
        let end = self.dates.ended.or(self.dates.expires);
        started && end.is_none_or(|end| date < end)
    }
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
