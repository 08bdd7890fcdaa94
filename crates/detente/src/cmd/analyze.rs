//! `detente analyze`: the stability models over scenario files, as tables,
//! JSON, CSV and SVG.

use std::fmt::Write as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use detente_analysis::declared::{self, Systems};
use detente_analysis::exchange::{BlastModel, Shot, damage_expectancy};
use detente_analysis::montecarlo::{self, Axis, Pair, Uncertain};
use detente_analysis::params::{Apply, Inputs, Parameter, ParameterError};
use detente_analysis::race::RaceFile;
use detente_analysis::scenario::Scenario;
use detente_analysis::stability::{LaunchUnderAttack, Model, Stability, stability};
use detente_analysis::trilateral::{Reserve, multilateral};
use detente_analysis::upload::{Limits, Upload, upload};
use detente_chart::{Figure, HeatMap, Panel, Series};
use detente_core::Party;

use crate::args::{
    AnalyzeCommand, ExchangeArgs, RaceArgs, ScenarioArgs, StabilityArgs, SweepArgs, SweepValue, UploadArgs,
};
use crate::{Outcome, bad_input, data, report};

pub fn run(command: AnalyzeCommand, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    match command {
        AnalyzeCommand::Scenarios { name, json } => scenarios(name.as_deref(), json),
        AnalyzeCommand::Upload(args) => upload_potential(args, data_dir),
        AnalyzeCommand::Exchange(args) => exchange(&args),
        AnalyzeCommand::Stability(args) => crisis_stability(args, data_dir),
        AnalyzeCommand::Race(args) => race(args),
        AnalyzeCommand::Sweep(args) => sweep(args, data_dir),
    }?;
    Ok(Outcome::Done)
}

fn scenarios(name: Option<&str>, json: bool) -> anyhow::Result<()> {
    let Some(name) = name else {
        let rows: Vec<Vec<String>> =
            data::SCENARIOS.iter().map(|(n, what)| vec![(*n).to_owned(), (*what).to_owned()]).collect();
        return super::print_text(&report::table(&["scenario", "what it is"], &rows));
    };
    let scenario = data::scenario(name)?;
    if json {
        return super::print_json(&scenario);
    }
    let mut text = format!("{} ({})\n{}\n", scenario.id, scenario.status, scenario.summary);
    for posture in &scenario.postures {
        let _ = writeln!(
            text,
            "\n{}: {} warheads on {} launchers; value_w80 {}",
            posture.party,
            round(posture.warheads()),
            round(posture.launchers()),
            posture.value_w80
        );
        let rows: Vec<Vec<String>> = posture
            .systems
            .iter()
            .map(|s| {
                let notional = scenario
                    .notional
                    .get(&format!("{}/{}", posture.party.as_str(), s.name))
                    .map(|n| n.join(" "))
                    .unwrap_or_default();
                vec![
                    s.name.clone(),
                    format!("{:?} {:?}", s.kind, s.basing).to_lowercase(),
                    round(s.launchers),
                    format!("{:.2}/{}", s.warheads_per_launcher, s.max_warheads_per_launcher),
                    round(s.yield_kt),
                    round(s.cep_m),
                    format!("{:.2}", s.reliability),
                    if s.basing == detente_analysis::posture::Basing::Fixed {
                        "-".into()
                    } else {
                        format!("{:.2}", s.alert_rate)
                    },
                    round(s.hardness_psi),
                    notional,
                ]
            })
            .collect();
        text.push_str(&report::table(
            &[
                "system",
                "kind",
                "launchers",
                "warheads/max",
                "kt",
                "CEP m",
                "rel.",
                "alert",
                "psi",
                "notional (assumed)",
            ],
            &rows,
        ));
    }
    text.push_str("\nNotes:\n");
    for note in &scenario.notes {
        let _ = writeln!(text, "- {note}");
    }
    text.push_str("\nSources:\n");
    for source in &scenario.sources {
        let _ = writeln!(
            text,
            "- [{}] {}{}",
            source.id,
            source.title,
            source.url.as_deref().map(|u| format!(" <{u}>")).unwrap_or_default()
        );
    }
    super::print_text(&text)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn round(value: f64) -> String {
    report::thousands(value.round().max(0.0) as u64)
}

/// The scenario (or the postures the declarations make) with the user's changes applied.
fn load(args: &ScenarioArgs, data_dir: Option<&Path>) -> anyhow::Result<(Scenario, Inputs)> {
    let scenario =
        if args.declarations.is_empty() { data::scenario(&args.scenario)? } else { declared(args, data_dir)? };
    let mut inputs = Inputs { model: scenario.model, postures: scenario.postures.clone() };
    for change in &args.changes {
        let (parameter, apply, value) = split_assignment(change).map_err(|e| bad_input!("--set {e}"))?;
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad_input!("--set {change}: {value:?} is not a number"))?;
        inputs.check(&parameter).map_err(|e| bad_input!("--set {e}"))?;
        if apply == Apply::Set && !Inputs::within_bounds(&parameter, value) {
            return Err(bad_input!("--set {change}: {value} is outside the range {parameter} can take"));
        }
        inputs.apply(&parameter, apply, value);
    }
    Ok((scenario, inputs))
}

