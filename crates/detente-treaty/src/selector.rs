//! Selectors: which items a counting rule, a prohibition or a reading applies to.

use serde::{Deserialize, Serialize};

use detente_core::{Armament, Status, quoted};

use crate::TreatyError;
use crate::treaty::Known;

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

    /// Whether every distance in `other` is in this range.
    fn covers(&self, other: &RangeKm) -> bool {
        let low = self.min.is_none_or(|min| other.min.is_some_and(|m| m >= min));
        let high = self.max.is_none_or(|max| other.max.is_some_and(|m| m <= max));
        low && high
    }
}

/// Whether items record any warheads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Warheads {
    /// Zero warheads.
    None,
    /// One or more.
    Some,
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
    /// A launcher that holds a missile, or a missile in a launcher (`true`); or neither (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded: Option<bool>,
    /// Items that record no warheads (`none`) or some (`some`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warheads: Option<Warheads>,
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
    /// Linked to a launcher (a missile) or to a missile (a launcher).
    pub loaded: bool,
    /// Records at least one warhead.
    pub armed: bool,
}

/// Whether every element of `inner` is in `outer`, where an empty `outer` means any
/// and an empty `inner` means any too (so only an empty `outer` covers it).
fn covers<T: PartialEq>(outer: &[T], inner: &[T]) -> bool {
    outer.is_empty() || (!inner.is_empty() && inner.iter().all(|x| outer.contains(x)))
}

impl Selector {
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.kinds.iter().any(|k| k == subject.kind)
            && (self.types.is_empty() || self.types.iter().any(|t| t == subject.type_name))
            && (self.tags.is_empty() || self.tags.iter().any(|t| subject.tags.contains(t)))
            && self.statuses.contains(&subject.status)
            && (self.armaments.is_empty() || subject.armament.is_some_and(|a| self.armaments.contains(&a)))
            && self.range_km.is_none_or(|range| subject.range_km.is_some_and(|km| range.contains(km)))
            && self.loaded.is_none_or(|loaded| loaded == subject.loaded)
            && self.warheads.is_none_or(|w| (w == Warheads::Some) == subject.armed)
    }

    /// Whether this selector selects every item `other` selects, decided
    /// conservatively: `true` only when each condition of `other` is at least
    /// as narrow as this one's, field by field. (Tags are compared as written,
    /// not through the types that carry them, so a tag never covers a type.)
    pub fn subsumes(&self, other: &Selector) -> bool {
        covers(&self.kinds, &other.kinds)
            && covers(&self.statuses, &other.statuses)
            && covers(&self.types, &other.types)
            && covers(&self.tags, &other.tags)
            && covers(&self.armaments, &other.armaments)
            && self.range_km.is_none_or(|mine| other.range_km.is_some_and(|theirs| mine.covers(&theirs)))
            && self.loaded.is_none_or(|mine| other.loaded == Some(mine))
            && self.warheads.is_none_or(|mine| other.warheads == Some(mine))
    }

    /// Checks the selector against the treaty's vocabulary; `path` names it in errors.
    pub(crate) fn validate(&self, path: &str, known: &Known) -> Result<(), TreatyError> {
        if self.kinds.is_empty() {
            return Err(TreatyError::field(format!("{path}.kinds"), "give at least one item kind"));
        }
        for (i, kind) in self.kinds.iter().enumerate() {
            if !known.kinds.contains(kind) {
                return Err(TreatyError::field(
                    format!("{path}.kinds[{i}]"),
                    format!("unknown item kind {}: it is not among the treaty's categories", quoted(kind)),
                ));
            }
            if self.loaded.is_some() && !known.linkable.contains(kind) {
                return Err(TreatyError::field(
                    format!("{path}.loaded"),
                    format!("{kind} items are never loaded: no category holds them, and they hold nothing"),
                ));
            }
        }
        for (i, tag) in self.tags.iter().enumerate() {
            if !known.tags.contains(tag) {
                let message = format!("unknown tag {}: no entry in the treaty's [[types]] carries it", quoted(tag));
                return Err(TreatyError::field(format!("{path}.tags[{i}]"), message));
            }
        }
        if self.statuses.is_empty() {
            return Err(TreatyError::field(format!("{path}.statuses"), "give at least one status"));
        }
        if let Some(RangeKm { min: Some(min), max: Some(max) }) = self.range_km
            && min > max
        {
            return Err(TreatyError::field(format!("{path}.range_km"), format!("min {min} is above max {max}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(text: &str) -> Selector {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_broader_selector_subsumes_a_narrower_one() {
        let all_launchers = selector(
            r#"kinds = ["icbm-launcher", "slbm-launcher"]
statuses = ["deployed", "non-deployed"]"#,
        );
        for narrower in [
            r#"kinds = ["icbm-launcher"]
statuses = ["deployed"]"#,
            r#"kinds = ["slbm-launcher"]
statuses = ["non-deployed"]
types = ["Trident II"]
loaded = false"#,
            r#"kinds = ["icbm-launcher"]
statuses = ["deployed"]
range_km = { min = 10, max = 20 }
warheads = "some""#,
        ] {
            assert!(all_launchers.subsumes(&selector(narrower)), "{narrower}");
        }
        assert!(all_launchers.subsumes(&all_launchers), "a selector subsumes itself");
    }

    #[test]
    fn subsumption_is_never_claimed_on_a_doubt() {
        let loaded = selector(
            r#"kinds = ["icbm"]
statuses = ["deployed"]
loaded = true"#,
        );
        let any = selector(
            r#"kinds = ["icbm"]
statuses = ["deployed"]"#,
        );
        assert!(any.subsumes(&loaded) && !loaded.subsumes(&any), "loaded = true leaves out the unloaded");
        let nuclear = selector(
            r#"kinds = ["heavy-bomber"]
statuses = ["deployed"]
armaments = ["nuclear"]"#,
        );
        let bombers = selector(
            r#"kinds = ["heavy-bomber"]
statuses = ["deployed"]"#,
        );
        assert!(!nuclear.subsumes(&bombers), "bombers with no armament are not nuclear ones");
        let tagged = selector(
            r#"kinds = ["heavy-bomber"]
statuses = ["deployed"]
tags = ["long-range-nuclear-alcm"]"#,
        );
        let typed = selector(
            r#"kinds = ["heavy-bomber"]
statuses = ["deployed"]
types = ["B-52H"]"#,
        );
        assert!(!tagged.subsumes(&typed), "a tag is not compared with types");
        assert!(!tagged.subsumes(&bombers) && bombers.subsumes(&tagged));
        let ranged = selector(
            r#"kinds = ["glcm"]
statuses = ["deployed"]
range_km = { min = 500, max = 5500 }"#,
        );
        let wider = selector(
            r#"kinds = ["glcm"]
statuses = ["deployed"]
range_km = { min = 400 }"#,
        );
        let unranged = selector(
            r#"kinds = ["glcm"]
statuses = ["deployed"]"#,
        );
        assert!(wider.subsumes(&ranged) && !ranged.subsumes(&wider) && !ranged.subsumes(&unranged));
        let other_status = selector(
            r#"kinds = ["icbm"]
statuses = ["test"]"#,
        );
        assert!(!any.subsumes(&other_status));
    }
}
