//! The command line, as clap definitions only: parsing is kept apart from the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "detente",
    version,
    about = "An open verification and risk-reduction system for strategic arms control."
)]
pub struct Cli {
    /// A folder with more treaty files (treaties/*.toml) and interpretations (interpretations/*.toml),
    /// read after the built-in ones; a file with the same id replaces the built-in one.
    #[arg(long, global = true, env = "DETENTE_DATA", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Treaty definitions: list them, or show one.
    #[command(subcommand)]
    Treaty(TreatyCommand),
    /// Count a declaration against a treaty's limits, each number with the items behind it.
    Count(CountArgs),
    /// Check a declaration for findings: limits exceeded, prohibited items, unknown kinds.
    Compliance(ComplianceArgs),
    /// The published New START aggregate numbers, as a table or a chart.
    History(HistoryArgs),
    /// Validate a declaration (CSV or JSON) and optionally write it in canonical form.
    Import(ImportArgs),
    /// Write a declaration as CSV or JSON.
    Export(ExportArgs),
    /// Run the main job on the shipped public data: both parties, both readings, the chart.
    Demo(DemoArgs),
}

#[derive(Debug, Subcommand)]
pub enum TreatyCommand {
    /// List the known treaties.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one treaty: dates, limits and counting rules, prohibitions, quotas, notifications, sources.
    Show {
        /// A treaty id (such as new-start) or the path of a treaty file.
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct CountSelection {
    /// The declaration file (.csv or .json).
    pub declaration: PathBuf,
    /// A treaty id (such as new-start) or the path of a treaty file.
    #[arg(long)]
    pub treaty: String,
    /// Count as this party reads the treaty (its published interpretation); default: as declared.
    #[arg(long = "as", value_name = "PARTY")]
    pub reader: Option<String>,
}

#[derive(Debug, Args)]
pub struct CountArgs {
    #[command(flatten)]
    pub selection: CountSelection,
    /// List the unique identifiers behind every line.
    #[arg(long)]
    pub items: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ComplianceArgs {
    #[command(flatten)]
    pub selection: CountSelection,
    /// Exit with status 1 when there is any finding.
    #[arg(long)]
    pub fail_on_findings: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this party's rows.
    #[arg(long)]
    pub party: Option<String>,
    /// Also draw the series against the three limits as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The declaration to read (.csv or .json).
    pub file: PathBuf,
    /// Write the validated declaration here (format from the extension); nothing is written on error.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The declaration to read (.csv or .json).
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write here instead of standard output; nothing is written on error.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the chart and the JSON counts.
    #[arg(long, value_name = "DIR", default_value = "detente-demo")]
    pub out: PathBuf,
}
