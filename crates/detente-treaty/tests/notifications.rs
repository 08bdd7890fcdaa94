//! Notification kinds as the treaty files define them: what each may carry,
//! when it is due against the clock passed in, and which data exchanges
//! never came.

use detente_core::codec::read_csv;
use detente_core::ledger::{Admitted, Ledger};
use detente_core::{Change, Declaration, Event, Notice, Status, Time};
use detente_treaty::notification::{Timeliness, timeliness};
use detente_treaty::{Catalogue, Finding, Treaty, TreatyError, unnotified};

const NEW_START: &str = include_str!("../../../data/treaties/new-start.toml");
const US_2020: &str = include_str!("../../../data/declarations/us-2020-09-01.csv");

fn new_start() -> Treaty {
    Treaty::from_toml(NEW_START).unwrap()
}

fn us_2020() -> Declaration {
    let mut catalogue = Catalogue::default();
    catalogue.add_treaty("new-start", NEW_START).unwrap();
    read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap()
}

fn time(text: &str) -> Time {
    text.parse().unwrap()
}

fn events(events: Vec<Event>) -> Notice {
    Notice { events, ..Notice::default() }
}

fn fields(pairs: &[(&str, &str)]) -> Notice {
    Notice { fields: pairs.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect(), ..Notice::default() }
}

fn a_bomber(database: &Declaration, status: Status) -> (String, String) {
    let spec = database.specs().find(|s| s.kind == "heavy-bomber" && s.status == status).unwrap();
    (spec.uid.to_owned(), spec.facility.to_owned())
}

#[test]
fn each_kind_carries_only_what_the_treaty_file_says() {
    let treaty = new_start();
    let kind = |id: &str| treaty.notifications.iter().find(|n| n.id == id).unwrap();
    let database = us_2020();
    let (bomber, base) = a_bomber(&database, Status::Deployed);
    let moved = Event {
        uid: bomber.clone(),
        at: time("2020-10-01T00:00:00Z"),
        change: Change::Moved { from: base, to: "EDWARDS".into() },
    };
    kind("movement").check(&events(vec![moved.clone()]), &database).unwrap();
    kind("heavy-bomber-visit").check(&events(vec![moved.clone()]), &database).unwrap();

    let error = kind("change-in-data").check(&events(vec![moved]), &database).unwrap_err();
    assert_eq!(error.path, "events[0].change.what");
    assert!(error.message.contains("not moved"), "{error}");

    let silo = database.specs().find(|s| s.kind == "icbm-launcher").unwrap();
    let silo_moved = Event {
        uid: silo.uid.into(),
        at: time("2020-10-01T00:00:00Z"),
        change: Change::Moved { from: silo.facility.into(), to: "HILL".into() },
    };
    let error = kind("heavy-bomber-visit").check(&events(vec![silo_moved]), &database).unwrap_err();
    assert_eq!(error.path, "events[0].uid");
    assert_eq!(kind("change-in-data").check(&Notice::default(), &database).unwrap_err().path, "events");

    let launch = kind("launch");
    let good = [("launch", "2020-10-05T06:00:00Z"), ("launch-area", "Vandenberg"), ("impact-area", "Kwajalein")];
    launch.check(&fields(&good), &database).unwrap();
    assert_eq!(launch.check(&fields(&good[..2]), &database).unwrap_err().path, "fields.impact-area");
    let with_speed = [good.as_slice(), &[("speed", "fast")]].concat();
    assert_eq!(launch.check(&fields(&with_speed), &database).unwrap_err().path, "fields.speed");
    let bad_time = [("launch", "tomorrow"), good[1], good[2]];
    let error = launch.check(&fields(&bad_time), &database).unwrap_err();
    assert_eq!(error.path, "fields.launch");
    assert!(error.message.contains("YYYY-MM-DDTHH:MM:SSZ"), "{error}");
    assert_eq!(kind("six-monthly-update").check(&fields(&good), &database).unwrap_err().path, "fields");
}

