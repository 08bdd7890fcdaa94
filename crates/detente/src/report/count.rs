//! Counts and compliance reports.

use std::fmt::Write as _;

use detente_core::Declaration;
use detente_treaty::count::{Difference, Line};
use detente_treaty::{Count, Treaty};

use super::{table, thousands, wrap};

fn describe_line(line: &Line) -> String {
    let mut text = format!("{} {} {}", line.kind, line.type_name, line.status);
    if let Some(armament) = line.armament {
        let _ = write!(text, " {armament}");
    }
    if let Some(declared) = &line.declared {
        let _ = write!(text, " (declared {}", declared.status);
        if let Some(armament) = declared.armament {
            let _ = write!(text, " {armament}");
        }
        let _ = write!(text, "; read so by {})", declared.reading);
    }
    text
}

/// "New START · US declaration as of 2020-09-01 · as RU reads it (new-start-ru)"
fn heading(treaty: &Treaty, declaration: &Declaration, count: &Count) -> String {
    format!(
        "{} · {} declaration as of {} · {}\n",
        treaty.short_name,
        count.party,
        count.as_of,
        reading_label(declaration, count)
    )
}

fn reading_label(declaration: &Declaration, count: &Count) -> String {
    match &count.reading {
        Some(r) if &r.party == declaration.party() => format!("as declared ({} reading {})", r.party, r.id),
        Some(r) => format!("as {} reads it ({})", r.party, r.id),
        None => "as declared".to_owned(),
    }
}

/// A limit's total as a report shows it: "-" when no counting rules apply.
fn total_text(limit: &detente_treaty::count::LimitCount) -> String {
    limit.total.map_or("-".to_owned(), thousands)
}

/// Where a total stands against its ceiling. A limit that does not bind says so
/// and why, never "within": room under a ceiling that binds no one is no compliance.
fn status_word(limit: &detente_treaty::count::LimitCount) -> String {
    let Some(total) = limit.total else { return "no count: no counting rules apply (see cautions)".to_owned() };
    let not_binding = || format!("not binding: {}", limit.binding_note.as_deref().unwrap_or("no reason given"));
    match limit.max {
        None => "no ceiling for this party".to_owned(),
        Some(_) if limit.excess > 0 => {
            let over = format!("OVER by {}", thousands(limit.excess));
            if limit.binding { over } else { format!("{over} ({})", not_binding()) }
        }
        Some(_) if !limit.binding => not_binding(),
        Some(max) => format!("within, {} to spare", thousands(u64::from(max) - total)),
    }
}

/// The heading, and the line that says the treaty is not in force when it is not.
fn opening(treaty: &Treaty, declaration: &Declaration, count: &Count) -> String {
    let mut out = heading(treaty, declaration, count);
    if !count.in_force {
        let _ = writeln!(
            out,
            "note: {} is not in force on {}; the limits are shown for comparison.",
            treaty.short_name, count.as_of
        );
    }
    out
}

pub fn count(treaty: &Treaty, declaration: &Declaration, count: &Count) -> String {
    let mut out = opening(treaty, declaration, count);
    for limit in &count.limits {
        out.push('\n');
        let max = limit.max.map_or("-".to_owned(), |m| thousands(u64::from(m)));
        let _ = writeln!(out, "{} {}", limit.article.as_deref().unwrap_or(&limit.id), limit.name);
        let _ = writeln!(out, "  {} / {}   {}", total_text(limit), max, status_word(limit));
        for line in &limit.lines {
            let _ = writeln!(out, "  {:>7}  {}", thousands(line.counted), describe_line(line));
            if line.counted != line.items {
                let noun = if line.items == 1 { "item" } else { "items" };
                let _ = writeln!(out, "           ({} {noun})", thousands(line.items));
            }
            if !line.uids.is_empty() {
                out.push_str(&wrap("           ", &line.uids, 100));
            }
        }
    }
    if !count.differences.is_empty() {
        out.push('\n');
        out.push_str(&differences(count));
    }
    if !count.findings.is_empty() {
        let _ = writeln!(out, "\nFindings ({}):", count.findings.len());
        for finding in &count.findings {
            let _ = writeln!(out, "  - {finding}");
        }
    }
    out.push_str(&regime_and_cautions(count));
    out.push_str(&rows(count));
    out
}

/// Every limit a reading changes, with the items that make the difference.
pub fn differences(count: &Count) -> String {
    count.differences.iter().map(|d| describe_difference(count, d)).collect::<Vec<_>>().join("\n")
}

fn describe_difference(count: &Count, difference: &Difference) -> String {
    let mut out = String::new();
    let reader = count.reading.as_ref().map_or("the reading".to_owned(), |r| r.party.to_string());
    let _ = writeln!(
        out,
        "Difference in {}: declared {}, read by {} {} ({:+})",
        difference.limit,
        thousands(difference.declared),
        reader,
        thousands(difference.read),
        difference.delta
    );
    for line in &difference.lines {
        let armament = |a: Option<detente_core::Armament>| a.map(|a| format!(" {a}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:>+5}  {} {}: declared {}{} → read {}{}{}",
            line.read_counted as i64 - line.declared_counted as i64,
            line.kind,
            line.type_name,
            line.declared_status,
            armament(line.declared_armament),
            line.read_status,
            armament(line.read_armament),
            line.reading.as_ref().map(|r| format!(" [{r}]")).unwrap_or_default()
        );
        out.push_str(&wrap("         ", &line.uids, 100));
    }
    out
}

pub fn compliance(treaty: &Treaty, declaration: &Declaration, count: &Count) -> String {
    let mut out = opening(treaty, declaration, count);
    for limit in &count.limits {
        let max = limit.max.map_or("-".to_owned(), |m| thousands(u64::from(m)));
        let _ = writeln!(out, "  {:<30} {:>7} / {:<7} {}", limit.id, total_text(limit), max, status_word(limit));
    }
    if count.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(out, "Findings ({}):", count.findings.len());
        for finding in &count.findings {
            let _ = writeln!(out, "  - {finding}");
            if let detente_treaty::Finding::Prohibited { uids, .. }
            | detente_treaty::Finding::UnknownKind { uids, .. } = finding
            {
                out.push_str(&wrap("      ", uids, 100));
            }
        }
    }
    out.push_str(&regime_and_cautions(count));
    out
}

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
            let views = event.views.iter().map(|view| format!("{} view ({}): {}", view.party, view.date, view.view));
            for text in event.note.iter().cloned().chain(views) {
                out.push_str(&words(&text, "      "));
            }
        }
        if let Some(reason) = &count.regime.no_limit_binds {
            let _ = writeln!(out, "  {reason}");
        }
    }
    if !count.cautions.is_empty() {
        let _ = writeln!(out, "\nCautions ({}; not findings):", count.cautions.len());
        for caution in &count.cautions {
            out.push_str(&words(&caution.to_string(), "  - ").replacen("\n  - ", "\n    ", usize::MAX));
        }
    }
    out
}

/// A sentence wrapped at 100 columns, each line starting with `indent`.
fn words(text: &str, indent: &str) -> String {
    let words: Vec<String> = text.split(' ').map(str::to_owned).collect();
    wrap(indent, &words, 100)
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
