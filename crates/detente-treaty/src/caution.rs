//! Cautions: what a reader of a count must know to read it right, which are
//! not findings against the declaring party (so `--fail-on-findings` ignores
//! them). A limit that can never bind, a ceiling exceeded where it does not
//! bind, a count that leaves something out: none of these may pass in silence.

use serde::Serialize;

use detente_core::Party;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "caution", rename_all = "kebab-case")]
pub enum Caution {
    /// The limit can bind no one on any date (its treaty ended before it applied).
    NeverBinds { limit: String, reason: String },
    /// The count is over the ceiling, but the ceiling does not bind here.
    ExceededWhereNotBinding { limit: String, total: u64, max: u32, excess: u64, reason: String },
    /// A rule weighs items by their warheads and every item it selects records none,
    /// so the count leaves out whatever they carry.
    WarheadsNotRecorded {
        limit: String,
        /// The rule's position in the limit's `count` list.
        rule: usize,
        kinds: Vec<String>,
        items: u64,
    },
    /// The declaring party is one member of a group the limits bind jointly.
    GroupMember { party: Party, group: Party, members: Vec<Party> },
    /// The treaty gives no counting rules for the limit and no reading that applies supplies them.
    NoCountingRules {
        limit: String,
        reason: String,
        /// Parties whose published readings do give rules for it (filled in by
        /// [`crate::Catalogue::suggest_readings`]).
        readers: Vec<Party>,
    },
}

impl std::fmt::Display for Caution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caution::NeverBinds { limit, reason } => write!(f, "limit {limit} never binds: {reason}"),
            Caution::ExceededWhereNotBinding { limit, total, max, excess, reason } => {
                write!(
                    f,
                    "limit {limit}: {total} is {excess} over the ceiling of {max}, which does not bind here: {reason}"
                )
            }
            Caution::WarheadsNotRecorded { limit, rule, kinds, items } => write!(
                f,
                "limit {limit}: rule {rule} weighs {} item(s) of kind {} by the warheads they record, and they record none: \
                 the count omits whatever they carry",
                items,
                kinds.join(", ")
            ),
            Caution::GroupMember { party, group, members } => {
                let members: Vec<&str> = members.iter().map(Party::as_str).collect();
                write!(
                    f,
                    "{party} is one member of {group} ({}), which the limits bind jointly: count the members' \
                     declarations together for the group's total",
                    members.join(", ")
                )
            }
            Caution::NoCountingRules { limit, reason, readers } => {
                write!(f, "limit {limit}: no count: {reason}")?;
                for reader in readers {
                    write!(f, "; count as {reader} read it with --as {reader}")?;
                }
                Ok(())
            }
        }
    }
}
