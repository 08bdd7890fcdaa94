//! The `detente` binary end to end: real processes, real files, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(args)
        .current_dir(root())
        .env_remove("DETENTE_DATA")
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let output = detente(args);
    assert!(output.status.success(), "detente {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("valid JSON")
}

fn totals(count: &Value) -> Vec<u64> {
    count["limits"].as_array().unwrap().iter().map(|l| l["total"].as_u64().unwrap()).collect()
}

/// Runs a command that must fail on bad input: exit 2, a message on stderr, nothing on stdout.
fn bad(args: &[&str]) -> String {
    let output = detente(args);
    assert_eq!(output.status.code(), Some(2), "detente {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    String::from_utf8(output.stderr).unwrap()
}

const US: &str = "data/declarations/us-2020-09-01.csv";

#[test]
fn count_us_2020_gives_the_published_figures() {
    let count = json(&["count", US, "--treaty", "new-start", "--json"]);
    assert_eq!(totals(&count), [675, 1457, 800]);
    assert_eq!(count["limits"][2]["excess"], 0);
    assert_eq!(count["findings"], Value::Array(vec![]));
}

#[test]
fn count_us_2020_as_russia_reads_it() {
    let count = json(&["count", US, "--treaty", "new-start", "--as", "RU", "--json"]);
    assert_eq!(totals(&count), [675, 1457, 901]);
    assert_eq!(count["limits"][2]["excess"], 101);
    assert_eq!(count["reading"]["id"], "new-start-ru");
    let difference = &count["differences"][0];
    assert_eq!((difference["limit"].as_str(), difference["delta"].as_i64()), (Some("launchers"), Some(101)));
    let uids: Vec<&str> = difference["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["uids"].as_array().unwrap())
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(uids.len(), 101);
    let declaration = std::fs::read_to_string(root().join(US)).unwrap();
    for uid in uids {
        let row = declaration
            .lines()
            .find(|l| l.starts_with(&format!("{uid},")))
            .unwrap_or_else(|| panic!("{uid} is declared"));
        assert!(row.contains(",converted,") || row.contains(",training,"), "{row}");
    }
}

#[test]
fn compliance_exit_status() {
    let output = detente(&["compliance", US, "--treaty", "new-start", "--as", "RU", "--fail-on-findings"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("limit launchers exceeded by 101"));
    let output = detente(&["compliance", US, "--treaty", "new-start", "--fail-on-findings"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("No findings."));
    let findings = json(&["compliance", US, "--treaty", "new-start", "--as", "RU", "--json"]);
    assert_eq!(findings["findings"][0]["finding"], "limit-exceeded");
    assert_eq!(findings["findings"][0]["excess"], 101);
}

#[test]
fn count_lists_items_on_request() {
    let count = json(&["count", "data/declarations/ru-2020-09-01.csv", "--treaty", "new-start", "--items", "--json"]);
    assert_eq!(totals(&count), [510, 1447, 764]);
    let listed: usize =
        count["limits"][2]["lines"].as_array().unwrap().iter().map(|l| l["uids"].as_array().unwrap().len()).sum();
    assert_eq!(listed, 764);
}

#[test]
fn as_party_without_a_reading_is_refused() {
    let message = bad(&["count", US, "--treaty", "new-start", "--as", "CN"]);
    assert!(message.contains("CN has no published reading of new-start"), "{message}");
    assert!(message.contains("RU (new-start-ru)"), "{message}");
    let message = bad(&["count", US, "--treaty", "new-start-3"]);
    assert!(message.contains("unknown treaty \"new-start-3\""), "{message}");
}

const PUBLISHED: &[(&str, &str, u32, u32, u32)] = &[
    ("2011-02-05", "US", 882, 1800, 1124),
    ("2011-02-05", "RU", 521, 1537, 865),
    ("2011-09-01", "US", 822, 1790, 1043),
    ("2011-09-01", "RU", 516, 1566, 871),
    ("2012-03-01", "US", 812, 1737, 1040),
    ("2012-03-01", "RU", 494, 1492, 881),
    ("2012-09-01", "US", 806, 1722, 1034),
    ("2012-09-01", "RU", 491, 1499, 884),
    ("2013-03-01", "US", 792, 1654, 1028),
    ("2013-03-01", "RU", 492, 1480, 900),
    ("2013-09-01", "US", 809, 1688, 1015),
    ("2013-09-01", "RU", 473, 1400, 894),
    ("2014-03-01", "US", 778, 1585, 952),
    ("2014-03-01", "RU", 498, 1512, 906),
    ("2014-09-01", "US", 794, 1642, 912),
    ("2014-09-01", "RU", 528, 1643, 911),
    ("2015-03-01", "US", 785, 1597, 898),
    ("2015-03-01", "RU", 515, 1582, 890),
    ("2015-09-01", "US", 762, 1538, 898),
    ("2015-09-01", "RU", 526, 1648, 877),
    ("2016-03-01", "US", 741, 1481, 878),
    ("2016-03-01", "RU", 521, 1735, 856),
    ("2016-09-01", "US", 681, 1367, 848),
    ("2016-09-01", "RU", 508, 1796, 847),
    ("2017-03-01", "US", 673, 1411, 820),
    ("2017-03-01", "RU", 523, 1765, 816),
    ("2017-09-01", "US", 660, 1393, 800),
    ("2017-09-01", "RU", 501, 1561, 790),
    ("2018-02-05", "US", 652, 1350, 800),
    ("2018-02-05", "RU", 527, 1444, 779),
    ("2018-09-01", "US", 659, 1398, 800),
    ("2018-09-01", "RU", 517, 1420, 775),
    ("2019-03-01", "US", 656, 1365, 800),
    ("2019-03-01", "RU", 524, 1461, 760),
    ("2019-09-01", "US", 668, 1376, 800),
    ("2019-09-01", "RU", 513, 1426, 757),
    ("2020-03-01", "US", 655, 1373, 800),
    ("2020-03-01", "RU", 485, 1326, 754),
    ("2020-09-01", "US", 675, 1457, 800),
    ("2020-09-01", "RU", 510, 1447, 764),
    ("2021-03-01", "US", 651, 1357, 800),
    ("2021-03-01", "RU", 517, 1456, 767),
    ("2021-09-01", "US", 665, 1389, 800),
    ("2021-09-01", "RU", 527, 1458, 742),
    ("2022-03-01", "US", 686, 1515, 800),
    ("2022-03-01", "RU", 526, 1474, 761),
    ("2022-09-01", "US", 659, 1420, 800),
    ("2022-09-01", "RU", 540, 1549, 759),
    ("2023-03-01", "US", 662, 1419, 800),
];

#[test]
fn history_reproduces_every_published_row() {
    let rows = json(&["history", "--json"]);
    let rows: Vec<(String, String, u64, u64, u64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["date"].as_str().unwrap().to_owned(),
                r["party"].as_str().unwrap().to_owned(),
                r["deployed_icbm_slbm_bomber"].as_u64().unwrap(),
                r["deployed_warheads"].as_u64().unwrap(),
                r["deployed_nondeployed_launchers"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, u64, u64)> = PUBLISHED
        .iter()
        .map(|&(d, p, a, b, c)| (d.to_owned(), p.to_owned(), u64::from(a), u64::from(b), u64::from(c)))
        .collect();
    assert_eq!(rows, expected);
    let us = json(&["history", "--party", "US", "--json"]);
    assert_eq!(us.as_array().unwrap().len(), 25);
    // Every row keeps its source, and unverified cells are marked.
    let all = json(&["history", "--json"]);
    assert!(all.as_array().unwrap().iter().all(|r| !r["source"].as_str().unwrap().is_empty()));
    let marked: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verification"] == "unverified")
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["2022-09-01"]);
    // The CSV form is the shipped dataset, byte for byte.
    assert_eq!(ok(&["history", "--csv"]), std::fs::read_to_string(root().join("data/newstart_aggregate.csv")).unwrap());
}

#[test]
fn history_plot_draws_both_parties_against_the_three_limits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.svg");
    ok(&["history", "--plot", path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<g class=\"panel\">").count(), 3);
    for label in
        ["limit 700", "limit 1550", "limit 800", "<title>US</title>", "<title>RU</title>", "limits apply 2018-02-05"]
    {
        assert!(svg.contains(label), "{label}");
    }
    assert_eq!(svg.matches("<polyline").count(), 6, "two parties in each of three panels");
    assert_eq!(svg.matches("<circle").count(), 49 * 3, "every published row in every panel");
    assert!(svg.contains("659 (unverified)"), "unverified values are marked");
}

#[test]
fn treaty_list_and_show() {
    let list = json(&["treaty", "list", "--json"]);
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["inf", "launch-notification-1988", "major-exercises-1989", "new-start", "sort", "start-i"]);
    let text = ok(&["treaty", "show", "new-start"]);
    for expected in [
        "Article II.1(c) launchers ≤ 800 from 2018-02-05",
        " 10 per treaty-year: Type One inspections",
        "within 5 days after the event",
        "expired",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    let show = json(&["treaty", "show", "inf", "--json"]);
    assert_eq!(show["prohibitions"][0]["select"][0]["range_km"]["max"], 5500);
}

#[test]
fn users_add_treaties_and_readings_as_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("treaties")).unwrap();
    let treaty = std::fs::read_to_string(root().join("data/treaties/new-start.toml")).unwrap();
    let trilateral = treaty
        .replace("id = \"new-start\"", "id = \"trilateral\"")
        .replace("parties = [\"US\", \"RU\"]", "parties = [\"US\", \"RU\", \"CN\"]")
        .replace("max = 1550", "max = 1550\nmax_by_party = { US = 1000 }");
    std::fs::write(dir.path().join("treaties/trilateral.toml"), trilateral).unwrap();
    let data = dir.path().to_str().unwrap();
    let count = json(&["--data-dir", data, "count", US, "--treaty", "trilateral", "--json"]);
    assert_eq!(count["limits"][1]["max"], 1000);
    assert_eq!(count["limits"][1]["excess"], 457);
    // A treaty file can also be named directly.
    let path = dir.path().join("treaties/trilateral.toml");
    let count = json(&["count", US, "--treaty", path.to_str().unwrap(), "--json"]);
    assert_eq!(count["treaty"], "trilateral");
    // A broken user file is named in the error.
    std::fs::write(dir.path().join("treaties/broken.toml"), "format = \"detente-treaty/1\"\nid = \"broken\"\n")
        .unwrap();
    let message = bad(&["--data-dir", data, "treaty", "list"]);
    assert!(message.contains("broken.toml") && message.contains("missing field"), "{message}");
}

#[test]
fn bad_declarations_exit_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let header_line = original.lines().position(|l| l.starts_with("uid,")).unwrap() + 1;
    let cases: [(&str, String, String); 7] = [
        (
            "unknown-kind.csv",
            original.replacen(",icbm,Minuteman III,", ",icbn,Minuteman III,", 1),
            "field kind: unknown kind \"icbn\"".into(),
        ),
        (
            "duplicate.csv",
            original.replacen("US-L-MM3-002,", "US-L-MM3-001,", 1),
            "field uid: duplicate unique identifier \"US-L-MM3-001\"".into(),
        ),
        (
            "negative.csv",
            original.replacen("deployed,5,,12000", "deployed,-5,,12000", 1),
            "field warheads: -5 is negative".into(),
        ),
        (
            "non-nuclear.csv",
            original.replacen("converted,0,non-nuclear", "converted,2,non-nuclear", 1),
            "field warheads: 2 warheads on an item equipped for non-nuclear".into(),
        ),
        (
            "bad-date.csv",
            original.replacen("# as-of: 2020-09-01", "# as-of: 2020-02-30", 1),
            "line 3, field as-of: invalid date".into(),
        ),
        (
            "unknown-facility.csv",
            original.replacen(",MALMSTROM,deployed", ",GRAND-FORKS,deployed", 1),
            "field facility: unknown facility \"GRAND-FORKS\"".into(),
        ),
        (
            "wrong-column.csv",
            original.replacen("range_km", "range", 1),
            format!("line {header_line}, field range: unknown column \"range\""),
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let message = bad(&["count", path.to_str().unwrap(), "--treaty", "new-start"]);
        assert!(message.contains(path.to_str().unwrap()), "names the file: {message}");
        assert!(message.contains(&expected), "{name}: expected {expected:?} in {message}");
        assert!(message.contains("line "), "names the line: {message}");
    }
    let message = bad(&["count", "no/such/file.csv", "--treaty", "new-start"]);
    assert!(message.contains("no/such/file.csv"), "{message}");
}

#[test]
fn import_and_export_round_trip_and_never_write_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("us.json");
    let csv_path = dir.path().join("us.csv");
    let summary = json(&["import", US, "--out", json_path.to_str().unwrap(), "--json"]);
    assert_eq!(summary["items"], 2032);
    ok(&["export", json_path.to_str().unwrap(), "--format", "csv", "--out", csv_path.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&csv_path).unwrap(),
        std::fs::read_to_string(root().join(US)).unwrap(),
        "CSV → JSON → CSV is the identity on the shipped file"
    );
    assert_eq!(
        ok(&["export", csv_path.to_str().unwrap(), "--format", "json"]),
        std::fs::read_to_string(&json_path).unwrap()
    );

    // A bad input leaves an existing output untouched and creates nothing new.
    let broken = dir.path().join("broken.csv");
    let text = std::fs::read_to_string(root().join(US)).unwrap();
    std::fs::write(&broken, text.replacen("US-B-B52H-T4,", "US-B-B52H-T3,", 1)).unwrap();
    let before = std::fs::read(&json_path).unwrap();
    let message = bad(&["import", broken.to_str().unwrap(), "--out", json_path.to_str().unwrap()]);
    assert!(message.contains("duplicate unique identifier \"US-B-B52H-T3\""), "{message}");
    assert_eq!(std::fs::read(&json_path).unwrap(), before);
    let fresh = dir.path().join("fresh.json");
    bad(&["import", broken.to_str().unwrap(), "--out", fresh.to_str().unwrap()]);
    bad(&["export", broken.to_str().unwrap(), "--format", "json", "--out", fresh.to_str().unwrap()]);
    assert!(!fresh.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&csv_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "outputs are ordinary files, not private temporary ones");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 3, "no temporary files left behind: {leftovers:?}");
}

