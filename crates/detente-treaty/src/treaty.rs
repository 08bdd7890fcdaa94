//! A treaty definition, read from a TOML file (schema: `docs/formats/treaty.md`).
//!
//! Deserialisation refuses unknown fields; [`Treaty::from_toml`] then checks
//! what serde cannot: references between parts of the file, kinds, durations,
//! that every fact names one of the file's sources, and that the file does not
//! contradict itself (dates out of order, a party twice, a ceiling for a state
//! that is not a party, an id used twice, a rule that can never apply).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use detente_core::model::is_kebab_identifier;
use detente_core::{Date, Party, quoted};

use crate::TreatyError;
use crate::notification::{Context, RawNotification};
pub use crate::notification::{Due, NotificationKind};
use crate::selector::Selector;

pub const FORMAT: &str = "detente-treaty/1";

/// A publication that facts in the file rest on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_into_force: Option<Date>,
    /// When the treaty ends by its own terms (as extended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// When it actually ended, if earlier or otherwise (withdrawal, superseded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Date>,
}

/// What a dated event does to the treaty's regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// A step towards entry into force (consent, approval); changes nothing that applies.
    Ratification,
    /// The treaty runs longer.
    Extension,
    /// A party says it stops carrying out some or all of the treaty.
    Suspension,
    /// A party's answer to another's breach or suspension.
    Countermeasure,
    /// A party offers to keep to (parts of) the treaty beyond what binds it.
    Offer,
    /// A party undertakes to go on doing something the treaty (or another) asks.
    Undertaking,
    /// The treaty ends by its own terms.
    Expiry,
    /// A party leaves the treaty.
    Withdrawal,
    /// Another treaty takes its place.
    Superseded,
}

impl Effect {
    /// Whether an event of this kind changes what applies from its date on.
    pub fn changes_what_applies(self) -> bool {
        self != Effect::Ratification
    }
}

/// One party's view of an event, from a date (a legal position, a statement of intent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub party: Party,
    pub view: String,
    pub date: Date,
    pub source: String,
}

/// A dated event in the treaty's life: extension, suspension, withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatyEvent {
    pub date: Date,
    pub what: String,
    pub effect: Effect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who holds which view of the event, each from its date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
}

/// Parties that a treaty's limits bind jointly, such as the former Soviet Union's
/// successor states; limits, `max_by_party` and discounts may name the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// A party-style code for the group, such as `SU`; a count of the members' joint declaration is declared by it.
    pub id: Party,
    pub name: String,
    pub members: Vec<Party>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An item kind the treaty knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub kind: String,
    pub description: String,
    /// Items of this kind must say what they are equipped for, because rules tell
    /// nuclear from non-nuclear ones (heavy bombers); one that does not is a finding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_armament: bool,
    /// For a launcher kind, the missile kinds it holds: a missile of those kinds
    /// may name a launcher of this kind as the one it sits in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<String>,
}

/// Facts about a type of system that counting rules may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub name: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Warheads the treaty attributes to each item of this type, whatever it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_warheads: Option<u32>,
    /// The most weapons of the counted sort an item of this type can carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    pub source: String,
}

/// How much each selected item adds to a limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// One per item.
    Item,
    /// The warheads actually emplaced on the item.
    Warheads,
    /// A fixed number per item.
    Each(u32),
    /// The number the treaty's `types` table attributes to the item's type.
    Attributed,
    /// For each party, the first `first` items count `each`; the rest count their type's capacity.
    Discounted(BTreeMap<Party, Discount>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discount {
    pub first: u32,
    pub each: u32,
}

/// One counting rule: a selector and the weight of what it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    #[serde(flatten)]
    pub select: Selector,
    pub weight: Weight,
}

/// Where a limit's counting rules come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSource {
    /// The treaty gives them (`[[limits.count]]`).
    #[default]
    Treaty,
    /// The treaty gives none; a party's interpretation may (SORT).
    ByReading,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The ceiling for every party, unless `max_by_party` names the party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub max_by_party: BTreeMap<Party, u32>,
    /// Before this date the ceiling is not yet binding (reductions period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<Date>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub rules: RuleSource,
    /// An item is counted by the first rule that selects it, and only once. Empty when `rules` is `by-reading`.
    pub count: Vec<Rule>,
}

