//! The main job on the shipped public data: the published history against the
//! limits, both parties' reconstructed declarations counted under both readings,
//! the itemised difference, and the chart.

use std::path::Path;

use detente_core::Declaration;
use detente_treaty::{Count, Options};

use crate::args::DemoArgs;
use crate::report::{self, thousands};
use crate::{Outcome, data};

pub fn run(args: DemoArgs, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    let catalogue = data::catalogue(data_dir)?;
    let treaty = catalogue.treaty("new-start").expect("New START is shipped");
    let history = data::aggregates();

    let mut declarations: Vec<Declaration> = Vec::new();
    for (name, text) in data::DECLARATIONS {
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
                if l.excess > 0 { format!("{} (+{})", thousands(l.total), l.excess) } else { thousands(l.total) }
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
            let counted: Vec<u64> = count.limits.iter().map(|l| l.total).collect();
            let expected: Vec<u64> = published.figures().iter().map(|&v| u64::from(v)).collect();
            let verdict = if counted == expected { "match" } else { "DIFFER" };
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
        out.push_str(&report::differences(count));
    }

    let findings: usize = counts.iter().map(|(_, _, c)| c.findings.len()).sum();
    out.push_str(&format!("\nFindings across all counts: {findings}\n"));
    for (label, _, count) in &counts {
        for finding in &count.findings {
            out.push_str(&format!("  - {label}: {finding}\n"));
        }
    }

    let chart = args.out.join("newstart-history.svg");
    let svg = super::history::figure(&history, treaty).to_svg();
    data::write_atomically(&chart, |w| w.write_all(svg.as_bytes()))?;
    let counts_file = args.out.join("counts.json");
    let json: Vec<_> =
        counts.iter().map(|(label, _, count)| serde_json::json!({ "label": label, "count": count })).collect();
    data::write_atomically(&counts_file, |w| serde_json::to_writer_pretty(w, &json).map_err(std::io::Error::other))?;
    out.push_str(&format!(
        "\nWrote {} (the published series against the limits) and {}.\n",
        chart.display(),
        counts_file.display()
    ));
    super::print_text(&out)?;
    Ok(Outcome::Done)
}
