//! `detente count` and `detente compliance`.

use detente_core::Declaration;
use detente_treaty::{Catalogue, Count, Options};

use super::Context;
use crate::args::{ComplianceArgs, CountArgs, CountSelection};
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
    let declaration = data::declaration(&selection.declaration, &catalogue, data::open(&selection.declaration)?)?;
    let treaty = catalogue.treaty(&treaty_id).expect("resolved above");
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
    let count = detente_treaty::count(treaty, &declaration, interpretation, options);
    Ok((catalogue, declaration, count))
}

pub fn count(args: CountArgs, context: &Context) -> anyhow::Result<Outcome> {
    let (catalogue, declaration, count) = counted(&args.selection, context, Options { with_items: args.items })?;
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
            "findings": count.findings,
        }))?;
    } else {
        context.out.text(&report::count::compliance(treaty, &declaration, &count))?;
    }
    Ok(if args.fail_on_findings && !count.findings.is_empty() { Outcome::Findings } else { Outcome::Done })
}
