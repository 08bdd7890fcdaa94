//! `detente diff OLD NEW`: two declarations of one party compared by uid.

use super::Context;
use crate::args::DiffArgs;
use crate::error::Outcome;
use crate::{bad_input, data, report};

pub fn run(args: DiffArgs, context: &Context) -> anyhow::Result<Outcome> {
    let catalogue = context.catalogue()?;
    let old = data::declaration(&args.old, &catalogue, data::open(&args.old)?)?;
    let new = data::declaration(&args.new, &catalogue, data::open(&args.new)?)?;
    let diff = detente_core::diff::diff(&old, &new).map_err(|e| bad_input!("{e}"))?;
    context.out.result(&diff, report::diff::diff)?;
    Ok(Outcome::Done)
}