#[test]
fn demo_runs_the_main_job() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&["demo", "--out", dir.path().to_str().unwrap()]);
    for expected in [
        "49 rows",
        "US as declared",
        "US as RU reads",
        "901 (+101)",
        "US 2020-09-01: counted [675, 1457, 800], published [675, 1457, 800]: match",
        "RU 2020-09-01: counted [510, 1447, 764], published [510, 1447, 764]: match",
        "RU as declared",
        "Difference in launchers: declared 800, read by RU 901 (+101)",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert!(!out.contains("DIFFER"), "{out}");
    assert!(dir.path().join("newstart-history.svg").exists());
    let counts: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("counts.json")).unwrap()).unwrap();
    assert_eq!(counts.as_array().unwrap().len(), 3);
    // The record: witnessed by both, and the notification proven offline from the files alone.
    assert!(out.contains("cosigned by RU and NEUTRAL (quorum both = 2 of [RU, NEUTRAL]: met)"), "{out}");
    let record = dir.path().join("record");
    let proven = ok(&[
        "verify-proof",
        record.join("notification.tlog-proof").to_str().unwrap(),
        "--policy",
        record.join("policy.txt").to_str().unwrap(),
    ]);
    assert!(proven.contains("proven: entry 1 (notification 1 of US)") && proven.contains("witnessed"), "{proven}");
    // The analysis: uploads, the index before and after expiry, three parties, a heat map.
    for expected in [
        "US could upload 1,930 warheads",
        "First-strike stability, US and RU, fas-2025: index",
        "after-expiry",
        "least stable pair",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert!(
        std::fs::read_to_string(dir.path().join("stability-alert-rates.svg")).unwrap().matches("<rect x=").count()
            == 41 * 41 + 20
    );
    // Running the demo again starts the record afresh.
    ok(&["demo", "--out", dir.path().to_str().unwrap()]);
}

