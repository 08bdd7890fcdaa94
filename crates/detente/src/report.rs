//! Text reports for people: tables and counts as they appear on a terminal.
//! (`--json` output is the library types serialised as they are.)

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use detente_core::history::AggregateRow;
use detente_core::{Date, Declaration, Party};
use detente_treaty::count::{Difference, Line};
use detente_treaty::treaty::{Due, Weight};
use detente_treaty::{Count, Treaty};

/// A plain text table: the first column left-aligned, numbers right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    // A column of numbers (possibly followed by a note, as in "901 (+101)") is right-aligned.
    let is_number = |cell: &str| {
        cell == "-"
            || cell.split(' ').next().is_some_and(|n| n.trim_start_matches('+').replace(',', "").parse::<f64>().is_ok())
    };
    let numeric = |i: usize| i > 0 && rows.iter().all(|r| is_number(&r[i]));
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i > 0 {
                text.push_str("  ");
            }
            if numeric(i) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    line(&mut widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// 1457 → "1,457".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn wrap(prefix: &str, words: &[String], width: usize) -> String {
    let mut out = String::new();
    let mut line = prefix.to_owned();
    for word in words {
        if line.len() + word.len() + 1 > width && line.len() > prefix.len() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = prefix.to_owned();
        }
        line.push_str(word);
        line.push(' ');
    }
    if line.len() > prefix.len() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

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

fn status_word(limit: &detente_treaty::count::LimitCount) -> String {
    let Some(total) = limit.total else { return "no count: no counting rules apply (see cautions)".to_owned() };
    match limit.max {
        None => "no ceiling for this party".to_owned(),
        Some(_) if limit.excess > 0 => {
            let over = format!("OVER by {}", thousands(limit.excess));
            if limit.binding {
                over
            } else {
                format!("{over} ({})", limit.binding_note.as_deref().unwrap_or("not binding"))
            }
        }
        Some(max) => format!("within, {} to spare", thousands(u64::from(max) - total)),
    }
}

pub fn count(treaty: &Treaty, declaration: &Declaration, count: &Count) -> String {
    let mut out = heading(treaty, declaration, count);
    if !count.in_force {
        let _ = writeln!(
            out,
            "note: {} is not in force on {}; the limits are shown for comparison.",
            treaty.short_name, count.as_of
        );
    }
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
    out.push_str(&crate::report_extra::regime_and_cautions(count));
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
    let mut out = heading(treaty, declaration, count);
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
    out.push_str(&crate::report_extra::regime_and_cautions(count));
    out
}

