//! `detente count` and `detente compliance`.

use std::path::PathBuf;

use detente_core::{Declaration, Party};
use detente_treaty::{Breakdown, Catalogue, Count, Options, Treaty};

use super::Context;
use crate::args::{By, ComplianceArgs, CountArgs, CountSelection};
use crate::error::Outcome;
use crate::{bad_input, data, report};

/// Reads the declaration and resolves the treaty and the reading, then counts.
fn counted(
    selection: &CountSelection,
    context: &Context,
    options: Options,
) -> anyhow::Result<(Catalogue, Declaration, Count)> {
    let mut catalogue = context.catalogue()?;
    let treaty_id = data::treaty(&mut catalogue, &selection.treaty)?.id.clone();
    let treaty = catalogue.treaty(&treaty_id).expect("resolved above");
    let declaration = joint_declaration(&selection.declarations, &catalogue, treaty)?;
    let reader = selection.reader.clone().unwrap_or_else(|| declaration.party().clone());
    let interpretation = catalogue.interpretation(&treaty.id, &reader);
    if let Some(reading) =
        interpretation.filter(|i| !i.applies_to(declaration.party()) && &reader != declaration.party())
    {
        let parties: Vec<&str> = reading.applies_to.iter().map(|p| p.as_str()).collect();
        return Err(bad_input!(
            "--as {reader}: {reader}'s reading of {} ({}) applies to declarations of {} only, not {}",
            treaty.id,
            reading.id,
            parties.join(", "),
            declaration.party()
        ));
    }
    if interpretation.is_none() && &reader != declaration.party() {
        let known: Vec<String> = catalogue
            .interpretations()
            .filter(|i| i.treaty == treaty.id)
            .map(|i| format!("{} ({})", i.party, i.id))
            .collect();
        return Err(bad_input!(
            "--as {reader}: {reader} has no published reading of {}; known readings: {}",
            treaty.id,
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        ));
    }
    let mut count = detente_treaty::count(treaty, &declaration, interpretation, options);
    catalogue.suggest_readings(&mut count);
    Ok((catalogue, declaration, count))
}

pub fn count(args: CountArgs, context: &Context) -> anyhow::Result<Outcome> {
    let breakdown = Breakdown { by_facility: args.by.contains(&By::Facility), by_type: args.by.contains(&By::Type) };
    let (catalogue, declaration, count) =
        counted(&args.selection, context, Options { with_items: args.items, breakdown })?;
    let treaty = catalogue.treaty(&count.treaty).expect("counted under it");
    context.out.result(&count, |count| report::count::count(treaty, &declaration, count))?;
    Ok(Outcome::Done)
}

pub fn compliance(args: ComplianceArgs, context: &Context) -> anyhow::Result<Outcome> {
    let (catalogue, declaration, count) = counted(&args.selection, context, Options::default())?;
    let treaty = catalogue.treaty(&count.treaty).expect("counted under it");
    if context.out.json_wanted() {
        context.out.json_value(&serde_json::json!({
            "treaty": count.treaty,
            "party": count.party,
            "as_of": count.as_of,
            "reading": count.reading,
            "in_force": count.in_force,
            "regime": count.regime,
            "limits": count.limits.iter().map(|l| serde_json::json!({
                "id": l.id,
                "total": l.total,
                "max": l.max,
                "excess": l.excess,
                "binding": l.binding,
                "binding_note": l.binding_note,
            })).collect::<Vec<_>>(),
            "findings": count.findings,
            "cautions": count.cautions,
        }))?;
    } else {
        context.out.text(&report::count::compliance(treaty, &declaration, &count))?;
    }
    Ok(if args.fail_on_findings && !count.findings.is_empty() { Outcome::Findings } else { Outcome::Done })
}

/// The declaration to count: the one given, or several of one date combined, as
/// declared by their common party or by the treaty's group that has them all.
pub fn joint_declaration(paths: &[PathBuf], catalogue: &Catalogue, treaty: &Treaty) -> anyhow::Result<Declaration> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        parts.push(data::declaration(path, catalogue, data::open(path)?)?);
    }
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one part"));
    }
    let parties: Vec<&Party> = parts.iter().map(Declaration::party).collect();
    let party = if parties.iter().all(|p| *p == parties[0]) {
        parties[0].clone()
    } else {
        let group = treaty.groups.iter().find(|g| parties.iter().all(|p| g.members.contains(p))).ok_or_else(|| {
            let named: Vec<&str> = parties.iter().map(|p| p.as_str()).collect();
            let groups: Vec<String> = treaty.groups.iter().map(|g| g.id.to_string()).collect();
            bad_input!(
                "the declarations are of {}: {} has no group with all of them as members (its groups: {})",
                named.join(", "),
                treaty.short_name,
                if groups.is_empty() { "none".to_owned() } else { groups.join(", ") }
            )
        })?;
        group.id.clone()
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    Declaration::combine(&parts, party).map_err(|e| bad_input!("{}: {e}", names.join(", ")))
}