// --- what people read: snapshots, reviewed with `cargo insta review` -----

#[test]
fn snapshot_count_as_russia_reads_it() {
    insta::assert_snapshot!(ok(&["count", US, "--treaty", "new-start", "--as", "RU"]));
}

#[test]
fn snapshot_compliance_and_treaty_show() {
    insta::assert_snapshot!(
        "compliance_ru_declaration",
        ok(&["compliance", "data/declarations/ru-2020-09-01.csv", "--treaty", "new-start"])
    );
    insta::assert_snapshot!("treaty_show_new_start", ok(&["treaty", "show", "new-start"]));
    insta::assert_snapshot!("treaty_list", ok(&["treaty", "list"]));
}

// --- cases from review ------------------------------------------------------

#[test]
fn as_a_party_whose_reading_does_not_apply_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cn = dir.path().join("cn.csv");
    let text = std::fs::read_to_string(root().join("data/declarations/ru-2020-09-01.csv")).unwrap();
    std::fs::write(&cn, text.replacen("# party: RU", "# party: CN", 1)).unwrap();
    let message = bad(&["count", cn.to_str().unwrap(), "--treaty", "new-start", "--as", "RU"]);
    assert!(message.contains("applies to declarations of US only, not CN"), "{message}");
}

#[test]
fn export_refuses_a_format_that_does_not_match_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let message = bad(&["export", US, "--format", "json", "--out", out.to_str().unwrap()]);
    assert!(message.contains("does not match --format json"), "{message}");
    assert!(!out.exists());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["count", US, "--treaty", "new-start", "--as", "RU", "--items", "--json"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The record from the command line: keys, entries, checkpoints, witnesses,
/// proofs, audits, and appends killed with SIGKILL.
mod record {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    use detente_log::MemoryLog;
    use detente_log::checkpoint::parse_hash;
    use detente_log::entry::{Content, SignedEntry};
    use detente_store::Store;
    use detente_store::postgres::PgStore;
    use detente_store::sqlite::SqliteStore;

    use super::{bad, detente};

    struct Party {
        dir: tempfile::TempDir,
    }

    impl Party {
        fn new() -> Party {
            Party { dir: tempfile::tempdir().unwrap() }
        }

        fn path(&self, name: &str) -> String {
            self.dir.path().join(name).display().to_string()
        }

        fn run(&self, args: &[&str]) -> std::process::Output {
            super::detente(args)
        }

        fn ok(&self, args: &[&str]) -> String {
            let output = self.run(args);
            assert!(output.status.success(), "detente {args:?}: {}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap()
        }

        fn write(&self, name: &str, text: &str) -> String {
            let path = self.path(name);
            std::fs::write(&path, text).unwrap();
            path
        }

        fn keygen(&self, name: &str, prefix: &str, witness: bool) -> String {
            let out = self.path(prefix);
            let mut args = vec!["keygen", "--name", name, "--out", &out];
            if witness {
                args.push("--witness");
            }
            self.ok(&args).trim().to_string()
        }
    }

    fn exit(output: &std::process::Output) -> Option<i32> {
        output.status.code()
    }

    #[test]
    fn a_notification_is_recorded_witnessed_and_proven_offline() {
        let us = Party::new();
        let vkey = us.keygen("us.detente.example/record", "us", false);
        let witness = us.keygen("ru.detente.example/witness", "ru-witness", true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(us.path("us.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the private key is the owner's only");
        }
        assert!(vkey.starts_with("us.detente.example/record+"));
        let (store, key) = (us.path("us.db"), us.path("us.key"));
        us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
        let note = us.write("n.txt", "One B-52H converted to non-nuclear armaments.\n");
        let appended = us.ok(&[
            "log",
            "append",
            "--store",
            &store,
            "--key",
            &key,
            "--kind",
            "notification",
            "--notice",
            "change-in-data",
            &note,
        ]);
        assert!(appended.starts_with("0\t"), "{appended}");
        us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "declaration", super::US]);
        us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);

        let policy = us.write("policy.txt", &format!("log {vkey}\nwitness RU {witness}\nquorum RU\n"));
        let bundle = us.path("entry0.tlog-proof");
        us.ok(&["log", "prove", "--store", &store, "0", "--out", &bundle]);
        // Not yet cosigned: proven, but unwitnessed, which is a finding.
        let unwitnessed = us.run(&["verify-proof", &bundle, "--policy", &policy]);
        assert_eq!(exit(&unwitnessed), Some(1));
        assert!(String::from_utf8_lossy(&unwitnessed.stdout).contains("UNWITNESSED"));

        let request = us.write("request.txt", &us.ok(&["log", "witness-request", "--store", &store]));
        let witness_store = us.path("witness.db");
        let witness_key = us.path("ru-witness.key");
        let us_vkey = us.path("us.vkey");
        let answer = us.ok(&[
            "witness",
            "add-checkpoint",
            "--store",
            &witness_store,
            "--key",
            &witness_key,
            "--log-key",
            &us_vkey,
            &request,
        ]);
        let answer = us.write("answer.txt", &answer);
        us.ok(&["log", "cosign", "--store", &store, "--witness-key", &us.path("ru-witness.vkey"), &answer]);
        us.ok(&["log", "prove", "--store", &store, "0", "--out", &bundle]);
        let proven = us.ok(&["verify-proof", &bundle, "--policy", &policy, "--json"]);
        let proven: serde_json::Value = serde_json::from_str(&proven).unwrap();
        assert_eq!((proven["witnessed"].as_bool(), proven["kind"].as_str()), (Some(true), Some("notification")));
        assert!(us.ok(&["log", "verify", "--store", &store, "--policy", &policy]).contains("witnessed: checkpoint 2"));

        // The same request again: the witness has moved on (409), a finding with the status named.
        let again = us.run(&[
            "witness",
            "add-checkpoint",
            "--store",
            &witness_store,
            "--key",
            &witness_key,
            "--log-key",
            &us_vkey,
            &request,
        ]);
        assert_eq!(exit(&again), Some(1));
        assert!(String::from_utf8_lossy(&again.stderr).contains("409 Conflict"));

        // A bundle whose entry was changed is not proven.
        let text = std::fs::read_to_string(&bundle).unwrap();
        let extra = text.lines().nth(1).unwrap();
        let mut changed = extra.to_string();
        let at = changed.len() - 6;
        changed.replace_range(at..at + 1, if &extra[at..at + 1] == "A" { "B" } else { "A" });
        let forged = us.write("forged.tlog-proof", &text.replace(extra, &changed));
        let refused = us.run(&["verify-proof", &forged, "--policy", &policy]);
        assert_eq!(exit(&refused), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
    }

    #[test]
    fn a_witness_refuses_a_fork_with_409_and_keeps_it() {
        let us = Party::new();
        us.keygen("us.detente.example/record", "us", false);
        us.keygen("neutral.example/witness", "w", true);
        let key = us.path("us.key");
        let line = us.write("n.txt", "a notification\n");
        let other = us.write("m.txt", "a different notification\n");
        // Two stores under one key: the same log, forked.
        for (store, document) in [("a.db", &line), ("b.db", &other)] {
            let store = us.path(store);
            us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
            us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "concern", document]);
            us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
        }
        let (witness_store, witness_key, log_key) = (us.path("w.db"), us.path("w.key"), us.path("us.vkey"));
        let witness = |request: &str| {
            us.run(&[
                "witness",
                "add-checkpoint",
                "--store",
                &witness_store,
                "--key",
                &witness_key,
                "--log-key",
                &log_key,
                request,
            ])
        };
        let first = us.write("a.req", &us.ok(&["log", "witness-request", "--store", &us.path("a.db")]));
        assert!(witness(&first).status.success());
        let fork = us.write("b.req", &us.ok(&["log", "witness-request", "--store", &us.path("b.db"), "--old", "1"]));
        let refused = witness(&fork);
        assert_eq!(exit(&refused), Some(1));
        assert!(
            String::from_utf8_lossy(&refused.stderr)
                .contains("409 Conflict: the log signed two different trees of size 1"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        let kept = us.run(&["witness", "evidence", "--store", &witness_store]);
        assert_eq!(exit(&kept), Some(1), "kept evidence is a finding");
        let kept = String::from_utf8_lossy(&kept.stdout);
        assert!(kept.contains("us.detente.example/record") && kept.contains(&std::fs::read_to_string(&fork).unwrap()));
    }

    #[test]
    fn log_verify_names_the_tampered_entry() {
        let us = Party::new();
        us.keygen("us.detente.example/record", "us", false);
        let (store, key) = (us.path("us.db"), us.path("us.key"));
        us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
        let lines = us.write("lines.txt", &(0..40).map(|i| format!("notice {i}\n")).collect::<String>());
        us.ok(&[
            "log",
            "append",
            "--store",
            &store,
            "--key",
            &key,
            "--kind",
            "notification",
            "--notice",
            "launch",
            "--lines",
            &lines,
        ]);
        us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
        assert!(us.run(&["log", "verify", "--store", &store, "--key", &us.path("us.vkey")]).status.success());
        // Checked against a key the user trusts, a store kept under another key is a finding.
        us.keygen("us.detente.example/record", "other", false);
        let other = us.run(&["log", "verify", "--store", &store, "--key", &us.path("other.vkey")]);
        assert_eq!(exit(&other), Some(1));
        assert!(String::from_utf8_lossy(&other.stderr).contains("not a key you trust"));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let sqlite = SqliteStore::open(std::path::Path::new(&store)).await.unwrap();
            let entry = sqlite.read_entries(17, 18).await.unwrap().remove(0);
            let (mut bundle,): (Vec<u8>,) = sqlx::query_as("SELECT data FROM entry_bundles WHERE bundle = 0")
                .fetch_one(sqlite.pool())
                .await
                .unwrap();
            let at = bundle.windows(entry.len()).position(|w| w == entry.as_slice()).unwrap() + entry.len() - 70;
            bundle[at] ^= 0x01;
            sqlx::query("UPDATE entry_bundles SET data = $1 WHERE bundle = 0")
                .bind(bundle)
                .execute(sqlite.pool())
                .await
                .unwrap();
            sqlite.pool().close().await;
        });
        let audit = us.run(&["log", "verify", "--store", &store]);
        assert_eq!(exit(&audit), Some(1));
        let message = String::from_utf8_lossy(&audit.stderr);
        assert!(message.contains("entry 17"), "{message}");
    }

    #[test]
    fn bad_keys_policies_requests_and_bundles_are_refused_by_name() {
        let us = Party::new();
        us.keygen("us.detente.example/record", "us", false);
        let key = us.path("us.key");
        // Keys are never overwritten.
        let again = bad(&["keygen", "--name", "x.example/y", "--out", &us.path("us")]);
        assert!(again.contains("never overwritten"), "{again}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            let message = bad(&["log", "init", "--store", &us.path("s.db"), "--key", &key, "--party", "US"]);
            assert!(message.contains("chmod 600"), "{message}");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let policy = us.write("policy.txt", "log us.detente.example/record+00000000+AQ==\nquorum none\n");
        let bundle = us.write("b.tlog-proof", "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n1\nAA==\n\n— x AAAAAAA=\n");
        let message = bad(&["verify-proof", &bundle, "--policy", &policy]);
        assert!(message.contains("policy.txt: policy line 1"), "{message}");
        let vkey = std::fs::read_to_string(us.path("us.vkey")).unwrap();
        let policy = us.write("policy.txt", &format!("log {vkey}quorum none\n"));
        let message = bad(&["verify-proof", &bundle, "--policy", &policy]);
        assert!(message.contains("b.tlog-proof: proof line 2"), "{message}");
        let request = us.write("request.txt", "old x\n\nbody\n");
        us.keygen("w.example/w", "w", true);
        let message = bad(&[
            "witness",
            "add-checkpoint",
            "--store",
            &us.path("w.db"),
            "--key",
            &us.path("w.key"),
            "--log-key",
            &vkey,
            &request,
        ]);
        assert!(message.contains("400 Bad Request: line 1"), "{message}");
        let message = bad(&["log", "cosign", "--store", &us.path("s.db"), "--witness-key", "not-a-key", &request]);
        assert!(message.contains("verifier key"), "{message}");
    }

    /// One HTTP/1.1 POST over a plain socket: (status line, headers and body).
    fn post(address: &str, path: &str, body: &str) -> (String, String) {
        use std::io::Read as _;
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (status, rest) = response.split_once("\r\n").unwrap();
        (status.to_string(), rest.to_lowercase())
    }

    #[test]
    fn the_witness_speaks_tlog_witness_over_http() {
        let us = Party::new();
        us.keygen("us.detente.example/record", "us", false);
        us.keygen("neutral.example/witness", "w", true);
        let (store, key) = (us.path("us.db"), us.path("us.key"));
        us.ok(&["log", "init", "--store", &store, "--key", &key, "--party", "US"]);
        let document = us.write("n.txt", "a notification\n");
        us.ok(&["log", "append", "--store", &store, "--key", &key, "--kind", "concern", &document]);
        us.ok(&["log", "checkpoint", "--store", &store, "--key", &key]);
        let request = us.ok(&["log", "witness-request", "--store", &store]);

        let (witness_store, witness_key, log_key) = (us.path("w.db"), us.path("w.key"), us.path("us.vkey"));
        let mut server = Command::new(env!("CARGO_BIN_EXE_detente"))
            .args(["witness", "serve", "--store", &witness_store, "--key", &witness_key, "--log-key", &log_key])
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(server.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let address = first.trim().rsplit("http://").next().unwrap().to_string();

        let (status, body) = post(&address, "/add-checkpoint", &request);
        assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
        assert!(body.contains("\u{2014} neutral.example/witness "), "{body}");
        let (status, body) = post(&address, "/add-checkpoint", &request);
        assert_eq!(status, "HTTP/1.1 409 Conflict");
        assert!(body.contains("content-type: text/x.tlog.size") && body.ends_with("\r\n\r\n1\n"), "{body}");
        let (status, _) = post(&address, "/add-checkpoint", "old 0\n\nnot a checkpoint\n");
        assert_eq!(status, "HTTP/1.1 400 Bad Request");
        server.kill().unwrap();
        server.wait().unwrap();
    }

    /// What the killed appender had acknowledged: durable sizes and signed checkpoints.
    #[derive(Default)]
    struct Acknowledged {
        committed: u64,
        checkpoints: Vec<(u64, String)>,
    }

    async fn stored_entries<S: Store>(store: &S) -> Vec<Vec<u8>> {
        let size = store.size().await.unwrap();
        store.read_entries(0, size).await.unwrap()
    }

    /// Kills `log append --lines` with SIGKILL mid-stream, many times, and
    /// checks after each restart that every acknowledged entry is there and
    /// intact, the checkpoint never went back, and every checkpoint the log
    /// ever signed is a prefix of the same history.
    fn appends_survive_sigkill(store: &str, rounds: u64) {
        let us = Party::new();
        us.keygen("us.detente.example/record", "us", false);
        let key = us.path("us.key");
        us.ok(&["log", "init", "--store", store, "--key", &key, "--party", "US"]);
        let mut sent: Vec<String> = Vec::new();
        let mut signed: Vec<(u64, String)> = Vec::new();
        let mut acknowledged_size = 0;
        let mut random = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..rounds {
            let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
                .args([
                    "log",
                    "append",
                    "--store",
                    store,
                    "--key",
                    &key,
                    "--kind",
                    "notification",
                    "--notice",
                    "launch",
                ])
                .args(["--lines", "--batch", "40", "--checkpoint", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let lines: Vec<String> = (0..100_000).map(|i| format!("round {round} line {i}")).collect();
            let writer = {
                let lines = lines.clone();
                std::thread::spawn(move || {
                    for line in lines {
                        if writeln!(stdin, "{line}").is_err() {
                            break;
                        }
                    }
                })
            };
            let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
            let reader = {
                let stdout = child.stdout.take().unwrap();
                let acknowledged = Arc::clone(&acknowledged);
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        let mut acknowledged = acknowledged.lock().unwrap();
                        let words: Vec<&str> = line.split(' ').collect();
                        match words.as_slice() {
                            ["committed", size] => acknowledged.committed = size.parse().unwrap(),
                            ["checkpoint", size, root] => {
                                acknowledged.checkpoints.push((size.parse().unwrap(), root.to_string()))
                            }
                            _ => panic!("unexpected output {line:?}"),
                        }
                    }
                })
            };
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            std::thread::sleep(std::time::Duration::from_millis(30 + random % 400));
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            reader.join().unwrap();
            writer.join().unwrap();
            let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
            let before = sent.len() as u64;
            // A round killed before its first commit acknowledged nothing.
            let acknowledged_now = acknowledged.committed;
            assert!(
                acknowledged_now == 0 || acknowledged_now >= acknowledged_size,
                "round {round}: acknowledged sizes go forward"
            );
            acknowledged_size = acknowledged_now.max(acknowledged_size);
            signed.extend(acknowledged.checkpoints);

            // Restart: the audit passes and every acknowledged entry is there, intact, in order.
            let audit = detente(&["log", "verify", "--store", store]);
            assert!(audit.status.success(), "round {round}: {}", String::from_utf8_lossy(&audit.stderr));
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let entries = runtime.block_on(async {
                match store.strip_prefix("postgres") {
                    Some(_) => stored_entries(&PgStore::open(store).await.unwrap()).await,
                    None => stored_entries(&SqliteStore::open(std::path::Path::new(store)).await.unwrap()).await,
                }
            });
            assert!(entries.len() as u64 >= acknowledged_size, "round {round}: acknowledged entries were lost");
            let texts: Vec<String> = entries
                .iter()
                .map(|bytes| match &SignedEntry::decode(bytes).unwrap().entry().content {
                    Content::Inline { bytes, .. } => String::from_utf8(bytes.clone()).unwrap(),
                    Content::Digest { .. } => panic!("a line is recorded inline"),
                })
                .collect();
            // This round added a prefix of what it was sent, after everything before.
            assert_eq!(texts[..before as usize], sent[..], "round {round}: earlier entries changed");
            let added = texts.len() - before as usize;
            assert_eq!(texts[before as usize..], lines[..added], "round {round}: entries out of order");
            sent = texts;

            // Every checkpoint ever signed is the root of a prefix of this one history, and the
            // stored checkpoint is at least the latest one acknowledged.
            let mut tree = MemoryLog::new();
            for bytes in &entries {
                tree.push(bytes);
            }
            for (size, root) in &signed {
                assert_eq!(tree.root(*size), parse_hash(root).unwrap(), "round {round}: a fork at size {size}");
            }
            let shown: serde_json::Value =
                serde_json::from_str(&super::ok(&["log", "show", "--store", store, "--json", "--limit", "0"])).unwrap();
            let stored_size =
                shown["checkpoint"].as_str().map_or(0, |note| note.lines().nth(1).unwrap().parse::<u64>().unwrap());
            let latest_signed = signed.iter().map(|(size, _)| *size).max().unwrap_or(0);
            assert!(
                stored_size >= latest_signed,
                "round {round}: the checkpoint went back to {stored_size} from {latest_signed}"
            );
        }
        assert!(acknowledged_size > 0, "the appender acknowledged something in {rounds} rounds");
    }

    #[test]
    fn sqlite_appends_survive_sigkill() {
        let dir = tempfile::tempdir().unwrap();
        appends_survive_sigkill(&dir.path().join("us.db").display().to_string(), 16);
    }

    #[test]
    fn postgres_appends_survive_sigkill() {
        let server = std::env::var("DETENTE_TEST_POSTGRES")
            .expect("DETENTE_TEST_POSTGRES must give a PostgreSQL server; scripts/test-all starts one");
        let name = format!("detente_crash_{}", std::process::id());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        });
        appends_survive_sigkill(&format!("{server}/{name}"), 8);
    }
}