fn declared(args: &ScenarioArgs, data_dir: Option<&Path>) -> anyhow::Result<Scenario> {
    let (origin, text) = match &args.systems {
        Some(path) => (path.display().to_string(), data::read_text(path)?),
        None => ("systems-2020".to_owned(), data::SYSTEMS_2020.to_owned()),
    };
    let systems = Systems::parse(&text).map_err(|e| bad_input!("{origin}: {e}"))?;
    let catalogue = data::catalogue(data_dir)?;
    let mut declarations = Vec::new();
    for path in &args.declarations {
        declarations.push((path.display().to_string(), data::declaration(path, &catalogue, data::open(path)?)?));
    }
    let named: Vec<(&str, &detente_core::Declaration)> =
        declarations.iter().map(|(name, d)| (name.as_str(), d)).collect();
    declared::scenario(&named, &systems, &origin, Model::default()).map_err(|e| bad_input!("{e}"))
}

/// `PARAMETER=REST` or `PARAMETER*=REST`.
fn split_assignment(text: &str) -> Result<(Parameter, Apply, &str), String> {
    let (parameter, apply, rest) = match text.split_once("*=") {
        Some((p, rest)) => (p, Apply::Scale, rest),
        None => {
            let (p, rest) = text
                .split_once('=')
                .ok_or_else(|| format!("{text:?}: expected PARAMETER=VALUE or PARAMETER*=VALUE"))?;
            (p, Apply::Set, rest)
        }
    };
    Ok((parameter.trim().parse().map_err(|e: ParameterError| e.to_string())?, apply, rest))
}

/// Where each of `parties` is in the scenario.
fn indexes(inputs: &Inputs, parties: &[String], flag: &str) -> anyhow::Result<Vec<usize>> {
    let mut found = Vec::new();
    for text in parties {
        let party: Party = text.trim().parse().map_err(|e| bad_input!("{flag}: {e}"))?;
        let index = inputs.postures.iter().position(|p| p.party == party).ok_or_else(|| {
            let known: Vec<&str> = inputs.postures.iter().map(|p| p.party.as_str()).collect();
            bad_input!("{flag}: the scenario has no party {party}; it has {}", known.join(", "))
        })?;
        if found.contains(&index) {
            return Err(bad_input!("{flag}: {party} is named twice"));
        }
        found.push(index);
    }
    Ok(found)
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    ProgressBar::new(total)
        .with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        )
        .with_message(what.to_owned())
}

// ---- upload ----------------------------------------------------------------

