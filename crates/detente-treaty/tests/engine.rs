//! The counting engine on the shipped treaties and declarations, on hand-made
//! cases for every rule type, and on generated declarations (properties).

use detente_core::codec::read_csv;
use detente_core::{Armament, Declaration, Facility, Header, ItemSpec, Status};
use detente_treaty::count::LimitCount;
use detente_treaty::{Catalogue, Count, Finding, Options, TreatyError, count};
use proptest::prelude::*;

const TREATIES: [(&str, &str); 6] = [
    ("new-start", include_str!("../../../data/treaties/new-start.toml")),
    ("start-i", include_str!("../../../data/treaties/start-i.toml")),
    ("sort", include_str!("../../../data/treaties/sort.toml")),
    ("inf", include_str!("../../../data/treaties/inf.toml")),
    ("launch-notification-1988", include_str!("../../../data/treaties/launch-notification-1988.toml")),
    ("major-exercises-1989", include_str!("../../../data/treaties/major-exercises-1989.toml")),
];
const US_2020: &str = include_str!("../../../data/declarations/us-2020-09-01.csv");
const RU_2020: &str = include_str!("../../../data/declarations/ru-2020-09-01.csv");

fn catalogue() -> Catalogue {
    let mut catalogue = Catalogue::default();
    for (name, text) in TREATIES {
        catalogue.add_treaty(name, text).unwrap();
    }
    catalogue.add_interpretation("ru", include_str!("../../../data/interpretations/new-start-ru.toml")).unwrap();
    catalogue.add_interpretation("us", include_str!("../../../data/interpretations/new-start-us.toml")).unwrap();
    catalogue.add_interpretation("sort-us", include_str!("../../../data/interpretations/sort-us.toml")).unwrap();
    catalogue
}

fn totals(count: &Count) -> Vec<u64> {
    count.limits.iter().map(|l| l.total.expect("every limit has counting rules here")).collect()
}

fn limit<'a>(count: &'a Count, id: &str) -> &'a LimitCount {
    count.limits.iter().find(|l| l.id == id).unwrap()
}

fn new_start_count(declaration: &Declaration, reader: &str, options: Options) -> Count {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let interpretation = catalogue.interpretation("new-start", &reader.parse().unwrap());
    count(treaty, declaration, interpretation, options)
}

#[test]
fn shipped_files_are_complete() {
    let catalogue = catalogue();
    let ids: Vec<_> = catalogue.treaties().map(|(_, t)| t.id.as_str()).collect();
    assert_eq!(ids, ["inf", "launch-notification-1988", "major-exercises-1989", "new-start", "sort", "start-i"]);
    let new_start = catalogue.treaty("new-start").unwrap();
    let maxima: Vec<_> = new_start.limits.iter().map(|l| l.max.unwrap()).collect();
    assert_eq!(maxima, [700, 1550, 800]);
    let quotas: Vec<_> = new_start.quotas.iter().map(|q| q.max).collect();
    assert_eq!(quotas, [10, 8]);
    let due: Vec<_> = new_start.notifications.iter().map(|n| (n.id.as_str(), n.due)).collect();
    use detente_treaty::notification::Unverified;
    use detente_treaty::treaty::Due::*;
    assert_eq!(
        due,
        [
            ("initial-database", AfterHours(45 * 24)),
            ("six-monthly-update", AfterHours(30 * 24)),
            ("change-in-data", AfterHours(5 * 24)),
            ("movement", AfterHours(5 * 24)),
            ("heavy-bomber-visit", AfterHours(24)),
            ("conversion-or-elimination", AfterHours(5 * 24)),
            ("launch", BeforeHours(24)),
            ("telemetry-deficiency", AfterHours(180 * 24)),
            ("telemetry-deficiency-reply", AfterHours(60 * 24)),
            ("diplomatic-clearance", BeforeHours(30 * 24)),
            ("inspection-flight-plan", BeforeHours(6)),
            ("inspection-airplane-types", AfterHours(5 * 24)),
            ("inspector-lists", AfterHours(25 * 24)),
        ]
    );
    // What no retrieved text gives is marked, with the assumption used.
    let movement = new_start.notifications.iter().find(|n| n.id == "movement").unwrap();
    assert_eq!(movement.unverified, [Unverified::Deadline, Unverified::Contents]);
    assert!(movement.assumption.as_ref().unwrap().contains("Section III was not retrieved"));
    assert_eq!(catalogue.treaty("launch-notification-1988").unwrap().notifications[0].due, BeforeHours(24));
    assert_eq!(catalogue.treaty("major-exercises-1989").unwrap().notifications[0].due, BeforeHours(14 * 24));
    let start = catalogue.treaty("start-i").unwrap();
    let maxima: Vec<_> = start.limits.iter().map(|l| l.max.unwrap()).collect();
    assert_eq!(maxima, [1600, 6000, 4900, 1100, 154, 1540]);
    assert_eq!(catalogue.treaty("sort").unwrap().limits[0].max, Some(2200));
    // Every treaty's every source reference resolves (checked at load), and every URL looks like one.
    for (_, treaty) in catalogue.treaties() {
        for source in &treaty.sources {
            assert!(source.url.as_deref().is_none_or(|u| u.starts_with("http")), "{}: {:?}", treaty.id, source.url);
        }
    }
}

#[test]
fn new_start_dates() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    assert!(!treaty.in_force_on("2011-02-04".parse().unwrap()));
    assert!(treaty.in_force_on("2011-02-05".parse().unwrap()));
    assert!(treaty.in_force_on("2026-02-04".parse().unwrap()));
    assert!(!treaty.in_force_on("2026-02-05".parse().unwrap()));
}

#[test]
fn us_2020_as_declared_gives_the_published_figures() {
    let catalogue = catalogue();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = new_start_count(&us, "US", Options::default());
    assert_eq!(totals(&count), [675, 1457, 800]);
    assert!(count.findings.is_empty(), "{:?}", count.findings);
    assert!(count.differences.is_empty(), "the US reading changes nothing");
    // The by-type breakdown behind the launcher count, as published.
    let launchers = limit(&count, "launchers");
    let by_type = |kind: &str, type_name: &str| -> u64 {
        launchers.lines.iter().filter(|l| l.kind == kind && l.type_name == type_name).map(|l| l.counted).sum()
    };
    assert_eq!(by_type("icbm-launcher", "Minuteman III"), 454);
    assert_eq!(by_type("slbm-launcher", "Trident II"), 280);
    assert_eq!(by_type("heavy-bomber", "B-2A"), 20);
    assert_eq!(by_type("heavy-bomber", "B-52H"), 46);
    // Counting without an interpretation is the same as the declaring party's own reading.
    assert_eq!(
        totals(&count),
        totals(&detente_treaty::count(catalogue.treaty("new-start").unwrap(), &us, None, Options::default()))
    );
}

#[test]
fn us_2020_as_russia_reads_it_is_101_over_with_the_items_listed() {
    let catalogue = catalogue();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = new_start_count(&us, "RU", Options::default());
    assert_eq!(totals(&count), [675, 1457, 901]);
    assert_eq!(limit(&count, "launchers").excess, 101);
    assert_eq!(
        count.findings,
        [Finding::LimitExceeded {
            limit: "launchers".into(),
            name: limit(&count, "launchers").name.clone(),
            max: 800,
            total: 901,
            excess: 101
        }]
    );
    assert_eq!(count.differences.len(), 1, "only the launcher limit changes");
    let difference = &count.differences[0];
    assert_eq!(
        (difference.limit.as_str(), difference.declared, difference.read, difference.delta),
        ("launchers", 800, 901, 101)
    );
    let mut by_reading: Vec<(String, u64, usize)> = difference
        .lines
        .iter()
        .map(|l| (l.reading.clone().unwrap(), l.read_counted - l.declared_counted, l.uids.len()))
        .collect();
    by_reading.sort();
    assert_eq!(
        by_reading,
        [
            ("b-52h-conversions".into(), 41, 41),
            ("training-silos".into(), 4, 4),
            ("trident-ii-launcher-conversions".into(), 56, 56)
        ]
    );
    // The 101 listed items are exactly the declaration's converted and training items.
    let mut listed: Vec<&str> = difference.lines.iter().flat_map(|l| l.uids.iter().map(String::as_str)).collect();
    listed.sort();
    let mut expected: Vec<&str> = us
        .items()
        .iter()
        .filter(|i| matches!(i.status, Status::Converted | Status::Training))
        .map(|i| &*i.uid)
        .collect();
    expected.sort();
    assert_eq!(listed.len(), 101);
    assert_eq!(listed, expected);
    // Split by facility, the items are found by another path, and are the same.
    let breakdown = detente_treaty::Breakdown { by_facility: true, by_type: false };
    let by_base = new_start_count(&us, "RU", Options { breakdown, ..Options::default() });
    let mut listed_by_base: Vec<&str> =
        by_base.differences[0].lines.iter().flat_map(|l| l.uids.iter().map(String::as_str)).collect();
    listed_by_base.sort();
    assert_eq!(listed_by_base, expected);
}

