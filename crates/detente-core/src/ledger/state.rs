//! The database at one moment, as events change it.
//!
//! Checking a whole declaration after every moment would cost as much as
//! reading one, for each notification: too slow for a node that takes
//! thousands a second. So the state keeps which items the moment's events
//! touched, and [`State::check`] builds a declaration of those items and
//! the items linked to them only. That is enough: the state before the
//! moment was sound, and whether an item is sound depends only on itself
//! and the items it is linked with (the launcher a missile names, and every
//! missile naming a launcher). A test holds the two checks equal.
//!
//! A trial ([`State::begin`]) keeps each item's record before the trial
//! changed it, so that a refused notification leaves the state as it was
//! without the state being copied first.

use std::collections::HashMap;

use crate::date::Date;
use crate::declaration::{Declaration, Header};
use crate::diff::ItemRecord;
use crate::error::{DecodeError, quoted};
use crate::event::{Change, Event};
use crate::model::{Facility, Status, Vocabulary};

use super::EventError;

/// The database at one moment, items in the order of the declaration they
/// started from, new ones after.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub header: Header,
    pub items: Vec<ItemRecord>,
    pub by_uid: HashMap<String, usize>,
    /// Per launcher uid, the items that name it as their launcher: one at
    /// most in a sound database, more while a moment's events are applied.
    holders: HashMap<String, Vec<usize>>,
    /// The items changed since the last [`State::check`].
    touched: Vec<usize>,
    trial: Option<Trial>,
}

/// What undoes a trial: the sizes before it, and each item's record before
/// the trial first changed it.
#[derive(Debug, Clone)]
struct Trial {
    items: usize,
    facilities: usize,
    before: Vec<(usize, ItemRecord)>,
}

