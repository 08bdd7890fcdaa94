//! `detente demo`: the main job. First the shipped public data, counted
//! offline ([`offline`]); then the running system: a node per party and a
//! neutral witness as separate processes on loopback ([`network`]), and a
//! replay on an exercise clock of what the parties notify ([`sequence`]).
//! The network and its records stay in the demo's folder, so a second run
//! resumes where the first stopped.

mod network;
mod offline;
mod sequence;

use std::io::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::Context;
use crate::args::DemoArgs;
use crate::error::Outcome;
use network::Network;
use sequence::{Conductor, STEPS, Step};

pub fn run(args: DemoArgs, context: &Context) -> anyhow::Result<Outcome> {
    let root = &args.out;
    let (text, summary) = offline::report(root, context)?;
    match context.out.json_wanted() {
        true => context.out.json_line(&json!({ "offline": summary }))?,
        false => context.out.text(&text)?,
    }

    let clock_file = root.join("clock");
    let conductor = Conductor::new(&clock_file, context.wall_ms);
    let progress_file = root.join("progress");
    let resumed = network::written(root)?;
    if !resumed {
        network::write(root)?;
        conductor.start()?;
    }
    let done: Vec<String> = std::fs::read_to_string(&progress_file)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let pending: Vec<&Step> = STEPS.iter().filter(|step| !done.iter().any(|d| d == step.id)).collect();
    if resumed {
        conductor.resume(!pending.is_empty())?;
    }
    // The interrupt handler first: an interrupt while the network starts
    // is kept, and stops it once it has.
    let runtime = crate::stores::runtime()?;
    let mut interrupted = Box::pin({
        let _entered = runtime.enter();
        crate::stores::interrupted()?
    });
    let network = Network::start(root)?;
    let mut intro =
        String::from("\nThe running system: a node per party and a neutral witness, each a process on loopback\n");
    intro.push_str("(embedded SQLite; tokens in each node's folder; logs in node.log):\n");
    for node in &network.nodes {
        let folder = root.join(node.party.to_ascii_lowercase());
        intro.push_str(&format!("  {} node     {}   ({})\n", node.party, node.url, folder.display()));
    }
    intro.push_str(&format!("  neutral witness {}\n", network.witness_url));
    let us = network.node("US");
    intro.push_str(&format!(
        "Ask a node while it runs (the observer token reads, the operator's writes; docs/node.md has the API):\n  curl -H \"Authorization: Bearer $(cat {})\" {}/api/v1/status\n",
        root.join("us/observer.token").display(),
        us.url
    ));
    if resumed {
        intro.push_str(&format!("Resuming: {} of {} steps were done.\n", STEPS.len() - pending.len(), STEPS.len()));
    }
    say(
        context,
        &intro,
        json!({ "nodes": network.nodes.iter().map(|n| json!({ "party": n.party, "url": n.url })).collect::<Vec<_>>(), "witness": network.witness_url, "resumed": resumed }),
    )?;

    let replayed = runtime.block_on(async {
        tokio::select! {
            replayed = replay(&network, &conductor, &progress_file, &pending, context, root) => replayed.map(|()| true),
            () = &mut interrupted => Ok(false),
        }
    });
    let finished = match replayed {
        Ok(true) if !args.until_done => {
            say(
                context,
                "\nThe nodes keep running on the wall clock's time; Ctrl-C stops them.\n",
                json!({ "running": true }),
            )?;
            runtime.block_on(&mut interrupted);
            true
        }
        Ok(finished) => finished,
        // Dropping the network stops it.
        Err(error) => {
            let _ = conductor.freeze();
            return Err(error);
        }
    };
    let frozen = conductor.freeze();
    let unclean = network.stop();
    frozen?;
    let ending = match (finished, unclean.is_empty()) {
        (_, false) => format!("Stopped; {} did not stop cleanly and were killed.\n", unclean.join(", ")),
        (true, true) => "Stopped cleanly. `detente demo` starts the same network again.\n".to_owned(),
        (false, true) => "Interrupted, and stopped cleanly; `detente demo` resumes where this stopped.\n".to_owned(),
    };
    say(context, &ending, json!({ "stopped": unclean.is_empty(), "finished": finished }))?;
    Ok(Outcome::Done)
}

/// Prints `text`, or with `--json` the line `json`.
fn say(context: &Context, text: &str, json: Value) -> anyhow::Result<()> {
    match context.out.json_wanted() {
        true => context.out.json_line(&json),
        false => context.out.text(text),
    }
}

