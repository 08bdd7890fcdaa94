//! A treaty file, as `treaty show` prints it.

use std::fmt::Write as _;

use detente_core::Party;
use detente_treaty::Treaty;
use detente_treaty::treaty::{Due, Weight};

use super::thousands;

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
    if !treaty.checks.is_empty() {
        let _ = writeln!(out, "\nChecks (the definitions, on a declaration as declared):");
        for c in &treaty.checks {
            let _ = writeln!(out, "  {}: {} [{}]", c.id, c.description, c.source);
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
