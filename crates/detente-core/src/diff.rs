//! Two declarations of one party compared item by item, by unique identifier:
//! what a change-in-data notification reports.
//!
//! Everything is sorted by uid (facilities by id), so the same two declarations
//! always give the same result, whatever the order of their items.

use std::collections::HashMap;

use serde::Serialize;

use crate::date::Date;
use crate::declaration::{Declaration, ItemSpec};
use crate::model::{Facility, Party, Status};

/// A field of an item that can change between two declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Kind,
    Type,
    Facility,
    Status,
    Warheads,
    Armament,
    RangeKm,
    Launcher,
}

impl Field {
    /// The field's name, as declarations and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Type => "type",
            Field::Facility => "facility",
            Field::Status => "status",
            Field::Warheads => "warheads",
            Field::Armament => "armament",
            Field::RangeKm => "range_km",
            Field::Launcher => "launcher",
        }
    }
}

/// One field's value before and after; `None` for an empty value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// An item as it stands in one of the two declarations, owned and by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRecord {
    pub uid: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub facility: String,
    pub status: Status,
    pub warheads: u32,
    pub armament: Option<crate::Armament>,
    pub range_km: Option<u32>,
    pub launcher: Option<String>,
}

impl From<&ItemSpec<'_>> for ItemRecord {
    fn from(spec: &ItemSpec<'_>) -> ItemRecord {
        ItemRecord {
            uid: spec.uid.to_owned(),
            kind: spec.kind.to_owned(),
            type_name: spec.type_name.to_owned(),
            facility: spec.facility.to_owned(),
            status: spec.status,
            warheads: spec.warheads,
            armament: spec.armament,
            range_km: spec.range_km,
            launcher: spec.launcher.map(str::to_owned),
        }
    }
}

impl ItemRecord {
    /// The item described by borrowed names, as a declaration is built from.
    pub fn spec(&self) -> ItemSpec<'_> {
        ItemSpec {
            uid: &self.uid,
            kind: &self.kind,
            type_name: &self.type_name,
            facility: &self.facility,
            status: self.status,
            armament: self.armament,
            warheads: self.warheads,
            range_km: self.range_km,
            launcher: self.launcher.as_deref(),
        }
    }
}

/// An item present in OLD whose fields changed, or which NEW no longer has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub uid: String,
    /// The item in NEW, or in OLD when NEW no longer has it.
    pub item: ItemRecord,
    /// True when NEW has no item with this uid.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
    /// Every field that differs, in the order of [`Field`].
    pub changes: Vec<FieldChange>,
}

/// What changed from one declaration to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub party: Party,
    pub old_as_of: Date,
    pub new_as_of: Date,
    /// Things a reader should know about the comparison itself (NEW earlier than OLD, or of the same date).
    pub notes: Vec<String>,
    /// Items NEW has and OLD does not.
    pub created: Vec<ItemRecord>,
    /// Items whose facility changed (other changes to them are listed with it).
    pub moved: Vec<ItemChange>,
    /// Items with other changes: kind, type, status, warheads, armament, range, launcher.
    pub changed: Vec<ItemChange>,
    /// Items NEW no longer has, or whose status became `eliminated`.
    pub eliminated: Vec<ItemChange>,
    pub facilities_added: Vec<Facility>,
    pub facilities_removed: Vec<Facility>,
    /// Facilities with the same id whose kind or name changed: (old, new).
    pub facilities_changed: Vec<(Facility, Facility)>,
}

impl Diff {
    /// True when the two declarations hold the same items and facilities.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
            && self.moved.is_empty()
            && self.changed.is_empty()
            && self.eliminated.is_empty()
            && self.facilities_added.is_empty()
            && self.facilities_removed.is_empty()
            && self.facilities_changed.is_empty()
    }
}

/// Why two declarations cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error(
        "the declarations are of different parties ({old} and {new}): compare a party's declarations with each other"
    )]
    DifferentParties { old: Party, new: Party },
}

