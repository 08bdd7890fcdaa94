//! `import` and `export`: declarations in and out, and refusals that name the line and field.

use crate::*;

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
fn export_refuses_a_format_that_does_not_match_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let message = bad(&["export", US, "--format", "json", "--out", out.to_str().unwrap()]);
    assert!(message.contains("does not match --format json"), "{message}");
    assert!(!out.exists());
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