fn upload_potential(args: UploadArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let (scenario, inputs) = load(&args.scenario, data_dir)?;
    let chosen = if args.parties.is_empty() {
        (0..inputs.postures.len()).collect()
    } else {
        indexes(&inputs, &args.parties, "--parties")?
    };
    let limits = match &args.treaty {
        None => Limits::default(),
        Some(name) => {
            let mut catalogue = data::catalogue(data_dir)?;
            let treaty = data::treaty(&mut catalogue, name)?;
            let limit = |id: &str| treaty.limits.iter().find(|l| l.id == id).and_then(|l| l.max).map(f64::from);
            let limits = Limits {
                deployed_launchers: limit("deployed-delivery-vehicles"),
                launchers: limit("launchers"),
                deployed_warheads: if args.warhead_limit { limit("deployed-warheads") } else { None },
            };
            if limits.deployed_launchers.is_none() && limits.launchers.is_none() {
                return Err(bad_input!(
                    "--treaty {name}: it has no launcher limit (limit ids deployed-delivery-vehicles or launchers)"
                ));
            }
            limits
        }
    };
    let uploads: Vec<(usize, Upload)> = chosen.iter().map(|&i| (i, upload(&inputs.postures[i], &limits))).collect();
    let series = |i: usize, u: &Upload| -> Vec<f64> {
        (0..=args.months).map(|m| u.after_months(&inputs.postures[i], f64::from(m))).collect()
    };
    if let Some(path) = &args.plot {
        let figure = Figure {
            title: format!("Deployed warheads during an upload: {}", scenario.name),
            description: format!(
                "Deployed strategic warheads month by month as each system uploads at its rate, scenario {}.",
                scenario.id
            ),
            panels: vec![Panel {
                title: "Deployed warheads".into(),
                series: uploads
                    .iter()
                    .map(|(i, u)| Series {
                        name: inputs.postures[*i].party.to_string(),
                        color: super::party_colour(&inputs.postures[*i].party).into(),
                        points: series(*i, u).into_iter().enumerate().map(|(m, w)| (m as f64, w, true)).collect(),
                    })
                    .collect(),
                references: limits
                    .deployed_warheads
                    .map(|w| detente_chart::Reference { label: format!("{w} limit"), y: w })
                    .into_iter()
                    .collect(),
            }],
            markers: vec![],
            x_ticks: (0..=args.months).step_by(6).map(|m| (f64::from(m), format!("{m} mo"))).collect(),
            width: 760,
            panel_height: 300,
        };
        super::write_svg(path, &figure.to_svg())?;
    }
    if args.json {
        let parties: Vec<serde_json::Value> = uploads
            .iter()
            .map(|(i, u)| serde_json::json!({ "party": inputs.postures[*i].party, "upload": u, "deployed_by_month": series(*i, u) }))
            .collect();
        return super::print_json(
            &serde_json::json!({ "scenario": scenario.id, "limits": limits, "parties": parties }),
        );
    }
    if args.csv {
        let mut out = String::from("month,party,deployed_warheads\n");
        for (i, u) in &uploads {
            for (month, warheads) in series(*i, u).iter().enumerate() {
                let _ = writeln!(out, "{month},{},{warheads:.1}", inputs.postures[*i].party);
            }
        }
        return super::print_text(&out);
    }
    let mut text =
        format!("Upload potential, scenario {} ({}){}\n", scenario.id, scenario.status, describe_limits(&limits));
    for (i, u) in &uploads {
        let posture = &inputs.postures[*i];
        let rows: Vec<Vec<String>> = u
            .systems
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    round(s.today),
                    round(s.on_deployed),
                    round(s.restored_launchers),
                    round(s.on_restored),
                    round(s.added),
                    round(s.today + s.added),
                    s.months.map_or("-".into(), |m| format!("{m:.1}")),
                ]
            })
            .collect();
        let _ = writeln!(
            text,
            "\n{}: {} deployed warheads today, {} after an upload (+{})",
            posture.party,
            round(u.today),
            round(u.after),
            round(u.added)
        );
        text.push_str(&report::table(
            &["system", "today", "fit on deployed", "launchers back", "on those", "added", "after", "months"],
            &rows,
        ));
        if !u.bound_by.is_empty() {
            let _ = writeln!(
                text,
                "held back by {}",
                u.bound_by.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            );
        }
        let months: Vec<String> = [6, 12, 24, args.months]
            .iter()
            .filter(|&&m| m <= args.months)
            .map(|&m| format!("{m} months {}", round(u.after_months(posture, f64::from(m)))))
            .collect();
        let _ = writeln!(text, "deployed after {}", months.join("; "));
    }
    text.push_str(
        "\nRates of upload are scenario figures; see `detente analyze scenarios NAME` for which are assumed.\n",
    );
    super::print_text(&text)
}

fn describe_limits(limits: &Limits) -> String {
    let parts: Vec<String> = [
        ("deployed launchers", limits.deployed_launchers),
        ("launchers", limits.launchers),
        ("deployed warheads", limits.deployed_warheads),
    ]
    .iter()
    .filter_map(|(what, limit)| limit.map(|l| format!("{what} ≤ {l}")))
    .collect();
    if parts.is_empty() { ", no limits".into() } else { format!(", within {}", parts.join(", ")) }
}

// ---- exchange --------------------------------------------------------------

