//! `detente analyze`: loads the scenario and the user's changes, runs the
//! models, and hands the results to `report::analysis` (text), `charts`
//! (SVG) and the output (JSON, CSV).

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use detente_analysis::declared::{self, Systems};
use detente_analysis::exchange::{BlastModel, Shot, damage_expectancy};
use detente_analysis::montecarlo::{self, Axis, Pair};
use detente_analysis::params::{Apply, Inputs};
use detente_analysis::race::RaceFile;
use detente_analysis::scenario::Scenario;
use detente_analysis::stability::{LaunchUnderAttack, Model, stability};
use detente_analysis::trilateral::{Reserve, multilateral};
use detente_analysis::upload::{Limits, upload};
use detente_core::Party;

use super::Context;
use crate::args::{
    AnalyzeCommand, ExchangeArgs, RaceArgs, ScenarioArgs, StabilityArgs, SweepArgs, SweepValue, UploadArgs,
};
use crate::error::Outcome;
use crate::report::analysis as render;
use crate::{bad_input, charts, data};

pub fn run(command: AnalyzeCommand, context: &Context) -> anyhow::Result<Outcome> {
    match command {
        AnalyzeCommand::Scenarios { name } => scenarios(name.as_deref(), context),
        AnalyzeCommand::Upload(args) => upload_potential(args, context),
        AnalyzeCommand::Exchange(args) => exchange(&args, context),
        AnalyzeCommand::Stability(args) => crisis_stability(args, context),
        AnalyzeCommand::Race(args) => race(args, context),
        AnalyzeCommand::Sweep(args) => sweep(args, context),
    }?;
    Ok(Outcome::Done)
}

fn scenarios(name: Option<&str>, context: &Context) -> anyhow::Result<()> {
    let Some(name) = name else {
        let listed: Vec<_> = data::SCENARIOS.iter().map(|(name, what)| json!({ "name": name, "what": what })).collect();
        return context.out.result(&listed, |_| render::scenario_list(&data::SCENARIOS));
    };
    context.out.result(&data::scenario(name)?, render::scenario)
}

/// The scenario (or the postures the declarations make) with the user's changes applied.
fn load(args: &ScenarioArgs, context: &Context) -> anyhow::Result<(Scenario, Inputs)> {
    let scenario =
        if args.declarations.is_empty() { data::scenario(&args.scenario)? } else { declared(args, context)? };
    let mut inputs = Inputs { model: scenario.model, postures: scenario.postures.clone() };
    for change in &args.changes {
        inputs.check(&change.parameter).map_err(|e| bad_input!("--set {e}"))?;
        if change.apply == Apply::Set && !Inputs::within_bounds(&change.parameter, change.value) {
            let (parameter, value) = (&change.parameter, change.value);
            return Err(bad_input!("--set {parameter}={value}: {value} is outside the range {parameter} can take"));
        }
        inputs.apply(&change.parameter, change.apply, change.value);
    }
    Ok((scenario, inputs))
}

fn declared(args: &ScenarioArgs, context: &Context) -> anyhow::Result<Scenario> {
    let (origin, text) = match &args.systems {
        Some(path) => (path.display().to_string(), data::read_text(path)?),
        None => ("systems-2020".to_owned(), data::systems_2020().to_owned()),
    };
    let systems = Systems::parse(&text).map_err(|e| bad_input!("{origin}: {e}"))?;
    let catalogue = context.catalogue()?;
    let mut declarations = Vec::new();
    for path in &args.declarations {
        declarations.push((path.display().to_string(), data::declaration(path, &catalogue, data::open(path)?)?));
    }
    let named: Vec<(&str, &detente_core::Declaration)> =
        declarations.iter().map(|(name, d)| (name.as_str(), d)).collect();
    declared::scenario(&named, &systems, &origin, Model::default()).map_err(|e| bad_input!("{e}"))
}

/// Where each of `parties` is in the scenario.
fn indexes(inputs: &Inputs, parties: &[Party]) -> anyhow::Result<Vec<usize>> {
    let mut found = Vec::new();
    for party in parties {
        let index = inputs.postures.iter().position(|p| &p.party == party).ok_or_else(|| {
            let known: Vec<&str> = inputs.postures.iter().map(|p| p.party.as_str()).collect();
            bad_input!("--parties: the scenario has no party {party}; it has {}", known.join(", "))
        })?;
        if found.contains(&index) {
            return Err(bad_input!("--parties: {party} is named twice"));
        }
        found.push(index);
    }
    Ok(found)
}

