//! Declarations through CSV and JSON: what goes in comes out, and bad input is
//! refused with the line or record and the field named.

use detente_core::codec::{DecodeError, Location, read_csv, read_json, write_csv, write_json};
use detente_core::{Armament, Declaration, Facility, Header, ItemSpec, Status, Vocabulary};
use proptest::prelude::*;

fn vocabulary() -> Vocabulary {
    Vocabulary::new(["heavy-bomber", "glcm"]).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"])
}

/// A file in the first format, without links: still read.
const GOOD: &str = "\
# format: detente-declaration/1
# party: US
# as-of: 2020-09-01
# source: test data
# note: one note
# facility: MINOT | icbm-base | Minot AFB, North Dakota
# facility: EDWARDS | test-range | Edwards AFB
uid,kind,type,facility,status,warheads,armament,range_km
L1,icbm-launcher,Minuteman III,MINOT,deployed,0,,
M1,icbm,Minuteman III,MINOT,deployed,1,,13000
B1,heavy-bomber,B-52H,EDWARDS,test,0,nuclear,
B2,heavy-bomber,B-52H,MINOT,converted,0,non-nuclear,
";

fn csv_error(text: &str) -> DecodeError {
    read_csv(text.as_bytes(), &vocabulary()).expect_err("should be refused")
}

#[test]
fn reads_the_documented_csv_form() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    assert_eq!(declaration.party().as_str(), "US");
    assert_eq!(declaration.as_of().to_string(), "2020-09-01");
    assert_eq!(declaration.header().facilities.len(), 2);
    assert_eq!(declaration.header().notes, ["one note"]);
    let specs: Vec<_> = declaration.specs().collect();
    assert_eq!(specs.len(), 4);
    assert_eq!(specs[1].range_km, Some(13000));
    assert_eq!(specs[3].armament, Some(Armament::NonNuclear));
    assert_eq!(specs[3].status, Status::Converted);
}

#[test]
fn columns_may_come_in_any_order() {
    let reordered = GOOD.replace(
        "uid,kind,type,facility,status,warheads,armament,range_km\nL1,icbm-launcher,Minuteman III,MINOT,deployed,0,,",
        "kind,uid,type,facility,status,warheads,armament,range_km\nicbm-launcher,L1,Minuteman III,MINOT,deployed,0,,",
    );
    let reordered: String = reordered.lines().take(9).map(|l| format!("{l}\n")).collect();
    let declaration = read_csv(reordered.as_bytes(), &vocabulary()).unwrap();
    assert_eq!(declaration.specs().next().unwrap().uid, "L1");
}

