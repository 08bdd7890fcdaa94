//! One module per subcommand. Each turns typed arguments into library calls
//! and hands the results to `report` (text), `charts` (SVG) and the
//! [`Output`]; none parses text it was given as an argument, reads the clock
//! or prints by itself.

mod analyze;
mod count;
mod declaration;
mod demo;
mod diff;
mod history;
pub(super) mod keys;
pub(super) mod node;
mod policy;
mod proof;
mod record;
mod shipped;

mod treaty;
mod witness;

use std::path::PathBuf;

use detente_treaty::Catalogue;

use crate::args::Command;
use crate::error::Outcome;
use crate::output::Output;

/// Seconds since the Unix epoch: the clock, read where `main` says.
pub use detente_node::Clock;

/// What every command may use besides its own arguments.
pub struct Context {
    pub data_dir: Option<PathBuf>,
    pub clock: Clock,
    /// The system clock in milliseconds, whatever `clock` is: for the demo,
    /// which moves an exercise clock on.
    pub wall_ms: fn() -> u64,
    pub out: Output,
}

impl Context {
    /// The time now, for what is signed now (entries, cosignatures).
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// The shipped treaties and readings, then the user's.
    pub fn catalogue(&self) -> anyhow::Result<Catalogue> {
        crate::data::catalogue(self.data_dir.as_deref())
    }
}

pub fn run(command: Command, context: &Context) -> anyhow::Result<Outcome> {
    match command {
        Command::Treaty(command) => treaty::run(command, context),
        Command::Count(args) => count::count(args, context),
        Command::Compliance(args) => count::compliance(args, context),
        Command::Diff(args) => diff::run(args, context),
        Command::History(args) => history::run(args, context),
        Command::Import(args) => declaration::import(args, context),
        Command::Export(args) => declaration::export(args, context),
        Command::Data(command) => shipped::run(command, context),
        Command::Demo(args) => demo::run(args, context),
        Command::Keygen(args) => keys::keygen(args, context),
        Command::Policy(args) => policy::run(args, context),
        Command::Log(command) => record::run(command, context),
        Command::Witness(command) => witness::run(command, context),
        Command::VerifyProof(args) => proof::run(args, context),
        Command::Init(args) => node::init(args, context),
        Command::Node(args) => node::run(args, context),
        Command::Analyze(command) => analyze::run(*command, context),
    }
}