impl State {
    pub fn of(declaration: &Declaration) -> State {
        let items: Vec<ItemRecord> = declaration.specs().map(|s| ItemRecord::from(&s)).collect();
        let by_uid = items.iter().enumerate().map(|(i, item)| (item.uid.clone(), i)).collect();
        let mut holders: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            if let Some(launcher) = &item.launcher {
                holders.entry(launcher.clone()).or_default().push(index);
            }
        }
        State { header: declaration.header().clone(), items, by_uid, holders, touched: Vec::new(), trial: None }
    }

    /// The whole database, as of `as_of`.
    pub fn declaration(&self, as_of: Date, vocabulary: &Vocabulary) -> Result<Declaration, DecodeError> {
        let header = Header { as_of, ..self.header.clone() };
        Declaration::build(header, vocabulary, self.items.iter().map(ItemRecord::spec))
    }

    /// Whether the items touched since the last check, with the items
    /// linked to them, still make a declaration: the same answer, and the
    /// same first error, as building the whole database would give, when
    /// the database was sound at the last check.
    pub fn check(&mut self, as_of: Date, vocabulary: &Vocabulary) -> Result<(), DecodeError> {
        let mut involved = std::mem::take(&mut self.touched);
        for index in 0..involved.len() {
            let item = &self.items[involved[index]];
            if let Some(launcher) = &item.launcher {
                involved.extend(self.by_uid.get(launcher));
                involved.extend(self.holders.get(launcher).into_iter().flatten());
            }
            involved.extend(self.holders.get(&item.uid).into_iter().flatten());
        }
        involved.sort_unstable();
        involved.dedup();
        let header = Header { as_of, ..self.header.clone() };
        Declaration::build(header, vocabulary, involved.iter().map(|&i| self.items[i].spec())).map(drop)
    }

    /// Forgets which items were touched: the moment is known to hold.
    pub fn settle(&mut self) {
        self.touched.clear();
    }

    /// Starts a trial: what follows can be undone by [`State::rollback`].
    pub fn begin(&mut self) {
        self.trial =
            Some(Trial { items: self.items.len(), facilities: self.header.facilities.len(), before: Vec::new() });
    }

    /// Keeps what the trial changed.
    pub fn commit(&mut self) {
        self.trial = None;
    }

    /// Puts back the state as it was when the trial began.
    pub fn rollback(&mut self) {
        let Some(trial) = self.trial.take() else { return };
        for (index, record) in trial.before.into_iter().rev() {
            self.replace(index, record);
        }
        for index in (trial.items..self.items.len()).rev() {
            let item = self.items.pop().expect("an item made in the trial");
            self.by_uid.remove(&item.uid);
            self.unhold(index, item.launcher.as_deref());
        }
        self.header.facilities.truncate(trial.facilities);
        self.touched.clear();
    }

    pub fn add_facilities(&mut self, facilities: &[Facility]) -> Result<(), EventError> {
        for (i, facility) in facilities.iter().enumerate() {
            match self.header.facilities.iter().find(|f| f.id == facility.id) {
                Some(known) if known == facility => {}
                Some(known) => {
                    return Err(EventError::new(
                        format!("facilities[{i}]"),
                        format!("{} is already declared, as {} ({})", known.id, known.name, known.kind),
                    ));
                }
                None => self.header.facilities.push(facility.clone()),
            }
        }
        Ok(())
    }

    /// Applies one event, checking what it says the item was.
    pub fn apply(&mut self, event: &Event, path: &str) -> Result<(), EventError> {
        if let Change::Created { kind, type_name, facility, status, armament, warheads, range_km, launcher } =
            &event.change
        {
            if self.by_uid.contains_key(&event.uid) {
                return Err(EventError::new(format!("{path}.uid"), format!("{} is already declared", event.uid)));
            }
            let index = self.items.len();
            self.by_uid.insert(event.uid.clone(), index);
            if let Some(launcher) = launcher {
                self.holders.entry(launcher.clone()).or_default().push(index);
            }
            self.items.push(ItemRecord {
                uid: event.uid.clone(),
                kind: kind.clone(),
                type_name: type_name.clone(),
                facility: facility.clone(),
                status: *status,
                warheads: *warheads,
                armament: *armament,
                range_km: *range_km,
                launcher: launcher.clone(),
            });
            self.touched.push(index);
            return Ok(());
        }
        let Some(&index) = self.by_uid.get(&event.uid) else {
            let message = format!("no item {} in the database on {}", quoted(&event.uid), event.at);
            return Err(EventError::new(format!("{path}.uid"), message));
        };
        let changed = changed(&self.items[index], event, path)?;
        if let Some(trial) = &mut self.trial
            && index < trial.items
            && !trial.before.iter().any(|(i, _)| *i == index)
        {
            trial.before.push((index, self.items[index].clone()));
        }
        self.replace(index, changed);
        Ok(())
    }

    /// Gives item `index` a new record, keeping the launchers' holders.
    fn replace(&mut self, index: usize, record: ItemRecord) {
        if self.items[index].launcher != record.launcher {
            let old = self.items[index].launcher.take();
            self.unhold(index, old.as_deref());
            if let Some(launcher) = &record.launcher {
                self.holders.entry(launcher.clone()).or_default().push(index);
            }
        }
        self.items[index] = record;
        self.touched.push(index);
    }

    fn unhold(&mut self, index: usize, launcher: Option<&str>) {
        let Some(launcher) = launcher else { return };
        if let Some(holders) = self.holders.get_mut(launcher) {
            holders.retain(|&i| i != index);
            if holders.is_empty() {
                self.holders.remove(launcher);
            }
        }
    }
}

