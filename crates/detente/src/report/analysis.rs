//! The stability analysis as text: scenarios, uploads, exchanges, the
//! first-strike index for two or more parties, Monte Carlo statistics,
//! races and sweeps.

use std::fmt::Write as _;

use detente_analysis::exchange::Shot;
use detente_analysis::montecarlo::{self, MonteCarlo, Stats, Sweep, Uncertain};
use detente_analysis::posture::{Basing, Posture};
use detente_analysis::race::{RaceFile, RaceOutcome};
use detente_analysis::scenario::Scenario;
use detente_analysis::stability::{Stability, Strike};
use detente_analysis::trilateral::Multilateral;
use detente_analysis::upload::{Limits, Upload};
use detente_core::Party;

use super::{round, table};

/// The shipped scenarios, one line each.
pub fn scenario_list(scenarios: &[(&str, &str)]) -> String {
    let rows: Vec<Vec<String>> = scenarios.iter().map(|(n, what)| vec![(*n).to_owned(), (*what).to_owned()]).collect();
    table(&["scenario", "what it is"], &rows)
}

/// One scenario in full: postures, what is assumed, notes and sources.
pub fn scenario(scenario: &Scenario) -> String {
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
                    if s.basing == Basing::Fixed { "-".into() } else { format!("{:.2}", s.alert_rate) },
                    round(s.hardness_psi),
                    notional,
                ]
            })
            .collect();
        text.push_str(&table(
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
        let url = source.url.as_deref().map(|u| format!(" <{u}>")).unwrap_or_default();
        let _ = writeln!(text, "- [{}] {}{url}", source.id, source.title);
    }
    text
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

/// Each party's upload by system, and its deployed warheads over the months.
pub fn upload(scenario: &Scenario, limits: &Limits, uploads: &[(&Posture, Upload)], months: u32) -> String {
    let mut text =
        format!("Upload potential, scenario {} ({}){}\n", scenario.id, scenario.status, describe_limits(limits));
    for (posture, u) in uploads {
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
        text.push_str(&table(
            &["system", "today", "fit on deployed", "launchers back", "on those", "added", "after", "months"],
            &rows,
        ));
        if !u.bound_by.is_empty() {
            let bound: Vec<String> = u.bound_by.iter().map(ToString::to_string).collect();
            let _ = writeln!(text, "held back by {}", bound.join(", "));
        }
        let marks: Vec<String> = [6, 12, 24, months]
            .iter()
            .filter(|&&m| m <= months)
            .map(|&m| format!("{m} months {}", round(u.after_months(posture, f64::from(m)))))
            .collect();
        let _ = writeln!(text, "deployed after {}", marks.join("; "));
    }
    text.push_str(
        "\nRates of upload are scenario figures; see `detente analyze scenarios NAME` for which are assumed.\n",
    );
    text
}

/// Deployed warheads month by month, as CSV.
pub fn upload_csv(uploads: &[(&Posture, Upload)], months: u32) -> String {
    let mut out = String::from("month,party,deployed_warheads\n");
    for (posture, u) in uploads {
        for month in 0..=months {
            let _ = writeln!(out, "{month},{},{:.1}", posture.party, u.after_months(posture, f64::from(month)));
        }
    }
    out
}

/// One shot against one target.
pub struct ExchangeShot {
    pub yield_kt: Option<f64>,
    pub hardness_psi: Option<f64>,
    pub cep_m: Option<f64>,
    pub reliability: f64,
    pub warheads: u32,
    pub fratricide: f64,
    pub shot: Shot,
    pub damage_expectancy: f64,
}

pub fn exchange(e: &ExchangeShot) -> String {
    let mut rows = vec![
        vec!["single-shot kill probability (SSPK)".into(), format!("{:.5}", e.shot.sspk)],
        vec![format!("kill probability (× reliability {})", e.reliability), format!("{:.6}", e.shot.kill_probability)],
        vec![
            format!("damage expectancy, {} warhead(s), fratricide {}", e.warheads, e.fratricide),
            format!("{:.6}", e.damage_expectancy),
        ],
    ];
    let mut text = match (e.yield_kt, e.cep_m, e.hardness_psi) {
        (Some(y), Some(c), Some(h)) => {
            rows.insert(0, vec!["lethal radius".into(), format!("{:.1} m", e.shot.lethal_radius_m)]);
            format!("{y} kt, CEP {c} m, against {h} psi (cube-root scaling holds from about 100 to 10,000 psi)\n")
        }
        _ => format!("A shot with SSPK {}\n", e.shot.sspk),
    };
    text.push_str(&table(&["", "value"], &rows));
    text
}

/// Two parties' first-strike stability: costs, ratios, the index and the strikes.
pub fn pair(scenario: &Scenario, a: &str, b: &str, s: &Stability, launch_under_attack: bool) -> String {
    let mut text = format!(
        "First-strike stability of {a} and {b}, scenario {} ({}){}\n\n",
        scenario.id,
        scenario.status,
        if launch_under_attack { ", launch under attack" } else { "" }
    );
    let row = |party: &str, side: &detente_analysis::stability::SideStability| {
        vec![
            party.to_owned(),
            format!("{:.4}", side.first_strike_cost),
            format!("{:.4}", side.second_strike_cost),
            format!("{:.4}", side.ratio),
        ]
    };
    text.push_str(&table(
        &["party", "C1 strike first", "C2 struck first", "r = min(1, C1/C2)"],
        &[row(a, &s.a), row(b, &s.b)],
    ));
    let _ = writeln!(text, "index r_{a} · r_{b} = {:.4}\n", s.index);
    let strikes = vec![
        strike_row(&format!("{a} strikes {b}"), &s.a_strikes),
        strike_row(&format!("{b} strikes {a}"), &s.b_strikes),
    ];
    text.push_str(&table(
        &["first strike", "counterforce", "countervalue", "retaliation", "striker's value lost", "victim's value lost"],
        &strikes,
    ));
    text.push_str("\nr is the chance of being struck first above which striking first costs a side less than waiting;\nthe index ranks postures and is not a probability of war.\n");
    text
}

fn strike_row(label: &str, strike: &Strike) -> Vec<String> {
    vec![
        label.to_owned(),
        round(strike.counterforce),
        round(strike.countervalue),
        round(strike.retaliation),
        format!("{:.1}%", strike.striker_damage * 100.0),
        format!("{:.1}%", strike.victim_damage * 100.0),
    ]
}

/// Three or more parties: every pair with reserves, and each against the others together.
pub fn multilateral(scenario: &Scenario, parties: usize, reserve_damage: f64, result: &Multilateral) -> String {
    let mut text =
        format!("First-strike stability, {parties} parties, scenario {} ({})\n", scenario.id, scenario.status);
    let _ = writeln!(
        text,
        "Each side of a pair holds back warheads able to destroy {:.0}% of the strongest other party's value.\n",
        reserve_damage * 100.0
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
    text.push_str(&table(&["pair", "held back", "r first", "r second", "index"], &rows));
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
        text.push_str(&table(&["facing", "r party", "r coalition", "index"], &rows));
    }
    text.push_str(
        "\nReserves and coalitions are detente's extension of Kent and Thaler's method (docs/analysis.md).\n",
    );
    text
}

/// A Monte Carlo run's statistics and the histogram of the index.
pub fn monte_carlo(
    scenario: &Scenario,
    (a, b): (&str, &str),
    uncertain: &[Uncertain],
    trials: u64,
    seed: u64,
    result: &MonteCarlo,
) -> String {
    let stats_row = |what: String, s: &Stats, digits: usize| {
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
        format!("Monte Carlo: {trials} trials, seed {seed}, scenario {} ({})\n", scenario.id, scenario.status);
    for u in uncertain {
        let _ = writeln!(text, "  varying {u}");
    }
    text.push('\n');
    text.push_str(&table(&["", "mean", "sd", "min", "5%", "median", "95%", "max"], &rows));
    text.push_str("\nindex  trials\n");
    let widest = result.index_histogram.iter().copied().max().unwrap_or(1).max(1);
    for (bin, count) in result.index_histogram.iter().enumerate() {
        let bar = "#".repeat((40 * count).div_ceil(widest) as usize);
        let _ = writeln!(text, "{:.1}-{:.1} {count:>8} {bar}", bin as f64 / 10.0, (bin + 1) as f64 / 10.0);
    }
    text
}

/// A race: eigenvalues, equilibrium, the levels every five years, and deterrence.
pub fn race(race: &RaceFile, outcome: &RaceOutcome, yearly: &[&Vec<f64>], years: u32) -> String {
    let parties: Vec<&str> = race.model.parties.iter().map(Party::as_str).collect();
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
    text.push_str(&table(&headers, &rows));
    if let Some(d) = race.deterrence {
        let (a, b) = (parties[0], parties[1]);
        let _ = writeln!(
            text,
            "\nIntriligator-Brito, {a} and {b}: the cone of mutual deterrence {} as stocks grow",
            if d.cone_opens() { "widens" } else { "narrows" }
        );
        let yes = |condition: bool| if condition { "yes" } else { "no" };
        let end = yearly.last().expect("year 0 at least");
        for (when, levels) in [("at the start".to_owned(), &race.start), (format!("at year {years}"), *end)] {
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
    text
}

/// The levels year by year, as CSV.
pub fn race_csv(race: &RaceFile, yearly: &[&Vec<f64>]) -> String {
    let mut out = String::from("year,party,level\n");
    for (year, levels) in yearly.iter().enumerate() {
        for (party, level) in race.model.parties.iter().zip(levels.iter()) {
            let _ = writeln!(out, "{year},{party},{level:.1}");
        }
    }
    out
}

/// The grid as a table when it fits a terminal.
pub fn sweep(sweep: &Sweep, shown: &str, value: impl Fn(&montecarlo::Outcome) -> f64) -> String {
    let (x, y) = (&sweep.x, &sweep.y);
    let values: Vec<f64> = sweep.cells.iter().flatten().map(&value).collect();
    let (low, high) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let mut text = format!(
        "{shown} over {} × {} ({} cells): from {low:.3} to {high:.3}\n",
        x.parameter,
        y.parameter,
        values.len()
    );
    if x.steps <= 12 && y.steps <= 24 {
        let mut headers = vec![format!("{} \\ {}", y.parameter.field_name(), x.parameter.field_name())];
        headers.extend(sweep.x_values.iter().map(|v| format!("{v:.3}")));
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let rows: Vec<Vec<String>> = sweep
            .cells
            .iter()
            .zip(&sweep.y_values)
            .rev()
            .map(|(row, y_value)| {
                std::iter::once(format!("{y_value:.3}")).chain(row.iter().map(|c| format!("{:.3}", value(c)))).collect()
            })
            .collect();
        text.push_str(&table(&header_refs, &rows));
    } else {
        text.push_str("(too large to print: use --csv, --json or --plot)\n");
    }
    text
}

/// Every cell of the grid, as CSV.
pub fn sweep_csv(sweep: &Sweep, (a, b): (&str, &str)) -> String {
    let mut out = format!(
        "{},{},index,ratio_{a},ratio_{b}\n",
        super::csv_field(&sweep.x.parameter.to_string()),
        super::csv_field(&sweep.y.parameter.to_string())
    );
    for (row, y_value) in sweep.cells.iter().zip(&sweep.y_values) {
        for (cell, x_value) in row.iter().zip(&sweep.x_values) {
            let _ = writeln!(out, "{x_value},{y_value},{:.6},{:.6},{:.6}", cell.index, cell.ratio_a, cell.ratio_b);
        }
    }
    out
}
