//! `detente import` and `detente export`: declarations in and out.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use detente_core::Declaration;
use detente_core::codec;

use super::Context;
use crate::args::{ExportArgs, Format, ImportArgs};
use crate::data::{self, Extension};
use crate::error::Outcome;
use crate::{bad_input, report};

/// Reads a declaration with a progress bar on the terminal (none when stderr is not one).
fn read_with_progress(path: &Path, catalogue: &detente_treaty::Catalogue) -> anyhow::Result<Declaration> {
    let file = data::open(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
    let declaration = data::declaration(path, catalogue, bar.wrap_read(file));
    bar.finish_and_clear();
    declaration
}

fn write(declaration: &Declaration, format: Format, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Csv => codec::write_csv(declaration, out),
        Format::Json => codec::write_json(declaration, out),
    }
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    Ok(match data::extension(path)? {
        Extension::Csv => Format::Csv,
        Extension::Json => Format::Json,
    })
}

pub fn import(args: ImportArgs, context: &Context) -> anyhow::Result<Outcome> {
    let catalogue = context.catalogue()?;
    let declaration = read_with_progress(&args.file, &catalogue)?;
    if let Some(out) = &args.out {
        let format = format_of(out)?;
        data::write_atomically(out, |w| write(&declaration, format, w))?;
        context.out.note(&format!("wrote {}", out.display()));
    }
    context.out.result(&report::declaration::summary(&declaration), report::declaration::summary_text)?;
    Ok(Outcome::Done)
}

pub fn export(args: ExportArgs, context: &Context) -> anyhow::Result<Outcome> {
    let format = match (args.format, context.out.json_wanted()) {
        (Some(Format::Csv), true) => return Err(bad_input!("--format csv and --json: choose one")),
        (Some(format), _) => format,
        (None, true) => Format::Json,
        (None, false) => match &args.out {
            Some(out) => format_of(out)?,
            None => return Err(bad_input!("give --format csv or --format json (or --out with a .csv or .json name)")),
        },
    };
    if let Some(out) = &args.out
        && format_of(out)? != format
    {
        let name = if format == Format::Csv { "csv" } else { "json" };
        return Err(bad_input!("--out {}: the extension does not match --format {name}", out.display()));
    }
    let catalogue = context.catalogue()?;
    let declaration = read_with_progress(&args.file, &catalogue)?;
    match &args.out {
        Some(out) => data::write_atomically(out, |w| write(&declaration, format, w))?,
        None => context.out.stream(|w| write(&declaration, format, w))?,
    }
    Ok(Outcome::Done)
}
