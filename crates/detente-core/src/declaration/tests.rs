use super::*;

fn header() -> Header {
    Header {
        party: "US".parse().unwrap(),
        as_of: "2020-09-01".parse().unwrap(),
        source: None,
        notes: vec![],
        facilities: vec![Facility { id: "MINOT".into(), kind: "icbm-base".into(), name: "Minot".into() }],
        links: true,
    }
}

fn spec<'a>(uid: &'a str, kind: &'a str) -> ItemSpec<'a> {
    ItemSpec {
        uid,
        kind,
        type_name: "Minuteman III",
        facility: "MINOT",
        status: Status::Deployed,
        armament: None,
        warheads: 1,
        range_km: None,
        launcher: None,
    }
}

#[test]
fn refuses_malformed_items_naming_the_field() {
    let vocabulary = Vocabulary::new(["icbm", "heavy-bomber"]);
    let mut builder = Builder::new(header(), &vocabulary).unwrap();
    builder.push(&spec("A1", "icbm")).unwrap();
    assert_eq!(builder.push(&spec("A 1", "icbm")).unwrap_err().field, "uid");
    assert_eq!(builder.push(&spec("A2", "icbn")).unwrap_err().field, "kind");
    assert_eq!(builder.push(&ItemSpec { facility: "NOWHERE", ..spec("A3", "icbm") }).unwrap_err().field, "facility");
    let bomber = ItemSpec { armament: Some(Armament::NonNuclear), warheads: 2, ..spec("A4", "heavy-bomber") };
    assert_eq!(builder.push(&bomber).unwrap_err().field, "warheads");
    assert_eq!(builder.push(&ItemSpec { type_name: " x", ..spec("A5", "icbm") }).unwrap_err().field, "type");
    let declaration = builder.finish().unwrap();
    assert_eq!(declaration.len(), 1, "refused items leave nothing behind");
    assert_eq!(declaration.classes().len(), 1);
}

#[test]
fn a_repeated_uid_is_found_at_the_end_and_named_by_its_second_item() {
    let vocabulary = Vocabulary::new(["icbm"]);
    let mut builder = Builder::new(header(), &vocabulary).unwrap();
    for uid in ["A1", "A2", "A3", "A2", "A1"] {
        builder.push(&spec(uid, "icbm")).unwrap();
    }
    let error = builder.finish().unwrap_err();
    assert_eq!((error.location, error.uid.as_deref()), (Location::Record(3), Some("A2")), "{error}");
    assert_eq!(error.field.as_deref(), Some("uid"));
    assert!(error.message.contains("duplicate unique identifier \"A2\""), "{error}");
}

#[test]
fn when_reading_stops_an_earlier_item_that_fails_across_items_comes_first() {
    let vocabulary = Vocabulary::new(["icbm"]);
    let stopped = DecodeError::new(Location::Record(3), Some("kind"), "unknown kind");
    let mut builder = Builder::new(header(), &vocabulary).unwrap();
    for uid in ["A1", "A2", "A1"] {
        builder.push(&spec(uid, "icbm")).unwrap();
    }
    let error = builder.finish_after(Err(stopped.clone())).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(2), Some("uid")), "{error}");
    // Without an earlier fault, the error reading stopped at is the one.
    let mut builder = Builder::new(header(), &vocabulary).unwrap();
    builder.push(&spec("A1", "icbm")).unwrap();
    assert_eq!(builder.finish_after(Err(stopped.clone())).unwrap_err(), stopped);
}

#[test]
fn duplicate_facilities_are_refused() {
    let mut h = header();
    h.facilities.push(h.facilities[0].clone());
    let vocabulary = Vocabulary::new(["icbm"]);
    assert!(Builder::new(h, &vocabulary).unwrap_err().message.contains("twice"));
}

fn vocabulary() -> Vocabulary {
    Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"])
}

fn two_sites() -> Header {
    let mut h = header();
    h.facilities.push(Facility { id: "HILL".into(), kind: "storage-facility".into(), name: "Hill".into() });
    h
}

fn missile<'a>(uid: &'a str, launcher: &'a str) -> ItemSpec<'a> {
    ItemSpec { launcher: Some(launcher), ..spec(uid, "icbm") }
}

fn silo(uid: &str) -> ItemSpec<'_> {
    ItemSpec { warheads: 0, ..spec(uid, "icbm-launcher") }
}

#[test]
fn items_stay_small() {
    assert!(std::mem::size_of::<Item>() <= 40, "{} bytes", std::mem::size_of::<Item>());
}

