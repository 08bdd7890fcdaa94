//! The counting engine: declaration × treaty × interpretation → a count for
//! every limit, each number with the items behind it, and the findings.
//!
//! How it stays fast: items are first tallied into *buckets* that share
//! everything a rule can look at (class, status, armament, whether the item is
//! loaded or records warheads, range band, and the facility when a breakdown by
//! facility is asked for). A million items usually fall into a few dozen
//! buckets, so the rules, the readings and the selectors run per bucket, not
//! per item. Unique identifiers are gathered in a second pass, and only for the
//! buckets a caller asks about.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use detente_core::{Armament, Date, Declaration, Party, Status};

use crate::caution::Caution;
use crate::finding::Finding;
use crate::interpretation::{Interpretation, Reading};
use crate::regime::Regime;
use crate::selector::{Selector, Subject};
use crate::treaty::{Limit, Rule, RuleSource, Treaty, Weight};

/// What a breakdown of the counts splits them by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub by_facility: bool,
    /// By kind and type.
    pub by_type: bool,
}

impl Breakdown {
    pub fn is_none(self) -> bool {
        !self.by_facility && !self.by_type
    }
}

/// What to compute beyond the totals.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// List the unique identifiers behind every line of every limit.
    pub with_items: bool,
    /// Rows of counted values by facility, by type, or both.
    pub breakdown: Breakdown,
}

/// The result of counting one declaration under one treaty and one reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub treaty: String,
    pub party: Party,
    pub as_of: Date,
    /// The interpretation applied, if any (`None` counts the declaration as declared).
    pub reading: Option<ReadingRef>,
    pub in_force: bool,
    /// What had happened to the treaty by the date: suspensions, views, expiry.
    pub regime: Regime,
    pub limits: Vec<LimitCount>,
    pub findings: Vec<Finding>,
    /// What a reader must know to read the count right; not findings.
    pub cautions: Vec<Caution>,
    /// Per limit, where the reading's count differs from the declared count. Empty without a reading.
    pub differences: Vec<Difference>,
    /// The counted values by facility and/or type, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadingRef {
    pub id: String,
    pub party: Party,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitCount {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    pub max: Option<u32>,
    /// `None` when no counting rules apply (the treaty gives none and no reading supplies them).
    pub total: Option<u64>,
    /// `total - max` when over, else 0.
    pub excess: u64,
    /// Whether the ceiling binds this party on this date.
    pub binding: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_note: Option<String>,
    /// The reading whose rules were used, when the treaty gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_from: Option<String>,
    /// Every item group that adds to the total, largest first.
    pub lines: Vec<Line>,
}

/// A group of items with the same kind, type, status and armament, and what they add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub kind: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: Status,
    pub armament: Option<Armament>,
    /// Set when a reading moved these items from what was declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<Declared>,
    pub items: u64,
    pub counted: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declared {
    pub status: Status,
    pub armament: Option<Armament>,
    /// The reading that changed them.
    pub reading: String,
}

/// How a reading changes one limit's count, item by item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub limit: String,
    pub declared: u64,
    pub read: u64,
    pub delta: i64,
    pub lines: Vec<DifferenceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DifferenceLine {
    pub kind: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub declared_status: Status,
    pub declared_armament: Option<Armament>,
    pub read_status: Status,
    pub read_armament: Option<Armament>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    pub items: u64,
    pub declared_counted: u64,
    pub read_counted: u64,
    pub uids: Vec<String>,
}

/// A facility named in a breakdown row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FacilityRef {
    pub id: String,
    pub name: String,
}

/// One row of a breakdown: the facility and/or the kind and type, and what
/// its items add to every limit that has a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<FacilityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// By limit id.
    pub counted: BTreeMap<String, u64>,
}

/// What a rule can see of an item's life cycle: its status and armament.
type State = (Status, Option<Armament>);

/// Items that share everything the rules can see.
#[derive(Debug, Clone)]
struct Bucket {
    class: usize,
    band: usize,
    loaded: bool,
    armed: bool,
    /// The facility's index, when the count is broken down by facility.
    facility: Option<u32>,
    declared: State,
    read: State,
    /// Index of the reading that moved these items, if one did.
    reading: Option<usize>,
    items: u64,
    warheads: u64,
}

/// Splits the range axis into bands within which every range condition in the
/// treaty and the reading gives the same answer. Band 0 holds items with no range.
struct Bands {
    thresholds: Vec<u32>,
}

