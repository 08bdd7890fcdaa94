//! One module per subcommand; each turns parsed arguments into library calls and output.

mod analyze;
pub mod breakdown;
mod count;
mod declaration;
mod demo;
pub mod diff;
mod history;
mod keys;
mod proof;
mod record;
mod store;
mod treaty;
mod witness;

use std::io::Write;

use crate::Outcome;
use crate::args::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let data_dir = cli.data_dir.as_deref();
    match cli.command {
        Command::Treaty(command) => treaty::run(command, data_dir),
        Command::Count(args) => count::count(args, data_dir),
        Command::Compliance(args) => count::compliance(args, data_dir),
        Command::Diff(args) => diff::run(args, data_dir),
        Command::History(args) => history::run(args),
        Command::Import(args) => declaration::import(args, data_dir),
        Command::Export(args) => declaration::export(args, data_dir),
        Command::Demo(args) => demo::run(args, data_dir),
        Command::Keygen(args) => keys::keygen(args),
        Command::Log(command) => record::run(command),
        Command::Witness(command) => witness::run(command),
        Command::VerifyProof(args) => proof::run(args),
        Command::Analyze(command) => analyze::run(command, data_dir),
    }
}

/// Prints text on standard output, passing write errors up (a closed pipe
/// included, which `main` treats as the reader having seen enough).
fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes an SVG document atomically and says so on standard error.
fn write_svg(path: &std::path::Path, svg: &str) -> anyhow::Result<()> {
    crate::data::write_atomically(path, |out| out.write_all(svg.as_bytes()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Each party's colour in every chart.
fn party_colour(party: &detente_core::Party) -> &'static str {
    match party.as_str() {
        "US" => "#1f4e9c",
        "RU" => "#c0392b",
        "CN" => "#b7791f",
        _ => "#2e7d32",
    }
}

/// Prints a value as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