#[test]
fn ru_2020_reconstruction_gives_the_published_figures() {
    let catalogue = catalogue();
    let ru = read_csv(RU_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = new_start_count(&ru, "RU", Options::default());
    assert_eq!(totals(&count), [510, 1447, 764]);
    assert!(count.reading.is_none(), "Russia's reading applies to U.S. declarations only");
    assert!(count.findings.is_empty());
}

#[test]
fn items_behind_every_number() {
    let catalogue = catalogue();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = new_start_count(&us, "RU", Options { with_items: true, ..Options::default() });
    for limit in &count.limits {
        assert_eq!(limit.total, Some(limit.lines.iter().map(|l| l.counted).sum::<u64>()), "{}", limit.id);
        for line in &limit.lines {
            assert_eq!(line.uids.len() as u64, line.items, "{} {:?}", limit.id, line);
        }
    }
    let warheads = limit(&count, "deployed-warheads");
    let trident = warheads.lines.iter().find(|l| l.type_name == "Trident II").unwrap();
    assert_eq!((trident.items, trident.counted), (230, 1012));
    let without = new_start_count(&us, "RU", Options::default());
    assert!(without.limits.iter().all(|l| l.lines.iter().all(|line| line.uids.is_empty())));
}

// --- hand-made declarations for every rule type ---------------------------

struct Spec(&'static str, &'static str, Status, Option<Armament>, u32, Option<u32>);

/// The header of a test declaration: one facility, `BASE`.
fn header(party: &str, as_of: &str, links: bool) -> Header {
    Header {
        party: party.parse().unwrap(),
        as_of: as_of.parse().unwrap(),
        source: None,
        notes: vec![],
        facilities: vec![Facility { id: "BASE".into(), kind: "base".into(), name: "A base".into() }],
        links,
    }
}

fn declare(party: &str, as_of: &str, catalogue: &Catalogue, items: &[Spec]) -> Declaration {
    declare_prefixed(party, as_of, catalogue, items, "X")
}

/// A declaration whose uids start with `prefix`, so that parts of a group do not collide.
fn declare_prefixed(party: &str, as_of: &str, catalogue: &Catalogue, items: &[Spec], prefix: &str) -> Declaration {
    let header = header(party, as_of, true);
    let uids: Vec<String> = (0..items.len()).map(|i| format!("{prefix}-{i:04}")).collect();
    // Every missile goes into the first free launcher of its kind and status, as a declaration would say.
    let mut free: Vec<bool> = items.iter().map(|s| s.0.ends_with("-launcher")).collect();
    let launchers: Vec<Option<&str>> = items
        .iter()
        .map(|m| {
            let holder = format!("{}-launcher", m.0);
            let j = (0..items.len()).find(|&j| free[j] && items[j].0 == holder && items[j].2 == m.2)?;
            free[j] = false;
            Some(uids[j].as_str())
        })
        .collect();
    let specs = items.iter().zip(&uids).zip(launchers).map(|((s, uid), launcher)| ItemSpec {
        uid,
        kind: s.0,
        type_name: s.1,
        facility: "BASE",
        status: s.2,
        armament: s.3,
        warheads: s.4,
        range_km: s.5,
        launcher,
    });
    Declaration::build(header, &catalogue.vocabulary(), specs).unwrap()
}

fn repeat(n: usize, spec: Spec) -> impl Iterator<Item = Spec> {
    (0..n).map(move |_| Spec(spec.0, spec.1, spec.2, spec.3, spec.4, spec.5))
}

#[test]
fn inf_prohibits_ground_launched_500_to_5500_km_from_1991() {
    let catalogue = catalogue();
    let inf = catalogue.treaty("inf").unwrap();
    let items = [
        Spec("glcm", "9M729", Status::Deployed, None, 1, Some(2500)),
        Spec("glbm-launcher", "Pershing II", Status::NonDeployed, None, 0, Some(1770)),
        Spec("glbm", "Pershing II", Status::Eliminated, None, 0, Some(1770)),
        Spec("glbm", "short", Status::Deployed, None, 1, Some(499)),
        Spec("glbm", "edge", Status::Deployed, None, 1, Some(500)),
        Spec("glbm", "edge", Status::Deployed, None, 1, Some(5500)),
        Spec("glbm", "long", Status::Deployed, None, 1, Some(5501)),
        Spec("glcm", "no range given", Status::Deployed, None, 1, None),
    ];
    let declaration = declare("RU", "2018-06-01", &catalogue, &items);
    let count = count(inf, &declaration, None, Options::default());
    let [Finding::Prohibited { prohibition, items: prohibited, uids, .. }] = &count.findings[..] else {
        panic!("{:?}", count.findings)
    };
    assert_eq!(prohibition, "intermediate-and-shorter-range-missiles");
    assert_eq!(*prohibited, 4);
    assert_eq!(uids, &["X-0000", "X-0001", "X-0004", "X-0005"]);
    // Before the elimination deadline and after withdrawal, nothing is prohibited.
    for date in ["1990-06-01", "2019-08-02"] {
        let declaration = declare("RU", date, &catalogue, &items);
        assert!(detente_treaty::count(inf, &declaration, None, Options::default()).findings.is_empty(), "{date}");
    }
}

#[test]
fn unknown_kinds_are_a_finding_not_a_silent_zero() {
    let catalogue = catalogue();
    let items = [
        Spec("glcm", "BGM-109G", Status::Deployed, None, 1, Some(2500)),
        Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None),
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
    ];
    let declaration = declare("US", "2020-09-01", &catalogue, &items);
    let count = count(catalogue.treaty("new-start").unwrap(), &declaration, None, Options::default());
    assert_eq!(count.findings, [Finding::UnknownKind { kind: "glcm".into(), items: 1, uids: vec!["X-0000".into()] }]);
    assert_eq!(totals(&count), [1, 1, 1]);
}

#[test]
fn limits_bind_from_their_date_and_for_parties_only() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let mut items: Vec<Spec> = repeat(701, Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None)).collect();
    items.extend(repeat(701, Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None)));
    for (party, date, binding) in [
        ("US", "2017-09-01", false),
        ("US", "2018-02-05", true),
        ("CN", "2020-09-01", false),
        ("US", "2026-02-05", false),
    ] {
        let declaration = declare(party, date, &catalogue, &items);
        let count = count(treaty, &declaration, None, Options::default());
        let limit = limit(&count, "deployed-delivery-vehicles");
        assert_eq!((limit.binding, limit.excess), (binding, 1), "{party} {date}");
        assert_eq!(count.findings.len(), usize::from(binding), "{party} {date}: {:?}", count.findings);
        assert_eq!(limit.binding_note.is_none(), binding);
    }
}

#[test]
fn start_i_attribution_and_bomber_discount() {
    let catalogue = catalogue();
    let start = catalogue.treaty("start-i").unwrap();
    let mut items: Vec<Spec> = Vec::new();
    items.extend(repeat(100, Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None))); // 3 each
    items.extend(repeat(10, Spec("icbm-launcher", "SS-18", Status::Deployed, None, 0, None))); // heavy, 10 each
    items.extend(repeat(5, Spec("icbm-launcher", "SS-25", Status::Deployed, None, 0, None))); // mobile, 1 each
    items.extend(repeat(160, Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::Nuclear), 0, None))); // 150×10 + 10×20
    items.extend(repeat(20, Spec("heavy-bomber", "B-1B", Status::Deployed, Some(Armament::Nuclear), 0, None))); // 1 each
    items.extend(repeat(7, Spec("icbm-launcher", "Minuteman III", Status::Test, None, 0, None))); // not counted
    let us = declare("US", "2005-01-01", &catalogue, &items);
    let count = count(start, &us, None, Options::default());
    assert_eq!(limit(&count, "delivery-vehicles").total, Some(100 + 10 + 5 + 160 + 20));
    assert_eq!(limit(&count, "ballistic-missile-warheads").total, Some(300 + 100 + 5));
    assert_eq!(limit(&count, "accountable-warheads").total, Some(405 + 150 * 10 + 10 * 20 + 20));
    assert_eq!(limit(&count, "mobile-icbm-warheads").total, Some(5));
    assert_eq!(limit(&count, "heavy-icbms").total, Some(10));
    assert_eq!(limit(&count, "heavy-icbm-warheads").total, Some(100));
    // Russia's discount: the first 180 count 8, the rest their capacity (16 for a Tu-95MS).
    let bombers: Vec<Spec> =
        repeat(200, Spec("heavy-bomber", "Tu-95MS", Status::Deployed, Some(Armament::Nuclear), 0, None)).collect();
    let ru = declare("RU", "2005-01-01", &catalogue, &bombers);
    assert_eq!(
        limit(&detente_treaty::count(start, &ru, None, Options::default()), "accountable-warheads").total,
        Some(180 * 8 + 20 * 16)
    );
    // A type with no attribution is reported, not guessed.
    let unknown =
        declare("US", "2005-01-01", &catalogue, &[Spec("icbm-launcher", "Midgetman", Status::Deployed, None, 0, None)]);
    let count = detente_treaty::count(start, &unknown, None, Options::default());
    assert!(
        count.findings.iter().any(|f| matches!(f, Finding::Unattributed { type_name, .. } if type_name == "Midgetman")),
        "{:?}",
        count.findings
    );
}

#[test]
fn sort_counts_operationally_deployed_warheads() {
    let catalogue = catalogue();
    let sort = catalogue.treaty("sort").unwrap();
    let items = [
        Spec("icbm", "Minuteman III", Status::Deployed, None, 3, None),
        Spec("slbm", "Trident II", Status::Deployed, None, 8, None),
        Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::Nuclear), 12, None),
        Spec("slbm", "Trident II", Status::NonDeployed, None, 0, None),
    ];
    // SORT gives no counting rules: the count is the United States' reading of it.
    let us = catalogue.interpretation("sort", &"US".parse().unwrap());
    let count = count(sort, &declare("US", "2008-01-01", &catalogue, &items), us, Options::default());
    assert_eq!(totals(&count), [23]);
    assert!(!count.limits[0].binding, "SORT's ceiling date fell after New START superseded it");
}

// --- bad treaty and interpretation files --------------------------------

fn treaty_error(edit: impl Fn(&str) -> String) -> TreatyError {
    detente_treaty::Treaty::from_toml(&edit(TREATIES[0].1)).unwrap_err()
}

