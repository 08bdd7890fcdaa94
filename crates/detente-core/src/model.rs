//! The words of the domain: parties, facilities, item statuses and armaments.
//!
//! Item kinds ("icbm", "heavy-bomber", …) are not an enum here: treaties are data,
//! and a treaty file may introduce a kind the code has never seen. The set of
//! kinds a declaration may use is a [`Vocabulary`] built from the known treaties.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ArmamentError, PartyError, StatusError};

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
    type Err = PartyError;
    fn from_str(text: &str) -> Result<Party, PartyError> {
        if (2..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Party(text.to_owned()))
        } else {
            Err(PartyError { text: text.to_owned() })
        }
    }
}

impl TryFrom<String> for Party {
    type Error = PartyError;
    fn try_from(text: String) -> Result<Party, PartyError> {
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

    /// Every status's name, separated by commas, for messages.
    pub fn names() -> String {
        Status::ALL.map(Status::as_str).join(", ")
    }
}

impl FromStr for Status {
    type Err = StatusError;
    fn from_str(text: &str) -> Result<Status, StatusError> {
        Status::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| StatusError { text: text.to_owned() })
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
    type Err = ArmamentError;
    fn from_str(text: &str) -> Result<Armament, ArmamentError> {
        Armament::ALL.into_iter().find(|a| a.as_str() == text).ok_or_else(|| ArmamentError { text: text.to_owned() })
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

/// What part an item of some kind plays in the link between missiles and launchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A kind some launcher kind holds (`icbm`): it may name the launcher it sits in.
    Missile,
    /// A kind that holds missiles (`icbm-launcher`): it may be named by one missile.
    Launcher,
    /// Neither (a heavy bomber, a facility-bound item).
    Other,
}

/// The item kinds a declaration may use (every kind some known treaty defines),
/// and which launcher kinds hold which missile kinds.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    kinds: BTreeSet<String>,
    /// Launcher kind → the missile kinds it holds.
    holds: BTreeMap<String, BTreeSet<String>>,
}

impl Vocabulary {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(kinds: I) -> Vocabulary {
        Vocabulary { kinds: kinds.into_iter().map(Into::into).collect(), holds: BTreeMap::new() }
    }

    /// Adds that launchers of kind `launcher` hold missiles of the kinds `missiles`
    /// (the kinds become known if they were not).
    pub fn holding<I: IntoIterator<Item = S>, S: Into<String>>(mut self, launcher: &str, missiles: I) -> Vocabulary {
        let missiles: Vec<String> = missiles.into_iter().map(Into::into).collect();
        self.kinds.insert(launcher.to_owned());
        self.kinds.extend(missiles.iter().cloned());
        self.holds.entry(launcher.to_owned()).or_default().extend(missiles);
        self
    }

    pub fn contains(&self, kind: &str) -> bool {
        self.kinds.contains(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(String::as_str)
    }

    /// Whether a launcher of kind `launcher` holds a missile of kind `missile`.
    pub fn holds(&self, launcher: &str, missile: &str) -> bool {
        self.holds.get(launcher).is_some_and(|kinds| kinds.contains(missile))
    }

    /// The kinds a launcher of kind `launcher` holds (none for other kinds).
    pub fn held_by(&self, launcher: &str) -> impl Iterator<Item = &str> {
        self.holds.get(launcher).into_iter().flatten().map(String::as_str)
    }

    /// A kind some launcher holds is a missile, even if it were to hold something
    /// itself: one link per item cannot carry both a launcher and a missile.
    pub fn role(&self, kind: &str) -> Role {
        if self.holds.values().any(|kinds| kinds.contains(kind)) {
            Role::Missile
        } else if self.holds.contains_key(kind) {
            Role::Launcher
        } else {
            Role::Other
        }
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
        let err = "deploy".parse::<Status>().unwrap_err().to_string();
        assert!(err.contains("non-deployed") && err.contains("\"deploy\""), "{err}");
    }

    #[test]
    fn parties_are_country_codes() {
        assert!("US".parse::<Party>().is_ok());
        assert!("us".parse::<Party>().is_err());
        assert!("USSR1".parse::<Party>().is_err());
    }

    #[test]
    fn parse_errors_are_typed_and_short() {
        let error = "usa".parse::<Party>().unwrap_err();
        assert_eq!(error.text, "usa");
        assert!(error.to_string().starts_with("invalid party \"usa\""), "{error}");
        let huge = "Q".repeat(1 << 20);
        assert!(huge.parse::<Party>().unwrap_err().to_string().len() < 250);
        assert!(huge.parse::<Armament>().unwrap_err().to_string().len() < 250);
        assert_eq!("nucl".parse::<Armament>().unwrap_err(), ArmamentError { text: "nucl".into() });
    }

    #[test]
    fn vocabulary_knows_which_launchers_hold_which_missiles() {
        let vocabulary =
            Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"]);
        assert!(vocabulary.contains("icbm") && vocabulary.contains("slbm-launcher"));
        assert!(vocabulary.holds("icbm-launcher", "icbm"));
        assert!(!vocabulary.holds("icbm-launcher", "slbm"));
        assert!(!vocabulary.holds("icbm", "icbm-launcher"), "containment has a direction");
        assert_eq!(vocabulary.role("icbm"), Role::Missile);
        assert_eq!(vocabulary.role("slbm-launcher"), Role::Launcher);
        assert_eq!(vocabulary.role("heavy-bomber"), Role::Other);
        assert_eq!(vocabulary.held_by("slbm-launcher").collect::<Vec<_>>(), ["slbm"]);
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
