//! Declarations through CSV and JSON: what goes in comes out, and bad input is
//! refused with the line or record and the field named.

use detente_core::codec::{DecodeError, Location, read_csv, read_json, write_csv, write_json};
use detente_core::{Armament, Declaration, Facility, Header, ItemSpec, Status, Vocabulary};
use proptest::prelude::*;

fn vocabulary() -> Vocabulary {
    Vocabulary::new(["icbm", "slbm", "icbm-launcher", "slbm-launcher", "heavy-bomber", "glcm"])
}

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
    assert!(matches!(error.location, Location::Line(_)), "serde errors carry a line: {error}");
    assert!(error.message.contains("testing"), "{error}");

    let error = read_json(json.replace(r#""party": "US""#, r#""party": "U""#).as_bytes(), &vocabulary()).unwrap_err();
    assert!(error.message.contains("invalid party"), "{error}");

    let error = read_json(json.replace(r#""warheads":1"#, r#""warheads":1,"colour":"red""#).as_bytes(), &vocabulary())
        .unwrap_err();
    assert!(error.message.contains("unknown field `colour`"), "{error}");
}

// --- round trips --------------------------------------------------------

#[derive(Debug, Clone)]
struct OwnedItem {
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
    )
        .prop_map(|(uid, kind, type_name, facility, status, armament, warheads, range_km)| OwnedItem {
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
    };
    let mut seen = std::collections::HashSet::new();
    let specs = items.iter().filter(|i| seen.insert(i.uid.clone())).map(|i| ItemSpec {
        uid: &i.uid,
        kind: i.kind,
        type_name: i.type_name,
        facility: i.facility,
        status: i.status,
        armament: i.armament,
        warheads: i.warheads,
        range_km: i.range_km,
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
    let error = csv_error(&GOOD.replace("# format: detente-declaration/1", "# format: detente-declaration/2"));
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
