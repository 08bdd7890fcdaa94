//! `count` and `compliance`: the published figures, both readings, items, refusals.

use crate::*;

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

// --- what people read: snapshots, reviewed with `cargo insta review` -----

#[test]
fn snapshot_count_as_russia_reads_it() {
    insta::assert_snapshot!(ok(&["count", US, "--treaty", "new-start", "--as", "RU"]));
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

const US_2017: &str = "data/declarations/us-2017-03-01.csv";

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

/// The four members of START I's group SU: 900 Russian and 800 Ukrainian silos, none in KZ and BY.
fn start_i_members(dir: &tempfile::TempDir) -> [String; 4] {
    [("RU", 900), ("UA", 800), ("KZ", 0), ("BY", 0)]
        .map(|(party, silos)| file_in(dir, &format!("{party}.csv"), &start_i_part(party, silos)))
}

#[test]
fn several_declarations_are_counted_jointly_as_their_group() {
    let dir = tempfile::tempdir().unwrap();
    let [ru, ua, kz, by] = start_i_members(&dir);
    // All four members: the group's count, bound by its ceiling.
    let joint = json(&["count", &ru, &ua, &kz, &by, "--treaty", "start-i", "--json"]);
    assert_eq!(joint["party"], "SU");
    assert_eq!(joint["limits"][0]["total"], 1700);
    assert_eq!(joint["limits"][0]["binding"], true);
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
fn a_group_counted_from_some_members_is_a_part_and_binds_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let [ru, ua, kz, _] = start_i_members(&dir);
    for (files, note) in [
        (vec![&ru, &ua], "binds SU jointly; KZ, BY are missing"),
        (vec![&ru, &ua, &kz], "binds SU jointly; BY is missing"),
    ] {
        let mut args: Vec<&str> = vec!["count"];
        args.extend(files.iter().map(|f| f.as_str()));
        args.extend(["--treaty", "start-i"]);
        let text = ok(&args);
        assert!(text.contains(&format!("1,700 / 1,600   OVER by 100 (not binding: {note})")), "{text}");
        assert!(flat(&text).contains("are missing, so the totals are a part of SU's"), "{text}");
        args.push("--json");
        let count = json(&args);
        assert_eq!(count["party"], "SU");
        assert_eq!(
            (count["limits"][0]["binding"].as_bool(), count["limits"][0]["binding_note"].as_str()),
            (Some(false), Some(note))
        );
        assert_eq!(count["findings"], Value::Array(vec![]), "a part is no breach");
        let cautions = count["cautions"].as_array().unwrap();
        assert!(cautions.iter().any(|c| c["caution"] == "group-incomplete"), "{cautions:?}");
        assert!(
            cautions.iter().any(|c| c["caution"] == "exceeded-where-not-binding" && c["reason"] == note),
            "{cautions:?}"
        );
    }
}

#[test]
fn one_member_alone_is_not_bound_by_the_groups_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let note = "binds SU jointly: count all its members together";
    for (party, silos) in [("RU", 1_700), ("UA", 1_650)] {
        let file = file_in(&dir, &format!("{party}.csv"), &start_i_part(party, silos));
        let count = json(&["count", &file, "--treaty", "start-i", "--json"]);
        let limit = &count["limits"][0];
        assert_eq!((limit["binding"].as_bool(), limit["binding_note"].as_str()), (Some(false), Some(note)), "{party}");
        assert_eq!(limit["excess"].as_u64(), Some((silos - 1_600) as u64), "{party}");
        assert_eq!(count["findings"], Value::Array(vec![]), "{party}");
        let cautions = count["cautions"].as_array().unwrap();
        assert!(
            cautions.iter().any(|c| c["caution"] == "exceeded-where-not-binding" && c["reason"] == note),
            "{party}: {cautions:?}"
        );
        let output = detente(&["compliance", &file, "--treaty", "start-i", "--fail-on-findings"]);
        assert_eq!(output.status.code(), Some(0), "{party}: not a finding");
        assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("(not binding: {note})")), "{party}");
    }
}

#[test]
fn a_limit_that_does_not_bind_says_why_instead_of_within() {
    // Before the central limits bind: room under the ceiling is not compliance.
    let text = ok(&["compliance", US_2017, "--treaty", "new-start"]);
    assert!(text.contains("not binding: the limit binds from 2018-02-05"), "{text}");
    assert!(!text.contains("to spare"), "{text}");
    // After expiry: the not-in-force line, as `count` prints it, and every limit says why.
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let expired = file_in(&dir, "us-2026.csv", &original.replace("# as-of: 2020-09-01", "# as-of: 2026-03-01"));
    for command in ["count", "compliance"] {
        let text = ok(&[command, &expired, "--treaty", "new-start"]);
        assert!(
            text.contains("note: New START is not in force on 2026-03-01; the limits are shown for comparison."),
            "{command}: {text}"
        );
        assert_eq!(text.matches("not binding: New START expired on 2026-02-05").count(), 3, "{command}: {text}");
        assert!(!text.contains("to spare"), "{command}: {text}");
    }
    // While a limit binds, the room under it is given.
    assert!(ok(&["compliance", US, "--treaty", "new-start"]).contains("within, 25 to spare"));
}

