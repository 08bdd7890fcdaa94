//! `treaty list|show`, and the user's own treaty and reading files.

use crate::*;

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
fn snapshot_compliance_and_treaty_show() {
    insta::assert_snapshot!(
        "compliance_ru_declaration",
        ok(&["compliance", "data/declarations/ru-2020-09-01.csv", "--treaty", "new-start"])
    );
    insta::assert_snapshot!("treaty_show_new_start", ok(&["treaty", "show", "new-start"]));
    insta::assert_snapshot!("treaty_list", ok(&["treaty", "list"]));
}
