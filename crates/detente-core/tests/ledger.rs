//! A party's database over time: events applied to its last full
//! declaration in the order they happened, refused when they contradict it,
//! and checked against the next six-monthly update.

use detente_core::codec::read_csv;
use detente_core::diff::Field;
use detente_core::ledger::{Admitted, EventError, Ledger, RebaseError};
use detente_core::{Armament, Change, Declaration, Event, Facility, Notice, Status, Time, Vocabulary};

fn vocabulary() -> Vocabulary {
    Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"])
}

/// A small US database: Minuteman III launchers and missiles at a base
/// and in storage, and two B-52H bombers.
const BASE: &str = include_str!("data/ledger-base.csv");

fn declaration(text: &str) -> Declaration {
    read_csv(text.as_bytes(), &vocabulary()).unwrap()
}

fn ledger() -> Ledger {
    Ledger::new(declaration(BASE), vocabulary())
}

fn time(text: &str) -> Time {
    text.parse().unwrap()
}

fn event(uid: &str, at: &str, change: Change) -> Event {
    Event { uid: uid.into(), at: time(at), change }
}

fn notice(sequence: u64, events: Vec<Event>) -> Admitted {
    Admitted { sequence, kind: "change-in-data".into(), provided: None, notice: Notice { events, ..Notice::default() } }
}

fn moved(from: &str, to: &str) -> Change {
    Change::Moved { from: from.into(), to: to.into() }
}

fn status_changed(from: Status, to: Status) -> Change {
    Change::StatusChanged { from, to }
}

fn item_status(declaration: &Declaration, uid: &str) -> (String, Status, Option<Armament>) {
    let spec = declaration.specs().find(|s| s.uid == uid).expect("item declared");
    (spec.facility.to_owned(), spec.status, spec.armament)
}

fn refused(ledger: &mut Ledger, admitted: Admitted) -> EventError {
    let before = (ledger.admitted().len(), format!("{:?}", ledger.now()));
    let error = ledger.admit(admitted).expect_err("should be refused");
    assert_eq!((ledger.admitted().len(), format!("{:?}", ledger.now())), before, "a refusal changes nothing");
    error
}

#[test]
fn a_conversion_changes_the_database_from_its_moment_on() {
    let mut ledger = ledger();
    let converted = Change::Converted { armament: Some(Armament::NonNuclear) };
    ledger.admit(notice(1, vec![event("B1", "2020-10-03T10:00:00Z", converted.clone())])).unwrap();
    let as_declared = ("BARKSDALE".to_owned(), Status::Deployed, Some(Armament::Nuclear));
    assert_eq!(item_status(&ledger.as_of("2020-10-03".parse().unwrap()), "B1"), as_declared);
    let after = ("BARKSDALE".to_owned(), Status::Converted, Some(Armament::NonNuclear));
    assert_eq!(item_status(&ledger.as_of("2020-10-04".parse().unwrap()), "B1"), after);
    assert_eq!(item_status(&ledger.now(), "B1"), after);
    // The moment itself: the database at an instant holds what happened before it.
    assert_eq!(item_status(&ledger.at(time("2020-10-03T10:00:00Z")), "B1").1, Status::Deployed);
    assert_eq!(item_status(&ledger.at(time("2020-10-03T10:00:01Z")), "B1").1, Status::Converted);

    let history = ledger.history("B1").unwrap();
    assert_eq!(history.declared.as_ref().unwrap().status, Status::Deployed);
    assert_eq!(history.steps.len(), 1);
    assert_eq!((history.steps[0].sequence, &history.steps[0].change), (1, &converted));
    assert_eq!(history.steps[0].after.status, Status::Converted);
    assert!(ledger.history("B9").is_none());
}

#[test]
fn events_that_contradict_the_database_are_refused_naming_the_field() {
    let mut ledger = ledger();
    let error = refused(&mut ledger, notice(1, vec![event("B2", "2020-10-01T00:00:00Z", moved("BARKSDALE", "HILL"))]));
    assert_eq!(error.path, "events[0].change.from");
    assert!(error.message.contains("B2 is at MINOT"), "{error}");

    let error = refused(&mut ledger, notice(1, vec![event("B7", "2020-10-01T00:00:00Z", Change::Eliminated)]));
    assert_eq!(error.path, "events[0].uid");

    let wrong_status = status_changed(Status::NonDeployed, Status::Deployed);
    let error = refused(&mut ledger, notice(1, vec![event("B1", "2020-10-01T00:00:00Z", wrong_status)]));
    assert_eq!(error.path, "events[0].change.from");
    assert!(error.message.contains("B1 is deployed"), "{error}");

    // A bomber equipped for non-nuclear armaments cannot carry warheads.
    let armed = Change::Created {
        kind: "heavy-bomber".into(),
        type_name: "B-52H".into(),
        facility: "BARKSDALE".into(),
        status: Status::Converted,
        armament: Some(Armament::NonNuclear),
        warheads: 2,
        range_km: None,
        launcher: None,
    };
    let error = refused(&mut ledger, notice(1, vec![event("B3", "2020-10-01T00:00:00Z", armed)]));
    assert_eq!(error.path, "events[0].change.warheads");

    let error = refused(&mut ledger, notice(1, vec![event("B1", "2020-08-31T23:59:59Z", Change::Eliminated)]));
    assert_eq!(error.path, "events[0].at");
    assert!(error.message.contains("as of 2020-09-01"), "{error}");

    // A move to a facility nobody declared.
    let error = refused(&mut ledger, notice(1, vec![event("B2", "2020-10-01T00:00:00Z", moved("MINOT", "GUAM"))]));
    assert_eq!(error.path, "events[0].change.to");
}