#[test]
fn deadlines_run_from_the_anchor_the_file_names() {
    let treaty = new_start();
    let kind = |id: &str| treaty.notifications.iter().find(|n| n.id == id).unwrap();
    let database = us_2020();
    let (bomber, _) = a_bomber(&database, Status::Deployed);
    let change = Change::Converted { armament: Some(detente_core::Armament::NonNuclear) };
    let notice = events(vec![
        Event { uid: bomber.clone(), at: time("2020-10-03T00:00:00Z"), change: change.clone() },
        Event { uid: bomber, at: time("2020-10-01T12:00:00Z"), change },
    ]);
    // The earliest event sets the deadline: 5 days after it.
    let due = kind("change-in-data").due_by(&notice, None, &treaty.dates).unwrap();
    assert_eq!(due, time("2020-10-06T12:00:00Z"));
    assert_eq!(timeliness(due, due), Timeliness::OnTime { due });
    assert_eq!(timeliness(due, due.add_hours(2)), Timeliness::Late { due, seconds_late: 7200 });

    // Advance notice: a launch is notified at least 24 hours before.
    let launch = fields(&[("launch", "2020-10-05T06:00:00Z"), ("launch-area", "a"), ("impact-area", "b")]);
    assert_eq!(kind("launch").due_by(&launch, None, &treaty.dates), Some(time("2020-10-04T06:00:00Z")));
    let update =
        kind("six-monthly-update").due_by(&Notice::default(), Some("2021-03-01".parse().unwrap()), &treaty.dates);
    assert_eq!(update, Some(time("2021-03-31T00:00:00Z")));
    let initial = kind("initial-database").due_by(&Notice::default(), None, &treaty.dates);
    assert_eq!(initial, Some(time("2011-03-22T00:00:00Z")));
    assert_eq!(kind("change-in-data").due_by(&Notice::default(), None, &treaty.dates), None);
}

#[test]
fn missing_exchanges_are_found_against_the_clock_passed_in() {
    let treaty = new_start();
    let given =
        [("six-monthly-update", "2020-09-01".parse().unwrap()), ("six-monthly-update", "2021-03-01".parse().unwrap())];
    let since = time("2020-09-01T00:00:00Z");
    let missing = treaty.missing(&given, since, time("2021-10-15T00:00:00Z"));
    let as_ofs: Vec<String> = missing.iter().map(|m| m.as_of.to_string()).collect();
    assert_eq!(as_ofs, ["2021-09-01"]);
    assert_eq!(missing[0].due, time("2021-10-01T00:00:00Z"));
    // The day before it is due, it is not missing yet.
    assert!(treaty.missing(&given, since, time("2021-09-30T23:59:59Z")).is_empty());
    // No update falls due after the treaty's end.
    let late = treaty.missing(&[], time("2025-09-15T00:00:00Z"), time("2026-12-01T00:00:00Z"));
    let as_ofs: Vec<String> = late.iter().map(|m| m.as_of.to_string()).collect();
    assert_eq!(as_ofs, ["2025-09-01"]);
}

#[test]
fn the_next_scheduled_exchange_is_found_until_the_treaty_ends() {
    let treaty = new_start();
    let given = [("six-monthly-update", "2020-09-01".parse().unwrap())];
    let next = treaty.upcoming(&given, time("2020-10-10T00:00:00Z"));
    let found: Vec<(String, String, String)> =
        next.iter().map(|m| (m.kind.clone(), m.as_of.to_string(), m.due.to_string())).collect();
    assert_eq!(found, [("six-monthly-update".into(), "2021-03-01".into(), "2021-03-31T00:00:00Z".into())]);
    // Before its deadline, an exchange not yet given is still the next one.
    let pending = treaty.upcoming(&[], time("2020-09-15T00:00:00Z"));
    assert_eq!(pending[0].as_of.to_string(), "2020-09-01");
    // After the treaty's end nothing is due.
    assert!(treaty.upcoming(&[], time("2026-12-01T00:00:00Z")).is_empty());
}