impl Bands {
    fn new<'a>(selectors: impl Iterator<Item = &'a Selector>) -> Bands {
        let mut thresholds: Vec<u32> = selectors
            .filter_map(|s| s.range_km)
            .flat_map(|r| [r.min, r.max.and_then(|m| m.checked_add(1))])
            .flatten()
            .collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        Bands { thresholds }
    }

    fn len(&self) -> usize {
        self.thresholds.len() + 2
    }

    fn of(&self, range_km: Option<u32>) -> usize {
        range_km.map_or(0, |km| 1 + self.thresholds.partition_point(|&t| t <= km))
    }

    /// A distance inside the band, standing for all of it when selectors ask.
    fn representative(&self, band: usize) -> Option<u32> {
        match band {
            0 => None,
            1 => Some(0),
            b => Some(self.thresholds[b - 2]),
        }
    }
}

const STATUSES: usize = Status::ALL.len();
const ARMAMENTS: usize = 3;
/// Loaded or not, times records warheads or not.
const LINK_BITS: usize = 4;

/// The rules that count one limit, and the reading that supplied them if the treaty did not.
struct Rules<'a> {
    rules: &'a [Rule],
    from: Option<&'a Interpretation>,
}

fn rules_of<'a>(limit: &'a Limit, interpretation: Option<&'a Interpretation>) -> Rules<'a> {
    match limit.rules {
        RuleSource::Treaty => Rules { rules: &limit.count, from: None },
        RuleSource::ByReading => match interpretation.and_then(|i| i.rules_for(&limit.id).map(|r| (i, r))) {
            Some((reading, rules)) => Rules { rules: &rules.count, from: Some(reading) },
            None => Rules { rules: &[], from: None },
        },
    }
}

