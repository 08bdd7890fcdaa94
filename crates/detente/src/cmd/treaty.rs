//! `detente treaty list|show`.

use serde::Serialize;

use super::Context;
use crate::args::TreatyCommand;
use crate::error::Outcome;
use crate::{data, report};

#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    short_name: &'a str,
    name: &'a str,
    parties: Vec<&'a str>,
    entered_into_force: Option<detente_core::Date>,
    ended: Option<detente_core::Date>,
    limits: usize,
    prohibitions: usize,
    quotas: usize,
    notifications: usize,
    origin: &'a str,
}

pub fn run(command: TreatyCommand, context: &Context) -> anyhow::Result<Outcome> {
    let mut catalogue = context.catalogue()?;
    match command {
        TreatyCommand::List => {
            let listed: Vec<Listed<'_>> = catalogue
                .treaties()
                .map(|(origin, t)| Listed {
                    id: &t.id,
                    short_name: &t.short_name,
                    name: &t.name,
                    parties: t.parties.iter().map(|p| p.as_str()).collect(),
                    entered_into_force: t.dates.entered_into_force,
                    ended: t.dates.ended.or(t.dates.expires),
                    limits: t.limits.len(),
                    prohibitions: t.prohibitions.len(),
                    quotas: t.quotas.len(),
                    notifications: t.notifications.len(),
                    origin,
                })
                .collect();
            context.out.result(&listed, |listed| {
                let rows: Vec<Vec<String>> = listed
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_owned(),
                            t.short_name.to_owned(),
                            t.entered_into_force.map_or("-".into(), |d| d.to_string()),
                            t.ended.map_or("-".into(), |d| d.to_string()),
                            t.limits.to_string(),
                            t.prohibitions.to_string(),
                            t.quotas.to_string(),
                            t.notifications.to_string(),
                        ]
                    })
                    .collect();
                report::table(&["id", "treaty", "in force", "ends", "limits", "bans", "quotas", "notices"], &rows)
            })?;
        }
        TreatyCommand::Show { name } => {
            let treaty = data::treaty(&mut catalogue, &name)?;
            context.out.result(treaty, report::treaty::treaty)?;
        }
    }
    Ok(Outcome::Done)
}