/// `detente analyze`: the stability models from the command line.
mod analyze {
    use super::*;

    fn near(value: &Value, expected: f64, tolerance: f64) -> bool {
        (value.as_f64().expect("a number") - expected).abs() <= tolerance
    }

    #[test]
    fn exchange_gives_the_published_kill_probabilities() {
        let shot =
            json(&["analyze", "exchange", "--yield-kt", "750", "--hardness-psi", "700", "--cep-m", "900", "--json"]);
        assert!(near(&shot["lethal_radius_m"], 496.51, 0.01), "{shot}");
        assert_eq!(format!("{:.5}", shot["sspk"].as_f64().unwrap()), "0.19019");
        let notional = json(&["analyze", "exchange", "--sspk", "0.19019", "--reliability", "0.8", "--json"]);
        assert_eq!(format!("{:.6}", notional["kill_probability"].as_f64().unwrap()), "0.152152");
        assert!(notional["lethal_radius_m"].is_null());
        let two = json(&[
            "analyze",
            "exchange",
            "--yield-kt",
            "300",
            "--hardness-psi",
            "2000",
            "--cep-m",
            "120",
            "--reliability",
            "0.85",
            "--warheads",
            "2",
            "--json",
        ]);
        assert_eq!(format!("{:.4}", two["damage_expectancy"].as_f64().unwrap()), "0.9659");
        let text = ok(&["analyze", "exchange", "--yield-kt", "750", "--hardness-psi", "700", "--cep-m", "900"]);
        assert!(text.contains("496.5 m") && text.contains("0.19019"), "{text}");
    }

