use detente_chart::{Figure, Marker, Panel, Reference, Series};
use detente_core::history::{self, AggregateRow};
use detente_core::{Date, Party};
use detente_treaty::Treaty;

use crate::args::HistoryArgs;
use crate::{Outcome, bad_input, data, report};

pub fn run(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let mut rows = data::aggregates();
    if let Some(party) = &args.party {
        let party: Party = party.parse().map_err(|e| bad_input!("--party: {e}"))?;
        rows.retain(|r| r.party == party);
    }
    if let Some(path) = &args.plot {
        let catalogue = data::catalogue(None)?;
        let treaty = catalogue.treaty("new-start").expect("New START is shipped");
        let svg = figure(&rows, treaty).to_svg();
        super::write_svg(path, &svg)?;
    }
    if args.json {
        super::print_json(&rows)?;
    } else if args.csv {
        history::write_aggregates(&rows, std::io::stdout().lock())?;
    } else if args.plot.is_none() || !rows.is_empty() {
        super::print_text(&report::history(&rows))?;
    }
    Ok(Outcome::Done)
}

fn year_fraction(date: Date) -> f64 {
    1970.0 + f64::from(date.day_number()) / 365.2425
}

/// The published series of each party against New START's three central limits.
pub fn figure(rows: &[AggregateRow], treaty: &Treaty) -> Figure {
    const COLUMNS: [&str; 3] = ["deployed_icbm_slbm_bomber", "deployed_warheads", "deployed_nondeployed_launchers"];
    let mut parties: Vec<&Party> = rows.iter().map(|r| &r.party).collect();
    parties.sort();
    parties.dedup();
    let panels = treaty
        .limits
        .iter()
        .zip(COLUMNS)
        .enumerate()
        .map(|(index, (limit, column))| Panel {
            title: format!("{} — {}", limit.article.as_deref().unwrap_or(&limit.id), limit.name),
            series: parties
                .iter()
                .map(|&party| Series {
                    name: party.to_string(),
                    color: super::party_colour(party).to_owned(),
                    points: rows
                        .iter()
                        .filter(|r| &r.party == party)
                        .map(|r| (year_fraction(r.as_of), f64::from(r.figures()[index]), r.is_verified(column)))
                        .collect(),
                })
                .collect(),
            references: limit
                .max
                .map(|max| Reference { label: format!("limit {max}"), y: f64::from(max) })
                .into_iter()
                .collect(),
        })
        .collect();
    let mut markers: Vec<Marker> = treaty
        .limits
        .first()
        .and_then(|l| l.applies_from)
        .map(|d| Marker { label: format!("limits apply {d}"), x: year_fraction(d) })
        .into_iter()
        .collect();
    markers.extend(treaty.events.iter().filter(|e| e.what.starts_with("suspension of participation announced")).map(
        |e| Marker {
            label: format!("{} suspends {}", e.party.as_ref().map_or("", |p| p.as_str()), e.date),
            x: year_fraction(e.date),
        },
    ));
    let years =
        rows.iter().map(|r| r.as_of.year()).fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y + 1)));
    let x_ticks = if years.0 <= years.1 {
        (years.0..=years.1).map(|y| (f64::from(y), y.to_string())).collect()
    } else {
        Vec::new()
    };
    Figure {
        title: "New START aggregate numbers against the central limits".into(),
        description: format!(
            "Published data-exchange figures, {} rows; hollow points are not confirmed by a retrieved source. Source: data/newstart_aggregate.csv.",
            rows.len()
        ),
        panels,
        markers,
        x_ticks,
        width: 960,
        panel_height: 220,
    }
}