/// Counts `declaration` under `treaty`, read through `interpretation` if one is given.
pub fn count(
    treaty: &Treaty,
    declaration: &Declaration,
    interpretation: Option<&Interpretation>,
    options: Options,
) -> Count {
    let interpretation = interpretation.filter(|i| i.applies_to(declaration.party()));
    let readings = interpretation.map_or(&[][..], |i| &i.readings[..]);
    let rules: Vec<Rules<'_>> = treaty.limits.iter().map(|l| rules_of(l, interpretation)).collect();
    let bands = Bands::new(
        rules
            .iter()
            .flat_map(|r| r.rules.iter().map(|rule| &rule.select))
            .chain(treaty.prohibitions.iter().flat_map(|p| p.select.iter()))
            .chain(treaty.checks.iter().flat_map(|c| c.select.iter()))
            .chain(readings.iter().map(|r| &r.select)),
    );
    let classes: Vec<ClassFacts<'_>> = declaration
        .classes()
        .iter()
        .map(|c| {
            let def = treaty.type_facts(&c.kind, &c.type_name);
            ClassFacts {
                kind: &c.kind,
                type_name: &c.type_name,
                known: treaty.knows_kind(&c.kind),
                requires_armament: treaty.category(&c.kind).is_some_and(|c| c.requires_armament),
                tags: def.map_or(&[][..], |d| &d.tags[..]),
                attributed: def.and_then(|d| d.attributed_warheads),
                capacity: def.and_then(|d| d.capacity),
            }
        })
        .collect();

    let tally = Tally::build(declaration, &bands, readings, options.breakdown.by_facility);
    let buckets = tally.buckets(&classes, &bands, readings);
    let subject = |b: &Bucket, state: State| {
        let facts = &classes[b.class];
        Subject {
            kind: facts.kind,
            type_name: facts.type_name,
            tags: facts.tags,
            status: state.0,
            armament: state.1,
            range_km: bands.representative(b.band),
            loaded: b.loaded,
            armed: b.armed,
        }
    };

    let party = declaration.party();
    let in_force = treaty.in_force_on(declaration.as_of());
    let mut findings = Vec::new();
    let mut cautions = Vec::new();
    let joint = Joint::of(treaty, declaration);
    let mut wanted: HashSet<usize> = if options.with_items { (0..buckets.len()).collect() } else { HashSet::new() };

    // Phase 1: weigh every limit as read and, with a reading, as declared.
    let mut weighings = Vec::with_capacity(treaty.limits.len());
    for (limit, rules) in treaty.limits.iter().zip(&rules) {
        if let Some(reason) = treaty.never_binds(limit) {
            cautions.push(Caution::NeverBinds { limit: limit.id.clone(), reason });
        }
        let max = treaty.max_for(limit, party);
        let (binding, binding_note) = binding(treaty, limit, party, declaration.as_of(), &joint);
        let mut count = LimitCount {
            id: limit.id.clone(),
            name: limit.name.clone(),
            article: limit.article.clone(),
            max,
            total: None,
            excess: 0,
            binding,
            binding_note,
            rules_from: rules.from.map(|i| i.id.clone()),
            lines: Vec::new(),
        };
        if rules.rules.is_empty() {
            let reason = match interpretation {
                Some(reading) => format!(
                    "{} gives no counting rules, and the reading applied ({}) gives none for this limit",
                    treaty.short_name, reading.id
                ),
                None => format!(
                    "{} gives no counting rules, and {party} has published no reading that gives them",
                    treaty.short_name
                ),
            };
            cautions.push(Caution::NoCountingRules { limit: limit.id.clone(), reason, readers: Vec::new() });
            weighings.push(Weighing { count, read: None, declared: None, changed: Vec::new() });
            continue;
        }
        let read = weigh(rules.rules, treaty, party, &buckets, |b| subject(b, b.read), &classes);
        let declared =
            interpretation.map(|_| weigh(rules.rules, treaty, party, &buckets, |b| subject(b, b.declared), &classes));
        let mut changed: Vec<usize> = declared
            .as_ref()
            .map(|declared| (0..buckets.len()).filter(|&b| declared.per_bucket[b] != read.per_bucket[b]).collect())
            .unwrap_or_default();
        // Bucket numbers follow the order types first appear in; names do not.
        changed.sort_by_key(|&b| bucket_order(&buckets[b], &classes));
        wanted.extend(changed.iter().copied());
        findings.extend(read.unattributed.iter().map(|(kind, type_name)| Finding::Unattributed {
            limit: limit.id.clone(),
            kind: kind.clone(),
            type_name: type_name.clone(),
        }));
        cautions.extend(read.unrecorded.iter().map(|(rule, kinds, items)| Caution::WarheadsNotRecorded {
            limit: limit.id.clone(),
            rule: *rule,
            kinds: kinds.clone(),
            items: *items,
        }));
        count.total = Some(read.total);
        count.excess = max.map_or(0, |m| read.total.saturating_sub(u64::from(m)));
        if count.excess > 0 {
            let max = max.unwrap_or_default();
            if binding {
                findings.push(Finding::LimitExceeded {
                    limit: limit.id.clone(),
                    name: limit.name.clone(),
                    max,
                    total: read.total,
                    excess: count.excess,
                });
            } else {
                cautions.push(Caution::ExceededWhereNotBinding {
                    limit: limit.id.clone(),
                    total: read.total,
                    max,
                    excess: count.excess,
                    reason: count.binding_note.clone().unwrap_or_default(),
                });
            }
        }
        weighings.push(Weighing { count, read: Some(read), declared, changed });
    }
    match &joint {
        Joint::Member(group) => cautions.push(Caution::GroupMember {
            party: party.clone(),
            group: group.id.clone(),
            members: group.members.clone(),
        }),
        Joint::Incomplete { group, missing } => cautions.push(Caution::GroupIncomplete {
            group: group.id.clone(),
            counted: declaration.members().to_vec(),
            missing: missing.clone(),
        }),
        Joint::Whole => {}
    }

    // Checks see the items as declared: a contradiction is between the declaring
    // party's own words and the treaty's definitions, and a reading must not
    // invent one. Prohibitions see them as read: a reading may hold that items are banned.
    let hits = |select: &[Selector], as_declared: bool| -> Vec<usize> {
        (0..buckets.len())
            .filter(|&b| {
                let bucket = &buckets[b];
                let state = if as_declared { bucket.declared } else { bucket.read };
                select.iter().any(|s| s.matches(&subject(bucket, state)))
            })
            .collect()
    };
    // A declaration that says nothing of links (detente-declaration/1) would fail
    // every check that asks whether a launcher is loaded: those are not run, and the count says so.
    let links = declaration.header().links;
    let by_loaded = |select: &[Selector]| select.iter().any(|s| s.loaded.is_some());
    if !links {
        let checks: Vec<String> = treaty.checks.iter().filter(|c| by_loaded(&c.select)).map(|c| c.id.clone()).collect();
        let limits: Vec<String> = treaty
            .limits
            .iter()
            .zip(&rules)
            .filter(|(_, r)| r.rules.iter().any(|rule| rule.select.loaded.is_some()))
            .map(|(l, _)| l.id.clone())
            .collect();
        if !checks.is_empty() || !limits.is_empty() {
            cautions.push(Caution::LinksNotDeclared { checks, limits });
        }
    }
    // The treaty's definitions hold whatever the date: a contradiction is one before entry into force too.
    let contradictions: Vec<(usize, Vec<usize>)> = treaty
        .checks
        .iter()
        .enumerate()
        .filter(|(_, check)| links || !by_loaded(&check.select))
        .map(|(c, check)| (c, hits(&check.select, true)))
        .filter(|(_, h)| !h.is_empty())
        .collect();
    let mut prohibited: Vec<(usize, Vec<usize>)> = Vec::new();
    for (p, prohibition) in treaty.prohibitions.iter().enumerate() {
        let binds = in_force && treaty.binds(party);
        if !binds || prohibition.applies_from.is_some_and(|from| declaration.as_of() < from) {
            continue;
        }
        let hits = hits(&prohibition.select, false);
        if !hits.is_empty() {
            prohibited.push((p, hits));
        }
    }
    for (_, hits) in contradictions.iter().chain(&prohibited) {
        wanted.extend(hits.iter().copied());
    }
    let mut unknown: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut unarmed: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (b, bucket) in buckets.iter().enumerate() {
        let facts = &classes[bucket.class];
        if !facts.known {
            unknown.entry(facts.kind).or_default().push(b);
            wanted.insert(b);
        } else if facts.requires_armament && bucket.read.1.is_none() {
            unarmed.entry(facts.kind).or_default().push(b);
            wanted.insert(b);
        }
    }

    let uids = tally.uids(declaration, &bands, &buckets, &wanted);
    let uids_of = |bs: &[usize]| -> Vec<String> {
        let mut all: Vec<String> = bs.iter().flat_map(|&b| uids[b].iter().cloned()).collect();
        all.sort_unstable();
        all
    };
    let items_of = |bs: &[usize]| -> u64 { bs.iter().map(|&b| buckets[b].items).sum() };

    for (c, hits) in contradictions {
        let check = &treaty.checks[c];
        findings.push(Finding::Contradiction {
            check: check.id.clone(),
            description: check.description.clone(),
            items: items_of(&hits),
            uids: uids_of(&hits),
        });
    }
    for (p, hits) in prohibited {
        let prohibition = &treaty.prohibitions[p];
        findings.push(Finding::Prohibited {
            prohibition: prohibition.id.clone(),
            description: prohibition.description.clone(),
            items: items_of(&hits),
            uids: uids_of(&hits),
        });
    }
    for (kind, bs) in unknown {
        findings.push(Finding::UnknownKind { kind: kind.to_owned(), items: items_of(&bs), uids: uids_of(&bs) });
    }
    for (kind, bs) in unarmed {
        findings.push(Finding::MissingArmament { kind: kind.to_owned(), items: items_of(&bs), uids: uids_of(&bs) });
    }
    for (r, uids) in &tally.missing_named {
        findings.push(Finding::ReadingNamesMissingItems { reading: readings[*r].id.clone(), uids: uids.clone() });
    }

    // Phase 3: lines, differences and rows, with the identifiers gathered in phase 2.
    let line_uids = if options.with_items { &uids[..] } else { &[] };
    let rows = rows(declaration, &buckets, &classes, &weighings, options.breakdown);
    let mut limits = Vec::with_capacity(weighings.len());
    let mut differences = Vec::new();
    for Weighing { mut count, read, declared, changed } in weighings {
        if let Some(read) = &read {
            count.lines = lines(&buckets, &read.per_bucket, &classes, readings, line_uids);
            if let Some(declared) = declared.filter(|d| !changed.is_empty() || d.total != read.total) {
                differences.push(Difference {
                    limit: count.id.clone(),
                    declared: declared.total,
                    read: read.total,
                    delta: read.total as i64 - declared.total as i64,
                    lines: difference_lines(&changed, &buckets, &classes, readings, &declared, read, &uids_of),
                });
            }
        }
        limits.push(count);
    }

    Count {
        treaty: treaty.id.clone(),
        party: party.clone(),
        as_of: declaration.as_of(),
        reading: interpretation.map(|i| ReadingRef { id: i.id.clone(), party: i.party.clone(), name: i.name.clone() }),
        in_force,
        regime: Regime::as_of(treaty, declaration.as_of()),
        limits,
        findings,
        cautions,
        differences,
        rows,
    }
}