    #[test]
    fn upload_shows_the_published_us_arithmetic() {
        let result = json(&["analyze", "upload", "--parties", "US", "--json"]);
        let systems = result["parties"][0]["upload"]["systems"].as_array().unwrap();
        let field = |name: &str, key: &str| -> f64 {
            systems
                .iter()
                .filter(|s| s["name"].as_str().unwrap().starts_with(name))
                .map(|s| s[key].as_f64().unwrap())
                .sum()
        };
        // FAS (2023): Minuteman III 400 → 950; 240 Trident II × 8 = 1,920; +448 in the 56 closed tubes.
        assert_eq!(
            (field("Minuteman III", "today")
                + field("Minuteman III", "on_deployed")
                + field("Minuteman III", "on_restored"))
            .round(),
            950.0
        );
        assert_eq!((field("Trident II", "today") + field("Trident II", "on_deployed")).round(), 1920.0);
        assert_eq!(field("Trident II", "on_restored"), 448.0);
        // The 1,930 non-deployed warheads cap the whole upload.
        assert!(near(&result["parties"][0]["upload"]["added"], 1930.0, 1e-6));
        let months = result["parties"][0]["deployed_by_month"].as_array().unwrap();
        assert_eq!(months.len(), 37, "month 0 to month 36");
        assert!(months.windows(2).all(|w| w[0].as_f64() <= w[1].as_f64()), "an upload only adds");

        let treaty =
            json(&["analyze", "upload", "--parties", "US", "--treaty", "new-start", "--warhead-limit", "--json"]);
        assert_eq!(
            treaty["parties"][0]["upload"]["added"].as_f64(),
            Some(0.0),
            "1,670 FAS-counted warheads are above 1,550 already"
        );
        let csv = ok(&["analyze", "upload", "--csv", "--months", "12"]);
        assert_eq!(csv.lines().count(), 1 + 3 * 13, "a header, then 13 months for each of 3 parties");
    }