/// The replay's steps not done yet, then what the network came to.
async fn replay(
    network: &Network,
    conductor: &Conductor<'_>,
    progress_file: &Path,
    pending: &[&Step],
    context: &Context,
    root: &Path,
) -> anyhow::Result<()> {
    // Both parties' declarations, recorded on the first start, reach the other.
    for (party, other) in [("US", "RU"), ("RU", "US")] {
        let has = |status: &Value| status["counts"][other].is_object();
        sequence::until(network.node(party), "/api/v1/status", has).await?;
    }
    let status = network.node("US").get("/api/v1/status").await?;
    say(
        context,
        &format!(
            "\nBoth parties' declarations are on both nodes. The U.S. forces count {} as the United States reads New START, {} as Russia reads it.\n\n",
            sequence::figures(&sequence::totals(&status, "US", "US")),
            sequence::figures(&sequence::totals(&status, "US", "RU")),
        ),
        json!({ "declared": status["counts"] }),
    )?;
    for step in pending {
        let outcome = sequence::run(step, network, conductor).await?;
        let mut progress = std::fs::OpenOptions::new().create(true).append(true).open(progress_file)?;
        writeln!(progress, "{}", step.id)?;
        progress.sync_all()?;
        conductor.freeze()?;
        say(context, &outcome.text, outcome.json)?;
    }
    conductor.settle()?;
    let (text, json) = summary(network, context, root).await?;
    say(context, &text, json)
}

/// The conversion dispute, the findings and the witnesses' cosignatures,
/// as the nodes give them.
async fn summary(network: &Network, context: &Context, root: &Path) -> anyhow::Result<(String, Value)> {
    let (us, ru) = (network.node("US"), network.node("RU"));
    let mut text = String::from("\nThe conversion dispute, on Russia's node, from its copy of the U.S. database:\n");
    let database = ru.get("/api/v1/parties/US/database").await?;
    let catalogue = context.catalogue()?;
    let treaty = catalogue.treaty("new-start").expect("New START is shipped");
    let bytes = serde_json::to_vec(&database)?;
    let declaration = crate::data::declaration(&root.join("us-database.json"), &catalogue, bytes.as_slice())?;
    let reading = catalogue.interpretation(&treaty.id, &"RU".parse()?);
    let count = detente_treaty::count(treaty, &declaration, reading, detente_treaty::Options::default());
    text.push_str(&crate::report::count::differences(&count));
    text.push('\n');

    text.push_str("\nDelivered exactly once, in order:\n");
    let mut delivered = Vec::new();
    for (party, copy) in [(us, ru), (ru, us)] {
        let path = format!("/api/v1/notifications?party={}&limit=1000", party.party);
        let hashes = |answer: Value| -> Vec<Value> {
            answer["notifications"].as_array().into_iter().flatten().map(|n| n["leaf_hash"].clone()).collect()
        };
        let (sent, received) = (hashes(party.get(&path).await?), hashes(copy.get(&path).await?));
        let verdict = if sent == received { "each once, in order, its entries unchanged" } else { "but NOT as sent" };
        text.push_str(&format!(
            "  {}'s {} notifications are on {}'s node: {verdict}\n",
            party.party,
            sent.len(),
            copy.party
        ));
        delivered.push(
            json!({ "from": party.party, "to": copy.party, "notifications": sent.len(), "as_sent": sent == received }),
        );
    }

    let findings = |answer: &Value| -> Vec<String> {
        let listed = answer["findings"].as_array().into_iter().flatten();
        listed
            .filter_map(|f| {
                let reading = f["reading"].as_str().map_or(String::new(), |r| format!(" (as {r} reads New START)"));
                f["says"].as_str().map(|says| format!("{}: {says}{reading}", f["party"].as_str().unwrap_or("")))
            })
            .collect()
    };
    let (on_us, on_ru) = (findings(&us.get("/api/v1/findings").await?), findings(&ru.get("/api/v1/findings").await?));
    text.push_str(&format!(
        "\nFindings ({}):\n",
        if on_us == on_ru { "the same on both nodes" } else { "the nodes DIFFER" }
    ));
    for finding in &on_us {
        text.push_str(&format!("  - {finding}\n"));
    }

    text.push_str("\nEach record's latest checkpoint, cosigned by two of the three others at least:\n");
    let mut witnessed = Vec::new();
    for node in &network.nodes {
        let size = node.get("/api/v1/status").await?["record"]["size"].as_u64().unwrap_or_default();
        if size == 0 {
            text.push_str(&format!("  {}: no entries yet; it witnesses the others' records\n", node.party));
            continue;
        }
        let met = |q: &Value| q["witnessed"]["size"].as_u64() >= Some(size) && q["witnessed"]["quorum_met"] == true;
        let quorum = sequence::until(node, "/api/v1/quorum", met).await?;
        let cosigners: Vec<&str> =
            quorum["witnessed"]["cosigners"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        text.push_str(&format!(
            "  {}: {size} entr{}, cosigned by {} ({}: met)\n",
            node.party,
            if size == 1 { "y" } else { "ies" },
            cosigners.join(", "),
            quorum["policy"].as_str().unwrap_or("")
        ));
        witnessed.push(json!({ "party": node.party, "size": size, "cosigners": cosigners }));
    }
    text.push_str(&format!(
        "\nVerify a record from its store, checkpoint and quorum included (with the nodes stopped, or while they run):\n  detente log verify --store sqlite:{} --policy {}\n",
        root.join("us/us.db").display(),
        root.join("us/record.policy").display()
    ));
    Ok((
        text,
        json!({ "delivered": delivered, "findings": on_us, "nodes_agree_on_findings": on_us == on_ru, "witnessed": witnessed }),
    ))
}