/// The counted values grouped by facility and/or type, for every limit with a count.
fn rows(
    declaration: &Declaration,
    buckets: &[Bucket],
    classes: &[ClassFacts<'_>],
    weighings: &[Weighing],
    breakdown: Breakdown,
) -> Vec<Row> {
    if breakdown.is_none() {
        return Vec::new();
    }
    type Key<'a> = (Option<&'a str>, Option<(&'a str, &'a str)>);
    let facilities = &declaration.header().facilities;
    let mut grouped: BTreeMap<Key<'_>, BTreeMap<String, u64>> = BTreeMap::new();
    for (b, bucket) in buckets.iter().enumerate() {
        let counted: Vec<(&str, u64)> = weighings
            .iter()
            .filter_map(|w| w.read.as_ref().and_then(|r| r.per_bucket[b]).map(|n| (w.count.id.as_str(), n)))
            .collect();
        if counted.is_empty() {
            continue;
        }
        let facts = &classes[bucket.class];
        let facility = bucket.facility.filter(|_| breakdown.by_facility).map(|f| facilities[f as usize].id.as_str());
        let class = breakdown.by_type.then_some((facts.kind, facts.type_name));
        let row = grouped.entry((facility, class)).or_insert_with(|| {
            weighings.iter().filter(|w| w.read.is_some()).map(|w| (w.count.id.clone(), 0)).collect()
        });
        for (limit, n) in counted {
            *row.get_mut(limit).expect("every counted limit has a column") += n;
        }
    }
    grouped
        .into_iter()
        .map(|((facility, class), counted)| Row {
            facility: facility.map(|id| {
                let f = facilities.iter().find(|f| f.id == id).expect("a declared facility");
                FacilityRef { id: f.id.clone(), name: f.name.clone() }
            }),
            kind: class.map(|c| c.0.to_owned()),
            type_name: class.map(|c| c.1.to_owned()),
            counted,
        })
        .collect()
}