#[test]
fn an_update_showing_an_unnotified_change_is_a_finding_and_warheads_are_not() {
    let database = us_2020();
    let mut catalogue = Catalogue::default();
    catalogue.add_treaty("new-start", NEW_START).unwrap();
    let vocabulary = catalogue.vocabulary();
    let mut ledger = Ledger::new(database.clone(), vocabulary.clone());
    let (bomber, _) = a_bomber(&database, Status::NonDeployed);
    let event = Event {
        uid: bomber.clone(),
        at: time("2020-11-02T00:00:00Z"),
        change: Change::StatusChanged { from: Status::NonDeployed, to: Status::Deployed },
    };
    let admitted = Admitted { sequence: 7, kind: "change-in-data".into(), provided: None, notice: events(vec![event]) };
    ledger.admit(admitted).unwrap();
    let (other, other_base) = a_bomber(&database, Status::Deployed);
    assert_ne!(other, bomber);
    let mut update = US_2020.replace("# as-of: 2020-09-01", "# as-of: 2021-03-01");
    for line in update.clone().lines() {
        if line.starts_with(&format!("{bomber},")) {
            update = update.replace(line, &line.replace(",non-deployed,", ",deployed,"));
        }
        if line.starts_with(&format!("{other},")) {
            update = update.replace(line, &line.replace(&format!(",{other_base},"), ",EDWARDS,"));
        }
    }
    let trident = "slbm,Trident II,BANGOR,deployed,4,";
    let more = update.replacen(trident, "slbm,Trident II,BANGOR,deployed,5,", 1);
    let update = read_csv(more.as_bytes(), &vocabulary).unwrap();
    let findings = unnotified(&ledger.rebase(update).unwrap());
    assert_eq!(findings.len(), 1, "{findings:?}");
    let Finding::UnnotifiedChange { uid, change, fields, .. } = &findings[0] else { panic!("{findings:?}") };
    assert_eq!((uid, change.as_str(), fields.as_slice()), (&other, "moved", ["facility".to_owned()].as_slice()));
    assert!(findings[0].to_string().contains("no notification reported"), "{}", findings[0]);
}

#[test]
fn kinds_that_contradict_themselves_are_refused_naming_the_field() {
    let kinds = NEW_START.split("\n[[notifications]]").next().unwrap();
    let with = |kind: &str| format!("{kinds}\n[[notifications]]\n{kind}");
    let error = |kind: &str| match Treaty::from_toml(&with(kind)) {
        Err(TreatyError::Field { path, message }) => (path, message),
        other => panic!("{other:?}"),
    };
    let base = "id = \"x\"\nname = \"X\"\nsource = \"protocol-part-four\"\n";
    let cases = [
        ("due = { after = \"5d\" }\ncarries = \"notice\"\n", "notifications[0].due.anchor"),
        ("due = { after = \"5d\" }\ncarries = \"events\"\ntriggers = [\"launched\"]\n", "notifications[0].triggers[0]"),
        ("due = { after = \"5d\" }\ncarries = \"events\"\n", "notifications[0].triggers"),
        ("due = { after = \"5d\", anchor = \"as-of\" }\ncarries = \"declaration\"\n", "notifications[0].due.anchor"),
        (
            "due = { before = \"1d\", anchor = \"at\" }\ncarries = \"notice\"\nfields = [{ name = \"at\", type = \"text\", description = \"d\" }]\n",
            "notifications[0].due.anchor",
        ),
        (
            "due = { after = \"5d\" }\ncarries = \"events\"\ntriggers = [\"moved\"]\nunverified = [\"deadline\"]\n",
            "notifications[0].assumption",
        ),
        (
            "due = { after = \"5d\" }\ncarries = \"events\"\ntriggers = [\"moved\"]\nassumption = \"a\"\n",
            "notifications[0].assumption",
        ),
        (
            "due = { after = \"5d\" }\ncarries = \"events\"\ntriggers = [\"moved\"]\nitem_kinds = [\"tank\"]\n",
            "notifications[0].item_kinds[0]",
        ),
        (
            "due = { after = \"5d\", anchor = \"entry-into-force\" }\ncarries = \"notice\"\ntriggers = [\"moved\"]\n",
            "notifications[0].triggers",
        ),
    ];
    for (kind, path) in cases {
        assert_eq!(error(&format!("{base}{kind}")).0, path, "{kind}");
    }
    let (_, message) = error(&format!("{base}due = {{ after = \"5d\", anchor = \"start\" }}\ncarries = \"notice\"\n"));
    assert!(message.contains("time field"), "{message}");
}