fn field_changes(old: &ItemSpec<'_>, new: &ItemSpec<'_>) -> Vec<FieldChange> {
    let text = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let pairs: [(Field, Option<String>, Option<String>); 8] = [
        (Field::Kind, text(old.kind), text(new.kind)),
        (Field::Type, text(old.type_name), text(new.type_name)),
        (Field::Facility, text(old.facility), text(new.facility)),
        (Field::Status, Some(old.status.to_string()), Some(new.status.to_string())),
        (Field::Warheads, Some(old.warheads.to_string()), Some(new.warheads.to_string())),
        (Field::Armament, old.armament.map(|a| a.to_string()), new.armament.map(|a| a.to_string())),
        (Field::RangeKm, old.range_km.map(|r| r.to_string()), new.range_km.map(|r| r.to_string())),
        (Field::Launcher, old.launcher.map(str::to_owned), new.launcher.map(str::to_owned)),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).map(|(field, old, new)| FieldChange { field, old, new }).collect()
}

/// Compares OLD and NEW, two declarations of one party.
pub fn diff(old: &Declaration, new: &Declaration) -> Result<Diff, DiffError> {
    if old.party() != new.party() {
        return Err(DiffError::DifferentParties { old: old.party().clone(), new: new.party().clone() });
    }
    let mut notes = Vec::new();
    if new.as_of() == old.as_of() {
        notes.push(format!(
            "OLD and NEW are both as of {}: the changes are between two declarations of the same date, not over time",
            new.as_of()
        ));
    } else if new.as_of() < old.as_of() {
        notes.push(format!(
            "NEW (as of {}) is earlier than OLD (as of {}): the changes run backwards in time",
            new.as_of(),
            old.as_of()
        ));
    }
    let old_specs: HashMap<&str, ItemSpec<'_>> = old.specs().map(|s| (s.uid, s)).collect();
    let mut created = Vec::new();
    let (mut moved, mut changed, mut eliminated) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::with_capacity(old_specs.len());
    for spec in new.specs() {
        let Some(before) = old_specs.get(spec.uid) else {
            created.push(ItemRecord::from(&spec));
            continue;
        };
        seen.insert(spec.uid);
        let changes = field_changes(before, &spec);
        if changes.is_empty() {
            continue;
        }
        let newly_eliminated = spec.status == Status::Eliminated && before.status != Status::Eliminated;
        let is_move = changes.iter().any(|c| c.field == Field::Facility);
        let change = ItemChange { uid: spec.uid.to_owned(), item: ItemRecord::from(&spec), gone: false, changes };
        match (newly_eliminated, is_move) {
            (true, _) => eliminated.push(change),
            (false, true) => moved.push(change),
            (false, false) => changed.push(change),
        }
    }
    for (uid, spec) in &old_specs {
        if !seen.contains(uid) {
            eliminated.push(ItemChange {
                uid: (*uid).to_owned(),
                item: ItemRecord::from(spec),
                gone: true,
                changes: vec![],
            });
        }
    }
    for list in [&mut moved, &mut changed, &mut eliminated] {
        list.sort_by(|a, b| a.uid.cmp(&b.uid));
    }
    created.sort_by(|a, b| a.uid.cmp(&b.uid));

    let by_id = |d: &Declaration| -> HashMap<String, Facility> {
        d.header().facilities.iter().map(|f| (f.id.clone(), f.clone())).collect()
    };
    let (old_facilities, new_facilities) = (by_id(old), by_id(new));
    let mut facilities_added: Vec<Facility> =
        new_facilities.values().filter(|f| !old_facilities.contains_key(&f.id)).cloned().collect();
    let mut facilities_removed: Vec<Facility> =
        old_facilities.values().filter(|f| !new_facilities.contains_key(&f.id)).cloned().collect();
    let mut facilities_changed: Vec<(Facility, Facility)> = old_facilities
        .values()
        .filter_map(|f| new_facilities.get(&f.id).filter(|g| *g != f).map(|g| (f.clone(), g.clone())))
        .collect();
    facilities_added.sort_by(|a, b| a.id.cmp(&b.id));
    facilities_removed.sort_by(|a, b| a.id.cmp(&b.id));
    facilities_changed.sort_by(|a, b| a.0.id.cmp(&b.0.id));

    Ok(Diff {
        party: new.party().clone(),
        old_as_of: old.as_of(),
        new_as_of: new.as_of(),
        notes,
        created,
        moved,
        changed,
        eliminated,
        facilities_added,
        facilities_removed,
        facilities_changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Armament, Header, Vocabulary};

    fn vocabulary() -> Vocabulary {
        Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"])
    }

    fn declaration(party: &str, as_of: &str, facilities: &[&str], items: &[ItemSpec<'_>]) -> Declaration {
        let header = Header {
            party: party.parse().unwrap(),
            as_of: as_of.parse().unwrap(),
            source: None,
            notes: vec![],
            facilities: facilities
                .iter()
                .map(|id| Facility { id: (*id).into(), kind: "base".into(), name: format!("{id} base") })
                .collect(),
            links: true,
        };
        Declaration::build(header, &vocabulary(), items.iter().cloned()).unwrap()
    }

    fn item<'a>(uid: &'a str, kind: &'a str, facility: &'a str, status: Status) -> ItemSpec<'a> {
        ItemSpec {
            uid,
            kind,
            type_name: "Minuteman III",
            facility,
            status,
            armament: None,
            warheads: 0,
            range_km: None,
            launcher: None,
        }
    }

    #[test]
    fn every_kind_of_change_is_listed_with_its_fields() {
        use Status::*;
        let old = declaration(
            "US",
            "2020-03-01",
            &["MINOT", "HILL", "OLD-SITE"],
            &[
                item("L1", "icbm-launcher", "MINOT", NonDeployed),
                item("M1", "icbm", "HILL", NonDeployed),
                item("M2", "icbm", "MINOT", Deployed),
                item("B1", "heavy-bomber", "MINOT", Deployed),
                item("B2", "heavy-bomber", "MINOT", Deployed),
                item("X1", "icbm", "HILL", NonDeployed),
            ],
        );
        let new = declaration(
            "US",
            "2020-09-01",
            &["MINOT", "HILL", "NEW-SITE"],
            &[
                // M1 moves from storage into L1, which becomes deployed; M2 gains warheads.
                ItemSpec { launcher: Some("L1"), warheads: 1, ..item("M1", "icbm", "MINOT", Deployed) },
                item("L1", "icbm-launcher", "MINOT", Deployed),
                ItemSpec { warheads: 3, ..item("M2", "icbm", "MINOT", Deployed) },
                ItemSpec { armament: Some(Armament::NonNuclear), ..item("B1", "heavy-bomber", "MINOT", Converted) },
                item("B2", "heavy-bomber", "MINOT", Eliminated),
                item("N1", "icbm", "HILL", NonDeployed),
            ],
        );
        let diff = diff(&old, &new).unwrap();
        assert!(diff.notes.is_empty());
        assert_eq!(diff.created.iter().map(|i| i.uid.as_str()).collect::<Vec<_>>(), ["N1"]);
        assert_eq!(diff.moved.len(), 1);
        let moved = &diff.moved[0];
        assert_eq!(moved.uid, "M1");
        let fields: Vec<_> = moved.changes.iter().map(|c| (c.field, c.old.as_deref(), c.new.as_deref())).collect();
        assert_eq!(
            fields,
            [
                (Field::Facility, Some("HILL"), Some("MINOT")),
                (Field::Status, Some("non-deployed"), Some("deployed")),
                (Field::Warheads, Some("0"), Some("1")),
                (Field::Launcher, None, Some("L1")),
            ]
        );
        assert_eq!(diff.changed.iter().map(|c| c.uid.as_str()).collect::<Vec<_>>(), ["B1", "L1", "M2"]);
        assert_eq!(diff.changed[0].changes.len(), 2, "status and armament: {:?}", diff.changed[0].changes);
        let eliminated: Vec<_> = diff.eliminated.iter().map(|c| (c.uid.as_str(), c.gone)).collect();
        assert_eq!(eliminated, [("B2", false), ("X1", true)]);
        assert_eq!(diff.eliminated[1].item.facility, "HILL", "a gone item is shown as it was");
        assert_eq!(diff.facilities_added.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["NEW-SITE"]);
        assert_eq!(diff.facilities_removed.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["OLD-SITE"]);
        assert!(!diff.is_empty());
    }

    #[test]
    fn the_same_declaration_in_any_order_has_no_changes() {
        let items = [item("A", "icbm", "MINOT", Status::Deployed), item("B", "icbm", "MINOT", Status::Test)];
        let old = declaration("RU", "2020-09-01", &["MINOT"], &items);
        let reversed: Vec<_> = items.iter().rev().cloned().collect();
        let new = declaration("RU", "2020-03-01", &["MINOT"], &reversed);
        let diff = diff(&old, &new).unwrap();
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(diff.notes.len(), 1, "NEW is earlier than OLD, and the result says so");
        assert!(
            diff.notes[0].contains("is earlier than OLD") && diff.notes[0].contains("backwards"),
            "{:?}",
            diff.notes
        );
    }

    #[test]
    fn declarations_of_the_same_date_are_not_said_to_run_backwards() {
        let items = [item("A", "icbm", "MINOT", Status::Deployed)];
        for (old_items, new_items) in [(&items[..], &items[..]), (&items[..], &[][..])] {
            let old = declaration("US", "2020-09-01", &["MINOT"], old_items);
            let new = declaration("US", "2020-09-01", &["MINOT"], new_items);
            let diff = diff(&old, &new).unwrap();
            assert_eq!(
                diff.notes,
                [
                    "OLD and NEW are both as of 2020-09-01: the changes are between two declarations of the same date, not over time"
                ]
            );
            assert!(!diff.notes[0].contains("backwards"));
        }
        // A later NEW has no note at all.
        let old = declaration("US", "2020-03-01", &["MINOT"], &items);
        assert!(diff(&old, &declaration("US", "2020-09-01", &["MINOT"], &items)).unwrap().notes.is_empty());
    }

    #[test]
    fn declarations_of_different_parties_are_refused() {
        let us = declaration("US", "2020-09-01", &["MINOT"], &[]);
        let ru = declaration("RU", "2020-09-01", &["MINOT"], &[]);
        let error = diff(&us, &ru).unwrap_err();
        assert_eq!(error, DiffError::DifferentParties { old: "US".parse().unwrap(), new: "RU".parse().unwrap() });
        assert!(error.to_string().contains("different parties (US and RU)"));
    }

    #[test]
    fn results_are_sorted_by_uid_whatever_the_item_order() {
        let old = declaration("US", "2020-03-01", &["MINOT"], &[]);
        let forward = ["C", "A", "B"].map(|uid| item(uid, "icbm", "MINOT", Status::Deployed));
        let backward = ["B", "A", "C"].map(|uid| item(uid, "icbm", "MINOT", Status::Deployed));
        let a = diff(&old, &declaration("US", "2020-09-01", &["MINOT"], &forward)).unwrap();
        let b = diff(&old, &declaration("US", "2020-09-01", &["MINOT"], &backward)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.created.iter().map(|i| i.uid.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
        let gone = diff(&declaration("US", "2020-09-01", &["MINOT"], &forward), &old).unwrap();
        assert_eq!(gone.eliminated.iter().map(|i| i.uid.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    }
}