#[test]
fn compliance_json_carries_the_limit_totals() {
    let compliance = json(&["compliance", US, "--treaty", "new-start", "--as", "RU", "--json"]);
    let limits = compliance["limits"].as_array().unwrap();
    let launchers = serde_json::json!({"id": "launchers", "total": 901, "max": 800, "excess": 101, "binding": true, "binding_note": null});
    assert_eq!(limits[2], launchers);
    assert_eq!(limits.iter().map(|l| l["total"].as_u64().unwrap()).collect::<Vec<_>>(), [675, 1457, 901]);
    let early = json(&["compliance", US_2017, "--treaty", "new-start", "--json"]);
    assert_eq!(early["limits"][2]["total"], 820);
    assert_eq!(early["limits"][2]["binding"], false);
    assert_eq!(early["limits"][2]["binding_note"], "the limit binds from 2018-02-05");
    assert!(early["limits"][0].get("lines").is_none(), "totals, not the items behind them");
}

#[test]
fn the_regime_prints_each_events_note() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let later = file_in(&dir, "us-2024.csv", &original.replace("# as-of: 2020-09-01", "# as-of: 2024-03-01"));
    for command in ["count", "compliance"] {
        let text = ok(&[command, &later, "--treaty", "new-start"]);
        assert!(text.contains("\n      Announced in the President's address"), "{command}: {text}");
        let text = flat(&text);
        assert!(text.contains("Announced in the President's address to the Federal Assembly."), "{command}: {text}");
        assert!(text.contains("One source only [1]: a Russian news report"), "{command}: {text}");
        assert!(
            text.contains("The State Department dates the 'purported suspension' from this day"),
            "{command}: {text}"
        );
    }
}

#[test]
fn a_first_format_file_counts_as_before_links_with_a_caution() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let first: String = original
        .lines()
        .map(|line| match line {
            "# format: detente-declaration/2" => "# format: detente-declaration/1".to_owned(),
            l if l.starts_with('#') => l.to_owned(),
            l => l.rsplit_once(',').unwrap().0.to_owned(),
        })
        .map(|l| l + "\n")
        .collect();
    let file = file_in(&dir, "us-1.csv", &first);
    let count = json(&["count", &file, "--treaty", "new-start", "--json"]);
    assert_eq!(totals(&count), [675, 1457, 800]);
    assert_eq!(count["findings"], Value::Array(vec![]));
    let caution = count["cautions"].as_array().unwrap().iter().find(|c| c["caution"] == "links-not-declared").cloned();
    assert_eq!(caution.unwrap()["checks"][0], "empty-deployed-launcher");
    let text = flat(&ok(&["count", &file, "--treaty", "new-start"]));
    assert!(text.contains("the declaration links no missile to a launcher"), "{text}");
    // Exported, it stays a /1 file.
    let exported = ok(&["export", &file, "--format", "csv"]);
    assert!(exported.starts_with("# format: detente-declaration/1\n"), "{}", &exported[..100]);
}

#[test]
fn the_shipped_us_declarations_keep_every_launcher_where_it_is() {
    let diff = json(&["diff", US_2017, US, "--json"]);
    let moved = diff["moved"].as_array().unwrap();
    assert!(!moved.iter().any(|c| c["item"]["kind"].as_str().unwrap().ends_with("-launcher")), "{moved:?}");
    // What moves is missiles out of silos emptied since 2017, into storage.
    assert_eq!(moved.len(), 8, "{moved:?}");
    assert!(moved.iter().all(|c| c["item"]["kind"] == "icbm" && c["item"]["facility"] == "HILL"), "{moved:?}");
    // No launcher is created or eliminated at a base either: the wings and boats are the same.
    for list in ["created", "eliminated"] {
        let launchers: Vec<&Value> = diff[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i.get("item").unwrap_or(i)["kind"].as_str().unwrap().ends_with("-launcher"))
            .collect();
        assert!(
            launchers.iter().all(|i| i.get("item").unwrap_or(i)["facility"] == "VANDENBERG"),
            "{list}: {launchers:?}"
        );
    }
}

#[test]
fn diff_of_two_declarations_of_one_date_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join(US)).unwrap();
    let same_day =
        file_in(&dir, "us-b.csv", &original.replace("US-B-B2A-T1,heavy-bomber,B-2A,EDWARDS,test,0,nuclear,,\n", ""));
    let text = ok(&["diff", US, &same_day]);
    assert!(text.contains("note: OLD and NEW are both as of 2020-09-01"), "{text}");
    assert!(!text.contains("backwards"), "{text}");
    let earlier = file_in(&dir, "us-c.csv", &original.replace("# as-of: 2020-09-01", "# as-of: 2019-09-01"));
    assert!(
        ok(&["diff", US, &earlier])
            .contains("is earlier than OLD (as of 2020-09-01): the changes run backwards in time")
    );
}

/// A report with its line breaks and indents as single spaces, for sentences that wrap.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