pub fn treaty(treaty: &Treaty) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})\n{}", treaty.short_name, treaty.id, treaty.name);
    let parties: Vec<&str> = treaty.parties.iter().map(Party::as_str).collect();
    let _ = writeln!(out, "Parties: {}", parties.join(", "));
    let dates = &treaty.dates;
    for (label, date) in [
        ("Signed", dates.signed),
        ("In force", dates.entered_into_force),
        ("Expires", dates.expires),
        ("Ended", dates.ended),
    ] {
        if let Some(date) = date {
            let _ = writeln!(out, "{label:<9} {date}");
        }
    }
    if let Some(summary) = &treaty.summary {
        let _ = writeln!(out, "\n{}", summary.trim());
    }
    if !treaty.events.is_empty() {
        let _ = writeln!(out, "\nEvents:");
        for event in &treaty.events {
            let party = event.party.as_ref().map(|p| format!("{p}: ")).unwrap_or_default();
            let _ = writeln!(out, "  {}  {party}{} [{}]", event.date, event.what, event.source);
        }
    }
    if !treaty.limits.is_empty() {
        let _ = writeln!(out, "\nLimits:");
        for limit in &treaty.limits {
            let max = match (limit.max, limit.max_by_party.is_empty()) {
                (Some(max), true) => thousands(u64::from(max)),
                _ => {
                    let per: Vec<String> = limit.max_by_party.iter().map(|(p, m)| format!("{p} {m}")).collect();
                    let all = limit.max.map(|m| format!(", others {m}")).unwrap_or_default();
                    format!("{}{all}", per.join(", "))
                }
            };
            let from = limit.applies_from.map(|d| format!(" from {d}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {} ≤ {max}{from} [{}]",
                limit.article.as_deref().unwrap_or(""),
                limit.id,
                limit.source
            );
            let _ = writeln!(out, "    {}", limit.name);
            for rule in &limit.count {
                let s = &rule.select;
                let mut text = format!(
                    "counts {} in status {}",
                    s.kinds.join("/"),
                    s.statuses.iter().map(|x| x.as_str()).collect::<Vec<_>>().join("/")
                );
                if !s.types.is_empty() {
                    let _ = write!(text, ", types {}", s.types.join("/"));
                }
                if !s.tags.is_empty() {
                    let _ = write!(text, ", tagged {}", s.tags.join("/"));
                }
                if !s.armaments.is_empty() {
                    let _ = write!(text, ", {}", s.armaments.iter().map(|a| a.as_str()).collect::<Vec<_>>().join("/"));
                }
                let weight = match &rule.weight {
                    Weight::Item => "1 each".to_owned(),
                    Weight::Warheads => "warheads emplaced".to_owned(),
                    Weight::Each(n) => format!("{n} each"),
                    Weight::Attributed => "attributed warheads".to_owned(),
                    Weight::Discounted(by) => {
                        let parts: Vec<String> =
                            by.iter().map(|(p, d)| format!("{p}: first {} count {} each", d.first, d.each)).collect();
                        format!("{}; beyond, full capacity", parts.join(", "))
                    }
                };
                let _ = writeln!(out, "      {text}: {weight}");
            }
            if let Some(note) = &limit.note {
                let _ = writeln!(out, "    note: {note}");
            }
        }
    }
    if !treaty.prohibitions.is_empty() {
        let _ = writeln!(out, "\nProhibitions:");
        for p in &treaty.prohibitions {
            let from = p.applies_from.map(|d| format!(" (from {d})")).unwrap_or_default();
            let _ = writeln!(out, "  {}{from}: {} [{}]", p.id, p.description, p.source);
        }
    }
    if !treaty.quotas.is_empty() {
        let _ = writeln!(out, "\nQuotas:");
        for q in &treaty.quotas {
            let _ = writeln!(out, "  {:>3} per {}: {} [{}]", q.max, q.per, q.name, q.source);
        }
    }
    if !treaty.notifications.is_empty() {
        let _ = writeln!(out, "\nNotifications:");
        for n in &treaty.notifications {
            let hours = |h: u32| if h.is_multiple_of(24) { format!("{} days", h / 24) } else { format!("{h} hours") };
            let due = match n.due {
                Due::AfterHours(h) => format!("within {} after the {}", hours(h), n.anchor.replace('-', " ")),
                Due::BeforeHours(h) => format!("at least {} before the {}", hours(h), n.anchor.replace('-', " ")),
            };
            let schedule =
                if n.schedule.is_empty() { String::new() } else { format!(" (as of {})", n.schedule.join(" and ")) };
            let _ = writeln!(out, "  {}: {due}{schedule} — {} [{}]", n.id, n.name, n.source);
        }
    }
    if !treaty.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for note in &treaty.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    let _ = writeln!(out, "\nSources:");
    for source in &treaty.sources {
        let url = source.url.as_ref().map(|u| format!(" <{u}>")).unwrap_or_default();
        let _ = writeln!(out, "  [{}] {}{url}", source.id, source.title);
    }
    out
}

pub fn history(rows: &[AggregateRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mark = |column: &str, value: u32| {
                if r.is_verified(column) {
                    thousands(u64::from(value))
                } else {
                    format!("{}?", thousands(u64::from(value)))
                }
            };
            vec![
                r.as_of.to_string(),
                r.party.to_string(),
                mark("deployed_icbm_slbm_bomber", r.deployed_delivery_vehicles),
                mark("deployed_warheads", r.deployed_warheads),
                mark("deployed_nondeployed_launchers", r.launchers),
                serde_json::to_value(r.verification)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut out =
        table(&["as of", "party", "deployed (700)", "warheads (1,550)", "launchers (800)", "sources"], &cells);
    out.push_str("? = not confirmed by a retrieved source. Sources per row: detente history --json, or data/newstart_aggregate.csv.\n");
    out
}

/// What `import` reports about a declaration it read.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub party: Party,
    pub as_of: Date,
    pub items: usize,
    pub facilities: usize,
    pub by_kind: BTreeMap<String, BTreeMap<String, u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub fn summary(declaration: &Declaration) -> Summary {
    let mut by_kind: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for item in declaration.items() {
        let class = declaration.class(item);
        *by_kind.entry(class.kind.clone()).or_default().entry(item.status.as_str().to_owned()).or_default() += 1;
    }
    Summary {
        party: declaration.party().clone(),
        as_of: declaration.as_of(),
        items: declaration.len(),
        facilities: declaration.header().facilities.len(),
        by_kind,
        source: declaration.header().source.clone(),
    }
}

pub fn summary_text(summary: &Summary) -> String {
    let mut out = format!(
        "{} declaration as of {}: {} items at {} facilities\n",
        summary.party,
        summary.as_of,
        thousands(summary.items as u64),
        summary.facilities
    );
    for (kind, statuses) in &summary.by_kind {
        let parts: Vec<String> = statuses.iter().map(|(s, n)| format!("{} {s}", thousands(*n))).collect();
        let _ = writeln!(out, "  {kind}: {}", parts.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(800), "800");
        assert_eq!(thousands(1457), "1,457");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