/// Groups the buckets a reading changed into lines, as `lines()` does for a count:
/// range bands and other engine details never split a line.
fn difference_lines(
    changed: &[usize],
    buckets: &[Bucket],
    classes: &[ClassFacts<'_>],
    readings: &[Reading],
    declared: &Weighed,
    read: &Weighed,
    uids_of: &dyn Fn(&[usize]) -> Vec<String>,
) -> Vec<DifferenceLine> {
    /// The buckets of one line and what they add up to.
    #[derive(Default)]
    struct Group {
        buckets: Vec<usize>,
        items: u64,
        declared_counted: u64,
        read_counted: u64,
    }
    let mut grouped: BTreeMap<(&str, &str, State, State, Option<usize>), Group> = BTreeMap::new();
    for &b in changed {
        let bucket = &buckets[b];
        let facts = &classes[bucket.class];
        let group =
            grouped.entry((facts.kind, facts.type_name, bucket.declared, bucket.read, bucket.reading)).or_default();
        group.buckets.push(b);
        group.items += bucket.items;
        group.declared_counted += declared.per_bucket[b].unwrap_or(0);
        group.read_counted += read.per_bucket[b].unwrap_or(0);
    }
    grouped
        .into_iter()
        .map(|((kind, type_name, declared_state, read_state, reading), group)| DifferenceLine {
            kind: kind.to_owned(),
            type_name: type_name.to_owned(),
            declared_status: declared_state.0,
            declared_armament: declared_state.1,
            read_status: read_state.0,
            read_armament: read_state.1,
            reading: reading.map(|r| readings[r].id.clone()),
            items: group.items,
            declared_counted: group.declared_counted,
            read_counted: group.read_counted,
            uids: uids_of(&group.buckets),
        })
        .collect()
}

/// An order for buckets that depends only on what they hold, never on item order.
fn bucket_order<'a>(bucket: &Bucket, classes: &[ClassFacts<'a>]) -> impl Ord + use<'a> {
    let facts = &classes[bucket.class];
    (
        facts.kind,
        facts.type_name,
        bucket.declared,
        bucket.read,
        bucket.band,
        bucket.loaded,
        bucket.armed,
        bucket.facility,
        bucket.reading,
    )
}

