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
    /// The declarations of some of a group's members, counted as the group: a part of its total.
    GroupIncomplete { group: Party, counted: Vec<Party>, missing: Vec<Party> },
    /// The declaration says nothing of which launcher holds which missile (it was
    /// read from `detente-declaration/1`), so the checks that ask whether a launcher
    /// is loaded were not run, and rules that ask count every item as not loaded.
    LinksNotDeclared {
        checks: Vec<String>,
        /// Limits whose counting rules select by `loaded`.
        limits: Vec<String>,
    },
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
                write!(
                    f,
                    "{party} is one member of {group} ({}), which the limits bind jointly: count the members' \
                     declarations together for the group's total",
                    names(members)
                )
            }
            Caution::GroupIncomplete { group, counted, missing } => {
                write!(
                    f,
                    "the count joins the declarations of {} only: {group}'s members {} are missing, so the totals are \
                     a part of {group}'s and its limits, which bind it jointly, do not bind them",
                    names(counted),
                    names(missing)
                )
            }
            Caution::LinksNotDeclared { checks, limits } => {
                write!(f, "the declaration links no missile to a launcher (it is in detente-declaration/1)")?;
                if !checks.is_empty() {
                    write!(
                        f,
                        ", so the checks that ask which launchers are loaded were not run: {}",
                        checks.join(", ")
                    )?;
                }
                if !limits.is_empty() {
                    let and = if checks.is_empty() { "," } else { ";" };
                    write!(f, "{and} limits {} count every missile and launcher as not loaded", limits.join(", "))?;
                }
                Ok(())
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

/// Parties as a list in a sentence: "KZ, BY".
fn names(parties: &[Party]) -> String {
    parties.iter().map(Party::as_str).collect::<Vec<_>>().join(", ")
}