fn exchange(args: &ExchangeArgs) -> anyhow::Result<()> {
    let positive = |flag: &str, value: f64| {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(bad_input!("{flag}: {value} is not a number above 0"))
        }
    };
    let share = |flag: &str, value: f64| {
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(bad_input!("{flag}: {value} is not a share from 0 to 1"))
        }
    };
    let model = BlastModel {
        lethal_radius_nmi_per_cube_root: positive("--lethal-radius-constant", args.lethal_radius_constant)?,
    };
    let reliability = share("--reliability", args.reliability)?;
    let shot = match args.sspk {
        // A notional shot, as analysts give one: its SSPK directly.
        Some(sspk) => Shot {
            lethal_radius_m: f64::NAN,
            sspk: share("--sspk", sspk)?,
            kill_probability: share("--sspk", sspk)? * reliability,
        },
        None => {
            let needed = |flag: &str, value: Option<f64>| {
                value.ok_or_else(|| bad_input!("{flag} is needed unless --sspk is given"))
            };
            Shot::new(
                &model,
                positive("--yield-kt", needed("--yield-kt", args.yield_kt)?)?,
                positive("--hardness-psi", needed("--hardness-psi", args.hardness_psi)?)?,
                positive("--cep-m", needed("--cep-m", args.cep_m)?)?,
                reliability,
            )
        }
    };
    let expectancy = damage_expectancy(shot.kill_probability, args.warheads, share("--fratricide", args.fratricide)?);
    if args.json {
        return super::print_json(&serde_json::json!({
            "yield_kt": args.yield_kt, "hardness_psi": args.hardness_psi, "cep_m": args.cep_m,
            "lethal_radius_m": shot.lethal_radius_m.is_finite().then_some(shot.lethal_radius_m),
            "reliability": args.reliability, "warheads": args.warheads, "fratricide": args.fratricide,
            "sspk": shot.sspk, "kill_probability": shot.kill_probability,
            "damage_expectancy": expectancy,
        }));
    }
    let mut rows = vec![
        vec!["single-shot kill probability (SSPK)".into(), format!("{:.5}", shot.sspk)],
        vec![format!("kill probability (× reliability {})", args.reliability), format!("{:.6}", shot.kill_probability)],
        vec![
            format!("damage expectancy, {} warhead(s), fratricide {}", args.warheads, args.fratricide),
            format!("{expectancy:.6}"),
        ],
    ];
    let mut text = match (args.yield_kt, args.cep_m, args.hardness_psi, args.sspk) {
        (Some(y), Some(c), Some(h), None) => {
            rows.insert(0, vec!["lethal radius".into(), format!("{:.1} m", shot.lethal_radius_m)]);
            format!("{y} kt, CEP {c} m, against {h} psi (cube-root scaling holds from about 100 to 10,000 psi)\n")
        }
        _ => format!("A shot with SSPK {}\n", shot.sspk),
    };
    text.push_str(&report::table(&["", "value"], &rows));
    super::print_text(&text)
}

// ---- stability -------------------------------------------------------------

