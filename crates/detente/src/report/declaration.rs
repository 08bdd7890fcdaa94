//! What `import` says about a declaration it read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use detente_core::{Date, Declaration, Party};

use super::thousands;

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
