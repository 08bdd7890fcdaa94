//! `detente data`: the data files shipped inside the binary.

use serde::Serialize;

use super::Context;
use crate::args::DataCommand;
use crate::error::Outcome;
use crate::{bad_input, data, report};

#[derive(Serialize)]
struct Listed {
    name: &'static str,
    bytes: usize,
}

pub fn run(command: DataCommand, context: &Context) -> anyhow::Result<Outcome> {
    match command {
        DataCommand::List => {
            let listed: Vec<Listed> =
                data::SHIPPED.iter().map(|(name, text)| Listed { name, bytes: text.len() }).collect();
            context.out.result(&listed, |listed| {
                let rows: Vec<Vec<String>> =
                    listed.iter().map(|l| vec![l.name.to_owned(), report::thousands(l.bytes as u64)]).collect();
                report::table(&["file", "bytes"], &rows)
            })?;
        }
        DataCommand::Show { name } => {
            let text = data::shipped(&name).ok_or_else(|| {
                bad_input!(
                    "no shipped file {}; `detente data list` lists them, such as declarations/us-2020-09-01.csv",
                    detente_core::quoted(&name)
                )
            })?;
            #[derive(Serialize)]
            struct Shown<'a> {
                name: &'a str,
                text: &'a str,
            }
            context.out.result(&Shown { name: &name, text }, |shown| shown.text.to_owned())?;
        }
    }
    Ok(Outcome::Done)
}
