//! Interpretations: one party's reading of contested items, laid over a
//! declaration before counting (schema: `docs/formats/interpretation.md`).
//!
//! A reading never edits the declaration. It says "items like these are, in our
//! view, really in this status", and the counting engine counts them so while
//! remembering what was declared, so that every difference can be itemised.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use detente_core::{Armament, Party, Status, quoted};

use crate::TreatyError;
use crate::selector::Selector;
use crate::treaty::{RawRule, Rule, RuleSource, Source, Treaty, parse_rules};

pub const FORMAT: &str = "detente-interpretation/1";

/// The status and armament a reading substitutes for the declared ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatAs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armament: Option<Armament>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    pub id: String,
    pub description: String,
    pub select: Selector,
    /// Specific items by unique identifier, on top of (not instead of) the selector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uids: Vec<String>,
    pub treat_as: TreatAs,
    pub source: String,
}

/// Counting rules a reading supplies for a limit the treaty gives none for
/// (`rules = "by-reading"`), such as the United States' reading of SORT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitRules {
    /// The id of the treaty's limit.
    pub limit: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub count: Vec<Rule>,
}

/// A party's reading of a treaty's contested points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interpretation {
    pub format: String,
    pub id: String,
    pub name: String,
    pub treaty: String,
    /// Whose reading this is.
    pub party: Party,
    /// Declarations it applies to, by declaring party; empty means every party's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<Party>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Caveats, as in a treaty file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub sources: Vec<Source>,
    pub readings: Vec<Reading>,
    pub limits: Vec<LimitRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInterpretation {
    format: String,
    id: String,
    name: String,
    treaty: String,
    party: Party,
    #[serde(default)]
    applies_to: Vec<Party>,
    summary: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    sources: Vec<Source>,
    #[serde(default)]
    readings: Vec<Reading>,
    #[serde(default)]
    limits: Vec<RawLimitRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimitRules {
    limit: String,
    source: String,
    note: Option<String>,
    count: Vec<RawRule>,
}

impl Interpretation {
    /// Reads an interpretation and checks it against the treaty it reads.
    pub fn from_toml(text: &str, treaty: &Treaty) -> Result<Interpretation, TreatyError> {
        let raw: RawInterpretation = toml::from_str(text).map_err(|e| TreatyError::syntax(e, text))?;
        if raw.format != FORMAT {
            return Err(TreatyError::field(
                "format",
                format!("unsupported format {}: expected {FORMAT}", quoted(&raw.format)),
            ));
        }
        if raw.treaty != treaty.id {
            return Err(TreatyError::field(
                "treaty",
                format!("reads {}, not {}", quoted(&raw.treaty), quoted(&treaty.id)),
            ));
        }
        if !treaty.binds(&raw.party) {
            return Err(TreatyError::field("party", format!("{} is not a party of {}", raw.party, treaty.short_name)));
        }
        for (i, party) in raw.applies_to.iter().enumerate() {
            if !treaty.binds(party) {
                return Err(TreatyError::field(
                    format!("applies_to[{i}]"),
                    format!("{party} is not a party of {}", treaty.short_name),
                ));
            }
        }
        let sources: BTreeSet<&str> = raw.sources.iter().map(|s| s.id.as_str()).collect();
        let cite = |path: String, id: &str| {
            if sources.contains(id) {
                Ok(())
            } else {
                Err(TreatyError::field(path, format!("unknown source {}: add it to [[sources]]", quoted(id))))
            }
        };
        let known = treaty.known();
        let mut ids = BTreeSet::new();
        let mut named = BTreeSet::new();
        for (i, reading) in raw.readings.iter().enumerate() {
            let path = format!("readings[{i}]");
            for (j, uid) in reading.uids.iter().enumerate() {
                if !named.insert(uid.as_str()) {
                    return Err(TreatyError::field(
                        format!("{path}.uids[{j}]"),
                        format!("{} is named twice", quoted(uid)),
                    ));
                }
            }
            if !ids.insert(reading.id.as_str()) {
                return Err(TreatyError::field(
                    format!("{path}.id"),
                    format!("id {} is used twice", quoted(&reading.id)),
                ));
            }
            reading.select.validate(&format!("{path}.select"), &known)?;
            if reading.treat_as.status.is_none() && reading.treat_as.armament.is_none() {
                return Err(TreatyError::field(format!("{path}.treat_as"), "give a status, an armament or both"));
            }
            cite(format!("{path}.source"), &reading.source)?;
        }
        // The first reading that selects an item wins; one that an earlier one always
        // beats can still apply to the items it names by uid, and only to those.
        let by_selector: Vec<(usize, &Selector)> =
            raw.readings.iter().enumerate().map(|(i, r)| (i, &r.select)).collect();
        for (j, later) in raw.readings.iter().enumerate().filter(|(_, r)| r.uids.is_empty()) {
            if let Some(&(i, _)) = by_selector[..j].iter().find(|(_, earlier)| earlier.subsumes(&later.select)) {
                return Err(TreatyError::field(
                    format!("readings[{j}]"),
                    format!("can never apply: readings[{i}] comes first and selects every item this one does"),
                ));
            }
        }
        let party_known = |p: &Party| treaty.binds(p);
        let mut limits = Vec::with_capacity(raw.limits.len());
        let mut given = BTreeSet::new();
        for (i, rules) in raw.limits.into_iter().enumerate() {
            let path = format!("limits[{i}]");
            let Some(limit) = treaty.limits.iter().find(|l| l.id == rules.limit) else {
                return Err(TreatyError::field(
                    format!("{path}.limit"),
                    format!("{} has no limit {}", treaty.short_name, quoted(&rules.limit)),
                ));
            };
            if limit.rules != RuleSource::ByReading {
                return Err(TreatyError::field(
                    format!("{path}.limit"),
                    format!(
                        "{} gives its own counting rules for {}: a reading may not replace them",
                        treaty.short_name, limit.id
                    ),
                ));
            }
            if !given.insert(limit.id.clone()) {
                return Err(TreatyError::field(
                    format!("{path}.limit"),
                    format!("rules for {} are given twice", limit.id),
                ));
            }
            if rules.count.is_empty() {
                return Err(TreatyError::field(format!("{path}.count"), "give at least one counting rule"));
            }
            cite(format!("{path}.source"), &rules.source)?;
            let count = parse_rules(&format!("{path}.count"), rules.count, &known, &party_known)?;
            limits.push(LimitRules { limit: rules.limit, source: rules.source, note: rules.note, count });
        }
        Ok(Interpretation {
            format: raw.format,
            id: raw.id,
            name: raw.name,
            treaty: raw.treaty,
            party: raw.party,
            applies_to: raw.applies_to,
            summary: raw.summary,
            notes: raw.notes,
            sources: raw.sources,
            readings: raw.readings,
            limits,
        })
    }

    pub fn applies_to(&self, declaring: &Party) -> bool {
        self.applies_to.is_empty() || self.applies_to.contains(declaring)
    }

    /// The rules this reading gives for `limit`, if it gives any.
    pub fn rules_for(&self, limit: &str) -> Option<&LimitRules> {
        self.limits.iter().find(|l| l.limit == limit)
    }
}
