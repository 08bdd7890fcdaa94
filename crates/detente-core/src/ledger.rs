//! A party's declared database over time: its last full declaration, and
//! the events notified since, applied in the order they happened.
//!
//! Time is bitemporal. Every event has the moment it happened (`at`), and
//! its notification the moment it was provided (`provided`): the Protocol
//! counts a notification as provided when it is received, and the receiver
//! signs that moment in its receipt. So the ledger answers both "what was
//! the database at T" and "what did the other party know of it at K".
//!
//! A declaration "as of" a day is the database when that day begins. An
//! event may come late, after events that happened later than it; the
//! ledger then applies everything again in the order things happened, and
//! admits the notification only if every later event still applies.

mod state;

use std::collections::HashMap;

use crate::date::Date;
use crate::declaration::{Declaration, Lookup};
use crate::diff::{Diff, DiffError, Field, ItemRecord, diff};
use crate::error::DecodeError;
use crate::event::{Change, Event, Notice};
use crate::model::Vocabulary;
use crate::time::Time;
use state::State;

/// A notification whose events the ledger holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// Its sequence number in the sender's record.
    pub sequence: u64,
    /// Its kind, as the treaty names it.
    pub kind: String,
    /// When the receiver received it, as its receipt says; `None` until then.
    pub provided: Option<Time>,
    pub notice: Notice,
}

/// Why a notification's events cannot be applied, naming the field of the
/// notice at fault, such as `events[2].change.from`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

impl EventError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> EventError {
        EventError { path: path.into(), message: message.into() }
    }
}

/// One item's life since the last full declaration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct History {
    pub uid: String,
    /// The item as the last full declaration has it; `None` if created since.
    pub declared: Option<ItemRecord>,
    pub declared_as_of: Date,
    pub steps: Vec<Step>,
}

/// One event in an item's history, with the item as it left it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub at: Time,
    pub provided: Option<Time>,
    pub sequence: u64,
    pub kind: String,
    pub change: Change,
    pub after: ItemRecord,
}

/// A party's database over time.
#[derive(Debug, Clone)]
pub struct Ledger {
    vocabulary: Vocabulary,
    base: Declaration,
    admitted: Vec<Admitted>,
    /// Where each sequence number is in `admitted`.
    positions: HashMap<u64, usize>,
    /// The database after every admitted event, so that events newer than
    /// all before them apply without a replay.
    current: State,
    latest: Option<Time>,
}

/// Which events a replay applies, and from when it checks the database.
#[derive(Clone, Copy)]
struct Replay {
    /// Only events that happened before this moment.
    before: Option<Time>,
    /// Only notifications provided by this moment.
    known: Option<Time>,
    /// Check the database after each moment from this one on.
    check_from: Option<Time>,
}

impl Ledger {
    /// The ledger of the party whose full declaration `base` is; events
    /// may name any kind `vocabulary` knows.
    pub fn new(base: Declaration, vocabulary: Vocabulary) -> Ledger {
        let current = State::of(&base);
        Ledger { vocabulary, base, admitted: Vec::new(), positions: HashMap::new(), current, latest: None }
    }

    /// The last full declaration: the initial one, or the last six-monthly update.
    pub fn base(&self) -> &Declaration {
        &self.base
    }

    pub fn admitted(&self) -> &[Admitted] {
        &self.admitted
    }

    /// Applies a notification's events and keeps it, or refuses it (and
    /// changes nothing) if any event contradicts the database at its moment,
    /// or leaves it in a state no declaration could have.
    pub fn admit(&mut self, admitted: Admitted) -> Result<(), EventError> {
        let start = Time::start_of(self.base.as_of());
        for (i, event) in admitted.notice.events.iter().enumerate() {
            if event.at < start {
                return Err(EventError::new(
                    format!("events[{i}].at"),
                    format!("{} is before the database it changes, as of {}", event.at, self.base.as_of()),
                ));
            }
        }
        let Some(earliest) = admitted.notice.events.iter().map(|e| e.at).min() else {
            self.keep(admitted);
            return Ok(());
        };
        let in_order = self.latest.is_none_or(|latest| earliest >= latest);
        let everything = Replay { before: None, known: None, check_from: Some(earliest) };
        if in_order {
            // The common case: nothing admitted happened after these events,
            // so they apply on top of the database now, as a trial.
            self.current.begin();
            if let Err(error) = replay(&mut self.current, &[&admitted], 0, everything, &self.vocabulary) {
                self.current.rollback();
                return Err(error);
            }
            self.current.commit();
        } else {
            let mut notices: Vec<&Admitted> = self.admitted.iter().collect();
            notices.push(&admitted);
            let mut state = State::of(&self.base);
            replay(&mut state, &notices, notices.len() - 1, everything, &self.vocabulary)?;
            self.current = state;
        }
        let newest = admitted.notice.events.iter().map(|e| e.at).max();
        self.latest = self.latest.max(newest);
        self.keep(admitted);
        Ok(())
    }