#[test]
fn malformed_treaty_files_are_refused_naming_the_field() {
    let field = |error: TreatyError| match error {
        TreatyError::Field { path, message } => format!("{path}: {message}"),
        TreatyError::Syntax(message) => panic!("expected a field error, got {message}"),
    };
    let syntax = |error: TreatyError| match error {
        TreatyError::Syntax(message) => message,
        other => panic!("expected a syntax error, got {other}"),
    };
    assert!(
        field(treaty_error(|t| t.replacen(r#"kinds = ["icbm", "slbm"]"#, r#"kinds = ["icbm", "slbn"]"#, 1)))
            .starts_with("limits[0].count[0].kinds[1]: unknown item kind \"slbn\"")
    );
    assert!(
        field(treaty_error(|t| t.replacen(r#"source = "state-2011-fact-sheet""#, r#"source = "nowhere""#, 1)))
            .contains("unknown source \"nowhere\"")
    );
    assert!(
        field(treaty_error(|t| t.replacen(r#"after = "5d""#, r#"after = "5 days""#, 1)))
            .starts_with("notifications[2].due")
    );
    assert!(
        field(treaty_error(|t| t.replacen(r#"weight = "warheads""#, r#"weight = "heads""#, 1)))
            .starts_with("limits[1].count[0].weight: unknown weight")
    );
    assert!(
        field(treaty_error(|t| t.replacen(r#"id = "launchers""#, r#"id = "deployed-warheads""#, 1)))
            .starts_with("limits[2].id")
    );
    assert!(field(treaty_error(|t| t.replacen("max = 700\n", "", 1))).starts_with("limits[0].max"));
    assert!(
        field(treaty_error(|t| t.replacen(r#"schedule = ["03-01", "09-01"]"#, r#"schedule = ["02-30"]"#, 1)))
            .starts_with("notifications[1].schedule[0]")
    );
    assert!(field(treaty_error(|t| t.replacen("detente-treaty/1", "detente-treaty/9", 1))).starts_with("format"));
    assert!(
        field(treaty_error(|t| t.replacen("statuses = [\"deployed\"]\n", "statuses = []\n", 1)))
            .ends_with("give at least one status")
    );
    // Syntax and type errors come from the TOML reader with line and column.
    let message = syntax(treaty_error(|t| t.replacen("max = 700", "maximum = 700", 1)));
    assert!(message.contains("line ") && message.contains("unknown field `maximum`"), "{message}");
    let message = syntax(treaty_error(|t| t.replacen("max = 700", "max = -700", 1)));
    assert!(message.contains("line "), "{message}");
    let message = syntax(treaty_error(|t| t.replacen(r#"signed = "2010-04-08""#, r#"signed = "2010-04-31""#, 1)));
    assert!(message.contains("no such day"), "{message}");
    let message = syntax(treaty_error(|t| t.replacen(r#"statuses = ["deployed"]"#, r#"statuses = ["active"]"#, 1)));
    assert!(message.contains("active"), "{message}");
}

#[test]
fn malformed_interpretations_are_refused() {
    let mut catalogue = catalogue();
    let ru = include_str!("../../../data/interpretations/new-start-ru.toml");
    let error = catalogue
        .add_interpretation("x.toml", &ru.replace(r#"treaty = "new-start""#, r#"treaty = "new-start-2""#))
        .unwrap_err();
    assert_eq!(error.origin, "x.toml");
    assert!(error.to_string().contains("unknown treaty \"new-start-2\""), "{error}");
    let error = catalogue
        .add_interpretation("x.toml", &ru.replace(r#"source = "mid-2022""#, r#"source = "tass""#))
        .unwrap_err();
    assert!(error.to_string().contains("readings[0].source"), "{error}");
    let error = catalogue
        .add_interpretation("x.toml", &ru.replacen(r#"treat_as = { status = "non-deployed" }"#, "treat_as = {}", 1))
        .unwrap_err();
    assert!(error.to_string().contains("readings[0].treat_as"), "{error}");
}

#[test]
fn a_user_treaty_file_needs_no_code() {
    // A hypothetical trilateral treaty with per-party ceilings, written as data.
    let text = r#"
format = "detente-treaty/1"
id = "trilateral-example"
short_name = "Trilateral (example)"
name = "A hypothetical trilateral limit on deployed strategic warheads"
parties = ["US", "RU", "CN"]
dates = { entered_into_force = "2027-01-01" }
sources = [{ id = "example", title = "Illustration only" }]
categories = [{ kind = "icbm", description = "ICBM" }, { kind = "road-mobile-hgv", description = "A new kind" }]

[[limits]]
id = "deployed-warheads"
name = "Deployed warheads"
max = 1550
max_by_party = { CN = 600 }
source = "example"
count = [{ kinds = ["icbm", "road-mobile-hgv"], statuses = ["deployed"], weight = "warheads" }]
"#;
    let mut catalogue = catalogue();
    catalogue.add_treaty("trilateral.toml", text).unwrap();
    assert!(catalogue.vocabulary().contains("road-mobile-hgv"), "a new kind becomes usable in declarations");
    let items: Vec<Spec> = repeat(130, Spec("road-mobile-hgv", "DF-41", Status::Deployed, None, 5, None)).collect();
    let cn = declare("CN", "2028-01-01", &catalogue, &items);
    let count = count(catalogue.treaty("trilateral-example").unwrap(), &cn, None, Options::default());
    assert_eq!((count.limits[0].total, count.limits[0].max, count.limits[0].excess), (Some(650), Some(600), 50));
    assert_eq!(count.findings.len(), 1);
}

// --- properties ----------------------------------------------------------

const KINDS: [&str; 5] = ["icbm", "slbm", "icbm-launcher", "slbm-launcher", "heavy-bomber"];
const TYPES: [&str; 4] = ["Minuteman III", "Trident II", "B-52H", "Tu-95MS"];

#[derive(Debug, Clone)]
struct Gen {
    kind: usize,
    type_name: usize,
    status: Status,
    armament: Option<Armament>,
    warheads: u32,
}

fn item() -> impl Strategy<Value = Gen> {
    (
        0..KINDS.len(),
        0..TYPES.len(),
        prop::sample::select(Status::ALL.to_vec()),
        prop::option::of(prop::sample::select(Armament::ALL.to_vec())),
        0u32..12,
    )
        .prop_map(|(kind, type_name, status, armament, warheads)| Gen {
            kind,
            type_name,
            status,
            armament,
            warheads: if armament == Some(Armament::NonNuclear) { 0 } else { warheads },
        })
}

fn build(party: &str, items: &[(String, Gen)]) -> Declaration {
    let catalogue = catalogue();
    let header = header(party, "2020-09-01", true);
    let specs = items.iter().map(|(uid, g)| ItemSpec {
        uid,
        kind: KINDS[g.kind],
        type_name: TYPES[g.type_name],
        facility: "BASE",
        status: g.status,
        armament: g.armament,
        warheads: g.warheads,
        range_km: None,
        launcher: None,
    });
    Declaration::build(header, &catalogue.vocabulary(), specs).unwrap()
}

fn numbered(items: Vec<Gen>) -> Vec<(String, Gen)> {
    items.into_iter().enumerate().map(|(i, g)| (format!("U-{i}"), g)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn counts_do_not_depend_on_item_order(items in prop::collection::vec(item(), 0..200), seed in any::<u64>(), treaty in 0usize..3, reader in prop::sample::select(vec!["US", "RU"])) {
        let items = numbered(items);
        let mut shuffled = items.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let catalogue = catalogue();
        let treaty = catalogue.treaty(["new-start", "start-i", "sort"][treaty]).unwrap();
        let interpretation = catalogue.interpretation("new-start", &reader.parse().unwrap()).filter(|i| i.treaty == treaty.id);
        let a = count(treaty, &build("US", &items), interpretation, Options { with_items: true, ..Options::default() });
        let b = count(treaty, &build("US", &shuffled), interpretation, Options { with_items: true, ..Options::default() });
        prop_assert_eq!(a, b);
    }

    #[test]
    fn adding_an_item_changes_exactly_the_limits_that_select_it(items in prop::collection::vec(item(), 0..100), extra in item(), reader in prop::sample::select(vec!["US", "RU"])) {
        let catalogue = catalogue();
        let treaty = catalogue.treaty("new-start").unwrap();
        let interpretation = catalogue.interpretation("new-start", &reader.parse().unwrap());
        let mut items = numbered(items);
        let before = count(treaty, &build("US", &items), interpretation, Options::default());
        items.push(("EXTRA".into(), extra.clone()));
        let declaration = build("US", &items);
        let after = count(treaty, &declaration, interpretation, Options::default());
        // What the extra item looks like to the rules, after the reading.
        let read = count(treaty, &build("US", &items[items.len() - 1..]), interpretation, Options { with_items: true, ..Options::default() });
        for ((b, a), alone) in before.limits.iter().zip(&after.limits).zip(&read.limits) {
            let limit = treaty.limits.iter().find(|l| l.id == a.id).unwrap();
            let line = alone.lines.first();
            let subject = detente_treaty::selector::Subject {
                kind: KINDS[extra.kind],
                type_name: TYPES[extra.type_name],
                tags: &[],
                status: line.map_or(extra.status, |l| l.status),
                armament: line.map_or(extra.armament, |l| l.armament),
                range_km: None,
                loaded: false,
                armed: extra.warheads > 0,
            };
            let rule = limit.count.iter().find(|r| r.select.matches(&subject));
            let expected = match rule.map(|r| &r.weight) {
                None => 0,
                Some(detente_treaty::treaty::Weight::Item) => 1,
                Some(detente_treaty::treaty::Weight::Warheads) => u64::from(extra.warheads),
                Some(detente_treaty::treaty::Weight::Each(n)) => u64::from(*n),
                Some(other) => panic!("New START has no {other:?} rule"),
            };
            prop_assert_eq!(a.total.unwrap() - b.total.unwrap(), expected, "limit {}", a.id);
            prop_assert_eq!(alone.total, Some(expected), "limit {}", a.id);
            prop_assert_eq!(line.is_some(), rule.is_some(), "limit {}", a.id);
        }
    }
}

#[test]
fn readings_can_name_specific_items() {
    let mut catalogue = catalogue();
    let text = r#"
format = "detente-interpretation/1"
id = "named-items"
name = "Two named test bombers are really deployed"
treaty = "new-start"
party = "RU"
sources = [{ id = "example", title = "Illustration only" }]

[[readings]]
id = "named-test-bombers"
description = "These two test bombers are, in this reading, deployed."
select = { kinds = ["heavy-bomber"], types = ["no such type"], statuses = ["test"] }
uids = ["US-B-B52H-T1", "US-B-B52H-T2"]
treat_as = { status = "deployed" }
source = "example"
"#;
    catalogue.add_interpretation("named.toml", text).unwrap();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let reading = catalogue.interpretation("new-start", &"RU".parse().unwrap()).unwrap();
    assert_eq!(reading.id, "named-items", "a later reading by the same party replaces the earlier one");
    assert_eq!(catalogue.interpretations().filter(|i| i.party.as_str() == "RU").count(), 1);
    let treaty = catalogue.treaty("new-start").unwrap();
    let count = count(treaty, &us, Some(reading), Options { with_items: true, ..Options::default() });
    assert_eq!(totals(&count), [677, 1459, 802]);
    for difference in &count.differences {
        let uids: Vec<&str> = difference.lines.iter().flat_map(|l| l.uids.iter().map(String::as_str)).collect();
        assert_eq!(uids, ["US-B-B52H-T1", "US-B-B52H-T2"], "{}", difference.limit);
        assert_eq!(difference.delta, 2);
    }
    let moved = count.limits[0].lines.iter().find(|l| l.declared.is_some()).unwrap();
    assert_eq!(moved.uids, ["US-B-B52H-T1", "US-B-B52H-T2"]);
}

// --- cases from review ------------------------------------------------------

fn with_reading(catalogue: &mut Catalogue, readings: &str) -> detente_treaty::Interpretation {
    let text = format!(
        "format = \"detente-interpretation/1\"\nid = \"test-reading\"\nname = \"test\"\ntreaty = \"new-start\"\nparty = \"RU\"\nsources = [{{ id = \"example\", title = \"Illustration only\" }}]\n{readings}"
    );
    catalogue.add_interpretation("test.toml", &text).unwrap().clone()
}

#[test]
fn prohibitions_bind_parties_only() {
    let catalogue = catalogue();
    let inf = catalogue.treaty("inf").unwrap();
    let items = [Spec("glbm", "DF-21", Status::Deployed, None, 1, Some(1750))];
    assert!(count(inf, &declare("CN", "1995-01-01", &catalogue, &items), None, Options::default()).findings.is_empty());
    assert_eq!(
        count(inf, &declare("RU", "1995-01-01", &catalogue, &items), None, Options::default()).findings.len(),
        1
    );
}

#[test]
fn a_named_item_takes_the_first_reading_that_selects_or_names_it() {
    let mut catalogue = catalogue();
    let reading = with_reading(
        &mut catalogue,
        r#"
[[readings]]
id = "first-by-selector"
description = "x"
select = { kinds = ["heavy-bomber"], statuses = ["test"] }
treat_as = { status = "non-deployed" }
source = "example"

[[readings]]
id = "second-by-uid"
description = "x"
select = { kinds = ["heavy-bomber"], statuses = ["eliminated"] }
uids = ["X-0000"]
treat_as = { status = "deployed" }
source = "example"
"#,
    );
    let items = [Spec("heavy-bomber", "B-52H", Status::Test, Some(Armament::Nuclear), 0, None)];
    let us = declare("US", "2020-09-01", &catalogue, &items);
    let count = count(catalogue.treaty("new-start").unwrap(), &us, Some(&reading), Options::default());
    assert_eq!(totals(&count), [0, 0, 1], "counted as the first reading says: non-deployed");
    assert_eq!(count.differences[0].lines[0].reading.as_deref(), Some("first-by-selector"));
}

#[test]
fn differences_are_not_split_by_range_bands() {
    let mut catalogue = catalogue();
    let reading = with_reading(
        &mut catalogue,
        r#"
[[readings]]
id = "moved"
description = "x"
select = { kinds = ["icbm"], statuses = ["deployed"] }
treat_as = { status = "non-deployed" }
source = "example"

[[readings]]
id = "ranged"
description = "Matches nothing here, but its range splits the engine's range bands at 500 and 5,501 km."
select = { kinds = ["icbm"], statuses = ["eliminated"], range_km = { min = 500, max = 5500 } }
treat_as = { status = "deployed" }
source = "example"
"#,
    );
    // The items fall into three range bands; the difference must still be one line.
    let items: Vec<Spec> = [300, 700, 6000, 13000]
        .into_iter()
        .map(|km| Spec("icbm", "Minuteman III", Status::Deployed, None, 1, Some(km)))
        .collect();
    let us = declare("US", "2020-09-01", &catalogue, &items);
    let count = count(catalogue.treaty("new-start").unwrap(), &us, Some(&reading), Options::default());
    for difference in &count.differences {
        assert_eq!(difference.lines.len(), 1, "{difference:?}");
        assert_eq!(difference.lines[0].uids.len(), 4);
    }
}

#[test]
fn a_reading_never_moves_the_discount_onto_untouched_items() {
    let mut catalogue = catalogue();
    let text = TREATIES[1].1.replace(r#"id = "start-i""#, r#"id = "start-i-test""#);
    catalogue.add_treaty("start-i-test.toml", &text).unwrap();
    let reading_text = r#"
format = "detente-interpretation/1"
id = "arm-them"
name = "x"
treaty = "start-i-test"
party = "RU"
sources = [{ id = "example", title = "Illustration only" }]
[[readings]]
id = "unset-is-nuclear"
description = "x"
select = { kinds = ["heavy-bomber"], statuses = ["deployed"], armaments = ["non-nuclear"] }
treat_as = { armament = "nuclear" }
source = "example"
"#;
    catalogue.add_interpretation("arm.toml", reading_text).unwrap();
    let reading = catalogue.interpretation("start-i-test", &"RU".parse().unwrap()).unwrap().clone();
    let mut items: Vec<Spec> =
        repeat(150, Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::Nuclear), 0, None)).collect();
    items.extend(repeat(2, Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::NonNuclear), 0, None)));
    let us = declare("US", "2005-01-01", &catalogue, &items);
    let count = count(catalogue.treaty("start-i-test").unwrap(), &us, Some(&reading), Options::default());
    let difference = count.differences.iter().find(|d| d.limit == "accountable-warheads").unwrap();
    assert_eq!(difference.delta, 40, "two more bombers beyond the 150 discounted: 20 each");
    assert_eq!(difference.lines.len(), 1, "only the moved bombers appear: {:?}", difference.lines);
    assert_eq!(difference.lines[0].reading.as_deref(), Some("unset-is-nuclear"));
}

#[test]
fn bombers_without_an_armament_are_a_finding() {
    let catalogue = catalogue();
    let items = [Spec("heavy-bomber", "B-52H", Status::Deployed, None, 0, None)];
    let us = declare("US", "2020-09-01", &catalogue, &items);
    let count = count(catalogue.treaty("new-start").unwrap(), &us, None, Options::default());
    assert_eq!(
        count.findings,
        [Finding::MissingArmament { kind: "heavy-bomber".into(), items: 1, uids: vec!["X-0000".into()] }]
    );
}

#[test]
fn readings_naming_absent_or_repeated_items_are_caught() {
    let mut catalogue = catalogue();
    let reading = with_reading(
        &mut catalogue,
        r#"
[[readings]]
id = "ghosts"
description = "x"
select = { kinds = ["icbm"], statuses = ["eliminated"] }
uids = ["X-0000", "GHOST-2", "GHOST-1"]
treat_as = { status = "deployed" }
source = "example"
"#,
    );
    let items = [Spec("icbm", "Minuteman III", Status::NonDeployed, None, 1, None)];
    let us = declare("US", "2020-09-01", &catalogue, &items);
    let count = count(catalogue.treaty("new-start").unwrap(), &us, Some(&reading), Options::default());
    let check = |id: &str| catalogue.treaty("new-start").unwrap().checks.iter().find(|c| c.id == id).unwrap();
    assert_eq!(
        count.findings,
        [
            // Checks see the declaration: declared non-deployed with a warhead, the named ICBM
            // contradicts the definitions as declared (read as deployed it would not, and the
            // reading's "deployed missile in no launcher" is no contradiction of the declarer's).
            Finding::Contradiction {
                check: "warheads-on-a-non-deployed-missile".into(),
                description: check("warheads-on-a-non-deployed-missile").description.clone(),
                items: 1,
                uids: vec!["X-0000".into()]
            },
            Finding::ReadingNamesMissingItems {
                reading: "ghosts".into(),
                uids: vec!["GHOST-1".into(), "GHOST-2".into()]
            }
        ]
    );
    // (A reading by a party of the treaty: one by CN is refused for that alone.)
    let twice = "format = \"detente-interpretation/1\"\nid = \"t\"\nname = \"t\"\ntreaty = \"new-start\"\nparty = \"RU\"\nsources = [{ id = \"e\", title = \"e\" }]\n[[readings]]\nid = \"a\"\ndescription = \"x\"\nselect = { kinds = [\"icbm\"], statuses = [\"test\"] }\nuids = [\"A\", \"A\"]\ntreat_as = { status = \"deployed\" }\nsource = \"e\"\n";
    let error = catalogue.add_interpretation("twice.toml", twice).unwrap_err();
    assert!(error.to_string().contains("readings[0].uids[1]: \"A\" is named twice"), "{error}");
}

#[test]
fn tags_must_be_defined_by_a_type() {
    let text = TREATIES[1].1.replace(
        r#"tags = ["mobile"]
  statuses"#,
        r#"tags = ["mobil"]
  statuses"#,
    );
    let error = detente_treaty::Treaty::from_toml(&text).unwrap_err();
    assert!(error.to_string().contains("limits[3].count[0].tags[0]: unknown tag \"mobil\""), "{error}");
}

// --- missiles in launchers: New START's definitions as checks -----------------

fn contradictions(count: &Count) -> Vec<(&str, Vec<&str>)> {
    count
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Contradiction { check, uids, .. } => {
                Some((check.as_str(), uids.iter().map(String::as_str).collect()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn new_start_counts_deployed_missiles_as_declared_and_flags_those_in_no_launcher() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let items = [
        Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None),
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
        // A second deployed ICBM with no launcher left for it: counted as declared, and a contradiction.
        Spec("icbm", "Minuteman III", Status::Deployed, None, 3, None),
        Spec("slbm", "Trident II", Status::Deployed, None, 4, None),
        Spec("slbm-launcher", "Trident II", Status::Deployed, None, 0, None),
        // And a deployed SLBM in no launcher, with 5 warheads.
        Spec("slbm", "Trident II", Status::Deployed, None, 5, None),
    ];
    let count = count(treaty, &declare("US", "2020-09-01", &catalogue, &items), None, Options::default());
    // A contradiction never lowers a count: both unlinked missiles and their 3 + 5 warheads count.
    assert_eq!(totals(&count), [4, 1 + 3 + 4 + 5, 2]);
    assert_eq!(contradictions(&count), [("deployed-missile-outside-launcher", vec!["X-0002", "X-0005"])]);
    // Without them the count is lower by exactly what they add.
    let linked = count_of(treaty, &declare("US", "2020-09-01", &catalogue, &items[..5]));
    assert_eq!(totals(&linked), [3, 1 + 3 + 4, 2]);
}

fn count_of(treaty: &detente_treaty::Treaty, declaration: &Declaration) -> Count {
    count(treaty, declaration, None, Options::default())
}

#[test]
fn a_loaded_launcher_declared_anything_but_deployed_test_or_training_is_a_contradiction() {
    let catalogue = catalogue();
    // A missile hidden in a "non-deployed" silo, and one in a tube "under conversion".
    let hidden = [
        Spec("icbm-launcher", "Minuteman III", Status::NonDeployed, None, 0, None),
        Spec("icbm", "Minuteman III", Status::NonDeployed, None, 0, None),
        Spec("slbm-launcher", "Trident II", Status::UnderConversion, None, 0, None),
        Spec("slbm", "Trident II", Status::UnderConversion, None, 0, None),
        Spec("icbm-launcher", "Minuteman III", Status::Converted, None, 0, None),
        Spec("icbm", "Minuteman III", Status::Converted, None, 0, None),
    ];
    let declaration = declare("US", "2020-09-01", &catalogue, &hidden);
    let new_start = count_of(catalogue.treaty("new-start").unwrap(), &declaration);
    assert_eq!(
        contradictions(&new_start),
        [
            ("loaded-launcher-not-deployed", vec!["X-0000", "X-0002", "X-0004"]),
            ("missile-in-a-launcher-not-deployed", vec!["X-0001", "X-0003", "X-0005"]),
        ]
    );
    // START I says the same of launchers (its checks have no missile one: it counts launchers).
    let start = count_of(catalogue.treaty("start-i").unwrap(), &declare("US", "2005-01-01", &catalogue, &hidden));
    assert_eq!(contradictions(&start), [("loaded-launcher-not-deployed", vec!["X-0000", "X-0002", "X-0004"])]);
    // Loaded deployed, test and training launchers, and empty non-deployed ones, contradict nothing.
    let fine = [
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
        Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None),
        Spec("icbm-launcher", "Minuteman III", Status::Test, None, 0, None),
        Spec("icbm", "Minuteman III", Status::Test, None, 0, None),
        Spec("icbm-launcher", "Minuteman III", Status::Training, None, 0, None),
        Spec("icbm", "Minuteman III", Status::Training, None, 0, None),
        Spec("slbm-launcher", "Trident II", Status::NonDeployed, None, 0, None),
        Spec("slbm", "Trident II", Status::Converted, None, 0, None),
    ];
    for (treaty, date) in [("new-start", "2020-09-01"), ("start-i", "2005-01-01")] {
        let count = count_of(catalogue.treaty(treaty).unwrap(), &declare("US", date, &catalogue, &fine));
        assert!(contradictions(&count).is_empty(), "{treaty}: {:?}", count.findings);
    }
}

#[test]
fn checks_see_the_declaration_not_the_reading() {
    let mut catalogue = catalogue();
    // A reading that calls test missiles (in no launcher) deployed, and loaded deployed
    // launchers non-deployed: read so, both would contradict the definitions, but the
    // declaring party said neither, so neither is a contradiction.
    let reading = with_reading(
        &mut catalogue,
        r#"
[[readings]]
id = "test-missiles"
description = "x"
select = { kinds = ["icbm"], statuses = ["test"] }
treat_as = { status = "deployed" }
source = "example"

[[readings]]
id = "loaded-silos"
description = "x"
select = { kinds = ["icbm-launcher"], statuses = ["deployed"], loaded = true }
treat_as = { status = "non-deployed" }
source = "example"

[[readings]]
id = "empty-silos"
description = "x"
select = { kinds = ["icbm-launcher"], statuses = ["deployed"], loaded = false }
treat_as = { status = "non-deployed" }
source = "example"
"#,
    );
    let treaty = catalogue.treaty("new-start").unwrap();
    let items = [
        Spec("icbm", "Minuteman III", Status::Test, None, 0, None),
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
        Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None),
        // An empty deployed silo: a contradiction as declared, whatever a reading makes of it.
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
    ];
    let declaration = declare("US", "2020-09-01", &catalogue, &items);
    let read = count(treaty, &declaration, Some(&reading), Options::default());
    let declared = count_of(treaty, &declaration);
    assert_eq!(contradictions(&read), [("empty-deployed-launcher", vec!["X-0003"])]);
    assert_eq!(contradictions(&read), contradictions(&declared), "the reading changes no contradiction");
    // The reading does change the counts, so it was applied.
    assert_ne!(totals(&read), totals(&declared));
}

#[test]
fn a_first_format_declaration_counts_as_before_without_the_link_checks() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    // The shipped U.S. 2020 file as a /1 file: no launcher column.
    let mut first = String::new();
    for line in US_2020.lines() {
        let line = match line.strip_prefix("# format: ") {
            Some(_) => "# format: detente-declaration/1",
            None if line.starts_with('#') => line,
            None => line.rsplit_once(',').expect("nine columns").0,
        };
        first.push_str(line);
        first.push('\n');
    }
    let us = read_csv(first.as_bytes(), &catalogue.vocabulary()).unwrap();
    assert!(!us.header().links);
    let count = count_of(treaty, &us);
    assert_eq!(totals(&count), [675, 1_457, 800], "the published figures, as before links");
    assert!(count.findings.is_empty(), "no contradiction: {:?}", count.findings);
    let loaded_checks = [
        "empty-deployed-launcher",
        "deployed-missile-outside-launcher",
        "loaded-launcher-not-deployed",
        "missile-in-a-launcher-not-deployed",
    ];
    let caution =
        detente_treaty::Caution::LinksNotDeclared { checks: loaded_checks.map(String::from).to_vec(), limits: vec![] };
    assert!(count.cautions.contains(&caution), "{:?}", count.cautions);
    assert!(caution.to_string().contains("links no missile to a launcher"), "{caution}");
    assert!(caution.to_string().contains("were not run: empty-deployed-launcher"), "{caution}");
    // The checks that do not ask about links still run on a /1 file.
    let bad = first.replacen(
        ",icbm-launcher,Minuteman III,FE-WARREN,deployed,0,",
        ",icbm-launcher,Minuteman III,FE-WARREN,deployed,2,",
        1,
    );
    assert_ne!(bad, first);
    let count = count_of(treaty, &read_csv(bad.as_bytes(), &catalogue.vocabulary()).unwrap());
    assert_eq!(contradictions(&count).iter().map(|c| c.0).collect::<Vec<_>>(), ["warheads-on-a-launcher"]);
    // The same file as /2 has links and no such caution.
    let linked = count_of(treaty, &read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap());
    assert!(!linked.cautions.iter().any(|c| matches!(c, detente_treaty::Caution::LinksNotDeclared { .. })));
}

#[test]
fn a_limit_counted_by_links_says_so_for_a_first_format_declaration() {
    let catalogue = catalogue();
    // A treaty of one's own whose rule counts only missiles in launchers.
    let text = TREATIES[0].1.replacen(
        "  [[limits.count]]\n  kinds = [\"icbm\", \"slbm\"]\n  statuses = [\"deployed\"]\n\n",
        "  [[limits.count]]\n  kinds = [\"icbm\", \"slbm\"]\n  statuses = [\"deployed\"]\n  loaded = true\n\n",
        1,
    );
    assert_ne!(text, TREATIES[0].1);
    let treaty = detente_treaty::Treaty::from_toml(&text).unwrap();
    let bomber = ItemSpec {
        uid: "B1",
        kind: "heavy-bomber",
        type_name: "B-52H",
        facility: "BASE",
        status: Status::Deployed,
        armament: Some(Armament::Nuclear),
        warheads: 0,
        range_km: None,
        launcher: None,
    };
    let unlinked =
        Declaration::build(header("US", "2020-09-01", false), &catalogue.vocabulary(), [bomber.clone()]).unwrap();
    let caution = count_of(&treaty, &unlinked)
        .cautions
        .into_iter()
        .find(|c| matches!(c, detente_treaty::Caution::LinksNotDeclared { .. }))
        .expect("a caution");
    assert_eq!(
        caution,
        detente_treaty::Caution::LinksNotDeclared {
            checks: [
                "empty-deployed-launcher",
                "deployed-missile-outside-launcher",
                "loaded-launcher-not-deployed",
                "missile-in-a-launcher-not-deployed"
            ]
            .map(String::from)
            .to_vec(),
            limits: vec!["deployed-delivery-vehicles".into()],
        }
    );
    assert!(
        caution
            .to_string()
            .ends_with("limits deployed-delivery-vehicles count every missile and launcher as not loaded"),
        "{caution}"
    );
    // A /2 declaration of the same item has no such caution.
    let linked = Declaration::build(header("US", "2020-09-01", true), &catalogue.vocabulary(), [bomber]).unwrap();
    assert!(
        !count_of(&treaty, &linked)
            .cautions
            .iter()
            .any(|c| matches!(c, detente_treaty::Caution::LinksNotDeclared { .. }))
    );
}

#[test]
fn contradictions_of_the_definitions_name_the_items() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let items = [
        Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None),
        Spec("slbm-launcher", "Trident II", Status::Deployed, None, 0, None),
        Spec("slbm-launcher", "Trident II", Status::NonDeployed, None, 2, None),
        Spec("icbm", "Minuteman III", Status::NonDeployed, None, 1, None),
        Spec("slbm", "Trident II", Status::Test, None, 4, None),
        Spec("slbm", "Trident II", Status::NonDeployed, None, 0, None),
    ];
    // The checks are the treaty's definitions: they hold before entry into force too, and for any party.
    for (party, date) in [("US", "2020-09-01"), ("CN", "2009-01-01")] {
        let count = count(treaty, &declare(party, date, &catalogue, &items), None, Options::default());
        assert_eq!(
            contradictions(&count),
            [
                ("empty-deployed-launcher", vec!["X-0000", "X-0001"]),
                // The non-deployed SLBM goes into the non-deployed tube (see `declare`): a hidden missile.
                ("loaded-launcher-not-deployed", vec!["X-0002"]),
                ("missile-in-a-launcher-not-deployed", vec!["X-0005"]),
                ("warheads-on-a-launcher", vec!["X-0002"]),
                ("warheads-on-a-non-deployed-missile", vec!["X-0003", "X-0004"]),
            ],
            "{party} {date}"
        );
        let Finding::Contradiction { items, description, .. } = &count.findings[0] else { panic!() };
        assert_eq!(*items, 2);
        assert!(description.contains("contains a missile"), "{description}");
    }
    // The shipped declarations contradict nothing.
    for text in [US_2020, RU_2020, US_2017] {
        let declaration = read_csv(text.as_bytes(), &catalogue.vocabulary()).unwrap();
        assert!(contradictions(&count(treaty, &declaration, None, Options::default())).is_empty());
    }
}

const US_2017: &str = include_str!("../../../data/declarations/us-2017-03-01.csv");

// --- treaty files that contradict themselves ----------------------------------

fn field_error(text: &str) -> String {
    match detente_treaty::Treaty::from_toml(text).unwrap_err() {
        TreatyError::Field { path, message } => format!("{path}: {message}"),
        TreatyError::Syntax(message) => panic!("expected a field error, got {message}"),
    }
}

#[test]
fn treaty_dates_out_of_order_are_refused() {
    let new_start = TREATIES[0].1;
    let error = field_error(&new_start.replacen(r#"expires = "2026-02-05""#, r#"expires = "2010-02-05""#, 1));
    assert!(error.starts_with("dates.expires: 2010-02-05 is not after the entry into force on 2011-02-05"), "{error}");
    let error = field_error(&new_start.replacen(r#"signed = "2010-04-08""#, r#"signed = "2012-04-08""#, 1));
    assert!(error.starts_with("dates.entered_into_force: 2011-02-05 is before the signature"), "{error}");
    let sort = TREATIES[2].1;
    let error = field_error(&sort.replacen(r#"ended = "2011-02-05""#, r#"ended = "2003-06-01""#, 1));
    assert!(error.starts_with("dates.ended: 2003-06-01 is not after"), "{error}");
}

#[test]
fn groups_that_contradict_themselves_are_refused() {
    let start = TREATIES[1].1;
    let members = r#"members = ["RU", "UA", "KZ", "BY"]"#;
    // A member listed twice, at the start or the end of the list.
    let error = field_error(&start.replacen(members, r#"members = ["RU", "RU", "KZ", "BY"]"#, 1));
    assert_eq!(error, "groups[0].members[1]: RU is listed twice");
    let error = field_error(&start.replacen(members, r#"members = ["RU", "UA", "KZ", "BY", "UA"]"#, 1));
    assert_eq!(error, "groups[0].members[4]: UA is listed twice");
    // A party in two groups, whichever it comes first in.
    let second = |ids: &str| {
        start.replacen(
            "[[sources]]\nid = \"fas-central-limits\"",
            &format!("[[groups]]\nid = \"XX\"\nname = \"x\"\nmembers = {ids}\nsource = \"lisbon-protocol-unverified\"\n\n[[sources]]\nid = \"fas-central-limits\""),
            1,
        )
    };
    let error = field_error(&second(r#"["US", "KZ"]"#));
    assert!(error.starts_with("groups[1].members[1]: KZ is already a member of group SU"), "{error}");
    let error = field_error(&second(r#"["BY"]"#));
    assert!(error.starts_with("groups[1].members[0]: BY is already a member of group SU"), "{error}");
    assert!(detente_treaty::Treaty::from_toml(&second(r#"["US"]"#)).is_ok(), "a group of a party in no other group");
}

#[test]
fn an_end_after_the_expiry_or_an_event_before_the_signature_is_refused() {
    let new_start = TREATIES[0].1;
    for ended in ["2026-02-06", "2030-01-01"] {
        let text = new_start.replacen(
            "expires = \"2026-02-05\"\n",
            &format!("expires = \"2026-02-05\"\nended = \"{ended}\"\n"),
            1,
        );
        let error = field_error(&text);
        assert!(error.starts_with(&format!("dates.ended: {ended} is after the expiry on 2026-02-05")), "{error}");
    }
    // Ending on or before the expiry is what `ended` is for.
    let early =
        new_start.replacen("expires = \"2026-02-05\"\n", "expires = \"2026-02-05\"\nended = \"2026-02-05\"\n", 1);
    assert!(detente_treaty::Treaty::from_toml(&early).is_ok());
    // Events: the first and a later one, moved before the signature on 2010-04-08.
    let error = field_error(&new_start.replacen("date = \"2021-02-03\"", "date = \"2010-04-07\"", 1));
    assert_eq!(error, "events[0].date: 2010-04-07 is before the signature on 2010-04-08");
    let error = field_error(&new_start.replacen("date = \"2023-05-15\"", "date = \"1999-01-01\"", 1));
    assert_eq!(error, "events[3].date: 1999-01-01 is before the signature on 2010-04-08");
    let start = TREATIES[1].1;
    let error = field_error(&start.replacen("date = \"2009-12-05\"", "date = \"1991-07-30\"", 1));
    assert_eq!(error, "events[0].date: 1991-07-30 is before the signature on 1991-07-31");
}

#[test]
fn parties_and_per_party_values_must_be_parties() {
    let new_start = TREATIES[0].1;
    let error = field_error(&new_start.replacen(r#"parties = ["US", "RU"]"#, r#"parties = ["US", "RU", "US"]"#, 1));
    assert_eq!(error, "parties[2]: US is listed twice");
    let error = field_error(&new_start.replacen("max = 800\n", "max = 800\nmax_by_party = { CN = 300 }\n", 1));
    assert!(error.starts_with("limits[2].max_by_party.CN: a ceiling for CN, which is neither"), "{error}");
    let start = TREATIES[1].1;
    let error = field_error(&start.replacen("SU = { first = 180", "CN = { first = 180", 1));
    assert!(error.starts_with("limits[1].count[1].weight.discounted.CN: a discount for CN"), "{error}");
    let error = field_error(&new_start.replacen(
        "date = \"2023-05-15\"\nparty = \"US\"",
        "date = \"2023-05-15\"\nparty = \"GB\"",
        1,
    ));
    assert!(error.starts_with("events[3].party: GB is not a party"), "{error}");
    let error = field_error(&new_start.replacen(
        "  party = \"US\"\n  view = \"The suspension",
        "  party = \"FR\"\n  view = \"The suspension",
        1,
    ));
    assert!(error.starts_with("events[2].views[1].party: FR"), "{error}");
    let error = field_error(&start.replacen(
        r#"members = ["RU", "UA", "KZ", "BY"]"#,
        r#"members = ["RU", "UA", "KZ", "GE"]"#,
        1,
    ));
    assert!(error.starts_with("groups[0].members[3]: GE is not a party"), "{error}");
}

#[test]
fn ids_used_twice_are_refused() {
    let new_start = TREATIES[0].1;
    let cases = [
        (r#"id = "warheads-on-a-launcher""#, r#"id = "empty-deployed-launcher""#, "checks[4].id"),
        (r#"id = "type-two-inspections""#, r#"id = "type-one-inspections""#, "quotas[1].id"),
        (r#"id = "change-in-data""#, r#"id = "initial-database""#, "notifications[2].id"),
        (r#"id = "launchers""#, r#"id = "deployed-warheads""#, "limits[2].id"),
    ];
    for (from, to, path) in cases {
        let error = field_error(&new_start.replacen(from, to, 1));
        assert!(error.starts_with(&format!("{path}: id")) && error.ends_with("is used twice"), "{error}");
    }
    let inf = TREATIES[3].1;
    let twice = inf.replacen("[[prohibitions]]", "[[prohibitions]]\nid = \"x\"\ndescription = \"x\"\nsource = \"atomicarchive-inf\"\nselect = [{ kinds = [\"glcm\"], statuses = [\"deployed\"] }]\n\n[[prohibitions]]", 1).replacen("id = \"x\"", "id = \"intermediate-and-shorter-range-missiles\"", 1);
    assert!(field_error(&twice).starts_with("prohibitions[1].id"), "{}", field_error(&twice));
    let start = TREATIES[1].1;
    let error = field_error(&start.replacen("name = \"Peacekeeper\"", "name = \"Minuteman III\"", 1));
    assert!(error.starts_with("types[1].name: icbm \"Minuteman III\" is described twice"), "{error}");
}

#[test]
fn rules_an_earlier_one_always_beats_are_refused() {
    let new_start = TREATIES[0].1;
    // A second launcher rule that the first one covers.
    let shadowed = new_start.replacen(
        "  [[limits.count]]\n  kinds = [\"heavy-bomber\"]\n  statuses = [\"deployed\", \"non-deployed\", \"under-conversion\"]",
        "  [[limits.count]]\n  kinds = [\"slbm-launcher\"]\n  statuses = [\"non-deployed\"]\n  types = [\"Trident II\"]\n\n  [[limits.count]]\n  kinds = [\"heavy-bomber\"]\n  statuses = [\"deployed\", \"non-deployed\", \"under-conversion\"]",
        1,
    );
    assert_ne!(shadowed, new_start);
    let error = field_error(&shadowed);
    assert_eq!(
        error,
        "limits[2].count[1]: can never apply: limits[2].count[0] comes first and selects every item this one does"
    );
    // START I's bomber rules are ordered narrow to broad, so all three can apply; reversed, the narrow one never would.
    let start = TREATIES[1].1;
    let reversed = start.replacen(
        "  [[limits.count]]\n  kinds = [\"heavy-bomber\"]\n  tags = [\"long-range-nuclear-alcm\"]",
        "  [[limits.count]]\n  kinds = [\"heavy-bomber\"]\n  statuses = [\"deployed\"]\n  armaments = [\"nuclear\"]\n\n  [[limits.count]]\n  kinds = [\"heavy-bomber\"]\n  tags = [\"long-range-nuclear-alcm\"]",
        1,
    );
    assert!(
        field_error(&reversed).starts_with("limits[1].count[2]: can never apply: limits[1].count[1]"),
        "{}",
        field_error(&reversed)
    );
    // Readings: the first that selects an item wins.
    let mut catalogue = catalogue();
    let ru = include_str!("../../../data/interpretations/new-start-ru.toml");
    let shadowed = format!(
        "{ru}\n[[readings]]\nid = \"again\"\ndescription = \"x\"\nselect = {{ kinds = [\"icbm-launcher\"], statuses = [\"training\"], types = [\"Minuteman III\"] }}\ntreat_as = {{ status = \"deployed\" }}\nsource = \"mid-2022\"\n"
    );
    let error = catalogue.add_interpretation("x.toml", &shadowed).unwrap_err();
    assert!(error.to_string().contains("readings[3]: can never apply: readings[2] comes first"), "{error}");
    // With uids it can still apply to the items it names.
    let named = shadowed.replace(
        "treat_as = { status = \"deployed\" }\nsource = \"mid-2022\"\n",
        "uids = [\"US-X\"]\ntreat_as = { status = \"deployed\" }\nsource = \"mid-2022\"\n",
    );
    assert!(catalogue.add_interpretation("x.toml", &named).is_ok());
}

#[test]
fn readings_by_or_for_non_parties_are_refused() {
    let mut catalogue = catalogue();
    let ru = include_str!("../../../data/interpretations/new-start-ru.toml");
    let error =
        catalogue.add_interpretation("x.toml", &ru.replacen(r#"party = "RU""#, r#"party = "CN""#, 1)).unwrap_err();
    assert!(error.to_string().contains("field party: CN is not a party of New START"), "{error}");
    let error = catalogue
        .add_interpretation("x.toml", &ru.replacen(r#"applies_to = ["US"]"#, r#"applies_to = ["US", "IN"]"#, 1))
        .unwrap_err();
    assert!(error.to_string().contains("field applies_to[1]: IN is not a party"), "{error}");
}

#[test]
fn a_huge_value_in_a_treaty_file_gives_a_short_message() {
    let huge = "x".repeat(8 << 20);
    for text in [
        TREATIES[0].1.replacen(r#"statuses = ["deployed"]"#, &format!(r#"statuses = ["{huge}"]"#), 1),
        TREATIES[0].1.replacen(r#"source = "state-2011-fact-sheet""#, &format!(r#"source = "{huge}""#), 1),
        TREATIES[0].1.replacen("max = 700", &format!("max = 700{huge}"), 1),
    ] {
        let error = detente_treaty::Treaty::from_toml(&text).unwrap_err().to_string();
        assert!(error.len() < 1_000, "{} bytes: {}", error.len(), &error[..300]);
    }
}

#[test]
fn values_in_catalogue_and_finding_messages_are_quoted_and_cut() {
    let mut catalogue = catalogue();
    let huge = "y".repeat(1 << 20);
    let ru = include_str!("../../../data/interpretations/new-start-ru.toml");
    for (treaty, shown) in [("nowhere", "unknown treaty \"nowhere\""), (huge.as_str(), "(1048576 bytes in all)")] {
        let text = ru.replacen(r#"treaty = "new-start""#, &format!(r#"treaty = "{treaty}""#), 1);
        let error = catalogue.add_interpretation("x.toml", &text).unwrap_err().to_string();
        assert!(
            error.contains(shown) && error.len() < 300,
            "{} bytes: {}",
            error.len(),
            &error[..error.len().min(300)]
        );
    }
    // A type the treaty attributes nothing to, named in a finding: quoted, and cut when long.
    for type_name in ["SS-27", huge.as_str()] {
        let finding = Finding::Unattributed { limit: "l".into(), kind: "icbm".into(), type_name: type_name.into() };
        let text = finding.to_string();
        assert!(text.contains(&format!("icbm \"{}", &type_name[..type_name.len().min(80)])), "{}", &text[..100]);
        assert!(text.len() < 300, "{} bytes", text.len());
    }
}

// --- cautions -------------------------------------------------------------------

fn cautions(count: &Count) -> Vec<String> {
    count.cautions.iter().map(|c| c.to_string()).collect()
}

#[test]
fn a_limit_that_never_binds_says_so() {
    let catalogue = catalogue();
    let sort = catalogue.treaty("sort").unwrap();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = count(sort, &us, catalogue.interpretation("sort", &"US".parse().unwrap()), Options::default());
    assert!(
        count.cautions.contains(&detente_treaty::Caution::NeverBinds {
            limit: "operationally-deployed-warheads".into(),
            reason: "the limit was to bind from 2012-12-31, but SORT was no longer in force from 2011-02-05".into()
        }),
        "{:?}",
        count.cautions
    );
    // A treaty of one's own that never entered into force binds nothing either.
    let never = TREATIES[0].1.replacen("entered_into_force = \"2011-02-05\"\n", "", 1);
    let treaty = detente_treaty::Treaty::from_toml(&never).unwrap();
    let count = detente_treaty::count(&treaty, &us, None, Options::default());
    assert_eq!(count.cautions.iter().filter(|c| matches!(c, detente_treaty::Caution::NeverBinds { .. })).count(), 3);
    assert!(cautions(&count)[0].contains("never entered into force"));
}

#[test]
fn exceeding_a_limit_that_does_not_bind_is_a_caution_not_a_finding() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let mut items: Vec<Spec> = repeat(702, Spec("icbm", "Minuteman III", Status::Deployed, None, 1, None)).collect();
    items.extend(repeat(702, Spec("icbm-launcher", "Minuteman III", Status::Deployed, None, 0, None)));
    for (party, date, reason) in [
        ("US", "2017-09-01", "the limit binds from 2018-02-05"),
        ("CN", "2020-09-01", "CN is not a party to New START"),
        ("US", "2026-06-01", "New START expired on 2026-02-05"),
    ] {
        let count = count(treaty, &declare(party, date, &catalogue, &items), None, Options::default());
        assert!(count.findings.is_empty(), "{party} {date}: {:?}", count.findings);
        let exceeded: Vec<_> = count
            .cautions
            .iter()
            .filter_map(|c| match c {
                detente_treaty::Caution::ExceededWhereNotBinding { limit, total, max, excess, reason } => {
                    Some((limit.as_str(), *total, *max, *excess, reason.as_str()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(exceeded.len(), 1, "{party} {date}: {:?}", count.cautions);
        let (limit, total, max, excess, _) = exceeded[0];
        assert_eq!((limit, total, max, excess), ("deployed-delivery-vehicles", 702, 700, 2), "{party} {date}");
        assert!(exceeded[0].4.contains(reason), "{party} {date}: {}", exceeded[0].4);
    }
}

#[test]
fn warheads_a_declaration_does_not_record_leave_a_caution() {
    let catalogue = catalogue();
    let sort = catalogue.treaty("sort").unwrap();
    let reading = catalogue.interpretation("sort", &"US".parse().unwrap());
    // A New START-style declaration records no weapons on bombers.
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let count = count(sort, &us, reading, Options::default());
    assert_eq!(totals(&count), [1_457 - 48]);
    assert!(
        count.cautions.contains(&detente_treaty::Caution::WarheadsNotRecorded {
            limit: "operationally-deployed-warheads".into(),
            rule: 1,
            kinds: vec!["heavy-bomber".into()],
            items: 48
        }),
        "{:?}",
        count.cautions
    );
    // Bombers that record their weapons leave no such caution.
    let items = [Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::Nuclear), 12, None)];
    let count =
        detente_treaty::count(sort, &declare("US", "2008-01-01", &catalogue, &items), reading, Options::default());
    assert!(!count.cautions.iter().any(|c| matches!(c, detente_treaty::Caution::WarheadsNotRecorded { .. })));
    assert_eq!(totals(&count), [12]);
}

// --- START I as it was applied -------------------------------------------------

fn start_i_count(declaration: &Declaration) -> Count {
    let catalogue = catalogue();
    detente_treaty::count(catalogue.treaty("start-i").unwrap(), declaration, None, Options::default())
}

#[test]
fn start_i_counts_empty_deployed_launchers_as_containing_their_missile() {
    let catalogue = catalogue();
    // Ten empty Peacekeeper silos declared deployed, and one with its missile: all eleven count, 10 warheads each.
    let mut items: Vec<Spec> =
        repeat(11, Spec("icbm-launcher", "Peacekeeper", Status::Deployed, None, 0, None)).collect();
    items.push(Spec("icbm", "Peacekeeper", Status::Deployed, None, 10, None));
    let count = start_i_count(&declare("US", "2005-01-01", &catalogue, &items));
    assert_eq!(limit(&count, "delivery-vehicles").total, Some(11));
    assert_eq!(limit(&count, "accountable-warheads").total, Some(110));
    assert_eq!(limit(&count, "ballistic-missile-warheads").total, Some(110));
    assert!(count.findings.is_empty(), "no empty-launcher check under START I: {:?}", count.findings);
    // The 96 tubes of the four SSGNs (24 each), empty and still deployed: 96 launchers, 8 warheads each
    // (the Trident I attribution, [UNVERIFIED]; the tubes' type is this test's assumption).
    let tubes: Vec<Spec> = repeat(96, Spec("slbm-launcher", "Trident I", Status::Deployed, None, 0, None)).collect();
    let count = start_i_count(&declare("US", "2005-01-01", &catalogue, &tubes));
    assert_eq!(limit(&count, "delivery-vehicles").total, Some(96));
    assert_eq!(limit(&count, "accountable-warheads").total, Some(96 * 8));
    // New START does not count them as deployed: an empty launcher is non-deployed, and says so.
    let new_start = detente_treaty::count(
        catalogue.treaty("new-start").unwrap(),
        &declare("US", "2011-02-05", &catalogue, &tubes),
        None,
        Options::default(),
    );
    assert_eq!(contradictions(&new_start)[0].0, "empty-deployed-launcher");
    assert_eq!(contradictions(&new_start)[0].1.len(), 96);
}

#[test]
fn start_i_attributes_warheads_by_the_missile_type_a_launcher_holds() {
    let catalogue = catalogue();
    let start = catalogue.treaty("start-i").unwrap();
    assert!(start.type_def("icbm-launcher", "SS-18").is_none(), "attributions are on missile types");
    assert_eq!(start.type_facts("icbm-launcher", "SS-18").and_then(|t| t.attributed_warheads), Some(10));
    assert_eq!(start.type_facts("slbm-launcher", "SS-N-20").map(|t| t.kind.as_str()), Some("slbm"));
    let items = [
        Spec("icbm-launcher", "SS-18", Status::Deployed, None, 0, None),
        Spec("icbm-launcher", "SS-25", Status::Deployed, None, 0, None),
        Spec("slbm-launcher", "SS-N-23", Status::Deployed, None, 0, None),
    ];
    let count = start_i_count(&declare("RU", "2005-01-01", &catalogue, &items));
    assert_eq!(limit(&count, "accountable-warheads").total, Some(10 + 1 + 4));
    assert_eq!(limit(&count, "heavy-icbms").total, Some(1), "the tag comes from the missile type too");
    assert_eq!(limit(&count, "mobile-icbm-warheads").total, Some(1));
}

#[test]
fn the_former_soviet_union_is_counted_jointly() {
    let catalogue = catalogue();
    let start = catalogue.treaty("start-i").unwrap();
    let ru_items: Vec<Spec> = repeat(900, Spec("icbm-launcher", "SS-25", Status::Deployed, None, 0, None)).collect();
    let ua_items: Vec<Spec> = repeat(800, Spec("icbm-launcher", "SS-19", Status::Deployed, None, 0, None)).collect();
    let ru = declare_prefixed("RU", "1995-01-01", &catalogue, &ru_items, "RU");
    let ua = declare_prefixed("UA", "1995-01-01", &catalogue, &ua_items, "UA");
    // Alone, each member is within the 1,600 and carries the caution that the limit binds the group.
    for member in [&ru, &ua] {
        let count = start_i_count(member);
        assert!(limit(&count, "delivery-vehicles").excess == 0);
        assert!(
            count
                .cautions
                .iter()
                .any(|c| matches!(c, detente_treaty::Caution::GroupMember { group, .. } if group.as_str() == "SU")),
            "{:?}",
            count.cautions
        );
    }
    // The whole group, once the limits bind: 1,700 against the group's 1,600, a finding.
    let part = |party: &str, items: &[Spec]| declare_prefixed(party, "2002-01-01", &catalogue, items, party);
    let (ru, ua, kz, by) = (part("RU", &ru_items), part("UA", &ua_items), part("KZ", &[]), part("BY", &[]));
    let whole = Declaration::combine([&ru, &ua, &kz, &by], "SU".parse().unwrap()).unwrap();
    let count = detente_treaty::count(start, &whole, None, Options::default());
    let delivery = limit(&count, "delivery-vehicles");
    assert_eq!(delivery.total, Some(1_700));
    assert!(delivery.binding, "{:?}", delivery.binding_note);
    assert!(
        count
            .findings
            .iter()
            .any(|f| matches!(f, Finding::LimitExceeded { limit, excess: 100, .. } if limit == "delivery-vehicles"))
    );
    assert!(!count.cautions.iter().any(|c| matches!(
        c,
        detente_treaty::Caution::GroupMember { .. } | detente_treaty::Caution::GroupIncomplete { .. }
    )));
    // A declaration of the group itself (not joined from parts) is the whole group's too.
    let declared_by_su = declare_prefixed("SU", "2002-01-01", &catalogue, &ru_items, "SU");
    assert!(
        limit(&detente_treaty::count(start, &declared_by_su, None, Options::default()), "delivery-vehicles").binding
    );
}

#[test]
fn a_group_counted_from_some_of_its_members_is_a_part_that_does_not_bind() {
    let catalogue = catalogue();
    let start = catalogue.treaty("start-i").unwrap();
    let part = |party: &str, n: usize| {
        let items: Vec<Spec> = repeat(n, Spec("icbm-launcher", "SS-19", Status::Deployed, None, 0, None)).collect();
        declare_prefixed(party, "2002-01-01", &catalogue, &items, party)
    };
    let su: detente_core::Party = "SU".parse().unwrap();
    // RU and UA of RU, UA, KZ, BY: over the 1,600, but only a part of the group's total.
    let (ru, ua, kz) = (part("RU", 900), part("UA", 800), part("KZ", 1));
    for (parts, missing, note) in [
        (vec![&ru, &ua], vec!["KZ", "BY"], "binds SU jointly; KZ, BY are missing"),
        (vec![&ru, &ua, &kz], vec!["BY"], "binds SU jointly; BY is missing"),
    ] {
        let joint = Declaration::combine(parts.iter().copied(), su.clone()).unwrap();
        let count = detente_treaty::count(start, &joint, None, Options::default());
        for limit in &count.limits {
            assert!(!limit.binding, "{}", limit.id);
            assert_eq!(limit.binding_note.as_deref(), Some(note), "{}", limit.id);
        }
        assert!(!count.findings.iter().any(|f| matches!(f, Finding::LimitExceeded { .. })), "{:?}", count.findings);
        let missing: Vec<detente_core::Party> = missing.iter().map(|p| p.parse().unwrap()).collect();
        let counted: Vec<detente_core::Party> = parts.iter().map(|d| d.party().clone()).collect();
        let caution = detente_treaty::Caution::GroupIncomplete { group: su.clone(), counted, missing };
        assert!(count.cautions.contains(&caution), "{:?}", count.cautions);
        assert!(caution.to_string().contains("SU's members"), "{caution}");
        // The excess is still shown, as a caution.
        assert!(count.cautions.iter().any(|c| matches!(
            c,
            detente_treaty::Caution::ExceededWhereNotBinding { limit, reason, .. }
                if limit == "delivery-vehicles" && reason == note
        )));
    }
}

#[test]
fn one_member_counted_alone_is_not_bound_by_the_groups_ceiling_or_discount() {
    let catalogue = catalogue();
    let note = "binds SU jointly: count all its members together";
    // 1,700 Russian launchers alone: over the group's ceiling, which does not bind RU alone.
    let silos: Vec<Spec> = repeat(1_700, Spec("icbm-launcher", "SS-19", Status::Deployed, None, 0, None)).collect();
    let count = start_i_count(&declare("RU", "2002-01-01", &catalogue, &silos));
    let delivery = limit(&count, "delivery-vehicles");
    assert_eq!((delivery.total, delivery.excess, delivery.binding), (Some(1_700), 100, false));
    assert_eq!(delivery.binding_note.as_deref(), Some(note));
    assert!(count.findings.is_empty(), "{:?}", count.findings);
    assert!(count.cautions.iter().any(|c| matches!(
        c,
        detente_treaty::Caution::ExceededWhereNotBinding { limit, excess: 100, reason, .. }
            if limit == "delivery-vehicles" && reason == note
    )));
    // 190 Ukrainian Tu-160 alone get the whole group's 180-bomber discount, in a count that does not bind.
    let bombers: Vec<Spec> =
        repeat(190, Spec("heavy-bomber", "Tu-160", Status::Deployed, Some(Armament::Nuclear), 0, None)).collect();
    let count = start_i_count(&declare("UA", "2002-01-01", &catalogue, &bombers));
    let warheads = limit(&count, "accountable-warheads");
    assert_eq!(warheads.total, Some(180 * 8 + 10 * 12));
    assert!(!warheads.binding && warheads.binding_note.as_deref() == Some(note));
    // A ceiling of the member's own binds it alone.
    let own = TREATIES[1].1.replacen("max = 1600\n", "max = 1600\nmax_by_party = { RU = 1500 }\n", 1);
    assert_ne!(own, TREATIES[1].1);
    let own = detente_treaty::Treaty::from_toml(&own).unwrap();
    let count = detente_treaty::count(&own, &declare("RU", "2002-01-01", &catalogue, &silos), None, Options::default());
    let delivery = limit(&count, "delivery-vehicles");
    assert_eq!((delivery.max, delivery.excess, delivery.binding), (Some(1_500), 200, true));
    // A party outside any group is bound as before.
    let us = start_i_count(&declare("US", "2002-01-01", &catalogue, &silos));
    assert!(limit(&us, "delivery-vehicles").binding);
}

#[test]
fn bomber_discounts_stop_at_150_and_180() {
    let catalogue = catalogue();
    // 160 U.S. B-52H: 150 at 10, 10 at their capacity of 20.
    let us: Vec<Spec> =
        repeat(160, Spec("heavy-bomber", "B-52H", Status::Deployed, Some(Armament::Nuclear), 0, None)).collect();
    let count = start_i_count(&declare("US", "2005-01-01", &catalogue, &us));
    assert_eq!(limit(&count, "accountable-warheads").total, Some(150 * 10 + 10 * 20));
    // The Soviet discount is the group's: 150 Russian Tu-95MS and 40 Ukrainian Tu-160 share
    // the first 180 (the discount goes first to the bombers of highest capacity, the Tu-95MS).
    let ru = declare_prefixed(
        "RU",
        "2005-01-01",
        &catalogue,
        &repeat(150, Spec("heavy-bomber", "Tu-95MS", Status::Deployed, Some(Armament::Nuclear), 0, None))
            .collect::<Vec<_>>(),
        "RU",
    );
    let ua = declare_prefixed(
        "UA",
        "2005-01-01",
        &catalogue,
        &repeat(40, Spec("heavy-bomber", "Tu-160", Status::Deployed, Some(Armament::Nuclear), 0, None))
            .collect::<Vec<_>>(),
        "UA",
    );
    let su = Declaration::combine([&ru, &ua], "SU".parse().unwrap()).unwrap();
    assert_eq!(limit(&start_i_count(&su), "accountable-warheads").total, Some(180 * 8 + 10 * 12));
    // Bombers with other nuclear armaments count 1 each, beyond any discount.
    let other = [Spec("heavy-bomber", "B-1B", Status::Deployed, Some(Armament::Nuclear), 0, None)];
    assert_eq!(
        limit(&start_i_count(&declare("US", "2005-01-01", &catalogue, &other)), "accountable-warheads").total,
        Some(1)
    );
}

// --- SORT has no counting rules of its own ---------------------------------------

#[test]
fn sort_counts_only_by_a_reading() {
    let catalogue = catalogue();
    let sort = catalogue.treaty("sort").unwrap();
    let ru = read_csv(RU_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let mut count = count(sort, &ru, catalogue.interpretation("sort", &"RU".parse().unwrap()), Options::default());
    assert_eq!(count.limits[0].total, None);
    assert_eq!(serde_json::to_value(&count).unwrap()["limits"][0]["total"], serde_json::Value::Null);
    catalogue.suggest_readings(&mut count);
    let caution = count
        .cautions
        .iter()
        .find(|c| matches!(c, detente_treaty::Caution::NoCountingRules { .. }))
        .expect("the missing count is explained");
    assert_eq!(
        caution.to_string(),
        "limit operationally-deployed-warheads: no count: SORT gives no counting rules, and RU has published no reading that gives them; count as US read it with --as US"
    );
    // As the United States read it, the Russian declaration has a count (bombers record no weapons).
    let us_reading = catalogue.interpretation("sort", &"US".parse().unwrap());
    let count = detente_treaty::count(sort, &ru, us_reading, Options::default());
    assert_eq!(count.limits[0].rules_from.as_deref(), Some("sort-us"));
    assert_eq!(totals(&count), [1_447 - 44]);
}

#[test]
fn a_reading_may_not_replace_a_treatys_own_rules() {
    let mut catalogue = catalogue();
    let sort_us = include_str!("../../../data/interpretations/sort-us.toml");
    let own = sort_us
        .replace(r#"treaty = "sort""#, r#"treaty = "new-start""#)
        .replace(r#"limit = "operationally-deployed-warheads""#, r#"limit = "deployed-warheads""#);
    let error = catalogue.add_interpretation("x.toml", &own).unwrap_err();
    assert!(
        error.to_string().contains("limits[0].limit: New START gives its own counting rules for deployed-warheads"),
        "{error}"
    );
    let unknown = sort_us.replace(r#"limit = "operationally-deployed-warheads""#, r#"limit = "warheads""#);
    let error = catalogue.add_interpretation("x.toml", &unknown).unwrap_err();
    assert!(error.to_string().contains("limits[0].limit: SORT has no limit \"warheads\""), "{error}");
    // A treaty's limit either has rules or says a reading gives them.
    let none = TREATIES[2].1.replacen("rules = \"by-reading\"\n", "", 1);
    assert!(field_error(&none).contains("has no counting rule"), "{}", field_error(&none));
}

// --- counts by facility and by type ------------------------------------------------

fn row_value(count: &Count, facility: Option<&str>, type_name: Option<&str>, limit: &str) -> u64 {
    count
        .rows
        .iter()
        .filter(|r| facility.is_none_or(|f| r.facility.as_ref().is_some_and(|x| x.id == f)))
        .filter(|r| type_name.is_none_or(|t| r.type_name.as_deref() == Some(t)))
        .map(|r| r.counted[limit])
        .sum()
}

#[test]
fn us_2017_by_base_reproduces_the_published_table() {
    let catalogue = catalogue();
    let us = read_csv(US_2017.as_bytes(), &catalogue.vocabulary()).unwrap();
    let breakdown = detente_treaty::Breakdown { by_facility: true, by_type: true };
    let count = new_start_count(&us, "US", Options { breakdown, ..Options::default() });
    assert_eq!(totals(&count), [673, 1_411, 820], "the published aggregates");
    let deployed = "deployed-delivery-vehicles";
    let published = [
        ("FE-WARREN", "Minuteman III", 136),
        ("MALMSTROM", "Minuteman III", 133),
        ("MINOT", "Minuteman III", 136),
        ("KINGS-BAY", "Trident II", 100),
        ("BANGOR", "Trident II", 120),
        ("WHITEMAN", "B-2A", 12),
    ];
    for (base, type_name, value) in published {
        assert_eq!(row_value(&count, Some(base), Some(type_name), deployed), value, "{base} {type_name}");
    }
    let b52 = row_value(&count, Some("BARKSDALE"), Some("B-52H"), deployed)
        + row_value(&count, Some("MINOT"), Some("B-52H"), deployed);
    assert_eq!(b52, 36, "Barksdale and Minot together; the split is not published");
    assert_eq!(count.rows.iter().map(|r| r.counted[deployed]).sum::<u64>(), 673);
    // The 41 B-52H equipped for non-nuclear armaments are declared and counted in no limit.
    let converted = us.items().iter().filter(|i| i.armament == Some(Armament::NonNuclear)).count();
    assert_eq!(converted, 41);
    // By facility alone, Minot's row holds its ICBMs and its bombers.
    let by_base = new_start_count(
        &us,
        "US",
        Options { breakdown: detente_treaty::Breakdown { by_facility: true, by_type: false }, ..Options::default() },
    );
    assert!(by_base.rows.iter().all(|r| r.type_name.is_none()));
    assert_eq!(
        row_value(&by_base, Some("MINOT"), None, deployed),
        136 + row_value(&count, Some("MINOT"), Some("B-52H"), deployed)
    );
    // A plain count has no rows and the same totals.
    let plain = new_start_count(&us, "US", Options::default());
    assert!(plain.rows.is_empty());
    assert_eq!(totals(&plain), totals(&count));
}

#[test]
fn us_2020_by_type_gives_the_published_breakdown() {
    let catalogue = catalogue();
    let us = read_csv(US_2020.as_bytes(), &catalogue.vocabulary()).unwrap();
    let breakdown = detente_treaty::Breakdown { by_facility: false, by_type: true };
    let count = new_start_count(&us, "RU", Options { breakdown, ..Options::default() });
    let value = |t: &str, limit: &str| row_value(&count, None, Some(t), limit);
    assert_eq!(
        ["Minuteman III", "Trident II", "B-2A", "B-52H"].map(|t| value(t, "deployed-delivery-vehicles")),
        [397, 230, 12, 36]
    );
    // As Russia reads it, the launcher rows carry the 101.
    assert_eq!(
        ["Minuteman III", "Trident II", "B-2A", "B-52H"].map(|t| value(t, "launchers")),
        [454 + 4, 280 + 56, 20, 46 + 41]
    );
    assert!(count.rows.iter().all(|r| r.facility.is_none()));
}

// --- the regime as of the count's date ----------------------------------------------

#[test]
fn a_count_after_the_suspension_says_so_with_both_views() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let regime = |date: &str| detente_treaty::regime::Regime::as_of(treaty, date.parse().unwrap());
    let views = |r: &detente_treaty::regime::Regime| -> Vec<(String, String)> {
        r.events.iter().flat_map(|e| e.views.iter().map(|v| (e.date.to_string(), v.party.to_string()))).collect()
    };
    let early = regime("2020-09-01");
    assert!(early.in_force && early.events.is_empty() && early.no_limit_binds.is_none());
    let before_us_view = regime("2023-03-01");
    assert_eq!(before_us_view.events.len(), 3, "extension and the two suspension steps");
    assert_eq!(views(&before_us_view), [("2023-02-21".into(), "RU".into()), ("2023-02-28".into(), "RU".into())]);
    let during = regime("2024-03-01");
    assert_eq!(
        views(&during),
        [("2023-02-21".into(), "RU".into()), ("2023-02-28".into(), "RU".into()), ("2023-02-28".into(), "US".into())]
    );
    use detente_treaty::treaty::Effect::*;
    assert_eq!(
        during.events.iter().map(|e| e.effect).collect::<Vec<_>>(),
        [Extension, Suspension, Suspension, Countermeasure, Countermeasure]
    );
    assert!(during.in_force, "a suspension is not an end: the treaty is still in force");
    // The count carries it.
    let us = declare("US", "2024-03-01", &catalogue, &[]);
    let count = count(treaty, &us, None, Options::default());
    assert_eq!(count.regime, during);
}

#[test]
fn a_count_after_expiry_says_no_limit_binds_and_why() {
    let catalogue = catalogue();
    let treaty = catalogue.treaty("new-start").unwrap();
    let count = count(treaty, &declare("RU", "2026-03-01", &catalogue, &[]), None, Options::default());
    assert!(!count.regime.in_force);
    assert_eq!(count.regime.no_limit_binds.as_deref(), Some("New START expired on 2026-02-05: no limit binds"));
    let last = count.regime.events.last().unwrap();
    assert_eq!((last.date.to_string().as_str(), last.effect), ("2026-02-05", detente_treaty::treaty::Effect::Expiry));
    let offer = count.regime.events.iter().find(|e| e.effect == detente_treaty::treaty::Effect::Offer).unwrap();
    assert_eq!(offer.views[0].party.as_str(), "US", "the United States' answer to the offer, by expiry");
    assert!(
        count.limits.iter().all(|l| !l.binding && l.binding_note.as_deref().unwrap().contains("expired on 2026-02-05"))
    );
    // SORT ended early: superseded.
    let sort = catalogue.treaty("sort").unwrap();
    let count = detente_treaty::count(sort, &declare("US", "2012-01-01", &catalogue, &[]), None, Options::default());
    assert_eq!(
        count.regime.no_limit_binds.as_deref(),
        Some("SORT ended on 2011-02-05 (superseded by New START's entry into force): no limit binds")
    );
}
