//! Findings: what a verification office must look at.

use serde::Serialize;

use detente_core::quoted;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    /// A binding limit is exceeded.
    LimitExceeded { limit: String, name: String, max: u32, total: u64, excess: u64 },
    /// Items that contradict the treaty's definitions as declared (a deployed
    /// launcher with no missile in it), whatever the date.
    Contradiction { check: String, description: String, items: u64, uids: Vec<String> },
    /// Items the treaty prohibits.
    Prohibited { prohibition: String, description: String, items: u64, uids: Vec<String> },
    /// Items of a kind the treaty does not know, so no rule can count them.
    UnknownKind { kind: String, items: u64, uids: Vec<String> },
    /// Items of a kind whose armament the treaty's rules depend on, declared without one: no rule counts them.
    MissingArmament { kind: String, items: u64, uids: Vec<String> },
    /// A reading names items by uid that the declaration does not contain.
    ReadingNamesMissingItems { reading: String, uids: Vec<String> },
    /// A rule needs a number the treaty's `types` table does not give for this type.
    Unattributed {
        limit: String,
        kind: String,
        #[serde(rename = "type")]
        type_name: String,
    },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::LimitExceeded { limit, name, max, total, excess } => {
                write!(f, "limit {limit} exceeded by {excess}: {total} against {max} ({name})")
            }
            Finding::Contradiction { check, description, items, .. } => {
                write!(f, "{items} item(s) contradict the treaty's definitions ({check}): {description}")
            }
            Finding::Prohibited { prohibition, description, items, .. } => {
                write!(f, "{items} prohibited item(s) under {prohibition}: {description}")
            }
            Finding::UnknownKind { kind, items, .. } => {
                write!(f, "{items} item(s) of kind {kind}, which the treaty does not know: not counted")
            }
            Finding::MissingArmament { kind, items, .. } => {
                write!(f, "{items} {kind} item(s) declare no armament, which the treaty's rules need: not counted")
            }
            Finding::ReadingNamesMissingItems { reading, uids } => {
                write!(
                    f,
                    "reading {reading} names {} item(s) the declaration does not contain: {}",
                    uids.len(),
                    uids.join(", ")
                )
            }
            Finding::Unattributed { limit, kind, type_name } => {
                write!(
                    f,
                    "limit {limit}: the treaty gives no attribution or capacity for {kind} {}: counted as 0",
                    quoted(type_name)
                )
            }
        }
    }
}
