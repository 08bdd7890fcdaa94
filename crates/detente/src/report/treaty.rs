//! A treaty file, as `treaty show` prints it.

use std::fmt::Write as _;

use detente_core::Party;
use detente_treaty::Treaty;
use detente_treaty::notification::{Carries, Unverified};
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
            let hours = |h: u32| match (h % 24, h / 24) {
                (0, 1) => "1 day".to_owned(),
                (0, days) => format!("{days} days"),
                _ if h == 1 => "1 hour".to_owned(),
                _ => format!("{h} hours"),
            };
            let anchor = match n.anchor.as_str() {
                "event" => "the event".to_owned(),
                "as-of" => "the as-of date".to_owned(),
                "entry-into-force" => "the entry into force".to_owned(),
                field => n.field(field).map_or_else(|| field.to_owned(), |f| f.description.clone()),
            };
            let due = match n.due {
                Due::AfterHours(h) => format!("within {} after {anchor}", hours(h)),
                Due::BeforeHours(h) => format!("at least {} before {anchor}", hours(h)),
            };
            let schedule =
                if n.schedule.is_empty() { String::new() } else { format!(" (as of {})", n.schedule.join(" and ")) };
            let _ = writeln!(out, "  {}: {due}{schedule} — {} [{}]", n.id, n.name, n.source);
            let carries = match n.carries {
                Carries::Declaration => "a declaration".to_owned(),
                Carries::Events => {
                    let about = if n.item_kinds.is_empty() {
                        String::new()
                    } else {
                        format!(" of {}", n.item_kinds.join(", "))
                    };
                    format!("events{about}: {}", n.triggers.join(", "))
                }
                Carries::Notice => {
                    let names: Vec<&str> = n.fields.iter().map(|f| f.name.as_str()).collect();
                    format!("a notice: {}", names.join(", "))
                }
            };
            let _ = writeln!(out, "      carries {carries}");
            if let Some(assumption) = &n.assumption {
                let what: Vec<&str> = n
                    .unverified
                    .iter()
                    .map(|u| match u {
                        Unverified::Deadline => "deadline",
                        Unverified::Contents => "contents",
                    })
                    .collect();
                let _ = writeln!(out, "      [UNVERIFIED {}] {assumption}", what.join(" and "));
            }
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
