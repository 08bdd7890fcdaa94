//! `demo`: the main job on the shipped data.

use crate::*;

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