/// Replaces the item row starting with `uid,` by `row`.
fn with_row(uid: &str, row: &str) -> String {
    GOOD.lines()
        .map(|l| if l.starts_with(&format!("{uid},")) { row.to_owned() } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bad_items_are_refused_naming_line_uid_and_field() {
    let cases = [
        (with_row("M1", "M1,icbn,Minuteman III,MINOT,deployed,1,,"), 10, "kind", "unknown kind \"icbn\""),
        (with_row("M1", "L1,icbm,Minuteman III,MINOT,deployed,1,,"), 10, "uid", "duplicate unique identifier"),
        (with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,-2,,"), 10, "warheads", "negative"),
        (with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,two,,"), 10, "warheads", "not a whole number"),
        (with_row("B2", "B2,heavy-bomber,B-52H,MINOT,converted,4,non-nuclear,"), 12, "warheads", "non-nuclear"),
        (
            with_row("M1", "M1,icbm,Minuteman III,GRAND-FORKS,deployed,1,,"),
            10,
            "facility",
            "unknown facility \"GRAND-FORKS\"",
        ),
        (with_row("M1", "M1,icbm,Minuteman III,MINOT,deploy,1,,"), 10, "status", "unknown status"),
        (with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,1,thermonuclear,"), 10, "armament", "unknown armament"),
        (with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,1,,far"), 10, "range_km", "kilometres"),
        (with_row("M1", "M 1,icbm,Minuteman III,MINOT,deployed,1,,"), 10, "uid", "invalid unique identifier"),
    ];
    for (text, line, field, message) in cases {
        let error = csv_error(&text);
        assert_eq!(error.location, Location::Line(line), "{error}");
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        assert!(error.message.contains(message), "{error}");
        assert!(error.to_string().starts_with(&format!("line {line}")), "{error}");
    }
}

#[test]
fn bad_headers_and_preambles_are_refused() {
    let error = csv_error(&GOOD.replace("as-of: 2020-09-01", "as-of: 2020-09-31"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(3), Some("as-of")));
    assert!(error.message.contains("no such day"), "{}", error.message);

    let error = csv_error(&GOOD.replace("range_km", "range"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(8), Some("range")));
    assert!(error.message.contains("unknown column"));

    let error = csv_error(&GOOD.replace(",range_km", ""));
    assert!(
        error.message.contains("fields where the header has") || error.message.contains("missing column"),
        "{error}"
    );

    let error = csv_error(&GOOD.replace(",armament,range_km", ",range_km"));
    assert!(error.to_string().contains("line"), "{error}");

    let error = csv_error(&GOOD.replace("# format: detente-declaration/1\n", ""));
    assert_eq!(error.field.as_deref(), Some("format"));

    let error = csv_error(&GOOD.replace("# party: US\n", ""));
    assert_eq!(error.field.as_deref(), Some("party"));

    let error = csv_error(&GOOD.replace("# party: US", "# party: usa"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(2), Some("party")));

    let error = csv_error(&GOOD.replace("# note: one note", "# colour: blue"));
    assert!(error.message.contains("unknown preamble key"));

    let error = csv_error(&GOOD.replace("| Edwards AFB", ""));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(7), Some("facility")));

    let error = csv_error(&GOOD.replace("# facility: EDWARDS", "# facility: MINOT"));
    assert!(error.message.contains("declared twice"), "{error}");

    let error = csv_error(&GOOD.replace(
        "L1,icbm-launcher,Minuteman III,MINOT,deployed,0,,",
        "L1,icbm-launcher,Minuteman III,MINOT,deployed,0,",
    ));
    assert_eq!(error.location, Location::Line(9), "{error}");
    assert!(error.message.contains("7 fields where the header has 8"), "{error}");

    let error = csv_error("# format: detente-declaration/1\n# party: US\n# as-of: 2020-09-01\n");
    assert!(error.message.contains("ends before the header row"), "{error}");
}

#[test]
fn header_texts_must_fit_on_one_line() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    let error = read_json(json.replace("test data", "test\\ndata").as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("source"), "{error}");
    let error = read_json(json.replace("Edwards AFB", "Edwards | AFB").as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("facility"), "{error}");
}

#[test]
fn json_errors_name_the_record_and_field() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();

    let bad = json.replace(
        r#""uid":"M1","kind":"icbm","type":"Minuteman III","facility":"MINOT","status":"deployed","warheads":1"#,
        r#""uid":"M1","kind":"icbm","type":"Minuteman III","facility":"MINOT","status":"deployed","warheads":-1"#,
    );
    assert_ne!(bad, json, "the replacement applies");
    let error = read_json(bad.as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!(
        (error.location, error.uid.as_deref(), error.field.as_deref()),
        (Location::Record(1), Some("M1"), Some("warheads"))
    );
    assert_eq!(
        error.to_string(),
        "items[1] (uid M1), field warheads: -1 is not a number of warheads from 0 to 4,294,967,295"
    );

    let error = read_json(json.replace(r#""uid":"B2""#, r#""uid":"B1""#).as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(3), Some("uid")));

    let error =
        read_json(json.replace(r#""status":"test""#, r#""status":"testing""#).as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(2), Some("status")), "{error}");
    assert!(
        error.message.contains("testing") && error.message.contains("(line "),
        "serde errors keep the line: {error}"
    );
    assert!(error.to_string().starts_with("items[2], field status: unknown variant `testing`"), "{error}");

    let error = read_json(json.replace(r#""party": "US""#, r#""party": "U""#).as_bytes(), &vocabulary()).unwrap_err();
    assert!(error.message.contains("invalid party"), "{error}");
    assert_eq!((error.location, error.field.as_deref()), (Location::File, Some("party")), "{error}");

    let error = read_json(json.replace(r#""warheads":1"#, r#""warheads":1,"colour":"red""#).as_bytes(), &vocabulary())
        .unwrap_err();
    assert!(error.message.contains("unknown field `colour`"), "{error}");
}

// --- round trips --------------------------------------------------------

#[derive(Debug, Clone)]
struct OwnedItem {
    /// Whether a missile should sit in a free launcher that suits it, if there is one.
    link: bool,
    uid: String,
    kind: &'static str,
    type_name: &'static str,
    facility: &'static str,
    status: Status,
    armament: Option<Armament>,
    warheads: u32,
    range_km: Option<u32>,
}

fn item() -> impl Strategy<Value = OwnedItem> {
    (
        "[A-Z]{1,3}-[0-9]{1,6}",
        prop::sample::select(vec!["icbm", "slbm", "icbm-launcher", "slbm-launcher", "heavy-bomber", "glcm"]),
        prop::sample::select(vec!["Minuteman III", "Trident II", "B-52H", "RS-24 Yars (mobile)", "Type \"X\", mod 2"]),
        prop::sample::select(vec!["MINOT", "EDWARDS"]),
        prop::sample::select(Status::ALL.to_vec()),
        prop::option::of(prop::sample::select(Armament::ALL.to_vec())),
        0u32..20,
        prop::option::of(0u32..20_000),
        any::<bool>(),
    )
        .prop_map(|(uid, kind, type_name, facility, status, armament, warheads, range_km, link)| OwnedItem {
            link,
            uid,
            kind,
            type_name,
            facility,
            status,
            armament,
            warheads: if armament == Some(Armament::NonNuclear) { 0 } else { warheads },
            range_km,
        })
}

fn declaration(items: &[OwnedItem], source: Option<String>) -> Declaration {
    let source = source.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let header = Header {
        party: "RU".parse().unwrap(),
        as_of: "2011-02-05".parse().unwrap(),
        source,
        notes: vec!["a note, with a comma".into()],
        facilities: vec![
            Facility { id: "MINOT".into(), kind: "icbm-base".into(), name: "Minot, ND".into() },
            Facility { id: "EDWARDS".into(), kind: "test-range".into(), name: "Edwards \"test\" range".into() },
        ],
        links: true,
    };
    let mut seen = std::collections::HashSet::new();
    let items: Vec<&OwnedItem> = items.iter().filter(|i| seen.insert(i.uid.clone())).collect();
    // Missiles go into free launchers of their kind, facility and status, before or after them in the file.
    let mut used = vec![false; items.len()];
    let launchers: Vec<Option<&str>> = items
        .iter()
        .map(|missile| {
            let holder = format!("{}-launcher", missile.kind);
            let free = (0..items.len()).find(|&j| {
                !used[j]
                    && items[j].kind == holder
                    && items[j].facility == missile.facility
                    && items[j].status == missile.status
            });
            let chosen = free.filter(|_| missile.link && matches!(missile.kind, "icbm" | "slbm"))?;
            used[chosen] = true;
            Some(items[chosen].uid.as_str())
        })
        .collect();
    let specs = items.iter().zip(launchers).map(|(i, launcher)| ItemSpec {
        uid: &i.uid,
        kind: i.kind,
        type_name: i.type_name,
        facility: i.facility,
        status: i.status,
        armament: i.armament,
        warheads: i.warheads,
        range_km: i.range_km,
        launcher,
    });
    Declaration::build(header, &vocabulary(), specs).unwrap()
}

fn same(a: &Declaration, b: &Declaration) {
    assert_eq!(a.header(), b.header());
    assert_eq!(a.specs().collect::<Vec<_>>(), b.specs().collect::<Vec<_>>());
}

proptest! {
    #[test]
    fn csv_round_trip_loses_nothing(items in prop::collection::vec(item(), 0..60), source in prop::option::of("[ -~]{0,40}")) {
        let original = declaration(&items, source);
        let mut csv = Vec::new();
        write_csv(&original, &mut csv).unwrap();
        let back = read_csv(csv.as_slice(), &vocabulary()).unwrap();
        same(&original, &back);
    }

    #[test]
    fn json_round_trip_loses_nothing(items in prop::collection::vec(item(), 0..60), source in prop::option::of("[ -~]{0,40}")) {
        let original = declaration(&items, source);
        let mut json = Vec::new();
        write_json(&original, &mut json).unwrap();
        let back = read_json(json.as_slice(), &vocabulary()).unwrap();
        same(&original, &back);
        // And across formats: JSON → CSV → JSON is the same JSON.
        let mut csv = Vec::new();
        write_csv(&back, &mut csv).unwrap();
        let again = read_csv(csv.as_slice(), &vocabulary()).unwrap();
        let mut json_again = Vec::new();
        write_json(&again, &mut json_again).unwrap();
        let original_json = { let mut j = Vec::new(); write_json(&original, &mut j).unwrap(); j };
        prop_assert_eq!(String::from_utf8(json_again).unwrap(), String::from_utf8(original_json).unwrap());
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(#[ -~]{0,30}\n){0,4}[ -~\n,]{0,200}") {
        let _ = read_csv(text.as_bytes(), &vocabulary());
        let _ = read_json(text.as_bytes(), &vocabulary());
    }
}

// --- cases from review ------------------------------------------------------

#[test]
fn a_byte_order_mark_is_skipped() {
    let with_bom = format!("\u{feff}{GOOD}");
    assert_eq!(read_csv(with_bom.as_bytes(), &vocabulary()).unwrap().len(), 4);
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), &json].concat();
    assert_eq!(read_json(with_bom.as_slice(), &vocabulary()).unwrap().len(), 4);
}

#[test]
fn a_preamble_key_given_twice_is_refused_at_its_line() {
    for (key, extra) in [
        ("party", "# party: RU"),
        ("as-of", "# as-of: 2021-01-01"),
        ("source", "# source: second"),
        ("format", "# format: detente-declaration/1"),
    ] {
        let text = GOOD.replacen("# facility: MINOT", &format!("{extra}\n# facility: MINOT"), 1);
        let error = csv_error(&text);
        assert_eq!((error.location, error.field.as_deref()), (Location::Line(6), Some(key)), "{error}");
        assert!(error.message.contains("a second"), "{error}");
    }
}

#[test]
fn line_numbers_count_blank_lines_and_crlf() {
    let bad = with_row("M1", "M1,icbm,Minuteman III,MINOT,deploy,1,,");
    // Three blank lines before the first item move the bad row from line 10 to line 13.
    let blank = bad.replacen("range_km\n", "range_km\n\n\n\n", 1);
    assert_eq!(csv_error(&blank).location, Location::Line(13));
    let crlf = blank.replace('\n', "\r\n");
    assert_eq!(csv_error(&crlf).location, Location::Line(13));
    // A quoted field spanning lines: the next row's line number follows the real lines.
    let quoted = bad.replacen("L1,icbm-launcher,Minuteman III,", "L1,icbm-launcher,\"Minuteman\nIII\",", 1);
    assert_eq!(csv_error(&quoted).location, Location::Line(11));
}

#[test]
fn preamble_errors_name_their_line() {
    let error = csv_error(&GOOD.replace("# facility: EDWARDS | test-range |", "# facility: EDWARDS | Test Range |"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(7), Some("facility")), "names line 7");
    let error = csv_error(&GOOD.replace("# format: detente-declaration/1", "# format: detente-declaration/3"));
    assert_eq!(error.location, Location::Line(1));
    let error = csv_error(&GOOD.replace("# source: test data", "# source: test data\n# format: x"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(5), Some("format")));
}

#[test]
fn json_refuses_unknown_facility_fields() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json)
        .unwrap()
        .replace(r#""name": "Edwards AFB""#, r#""name": "Edwards AFB", "location": "CA""#);
    let error = read_json(json.as_bytes(), &vocabulary()).unwrap_err();
    assert!(error.message.contains("unknown field `location`"), "{error}");
    assert!(!error.message.contains(" at line "), "the line is given once, by the location: {error}");
}

#[test]
fn numbers_are_plain_digits() {
    let error = csv_error(&with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,+5,,"));
    assert_eq!(error.field.as_deref(), Some("warheads"));
    let error = csv_error(&with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,99999999999,,"));
    assert!(error.message.contains("too large"), "{error}");
    let error = csv_error(&with_row("M1", "M1,icbm,Minuteman III,MINOT,deployed,1,,-5"));
    assert_eq!(error.field.as_deref(), Some("range_km"));
    assert!(error.message.contains("negative"), "{error}");
}

// --- links between missiles and launchers (detente-declaration/2) ----------

const LINKED: &str = "\
# format: detente-declaration/2
# party: US
# as-of: 2020-09-01
# facility: MINOT | icbm-base | Minot AFB, North Dakota
# facility: BANGOR | submarine-base | Naval Base Kitsap-Bangor
launcher,uid,kind,type,facility,status,warheads,armament,range_km
L1,M1,icbm,Minuteman III,MINOT,deployed,1,,13000
,L1,icbm-launcher,Minuteman III,MINOT,deployed,0,,
,L2,icbm-launcher,Minuteman III,MINOT,non-deployed,0,,
T1,S1,slbm,Trident II,BANGOR,deployed,4,,
,T1,slbm-launcher,Trident II,BANGOR,deployed,0,,
";

fn linked_error(text: &str) -> DecodeError {
    read_csv(text.as_bytes(), &vocabulary()).expect_err("should be refused")
}

#[test]
fn links_are_read_in_any_column_order_and_point_forward() {
    let declaration = read_csv(LINKED.as_bytes(), &vocabulary()).unwrap();
    let launchers: Vec<_> = declaration.specs().map(|s| (s.uid, s.launcher)).collect();
    assert_eq!(launchers, [("M1", Some("L1")), ("L1", None), ("L2", None), ("S1", Some("T1")), ("T1", None)]);
    let l2 = &declaration.items()[2];
    assert!(!l2.is_loaded() && declaration.items()[1].is_loaded());
    // Written as /2, with the launcher column last, and read back the same, in both formats.
    let mut csv = Vec::new();
    write_csv(&declaration, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("# format: detente-declaration/2\n"), "{csv}");
    assert!(csv.contains("uid,kind,type,facility,status,warheads,armament,range_km,launcher\nM1,icbm,Minuteman III,MINOT,deployed,1,,13000,L1\n"));
    same(&declaration, &read_csv(csv.as_bytes(), &vocabulary()).unwrap());
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains(r#""range_km":13000,"launcher":"L1"}"#), "{json}");
    assert!(!json.contains(r#""uid":"L1","kind":"icbm-launcher","type":"Minuteman III","facility":"MINOT","status":"deployed","warheads":0,"armament":null,"range_km":null,"launcher""#), "no launcher field on a launcher");
    same(&declaration, &read_json(json.as_bytes(), &vocabulary()).unwrap());
}

#[test]
fn first_format_files_say_they_link_nothing_and_are_written_back_in_the_first() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    assert!(!declaration.header().links, "a /1 file says nothing of which launcher holds which missile");
    assert!(declaration.items().iter().all(|i| !i.is_loaded()), "a /1 file has no links");
    // Written as /2 it would say that every missile is in no launcher: it is written as /1, in both encodings.
    let mut csv = Vec::new();
    write_csv(&declaration, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("# format: detente-declaration/1\n"), "{csv}");
    assert!(csv.contains("\nuid,kind,type,facility,status,warheads,armament,range_km\nL1,icbm-launcher,Minuteman III,MINOT,deployed,0,,\n"), "{csv}");
    let back = read_csv(csv.as_bytes(), &vocabulary()).unwrap();
    same(&declaration, &back);
    assert!(!back.header().links);
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains(r#""format": "detente-declaration/1""#), "{json}");
    let back = read_json(json.as_bytes(), &vocabulary()).unwrap();
    same(&declaration, &back);
    assert!(!back.header().links);
    // A /2 file links, even when no missile names a launcher, and stays /2.
    let second = GOOD
        .replace("detente-declaration/1", "detente-declaration/2")
        .replace("range_km\n", "range_km,launcher\n")
        .replace(",,\n", ",,,\n")
        .replace("13000\n", "13000,\n")
        .replace("nuclear,\n", "nuclear,,\n");
    let linked = read_csv(second.as_bytes(), &vocabulary()).unwrap();
    assert!(linked.header().links);
    let mut csv = Vec::new();
    write_csv(&linked, &mut csv).unwrap();
    assert!(String::from_utf8(csv).unwrap().starts_with("# format: detente-declaration/2\n"));
    // A /1 file cannot carry the new column or field.
    let error = csv_error(&GOOD.replace("range_km\n", "range_km,launcher\n").replace(",,\n", ",,,\n"));
    assert_eq!((error.location, error.field.as_deref()), (Location::Line(8), Some("launcher")), "{error}");
    assert!(error.message.contains("new in detente-declaration/2"), "{error}");
    let with_field = json.replace(r#""uid":"M1","#, r#""launcher":"L1","uid":"M1","#);
    let error = read_json(with_field.as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(1), Some("launcher")), "{error}");
}

#[test]
fn a_declaration_without_links_refuses_a_missile_naming_a_launcher() {
    let header = |links| Header {
        party: "US".parse().unwrap(),
        as_of: "2020-09-01".parse().unwrap(),
        source: None,
        notes: vec![],
        facilities: vec![Facility { id: "MINOT".into(), kind: "icbm-base".into(), name: "Minot".into() }],
        links,
    };
    let silo = ItemSpec {
        uid: "L1",
        kind: "icbm-launcher",
        type_name: "Minuteman III",
        facility: "MINOT",
        status: Status::Deployed,
        armament: None,
        warheads: 0,
        range_km: None,
        launcher: None,
    };
    let missile = ItemSpec { uid: "M1", kind: "icbm", warheads: 1, launcher: Some("L1"), ..silo.clone() };
    // Backward and forward references alike.
    for specs in [[silo.clone(), missile.clone()], [missile.clone(), silo.clone()]] {
        let error = Declaration::build(header(false), &vocabulary(), specs.clone()).unwrap_err();
        assert_eq!((error.uid.as_deref(), error.field.as_deref()), (Some("M1"), Some("launcher")), "{error}");
        assert!(error.message.contains("links no missile to a launcher"), "{error}");
        assert!(Declaration::build(header(true), &vocabulary(), specs).is_ok());
    }
}

#[test]
fn link_errors_name_the_missiles_line_and_the_launcher_field() {
    let cases = [
        // A launcher no item has, found at the end of the file but reported at the missile.
        (LINKED.replacen("L1,M1,", "L9,M1,", 1), 7, "M1", "no item has the unique identifier \"L9\""),
        // A forward reference to a launcher of the wrong kind.
        (LINKED.replacen("L1,M1,", "T1,M1,", 1), 7, "M1", "T1 is a slbm-launcher, which does not hold a icbm"),
        // Two missiles in one launcher: S1 names it when it is already declared, so the
        // forward reference of M1, resolved at the end, is the one refused.
        (LINKED.replacen("T1,S1,slbm", "L1,S1,icbm", 1).replacen("BANGOR,deployed,4", "MINOT,deployed,4", 1), 7, "M1", "launcher L1 already holds missile S1"),
        // Two missiles naming a launcher declared before both: the second is refused.
        (LINKED.replacen(",L2,icbm-launcher,Minuteman III,MINOT,non-deployed,0,,\n", ",L2,icbm-launcher,Minuteman III,MINOT,non-deployed,0,,\nL2,S2,icbm,Minuteman III,MINOT,non-deployed,0,,\nL2,S3,icbm,Minuteman III,MINOT,non-deployed,0,,\n", 1), 11, "S3", "launcher L2 already holds missile S2"),
        // A missile and its launcher at different facilities.
        (LINKED.replacen("L1,M1,icbm,Minuteman III,MINOT", "L1,M1,icbm,Minuteman III,BANGOR", 1), 7, "M1", "the missile is at BANGOR and its launcher L1 at MINOT"),
        // A missile and its launcher with different statuses.
        (LINKED.replacen("L1,M1,", "L2,M1,", 1), 7, "M1", "the missile is deployed and its launcher L2 is non-deployed"),
        // A launcher naming a launcher.
        (LINKED.replacen(",L2,icbm-launcher", "L1,L2,icbm-launcher", 1), 9, "L2", "no launcher kind holds a icbm-launcher"),
    ];
    for (text, line, uid, message) in cases {
        let error = linked_error(&text);
        assert_eq!(
            (error.location, error.uid.as_deref(), error.field.as_deref()),
            (Location::Line(line), Some(uid), Some("launcher")),
            "{error}"
        );
        assert!(error.message.contains(message), "{error}");
        assert!(error.to_string().starts_with(&format!("line {line} (uid {uid}), field launcher:")), "{error}");
    }
}

/// Uids and links are checked across the whole file at its end; an error is
/// still the first in the file, as if every row had been checked against those
/// before it as it was read.
#[test]
fn the_first_bad_row_is_the_one_reported() {
    let repeated = LINKED.replacen(",L2,icbm-launcher", ",L1,icbm-launcher", 1);
    let not_utf8 = repeated.replacen("Trident II,BANGOR,deployed,0", "Trident \u{1}II,BANGOR,deployed,0", 1);
    let cases = [
        // A repeated uid (line 9) before a row malformed on its own (line 10)...
        (repeated.replacen("BANGOR,deployed,4", "BANGOR,deploy,4", 1).into_bytes(), 9, "uid"),
        // ...or before a row with too few fields, or a byte that is not UTF-8.
        (
            repeated.replacen(",T1,slbm-launcher,Trident II,BANGOR,deployed,0,,", ",T1,slbm-launcher", 1).into_bytes(),
            9,
            "uid",
        ),
        (not_utf8.into_bytes().into_iter().map(|b| if b == 1 { 0xff } else { b }).collect(), 9, "uid"),
        // A bad row before the repeat is reported, not the repeat.
        (repeated.replacen("MINOT,deployed,1,,13000", "MINOT,deployed,one,,13000", 1).into_bytes(), 7, "warheads"),
        // A link to a launcher declared earlier (line 9 names L1 of line 8,
        // which is deployed) comes before a later malformed row...
        (
            LINKED
                .replacen(
                    ",L2,icbm-launcher,Minuteman III,MINOT,non-deployed,0,,",
                    "L1,L3,icbm,Minuteman III,MINOT,non-deployed,1,,",
                    1,
                )
                .replacen("BANGOR,deployed,4", "BANGOR,deployed,-4", 1)
                .into_bytes(),
            9,
            "launcher",
        ),
        // ...but a link to a launcher further on is only judged when the file is
        // read to its end, so the malformed row is the first error found.
        (
            LINKED.replacen("L1,M1,", "L9,M1,", 1).replacen("BANGOR,deployed,4", "BANGOR,deployed,-4", 1).into_bytes(),
            10,
            "warheads",
        ),
        // Within a row, what is wrong with it alone comes before what is wrong
        // against the rows before it: L1 repeats and names itself.
        (
            LINKED
                .replacen(
                    ",L2,icbm-launcher,Minuteman III,MINOT,non-deployed",
                    "L1,L1,icbm,Minuteman III,MINOT,deployed",
                    1,
                )
                .into_bytes(),
            9,
            "launcher",
        ),
    ];
    for (text, line, field) in cases {
        let error = read_csv(&text[..], &vocabulary()).expect_err("should be refused");
        let expected = (Location::Line(line), Some(field));
        assert_eq!((error.location, error.field.as_deref()), expected, "{error}");
    }
}

#[test]
fn json_link_errors_name_the_record() {
    let declaration = read_csv(LINKED.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    let error =
        read_json(json.replacen(r#""launcher":"T1""#, r#""launcher":"L2""#, 1).as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(3), Some("launcher")), "{error}");
    assert!(error.message.contains("L2 is a icbm-launcher, which does not hold a slbm"), "{error}");
    let error = read_json(json.replacen(r#""launcher":"L1""#, r#""launcher":"NONE""#, 1).as_bytes(), &vocabulary())
        .unwrap_err();
    assert_eq!((error.location, error.uid.as_deref()), (Location::Record(0), Some("M1")), "{error}");
    // A uid repeated at record 2 comes before a number out of range at record 3.
    let repeated =
        json.replacen(r#""uid":"L2""#, r#""uid":"L1""#, 1).replacen(r#""warheads":4"#, r#""warheads":-4"#, 1);
    let error = read_json(repeated.as_bytes(), &vocabulary()).unwrap_err();
    assert_eq!((error.location, error.field.as_deref()), (Location::Record(2), Some("uid")), "{error}");
}

#[test]
fn json_errors_name_the_field_path() {
    let declaration = read_csv(LINKED.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    let cases = [
        (json.replacen(r#""status":"deployed""#, r#""status":7"#, 1), Location::Record(0), "status"),
        (json.replacen(r#""warheads":0"#, r#""warheads":"none""#, 1), Location::Record(1), "warheads"),
        (json.replacen(r#""range_km":13000"#, r#""range_km":13000,"colour":"red""#, 1), Location::Record(0), "colour"),
        (json.replacen(r#""as_of": "2020-09-01""#, r#""as_of": "2020-02-30""#, 1), Location::File, "as_of"),
        (json.replacen(r#""kind": "icbm-base""#, r#""kind": 3"#, 1), Location::File, "facilities[0].kind"),
    ];
    for (text, location, field) in cases {
        let error = read_json(text.as_bytes(), &vocabulary()).unwrap_err();
        assert_eq!((error.location, error.field.as_deref()), (location, Some(field)), "{error}");
        let shown = match location {
            Location::Record(i) => format!("items[{i}], field {field}: "),
            _ => format!("header, field {field}: "),
        };
        assert!(error.to_string().starts_with(&shown), "{error}");
    }
}

// --- a huge value never gives a huge message ---------------------------------

const HUGE: usize = 16 << 20;

fn assert_short(error: &DecodeError) {
    let text = error.to_string();
    assert!(text.len() < 1_000, "{} bytes: {}…", text.len(), &text[..200]);
}

#[test]
fn huge_csv_fields_are_cut_in_messages() {
    let huge = "X".repeat(HUGE);
    for row in [
        format!("M1,icbm,Minuteman III,MINOT,{huge},1,,"),
        format!("M1,icbm,Minuteman III,{huge},deployed,1,,"),
        format!("M1,{huge},Minuteman III,MINOT,deployed,1,,"),
        format!("M1,icbm,Minuteman III,MINOT,deployed,{huge},,"),
        format!("{huge},icbm,Minuteman III,MINOT,deployed,1,,"),
    ] {
        let error = csv_error(&with_row("M1", &row));
        assert_eq!(error.location, Location::Line(10), "{error}");
        assert_short(&error);
        assert!(error.to_string().contains("bytes in all"), "the length is said: {error}");
    }
    let error = csv_error(&GOOD.replace("# note: one note", &format!("# {huge}")));
    assert_short(&error);
    let error = csv_error(&GOOD.replace("# party: US", &format!("# party: {huge}")));
    assert_short(&error);
}

#[test]
fn huge_json_values_are_cut_in_messages() {
    let declaration = read_csv(GOOD.as_bytes(), &vocabulary()).unwrap();
    let mut json = Vec::new();
    write_json(&declaration, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    let huge = "X".repeat(HUGE);
    for text in [
        json.replacen(r#""status":"deployed""#, &format!(r#""status":"{huge}""#), 1),
        json.replacen(r#""kind":"icbm""#, &format!(r#""kind":"{huge}""#), 1),
        json.replacen(r#""party": "US""#, &format!(r#""party": "{huge}""#), 1),
        json.replacen(r#""as_of": "2020-09-01""#, &format!(r#""as_of": "{huge}""#), 1),
        json.replacen(r#""warheads":1"#, &format!(r#""warheads":1,"{huge}":1"#), 1),
        // GOOD is a /1 file, and written back as one.
        json.replacen(r#""format": "detente-declaration/1""#, &format!(r#""format": "{huge}""#), 1),
    ] {
        assert_ne!(text, json, "every case changes the text");
        let error = read_json(text.as_bytes(), &vocabulary()).unwrap_err();
        assert_short(&error);
    }
}
