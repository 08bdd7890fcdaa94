use std::io::Write as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use detente_core::Declaration;
use detente_core::codec;

use crate::args::{ExportArgs, Format, ImportArgs};
use crate::data::{self, Extension};
use crate::{Outcome, bad_input, report};

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

pub fn import(args: ImportArgs, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    let catalogue = data::catalogue(data_dir)?;
    let declaration = read_with_progress(&args.file, &catalogue)?;
    if let Some(out) = &args.out {
        let format = match data::extension(out)? {
            Extension::Csv => Format::Csv,
            Extension::Json => Format::Json,
        };
        data::write_atomically(out, |w| write(&declaration, format, w))?;
    }
    let summary = report::summary(&declaration);
    if args.json {
        super::print_json(&summary)?;
    } else {
        super::print_text(&report::summary_text(&summary))?;
        if let Some(out) = &args.out {
            super::print_text(&format!("written to {}\n", out.display()))?;
        }
    }
    Ok(Outcome::Done)
}

pub fn export(args: ExportArgs, data_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    if let Some(out) = &args.out {
        let matches = matches!(
            (data::extension(out)?, args.format),
            (Extension::Csv, Format::Csv) | (Extension::Json, Format::Json)
        );
        if !matches {
            let format = if args.format == Format::Csv { "csv" } else { "json" };
            return Err(bad_input!("--out {}: the extension does not match --format {format}", out.display()));
        }
    }
    let catalogue = data::catalogue(data_dir)?;
    let declaration = read_with_progress(&args.file, &catalogue)?;
    match &args.out {
        Some(out) => data::write_atomically(out, |w| write(&declaration, args.format, w))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            write(&declaration, args.format, &mut stdout)?;
            stdout.flush()?;
        }
    }
    Ok(Outcome::Done)
}
