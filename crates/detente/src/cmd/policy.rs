//! `detente policy`: a C2SP tlog-policy made from verifier keys, so nobody
//! has to write one by hand.

use std::fmt::Write as _;

use detente_log::keys::Algorithm;
use detente_log::policy::Policy;
use serde::Serialize;

use super::Context;
use crate::args::PolicyArgs;
use crate::bad_input;
use crate::error::Outcome;
use crate::inputs::verifier_keys;

#[derive(Serialize)]
struct Made {
    logs: Vec<String>,
    witnesses: Vec<String>,
    quorum: String,
    policy: String,
}

pub fn run(args: PolicyArgs, context: &Context) -> anyhow::Result<Outcome> {
    let logs = verifier_keys(&args.logs, Algorithm::Ed25519)?;
    let witnesses = verifier_keys(&args.witnesses, Algorithm::Cosignature)?;
    let quorum = match (args.quorum, witnesses.len()) {
        (Some(0), _) => return Err(bad_input!("--quorum: at least 1, or leave it out for all the witnesses")),
        (Some(k), n) if k > n => return Err(bad_input!("--quorum {k}: there are only {n} witnesses")),
        (_, 0) => "none".to_owned(),
        (Some(k), n) if k < n => k.to_string(),
        _ => "all".to_owned(),
    };
    let mut text = String::from("# A C2SP tlog-policy: the logs trusted, their witnesses, and how many must cosign.\n");
    for log in &logs {
        let _ = writeln!(text, "log {log}");
    }
    for witness in &witnesses {
        let _ = writeln!(text, "witness {} {witness}", witness.name());
    }
    if witnesses.is_empty() {
        text.push_str("quorum none\n");
    } else {
        let names: Vec<&str> = witnesses.iter().map(|w| w.name()).collect();
        let _ = writeln!(text, "group witnesses {quorum} {}\nquorum witnesses", names.join(" "));
    }
    // What is written must read back: two witnesses with one name, say, are refused here.
    Policy::parse(&text).map_err(|e| bad_input!("{e}"))?;
    let made = Made {
        logs: logs.iter().map(ToString::to_string).collect(),
        witnesses: witnesses.iter().map(ToString::to_string).collect(),
        quorum,
        policy: text,
    };
    context.out.result(&made, |made| made.policy.clone())?;
    Ok(Outcome::Done)
}
