//! What a node knows, derived from its record: each party's database over
//! time (a ledger per party), the notifications listed, and the findings.
//! Nothing here is kept anywhere else: a node rebuilds its book from its
//! record when it starts, so the record stays the one source of truth.

use std::collections::BTreeMap;
use std::sync::Arc;

use detente_core::ledger::{Admitted, Ledger};
use detente_core::{Declaration, Notice, Party, Time};
use detente_treaty::notification::Carries;
use detente_treaty::{Catalogue, Count, Finding, Options, Treaty, count, unnotified};
use serde::Serialize;

/// A notification as the node lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub party: Party,
    pub sequence: u64,
    pub kind: String,
    /// When the sender's record took it.
    pub recorded: Time,
    /// When it was due by, where its kind's anchor is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Time>,
    /// When it was provided, as the first receipt for it says: the moment
    /// the Protocol counts. `None` until a receipt is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provided: Option<Time>,
    /// Whether it came after its deadline: provided after it, or, with no
    /// receipt yet, recorded after it.
    pub late: bool,
    pub events: usize,
    pub leaf_hash: String,
}

/// A finding about a party, and the reading it holds under when a count
/// found it.
#[derive(Debug, Clone, Serialize)]
pub struct Noted {
    pub party: Party,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<Party>,
    pub finding: Finding,
}

/// Why a notification or a declaration is refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {message}")]
pub struct Refused {
    pub field: String,
    pub message: String,
}

impl Refused {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Refused {
        Refused { field: field.into(), message: message.into() }
    }
}

/// A notification admitted to its sender's ledger, listed once its entry
/// is recorded (at once for another party's entry, which is signed already).
#[derive(Debug)]
pub struct Pending {
    party: Party,
    kind: String,
    sequence: u64,
    due: Option<Time>,
    events: usize,
}

impl Pending {
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

#[derive(Debug)]
pub struct Book {
    catalogue: Arc<Catalogue>,
    treaty: String,
    ledgers: BTreeMap<Party, Ledger>,
    /// The as-of dates of every declaration recorded, per party.
    declared: BTreeMap<Party, Vec<detente_core::Date>>,
    listed: Vec<Listed>,
    /// Where each party's notification is in `listed`, by its sequence.
    places: std::collections::HashMap<(Party, u64), usize>,
    findings: Vec<(Party, Finding)>,
    /// Per peer, the last of its entries this node received, and the
    /// receipt it gave for each: a duplicate gets the same receipt again.
    received: BTreeMap<Party, u64>,
    /// Per peer, the last of its entries this node has seen in order,
    /// delivered or only shown (its receipts). Not in the record: after a
    /// restart the peer is asked again from the last entry received.
    seen: BTreeMap<Party, u64>,
    receipts: std::collections::HashMap<(Party, u64), Vec<u8>>,
    /// Per peer, the last of this node's entries it acknowledged.
    delivered: BTreeMap<Party, u64>,
}

impl Book {
    pub fn new(catalogue: Arc<Catalogue>, treaty: &str) -> Book {
        Book {
            catalogue,
            treaty: treaty.to_owned(),
            ledgers: BTreeMap::new(),
            declared: BTreeMap::new(),
            listed: Vec::new(),
            places: std::collections::HashMap::new(),
            findings: Vec::new(),
            received: BTreeMap::new(),
            seen: BTreeMap::new(),
            receipts: std::collections::HashMap::new(),
            delivered: BTreeMap::new(),
        }
    }

    /// The last entry of `peer` this node received.
    pub fn received(&self, peer: &Party) -> Option<u64> {
        self.received.get(peer).copied()
    }

    /// The entry of `peer` this node takes next: every one before it was
    /// received, or shown as one a peer is not sent.
    pub fn expected(&self, peer: &Party) -> u64 {
        let received = self.received(peer).map_or(0, |r| r + 1);
        received.max(self.seen.get(peer).map_or(0, |s| s + 1))
    }

    /// Notes that `peer`'s entries up to `sequence` were seen in order.
    pub fn note_seen(&mut self, peer: &Party, sequence: u64) {
        let last = self.seen.entry(peer.clone()).or_insert(sequence);
        *last = (*last).max(sequence);
    }

    /// The receipt this node gave for entry `sequence` of `peer`.
    pub fn receipt(&self, peer: &Party, sequence: u64) -> Option<&[u8]> {
        self.receipts.get(&(peer.clone(), sequence)).map(Vec::as_slice)
    }