#[test]
fn the_events_of_one_moment_hold_together() {
    let mut ledger = ledger();
    // Loading a missile alone leaves it non-deployed in a non-deployed
    // launcher at another facility: the declaration could not hold it.
    let error = refused(
        &mut ledger,
        notice(1, vec![event("M2", "2020-10-01T00:00:00Z", Change::Loaded { launcher: "L2".into() })]),
    );
    assert_eq!(error.path, "events[0].change.launcher");
    let at = "2020-10-01T00:00:00Z";
    let events = vec![
        event("M2", at, moved("HILL", "MINOT")),
        event("M2", at, Change::Loaded { launcher: "L2".into() }),
        event("M2", at, status_changed(Status::NonDeployed, Status::Deployed)),
        event("L2", at, status_changed(Status::NonDeployed, Status::Deployed)),
    ];
    ledger.admit(notice(1, events)).unwrap();
    let now = ledger.now();
    let m2 = now.items().iter().find(|i| &*i.uid == "M2").unwrap();
    assert_eq!(now.launcher_of(m2).map(|l| &*l.uid), Some("L2"));
}

#[test]
fn a_late_event_is_applied_in_the_order_things_happened() {
    let mut ledger = ledger();
    ledger.admit(notice(1, vec![event("B2", "2020-10-10T00:00:00Z", moved("MINOT", "BARKSDALE"))])).unwrap();
    // Notified after the move, but it happened before it: B2 was deployed
    // until 2020-10-05, and the move still applies after it.
    let late = status_changed(Status::Deployed, Status::NonDeployed);
    ledger.admit(notice(2, vec![event("B2", "2020-10-05T00:00:00Z", late)])).unwrap();
    let history = ledger.history("B2").unwrap();
    let order: Vec<u64> = history.steps.iter().map(|s| s.sequence).collect();
    assert_eq!(order, [2, 1]);
    assert_eq!(item_status(&ledger.now(), "B2"), ("BARKSDALE".into(), Status::NonDeployed, Some(Armament::Nuclear)));

    // A late event that would break a later one is refused, naming it.
    let breaking = moved("MINOT", "HILL");
    let error = refused(&mut ledger, notice(3, vec![event("B2", "2020-10-07T00:00:00Z", breaking)]));
    assert!(error.message.contains("notification 1") && error.message.contains("B2 is at HILL"), "{error}");
}

#[test]
fn what_was_known_depends_on_when_it_was_provided() {
    let mut ledger = ledger();
    ledger.admit(notice(1, vec![event("B1", "2020-10-03T10:00:00Z", Change::Eliminated)])).unwrap();
    let (happened_after, received) = (time("2020-10-04T00:00:00Z"), time("2020-10-07T12:00:00Z"));
    assert!(ledger.provided(1, received));
    assert!(!ledger.provided(9, received));
    let before = ledger.known_at(happened_after, time("2020-10-06T00:00:00Z")).unwrap();
    assert_eq!(item_status(&before, "B1").1, Status::Deployed);
    let after = ledger.known_at(happened_after, received).unwrap();
    assert_eq!(item_status(&after, "B1").1, Status::Eliminated);
}

#[test]
fn new_facilities_come_with_the_notification_that_needs_them() {
    let mut ledger = ledger();
    let fairford = Facility { id: "FAIRFORD".into(), kind: "visit-location".into(), name: "RAF Fairford, UK".into() };
    let mut visit = notice(1, vec![event("B1", "2020-10-01T00:00:00Z", moved("BARKSDALE", "FAIRFORD"))]);
    visit.notice.facilities.push(fairford.clone());
    ledger.admit(visit).unwrap();
    assert_eq!(item_status(&ledger.now(), "B1").0, "FAIRFORD");
    let mut clash = notice(2, vec![event("B2", "2020-10-02T00:00:00Z", moved("MINOT", "FAIRFORD"))]);
    clash.notice.facilities.push(Facility { name: "somewhere else".into(), ..fairford });
    assert_eq!(refused(&mut ledger, clash).path, "facilities[0]");
}