/// What a count is of, for a treaty whose limits bind a group of parties jointly.
enum Joint<'a> {
    /// Not a group's business: a party outside any group, or a whole group.
    Whole,
    /// One member of a group, counted alone.
    Member(&'a crate::treaty::Group),
    /// A group, from the declarations of only some of its members.
    Incomplete { group: &'a crate::treaty::Group, missing: Vec<Party> },
}

impl<'a> Joint<'a> {
    fn of(treaty: &'a Treaty, declaration: &Declaration) -> Joint<'a> {
        let party = declaration.party();
        if let Some(group) = treaty.group(party) {
            // A declaration of the group itself, not joined from parts, is the whole group's.
            let counted = declaration.members();
            let missing: Vec<Party> = group.members.iter().filter(|m| !counted.contains(m)).cloned().collect();
            if counted.is_empty() || missing.is_empty() { Joint::Whole } else { Joint::Incomplete { group, missing } }
        } else {
            treaty.group_of(party).map_or(Joint::Whole, Joint::Member)
        }
    }
}

fn binding(treaty: &Treaty, limit: &Limit, party: &Party, as_of: Date, joint: &Joint<'_>) -> (bool, Option<String>) {
    if !treaty.binds(party) {
        return (false, Some(format!("{party} is not a party to {}", treaty.short_name)));
    }
    if let Some(reason) = treaty.not_in_force(as_of) {
        return (false, Some(format!("{reason}; it is not in force on {as_of}")));
    }
    if let Some(from) = limit.applies_from.filter(|&from| as_of < from) {
        return (false, Some(format!("the limit binds from {from}")));
    }
    match joint {
        // A ceiling of the member's own binds it alone; any other is the group's.
        Joint::Member(group) if !limit.max_by_party.contains_key(party) => {
            (false, Some(format!("binds {} jointly: count all its members together", group.id)))
        }
        Joint::Incomplete { group, missing } => {
            let missing: Vec<&str> = missing.iter().map(Party::as_str).collect();
            let verb = if missing.len() == 1 { "is" } else { "are" };
            (false, Some(format!("binds {} jointly; {} {verb} missing", group.id, missing.join(", "))))
        }
        _ => (true, None),
    }
}

struct ClassFacts<'a> {
    kind: &'a str,
    type_name: &'a str,
    known: bool,
    requires_armament: bool,
    tags: &'a [String],
    attributed: Option<u32>,
    capacity: Option<u32>,
}

/// The facility part of a cell, when the count is not split by facility.
const ANY_FACILITY: u32 = u32::MAX;

/// A cell of the tally: the dense key of what the rules see, and the facility
/// ([`ANY_FACILITY`] unless the count is split by facility).
type Cell = (usize, u32);

/// The first pass: item counts and warhead sums per (class, status, armament,
/// loaded, armed, band) and, when asked, facility, with items named by a
/// reading's `uids` kept apart.
struct Tally {
    /// Indexed by the dense key, when the count is not split by facility.
    cells: Vec<(u64, u64)>,
    /// By cell, when it is: facilities multiply the key space, so only cells in use are kept.
    split: Option<HashMap<Cell, (u64, u64)>>,
    /// Items a reading names by uid: (cell, reading) → (items, warheads).
    named: BTreeMap<(Cell, usize), (u64, u64)>,
    named_uids: HashMap<String, usize>,
    /// Per reading, the uids it names that no item has, sorted.
    missing_named: BTreeMap<usize, Vec<String>>,
}

impl Tally {
    fn key(item: &detente_core::Item, bands: &Bands) -> usize {
        let link = usize::from(item.is_loaded()) * 2 + usize::from(item.warheads > 0);
        (((usize::from(item.class) * STATUSES + item.status.index()) * ARMAMENTS + Armament::index(item.armament))
            * LINK_BITS
            + link)
            * bands.len()
            + bands.of(item.range_km)
    }

    fn cell(&self, item: &detente_core::Item, bands: &Bands) -> Cell {
        (Tally::key(item, bands), if self.split.is_some() { item.facility } else { ANY_FACILITY })
    }

    fn build(declaration: &Declaration, bands: &Bands, readings: &[Reading], by_facility: bool) -> Tally {
        let dense =
            if by_facility { 0 } else { declaration.classes().len() * STATUSES * ARMAMENTS * LINK_BITS * bands.len() };
        let mut tally = Tally {
            cells: vec![(0u64, 0u64); dense],
            split: by_facility.then(HashMap::new),
            named: BTreeMap::new(),
            named_uids: HashMap::new(),
            missing_named: BTreeMap::new(),
        };
        for (r, reading) in readings.iter().enumerate() {
            for uid in &reading.uids {
                tally.named_uids.entry(uid.clone()).or_insert(r);
            }
        }
        if tally.named_uids.is_empty() && tally.split.is_none() {
            // The hot loop: no string is touched, and nothing is hashed.
            for item in declaration.items() {
                let cell = &mut tally.cells[Tally::key(item, bands)];
                cell.0 += 1;
                cell.1 += u64::from(item.warheads);
            }
            return tally;
        }
        let mut found = HashSet::new();
        for item in declaration.items() {
            let cell = tally.cell(item, bands);
            let slot = match tally.named_uids.get(&*item.uid) {
                Some(&r) => {
                    found.insert(&*item.uid);
                    tally.named.entry((cell, r)).or_insert((0, 0))
                }
                None => match &mut tally.split {
                    Some(split) => split.entry(cell).or_insert((0, 0)),
                    None => &mut tally.cells[cell.0],
                },
            };
            slot.0 += 1;
            slot.1 += u64::from(item.warheads);
        }
        for (uid, &r) in &tally.named_uids {
            if !found.contains(uid.as_str()) {
                tally.missing_named.entry(r).or_default().push(uid.clone());
            }
        }
        tally.missing_named.values_mut().for_each(|uids: &mut Vec<String>| uids.sort_unstable());
        tally
    }

    fn decode(key: usize, bands: &Bands) -> (usize, Status, Option<Armament>, bool, bool, usize) {
        let band = key % bands.len();
        let rest = key / bands.len();
        let (loaded, armed) = ((rest % LINK_BITS) / 2 == 1, rest % 2 == 1);
        let rest = rest / LINK_BITS;
        let armament = [None, Some(Armament::Nuclear), Some(Armament::NonNuclear)][rest % ARMAMENTS];
        let rest = rest / ARMAMENTS;
        (rest / STATUSES, Status::ALL[rest % STATUSES], armament, loaded, armed, band)
    }

    /// The non-empty cells outside the named ones, in cell order: bucket numbers follow it.
    fn unnamed(&self) -> Vec<(Cell, (u64, u64))> {
        match &self.split {
            Some(split) => {
                let mut cells: Vec<(Cell, (u64, u64))> = split.iter().map(|(&k, &c)| (k, c)).collect();
                cells.sort_unstable_by_key(|&(k, _)| k);
                cells
            }
            None => self
                .cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.0 > 0)
                .map(|(key, &c)| ((key, ANY_FACILITY), c))
                .collect(),
        }
    }

    fn buckets(&self, classes: &[ClassFacts<'_>], bands: &Bands, readings: &[Reading]) -> Vec<Bucket> {
        let cells = self.unnamed().into_iter().map(|(cell, c)| (cell, None, c));
        let named = self.named.iter().map(|(&(cell, r), &c)| (cell, Some(r), c));
        cells
            .chain(named)
            .map(|((key, facility), named_by, (items, warheads))| {
                let (class, status, armament, loaded, armed, band) = Tally::decode(key, bands);
                let facts = &classes[class];
                let subject = Subject {
                    kind: facts.kind,
                    type_name: facts.type_name,
                    tags: facts.tags,
                    status,
                    armament,
                    range_km: bands.representative(band),
                    loaded,
                    armed,
                };
                // The first reading that selects the items or names them.
                let by_selector = readings.iter().position(|r| r.select.matches(&subject));
                let reading = match (named_by, by_selector) {
                    (Some(named), Some(selected)) => Some(named.min(selected)),
                    (named, selected) => named.or(selected),
                };
                let read = reading.map_or((status, armament), |r| {
                    let treat = readings[r].treat_as;
                    (treat.status.unwrap_or(status), treat.armament.or(armament))
                });
                let reading = reading.filter(|_| read != (status, armament));
                Bucket {
                    class,
                    band,
                    loaded,
                    armed,
                    facility: (facility != ANY_FACILITY).then_some(facility),
                    declared: (status, armament),
                    read,
                    reading,
                    items,
                    warheads,
                }
            })
            .collect()
    }

    /// The second pass: unique identifiers of the items in the wanted buckets,
    /// indexed by bucket number (empty for the others).
    fn uids(
        &self,
        declaration: &Declaration,
        bands: &Bands,
        buckets: &[Bucket],
        wanted: &HashSet<usize>,
    ) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new(); buckets.len()];
        if wanted.is_empty() {
            return out;
        }
        // Bucket numbers follow `buckets()`: unnamed cells in cell order, then named cells.
        let unnamed = self.unnamed();
        let wanted_cells =
            || unnamed.iter().enumerate().filter(|(b, _)| wanted.contains(b)).map(|(b, &(cell, _))| (cell, b));
        // Without a split by facility a cell's key indexes a table, as in the first
        // pass: a hash lookup per item took longer than the rest of the count.
        let (dense, sparse): (Vec<usize>, HashMap<Cell, usize>) = if self.split.is_none() {
            let mut table = vec![usize::MAX; self.cells.len()];
            wanted_cells().for_each(|((key, _), b)| table[key] = b);
            (table, HashMap::new())
        } else {
            (Vec::new(), wanted_cells().collect())
        };
        let bucket_of = |cell: &Cell| match dense.get(cell.0) {
            Some(&b) => (b != usize::MAX).then_some(b),
            None => sparse.get(cell).copied(),
        };
        let named_bucket: HashMap<(Cell, usize), usize> = self
            .named
            .keys()
            .enumerate()
            .map(|(i, &key)| (key, unnamed.len() + i))
            .filter(|(_, b)| wanted.contains(b))
            .collect();
        for item in declaration.items() {
            let cell = self.cell(item, bands);
            let named = if self.named_uids.is_empty() { None } else { self.named_uids.get(&*item.uid) };
            let b = match named {
                Some(&r) => named_bucket.get(&(cell, r)).copied(),
                None => bucket_of(&cell),
            };
            if let Some(b) = b {
                out[b].push(String::from(&*item.uid));
            }
        }
        out
    }
}

