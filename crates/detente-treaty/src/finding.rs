//! Findings: what a verification office must look at.

use serde::Serialize;

use detente_core::diff::Diff;
use detente_core::{Date, Time, quoted};

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
    /// A notification provided after its deadline (or, for advance notice,
    /// later than it had to be before the event).
    LateNotification { kind: String, sequence: u64, due: Time, provided: Time, seconds_late: i64 },
    /// A data exchange whose deadline passed without it.
    MissingNotification { kind: String, as_of: Date, due: Time },
    /// A change a six-monthly update shows that no notification reported
    /// (warhead numbers apart, which change only through the updates).
    UnnotifiedChange { update_as_of: Date, uid: String, change: String, fields: Vec<String> },
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
            Finding::LateNotification { kind, sequence, due, provided, seconds_late } => {
                write!(
                    f,
                    "{kind} notification {sequence} provided {provided}, {} after its deadline of {due}",
                    span(*seconds_late)
                )
            }
            Finding::MissingNotification { kind, as_of, due } => {
                write!(f, "no {kind} notification as of {as_of}, due by {due}")
            }
            Finding::UnnotifiedChange { update_as_of, uid, change, fields } => {
                let what = if fields.is_empty() { String::new() } else { format!(" ({})", fields.join(", ")) };
                write!(f, "the update as of {update_as_of} shows {uid} {change}{what}, which no notification reported")
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

/// A delay in whole days and hours, or minutes when under an hour.
fn span(seconds: i64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (days, hours) {
        (0, 0) => format!("{} min", minutes.max(1)),
        (0, _) => format!("{hours} h"),
        _ => format!("{days} d {hours} h"),
    }
}

/// The findings of a six-monthly update that differs from the events
/// notified since the last (the ledger's `rebase` gives the difference).
pub fn unnotified(difference: &Diff) -> Vec<Finding> {
    let finding = |uid: &str, change: &str, fields: Vec<String>| Finding::UnnotifiedChange {
        update_as_of: difference.new_as_of,
        uid: uid.to_owned(),
        change: change.to_owned(),
        fields,
    };
    let fields = |c: &detente_core::diff::ItemChange| -> Vec<String> {
        c.changes.iter().map(|f| f.field.as_str().to_owned()).collect()
    };
    let mut findings: Vec<Finding> =
        difference.created.iter().map(|item| finding(&item.uid, "created", vec![])).collect();
    findings.extend(difference.moved.iter().map(|c| finding(&c.uid, "moved", fields(c))));
    findings.extend(difference.changed.iter().map(|c| finding(&c.uid, "changed", fields(c))));
    findings.extend(
        difference.eliminated.iter().map(|c| finding(&c.uid, if c.gone { "gone" } else { "eliminated" }, fields(c))),
    );
    findings
}