    #[test]
    fn stability_for_two_and_three_parties() {
        let two = json(&["analyze", "stability", "--json"]);
        let index = two["stability"]["index"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&index));
        let product =
            two["stability"]["a"]["ratio"].as_f64().unwrap() * two["stability"]["b"]["ratio"].as_f64().unwrap();
        assert!((index - product).abs() < 1e-12);
        let lua = json(&["analyze", "stability", "--launch-under-attack", "--json"]);
        assert!(
            lua["stability"]["index"].as_f64().unwrap() >= index,
            "launching under attack protects the fixed forces"
        );

        let three = json(&["analyze", "stability", "--parties", "US,RU,CN", "--json"]);
        assert_eq!(three["result"]["pairs"].as_array().unwrap().len(), 3);
        assert_eq!(three["result"]["coalitions"].as_array().unwrap().len(), 3);
        let text = ok(&["analyze", "stability", "--parties", "US,RU,CN"]);
        assert!(text.contains("US vs RU+CN") && text.contains("least stable pair"), "{text}");
        // Changes with --set reach the model: perfectly inaccurate U.S. missiles leave Russia nothing to fear.
        let blunt = json(&["analyze", "stability", "--set", "US.cep_m=100000", "--json"]);
        assert!(blunt["stability"]["b"]["ratio"].as_f64().unwrap() >= two["stability"]["b"]["ratio"].as_f64().unwrap());
    }

    /// The same seed gives the same numbers, on one thread or two, in separate processes.
    #[test]
    fn monte_carlo_is_reproducible_on_any_number_of_threads() {
        let run = |threads: &str, seed: &str| {
            let output = Command::new(env!("CARGO_BIN_EXE_detente"))
                .args(["analyze", "stability", "--trials", "3000", "--seed", seed, "--json"])
                .args([
                    "--vary",
                    "US.cep_m*=triangular(0.7,1,1.5)",
                    "--vary",
                    "RU.alert_rate=uniform(0.1,0.6)",
                    "--vary",
                    "model.fratricide=normal(0.8,0.1)",
                ])
                .env("RAYON_NUM_THREADS", threads)
                .current_dir(root())
                .output()
                .unwrap();
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap()
        };
        let one = run("1", "7");
        assert_eq!(one, run("2", "7"));
        assert_ne!(one, run("2", "8"));
        let result: Value = serde_json::from_str(&one).unwrap();
        assert_eq!(
            result["result"]["index_histogram"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).sum::<u64>(),
            3000
        );
    }

    #[test]
    fn sweeps_write_csv_and_a_heat_map() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("sweep.svg");
        let csv = ok(&[
            "analyze",
            "sweep",
            "--x",
            "US.alert_rate=0:1:6",
            "--y",
            "RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher=1:4:4",
            "--csv",
            "--svg",
            svg.to_str().unwrap(),
        ]);
        assert_eq!(csv.lines().count(), 1 + 24);
        assert!(
            csv.starts_with(
                "US.alert_rate,RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher,index,ratio_US,ratio_RU"
            ),
            "{csv}"
        );
        let drawing = std::fs::read_to_string(&svg).unwrap();
        assert_eq!(drawing.matches("<rect x=").count(), 24 + 20, "24 cells and the legend");
        let text = ok(&["analyze", "sweep", "--x", "US.alert_rate=0:1:3", "--y", "model.fratricide=0.5:1:2"]);
        assert!(text.contains("fratricide \\ alert_rate"), "{text}");
    }

    #[test]
    fn the_race_and_the_scenarios() {
        let race = json(&["analyze", "race", "--json"]);
        assert_eq!(race["outcome"]["stable"], Value::Bool(true));
        assert_eq!(race["outcome"]["eigenvalues"].as_array().unwrap().len(), 3);
        assert_eq!(race["yearly"].as_array().unwrap().len(), 21);
        let list = ok(&["analyze", "scenarios"]);
        for name in ["fas-2025", "new-start-level", "after-expiry"] {
            assert!(list.contains(name), "{list}");
            ok(&["analyze", "stability", "--scenario", name]);
        }
        let shown = ok(&["analyze", "scenarios", "fas-2025"]);
        assert!(
            shown.contains("Sources:") && shown.contains("fas-2023-upload") && shown.contains("notional"),
            "{shown}"
        );
    }

    /// Postures from the shipped declarations: the published 2020 counts, the systems file's performance.
    #[test]
    fn postures_come_from_declarations_too() {
        let us = "data/declarations/us-2020-09-01.csv";
        let ru = "data/declarations/ru-2020-09-01.csv";
        let result = json(&["analyze", "stability", "--declaration", us, "--declaration", ru, "--json"]);
        assert!((0.0..=1.0).contains(&result["stability"]["index"].as_f64().unwrap()));
        let upload = json(&["analyze", "upload", "--declaration", us, "--treaty", "new-start", "--json"]);
        let restored: f64 = upload["parties"][0]["upload"]["systems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["restored_launchers"].as_f64().unwrap())
            .sum();
        assert_eq!(restored, 25.0, "700 deployed launchers allowed, 675 declared");

        let dir = tempfile::tempdir().unwrap();
        let systems = dir.path().join("systems.toml");
        let shipped = std::fs::read_to_string(root().join("data/scenarios/systems-2020.toml")).unwrap();
        std::fs::write(&systems, shipped.replacen("type = \"B-52H\"", "type = \"B-52\"", 1)).unwrap();
        let message = bad(&[
            "analyze",
            "stability",
            "--declaration",
            us,
            "--declaration",
            ru,
            "--systems",
            systems.to_str().unwrap(),
        ]);
        assert!(
            message.contains("data/declarations/us-2020-09-01.csv: US's type \"B-52H\" has no [[systems]] entry"),
            "{message}"
        );
        std::fs::write(&systems, shipped.replacen("yield_kt = 90", "yield_kt = -90", 1)).unwrap();
        let message = bad(&["analyze", "upload", "--declaration", us, "--systems", systems.to_str().unwrap()]);
        assert!(message.contains("systems.toml: field systems[1].yield_kt: -90 is not a number above 0"), "{message}");
    }

    #[test]
    fn bad_analysis_input_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let shipped = std::fs::read_to_string(root().join("data/scenarios/fas-2025.toml")).unwrap();
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, shipped.replacen("cep_m = 120", "cep_m = 0", 1)).unwrap();
        let message = bad(&["analyze", "stability", "--scenario", broken.to_str().unwrap()]);
        assert!(
            message.contains("broken.toml: field parties[0].systems[0].cep_m: 0 is not a number above 0"),
            "{message}"
        );
        for (args, expected) in [
            (vec!["analyze", "stability", "--scenario", "no-such"], "the shipped scenarios are fas-2025"),
            (vec!["analyze", "stability", "--set", "US.colour=1"], "\"colour\" is not one of"),
            (vec!["analyze", "stability", "--set", "US[Minuteman IV].cep_m=1"], "US has no system \"Minuteman IV\""),
            (vec!["analyze", "stability", "--set", "US.cep_m=abc"], "\"abc\" is not a number"),
            (vec!["analyze", "stability", "--parties", "US,XX"], "the scenario has no party XX"),
            (vec!["analyze", "stability", "--trials", "10", "--vary", "US.cep_m=gauss(1,2)"], "unknown distribution"),
            (
                vec!["analyze", "sweep", "--x", "US.alert_rate=0:1", "--y", "model.fratricide=0:1:2"],
                "--x US.alert_rate=0:1: expected FROM:TO:STEPS",
            ),
            (
                vec!["analyze", "exchange", "--yield-kt", "300", "--hardness-psi", "2000", "--cep-m=-5"],
                "--cep-m: -5 is not a number above 0",
            ),
            (vec!["analyze", "exchange", "--sspk", "1.5"], "--sspk: 1.5 is not a share"),
            (vec!["analyze", "upload", "--treaty", "launch-notification-1988"], "it has no launcher limit"),
            (vec!["analyze", "stability", "--trials", "0", "--vary", "US.cep_m=uniform(1,2)"], "--trials"),
            (
                vec!["analyze", "stability", "--set", "US.reliability=1.5"],
                "1.5 is outside the range US.reliability can take",
            ),
            (
                vec!["analyze", "stability", "--trials", "10", "--vary", "US.upload_per_month=uniform(1,2)"],
                "does not change the stability index",
            ),
            (vec!["analyze", "stability", "--trials", "10", "--vary", "US.cep_m=uniform(-1e308,1e308)"], "beyond"),
        ] {
            let message = bad(&args);
            assert!(message.contains(expected), "{args:?}: {message}");
        }
        let race = dir.path().join("race.toml");
        let shipped_race = std::fs::read_to_string(root().join("data/scenarios/race-illustrative.toml")).unwrap();
        std::fs::write(&race, shipped_race.replacen("fatigue = [0.30, 0.30, 0.25]", "fatigue = [0.30]", 1)).unwrap();
        let message = bad(&["analyze", "race", "--file", race.to_str().unwrap()]);
        assert!(message.contains("race.toml: field fatigue: 1 values for 3 parties"), "{message}");
    }
}