#[test]
fn a_six_monthly_update_is_checked_against_the_events_since_the_last() {
    let mut ledger = ledger();
    ledger.admit(notice(1, vec![event("B1", "2020-10-03T10:00:00Z", moved("BARKSDALE", "MINOT"))])).unwrap();
    ledger.admit(notice(2, vec![event("B2", "2021-03-05T00:00:00Z", moved("MINOT", "BARKSDALE"))])).unwrap();
    // The update agrees with the event, changes a warhead number (which
    // only updates do), and shows a move nobody notified.
    let update = BASE
        .replace("as-of: 2020-09-01", "as-of: 2021-03-01")
        .replace("B1,heavy-bomber,B-52H,BARKSDALE", "B1,heavy-bomber,B-52H,MINOT")
        .replace("M1,icbm,Minuteman III,MINOT,deployed,1", "M1,icbm,Minuteman III,MINOT,deployed,2")
        .replace("M2,icbm,Minuteman III,HILL", "M2,icbm,Minuteman III,MINOT");
    let unexplained = ledger.rebase(declaration(&update)).unwrap();
    let moved_uids: Vec<&str> = unexplained.moved.iter().map(|c| c.uid.as_str()).collect();
    assert_eq!(moved_uids, ["M2"]);
    assert!(unexplained.changed.is_empty(), "warheads change through updates: {:?}", unexplained.changed);
    assert!(unexplained.moved[0].changes.iter().all(|c| c.field != Field::Warheads));
    // The update is the new base, and the event after it applies on top.
    assert_eq!(ledger.base().as_of().to_string(), "2021-03-01");
    assert_eq!(item_status(&ledger.now(), "B2").0, "BARKSDALE");
    assert_eq!(ledger.history("B1").unwrap().steps.len(), 0);

    let stale = declaration(BASE);
    assert!(matches!(ledger.rebase(stale), Err(RebaseError::NotNewer { .. })));
}

proptest::proptest! {
    /// Moves and status changes that hold in the order they happened are
    /// admitted when they arrive in that order. In any other order, an event
    /// may need one that has not arrived yet and be refused; whatever was
    /// admitted gives, at every moment, the database the same events give
    /// applied in the order they happened.
    #[test]
    fn arrival_order_does_not_change_the_database(
        steps in proptest::collection::vec((0usize..2, 0usize..3, proptest::bool::ANY), 1..12),
        arrival in proptest::collection::vec(proptest::num::usize::ANY, 12),
    ) {
        let facilities = ["MINOT", "BARKSDALE", "HILL"];
        let mut place = ["BARKSDALE", "MINOT"];
        let mut deployed = [true, true];
        let mut notices = Vec::new();
        for (i, &(bomber, to, flip)) in steps.iter().enumerate() {
            let uid = ["B1", "B2"][bomber];
            let at = Time::start_of("2020-09-01".parse().unwrap()).add_hours(i as i64 * 7);
            let change = if flip {
                let (from, to) = if deployed[bomber] { (Status::Deployed, Status::NonDeployed) } else { (Status::NonDeployed, Status::Deployed) };
                deployed[bomber] = !deployed[bomber];
                status_changed(from, to)
            } else if facilities[to] != place[bomber] {
                let change = moved(place[bomber], facilities[to]);
                place[bomber] = facilities[to];
                change
            } else {
                continue;
            };
            notices.push(notice(i as u64, vec![Event { uid: uid.into(), at, change }]));
        }
        let mut in_time = ledger();
        for admitted in notices.clone() {
            in_time.admit(admitted).unwrap();
        }
        let mut shuffled = notices.clone();
        for (i, pick) in arrival.iter().enumerate().take(shuffled.len()) {
            let j = i + pick % (shuffled.len() - i);
            shuffled.swap(i, j);
        }
        let mut any_order = ledger();
        let mut accepted = Vec::new();
        for admitted in shuffled {
            if any_order.admit(admitted.clone()).is_ok() {
                accepted.push(admitted);
            }
        }
        accepted.sort_by_key(|a| a.notice.events[0].at);
        let mut in_order = ledger();
        for admitted in accepted {
            in_order.admit(admitted).unwrap();
        }
        proptest::prop_assert_eq!(format!("{:?}", any_order.now()), format!("{:?}", in_order.now()));
        for hour in (0..12 * 7).step_by(3) {
            let at = Time::start_of("2020-09-01".parse().unwrap()).add_hours(hour);
            proptest::prop_assert_eq!(format!("{:?}", any_order.at(at)), format!("{:?}", in_order.at(at)));
        }
    }
}