#[test]
fn links_go_both_ways_and_may_point_forward() {
    let vocabulary = vocabulary();
    let specs = [silo("L1"), missile("M1", "L1"), missile("M2", "L2"), silo("L2"), silo("L3")];
    let declaration = Declaration::build(header(), &vocabulary, specs).unwrap();
    let item = |uid: &str| declaration.items().iter().find(|i| &*i.uid == uid).unwrap();
    assert_eq!(&*declaration.launcher_of(item("M1")).unwrap().uid, "L1");
    assert_eq!(&*declaration.missile_in(item("L2")).unwrap().uid, "M2", "a forward reference resolves");
    assert!(declaration.missile_in(item("M1")).is_none(), "a missile holds nothing");
    assert!(!item("L3").is_loaded() && item("L1").is_loaded() && item("M2").is_loaded());
    // Written back as names: only the missile names its launcher.
    let specs: Vec<_> = declaration.specs().map(|s| (s.uid, s.launcher)).collect();
    assert_eq!(specs, [("L1", None), ("M1", Some("L1")), ("M2", Some("L2")), ("L2", None), ("L3", None)]);
}

/// The error for `specs`, whether found when the item is pushed or at `finish`.
fn link_error(header: Header, specs: &[ItemSpec<'_>]) -> DecodeError {
    Declaration::build(header, &vocabulary(), specs.iter().cloned()).unwrap_err()
}

#[test]
fn a_launcher_no_item_has_is_refused_at_the_missile() {
    for specs in [vec![missile("M1", "L9")], vec![silo("L1"), missile("M1", "L1x"), silo("L9")]] {
        let error = link_error(header(), &specs);
        let at = specs.iter().position(|s| s.uid == "M1").unwrap();
        assert_eq!(error.location, Location::Record(at), "{error}");
        assert_eq!((error.uid.as_deref(), error.field.as_deref()), (Some("M1"), Some("launcher")), "{error}");
        assert!(error.message.contains("no item has the unique identifier"), "{error}");
    }
}

#[test]
fn a_launcher_must_hold_that_kind_of_missile() {
    let tube = ItemSpec { warheads: 0, ..spec("T1", "slbm-launcher") };
    // Backward and forward: the ICBM names an SLBM launcher.
    for specs in [vec![tube.clone(), missile("M1", "T1")], vec![missile("M1", "T1"), tube.clone()]] {
        let error = link_error(header(), &specs);
        assert_eq!(error.field.as_deref(), Some("launcher"), "{error}");
        assert!(error.message.contains("T1 is a slbm-launcher, which does not hold a icbm"), "{error}");
    }
    // A missile named as a launcher.
    let error = link_error(header(), &[spec("M0", "icbm"), missile("M1", "M0")]);
    assert!(error.message.contains("M0 is a icbm"), "{error}");
    // An item whose own kind no launcher holds may not name a launcher at all.
    for kind in ["heavy-bomber", "icbm-launcher"] {
        let bad = ItemSpec { launcher: Some("L1"), warheads: 0, ..spec("X1", kind) };
        let error = link_error(header(), &[silo("L1"), bad]);
        assert_eq!((error.location, error.field.as_deref()), (Location::Record(1), Some("launcher")), "{error}");
        assert!(error.message.contains("no launcher kind holds"), "{error}");
    }
}

#[test]
fn one_missile_per_launcher() {
    for specs in [
        vec![silo("L1"), missile("M1", "L1"), missile("M2", "L1")],
        vec![missile("M1", "L1"), missile("M2", "L1"), silo("L1")],
    ] {
        let error = link_error(header(), &specs);
        assert_eq!(error.uid.as_deref(), Some("M2"), "{error}");
        assert!(error.message.contains("launcher L1 already holds missile M1"), "{error}");
    }
}

#[test]
fn missile_and_launcher_share_facility_and_status() {
    let elsewhere = ItemSpec { facility: "HILL", ..silo("L1") };
    let error = link_error(two_sites(), &[elsewhere.clone(), missile("M1", "L1")]);
    assert!(error.message.contains("the missile is at MINOT and its launcher L1 at HILL"), "{error}");
    let error = link_error(two_sites(), &[missile("M1", "L1"), elsewhere]);
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(0), Some("launcher")), "{error}");
    let empty = ItemSpec { status: Status::NonDeployed, ..silo("L1") };
    let error = link_error(header(), &[empty.clone(), missile("M1", "L1")]);
    assert!(error.message.contains("the missile is deployed and its launcher L1 is non-deployed"), "{error}");
    let test = ItemSpec { status: Status::Test, ..missile("M1", "L1") };
    assert!(link_error(header(), &[test, empty]).message.contains("the missile is test"));
    // The same status and facility is fine, test launchers included.
    let test_silo = ItemSpec { status: Status::Test, ..silo("L1") };
    let test_missile = ItemSpec { status: Status::Test, ..missile("M1", "L1") };
    assert!(Declaration::build(header(), &vocabulary(), [test_missile, test_silo]).is_ok());
}