    /// Notes that this node received entry `sequence` of `peer` and gave
    /// `receipt` for it.
    pub fn note_received(&mut self, peer: &Party, sequence: u64, receipt: Vec<u8>) {
        let last = self.received.entry(peer.clone()).or_insert(sequence);
        *last = (*last).max(sequence);
        self.receipts.insert((peer.clone(), sequence), receipt);
    }

    /// Notes when `party`'s notification `sequence` was provided; the
    /// first receipt counts.
    pub fn provided(&mut self, party: &Party, sequence: u64, at: Time) {
        let Some(listed) = self.places.get(&(party.clone(), sequence)).map(|&i| &mut self.listed[i]) else {
            return;
        };
        if listed.provided.is_none() {
            listed.provided = Some(at);
            listed.late = listed.due.is_some_and(|due| at > due);
            if let Some(ledger) = self.ledgers.get_mut(party) {
                ledger.provided(sequence, at);
            }
        }
    }

    /// The last of this node's entries `peer` acknowledged.
    pub fn delivered(&self, peer: &Party) -> Option<u64> {
        self.delivered.get(peer).copied()
    }

    /// Notes `peer`'s receipt for this node's entry `sequence`, received at
    /// `at`: the moment the Protocol counts it provided.
    pub fn note_delivered(&mut self, own: &Party, peer: &Party, sequence: u64, at: Time) {
        let last = self.delivered.entry(peer.clone()).or_insert(sequence);
        *last = (*last).max(sequence);
        self.provided(own, sequence, at);
    }

    pub fn treaty(&self) -> &Treaty {
        self.catalogue.treaty(&self.treaty).expect("the node's treaty is in its catalogue")
    }

    pub fn ledger(&self, party: &Party) -> Option<&Ledger> {
        self.ledgers.get(party)
    }

    pub fn listed(&self) -> &[Listed] {
        &self.listed
    }

    /// Admits a notification of `party`, numbered `sequence` in its
    /// record: its kind is the treaty's, it carries what the kind says, and
    /// its events hold against the party's database. Refused, it changes
    /// nothing; admitted, it is in the party's ledger, and is listed by
    /// [`Book::list`] once recorded.
    pub fn admit(&mut self, party: &Party, kind: &str, notice: Notice, sequence: u64) -> Result<Pending, Refused> {
        let catalogue = Arc::clone(&self.catalogue);
        let treaty = catalogue.treaty(&self.treaty).expect("the node's treaty is in its catalogue");
        let Some(definition) = treaty.notifications.iter().find(|k| k.id == kind) else {
            let known: Vec<&str> = treaty.notifications.iter().map(|k| k.id.as_str()).collect();
            return Err(Refused::new(
                "kind",
                format!("{} defines no kind {kind:?}; it has {}", treaty.id, known.join(", ")),
            ));
        };
        if definition.carries == Carries::Declaration {
            return Err(Refused::new("kind", format!("a {kind} carries a whole declaration: submit it as one")));
        }
        let due = definition.due_by(&notice, None, &treaty.dates);
        let events = notice.events.len();
        let pending = Pending { party: party.clone(), kind: kind.to_owned(), sequence, due, events };
        let Some(ledger) = self.ledgers.get_mut(party) else {
            // A notice of named fields (a launch) needs no database: under
            // an agreement with no declarations, such as the launch
            // agreements, a party sends them from the start. Any field
            // naming an item or a facility is then refused, as unknown.
            if definition.carries != Carries::Notice {
                return Err(Refused::new("party", format!("{party} has declared no database yet")));
            }
            definition.check(&notice, &NoDatabase).map_err(|e| Refused::new(e.path, e.message))?;
            return Ok(pending);
        };
        definition.check(&notice, &*ledger).map_err(|e| Refused::new(e.path, e.message))?;
        let admitted = Admitted { sequence, kind: kind.to_owned(), provided: None, notice };
        ledger.admit(admitted).map_err(|e| Refused::new(e.path, e.message))?;
        Ok(pending)
    }

    /// Lists an admitted notification, recorded at `recorded` as the
    /// entry with `leaf_hash`.
    pub fn list(&mut self, pending: Pending, recorded: Time, leaf_hash: String) {
        let Pending { party, kind, sequence, due, events } = pending;
        let late = due.is_some_and(|due| recorded > due);
        self.places.entry((party.clone(), sequence)).or_insert(self.listed.len());
        self.listed.push(Listed { party, sequence, kind, recorded, due, provided: None, late, events, leaf_hash });
    }

