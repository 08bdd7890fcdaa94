//! The SVG charts detente draws, built from computed results. Drawing is
//! `detente-chart`'s; this module decides what goes on each chart.

use detente_analysis::montecarlo::{Outcome, Sweep};
use detente_analysis::posture::Posture;
use detente_analysis::race::RaceFile;
use detente_analysis::upload::{Limits, Upload};
use detente_chart::{Figure, HeatMap, Marker, Panel, Reference, Series};
use detente_core::history::AggregateRow;
use detente_core::{Date, Party};
use detente_treaty::Treaty;

/// Each party's colour in every chart.
pub fn party_colour(party: &Party) -> &'static str {
    match party.as_str() {
        "US" => "#1f4e9c",
        "RU" => "#c0392b",
        "CN" => "#b7791f",
        _ => "#2e7d32",
    }
}

fn year_fraction(date: Date) -> f64 {
    1970.0 + f64::from(date.day_number()) / 365.2425
}

/// The published series of each party against New START's three central limits.
pub fn history(rows: &[AggregateRow], treaty: &Treaty) -> Figure {
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
                    color: party_colour(party).to_owned(),
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

/// Each party's deployed warheads month by month during an upload.
pub fn upload(
    scenario_name: &str,
    scenario_id: &str,
    uploads: &[(&Posture, Upload)],
    limits: &Limits,
    months: u32,
) -> Figure {
    Figure {
        title: format!("Deployed warheads during an upload: {scenario_name}"),
        description: format!(
            "Deployed strategic warheads month by month as each system uploads at its rate, scenario {scenario_id}."
        ),
        panels: vec![Panel {
            title: "Deployed warheads".into(),
            series: uploads
                .iter()
                .map(|(posture, upload)| Series {
                    name: posture.party.to_string(),
                    color: party_colour(&posture.party).into(),
                    points: (0..=months)
                        .map(|m| (f64::from(m), upload.after_months(posture, f64::from(m)), true))
                        .collect(),
                })
                .collect(),
            references: limits
                .deployed_warheads
                .map(|w| Reference { label: format!("{w} limit"), y: w })
                .into_iter()
                .collect(),
        }],
        markers: vec![],
        x_ticks: (0..=months).step_by(6).map(|m| (f64::from(m), format!("{m} mo"))).collect(),
        width: 760,
        panel_height: 300,
    }
}

/// Arms levels year by year in a race.
pub fn race(race: &RaceFile, yearly: &[&Vec<f64>], years: u32) -> Figure {
    Figure {
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
                    color: party_colour(party).into(),
                    points: yearly.iter().enumerate().map(|(y, l)| (y as f64, l[i], true)).collect(),
                })
                .collect(),
            references: vec![],
        }],
        markers: vec![],
        x_ticks: (0..=years).step_by(5).map(|y| (f64::from(y), format!("year {y}"))).collect(),
        width: 760,
        panel_height: 300,
    }
}

/// A sweep drawn as a heat map of `value` of each cell.
pub fn heat_map(
    sweep: &Sweep,
    title: String,
    description: String,
    legend: &str,
    value: impl Fn(&Outcome) -> f64,
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
