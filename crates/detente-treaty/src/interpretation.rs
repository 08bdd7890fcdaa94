//! Interpretations: one party's reading of contested items, laid over a
//! declaration before counting (schema: `docs/formats/interpretation.md`).
//!
//! A reading never edits the declaration. It says "items like these are, in our
//! view, really in this status", and the counting engine counts them so while
//! remembering what was declared, so that every difference can be itemised.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use detente_core::{Armament, Party, Status};

use crate::TreatyError;
use crate::selector::Selector;
use crate::treaty::{Source, Treaty};

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

/// A party's reading of a treaty's contested points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpretation {
    pub format: String,
    pub id: String,
    pub name: String,
    pub treaty: String,
    /// Whose reading this is.
    pub party: Party,
    /// Declarations it applies to, by declaring party; empty means every party's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub sources: Vec<Source>,
    #[serde(default)]
    pub readings: Vec<Reading>,
}

impl Interpretation {
    /// Reads an interpretation and checks it against the treaty it reads.
    pub fn from_toml(text: &str, treaty: &Treaty) -> Result<Interpretation, TreatyError> {
        let interpretation: Interpretation = toml::from_str(text).map_err(TreatyError::syntax)?;
        if interpretation.format != FORMAT {
            return Err(TreatyError::field(
                "format",
                format!("unsupported format {:?}: expected {FORMAT}", interpretation.format),
            ));
        }
        if interpretation.treaty != treaty.id {
            return Err(TreatyError::field(
                "treaty",
                format!("reads {:?}, not {:?}", interpretation.treaty, treaty.id),
            ));
        }
        let sources: BTreeSet<&str> = interpretation.sources.iter().map(|s| s.id.as_str()).collect();
        let mut ids = BTreeSet::new();
        let mut named = BTreeSet::new();
        for (i, reading) in interpretation.readings.iter().enumerate() {
            let path = format!("readings[{i}]");
            for (j, uid) in reading.uids.iter().enumerate() {
                if !named.insert(uid.as_str()) {
                    return Err(TreatyError::field(format!("{path}.uids[{j}]"), format!("{uid:?} is named twice")));
                }
            }
            if !ids.insert(reading.id.as_str()) {
                return Err(TreatyError::field(format!("{path}.id"), format!("id {:?} is used twice", reading.id)));
            }
            reading.select.validate(&format!("{path}.select"), |k| treaty.knows_kind(k), |t| treaty.knows_tag(t))?;
            if reading.treat_as.status.is_none() && reading.treat_as.armament.is_none() {
                return Err(TreatyError::field(format!("{path}.treat_as"), "give a status, an armament or both"));
            }
            if !sources.contains(reading.source.as_str()) {
                return Err(TreatyError::field(
                    format!("{path}.source"),
                    format!("unknown source {:?}: add it to [[sources]]", reading.source),
                ));
            }
        }
        Ok(interpretation)
    }

    pub fn applies_to(&self, declaring: &Party) -> bool {
        self.applies_to.is_empty() || self.applies_to.contains(declaring)
    }
}