    /// Keeps a full declaration: the first of a party starts its ledger,
    /// a later one is its six-monthly update, checked against the events
    /// since the last.
    pub fn declare(&mut self, declaration: Declaration) -> Result<(), Refused> {
        let party = declaration.party().clone();
        let as_of = declaration.as_of();
        match self.ledgers.get_mut(&party) {
            None => {
                self.ledgers.insert(party.clone(), Ledger::new(declaration, self.catalogue.vocabulary()));
            }
            Some(ledger) => {
                let mut next = ledger.clone();
                let difference = next.rebase(declaration).map_err(|e| Refused::new("as-of", e.to_string()))?;
                *ledger = next;
                self.findings.extend(unnotified(&difference).into_iter().map(|f| (party.clone(), f)));
            }
        }
        self.declared.entry(party).or_default().push(as_of);
        Ok(())
    }

    /// Every finding: those kept as notifications came, the data
    /// exchanges that fell due by `now` without arriving since each party's
    /// first declaration, and the limits exceeded under each reading.
    pub fn findings(&self, now: Time) -> Vec<Noted> {
        let noted = |party: &Party, reading: Option<&Party>, finding| Noted {
            party: party.clone(),
            reading: reading.cloned(),
            finding,
        };
        let mut findings: Vec<Noted> = self.findings.iter().map(|(p, f)| noted(p, None, f.clone())).collect();
        for listed in self.listed.iter().filter(|l| l.late) {
            let (due, provided) = (listed.due.expect("late means due"), listed.provided.unwrap_or(listed.recorded));
            let finding = Finding::LateNotification {
                kind: listed.kind.clone(),
                sequence: listed.sequence,
                due,
                provided,
                seconds_late: due.seconds_until(provided),
            };
            findings.push(noted(&listed.party, None, finding));
        }
        let treaty = self.treaty();
        for (party, dates) in &self.declared {
            let given = self.exchanges_given(dates);
            let since = Time::start_of(dates[0]);
            for missing in treaty.missing(&given, since, now) {
                let finding =
                    Finding::MissingNotification { kind: missing.kind, as_of: missing.as_of, due: missing.due };
                findings.push(noted(party, None, finding));
            }
        }
        for (party, ledger) in &self.ledgers {
            for (reader, count) in self.counts_of(ledger) {
                let limits = count.findings.into_iter().filter(|f| matches!(f, Finding::LimitExceeded { .. }));
                findings.extend(limits.map(|f| noted(party, Some(&reader), f)));
            }
        }
        findings
    }

    /// The data exchanges each party has to give next, after `now`.
    pub fn deadlines(&self, now: Time) -> Vec<(Party, detente_treaty::notification::Missing)> {
        let treaty = self.treaty();
        let mut deadlines: Vec<_> = treaty
            .parties
            .iter()
            .flat_map(|party| {
                let dates = self.declared.get(party).map_or(&[][..], Vec::as_slice);
                treaty.upcoming(&self.exchanges_given(dates), now).into_iter().map(|d| (party.clone(), d))
            })
            .collect();
        deadlines.sort_by_key(|(party, d)| (d.due, party.clone()));
        deadlines
    }

    /// A declaration entry names no kind: a declaration of a date stands
    /// for whichever data exchange falls on it.
    fn exchanges_given<'a>(&'a self, dates: &[detente_core::Date]) -> Vec<(&'a str, detente_core::Date)> {
        let exchanges = self.treaty().notifications.iter().filter(|k| k.carries == Carries::Declaration);
        exchanges.flat_map(|k| dates.iter().map(|&d| (k.id.as_str(), d))).collect()
    }

    /// Each party's database now, counted under each party's reading.
    pub fn counts(&self) -> BTreeMap<Party, BTreeMap<Party, Count>> {
        self.ledgers.iter().map(|(party, ledger)| (party.clone(), self.counts_of(ledger))).collect()
    }

    fn counts_of(&self, ledger: &Ledger) -> BTreeMap<Party, Count> {
        let treaty = self.treaty();
        let database = ledger.now();
        treaty
            .parties
            .iter()
            .map(|reader| {
                let reading = self.catalogue.interpretation(&treaty.id, reader);
                (reader.clone(), count(treaty, &database, reading, Options::default()))
            })
            .collect()
    }
}

/// The database of a party that has declared none: no items, no facilities.
struct NoDatabase;

impl detente_core::declaration::Lookup for NoDatabase {
    fn kind_of(&self, _uid: &str) -> Option<&str> {
        None
    }

    fn has_facility(&self, _id: &str) -> bool {
        false
    }
}