// --- issue 9: diff, breakdowns, joint counts, cautions and the regime -------------

const US_2017: &str = "data/declarations/us-2017-03-01.csv";

/// Writes `text` to `name` in `dir` and returns the path as a string.
fn file_in(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn diff_lists_changes_by_uid_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let later = original
        .replace("# as-of: 2020-09-01", "# as-of: 2021-03-01")
        .replace(
            "US-B-B2A-13,heavy-bomber,B-2A,WHITEMAN,non-deployed",
            "US-B-B2A-13,heavy-bomber,B-2A,EDWARDS,non-deployed",
        )
        .replace("US-B-B2A-T1,heavy-bomber,B-2A,EDWARDS,test,0,nuclear,,\n", "")
        + "US-B-B2A-NEW,heavy-bomber,B-2A,WHITEMAN,non-deployed,0,nuclear,,\n";
    let new = file_in(&dir, "us-2021.csv", &later);
    let diff = json(&["diff", US, &new, "--json"]);
    assert_eq!(diff["created"][0]["uid"], "US-B-B2A-NEW");
    assert_eq!(diff["moved"][0]["uid"], "US-B-B2A-13");
    assert_eq!(
        diff["moved"][0]["changes"][0],
        serde_json::json!({"field": "facility", "old": "WHITEMAN", "new": "EDWARDS"})
    );
    assert_eq!(diff["eliminated"][0]["uid"], "US-B-B2A-T1");
    assert_eq!(diff["eliminated"][0]["gone"], true);
    assert_eq!(diff["changed"], Value::Array(vec![]));
    let text = ok(&["diff", US, &new]);
    assert!(text.starts_with("US declarations: 2020-09-01 → 2021-03-01\n"), "{text}");
    assert!(
        text.contains("Moved (1):\n  US-B-B2A-13  heavy-bomber B-2A at EDWARDS; facility WHITEMAN → EDWARDS"),
        "{text}"
    );
    assert!(ok(&["diff", US, US]).contains("No changes."));
    // Declarations of two parties are not compared.
    let error = bad(&["diff", US, "data/declarations/ru-2020-09-01.csv"]);
    assert!(error.contains("different parties (US and RU)"), "{error}");
}

