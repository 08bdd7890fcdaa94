//! The command line, as clap definitions only. Every value that has a type
//! is parsed into it here ([`values`]), once, so commands start from typed
//! arguments and parsing is kept apart from the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use detente_core::Party;
use detente_store::Address;

mod analyze;
mod record;
pub mod values;

pub use analyze::*;
pub use record::*;

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

    /// Read the time from an exercise clock file (`simulated=… real=… rate=…`,
    /// docs/node.md), not the system clock: the demo's nodes run on one.
    #[arg(long, global = true, value_name = "FILE")]
    pub clock: Option<PathBuf>,

    /// Print the result as JSON (every command that prints a result takes it).
    #[arg(long, global = true)]
    pub json: bool,

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
    /// Compare two declarations of one party by uid: items created, moved, changed and eliminated.
    Diff(DiffArgs),
    /// The published New START aggregate numbers, as a table or a chart.
    History(HistoryArgs),
    /// Validate a declaration (CSV or JSON) and optionally write it in canonical form.
    Import(ImportArgs),
    /// Write a declaration as CSV or JSON.
    Export(ExportArgs),
    /// The data files shipped inside detente: treaties, readings, declarations, scenarios.
    #[command(subcommand)]
    Data(DataCommand),
    /// Run the main job: the shipped public data counted, then a node per party and a witness, replaying a sequence of notifications.
    Demo(DemoArgs),
    /// Make an Ed25519 key pair: a private key file (mode 0600) and a C2SP verifier key.
    Keygen(KeygenArgs),
    /// Write a C2SP tlog-policy: the logs you trust, the witnesses, and the quorum a checkpoint needs.
    Policy(PolicyArgs),
    /// A party's record: a tamper-evident log of signed entries with signed checkpoints.
    #[command(subcommand)]
    Log(LogCommand),
    /// Act as a witness: check a log's checkpoint against the last one seen, and cosign it.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Verify a C2SP tlog-proof bundle offline, with nothing but a tlog-policy file.
    VerifyProof(VerifyProofArgs),
    /// Write a working node: its key, its tokens, its declaration and its configuration.
    Init(InitArgs),
    /// Run a party's node: the operator API over its record, until interrupted.
    Node(NodeArgs),
    /// Strategic stability analysis: upload potential, counterforce arithmetic, crisis and arms-race stability.
    #[command(subcommand)]
    Analyze(Box<AnalyzeCommand>),
}

/// How a tabular result is printed besides text and JSON, and the chart drawn beside it.
#[derive(Debug, Args)]
pub struct TableOutput {
    /// Print the table as CSV instead.
    #[arg(long)]
    pub csv: bool,
    /// Also draw it as an SVG chart in this file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TreatyCommand {
    /// List the known treaties.
    List,
    /// Show one treaty: dates, limits and counting rules, prohibitions, quotas, notifications, sources.
    Show {
        /// A treaty id (such as new-start) or the path of a treaty file.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct CountSelection {
    /// The declaration file (.csv or .json); several of one date are counted jointly, as a
    /// group of parties the treaty names (the former Soviet Union's successor states under START I).
    #[arg(required = true, num_args = 1..)]
    pub declarations: Vec<PathBuf>,
    /// A treaty id (such as new-start) or the path of a treaty file.
    #[arg(long)]
    pub treaty: String,
    /// Count as this party reads the treaty (its published interpretation); default: as declared.
    #[arg(long = "as", value_name = "PARTY", value_parser = values::party)]
    pub reader: Option<Party>,
}

#[derive(Debug, Args)]
pub struct CountArgs {
    #[command(flatten)]
    pub selection: CountSelection,
    /// List the unique identifiers behind every line.
    #[arg(long)]
    pub items: bool,
    /// Also break the counts down by facility, by type, or both (repeat, or separate with commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub by: Vec<By>,
}

/// What `count --by` splits the counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    Facility,
    Type,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier declaration (.csv or .json).
    pub old: PathBuf,
    /// The later declaration (.csv or .json).
    pub new: PathBuf,
}

#[derive(Debug, Args)]
pub struct ComplianceArgs {
    #[command(flatten)]
    pub selection: CountSelection,
    /// Exit with status 1 when there is any finding.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this party's rows.
    #[arg(long, value_parser = values::party)]
    pub party: Option<Party>,
    #[command(flatten)]
    pub output: TableOutput,
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
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The declaration to read (.csv or .json).
    pub file: PathBuf,
    /// The format to write; --json means --format json.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write here instead of standard output; nothing is written on error.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// List the shipped data files.
    List,
    /// Print one shipped file as it is, such as declarations/us-2020-09-01.csv.
    Show {
        /// The file's name, as `detente data list` gives it.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the charts and the counts, and to keep the network:
    /// its nodes' records, keys and logs, and how far the replay got.
    #[arg(long, value_name = "DIR", default_value = "detente-demo")]
    pub out: PathBuf,
    /// Replay the sequence, stop the network and exit 0, for scripts;
    /// without it the nodes keep running until Ctrl-C.
    #[arg(long)]
    pub until_done: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The party the node keeps the record of.
    #[arg(long, default_value = "US")]
    pub party: detente_core::Party,
    /// The folder to write in; it must not hold a node already.
    #[arg(long, value_name = "DIR", default_value = "detente-node")]
    pub dir: PathBuf,
    /// The address the node listens on (loopback).
    #[arg(long, default_value = "127.0.0.1:7401")]
    pub listen: std::net::SocketAddr,
    /// The party's full declaration, recorded on the first start; by
    /// default the shipped 2020-09-01 one, if there is one for the party.
    #[arg(long, value_name = "FILE")]
    pub declaration: Option<PathBuf>,
    /// Serve over TLS: write a self-signed certificate for the listen
    /// address and localhost, and print its key pin (SPKI SHA-256), by
    /// which peers name this node.
    #[arg(long)]
    pub tls: bool,
}

#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's configuration file (docs/node.md; `detente init` writes one).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The key's name: for a log, its origin, such as us.detente.example/record.
    #[arg(long)]
    pub name: String,
    /// Make a witness (cosigner) key instead of a log key.
    #[arg(long)]
    pub witness: bool,
    /// Where to write: PREFIX.key (private) and PREFIX.vkey (public). Existing files are never overwritten.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// A log's verifier key (a file or the key's text), repeatable: the logs you trust.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
    /// A witness's verifier key (a file or the key's text), repeatable.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the witnesses must cosign a checkpoint before you trust it; all of them by default.
    #[arg(long, value_name = "N")]
    pub quorum: Option<usize>,
}

/// Where a record is kept: sqlite:PATH, postgres://…, or a plain path (SQLite).
#[derive(Debug, Args)]
pub struct StoreArg {
    #[arg(long, env = "DETENTE_STORE", value_name = "ADDRESS", value_parser = values::store)]
    pub store: Address,
}
