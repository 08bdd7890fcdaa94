//! The regime as of a date: what happened to the treaty up to that day that
//! changes what applies (an extension, a suspension, a countermeasure, an offer,
//! an expiry), with who held which view, so that a count after a suspension or
//! an expiry says so plainly.

use serde::Serialize;

use detente_core::Date;

use crate::treaty::{Treaty, TreatyEvent};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regime {
    pub in_force: bool,
    /// Why no limit binds anyone on the date, when the treaty is not in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_limit_binds: Option<String>,
    /// Events on or before the date that change what applies, oldest first,
    /// each with the views stated by then.
    pub events: Vec<TreatyEvent>,
}

impl Regime {
    pub fn as_of(treaty: &Treaty, date: Date) -> Regime {
        let mut events: Vec<TreatyEvent> = treaty
            .events
            .iter()
            .filter(|e| e.date <= date && e.effect.changes_what_applies())
            .map(|e| TreatyEvent { views: e.views.iter().filter(|v| v.date <= date).cloned().collect(), ..e.clone() })
            .collect();
        events.sort_by_key(|e| e.date);
        let reason = treaty.not_in_force(date);
        Regime {
            in_force: reason.is_none(),
            no_limit_binds: reason.map(|reason| format!("{reason}: no limit binds")),
            events,
        }
    }
}
