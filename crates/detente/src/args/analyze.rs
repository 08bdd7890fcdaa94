//! `detente analyze`'s commands.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use detente_analysis::montecarlo::{Axis, Uncertain};
use detente_core::Party;

use super::TableOutput;
use super::values::{self, Change};

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// The shipped scenarios (force postures for analysis), or one of them in full.
    Scenarios {
        /// Show this scenario's postures, model constants, notes and sources.
        name: Option<String>,
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
    #[arg(long = "set", value_name = "PARAMETER=VALUE", value_parser = values::change)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Only these parties (comma-separated); all of the scenario's by default.
    #[arg(long, value_delimiter = ',', value_name = "PARTIES", value_parser = values::party)]
    pub parties: Vec<Party>,
    /// Respect this treaty's launcher limits (deployed, and deployed plus non-deployed).
    #[arg(long, value_name = "TREATY")]
    pub treaty: Option<String>,
    /// With --treaty, respect its deployed-warhead limit too.
    #[arg(long, requires = "treaty")]
    pub warhead_limit: bool,
    /// Months of upload to tabulate (and plot) at each system's upload rate.
    #[arg(long, default_value_t = 36)]
    pub months: u32,
    #[command(flatten)]
    pub output: TableOutput,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// The warhead's yield, kilotons.
    #[arg(long, required_unless_present = "sspk", value_parser = values::positive)]
    pub yield_kt: Option<f64>,
    /// The overpressure the target withstands, psi.
    #[arg(long, required_unless_present = "sspk", value_parser = values::positive)]
    pub hardness_psi: Option<f64>,
    /// The warhead's circular error probable, metres.
    #[arg(long, required_unless_present = "sspk", value_parser = values::positive)]
    pub cep_m: Option<f64>,
    /// Give the single-shot kill probability directly instead (a notional shot).
    #[arg(long, conflicts_with_all = ["yield_kt", "hardness_psi", "cep_m"], value_parser = values::share)]
    pub sspk: Option<f64>,
    /// The share of warheads that arrive and detonate as planned.
    #[arg(long, default_value_t = 1.0, value_parser = values::share)]
    pub reliability: f64,
    /// Warheads aimed at the target.
    #[arg(long, default_value_t = 1)]
    pub warheads: u32,
    /// Kill probability of each later warhead relative to the first (1: no fratricide).
    #[arg(long, default_value_t = 1.0, value_parser = values::share)]
    pub fratricide: f64,
    /// The lethal-radius constant, nautical miles per cube root of megatons per psi.
    #[arg(long, default_value_t = 2.62, value_parser = values::positive)]
    pub lethal_radius_constant: f64,
}

#[derive(Debug, Args)]
pub struct StabilityArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The parties, comma-separated: two for the index, three or more for every pair with
    /// reserves and for each against the others together.
    #[arg(long, value_delimiter = ',', default_value = "US,RU", value_name = "PARTIES", value_parser = values::party)]
    pub parties: Vec<Party>,
    /// Each side launches its fixed forces under attack when struck.
    #[arg(long)]
    pub launch_under_attack: bool,
    /// With three or more parties: the share of a third party's value each side's reserve must be
    /// able to destroy (one reserve, sized against the most valuable of the others).
    #[arg(long, default_value_t = 0.5, value_name = "SHARE", value_parser = values::share_below_one)]
    pub reserve_damage: f64,
    /// Run this many Monte Carlo trials over the --vary parameters (two parties).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: Option<u64>,
    /// The Monte Carlo run's seed: the same seed gives the same numbers.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// An uncertain parameter: PARAMETER=DIST or PARAMETER*=DIST, with DIST uniform(LOW,HIGH),
    /// triangular(LOW,MODE,HIGH) or normal(MEAN,SD).
    #[arg(long, value_name = "PARAMETER=DIST", requires = "trials", value_parser = parse_uncertain)]
    pub vary: Vec<Uncertain>,
}

fn parse_uncertain(text: &str) -> Result<Uncertain, String> {
    text.parse::<Uncertain>().map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct RaceArgs {
    /// A race file (docs/formats/race.md); the shipped illustrative race by default.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Years to run the race forward.
    #[arg(long, default_value_t = 20)]
    pub years: u32,
    #[command(flatten)]
    pub output: TableOutput,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The two parties.
    #[arg(long, value_delimiter = ',', default_value = "US,RU", value_name = "A,B", value_parser = values::party)]
    pub parties: Vec<Party>,
    /// The first axis: PARAMETER=FROM:TO:STEPS (or PARAMETER*=FROM:TO:STEPS to scale).
    #[arg(long, value_name = "AXIS", value_parser = values::axis)]
    pub x: Axis,
    /// The second axis, as --x.
    #[arg(long, value_name = "AXIS", value_parser = values::axis)]
    pub y: Axis,
    /// Each side launches its fixed forces under attack when struck.
    #[arg(long)]
    pub launch_under_attack: bool,
    /// What to show: the index, or one side's ratio.
    #[arg(long, value_enum, default_value_t = SweepValue::Index)]
    pub show: SweepValue,
    #[command(flatten)]
    pub output: TableOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepValue {
    Index,
    RatioA,
    RatioB,
}
