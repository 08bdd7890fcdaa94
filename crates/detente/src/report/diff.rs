//! Two declarations compared by uid.

use std::fmt::Write as _;

use detente_core::diff::{Diff, ItemChange};

fn change_line(change: &ItemChange) -> String {
    let item = &change.item;
    let mut line = format!("  {}  {} {} at {}", change.uid, item.kind, item.type_name, item.facility);
    if change.gone {
        line.push_str(": no longer declared");
    }
    for c in &change.changes {
        let field = serde_json::to_value(c.field).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let _ = write!(line, "; {field} {} → {}", c.old.as_deref().unwrap_or("-"), c.new.as_deref().unwrap_or("-"));
    }
    line
}

/// The changes between two declarations, grouped as a change-in-data notification would list them.
pub fn diff(diff: &Diff) -> String {
    let mut out = format!("{} declarations: {} → {}\n", diff.party, diff.old_as_of, diff.new_as_of);
    for note in &diff.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if diff.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    if !diff.created.is_empty() {
        let _ = writeln!(out, "\nCreated ({}):", diff.created.len());
        for item in &diff.created {
            let _ =
                writeln!(out, "  {}  {} {} at {}, {}", item.uid, item.kind, item.type_name, item.facility, item.status);
        }
    }
    for (title, list) in [("Moved", &diff.moved), ("Changed", &diff.changed), ("Eliminated", &diff.eliminated)] {
        if !list.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", list.len());
            for change in list {
                let _ = writeln!(out, "{}", change_line(change));
            }
        }
    }
    for (title, list) in
        [("Facilities added", &diff.facilities_added), ("Facilities removed", &diff.facilities_removed)]
    {
        if !list.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", list.len());
            for facility in list {
                let _ = writeln!(out, "  {}  {} ({})", facility.id, facility.name, facility.kind);
            }
        }
    }
    if !diff.facilities_changed.is_empty() {
        let _ = writeln!(out, "\nFacilities changed ({}):", diff.facilities_changed.len());
        for (old, new) in &diff.facilities_changed {
            let _ = writeln!(out, "  {}  {} ({}) → {} ({})", old.id, old.name, old.kind, new.name, new.kind);
        }
    }
    out
}