fn crisis_stability(args: StabilityArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let (scenario, inputs) = load(&args.scenario, data_dir)?;
    let chosen = indexes(&inputs, &args.parties, "--parties")?;
    if chosen.len() < 2 {
        return Err(bad_input!("--parties: name at least two parties"));
    }
    if !(0.0..1.0).contains(&args.reserve_damage) {
        return Err(bad_input!("--reserve-damage: {} is not a share from 0 to below 1", args.reserve_damage));
    }
    let lua = LaunchUnderAttack { a: args.launch_under_attack, b: args.launch_under_attack };
    if let Some(trials) = args.trials {
        if chosen.len() != 2 {
            return Err(bad_input!("--trials: Monte Carlo runs take two parties"));
        }
        return monte_carlo(
            &args,
            &scenario,
            &inputs,
            Pair { a: chosen[0], b: chosen[1], launch_under_attack: lua },
            trials,
        );
    }
    if chosen.len() == 2 {
        let (a, b) = (&inputs.postures[chosen[0]], &inputs.postures[chosen[1]]);
        let result = stability(&inputs.model, a, b, lua);
        if args.json {
            return super::print_json(
                &serde_json::json!({ "scenario": scenario.id, "a": a.party, "b": b.party, "launch_under_attack": args.launch_under_attack, "model": inputs.model, "stability": result }),
            );
        }
        return super::print_text(&describe_pair(
            &scenario,
            a.party.as_str(),
            b.party.as_str(),
            &result,
            args.launch_under_attack,
        ));
    }
    let postures: Vec<_> = chosen.iter().map(|&i| inputs.postures[i].clone()).collect();
    let result =
        multilateral(&inputs.model, &postures, &Reserve { damage: args.reserve_damage }, args.launch_under_attack);
    if args.json {
        return super::print_json(
            &serde_json::json!({ "scenario": scenario.id, "reserve_damage": args.reserve_damage, "launch_under_attack": args.launch_under_attack, "result": result }),
        );
    }
    let mut text =
        format!("First-strike stability, {} parties, scenario {} ({})\n", postures.len(), scenario.id, scenario.status);
    let _ = writeln!(
        text,
        "Each side of a pair holds back warheads able to destroy {:.0}% of the strongest other party's value.\n",
        args.reserve_damage * 100.0
    );
    let rows: Vec<Vec<String>> = result
        .pairs
        .iter()
        .map(|p| {
            vec![
                format!("{}–{}", p.a, p.b),
                format!("{:.0}% / {:.0}%", p.a_held * 100.0, p.b_held * 100.0),
                format!("{:.3}", p.stability.a.ratio),
                format!("{:.3}", p.stability.b.ratio),
                format!("{:.3}", p.stability.index),
            ]
        })
        .collect();
    text.push_str(&report::table(&["pair", "held back", "r first", "r second", "index"], &rows));
    let _ = writeln!(text, "least stable pair: {:.3}; product of the pairs: {:.3}", result.minimum, result.product);
    if !result.coalitions.is_empty() {
        text.push_str("\nEach party against all the others striking together (their forces and values pooled):\n");
        let rows: Vec<Vec<String>> = result
            .coalitions
            .iter()
            .map(|c| {
                let others: Vec<&str> = c.others.iter().map(Party::as_str).collect();
                vec![
                    format!("{} vs {}", c.party, others.join("+")),
                    format!("{:.3}", c.stability.a.ratio),
                    format!("{:.3}", c.stability.b.ratio),
                    format!("{:.3}", c.stability.index),
                ]
            })
            .collect();
        text.push_str(&report::table(&["facing", "r party", "r coalition", "index"], &rows));
    }
    text.push_str(
        "\nReserves and coalitions are detente's extension of Kent and Thaler's method (docs/analysis.md).\n",
    );
    super::print_text(&text)
}

fn describe_pair(scenario: &Scenario, a: &str, b: &str, s: &Stability, lua: bool) -> String {
    let mut text = format!(
        "First-strike stability of {a} and {b}, scenario {} ({}){}\n\n",
        scenario.id,
        scenario.status,
        if lua { ", launch under attack" } else { "" }
    );
    let rows = vec![
        vec![
            a.to_owned(),
            format!("{:.4}", s.a.first_strike_cost),
            format!("{:.4}", s.a.second_strike_cost),
            format!("{:.4}", s.a.ratio),
        ],
        vec![
            b.to_owned(),
            format!("{:.4}", s.b.first_strike_cost),
            format!("{:.4}", s.b.second_strike_cost),
            format!("{:.4}", s.b.ratio),
        ],
    ];
    text.push_str(&report::table(&["party", "C1 strike first", "C2 struck first", "r = min(1, C1/C2)"], &rows));
    let _ = writeln!(text, "index r_{a} · r_{b} = {:.4}\n", s.index);
    let strikes = vec![
        strike_row(&format!("{a} strikes {b}"), &s.a_strikes),
        strike_row(&format!("{b} strikes {a}"), &s.b_strikes),
    ];
    text.push_str(&report::table(
        &["first strike", "counterforce", "countervalue", "retaliation", "striker's value lost", "victim's value lost"],
        &strikes,
    ));
    text.push_str("\nr is the chance of being struck first above which striking first costs a side less than waiting;\nthe index ranks postures and is not a probability of war.\n");
    text
}

fn strike_row(label: &str, strike: &detente_analysis::stability::Strike) -> Vec<String> {
    vec![
        label.to_owned(),
        round(strike.counterforce),
        round(strike.countervalue),
        round(strike.retaliation),
        format!("{:.1}%", strike.striker_damage * 100.0),
        format!("{:.1}%", strike.victim_damage * 100.0),
    ]
}