/// A treaty definition of a contradiction in a declaration: items that any
/// selector matches cannot be as declared (a deployed launcher with no missile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    pub source: String,
    pub select: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prohibition {
    pub id: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<Date>,
    pub source: String,
    /// An item is prohibited if any of these selects it.
    pub select: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub id: String,
    pub name: String,
    pub max: u32,
    /// The period the quota renews over, such as `treaty-year` or `calendar-year`.
    pub per: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A validated treaty definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treaty {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Caveats: facts not yet checked against the primary text, conflicts between sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub dates: Dates,
    pub events: Vec<TreatyEvent>,
    pub sources: Vec<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    pub categories: Vec<Category>,
    pub types: Vec<TypeDef>,
    pub limits: Vec<Limit>,
    pub checks: Vec<Check>,
    pub prohibitions: Vec<Prohibition>,
    pub quotas: Vec<Quota>,
    pub notifications: Vec<NotificationKind>,
}

// --- the file as written --------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreaty {
    format: String,
    id: String,
    name: String,
    short_name: String,
    parties: Vec<Party>,
    summary: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    dates: Dates,
    #[serde(default)]
    events: Vec<TreatyEvent>,
    sources: Vec<Source>,
    #[serde(default)]
    groups: Vec<Group>,
    categories: Vec<Category>,
    #[serde(default)]
    types: Vec<TypeDef>,
    #[serde(default)]
    limits: Vec<RawLimit>,
    #[serde(default)]
    checks: Vec<Check>,
    #[serde(default)]
    prohibitions: Vec<Prohibition>,
    #[serde(default)]
    quotas: Vec<Quota>,
    #[serde(default)]
    notifications: Vec<RawNotification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    id: String,
    name: String,
    article: Option<String>,
    max: Option<u32>,
    #[serde(default)]
    max_by_party: BTreeMap<Party, u32>,
    applies_from: Option<Date>,
    source: String,
    note: Option<String>,
    #[serde(default)]
    rules: RuleSource,
    #[serde(default)]
    count: Vec<RawRule>,
}

/// A counting rule as written, in a treaty or an interpretation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    #[serde(flatten)]
    select: Selector,
    weight: Option<toml::Value>,
}

fn parse_weight(path: &str, value: Option<&toml::Value>) -> Result<Weight, TreatyError> {
    let bad = |message: String| TreatyError::field(format!("{path}.weight"), message);
    let Some(value) = value else { return Ok(Weight::Item) };
    match value {
        toml::Value::String(name) => match name.as_str() {
            "item" => Ok(Weight::Item),
            "warheads" => Ok(Weight::Warheads),
            "attributed" => Ok(Weight::Attributed),
            other => Err(bad(format!("unknown weight {}: expected \"item\", \"warheads\", \"attributed\", {{ each = N }} or {{ discounted = … }}", quoted(other)))),
        },
        toml::Value::Table(table) if table.len() == 1 && table.contains_key("each") => {
            let each = table["each"].as_integer().and_then(|n| u32::try_from(n).ok());
            each.map(Weight::Each).ok_or_else(|| bad("`each` must be a whole number from 0".into()))
        }
        toml::Value::Table(table) if table.len() == 1 && table.contains_key("discounted") => {
            let discounted: BTreeMap<Party, Discount> = table["discounted"]
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| bad(format!("discounted: {}", detente_core::shortened(e.message()))))?;
            Ok(Weight::Discounted(discounted))
        }
        _ => Err(bad("expected \"item\", \"warheads\", \"attributed\", { each = N } or { discounted = { PARTY = { first = N, each = M } } }".into())),
    }
}

/// What selectors may name: the treaty's kinds, the tags of its types, and the
/// kinds that take part in links (launchers that hold missiles, and those missiles).
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub kinds: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    pub linkable: BTreeSet<String>,
}

impl Known {
    fn of(categories: &[Category], types: &[TypeDef]) -> Known {
        Known {
            kinds: categories.iter().map(|c| c.kind.clone()).collect(),
            tags: types.iter().flat_map(|t| t.tags.iter().cloned()).collect(),
            linkable: categories
                .iter()
                .filter(|c| !c.holds.is_empty())
                .flat_map(|c| std::iter::once(c.kind.clone()).chain(c.holds.iter().cloned()))
                .collect(),
        }
    }
}

