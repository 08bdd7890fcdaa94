//! Events: dated changes to single items, the contents of a notification.
//!
//! An event says what happened to one item and when (`at`, in UTC). It
//! carries what the sender believed the item's state to be (`from`), so a
//! receiver can tell an event that contradicts the database from one that
//! merely comes late. Warhead numbers are not an event: under Part Four they
//! change only through the six-monthly updates.

use serde::{Deserialize, Serialize};

use crate::model::{Armament, Facility, Status};
use crate::time::Time;

/// One dated change to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub uid: String,
    /// When it happened.
    pub at: Time,
    pub change: Change,
}

/// What happened to the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Change {
    /// A new accountable item: produced, or entering accountability.
    Created {
        kind: String,
        #[serde(rename = "type")]
        type_name: String,
        facility: String,
        status: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        armament: Option<Armament>,
        #[serde(default)]
        warheads: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        range_km: Option<u32>,
        /// For a missile placed in a launcher at once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        launcher: Option<String>,
    },
    /// From one facility to another.
    Moved { from: String, to: String },
    /// From one status to another, such as deployed to non-deployed.
    StatusChanged { from: Status, to: Status },
    /// A missile placed in a launcher.
    Loaded { launcher: String },
    /// A missile taken out of its launcher.
    Unloaded { launcher: String },
    /// Converted under the treaty's procedures, such as a bomber re-equipped
    /// for non-nuclear armaments, which removes its nuclear armaments.
    Converted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        armament: Option<Armament>,
    },
    /// Eliminated under the treaty's procedures.
    Eliminated,
}

impl Change {
    /// Every change's name, as a treaty file's `triggers` write it.
    pub const NAMES: [&'static str; 7] =
        ["created", "moved", "status-changed", "loaded", "unloaded", "converted", "eliminated"];

    pub fn name(&self) -> &'static str {
        let index = match self {
            Change::Created { .. } => 0,
            Change::Moved { .. } => 1,
            Change::StatusChanged { .. } => 2,
            Change::Loaded { .. } => 3,
            Change::Unloaded { .. } => 4,
            Change::Converted { .. } => 5,
            Change::Eliminated => 6,
        };
        Change::NAMES[index]
    }
}

/// The contents of one notification, whatever its kind: item events, the
/// facilities they need that the database does not have yet, and the
/// fields a notice of its kind carries (a launch's planned time and areas).
/// Which of these a kind may carry is the treaty's business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<Facility>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_documented() {
        let text = r#"{"uid":"US-HB-B52-001","at":"2020-10-01T08:00:00Z","change":{"what":"moved","from":"MINOT","to":"BARKSDALE"}}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(event.change, Change::Moved { from: "MINOT".into(), to: "BARKSDALE".into() });
        assert_eq!(serde_json::to_string(&event).unwrap(), text);
        let converted: Change = serde_json::from_str(r#"{"what":"converted","armament":"non-nuclear"}"#).unwrap();
        assert_eq!(converted.name(), "converted");
        assert_eq!(serde_json::to_string(&Change::Eliminated).unwrap(), r#"{"what":"eliminated"}"#);
    }

    #[test]
    fn unknown_changes_and_fields_are_named() {
        let error = serde_json::from_str::<Change>(r#"{"what":"launched"}"#).unwrap_err().to_string();
        assert!(error.contains("launched") && error.contains("status-changed"), "{error}");
        let error = serde_json::from_str::<Change>(r#"{"what":"moved","from":"A","to":"B","by":"rail"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("by"), "{error}");
    }
}