fn monte_carlo(
    args: &StabilityArgs,
    scenario: &Scenario,
    inputs: &Inputs,
    pair: Pair,
    trials: u64,
) -> anyhow::Result<()> {
    if args.vary.is_empty() {
        return Err(bad_input!("--trials: name at least one uncertain parameter with --vary"));
    }
    let mut uncertain = Vec::new();
    for text in &args.vary {
        let u: Uncertain = text.parse().map_err(|e| bad_input!("--vary {e}"))?;
        inputs.check(&u.parameter).map_err(|e| bad_input!("--vary {e}"))?;
        if !u.parameter.affects_stability() {
            return Err(bad_input!("--vary {text}: {} does not change the stability index", u.parameter));
        }
        uncertain.push(u);
    }
    let bar = progress_bar(trials, "trials");
    let result = montecarlo::monte_carlo(inputs, pair, &uncertain, trials, args.seed, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let (a, b) = (inputs.postures[pair.a].party.as_str(), inputs.postures[pair.b].party.as_str());
    if args.json {
        return super::print_json(
            &serde_json::json!({ "scenario": scenario.id, "a": a, "b": b, "uncertain": uncertain, "result": result }),
        );
    }
    let stats_row = |what: String, s: &montecarlo::Stats, digits: usize| {
        let f = |v: f64| format!("{v:.digits$}");
        vec![what, f(s.mean), f(s.sd), f(s.min), f(s.p05), f(s.median), f(s.p95), f(s.max)]
    };
    let rows = vec![
        stats_row("index".into(), &result.index, 4),
        stats_row(format!("r {a}"), &result.ratio_a, 4),
        stats_row(format!("r {b}"), &result.ratio_b, 4),
        stats_row(format!("{a} warheads surviving {b}'s first strike"), &result.survivors_a, 0),
        stats_row(format!("{b} warheads surviving {a}'s first strike"), &result.survivors_b, 0),
    ];
    let mut text =
        format!("Monte Carlo: {trials} trials, seed {}, scenario {} ({})\n", args.seed, scenario.id, scenario.status);
    for u in &args.vary {
        let _ = writeln!(text, "  varying {u}");
    }
    text.push('\n');
    text.push_str(&report::table(&["", "mean", "sd", "min", "5%", "median", "95%", "max"], &rows));
    text.push_str("\nindex  trials\n");
    let widest = result.index_histogram.iter().copied().max().unwrap_or(1).max(1);
    for (bin, count) in result.index_histogram.iter().enumerate() {
        let bar = "#".repeat((40 * count).div_ceil(widest) as usize);
        let _ = writeln!(text, "{:.1}-{:.1} {count:>8} {bar}", bin as f64 / 10.0, (bin + 1) as f64 / 10.0);
    }
    super::print_text(&text)
}

// ---- race ------------------------------------------------------------------

fn race(args: RaceArgs) -> anyhow::Result<()> {
    let (origin, text) = match &args.file {
        Some(path) => (path.display().to_string(), data::read_text(path)?),
        None => ("race-illustrative".to_owned(), data::RACE_ILLUSTRATIVE.to_owned()),
    };
    let race = RaceFile::parse(&text).map_err(|e| bad_input!("{origin}: {e}"))?;
    let outcome = race.model.analyse();
    // Ten steps a year, reported yearly.
    let path = race.model.trajectory(&race.start, 0.1, args.years as usize * 10);
    let yearly: Vec<&Vec<f64>> = path.iter().step_by(10).collect();
    let parties: Vec<&str> = race.model.parties.iter().map(Party::as_str).collect();
    if let Some(file) = &args.plot {
        let figure = Figure {
            title: format!("Arms race: {}", race.name),
            description: "Arms levels year by year in Richardson's model.".into(),
            panels: vec![Panel {
                title: "Level".into(),
                series: race
                    .model
                    .parties
                    .iter()
                    .enumerate()
                    .map(|(i, party)| Series {
                        name: party.to_string(),
                        color: super::party_colour(party).into(),
                        points: yearly.iter().enumerate().map(|(y, l)| (y as f64, l[i], true)).collect(),
                    })
                    .collect(),
                references: vec![],
            }],
            markers: vec![],
            x_ticks: (0..=args.years).step_by(5).map(|y| (f64::from(y), format!("year {y}"))).collect(),
            width: 760,
            panel_height: 300,
        };
        super::write_svg(file, &figure.to_svg())?;
    }
    let deterrence = race.deterrence.map(|d| {
        let at = |levels: &[f64]| d.at(levels[0], levels[1]);
        serde_json::json!({ "cone_opens": d.cone_opens(), "at_start": at(&race.start), "at_end": at(yearly.last().expect("year 0 at least")) })
    });
    if args.json {
        return super::print_json(
            &serde_json::json!({ "race": race, "outcome": outcome, "yearly": yearly, "deterrence": deterrence }),
        );
    }
    if args.csv {
        let mut out = String::from("year,party,level\n");
        for (year, levels) in yearly.iter().enumerate() {
            for (party, level) in parties.iter().zip(levels.iter()) {
                let _ = writeln!(out, "{year},{party},{level:.1}");
            }
        }
        return super::print_text(&out);
    }
    let mut text = format!("Arms race: {} ({})\n", race.name, race.status);
    let eigenvalues: Vec<String> = outcome
        .eigenvalues
        .iter()
        .map(|e| if e.im == 0.0 { format!("{:.4}", e.re) } else { format!("{:.4}{:+.4}i", e.re, e.im) })
        .collect();
    let _ = writeln!(text, "eigenvalues of A = K − diag(m): {}", eigenvalues.join(", "));
    let _ = writeln!(
        text,
        "{}",
        if outcome.stable {
            "stable: every eigenvalue has a negative real part; the race settles"
        } else {
            "unstable: an eigenvalue has a real part of 0 or more; the race runs away"
        }
    );
    if let Some(equilibrium) = &outcome.equilibrium {
        let levels: Vec<String> = parties.iter().zip(equilibrium).map(|(p, l)| format!("{p} {l:.0}")).collect();
        let _ = writeln!(text, "equilibrium: {}", levels.join(", "));
    }
    let mut headers = vec!["year"];
    headers.extend(parties.iter());
    let rows: Vec<Vec<String>> = yearly
        .iter()
        .enumerate()
        .filter(|(y, _)| y % 5 == 0 || *y == yearly.len() - 1)
        // Levels are not held at zero: a runaway race can go negative.
        .map(|(y, levels)| std::iter::once(y.to_string()).chain(levels.iter().map(|l| format!("{l:.0}"))).collect())
        .collect();
    text.push('\n');
    text.push_str(&report::table(&headers, &rows));
    if let Some(d) = race.deterrence {
        let (a, b) = (parties[0], parties[1]);
        let _ = writeln!(
            text,
            "\nIntriligator-Brito, {a} and {b}: the cone of mutual deterrence {} as stocks grow",
            if d.cone_opens() { "widens" } else { "narrows" }
        );
        let yes = |condition: bool| if condition { "yes" } else { "no" };
        for (when, levels) in [
            ("at the start".to_owned(), &race.start),
            (format!("at year {}", args.years), *yearly.last().expect("year 0 at least")),
        ] {
            let at = d.at(levels[0], levels[1]);
            let _ = writeln!(
                text,
                "{when}: {b} deters {a}: {}; {a} deters {b}: {}; {a} can disarm {b}: {}; {b} can disarm {a}: {}",
                yes(at.b_deters_a),
                yes(at.a_deters_b),
                yes(at.a_can_disarm_b),
                yes(at.b_can_disarm_a)
            );
        }
    }
    text.push('\n');
    for note in &race.notes {
        let _ = writeln!(text, "- {note}");
    }
    super::print_text(&text)
}

// ---- sweep -----------------------------------------------------------------

/// A sweep drawn as a heat map of `value` of each cell.
pub(super) fn heat_map(
    sweep: &montecarlo::Sweep,
    title: String,
    description: String,
    legend: &str,
    value: impl Fn(&montecarlo::Outcome) -> f64,
) -> HeatMap {
    HeatMap {
        title,
        description,
        x_label: sweep.x.parameter.to_string(),
        y_label: sweep.y.parameter.to_string(),
        x_values: sweep.x_values.clone(),
        y_values: sweep.y_values.clone(),
        cells: sweep.cells.iter().map(|row| row.iter().map(&value).collect()).collect(),
        legend: legend.to_owned(),
    }
}

/// `PARAMETER=FROM:TO:STEPS` or `PARAMETER*=FROM:TO:STEPS`.
fn axis(flag: &str, text: &str, inputs: &Inputs) -> anyhow::Result<Axis> {
    let (parameter, apply, range) = split_assignment(text).map_err(|e| bad_input!("{flag} {e}"))?;
    inputs.check(&parameter).map_err(|e| bad_input!("{flag} {e}"))?;
    if !parameter.affects_stability() {
        return Err(bad_input!("{flag} {text}: {parameter} does not change the stability index"));
    }
    let parts: Vec<&str> = range.split(':').collect();
    let bad = || bad_input!("{flag} {text}: expected FROM:TO:STEPS after the parameter, such as 0:1:21");
    let [from, to, steps] = parts.as_slice() else { return Err(bad()) };
    let (from, to): (f64, f64) = (from.trim().parse().map_err(|_| bad())?, to.trim().parse().map_err(|_| bad())?);
    let steps: usize = steps.trim().parse().map_err(|_| bad())?;
    if !(from.is_finite() && to.is_finite() && (1..=2000).contains(&steps)) {
        return Err(bad_input!("{flag} {text}: FROM and TO must be numbers and STEPS from 1 to 2,000"));
    }
    Ok(Axis { parameter, apply, from, to, steps })
}

fn sweep(args: SweepArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let (scenario, inputs) = load(&args.scenario, data_dir)?;
    let chosen = indexes(&inputs, &args.parties, "--parties")?;
    if chosen.len() != 2 {
        return Err(bad_input!("--parties: a sweep takes two parties"));
    }
    let (x, y) = (axis("--x", &args.x, &inputs)?, axis("--y", &args.y, &inputs)?);
    let pair = Pair {
        a: chosen[0],
        b: chosen[1],
        launch_under_attack: LaunchUnderAttack { a: args.launch_under_attack, b: args.launch_under_attack },
    };
    let cells = (x.steps * y.steps) as u64;
    let bar = progress_bar(cells, "cells");
    let result = montecarlo::sweep(&inputs, pair, &x, &y, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let (a, b) = (inputs.postures[pair.a].party.as_str(), inputs.postures[pair.b].party.as_str());
    let value = |o: &montecarlo::Outcome| match args.show {
        SweepValue::Index => o.index,
        SweepValue::RatioA => o.ratio_a,
        SweepValue::RatioB => o.ratio_b,
    };
    let shown = match args.show {
        SweepValue::Index => format!("first-strike stability index, {a}–{b}"),
        SweepValue::RatioA => format!("r of {a}"),
        SweepValue::RatioB => format!("r of {b}"),
    };
    if let Some(path) = &args.svg {
        let title = format!("{shown}: {}", scenario.name);
        let description = format!("The {shown} over {} and {}, scenario {}.", x.parameter, y.parameter, scenario.id);
        let map = heat_map(&result, title, description, &shown, value);
        super::write_svg(path, &map.to_svg())?;
    }
    if args.json {
        return super::print_json(&serde_json::json!({ "scenario": scenario.id, "a": a, "b": b, "sweep": result }));
    }
    if args.csv {
        let mut out = format!(
            "{},{},index,ratio_{a},ratio_{b}\n",
            csv_field(&x.parameter.to_string()),
            csv_field(&y.parameter.to_string())
        );
        for (row, y_value) in result.cells.iter().zip(&result.y_values) {
            for (cell, x_value) in row.iter().zip(&result.x_values) {
                let _ = writeln!(out, "{x_value},{y_value},{:.6},{:.6},{:.6}", cell.index, cell.ratio_a, cell.ratio_b);
            }
        }
        return super::print_text(&out);
    }
    let values: Vec<f64> = result.cells.iter().flatten().map(value).collect();
    let (low, high) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let mut text = format!(
        "{shown} over {} × {} ({} cells): from {low:.3} to {high:.3}\n",
        x.parameter,
        y.parameter,
        values.len()
    );
    if x.steps <= 12 && y.steps <= 24 {
        let mut headers = vec![format!("{} \\ {}", y.parameter.field_name(), x.parameter.field_name())];
        headers.extend(result.x_values.iter().map(|v| format!("{v:.3}")));
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let rows: Vec<Vec<String>> = result
            .cells
            .iter()
            .zip(&result.y_values)
            .rev()
            .map(|(row, y_value)| {
                std::iter::once(format!("{y_value:.3}")).chain(row.iter().map(|c| format!("{:.3}", value(c)))).collect()
            })
            .collect();
        text.push_str(&report::table(&header_refs, &rows));
    } else {
        text.push_str("(too large to print: use --csv, --json or --svg)\n");
    }
    super::print_text(&text)
}
