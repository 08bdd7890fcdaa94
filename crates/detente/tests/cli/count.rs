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
