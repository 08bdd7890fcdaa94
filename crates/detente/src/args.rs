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
    /// Compare two declarations of one party by uid: items created, moved, changed and eliminated.
    Diff(crate::cmd::diff::DiffArgs),
    /// The published New START aggregate numbers, as a table or a chart.
    History(HistoryArgs),
    /// Validate a declaration (CSV or JSON) and optionally write it in canonical form.
    Import(ImportArgs),
    /// Write a declaration as CSV or JSON.
    Export(ExportArgs),
    /// Run the main job on the shipped public data: both parties, both readings, the chart.
    Demo(DemoArgs),
    /// Make an Ed25519 key pair: a private key file (mode 0600) and a C2SP verifier key.
    Keygen(KeygenArgs),
    /// A party's record: a tamper-evident log of signed entries with signed checkpoints.
    #[command(subcommand)]
    Log(LogCommand),
    /// Act as a witness: check a log's checkpoint against the last one seen, and cosign it.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Verify a C2SP tlog-proof bundle offline, with nothing but a tlog-policy file.
    VerifyProof(VerifyProofArgs),
    /// Strategic stability analysis: upload potential, counterforce arithmetic, crisis and arms-race stability.
    #[command(subcommand)]
    Analyze(AnalyzeCommand),
}

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// The shipped scenarios (force postures for analysis), or one of them in full.
    Scenarios {
        /// Show this scenario's postures, model constants, notes and sources.
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Warheads each party could add if the limits lapsed, by system and in all, and how fast.
    Upload(UploadArgs),
    /// One warhead against one hardened target: lethal radius, single-shot kill probability, damage expectancy.
    Exchange(ExchangeArgs),
    /// Crisis (first-strike) stability of two parties, or of three pair by pair; Monte Carlo with --trials.
    Stability(StabilityArgs),
    /// Arms-race stability: Richardson's model for N parties and Intriligator-Brito deterrence.
    Race(RaceArgs),
    /// The stability index over a grid of two parameters: table, CSV, JSON or an SVG heat map.
    Sweep(SweepArgs),
}

