//! `detente verify-proof`: an entry proven in a record, offline.

use detente_log::bundle::ProofBundle;
use detente_log::entry::SignedEntry;

use super::keys;
use crate::args::VerifyProofArgs;
use crate::{Outcome, bad_input, data};

pub fn run(args: VerifyProofArgs) -> anyhow::Result<Outcome> {
    let policy = keys::policy(&args.policy)?;
    let text = data::read_text(&args.bundle)?;
    let bundle = ProofBundle::parse(&text).map_err(|e| bad_input!("{}: {e}", args.bundle.display()))?;
    let Some(bytes) = &bundle.extra else {
        return Err(bad_input!("{}: the bundle carries no entry (its extra line)", args.bundle.display()));
    };
    let witnessed = match bundle.verify(bytes, &policy) {
        Ok(witnessed) => witnessed,
        Err(error) => {
            eprintln!("detente: {}: NOT PROVEN: {error}", args.bundle.display());
            return Ok(Outcome::Findings);
        }
    };
    // The entry is now known to be in the record; it must also be the log's
    // own signed statement, numbered with its place in the log.
    let entry = SignedEntry::decode(bytes).map_err(|e| bad_input!("{}: the entry: {e}", args.bundle.display()))?;
    if let Err(error) = entry.verify(&witnessed.log) {
        eprintln!("detente: {}: NOT PROVEN: the entry is in the record but {error}", args.bundle.display());
        return Ok(Outcome::Findings);
    }
    if entry.entry().sequence != bundle.index {
        eprintln!(
            "detente: {}: NOT PROVEN: the entry says it is number {} but sits at index {}",
            args.bundle.display(),
            entry.entry().sequence,
            bundle.index
        );
        return Ok(Outcome::Findings);
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
    if args.json {
        super::print_json(&summary)?;
    } else {
        let verdict = if witnessed.quorum_met { "proven" } else { "included, not proven" };
        println!(
            "{verdict}: entry {} ({} {} of {}) is in the record {} at checkpoint size {}",
            bundle.index,
            entry.entry().body.kind(),
            entry.entry().sequence,
            entry.entry().party.as_str(),
            checkpoint.origin,
            checkpoint.size
        );
        let status = if witnessed.quorum_met { "witnessed" } else { "UNWITNESSED" };
        println!("{status}: cosigned by {cosigners}; quorum {}", policy.describe_quorum());
    }
    Ok(if witnessed.quorum_met { Outcome::Done } else { Outcome::Findings })
}
