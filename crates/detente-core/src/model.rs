//! The words of the domain: parties, facilities, item statuses and armaments.
//!
//! Item kinds ("icbm", "heavy-bomber", …) are not an enum here: treaties are data,
//! and a treaty file may introduce a kind the code has never seen. The set of
//! kinds a declaration may use is a [`Vocabulary`] built from the known treaties.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A state party, by its ISO 3166-1 alpha-2 code ("US", "RU", "CN", …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Party(String);

impl Party {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Party {
    type Err = String;
    fn from_str(text: &str) -> Result<Party, String> {
        if (2..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Party(text.to_owned()))
        } else {
            Err(format!("invalid party {text:?}: expected a country code of 2 or 3 capital letters, such as US or RU"))
        }
    }
}

impl TryFrom<String> for Party {
    type Error = String;
    fn try_from(text: String) -> Result<Party, String> {
        text.parse()
    }
}

impl From<Party> for String {
    fn from(party: Party) -> String {
        party.0
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an item stands in the treaty's life cycle of an accountable object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A launcher that contains a missile, a missile in such a launcher, or a bomber in service.
    Deployed,
    /// Accountable but not deployed: an empty launcher, a missile in storage, a bomber in repair.
    NonDeployed,
    /// A test launcher or test heavy bomber.
    Test,
    /// A training launcher or training heavy bomber.
    Training,
    /// Converted under the treaty's procedures (for example, a bomber equipped for non-nuclear armaments).
    Converted,
    /// Eliminated under the treaty's procedures.
    Eliminated,
    /// In the course of conversion or elimination.
    UnderConversion,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Deployed,
        Status::NonDeployed,
        Status::Test,
        Status::Training,
        Status::Converted,
        Status::Eliminated,
        Status::UnderConversion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Deployed => "deployed",
            Status::NonDeployed => "non-deployed",
            Status::Test => "test",
            Status::Training => "training",
            Status::Converted => "converted",
            Status::Eliminated => "eliminated",
            Status::UnderConversion => "under-conversion",
        }
    }

    /// A dense index, used by the counting engine's lookup tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(text: &str) -> Result<Status, String> {
        Status::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| {
            let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown status {text:?}: expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an item is equipped for. Missiles and launchers usually leave this unset;
/// it matters for heavy bombers, which leave the limits once equipped for non-nuclear armaments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Armament {
    Nuclear,
    NonNuclear,
}

impl Armament {
    pub const ALL: [Armament; 2] = [Armament::Nuclear, Armament::NonNuclear];

    pub fn as_str(self) -> &'static str {
        match self {
            Armament::Nuclear => "nuclear",
            Armament::NonNuclear => "non-nuclear",
        }
    }

    /// A dense index for an optional armament: 0 unset, 1 nuclear, 2 non-nuclear.
    pub fn index(armament: Option<Armament>) -> usize {
        match armament {
            None => 0,
            Some(Armament::Nuclear) => 1,
            Some(Armament::NonNuclear) => 2,
        }
    }
}

impl FromStr for Armament {
    type Err = String;
    fn from_str(text: &str) -> Result<Armament, String> {
        Armament::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| format!("unknown armament {text:?}: expected nuclear, non-nuclear or empty"))
    }
}

impl fmt::Display for Armament {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared site: a base, a storage site, a test range, a conversion or elimination facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Short identifier that items refer to, such as `MALMSTROM`.
    pub id: String,
    /// What sort of site it is, such as `icbm-base` or `test-range`.
    pub kind: String,
    /// Human-readable name and location.
    pub name: String,
}

/// True for identifiers made of lower-case letters, digits and inner hyphens (`heavy-bomber`).
pub fn is_kebab_identifier(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True for unique identifiers and facility ids: printable ASCII without spaces, commas or `|`.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic() && b != b',' && b != b'|')
}

/// The item kinds a declaration may use: every kind some known treaty defines.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    kinds: BTreeSet<String>,
}

impl Vocabulary {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(kinds: I) -> Vocabulary {
        Vocabulary { kinds: kinds.into_iter().map(Into::into).collect() }
    }

    pub fn contains(&self, kind: &str) -> bool {
        self.kinds.contains(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_text() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>().unwrap(), status);
            assert_eq!(Status::ALL[status.index()], status);
        }
        let err = "deploy".parse::<Status>().unwrap_err();
        assert!(err.contains("non-deployed"), "{err}");
    }

    #[test]
    fn parties_are_country_codes() {
        assert!("US".parse::<Party>().is_ok());
        assert!("us".parse::<Party>().is_err());
        assert!("USSR1".parse::<Party>().is_err());
    }

    #[test]
    fn identifiers() {
        assert!(is_kebab_identifier("heavy-bomber"));
        assert!(!is_kebab_identifier("Heavy bomber"));
        assert!(!is_kebab_identifier("-x"));
        assert!(is_token("US-MM3-0001"));
        assert!(!is_token("a,b"));
        assert!(!is_token(""));
    }
}
