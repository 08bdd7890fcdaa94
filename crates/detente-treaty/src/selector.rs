//! Selectors: which items a counting rule, a prohibition or a reading applies to.

use serde::{Deserialize, Serialize};

use detente_core::{Armament, Status};

/// An inclusive range of distances in kilometres; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeKm {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

impl RangeKm {
    pub fn contains(&self, km: u32) -> bool {
        self.min.is_none_or(|min| km >= min) && self.max.is_none_or(|max| km <= max)
    }
}

/// Conditions on an item; an empty list means "any". `kinds` and `statuses`
/// must be given, so that no rule silently takes in eliminated items or kinds
/// it never meant to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Type tags from the treaty's `types` table (for example `mobile`, `heavy`); any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub statuses: Vec<Status>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub armaments: Vec<Armament>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_km: Option<RangeKm>,
}

/// What the counting engine knows about an item when it asks a selector.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub kind: &'a str,
    pub type_name: &'a str,
    pub tags: &'a [String],
    pub status: Status,
    pub armament: Option<Armament>,
    pub range_km: Option<u32>,
}

impl Selector {
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.kinds.iter().any(|k| k == subject.kind)
            && (self.types.is_empty() || self.types.iter().any(|t| t == subject.type_name))
            && (self.tags.is_empty() || self.tags.iter().any(|t| subject.tags.contains(t)))
            && self.statuses.contains(&subject.status)
            && (self.armaments.is_empty() || subject.armament.is_some_and(|a| self.armaments.contains(&a)))
            && self.range_km.is_none_or(|range| subject.range_km.is_some_and(|km| range.contains(km)))
    }

    /// Checks the selector against the treaty's vocabulary; `path` names it in errors.
    pub(crate) fn validate(
        &self,
        path: &str,
        known_kind: impl Fn(&str) -> bool,
        known_tag: impl Fn(&str) -> bool,
    ) -> Result<(), crate::TreatyError> {
        if self.kinds.is_empty() {
            return Err(crate::TreatyError::field(format!("{path}.kinds"), "give at least one item kind"));
        }
        for (i, kind) in self.kinds.iter().enumerate() {
            if !known_kind(kind) {
                return Err(crate::TreatyError::field(
                    format!("{path}.kinds[{i}]"),
                    format!("unknown item kind {kind:?}: it is not among the treaty's categories"),
                ));
            }
        }
        for (i, tag) in self.tags.iter().enumerate() {
            if !known_tag(tag) {
                let message = format!("unknown tag {tag:?}: no entry in the treaty's [[types]] carries it");
                return Err(crate::TreatyError::field(format!("{path}.tags[{i}]"), message));
            }
        }
        if self.statuses.is_empty() {
            return Err(crate::TreatyError::field(format!("{path}.statuses"), "give at least one status"));
        }
        if let Some(RangeKm { min: Some(min), max: Some(max) }) = self.range_km
            && min > max
        {
            return Err(crate::TreatyError::field(format!("{path}.range_km"), format!("min {min} is above max {max}")));
        }
        Ok(())
    }
}