#[test]
fn a_refused_link_leaves_nothing_behind() {
    let vocabulary = vocabulary();
    let mut builder = Builder::new(header(), &vocabulary).unwrap();
    builder.push(&silo("L1")).unwrap();
    builder.push(&missile("M1", "L1")).unwrap();
    let bomber = ItemSpec { type_name: "B-52H", warheads: 0, ..missile("B1", "L1") };
    let error = builder.push(&ItemSpec { kind: "heavy-bomber", ..bomber }).unwrap_err();
    assert_eq!(error.field, "launcher");
    let declaration = builder.finish().unwrap();
    assert_eq!(declaration.len(), 2);
    assert_eq!(declaration.classes().len(), 2, "the refused item's type was not interned");
}

fn part(party: &str, uids: &[&str], facility: Facility) -> Declaration {
    let header = Header { party: party.parse().unwrap(), facilities: vec![facility.clone()], ..header() };
    let specs = uids.iter().map(|uid| {
        if uid.starts_with('L') {
            ItemSpec { facility: &facility.id, ..silo(uid) }
        } else {
            ItemSpec { facility: &facility.id, launcher: Some(&uid[1..]), ..spec(uid, "icbm") }
        }
    });
    Declaration::build(header, &vocabulary(), specs.collect::<Vec<_>>()).unwrap()
}

#[test]
fn declarations_combine_with_their_links() {
    let pervomaysk = Facility { id: "PERVOMAYSK".into(), kind: "icbm-base".into(), name: "Pervomaysk".into() };
    let ru = part("RU", &["L1", "ML1"], header().facilities[0].clone());
    let ua = part("UA", &["ML2", "L2", "L3"], pervomaysk);
    let su = Declaration::combine([&ru, &ua], "SU".parse().unwrap()).unwrap();
    assert_eq!((su.party().as_str(), su.len(), su.classes().len()), ("SU", 5, 2));
    assert_eq!(su.header().facilities.len(), 2);
    let item = |uid: &str| su.items().iter().find(|i| &*i.uid == uid).unwrap();
    assert_eq!(&*su.launcher_of(item("ML2")).unwrap().uid, "L2");
    assert_eq!(su.facility(item("L2")).id, "PERVOMAYSK");
    assert_eq!(&*su.missile_in(item("L1")).unwrap().uid, "ML1");
    assert!(su.header().source.as_deref().unwrap().contains("RU, UA"));
    let members: Vec<&str> = su.members().iter().map(Party::as_str).collect();
    assert_eq!(members, ["RU", "UA"], "the combined declaration knows whose parts it holds");
    assert!(ru.members().is_empty() && su.header().links);
    // The same facility declared by two parts is one facility.
    let again = part("UA", &["L7"], header().facilities[0].clone());
    assert_eq!(Declaration::combine([&ru, &again], "SU".parse().unwrap()).unwrap().header().facilities.len(), 1);
}

#[test]
fn combining_refuses_collisions_and_mixed_dates() {
    let minot = header().facilities[0].clone();
    let ru = part("RU", &["L1"], minot.clone());
    let ua = part("UA", &["L1"], minot.clone());
    let su: Party = "SU".parse().unwrap();
    assert_eq!(
        Declaration::combine([&ru, &ua], su.clone()).unwrap_err(),
        CombineError::DuplicateUid { uid: "L1".into(), first: "RU".parse().unwrap(), second: "UA".parse().unwrap() }
    );
    let renamed = Facility { name: "Minot, renamed".into(), ..minot.clone() };
    let kz = part("KZ", &["L2"], renamed);
    assert!(matches!(
        Declaration::combine([&ru, &kz], su.clone()).unwrap_err(),
        CombineError::ConflictingFacility { id, .. } if id == "MINOT"
    ));
    let mut by = part("BY", &["L3"], minot);
    by.header.as_of = "2001-12-05".parse().unwrap();
    let error = Declaration::combine([&ru, &by], su.clone()).unwrap_err();
    assert!(error.to_string().contains("the BY declaration is as of 2001-12-05"), "{error}");
    assert_eq!(Declaration::combine([], su.clone()).unwrap_err(), CombineError::Empty);
    // A part that links nothing (read from /1) and a part that links: either order is refused.
    let mut old = part("UA", &["L4"], header().facilities[0].clone());
    old.header.links = false;
    for parts in [[&ru, &old], [&old, &ru]] {
        let error = Declaration::combine(parts, su.clone()).unwrap_err();
        assert_eq!(error, CombineError::MixedLinks { linked: "RU".parse().unwrap(), unlinked: "UA".parse().unwrap() });
        assert!(error.to_string().contains("(detente-declaration/1) names none"), "{error}");
    }
    let mut other = part("KZ", &["L5"], header().facilities[0].clone());
    other.header.links = false;
    assert!(!Declaration::combine([&old, &other], su).unwrap().header().links, "parts that all link nothing combine");
}