/// The item as `event` leaves it, or why the event contradicts it.
fn changed(item: &ItemRecord, event: &Event, path: &str) -> Result<ItemRecord, EventError> {
    let at = event.at;
    let field = |name: &str| format!("{path}.change.{name}");
    if item.status == Status::Eliminated {
        return Err(EventError::new(format!("{path}.change"), format!("{} was eliminated before {at}", item.uid)));
    }
    let mut item = item.clone();
    match &event.change {
        Change::Created { .. } => unreachable!("a creation makes an item, and changes none"),
        Change::Moved { from, to } => {
            if &item.facility != from {
                let message = format!("{} is at {} on {at}, not at {}", item.uid, item.facility, quoted(from));
                return Err(EventError::new(field("from"), message));
            }
            if from == to {
                return Err(EventError::new(field("to"), format!("{} is already at {to}", item.uid)));
            }
            item.facility = to.clone();
        }
        Change::StatusChanged { from, to } => {
            if item.status != *from {
                let message = format!("{} is {} on {at}, not {from}", item.uid, item.status);
                return Err(EventError::new(field("from"), message));
            }
            if from == to {
                return Err(EventError::new(field("to"), format!("{} is already {to}", item.uid)));
            }
            item.status = *to;
        }
        Change::Loaded { launcher } => {
            if let Some(current) = &item.launcher {
                let message = format!("{} is already in launcher {current} on {at}", item.uid);
                return Err(EventError::new(field("launcher"), message));
            }
            item.launcher = Some(launcher.clone());
        }
        Change::Unloaded { launcher } => {
            if item.launcher.as_ref() != Some(launcher) {
                let place = item.launcher.as_deref().map_or("in no launcher".into(), |l| format!("in {l}"));
                let message = format!("{} is {place} on {at}, not in {}", item.uid, quoted(launcher));
                return Err(EventError::new(field("launcher"), message));
            }
            item.launcher = None;
        }
        Change::Converted { armament } => {
            if item.status == Status::Converted {
                return Err(EventError::new(format!("{path}.change"), format!("{} is already converted", item.uid)));
            }
            item.status = Status::Converted;
            if let Some(armament) = armament {
                item.armament = Some(*armament);
            }
        }
        Change::Eliminated => item.status = Status::Eliminated,
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::read_csv;
    use crate::time::Time;

    /// The ledger tests' database (tests/data), so both check one base.
    const BASE: &str = include_str!("../../tests/data/ledger-base.csv");

    fn vocabulary() -> Vocabulary {
        Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"])
    }

    const UIDS: [&str; 8] = ["L1", "M1", "L2", "M2", "L3", "B1", "N1", "N2"];
    const FACILITIES: [&str; 4] = ["MINOT", "BARKSDALE", "HILL", "NOWHERE"];
    const STATUSES: [Status; 4] = [Status::Deployed, Status::NonDeployed, Status::Converted, Status::Eliminated];

    /// An event on item `uid`, of change number `what`, that says the
    /// item was what it is, so that most events apply and the moment's
    /// check is what decides.
    fn event(state: &State, uid: &str, what: u8, pick: usize) -> Event {
        let item = state.by_uid.get(uid).map(|&i| &state.items[i]);
        let facility = item.map_or("MINOT", |i| i.facility.as_str());
        let change = match (what, item) {
            (0, Some(_)) => Change::Moved { from: facility.into(), to: FACILITIES[pick % 4].into() },
            (1, Some(item)) => Change::StatusChanged { from: item.status, to: STATUSES[pick % 4] },
            (2, _) => Change::Loaded { launcher: UIDS[pick % 8].into() },
            (3, Some(item)) => Change::Unloaded { launcher: item.launcher.clone().unwrap_or_default() },
            (4, _) => Change::Converted { armament: pick.is_multiple_of(2).then_some(crate::Armament::NonNuclear) },
            (5, _) => Change::Eliminated,
            _ => Change::Created {
                kind: ["icbm", "icbm-launcher", "heavy-bomber"][pick % 3].into(),
                type_name: "Minuteman III".into(),
                facility: FACILITIES[pick % 4].into(),
                status: STATUSES[pick % 2],
                armament: None,
                warheads: (pick % 3) as u32,
                range_km: None,
                launcher: pick.is_multiple_of(5).then(|| UIDS[pick % 8].into()),
            },
        };
        Event { uid: uid.into(), at: Time::start_of("2020-09-02".parse().unwrap()), change }
    }

    fn declared(state: &State) -> Vec<ItemRecord> {
        let declaration = state.declaration("2020-09-02".parse().unwrap(), &vocabulary()).unwrap();
        declaration.specs().map(|s| ItemRecord::from(&s)).collect()
    }

    proptest::proptest! {
        /// After every moment, checking only the items the moment touched
        /// and those linked to them gives what building the whole
        /// database gives, the same first error included; and a moment
        /// refused and rolled back leaves the database as it was.
        #[test]
        fn checking_touched_items_is_checking_everything(
            moments in proptest::collection::vec(
                proptest::collection::vec((0usize..8, 0u8..7, 0usize..64), 1..4), 1..24),
        ) {
            let vocabulary = vocabulary();
            let mut state = State::of(&read_csv(BASE.as_bytes(), &vocabulary).unwrap());
            let as_of: Date = "2020-09-02".parse().unwrap();
            for moment in moments {
                let before = declared(&state);
                state.begin();
                let mut applied = true;
                for (uid, what, pick) in moment {
                    let event = event(&state, UIDS[uid], what, pick);
                    applied &= state.apply(&event, "events[0]").is_ok();
                }
                let whole = state.declaration(as_of, &vocabulary).map(drop);
                let touched = state.check(as_of, &vocabulary);
                let said = |r: &Result<(), DecodeError>| r.as_ref().err().map(|e| (e.uid.clone(), e.field.clone(), e.message.clone()));
                proptest::prop_assert_eq!(said(&whole), said(&touched));
                if applied && touched.is_ok() {
                    state.commit();
                } else {
                    state.rollback();
                    proptest::prop_assert_eq!(declared(&state), before);
                }
            }
        }
    }
}