    fn keep(&mut self, admitted: Admitted) {
        self.positions.entry(admitted.sequence).or_insert(self.admitted.len());
        self.admitted.push(admitted);
    }

    /// Records when a notification was provided, once its receipt is known.
    pub fn provided(&mut self, sequence: u64, at: Time) -> bool {
        let found = self.positions.get(&sequence).map(|&i| &mut self.admitted[i]);
        found.map(|a| a.provided = Some(at)).is_some()
    }

    /// The database at `at`: every event that happened before it.
    pub fn at(&self, at: Time) -> Declaration {
        // Every moment of the whole replay was checked when admitted, so
        // every moment of a prefix of it holds.
        self.replayed(Replay { before: Some(at), known: None, check_from: None })
            .expect("admitted events leave a sound database at every moment")
    }

    /// The database at `at` as the receiver knew it at `known`: only the
    /// events whose notification was provided by then. Notifications
    /// received out of the order things happened may not apply without
    /// the ones still missing; the error says which.
    pub fn known_at(&self, at: Time, known: Time) -> Result<Declaration, EventError> {
        self.replayed(Replay {
            before: Some(at),
            known: Some(known),
            check_from: Some(Time::start_of(self.base.as_of())),
        })
    }

    fn replayed(&self, only: Replay) -> Result<Declaration, EventError> {
        let mut state = State::of(&self.base);
        let notices: Vec<&Admitted> = self.admitted.iter().collect();
        replay(&mut state, &notices, usize::MAX, only, &self.vocabulary)?;
        let date = only.before.map_or(self.base.as_of(), Time::date);
        state.declaration(date, &self.vocabulary).map_err(|error| EventError::new("events", error.to_string()))
    }

    /// The database as of the start of `date`.
    pub fn as_of(&self, date: Date) -> Declaration {
        self.at(Time::start_of(date))
    }

    /// The database after every admitted event.
    pub fn now(&self) -> Declaration {
        let date = self.latest.map_or(self.base.as_of(), Time::date);
        self.current.declaration(date, &self.vocabulary).expect("admitted events leave a sound database")
    }

    /// Every event of one item since the last full declaration; `None` for
    /// an item neither declared nor created since.
    pub fn history(&self, uid: &str) -> Option<History> {
        let declared = self.base.specs().find(|s| s.uid == uid).map(|s| ItemRecord::from(&s));
        let mut state = State::of(&self.base);
        let mut steps = Vec::new();
        for (notice, event) in ordered(&self.admitted.iter().collect::<Vec<_>>(), Replay::ALL) {
            let admitted = &self.admitted[notice];
            let event = &admitted.notice.events[event];
            state.apply(event, "").expect("admitted events apply");
            if event.uid == uid {
                steps.push(Step {
                    at: event.at,
                    provided: admitted.provided,
                    sequence: admitted.sequence,
                    kind: admitted.kind.clone(),
                    change: event.change.clone(),
                    after: state.items[state.by_uid[uid]].clone(),
                });
            }
        }
        (declared.is_some() || !steps.is_empty()).then(|| History {
            uid: uid.to_owned(),
            declared,
            declared_as_of: self.base.as_of(),
            steps,
        })
    }

    /// Takes a six-monthly update as the new full declaration, and returns
    /// how it differs from the database the events since the last one give
    /// at its date, warhead numbers apart (those change only through the
    /// updates). Events after its date are applied again on top of it.
    pub fn rebase(&mut self, update: Declaration) -> Result<Diff, RebaseError> {
        if update.as_of() <= self.base.as_of() {
            return Err(RebaseError::NotNewer { update: update.as_of(), base: self.base.as_of() });
        }
        let expected = self.as_of(update.as_of());
        let mut unexplained = diff(&expected, &update)?;
        for list in [&mut unexplained.moved, &mut unexplained.changed] {
            for change in list.iter_mut() {
                change.changes.retain(|c| c.field != Field::Warheads);
            }
            list.retain(|change| !change.changes.is_empty());
        }
        let start = Time::start_of(update.as_of());
        let later: Vec<Admitted> = self
            .admitted
            .iter()
            .filter_map(|a| {
                let events: Vec<Event> = a.notice.events.iter().filter(|e| e.at >= start).cloned().collect();
                (!events.is_empty()).then(|| Admitted { notice: Notice { events, ..a.notice.clone() }, ..a.clone() })
            })
            .collect();
        let mut rebased = Ledger::new(update, self.vocabulary.clone());
        for admitted in later {
            let sequence = admitted.sequence;
            rebased.admit(admitted).map_err(|error| RebaseError::LaterEvent { sequence, error })?;
        }
        *self = rebased;
        Ok(unexplained)
    }
}

impl Lookup for Ledger {
    fn kind_of(&self, uid: &str) -> Option<&str> {
        self.current.by_uid.get(uid).map(|&i| self.current.items[i].kind.as_str())
    }

    fn has_facility(&self, id: &str) -> bool {
        self.current.header.facilities.iter().any(|f| f.id == id)
    }
}