#[test]
fn count_by_facility_and_type_reproduces_the_2017_table() {
    let count = json(&["count", US_2017, "--treaty", "new-start", "--by", "facility", "--by", "type", "--json"]);
    assert_eq!(totals(&count), [673, 1411, 820]);
    let deployed = |base: &str, type_name: &str| -> u64 {
        count["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["facility"]["id"] == base && r["type"] == type_name)
            .map(|r| r["counted"]["deployed-delivery-vehicles"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        [
            deployed("FE-WARREN", "Minuteman III"),
            deployed("MALMSTROM", "Minuteman III"),
            deployed("MINOT", "Minuteman III"),
            deployed("KINGS-BAY", "Trident II"),
            deployed("BANGOR", "Trident II"),
            deployed("WHITEMAN", "B-2A"),
            deployed("BARKSDALE", "B-52H") + deployed("MINOT", "B-52H"),
        ],
        [136, 133, 136, 100, 120, 12, 36]
    );
    let table = ok(&["count", US_2017, "--treaty", "new-start", "--by", "facility,type"]);
    assert!(table.contains("By facility and type:"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("FE-WARREN") && l.contains("Minuteman III") && l.contains(" 136 ")),
        "{table}"
    );
    let by_type = json(&["count", US, "--treaty", "new-start", "--by", "type", "--json"]);
    assert!(by_type["rows"].as_array().unwrap().iter().all(|r| r.get("facility").is_none()));
    assert!(json(&["count", US, "--treaty", "new-start", "--json"]).get("rows").is_none(), "no rows unless asked");
}

/// A small START I declaration of one successor state.
fn start_i_part(party: &str, silos: usize) -> String {
    let mut text = format!(
        "# format: detente-declaration/2\n# party: {party}\n# as-of: 2002-01-01\n# facility: {party}-BASE | icbm-base | A base in {party}\nuid,kind,type,facility,status,warheads,armament,range_km,launcher\n"
    );
    for i in 0..silos {
        text.push_str(&format!("{party}-L{i},icbm-launcher,SS-19,{party}-BASE,deployed,0,,,\n"));
    }
    text
}

#[test]
fn several_declarations_are_counted_jointly_as_their_group() {
    let dir = tempfile::tempdir().unwrap();
    let ru = file_in(&dir, "ru.csv", &start_i_part("RU", 900));
    let ua = file_in(&dir, "ua.csv", &start_i_part("UA", 800));
    let joint = json(&["count", &ru, &ua, "--treaty", "start-i", "--json"]);
    assert_eq!(joint["party"], "SU");
    assert_eq!(joint["limits"][0]["total"], 1700);
    assert_eq!(joint["findings"][0]["excess"], 100);
    let alone = ok(&["count", &ru, "--treaty", "start-i"]);
    assert!(alone.contains("RU is one member of SU (RU, UA, KZ, BY), which the limits bind jointly"), "{alone}");
    // Parties with no group in common are refused.
    let error = bad(&["count", &ru, US, "--treaty", "start-i"]);
    assert!(error.contains("has no group with all of them as members"), "{error}");
    let error = bad(&["count", &ru, &file_in(&dir, "ru2.csv", &start_i_part("RU", 3)), "--treaty", "start-i"]);
    assert!(error.contains("uid RU-L0 is declared by both RU and RU"), "{error}");
}

#[test]
fn cautions_and_the_regime_are_printed_and_never_fail_compliance() {
    // SORT on a Russian declaration: no count of its own, and it says how to get one.
    let sort = json(&["count", "data/declarations/ru-2020-09-01.csv", "--treaty", "sort", "--json"]);
    assert_eq!(sort["limits"][0]["total"], Value::Null);
    let text = ok(&["count", "data/declarations/ru-2020-09-01.csv", "--treaty", "sort"]);
    assert!(text.contains("no count: SORT gives no counting rules"), "{text}");
    assert!(text.contains("count as US read it with --as US"), "{text}");
    let as_us = json(&["count", "data/declarations/ru-2020-09-01.csv", "--treaty", "sort", "--as", "US", "--json"]);
    assert_eq!(as_us["limits"][0]["total"], 1403);
    // Over a ceiling that does not yet bind: a caution, and --fail-on-findings passes.
    let output = detente(&["compliance", US_2017, "--treaty", "new-start", "--fail-on-findings"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("No findings.") && text.contains("Cautions (1; not findings)"), "{text}");
    // After the suspension, the count says what changed and who holds which view.
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let later = file_in(&dir, "us-2024.csv", &original.replace("# as-of: 2020-09-01", "# as-of: 2024-03-01"));
    let text = ok(&["count", &later, "--treaty", "new-start"]);
    assert!(text.contains("Regime as of 2024-03-01:"), "{text}");
    assert!(text.contains("[suspension] RU: suspension of participation announced"), "{text}");
    assert!(text.contains("US view (2023-03-15): The suspension is legally invalid"), "{text}");
    let expired = file_in(&dir, "us-2026.csv", &original.replace("# as-of: 2020-09-01", "# as-of: 2026-03-01"));
    let compliance = json(&["compliance", &expired, "--treaty", "new-start", "--json"]);
    assert_eq!(compliance["regime"]["no_limit_binds"], "New START expired on 2026-02-05: no limit binds");
}

#[test]
fn json_declaration_errors_name_the_field_path() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("us.json").display().to_string();
    ok(&["export", US, "--format", "json", "--out", &json_path]);
    let text = std::fs::read_to_string(&json_path).unwrap();
    let broken = file_in(&dir, "broken.json", &text.replacen(r#""status":"deployed""#, r#""status":"ready""#, 3));
    let error = bad(&["import", &broken]);
    assert!(error.contains("items[0], field status: unknown variant `ready`"), "{error}");
    let huge = file_in(
        &dir,
        "huge.json",
        &text.replacen(r#""status":"deployed""#, &format!(r#""status":"{}""#, "x".repeat(4 << 20)), 1),
    );
    let error = bad(&["import", &huge]);
    assert!(error.len() < 1_000, "{} bytes", error.len());
}