/// Which scenario to analyse, and changes to it.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// A shipped scenario (see `detente analyze scenarios`) or a scenario file.
    #[arg(long, default_value = "fas-2025", value_name = "NAME|FILE")]
    pub scenario: String,
    /// Build the postures from declarations instead (CSV or JSON, one per party, repeatable):
    /// launchers, loadings and empty launchers as declared, performance from --systems.
    #[arg(long = "declaration", value_name = "FILE", conflicts_with = "scenario")]
    pub declarations: Vec<PathBuf>,
    /// With --declaration: the performance of each declared system type (docs/formats/scenario.md);
    /// the shipped data/scenarios/systems-2020.toml by default.
    #[arg(long, value_name = "FILE", requires = "declarations")]
    pub systems: Option<PathBuf>,
    /// Change a figure before the analysis: PARAMETER=VALUE sets it (refused outside the field's
    /// range), PARAMETER*=VALUE scales it (the result is kept within the range)
    /// (parameters such as US.cep_m, RU[Yars mobile (SS-27 Mod 2)].alert_rate, model.fratricide).
    #[arg(long = "set", value_name = "PARAMETER=VALUE")]
    pub changes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Only these parties (comma-separated); all of the scenario's by default.
    #[arg(long, value_delimiter = ',', value_name = "PARTIES")]
    pub parties: Vec<String>,
    /// Respect this treaty's launcher limits (deployed, and deployed plus non-deployed).
    #[arg(long, value_name = "TREATY")]
    pub treaty: Option<String>,
    /// With --treaty, respect its deployed-warhead limit too.
    #[arg(long, requires = "treaty")]
    pub warhead_limit: bool,
    /// Months of upload to tabulate (and plot) at each system's upload rate.
    #[arg(long, default_value_t = 36)]
    pub months: u32,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// The deployed warheads of each party month by month, as CSV.
    #[arg(long)]
    pub csv: bool,
    /// Draw each party's deployed warheads month by month as an SVG chart.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// The warhead's yield, kilotons.
    #[arg(long, required_unless_present = "sspk")]
    pub yield_kt: Option<f64>,
    /// The overpressure the target withstands, psi.
    #[arg(long, required_unless_present = "sspk")]
    pub hardness_psi: Option<f64>,
    /// The warhead's circular error probable, metres.
    #[arg(long, required_unless_present = "sspk")]
    pub cep_m: Option<f64>,
    /// Give the single-shot kill probability directly instead (a notional shot).
    #[arg(long, conflicts_with_all = ["yield_kt", "hardness_psi", "cep_m"])]
    pub sspk: Option<f64>,
    /// The share of warheads that arrive and detonate as planned.
    #[arg(long, default_value_t = 1.0)]
    pub reliability: f64,
    /// Warheads aimed at the target.
    #[arg(long, default_value_t = 1)]
    pub warheads: u32,
    /// Kill probability of each later warhead relative to the first (1: no fratricide).
    #[arg(long, default_value_t = 1.0)]
    pub fratricide: f64,
    /// The lethal-radius constant, nautical miles per cube root of megatons per psi.
    #[arg(long, default_value_t = 2.62)]
    pub lethal_radius_constant: f64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StabilityArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The parties, comma-separated: two for the index, three or more for every pair with
    /// reserves and for each against the others together.
    #[arg(long, value_delimiter = ',', default_value = "US,RU", value_name = "PARTIES")]
    pub parties: Vec<String>,
    /// Each side launches its fixed forces under attack when struck.
    #[arg(long)]
    pub launch_under_attack: bool,
    /// With three or more parties: the share of a third party's value each side's reserve must be
    /// able to destroy (one reserve, sized against the most valuable of the others).
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub reserve_damage: f64,
    /// Run this many Monte Carlo trials over the --vary parameters (two parties).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: Option<u64>,
    /// The Monte Carlo run's seed: the same seed gives the same numbers.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// An uncertain parameter: PARAMETER=DIST or PARAMETER*=DIST, with DIST uniform(LOW,HIGH),
    /// triangular(LOW,MODE,HIGH) or normal(MEAN,SD).
    #[arg(long, value_name = "PARAMETER=DIST", requires = "trials")]
    pub vary: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RaceArgs {
    /// A race file (docs/formats/race.md); the shipped illustrative race by default.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Years to run the race forward.
    #[arg(long, default_value_t = 20)]
    pub years: u32,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// The levels year by year, as CSV.
    #[arg(long)]
    pub csv: bool,
    /// Draw the levels year by year as an SVG chart.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The two parties.
    #[arg(long, value_delimiter = ',', default_value = "US,RU", value_name = "A,B")]
    pub parties: Vec<String>,
    /// The first axis: PARAMETER=FROM:TO:STEPS (or PARAMETER*=FROM:TO:STEPS to scale).
    #[arg(long, value_name = "AXIS")]
    pub x: String,
    /// The second axis, as --x.
    #[arg(long, value_name = "AXIS")]
    pub y: String,
    /// Each side launches its fixed forces under attack when struck.
    #[arg(long)]
    pub launch_under_attack: bool,
    /// What to show: the index, or one side's ratio.
    #[arg(long, value_enum, default_value_t = SweepValue::Index)]
    pub show: SweepValue,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// The grid as CSV, one row per cell.
    #[arg(long)]
    pub csv: bool,
    /// Draw the grid as an SVG heat map.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepValue {
    Index,
    RatioA,
    RatioB,
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

/// Where a record is kept: sqlite:PATH, postgres://…, or a plain path (SQLite).
#[derive(Debug, Args)]
pub struct StoreArg {
    #[arg(long, env = "DETENTE_STORE", value_name = "ADDRESS")]
    pub store: String,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Start a party's record in an empty store, kept under a log key.
    Init {
        #[command(flatten)]
        store: StoreArg,
        /// The log's private key file; its name becomes the record's origin.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The party whose record this is, such as US.
        #[arg(long)]
        party: String,
    },
    /// Sign documents as entries and append them, durably.
    Append(AppendArgs),
    /// Sign a checkpoint of the whole record (never one that contradicts the last).
    Checkpoint {
        #[command(flatten)]
        store: StoreArg,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Show the record: its checkpoint, its witnesses and its entries.
    Show(ShowArgs),
    /// Write a C2SP tlog-proof bundle for one entry, against the latest checkpoint.
    Prove {
        #[command(flatten)]
        store: StoreArg,
        /// The entry's index.
        index: u64,
        /// Write the bundle here instead of to standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write the tlog-witness add-checkpoint request that takes a witness from OLD to the latest checkpoint.
    WitnessRequest {
        #[command(flatten)]
        store: StoreArg,
        /// The size of the last checkpoint the witness cosigned (0 if none).
        #[arg(long, default_value_t = 0)]
        old: u64,
    },
    /// Add a witness's cosignatures (its add-checkpoint answer) to the latest checkpoint.
    Cosign {
        #[command(flatten)]
        store: StoreArg,
        /// The witnesses' verifier keys (files or key text).
        #[arg(long = "witness-key", value_name = "VKEY", required = true)]
        witness_keys: Vec<String>,
        /// The witness's answer (- for standard input).
        answer: PathBuf,
    },
    /// Audit the record: recompute every hash, check every entry and signature and the checkpoint.
    Verify {
        #[command(flatten)]
        store: StoreArg,
        /// Skip the entries' signatures (the tree and the checkpoint are still checked).
        #[arg(long)]
        no_signatures: bool,
        /// The log's verifier key as you know it (file or text): the store's own key must be it.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
        /// A tlog-policy file: also report whether the checkpoint has its quorum of cosignatures.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The log's private key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// declaration, notification, receipt, inspection-report, concern or escrow-commitment.
    #[arg(long)]
    pub kind: String,
    /// The treaty the entry is made under.
    #[arg(long, default_value = "new-start")]
    pub treaty: String,
    /// For a notification: its kind, such as change-in-data.
    #[arg(long)]
    pub notice: Option<String>,
    /// For an inspection report: the inspection's kind, such as type-one.
    #[arg(long)]
    pub inspection: Option<String>,
    /// The entry referred to (a receipt's subject, a notification's or concern's): PARTY:SEQUENCE:LEAFHASH(hex).
    #[arg(long, value_name = "REF")]
    pub refers_to: Option<String>,
    /// For an escrow commitment: the escrow tree's root (hex) and its number of leaves.
    #[arg(long, value_name = "HEX")]
    pub escrow_root: Option<String>,
    #[arg(long, value_name = "N")]
    pub escrow_leaves: Option<u64>,
    /// The documents' media type (by default from the file extension).
    #[arg(long)]
    pub media_type: Option<String>,
    /// Each line of the input is one entry (for streams of notifications).
    #[arg(long)]
    pub lines: bool,
    /// With --lines: entries per durable commit.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Sign a checkpoint after each commit.
    #[arg(long)]
    pub checkpoint: bool,
    /// The documents to record (- for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The first entry to list.
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// How many entries to list.
    #[arg(long, default_value_t = 20)]
    pub limit: u64,
    /// A tlog-policy file: report whether the checkpoint has its quorum of cosignatures.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Answer a tlog-witness add-checkpoint request: cosign, or refuse with 400/403/404/409/422.
    AddCheckpoint {
        #[command(flatten)]
        witness: WitnessArgs,
        /// The request body (- for standard input).
        request: PathBuf,
    },
    /// Serve tlog-witness over HTTP: POST <prefix>/add-checkpoint.
    Serve {
        #[command(flatten)]
        witness: WitnessArgs,
        /// The address to listen on (port 0: any free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: std::net::SocketAddr,
    },
    /// List the inconsistent checkpoints this witness was shown and kept as evidence.
    Evidence {
        #[command(flatten)]
        store: StoreArg,
    },
}

/// What a witness needs: its store, its key and the logs it follows.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The witness's private (cosigner) key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The verifier keys of the logs this witness follows (files or key text).
    #[arg(long = "log-key", value_name = "VKEY", required = true)]
    pub log_keys: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The .tlog-proof bundle.
    pub bundle: PathBuf,
    /// The tlog-policy file: trusted logs, witnesses and the quorum.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    #[arg(long)]
    pub json: bool,
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
    /// The declaration file (.csv or .json); several of one date are counted jointly, as a
    /// group of parties the treaty names (the former Soviet Union's successor states under START I).
    #[arg(required = true, num_args = 1..)]
    pub declarations: Vec<PathBuf>,
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
    /// Also break the counts down by facility, by type, or both (repeat, or separate with commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub by: Vec<crate::cmd::breakdown::By>,
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
