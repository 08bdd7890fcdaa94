//! `detente verify-proof`: an entry proven in a record, offline.

use detente_log::bundle::ProofBundle;
use detente_log::entry::SignedEntry;

use super::Context;
use crate::args::VerifyProofArgs;
use crate::error::Outcome;
use crate::inputs;
use crate::{bad_input, data};

pub fn run(args: VerifyProofArgs, context: &Context) -> anyhow::Result<Outcome> {
    let policy = inputs::policy(&args.policy)?;
    let text = data::read_text(&args.bundle)?;
    let bundle = ProofBundle::parse(&text).map_err(|e| bad_input!("{}: {e}", args.bundle.display()))?;
    let Some(bytes) = &bundle.extra else {
        return Err(bad_input!("{}: the bundle carries no entry (its extra line)", args.bundle.display()));
    };
    let witnessed = match bundle.verify(bytes, &policy) {
        Ok(witnessed) => witnessed,
        Err(error) => {
            return not_proven(context, format!("{}: NOT PROVEN: {error}", args.bundle.display()));
        }
    };
    // The entry is now known to be in the record; it must also be the log's
    // own signed statement, numbered with its place in the log.
    let entry = SignedEntry::decode(bytes).map_err(|e| bad_input!("{}: the entry: {e}", args.bundle.display()))?;
    if let Err(error) = entry.verify(&witnessed.log) {
        return not_proven(
            context,
            format!("{}: NOT PROVEN: the entry is in the record but {error}", args.bundle.display()),
        );
    }
    if entry.entry().sequence != bundle.index {
        return not_proven(
            context,
            format!(
                "{}: NOT PROVEN: the entry says it is number {} but sits at index {}",
                args.bundle.display(),
                entry.entry().sequence,
                bundle.index
            ),
        );
    }
    let checkpoint = &witnessed.signed.checkpoint;
    let cosigners = if witnessed.cosigners.is_empty() { "nobody".into() } else { witnessed.cosigners.join(", ") };
    let summary = serde_json::json!({
        "included": true,
        "proven": witnessed.quorum_met,
        "index": bundle.index,
        "origin": checkpoint.origin,
        "party": entry.entry().party.as_str(),
        "kind": entry.entry().body.kind().name(),
        "sequence": entry.entry().sequence,
        "time": entry.entry().time,
        "checkpoint_size": checkpoint.size,
        "cosigners": witnessed.cosigners,
        "quorum": policy.describe_quorum(),
        "witnessed": witnessed.quorum_met,
    });
    context.out.result(&summary, |_| {
        let verdict = if witnessed.quorum_met { "proven" } else { "included, not proven" };
        let status = if witnessed.quorum_met { "witnessed" } else { "UNWITNESSED" };
        format!(
            "{verdict}: entry {} ({} {} of {}) is in the record {} at checkpoint size {}\n{status}: cosigned by {cosigners}; quorum {}\n",
            bundle.index,
            entry.entry().body.kind(),
            entry.entry().sequence,
            entry.entry().party.as_str(),
            checkpoint.origin,
            checkpoint.size,
            policy.describe_quorum()
        )
    })?;
    Ok(if witnessed.quorum_met { Outcome::Done } else { Outcome::Findings })
}

/// A bundle that does not prove its entry: said on standard error, and in the JSON when asked.
fn not_proven(context: &Context, problem: String) -> anyhow::Result<Outcome> {
    if context.out.json_wanted() {
        context.out.json_value(&serde_json::json!({ "included": false, "proven": false, "problem": problem }))?;
    }
    context.out.note(&format!("detente: {problem}"));
    Ok(Outcome::Findings)
}