/// A sweep axis, checked against the scenario it sweeps.
fn checked_axis(flag: &str, axis: &Axis, inputs: &Inputs) -> anyhow::Result<Axis> {
    inputs.check(&axis.parameter).map_err(|e| bad_input!("{flag} {e}"))?;
    if !axis.parameter.affects_stability() {
        return Err(bad_input!("{flag}: {} does not change the stability index", axis.parameter));
    }
    Ok(axis.clone())
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

fn no_csv_with_json(csv: bool, context: &Context) -> anyhow::Result<()> {
    if csv && context.out.json_wanted() { Err(bad_input!("--csv and --json: choose one")) } else { Ok(()) }
}

fn upload_potential(args: UploadArgs, context: &Context) -> anyhow::Result<()> {
    no_csv_with_json(args.output.csv, context)?;
    let (scenario, inputs) = load(&args.scenario, context)?;
    let chosen =
        if args.parties.is_empty() { (0..inputs.postures.len()).collect() } else { indexes(&inputs, &args.parties)? };
    let limits = match &args.treaty {
        None => Limits::default(),
        Some(name) => {
            let mut catalogue = context.catalogue()?;
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
    let uploads: Vec<_> = chosen.iter().map(|&i| (&inputs.postures[i], upload(&inputs.postures[i], &limits))).collect();
    if let Some(path) = &args.output.plot {
        let figure = charts::upload(&scenario.name, &scenario.id, &uploads, &limits, args.months);
        context.out.file(path, figure.to_svg().as_bytes())?;
    }
    if args.output.csv {
        return context.out.text(&render::upload_csv(&uploads, args.months));
    }
    let parties: Vec<_> = uploads
        .iter()
        .map(|(posture, u)| {
            let by_month: Vec<f64> = (0..=args.months).map(|m| u.after_months(posture, f64::from(m))).collect();
            json!({ "party": posture.party, "upload": u, "deployed_by_month": by_month })
        })
        .collect();
    let result = json!({ "scenario": scenario.id, "limits": limits, "parties": parties });
    context.out.result(&result, |_| render::upload(&scenario, &limits, &uploads, args.months))
}

fn exchange(args: &ExchangeArgs, context: &Context) -> anyhow::Result<()> {
    let model = BlastModel { lethal_radius_nmi_per_cube_root: args.lethal_radius_constant };
    let shot = match (args.sspk, args.yield_kt, args.hardness_psi, args.cep_m) {
        // A notional shot, as analysts give one: its SSPK directly.
        (Some(sspk), ..) => Shot { lethal_radius_m: f64::NAN, sspk, kill_probability: sspk * args.reliability },
        (None, Some(yield_kt), Some(hardness_psi), Some(cep_m)) => {
            Shot::new(&model, yield_kt, hardness_psi, cep_m, args.reliability)
        }
        _ => return Err(bad_input!("give --yield-kt, --hardness-psi and --cep-m, or --sspk")),
    };
    let result = render::ExchangeShot {
        yield_kt: args.yield_kt,
        hardness_psi: args.hardness_psi,
        cep_m: args.cep_m,
        reliability: args.reliability,
        warheads: args.warheads,
        fratricide: args.fratricide,
        damage_expectancy: damage_expectancy(shot.kill_probability, args.warheads, args.fratricide),
        shot,
    };
    let json = json!({
        "yield_kt": args.yield_kt, "hardness_psi": args.hardness_psi, "cep_m": args.cep_m,
        "lethal_radius_m": shot.lethal_radius_m.is_finite().then_some(shot.lethal_radius_m),
        "reliability": args.reliability, "warheads": args.warheads, "fratricide": args.fratricide,
        "sspk": shot.sspk, "kill_probability": shot.kill_probability,
        "damage_expectancy": result.damage_expectancy,
    });
    context.out.result(&json, |_| render::exchange(&result))
}

fn crisis_stability(args: StabilityArgs, context: &Context) -> anyhow::Result<()> {
    let (scenario, inputs) = load(&args.scenario, context)?;
    let chosen = indexes(&inputs, &args.parties)?;
    if chosen.len() < 2 {
        return Err(bad_input!("--parties: name at least two parties"));
    }
    let lua = LaunchUnderAttack { a: args.launch_under_attack, b: args.launch_under_attack };
    if let Some(trials) = args.trials {
        if chosen.len() != 2 {
            return Err(bad_input!("--trials: Monte Carlo runs take two parties"));
        }
        let pair = Pair { a: chosen[0], b: chosen[1], launch_under_attack: lua };
        return monte_carlo(&args, &scenario, &inputs, pair, trials, context);
    }
    if chosen.len() == 2 {
        let (a, b) = (&inputs.postures[chosen[0]], &inputs.postures[chosen[1]]);
        let result = stability(&inputs.model, a, b, lua);
        let json = json!({ "scenario": scenario.id, "a": a.party, "b": b.party, "launch_under_attack": args.launch_under_attack, "model": inputs.model, "stability": result });
        return context.out.result(&json, |_| {
            render::pair(&scenario, a.party.as_str(), b.party.as_str(), &result, args.launch_under_attack)
        });
    }
    let postures: Vec<_> = chosen.iter().map(|&i| inputs.postures[i].clone()).collect();
    let result =
        multilateral(&inputs.model, &postures, &Reserve { damage: args.reserve_damage }, args.launch_under_attack);
    let json = json!({ "scenario": scenario.id, "reserve_damage": args.reserve_damage, "launch_under_attack": args.launch_under_attack, "result": result });
    context.out.result(&json, |_| render::multilateral(&scenario, postures.len(), args.reserve_damage, &result))
}

fn monte_carlo(
    args: &StabilityArgs,
    scenario: &Scenario,
    inputs: &Inputs,
    pair: Pair,
    trials: u64,
    context: &Context,
) -> anyhow::Result<()> {
    if args.vary.is_empty() {
        return Err(bad_input!("--trials: name at least one uncertain parameter with --vary"));
    }
    for u in &args.vary {
        inputs.check(&u.parameter).map_err(|e| bad_input!("--vary {e}"))?;
        if !u.parameter.affects_stability() {
            return Err(bad_input!("--vary {u}: {} does not change the stability index", u.parameter));
        }
    }
    let bar = progress_bar(trials, "trials");
    let result = montecarlo::monte_carlo(inputs, pair, &args.vary, trials, args.seed, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let (a, b) = (inputs.postures[pair.a].party.as_str(), inputs.postures[pair.b].party.as_str());
    let json = json!({ "scenario": scenario.id, "a": a, "b": b, "uncertain": args.vary, "result": result });
    context.out.result(&json, |_| render::monte_carlo(scenario, (a, b), &args.vary, trials, args.seed, &result))
}

fn race(args: RaceArgs, context: &Context) -> anyhow::Result<()> {
    no_csv_with_json(args.output.csv, context)?;
    let (origin, text) = match &args.file {
        Some(path) => (path.display().to_string(), data::read_text(path)?),
        None => ("race-illustrative".to_owned(), data::race_illustrative().to_owned()),
    };
    let race = RaceFile::parse(&text).map_err(|e| bad_input!("{origin}: {e}"))?;
    let outcome = race.model.analyse();
    // Ten steps a year, reported yearly.
    let path = race.model.trajectory(&race.start, 0.1, args.years as usize * 10);
    let yearly: Vec<&Vec<f64>> = path.iter().step_by(10).collect();
    if let Some(file) = &args.output.plot {
        context.out.file(file, charts::race(&race, &yearly, args.years).to_svg().as_bytes())?;
    }
    if args.output.csv {
        return context.out.text(&render::race_csv(&race, &yearly));
    }
    let deterrence = race.deterrence.map(|d| {
        let at = |levels: &[f64]| d.at(levels[0], levels[1]);
        json!({ "cone_opens": d.cone_opens(), "at_start": at(&race.start), "at_end": at(yearly.last().expect("year 0 at least")) })
    });
    let json = json!({ "race": race, "outcome": outcome, "yearly": yearly, "deterrence": deterrence });
    context.out.result(&json, |_| render::race(&race, &outcome, &yearly, args.years))
}

fn sweep(args: SweepArgs, context: &Context) -> anyhow::Result<()> {
    no_csv_with_json(args.output.csv, context)?;
    let (scenario, inputs) = load(&args.scenario, context)?;
    let chosen = indexes(&inputs, &args.parties)?;
    if chosen.len() != 2 {
        return Err(bad_input!("--parties: a sweep takes two parties"));
    }
    let (x, y) = (checked_axis("--x", &args.x, &inputs)?, checked_axis("--y", &args.y, &inputs)?);
    let lua = LaunchUnderAttack { a: args.launch_under_attack, b: args.launch_under_attack };
    let pair = Pair { a: chosen[0], b: chosen[1], launch_under_attack: lua };
    let bar = progress_bar((x.steps * y.steps) as u64, "cells");
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
    if let Some(path) = &args.output.plot {
        let title = format!("{shown}: {}", scenario.name);
        let description = format!("The {shown} over {} and {}, scenario {}.", x.parameter, y.parameter, scenario.id);
        let map = charts::heat_map(&result, title, description, &shown, value);
        context.out.file(path, map.to_svg().as_bytes())?;
    }
    if args.output.csv {
        return context.out.text(&render::sweep_csv(&result, (a, b)));
    }
    let json = json!({ "scenario": scenario.id, "a": a, "b": b, "sweep": result });
    context.out.result(&json, |_| render::sweep(&result, &shown, value))
}