/// Why a six-monthly update cannot become the full declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebaseError {
    #[error("the update is as of {update}, not after the declaration it would replace, as of {base}")]
    NotNewer { update: Date, base: Date },
    #[error(transparent)]
    OtherParty(#[from] DiffError),
    #[error("notification {sequence}, about a later moment, no longer applies on top of the update: {error}")]
    LaterEvent { sequence: u64, error: EventError },
}

impl Replay {
    const ALL: Replay = Replay { before: None, known: None, check_from: None };
}

/// The (notice, event) positions a replay applies, in the order things
/// happened; events of one moment in the order they were admitted.
fn ordered(notices: &[&Admitted], only: Replay) -> Vec<(usize, usize)> {
    let mut steps: Vec<(Time, usize, usize)> = Vec::new();
    for (n, admitted) in notices.iter().enumerate() {
        if only.known.is_some_and(|known| admitted.provided.is_none_or(|provided| provided > known)) {
            continue;
        }
        for (e, event) in admitted.notice.events.iter().enumerate() {
            if only.before.is_none_or(|before| event.at < before) {
                steps.push((event.at, n, e));
            }
        }
    }
    steps.sort_unstable();
    steps.into_iter().map(|(_, n, e)| (n, e)).collect()
}

/// Applies the events of `notices` to `state`. After the events of each
/// moment from `check_from` on, the database must still be one a
/// declaration could hold; errors name the field of notice `blamed`, the
/// one being admitted.
fn replay(
    state: &mut State,
    notices: &[&Admitted],
    blamed: usize,
    only: Replay,
    vocabulary: &Vocabulary,
) -> Result<(), EventError> {
    let order = ordered(notices, only);
    let mut facilities_added = vec![false; notices.len()];
    for (i, &(n, e)) in order.iter().enumerate() {
        let notice = &notices[n].notice;
        if !std::mem::replace(&mut facilities_added[n], true) {
            state.add_facilities(&notice.facilities).map_err(|error| blame(error, n == blamed, notices[n]))?;
        }
        let path = if n == blamed { format!("events[{e}]") } else { String::new() };
        state.apply(&notice.events[e], &path).map_err(|error| blame(error, n == blamed, notices[n]))?;
        let at = notice.events[e].at;
        let moment_ends = order.get(i + 1).is_none_or(|&(n2, e2)| notices[n2].notice.events[e2].at != at);
        if !moment_ends {
            continue;
        }
        if only.check_from.is_none_or(|from| at < from) {
            // A moment before the ones checked held when it was admitted.
            state.settle();
        } else if let Err(error) = state.check(at.date(), vocabulary) {
            let moment: Vec<(usize, usize)> = order[..=i]
                .iter()
                .copied()
                .filter(|&(n2, e2)| n2 == blamed && notices[n2].notice.events[e2].at == at)
                .collect();
            return Err(unsound(error, at, &moment, notices));
        }
    }
    Ok(())
}

/// An error in a notice admitted earlier can only come from a replay that
/// the new notice's events made fail; it is said as such.
fn blame(error: EventError, is_new: bool, admitted: &Admitted) -> EventError {
    if is_new {
        return error;
    }
    EventError::new(
        "events",
        format!("they would leave notification {} unable to apply: {}", admitted.sequence, error.message),
    )
}

/// The database a moment's events would leave cannot be declared: the
/// error names the new notice's event on the item at fault, and the event's
/// field behind the declaration's field where there is one.
fn unsound(error: DecodeError, at: Time, moment: &[(usize, usize)], notices: &[&Admitted]) -> EventError {
    let on_item = moment.iter().find(|&&(n, e)| Some(&notices[n].notice.events[e].uid) == error.uid.as_ref());
    let Some(&(n, e)) = on_item.or(moment.first()) else {
        return EventError::new("events", format!("on {at} the database would not hold: {error}"));
    };
    let event = &notices[n].notice.events[e];
    let field = error.field.as_deref().map(|field| change_field(&event.change, field)).unwrap_or_default();
    let message = match &error.uid {
        Some(uid) => format!("on {at}, {uid}: {}", error.message),
        None => format!("on {at}: {}", error.message),
    };
    EventError::new(format!("events[{e}]{field}"), message)
}

/// The field of a change that set a declaration's field, such as
/// `.change.launcher` behind `launcher`.
fn change_field(change: &Change, field: &str) -> String {
    let own = match change {
        Change::Created { .. } => Some(if field == "type" { "type" } else { field }),
        Change::Moved { .. } if field == "facility" => Some("to"),
        Change::StatusChanged { .. } if field == "status" => Some("to"),
        Change::Loaded { .. } | Change::Unloaded { .. } if field == "launcher" || field == "status" => Some("launcher"),
        Change::Converted { .. } if field == "armament" || field == "warheads" => Some("armament"),
        _ => None,
    };
    own.map_or_else(String::new, |own| format!(".change.{own}"))
}
