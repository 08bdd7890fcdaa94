//! The demo's first part, on the shipped public data alone: the published
//! history against the limits, both parties' reconstructed declarations
//! counted under both readings, the itemised difference, the chart, and the
//! stability analysis.

use std::path::Path;

use detente_core::Declaration;
use detente_treaty::{Count, Options};

use crate::cmd::Context;
use crate::report::{self, thousands};
use crate::{charts, data};

/// The report as text, and as JSON.
pub fn report(out: &Path, context: &Context) -> anyhow::Result<(String, serde_json::Value)> {
    let folder = out;
    let catalogue = context.catalogue()?;
    let treaty = catalogue.treaty("new-start").expect("New START is shipped");
    let history = data::aggregates();

    let mut declarations: Vec<Declaration> = Vec::new();
    // The two parties on the same date: the last by-type breakdown both published.
    for (name, text) in data::declarations().filter(|(name, _)| name.ends_with("2020-09-01.csv")) {
        declarations.push(data::declaration(Path::new(name), &catalogue, text.as_bytes())?);
    }

    // Every declaration as declared (under its own party's reading, if that party
    // published one), then as every other party whose reading applies reads it.
    let mut counts: Vec<(String, &Declaration, Count)> = Vec::new();
    for declaration in &declarations {
        let own = catalogue.interpretation(&treaty.id, declaration.party());
        let label = format!("{} as declared", declaration.party());
        counts.push((label, declaration, detente_treaty::count(treaty, declaration, own, Options::default())));
        let others = catalogue.interpretations().filter(|i| {
            i.treaty == treaty.id
                && &i.party != declaration.party()
                && i.applies_to(declaration.party())
                && !i.readings.is_empty()
        });
        for reader in others {
            let label = format!("{} as {} reads", declaration.party(), reader.party);
            counts.push((
                label,
                declaration,
                detente_treaty::count(treaty, declaration, Some(reader), Options::default()),
            ));
        }
    }

    let mut out = String::new();
    let mut published_comparison = Vec::new();
    out.push_str("detente demo: New START on public data\n======================================\n\n");
    let first = history.first().map(|r| r.as_of.to_string()).unwrap_or_default();
    let last = history.last().map(|r| r.as_of.to_string()).unwrap_or_default();
    let two_sided = history.iter().filter(|r| r.party.as_str() == "RU").map(|r| r.as_of).max();
    out.push_str(&format!(
        "Published aggregate numbers: {} rows from {first} to {last}; last two-sided exchange {}.\n",
        history.len(),
        two_sided.map(|d| d.to_string()).unwrap_or_default()
    ));
    out.push_str(&format!(
        "{} expired on {}; Russia announced its suspension on 2023-02-21.\n\n",
        treaty.short_name,
        treaty.dates.expires.map(|d| d.to_string()).unwrap_or_default()
    ));

    out.push_str("Item-level declarations (reconstructed from published breakdowns), counted item by item:\n\n");
    let mut headers = vec!["limit".to_owned(), "max".to_owned()];
    headers.extend(counts.iter().map(|(label, _, _)| label.clone()));
    let rows: Vec<Vec<String>> = treaty
        .limits
        .iter()
        .enumerate()
        .map(|(i, limit)| {
            let mut row = vec![
                format!("{} {}", limit.article.as_deref().unwrap_or(""), limit.id),
                limit.max.map(|m| thousands(u64::from(m))).unwrap_or_default(),
            ];
            row.extend(counts.iter().map(|(_, _, c)| {
                let l = &c.limits[i];
                let total = l.total.map_or("-".to_owned(), thousands);
                if l.excess > 0 { format!("{total} (+{})", l.excess) } else { total }
            }));
            row
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    out.push_str(&report::table(&header_refs, &rows));

    out.push_str("\nAgainst the published aggregates for the same date:\n");
    for declaration in &declarations {
        let published = history.iter().find(|r| r.party == *declaration.party() && r.as_of == declaration.as_of());
        let own = counts.iter().find(|(label, d, _)| std::ptr::eq(*d, declaration) && label.ends_with("as declared"));
        if let (Some(published), Some((_, _, count))) = (published, own) {
            let counted: Vec<u64> = count.limits.iter().map(|l| l.total.unwrap_or_default()).collect();
            let expected: Vec<u64> = published.figures().iter().map(|&v| u64::from(v)).collect();
            let verdict = if counted == expected { "match" } else { "DIFFER" };
            published_comparison.push(serde_json::json!({
                "party": declaration.party(), "as_of": declaration.as_of(), "counted": counted, "published": expected,
                "match": counted == expected,
            }));
            out.push_str(&format!(
                "  {} {}: counted {:?}, published {:?}: {verdict}\n",
                declaration.party(),
                declaration.as_of(),
                counted,
                expected
            ));
        }
    }

    for (label, _, count) in &counts {
        if count.differences.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{label}: the same database, another answer.\n"));
        out.push_str(&report::count::differences(count));
    }

    let findings: usize = counts.iter().map(|(_, _, c)| c.findings.len()).sum();
    out.push_str(&format!("\nFindings across all counts: {findings}\n"));
    for (label, _, count) in &counts {
        for finding in &count.findings {
            out.push_str(&format!("  - {label}: {finding}\n"));
        }
    }

    let chart = folder.join("newstart-history.svg");
    let svg = charts::history(&history, treaty).to_svg();
    data::write_atomically(&chart, |w| w.write_all(svg.as_bytes()))?;
    let counts_file = folder.join("counts.json");
    let json: Vec<_> =
        counts.iter().map(|(label, _, count)| serde_json::json!({ "label": label, "count": count })).collect();
    data::write_atomically(&counts_file, |w| serde_json::to_writer_pretty(w, &json).map_err(std::io::Error::other))?;
    out.push_str(&format!(
        "\nWrote {} (the published series against the limits) and {}.\n",
        chart.display(),
        counts_file.display()
    ));
    let (analysis_text, analysis) = analysis_walkthrough(folder)?;
    out.push_str(&analysis_text);
    let summary = serde_json::json!({
        "counts": json,
        "published": published_comparison,
        "analysis": analysis,
        "files": [chart, counts_file],
    });
    Ok((out, summary))
}

/// The analysis on the shipped scenarios: how far each side could upload,
/// first-strike stability before and after, three parties pair by pair, and
/// a heat map of the index over both sides' alert rates.
fn analysis_walkthrough(out: &Path) -> anyhow::Result<(String, serde_json::Value)> {
    use detente_analysis::montecarlo::{Axis, Pair, sweep};
    use detente_analysis::params::{Apply, Inputs};
    use detente_analysis::stability::{LaunchUnderAttack, stability};
    use detente_analysis::trilateral::{Reserve, multilateral};
    use detente_analysis::upload::{Limits, upload};

    let mut text = String::from(
        "\nStrategic stability (scenario fas-2025: FAS estimates, notional performance figures; docs/analysis.md)\n",
    );
    let now = data::scenario("fas-2025")?;
    let later = data::scenario("after-expiry")?;
    for posture in &now.postures {
        let result = upload(posture, &Limits::default());
        text.push_str(&format!(
            "  {} could upload {} warheads within its reserve: {} deployed, from {}\n",
            posture.party,
            report::thousands(result.added.round() as u64),
            report::thousands(result.after.round() as u64),
            report::thousands(result.today.round() as u64)
        ));
    }
    for scenario in [&now, &later] {
        let s = stability(&scenario.model, &scenario.postures[0], &scenario.postures[1], LaunchUnderAttack::default());
        text.push_str(&format!(
            "  First-strike stability, US and RU, {}: index {:.3} (r_US {:.3}, r_RU {:.3})\n",
            scenario.id, s.index, s.a.ratio, s.b.ratio
        ));
    }
    let three = multilateral(&now.model, &now.postures, &Reserve { damage: 0.5 }, false);
    let weakest =
        three.pairs.iter().min_by(|a, b| a.stability.index.total_cmp(&b.stability.index)).expect("three pairs");
    text.push_str(&format!(
        "  With China as a third party (reserves held against the others): least stable pair {}–{}, index {:.3}\n",
        weakest.a, weakest.b, weakest.stability.index
    ));
    let inputs = Inputs { model: now.model, postures: now.postures.clone() };
    let axis = |parameter: &str| Axis {
        parameter: parameter.parse().expect("a valid parameter"),
        apply: Apply::Set,
        from: 0.0,
        to: 1.0,
        steps: 41,
    };
    let (x, y) = (axis("US.alert_rate"), axis("RU.alert_rate"));
    let pair = Pair { a: 0, b: 1, launch_under_attack: LaunchUnderAttack::default() };
    let grid = sweep(&inputs, pair, &x, &y, &|_| {});
    let map = charts::heat_map(
        &grid,
        "First-strike stability index, US–RU, by alert rates".into(),
        "The Kent-Thaler index over the alert rates of U.S. and Russian survivable forces, scenario fas-2025.".into(),
        "first-strike stability index",
        |cell| cell.index,
    );
    let path = out.join("stability-alert-rates.svg");
    data::write_atomically(&path, |w| w.write_all(map.to_svg().as_bytes()))?;
    text.push_str(&format!("  Wrote {} (the index over both sides' alert rates).\n", path.display()));
    let json = serde_json::json!({ "heat_map": path, "least_stable_pair": [weakest.a, weakest.b], "least_stable_index": weakest.stability.index });
    Ok((text, json))
}