/// Parses counting rules (a limit's, or an interpretation's for a limit) and
/// refuses any that can never apply because an earlier one always wins.
pub(crate) fn parse_rules(
    path: &str,
    raw: Vec<RawRule>,
    known: &Known,
    party_known: &dyn Fn(&Party) -> bool,
) -> Result<Vec<Rule>, TreatyError> {
    let mut rules = Vec::with_capacity(raw.len());
    for (j, rule) in raw.into_iter().enumerate() {
        let rule_path = format!("{path}[{j}]");
        rule.select.validate(&rule_path, known)?;
        let weight = parse_weight(&rule_path, rule.weight.as_ref())?;
        if let Weight::Discounted(by_party) = &weight
            && let Some(party) = by_party.keys().find(|p| !party_known(p))
        {
            return Err(TreatyError::field(
                format!("{rule_path}.weight.discounted.{party}"),
                format!("a discount for {party}, which is neither a party nor a group of parties"),
            ));
        }
        rules.push(Rule { select: rule.select, weight });
    }
    never_reached(path, rules.iter().map(|r| &r.select))?;
    Ok(rules)
}

/// Refuses a selector that an earlier one in the same first-wins list always
/// takes items from (decided conservatively: see [`Selector::subsumes`]).
pub(crate) fn never_reached<'a>(path: &str, selectors: impl Iterator<Item = &'a Selector>) -> Result<(), TreatyError> {
    let selectors: Vec<&Selector> = selectors.collect();
    for (j, later) in selectors.iter().enumerate() {
        if let Some(i) = selectors[..j].iter().position(|earlier| earlier.subsumes(later)) {
            return Err(TreatyError::field(
                format!("{path}[{j}]"),
                format!("can never apply: {path}[{i}] comes first and selects every item this one does"),
            ));
        }
    }
    Ok(())
}

/// Refuses a second use of an id in one list of the file.
fn unique<'a>(path: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), TreatyError> {
    let mut seen = BTreeSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(id) {
            return Err(TreatyError::field(format!("{path}[{i}].id"), format!("id {} is used twice", quoted(id))));
        }
    }
    Ok(())
}

/// Refuses dates out of order: entry into force before signature, an end before
/// entry into force, an actual end after the expiry.
fn check_dates(dates: &Dates) -> Result<(), TreatyError> {
    if let (Some(signed), Some(eif)) = (dates.signed, dates.entered_into_force)
        && eif < signed
    {
        return Err(TreatyError::field(
            "dates.entered_into_force",
            format!("{eif} is before the signature on {signed}"),
        ));
    }
    let start = dates.entered_into_force.or(dates.signed);
    for (field, end) in [("dates.expires", dates.expires), ("dates.ended", dates.ended)] {
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            let what = if dates.entered_into_force.is_some() { "entry into force" } else { "signature" };
            return Err(TreatyError::field(field, format!("{end} is not after the {what} on {start}")));
        }
    }
    if let (Some(ended), Some(expires)) = (dates.ended, dates.expires)
        && ended > expires
    {
        return Err(TreatyError::field(
            "dates.ended",
            format!(
                "{ended} is after the expiry on {expires}: a treaty ends by its expiry at the latest \
                 (if it was extended, give the new date in expires)"
            ),
        ));
    }
    Ok(())
}

