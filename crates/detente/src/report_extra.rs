//! Report sections for what a count says beyond its numbers: the regime as of
//! its date, the cautions, and the breakdown rows. Kept apart from `report` so
//! that they can move with it when the binary is split into modules.

use std::fmt::Write as _;

use detente_treaty::Count;

use crate::report::{table, thousands, wrap};

/// The regime (what had happened to the treaty by the date, with who holds which
/// view) and the cautions, for the count and compliance reports.
pub fn regime_and_cautions(count: &Count) -> String {
    let mut out = String::new();
    if !count.regime.events.is_empty() || count.regime.no_limit_binds.is_some() {
        let _ = writeln!(out, "\nRegime as of {}:", count.as_of);
        for event in &count.regime.events {
            let party = event.party.as_ref().map(|p| format!("{p}: ")).unwrap_or_default();
            let effect = serde_json::to_value(event.effect).ok().and_then(|v| v.as_str().map(str::to_owned));
            let _ = writeln!(out, "  {}  [{}] {party}{}", event.date, effect.unwrap_or_default(), event.what);
            for view in &event.views {
                let words: Vec<String> = format!("{} view ({}): {}", view.party, view.date, view.view)
                    .split(' ')
                    .map(str::to_owned)
                    .collect();
                out.push_str(&wrap("      ", &words, 100));
            }
        }
        if let Some(reason) = &count.regime.no_limit_binds {
            let _ = writeln!(out, "  {reason}");
        }
    }
    if !count.cautions.is_empty() {
        let _ = writeln!(out, "\nCautions ({}; not findings):", count.cautions.len());
        for caution in &count.cautions {
            let words: Vec<String> = caution.to_string().split(' ').map(str::to_owned).collect();
            out.push_str(&wrap("  - ", &words, 100).replacen("\n  - ", "\n    ", usize::MAX));
        }
    }
    out
}

/// The breakdown rows as a table: one column per limit with a count.
pub fn rows(count: &Count) -> String {
    if count.rows.is_empty() {
        return String::new();
    }
    let limits: Vec<&str> = count.limits.iter().filter(|l| l.total.is_some()).map(|l| l.id.as_str()).collect();
    let by_facility = count.rows.iter().any(|r| r.facility.is_some());
    let by_type = count.rows.iter().any(|r| r.type_name.is_some());
    let mut headers: Vec<&str> = Vec::new();
    if by_facility {
        headers.push("facility");
    }
    if by_type {
        headers.extend(["kind", "type"]);
    }
    headers.extend(&limits);
    let rows: Vec<Vec<String>> = count
        .rows
        .iter()
        .map(|row| {
            let mut cells = Vec::new();
            if by_facility {
                cells.push(row.facility.as_ref().map_or("-".to_owned(), |f| f.id.clone()));
            }
            if by_type {
                cells.push(row.kind.clone().unwrap_or_default());
                cells.push(row.type_name.clone().unwrap_or_default());
            }
            cells.extend(limits.iter().map(|l| thousands(row.counted.get(*l).copied().unwrap_or(0))));
            cells
        })
        .collect();
    format!(
        "\nBy {}:\n{}",
        if by_facility && by_type {
            "facility and type"
        } else if by_facility {
            "facility"
        } else {
            "type"
        },
        table(&headers, &rows)
    )
}
