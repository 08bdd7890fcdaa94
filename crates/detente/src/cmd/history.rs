//! `detente history`: the published New START aggregate numbers.

use super::Context;
use crate::args::HistoryArgs;
use crate::error::Outcome;
use crate::{bad_input, charts, data, report};

pub fn run(args: HistoryArgs, context: &Context) -> anyhow::Result<Outcome> {
    let mut rows = data::aggregates();
    if let Some(party) = &args.party {
        let mut published: Vec<String> = rows.iter().map(|r| r.party.to_string()).collect();
        published.sort();
        published.dedup();
        rows.retain(|r| &r.party == party);
        if rows.is_empty() {
            return Err(bad_input!(
                "--party {party}: the published New START data have no rows for {party}; they cover {}",
                published.join(" and ")
            ));
        }
    }
    if args.output.csv && context.out.json_wanted() {
        return Err(bad_input!("--csv and --json: choose one"));
    }
    if let Some(path) = &args.output.plot {
        let catalogue = context.catalogue()?;
        let treaty = catalogue.treaty("new-start").expect("New START is shipped");
        context.out.file(path, charts::history(&rows, treaty).to_svg().as_bytes())?;
    }
    if args.output.csv {
        let mut csv = Vec::new();
        detente_core::history::write_aggregates(&rows, &mut csv)?;
        context.out.text(&String::from_utf8(csv).expect("the aggregates are written as UTF-8"))?;
    } else {
        context.out.result(&rows, |rows| report::history::history(rows))?;
    }
    Ok(Outcome::Done)
}
