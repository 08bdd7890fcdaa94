use std::path::Path;

use detente_core::{Declaration, Party};
use detente_treaty::{Catalogue, Count, Options};

use crate::args::{ComplianceArgs, CountArgs, CountSelection};
use crate::{Outcome, bad_input, data, report};

/// Reads the declaration and resolves the treaty and the reading, then counts.
fn counted(
    selection: &CountSelection,
    data_dir: Option<&Path>,
    options: Options,
) -> anyhow::Result<(Catalogue, Declaration, Count)> {
    let mut catalogue = data::catalogue(data_dir)?;
    let treaty_id = data::treaty(&mut catalogue, &selection.treaty)?.id.clone();
    let treaty = catalogue.treaty(&treaty_id).expect("resolved above");
    let declaration = super::breakdown::joint_declaration(&selection.declarations, &catalogue, treaty)?;
    let reader = match &selection.reader {
        Some(text) => text.parse::<Party>().map_err(|e| bad_input!("--as: {e}"))?,
        None => declaration.party().clone(),
    };
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

pub fn count(args: CountArgs, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    let options = Options { with_items: args.items, breakdown: super::breakdown::breakdown(&args.by) };
    let (catalogue, declaration, count) = counted(&args.selection, data_dir, options)?;
    if args.json {
        super::print_json(&count)?;
    } else {
        let treaty = catalogue.treaty(&count.treaty).expect("counted under it");
        let mut text = report::count(treaty, &declaration, &count);
        text.push_str(&crate::report_extra::rows(&count));
        super::print_text(&text)?;
    }
    Ok(Outcome::Done)
}

pub fn compliance(args: ComplianceArgs, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    let (catalogue, declaration, count) = counted(&args.selection, data_dir, Options::default())?;
    if args.json {
        super::print_json(&serde_json::json!({
            "treaty": count.treaty,
            "party": count.party,
            "as_of": count.as_of,
            "reading": count.reading,
            "in_force": count.in_force,
            "regime": count.regime,
            "findings": count.findings,
            "cautions": count.cautions,
        }))?;
    } else {
        let treaty = catalogue.treaty(&count.treaty).expect("counted under it");
        super::print_text(&report::compliance(treaty, &declaration, &count))?;
    }
    Ok(if args.fail_on_findings && !count.findings.is_empty() { Outcome::Findings } else { Outcome::Done })
}
