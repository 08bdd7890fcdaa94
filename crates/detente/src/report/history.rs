//! The published aggregate series as a table.

use detente_core::history::AggregateRow;

use super::{table, thousands};

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
