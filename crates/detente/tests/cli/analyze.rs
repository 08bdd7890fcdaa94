//! `detente analyze`: the stability models from the command line.

use super::*;

fn near(value: &Value, expected: f64, tolerance: f64) -> bool {
    (value.as_f64().expect("a number") - expected).abs() <= tolerance
}

#[test]
fn exchange_gives_the_published_kill_probabilities() {
    let shot = json(&["analyze", "exchange", "--yield-kt", "750", "--hardness-psi", "700", "--cep-m", "900", "--json"]);
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
        systems.iter().filter(|s| s["name"].as_str().unwrap().starts_with(name)).map(|s| s[key].as_f64().unwrap()).sum()
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

    let treaty = json(&["analyze", "upload", "--parties", "US", "--treaty", "new-start", "--warhead-limit", "--json"]);
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
    let product = two["stability"]["a"]["ratio"].as_f64().unwrap() * two["stability"]["b"]["ratio"].as_f64().unwrap();
    assert!((index - product).abs() < 1e-12);
    let lua = json(&["analyze", "stability", "--launch-under-attack", "--json"]);
    assert!(lua["stability"]["index"].as_f64().unwrap() >= index, "launching under attack protects the fixed forces");

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
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(csv.lines().count(), 1 + 24);
    assert!(
        csv.starts_with("US.alert_rate,RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher,index,ratio_US,ratio_RU"),
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
    assert!(shown.contains("Sources:") && shown.contains("fas-2023-upload") && shown.contains("notional"), "{shown}");
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
    assert!(message.contains("broken.toml: field parties[0].systems[0].cep_m: 0 is not a number above 0"), "{message}");
    for (args, expected) in [
        (vec!["analyze", "stability", "--scenario", "no-such"], "the shipped scenarios are fas-2025"),
        (vec!["analyze", "stability", "--set", "US.colour=1"], "\"colour\" is not one of"),
        (vec!["analyze", "stability", "--set", "US[Minuteman IV].cep_m=1"], "US has no system \"Minuteman IV\""),
        (vec!["analyze", "stability", "--set", "US.cep_m=abc"], "\"abc\" is not a number"),
        (vec!["analyze", "stability", "--parties", "US,XX"], "the scenario has no party XX"),
        (vec!["analyze", "stability", "--trials", "10", "--vary", "US.cep_m=gauss(1,2)"], "unknown distribution"),
        (
            vec!["analyze", "sweep", "--x", "US.alert_rate=0:1", "--y", "model.fratricide=0:1:2"],
            "invalid value 'US.alert_rate=0:1' for '--x <AXIS>': expected FROM:TO:STEPS",
        ),
        (
            vec!["analyze", "exchange", "--yield-kt", "300", "--hardness-psi", "2000", "--cep-m=-5"],
            "for '--cep-m <CEP_M>': -5 is not a number above 0",
        ),
        (vec!["analyze", "exchange", "--sspk", "1.5"], "for '--sspk <SSPK>': 1.5 is not a share"),
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