/// One limit on its way to a [`LimitCount`].
struct Weighing {
    count: LimitCount,
    /// `None` when no rules apply.
    read: Option<Weighed>,
    /// The same limit counted as declared, when a reading applies.
    declared: Option<Weighed>,
    /// Buckets whose contribution the reading changes.
    changed: Vec<usize>,
}

struct Weighed {
    total: u64,
    /// What each bucket adds; `None` when no rule selects it.
    per_bucket: Vec<Option<u64>>,
    unattributed: Vec<(String, String)>,
    /// Rules weighted by warheads whose selected items record none: (rule, kinds, items).
    unrecorded: Vec<(usize, Vec<String>, u64)>,
}

/// Applies one limit's rules to every bucket, each item counted by the first rule that selects it.
fn weigh<'a>(
    rules: &[Rule],
    treaty: &Treaty,
    party: &Party,
    buckets: &'a [Bucket],
    subject: impl Fn(&'a Bucket) -> Subject<'a>,
    classes: &[ClassFacts<'_>],
) -> Weighed {
    let mut per_bucket = vec![None; buckets.len()];
    let mut unattributed = Vec::new();
    // Discounted rules need every selected bucket before they can share out the discount.
    let mut discounted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    // Per warheads-weighted rule: the kinds it selected, the items, the warheads they record.
    let mut by_warheads: BTreeMap<usize, (BTreeSet<&str>, u64, u64)> = BTreeMap::new();
    for (b, bucket) in buckets.iter().enumerate() {
        let subject = subject(bucket);
        let Some((r, rule)) = rules.iter().enumerate().find(|(_, rule)| rule.select.matches(&subject)) else {
            continue;
        };
        let facts = &classes[bucket.class];
        per_bucket[b] = Some(match &rule.weight {
            Weight::Item => bucket.items,
            Weight::Warheads => {
                let seen = by_warheads.entry(r).or_default();
                seen.0.insert(facts.kind);
                seen.1 += bucket.items;
                seen.2 += bucket.warheads;
                bucket.warheads
            }
            Weight::Each(each) => bucket.items * u64::from(*each),
            Weight::Attributed => match facts.attributed {
                Some(each) => bucket.items * u64::from(each),
                None => {
                    unattributed.push((facts.kind.to_owned(), facts.type_name.to_owned()));
                    0
                }
            },
            Weight::Discounted(_) => {
                discounted.entry(r).or_default().push(b);
                0
            }
        });
    }
    for (r, mut selected) in discounted {
        let Weight::Discounted(by_party) = &rules[r].weight else {
            unreachable!("only discounted rules are collected")
        };
        let discount = treaty.per_party(by_party, party).copied();
        // The discount goes to the items it helps most: those whose full count is highest.
        // Among equals, items as declared come before items a reading moved, so that a
        // reading never shifts the discount and shows up as a change to untouched items.
        selected.sort_by_key(|&b| {
            let bucket = &buckets[b];
            (std::cmp::Reverse(classes[bucket.class].capacity), bucket.reading.is_some(), bucket_order(bucket, classes))
        });
        let mut discount_left = discount.map_or(0, |d| u64::from(d.first));
        for b in selected {
            let facts = &classes[buckets[b].class];
            let discounted_items = buckets[b].items.min(discount_left);
            discount_left -= discounted_items;
            let full_items = buckets[b].items - discounted_items;
            let capacity = facts.capacity.unwrap_or_else(|| {
                if full_items > 0 {
                    unattributed.push((facts.kind.to_owned(), facts.type_name.to_owned()));
                }
                0
            });
            per_bucket[b] =
                Some(discounted_items * u64::from(discount.map_or(0, |d| d.each)) + full_items * u64::from(capacity));
        }
    }
    unattributed.sort();
    unattributed.dedup();
    let unrecorded = by_warheads
        .into_iter()
        .filter(|(_, (_, items, warheads))| *items > 0 && *warheads == 0)
        .map(|(r, (kinds, items, _))| (r, kinds.into_iter().map(str::to_owned).collect(), items))
        .collect();
    Weighed { total: per_bucket.iter().flatten().sum(), per_bucket, unattributed, unrecorded }
}

/// Groups the counted buckets of one limit into lines, largest contribution first.
fn lines(
    buckets: &[Bucket],
    per_bucket: &[Option<u64>],
    classes: &[ClassFacts<'_>],
    readings: &[Reading],
    uids: &[Vec<String>],
) -> Vec<Line> {
    /// Lines group buckets that look the same in a report.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct LineKey<'a> {
        kind: &'a str,
        type_name: &'a str,
        read: State,
        /// The declared state and the reading, for items a reading moved.
        moved: Option<(State, usize)>,
    }
    let mut grouped: BTreeMap<LineKey<'_>, Line> = BTreeMap::new();
    for (b, bucket) in buckets.iter().enumerate() {
        let Some(counted) = per_bucket[b] else { continue };
        let facts = &classes[bucket.class];
        let moved = bucket.reading.map(|r| (bucket.declared, r));
        let key = LineKey { kind: facts.kind, type_name: facts.type_name, read: bucket.read, moved };
        let line = grouped.entry(key).or_insert_with(|| Line {
            kind: facts.kind.to_owned(),
            type_name: facts.type_name.to_owned(),
            status: bucket.read.0,
            armament: bucket.read.1,
            declared: moved.map(|((status, armament), r)| Declared {
                status,
                armament,
                reading: readings[r].id.clone(),
            }),
            items: 0,
            counted: 0,
            uids: Vec::new(),
        });
        line.items += bucket.items;
        line.counted += counted;
        line.uids.extend(uids.get(b).into_iter().flatten().cloned());
    }
    let mut lines: Vec<Line> = grouped.into_values().collect();
    for line in &mut lines {
        line.uids.sort_unstable();
    }
    // Stable sort: equal contributions keep the (kind, type, status) order.
    lines.sort_by_key(|line| std::cmp::Reverse(line.counted));
    lines
}