impl Treaty {
    /// Reads and validates a treaty file's text.
    pub fn from_toml(text: &str) -> Result<Treaty, TreatyError> {
        let raw: RawTreaty = toml::from_str(text).map_err(|e| TreatyError::syntax(e, text))?;
        if raw.format != FORMAT {
            return Err(TreatyError::field(
                "format",
                format!("unsupported format {}: expected {FORMAT}", quoted(&raw.format)),
            ));
        }
        if !is_kebab_identifier(&raw.id) {
            return Err(TreatyError::field(
                "id",
                format!("{} is not a lower-case identifier such as new-start", quoted(&raw.id)),
            ));
        }
        check_dates(&raw.dates)?;
        let mut parties = BTreeSet::new();
        for (i, party) in raw.parties.iter().enumerate() {
            if !parties.insert(party) {
                return Err(TreatyError::field(format!("parties[{i}]"), format!("{party} is listed twice")));
            }
        }
        let source_ids: BTreeSet<&str> = raw.sources.iter().map(|s| s.id.as_str()).collect();
        if source_ids.len() != raw.sources.len() {
            return Err(TreatyError::field("sources", "two sources share an id"));
        }
        let cite = |path: String, id: &str| -> Result<(), TreatyError> {
            if source_ids.contains(id) {
                Ok(())
            } else {
                Err(TreatyError::field(
                    format!("{path}.source"),
                    format!("unknown source {}: add it to [[sources]]", quoted(id)),
                ))
            }
        };
        let mut group_ids = BTreeSet::new();
        let mut member_of: BTreeMap<&Party, &Party> = BTreeMap::new();
        for (i, group) in raw.groups.iter().enumerate() {
            let path = format!("groups[{i}]");
            if parties.contains(&group.id) || !group_ids.insert(&group.id) {
                return Err(TreatyError::field(
                    format!("{path}.id"),
                    format!("{} is already a party or a group of this treaty", group.id),
                ));
            }
            if group.members.is_empty() {
                return Err(TreatyError::field(format!("{path}.members"), "a group has at least one member"));
            }
            for (j, member) in group.members.iter().enumerate() {
                let path = format!("{path}.members[{j}]");
                if !parties.contains(member) {
                    return Err(TreatyError::field(path, format!("{member} is not a party of the treaty")));
                }
                match member_of.insert(member, &group.id) {
                    Some(other) if other == &group.id => {
                        return Err(TreatyError::field(path, format!("{member} is listed twice")));
                    }
                    Some(other) => {
                        return Err(TreatyError::field(
                            path,
                            format!(
                                "{member} is already a member of group {other}: a party is in one group at most, \
                                 or its count would bind two groups"
                            ),
                        ));
                    }
                    None => {}
                }
            }
            cite(path, &group.source)?;
        }
        let party_known = |p: &Party| parties.contains(p) || group_ids.contains(p);
        let mut kinds = BTreeSet::new();
        for (i, category) in raw.categories.iter().enumerate() {
            if !is_kebab_identifier(&category.kind) {
                return Err(TreatyError::field(
                    format!("categories[{i}].kind"),
                    format!("{} is not a lower-case identifier such as heavy-bomber", quoted(&category.kind)),
                ));
            }
            if !kinds.insert(category.kind.as_str()) {
                return Err(TreatyError::field(
                    format!("categories[{i}].kind"),
                    format!("kind {} is listed twice", quoted(&category.kind)),
                ));
            }
        }
        for (i, category) in raw.categories.iter().enumerate() {
            for (j, held) in category.holds.iter().enumerate() {
                let path = format!("categories[{i}].holds[{j}]");
                match raw.categories.iter().find(|c| &c.kind == held) {
                    None => return Err(TreatyError::field(path, format!("unknown item kind {}", quoted(held)))),
                    Some(c) if !c.holds.is_empty() || c.kind == category.kind => {
                        return Err(TreatyError::field(
                            path,
                            format!("{held} holds missiles itself: a launcher holds missiles, not launchers"),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        let known = Known::of(&raw.categories, &raw.types);
        for (i, event) in raw.events.iter().enumerate() {
            let path = format!("events[{i}]");
            if let Some(signed) = raw.dates.signed.filter(|&signed| event.date < signed) {
                return Err(TreatyError::field(
                    format!("{path}.date"),
                    format!("{} is before the signature on {signed}", event.date),
                ));
            }
            if let Some(party) = event.party.as_ref().filter(|p| !party_known(p)) {
                return Err(TreatyError::field(
                    format!("{path}.party"),
                    format!("{party} is not a party of the treaty"),
                ));
            }
            for (j, view) in event.views.iter().enumerate() {
                if !party_known(&view.party) {
                    return Err(TreatyError::field(
                        format!("{path}.views[{j}].party"),
                        format!("{} is not a party of the treaty", view.party),
                    ));
                }
                cite(format!("{path}.views[{j}]"), &view.source)?;
            }
            cite(path, &event.source)?;
        }
        let mut type_keys = BTreeSet::new();
        for (i, def) in raw.types.iter().enumerate() {
            let path = format!("types[{i}]");
            if !kinds.contains(def.kind.as_str()) {
                return Err(TreatyError::field(
                    format!("{path}.kind"),
                    format!("unknown item kind {}", quoted(&def.kind)),
                ));
            }
            if !type_keys.insert((def.kind.as_str(), def.name.as_str())) {
                return Err(TreatyError::field(
                    format!("{path}.name"),
                    format!("{} {} is described twice", def.kind, quoted(&def.name)),
                ));
            }
            cite(path, &def.source)?;
        }
        unique("limits", raw.limits.iter().map(|l| l.id.as_str()))?;
        unique("checks", raw.checks.iter().map(|c| c.id.as_str()))?;
        unique("prohibitions", raw.prohibitions.iter().map(|p| p.id.as_str()))?;
        unique("quotas", raw.quotas.iter().map(|q| q.id.as_str()))?;
        unique("notifications", raw.notifications.iter().map(|n| n.id.as_str()))?;
        let mut limits = Vec::with_capacity(raw.limits.len());
        for (i, limit) in raw.limits.into_iter().enumerate() {
            let path = format!("limits[{i}]");
            if limit.max.is_none() && limit.max_by_party.is_empty() {
                return Err(TreatyError::field(
                    format!("{path}.max"),
                    format!("limit {} gives neither max nor max_by_party", quoted(&limit.id)),
                ));
            }
            if let Some(party) = limit.max_by_party.keys().find(|p| !party_known(p)) {
                return Err(TreatyError::field(
                    format!("{path}.max_by_party.{party}"),
                    format!("a ceiling for {party}, which is neither a party nor a group of parties"),
                ));
            }
            match (limit.rules, limit.count.is_empty()) {
                (RuleSource::Treaty, true) => {
                    return Err(TreatyError::field(
                        format!("{path}.count"),
                        format!(
                            "limit {} has no counting rule (write rules = \"by-reading\" if the treaty gives none)",
                            quoted(&limit.id)
                        ),
                    ));
                }
                (RuleSource::ByReading, false) => {
                    return Err(TreatyError::field(
                        format!("{path}.count"),
                        "rules = \"by-reading\" says the treaty gives no counting rules: give them in an interpretation",
                    ));
                }
                _ => {}
            }
            cite(path.clone(), &limit.source)?;
            let rules = parse_rules(&format!("{path}.count"), limit.count, &known, &party_known)?;
            limits.push(Limit {
                id: limit.id,
                name: limit.name,
                article: limit.article,
                max: limit.max,
                max_by_party: limit.max_by_party,
                applies_from: limit.applies_from,
                source: limit.source,
                note: limit.note,
                rules: limit.rules,
                count: rules,
            });
        }
        for (what, list) in [
            ("checks", raw.checks.iter().map(|c| (&c.select, &c.source)).collect::<Vec<_>>()),
            ("prohibitions", raw.prohibitions.iter().map(|p| (&p.select, &p.source)).collect()),
        ] {
            for (i, (select, source)) in list.into_iter().enumerate() {
                let path = format!("{what}[{i}]");
                if select.is_empty() {
                    return Err(TreatyError::field(format!("{path}.select"), "give at least one selector"));
                }
                for (j, selector) in select.iter().enumerate() {
                    selector.validate(&format!("{path}.select[{j}]"), &known)?;
                }
                cite(path, source)?;
            }
        }
        for (i, quota) in raw.quotas.iter().enumerate() {
            cite(format!("quotas[{i}]"), &quota.source)?;
        }
        let item_kinds: BTreeSet<&str> = raw.categories.iter().map(|c| c.kind.as_str()).collect();
        let context = Context { item_kinds: &item_kinds };
        let mut notifications = Vec::with_capacity(raw.notifications.len());
        for (i, n) in raw.notifications.into_iter().enumerate() {
            let path = format!("notifications[{i}]");
            cite(path.clone(), &n.source)?;
            notifications.push(NotificationKind::validate(&path, n, &context)?);
        }
        Ok(Treaty {
            id: raw.id,
            name: raw.name,
            short_name: raw.short_name,
            parties: raw.parties,
            summary: raw.summary,
            notes: raw.notes,
            dates: raw.dates,
            events: raw.events,
            sources: raw.sources,
            groups: raw.groups,
            categories: raw.categories,
            types: raw.types,
            limits,
            checks: raw.checks,
            prohibitions: raw.prohibitions,
            quotas: raw.quotas,
            notifications,
        })
    }

    /// What selectors in this treaty (or a reading of it) may name.
    pub(crate) fn known(&self) -> Known {
        Known::of(&self.categories, &self.types)
    }

    /// Whether the treaty's limits can bind `party`: a party, or a group of parties.
    pub fn binds(&self, party: &Party) -> bool {
        self.parties.contains(party) || self.group(party).is_some()
    }

    pub fn group(&self, id: &Party) -> Option<&Group> {
        self.groups.iter().find(|g| &g.id == id)
    }

    /// The group `party` is a member of, if any.
    pub fn group_of(&self, party: &Party) -> Option<&Group> {
        self.groups.iter().find(|g| g.members.contains(party))
    }

    /// A value given per party (a ceiling, a discount) for `party`: its own, else its group's.
    pub fn per_party<'a, T>(&self, values: &'a BTreeMap<Party, T>, party: &Party) -> Option<&'a T> {
        values.get(party).or_else(|| self.group_of(party).and_then(|g| values.get(&g.id)))
    }

    /// The ceiling of `limit` for `party`: its own, its group's, or the one for all.
    pub fn max_for(&self, limit: &Limit, party: &Party) -> Option<u32> {
        self.per_party(&limit.max_by_party, party).copied().or(limit.max)
    }

    /// The facts about a type of an item kind. A launcher with no entry of its
    /// own takes the entry of the missile type of the same name it holds, as
    /// START I's launchers are "considered to contain" their missile.
    pub fn type_facts(&self, kind: &str, type_name: &str) -> Option<&TypeDef> {
        self.type_def(kind, type_name).or_else(|| {
            let held = &self.category(kind)?.holds;
            held.iter().find_map(|missile| self.type_def(missile, type_name))
        })
    }

    /// Why the treaty is not in force on `date`, or `None` when it is.
    pub fn not_in_force(&self, date: Date) -> Option<String> {
        let name = &self.short_name;
        match (self.dates.entered_into_force, self.dates.ended, self.dates.expires) {
            (None, _, _) => Some(format!("{name} never entered into force")),
            (Some(eif), _, _) if date < eif => Some(format!("{name} enters into force on {eif}")),
            (_, Some(ended), _) if date >= ended => {
                let how = self.events.iter().find(|e| {
                    e.date == ended && matches!(e.effect, Effect::Superseded | Effect::Withdrawal | Effect::Expiry)
                });
                Some(match how {
                    Some(event) => format!("{name} ended on {ended} ({})", event.what),
                    None => format!("{name} ended on {ended}"),
                })
            }
            (_, _, Some(expires)) if date >= expires => Some(format!("{name} expired on {expires}")),
            _ => None,
        }
    }

    /// When a limit can never bind: why (the treaty ended before the limit applied,
    /// or the treaty never entered into force).
    pub fn never_binds(&self, limit: &Limit) -> Option<String> {
        let end = self.dates.ended.or(self.dates.expires);
        match (self.dates.entered_into_force, limit.applies_from, end) {
            (None, _, _) => Some(format!("{} never entered into force", self.short_name)),
            (_, Some(from), Some(end)) if from >= end => Some(format!(
                "the limit was to bind from {from}, but {} was no longer in force from {end}",
                self.short_name
            )),
            _ => None,
        }
    }

    pub fn knows_kind(&self, kind: &str) -> bool {
        self.category(kind).is_some()
    }

    pub fn category(&self, kind: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.kind == kind)
    }

    pub fn type_def(&self, kind: &str, type_name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.kind == kind && t.name == type_name)
    }

    /// Whether some entry of the `types` table carries `tag`.
    pub fn knows_tag(&self, tag: &str) -> bool {
        self.types.iter().any(|t| t.tags.iter().any(|x| x == tag))
    }

    /// Whether the treaty is in force on `date`: from entry into force until it ended or expired.
    pub fn in_force_on(&self, date: Date) -> bool {
        let started = self.dates.entered_into_force.is_some_and(|eif| eif <= date);
        let end = self.dates.ended.or(self.dates.expires);
        started && end.is_none_or(|end| date < end)
    }
}
