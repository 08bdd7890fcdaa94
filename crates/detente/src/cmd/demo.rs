//! The main job on the shipped public data: the published history against the
//! limits, both parties' reconstructed declarations counted under both readings,
//! the itemised difference, and the chart.

use std::path::Path;

use detente_core::Declaration;
use detente_log::entry::Body;
use detente_log::keys::{Algorithm, SigningKey};
use detente_log::policy::Policy;
use detente_store::admission::Draft;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use detente_store::witness::add_checkpoint;
use detente_treaty::{Catalogue, Count, Options};

use super::Context;
use crate::args::DemoArgs;
use crate::error::Outcome;
use crate::report::{self, thousands};
use crate::{charts, data};

pub fn run(args: DemoArgs, context: &Context) -> anyhow::Result<Outcome> {
    let catalogue = context.catalogue()?;
    let treaty = catalogue.treaty("new-start").expect("New START is shipped");
    let history = data::aggregates();

    let mut declarations: Vec<Declaration> = Vec::new();
    // The two parties on the same date: the last by-type breakdown both published.
    for (name, text) in data::declarations().filter(|(name, _)| name.ends_with("2020-09-01.csv")) {
        declarations.push(data::declaration(Path::new(name), &catalogue, text.as_bytes())?);
    }

    // Every declaration as declared (under its own party's reading, if that party
    // published one), then as every other party whose reading applies reads it.
    let mut counts: Vec<(String, &Declaration, Count)> = Vec::new();
    for declaration in &declarations {
        let own = catalogue.interpretation(&treaty.id, declaration.party());
        let label = format!("{} as declared", declaration.party());
        counts.push((label, declaration, detente_treaty::count(treaty, declaration, own, Options::default())));
        let others = catalogue.interpretations().filter(|i| {
            i.treaty == treaty.id
                && &i.party != declaration.party()
                && i.applies_to(declaration.party())
                && !i.readings.is_empty()
        });
        for reader in others {
            let label = format!("{} as {} reads", declaration.party(), reader.party);
            counts.push((
                label,
                declaration,
                detente_treaty::count(treaty, declaration, Some(reader), Options::default()),
            ));
        }
    }

    let mut out = String::new();
    let mut published_comparison = Vec::new();
    out.push_str("detente demo: New START on public data\n======================================\n\n");
    let first = history.first().map(|r| r.as_of.to_string()).unwrap_or_default();
    let last = history.last().map(|r| r.as_of.to_string()).unwrap_or_default();
    let two_sided = history.iter().filter(|r| r.party.as_str() == "RU").map(|r| r.as_of).max();
    out.push_str(&format!(
        "Published aggregate numbers: {} rows from {first} to {last}; last two-sided exchange {}.\n",
        history.len(),
        two_sided.map(|d| d.to_string()).unwrap_or_default()
    ));
    out.push_str(&format!(
        "{} expired on {}; Russia announced its suspension on 2023-02-21.\n\n",
        treaty.short_name,
        treaty.dates.expires.map(|d| d.to_string()).unwrap_or_default()
    ));

    out.push_str("Item-level declarations (reconstructed from published breakdowns), counted item by item:\n\n");
    let mut headers = vec!["limit".to_owned(), "max".to_owned()];
    headers.extend(counts.iter().map(|(label, _, _)| label.clone()));
    let rows: Vec<Vec<String>> = treaty
        .limits
        .iter()
        .enumerate()
        .map(|(i, limit)| {
            let mut row = vec![
                format!("{} {}", limit.article.as_deref().unwrap_or(""), limit.id),
                limit.max.map(|m| thousands(u64::from(m))).unwrap_or_default(),
            ];
            row.extend(counts.iter().map(|(_, _, c)| {
                let l = &c.limits[i];
                let total = l.total.map_or("-".to_owned(), thousands);
                if l.excess > 0 { format!("{total} (+{})", l.excess) } else { total }
            }));
            row
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    out.push_str(&report::table(&header_refs, &rows));

    out.push_str("\nAgainst the published aggregates for the same date:\n");
    for declaration in &declarations {
        let published = history.iter().find(|r| r.party == *declaration.party() && r.as_of == declaration.as_of());
        let own = counts.iter().find(|(label, d, _)| std::ptr::eq(*d, declaration) && label.ends_with("as declared"));
        if let (Some(published), Some((_, _, count))) = (published, own) {
            let counted: Vec<u64> = count.limits.iter().map(|l| l.total.unwrap_or_default()).collect();
            let expected: Vec<u64> = published.figures().iter().map(|&v| u64::from(v)).collect();
            let verdict = if counted == expected { "match" } else { "DIFFER" };
            published_comparison.push(serde_json::json!({
                "party": declaration.party(), "as_of": declaration.as_of(), "counted": counted, "published": expected,
                "match": counted == expected,
            }));
            out.push_str(&format!(
                "  {} {}: counted {:?}, published {:?}: {verdict}\n",
                declaration.party(),
                declaration.as_of(),
                counted,
                expected
            ));
        }
    }

    for (label, _, count) in &counts {
        if count.differences.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{label}: the same database, another answer.\n"));
        out.push_str(&report::count::differences(count));
    }

    let findings: usize = counts.iter().map(|(_, _, c)| c.findings.len()).sum();
    out.push_str(&format!("\nFindings across all counts: {findings}\n"));
    for (label, _, count) in &counts {
        for finding in &count.findings {
            out.push_str(&format!("  - {label}: {finding}\n"));
        }
    }

    let chart = args.out.join("newstart-history.svg");
    let svg = charts::history(&history, treaty).to_svg();
    data::write_atomically(&chart, |w| w.write_all(svg.as_bytes()))?;
    let counts_file = args.out.join("counts.json");
    let json: Vec<_> =
        counts.iter().map(|(label, _, count)| serde_json::json!({ "label": label, "count": count })).collect();
    data::write_atomically(&counts_file, |w| serde_json::to_writer_pretty(w, &json).map_err(std::io::Error::other))?;
    out.push_str(&format!(
        "\nWrote {} (the published series against the limits) and {}.\n",
        chart.display(),
        counts_file.display()
    ));
    let (record_text, record) = record_walkthrough(&args.out, &catalogue, &declarations, context.now())?;
    out.push_str(&record_text);
    let (analysis_text, analysis) = analysis_walkthrough(&args.out)?;
    out.push_str(&analysis_text);
    let summary = serde_json::json!({
        "counts": json,
        "published": published_comparison,
        "record": record,
        "analysis": analysis,
        "files": [chart, counts_file],
    });
    context.out.result(&summary, |_| out)?;
    Ok(Outcome::Done)
}

/// The record on the same data: the U.S. log records its declaration and a
/// notification, two witnesses (Russia's and a neutral one) cosign its
/// checkpoint, and the notification is proven offline under a policy that
/// needs both. Fresh keys every run; the stores are rebuilt in `out`.
fn record_walkthrough(
    out: &Path,
    catalogue: &Catalogue,
    declarations: &[Declaration],
    time: u64,
) -> anyhow::Result<(String, serde_json::Value)> {
    let folder = out.join("record");
    if folder.exists() {
        std::fs::remove_dir_all(&folder)?;
    }
    std::fs::create_dir_all(&folder)?;
    let key = |name: &str, algorithm| -> anyhow::Result<SigningKey> {
        Ok(SigningKey::from_seed(name, algorithm, crate::inputs::fresh_seed()?)?)
    };
    let us_key = key("us.detente.example/record", Algorithm::Ed25519)?;
    let witnesses = [
        ("RU", key("ru.detente.example/witness", Algorithm::Cosignature)?),
        ("NEUTRAL", key("neutral.detente.example/witness", Algorithm::Cosignature)?),
    ];
    let us = declarations.iter().find(|d| d.party().as_str() == "US").expect("the U.S. declaration is shipped");
    let (_, us_text) = data::declarations().find(|(name, _)| name.starts_with("us-2020")).expect("shipped");

    let mut policy = format!("log {}\n", us_key.verifier());
    for (name, witness) in &witnesses {
        policy.push_str(&format!("witness {name} {}\n", witness.verifier()));
    }
    policy.push_str("group both all RU NEUTRAL\nquorum both\n");
    let policy_file = folder.join("policy.txt");
    data::write_atomically(&policy_file, |w| w.write_all(policy.as_bytes()))?;
    let policy = Policy::parse(&policy).expect("the demo policy is valid");

    let bundle_file = folder.join("notification.tlog-proof");
    let summary = crate::stores::runtime()?.block_on(async {
        let store = SqliteStore::open(&folder.join("us-record.db")).await?;
        let record = Record::init(store, us_key.verifier(), us.party().clone()).await?;
        let declaration = Draft {
            body: Body::Declaration { treaty: "new-start".into(), as_of: us.as_of() },
            media_type: "text/csv".into(),
            bytes: us_text.as_bytes().to_vec(),
        };
        let notification = Draft {
            body: Body::Notification { treaty: "new-start".into(), notice: "change-in-data".into(), refers_to: None },
            media_type: "text/plain".into(),
            bytes: b"One B-52H heavy bomber converted to non-nuclear armaments.\n".to_vec(),
        };
        // As every entry is made: checked, numbered and signed by the record.
        // The key's memory of what it signed, which a restored store cannot roll back.
        let signer = Signer::new(us_key.clone(), folder.join("us-record.signed"));
        record.submit(&signer, catalogue, &[declaration, notification], time).await?;
        record.checkpoint(&signer).await?;
        for (name, witness) in &witnesses {
            let witness_store = SqliteStore::open(&folder.join(format!("{}-witness.db", name.to_lowercase()))).await?;
            let request = record.witness_request(0).await?.to_text();
            let cosignature = add_checkpoint(&witness_store, &request, std::slice::from_ref(us_key.verifier()), witness, time).await?;
            record.add_cosignatures(&cosignature, std::slice::from_ref(witness.verifier())).await?;
        }
        let bundle = record.prove(1).await?;
        data::write_atomically(&bundle_file, |w| w.write_all(bundle.to_string().as_bytes()))?;
        let witnessed = bundle.verify(bundle.extra.as_deref().unwrap_or_default(), &policy)?;
        let audit = record.audit(true, Some(&witnessed.signed.checkpoint)).await?;
        let text = format!(
            "\nThe record: the U.S. log ({}) holds {} signed entries (the declaration, by digest, and a notification).\n\
             Its checkpoint of size {} is cosigned by {} (quorum {}: {}); the full audit checks out.\n",
            record.origin(),
            audit.entries,
            witnessed.signed.checkpoint.size,
            witnessed.cosigners.join(" and "),
            policy.describe_quorum(),
            if witnessed.quorum_met { "met" } else { "NOT met" },
        );
        let json = serde_json::json!({
            "origin": record.origin(), "entries": audit.entries, "checkpoint_size": witnessed.signed.checkpoint.size,
            "cosigners": witnessed.cosigners, "quorum_met": witnessed.quorum_met,
            "proof": bundle_file, "policy": policy_file,
        });
        anyhow::Ok((text, json))
    })?;
    let (summary, json) = summary;
    Ok((
        format!(
            "{summary}The notification is proven offline by {}:\n  detente verify-proof {} --policy {}\n",
            bundle_file.display(),
            bundle_file.display(),
            policy_file.display()
        ),
        json,
    ))
}

/// The analysis on the shipped scenarios: how far each side could upload,
/// first-strike stability before and after, three parties pair by pair, and
/// a heat map of the index over both sides' alert rates.
fn analysis_walkthrough(out: &Path) -> anyhow::Result<(String, serde_json::Value)> {
    use detente_analysis::montecarlo::{Axis, Pair, sweep};
    use detente_analysis::params::{Apply, Inputs};
    use detente_analysis::stability::{LaunchUnderAttack, stability};
    use detente_analysis::trilateral::{Reserve, multilateral};
    use detente_analysis::upload::{Limits, upload};

    let mut text = String::from(
        "\nStrategic stability (scenario fas-2025: FAS estimates, notional performance figures; docs/analysis.md)\n",
    );
    let now = data::scenario("fas-2025")?;
    let later = data::scenario("after-expiry")?;
    for posture in &now.postures {
        let result = upload(posture, &Limits::default());
        text.push_str(&format!(
            "  {} could upload {} warheads within its reserve: {} deployed, from {}\n",
            posture.party,
            report::thousands(result.added.round() as u64),
            report::thousands(result.after.round() as u64),
            report::thousands(result.today.round() as u64)
        ));
    }
    for scenario in [&now, &later] {
        let s = stability(&scenario.model, &scenario.postures[0], &scenario.postures[1], LaunchUnderAttack::default());
        text.push_str(&format!(
            "  First-strike stability, US and RU, {}: index {:.3} (r_US {:.3}, r_RU {:.3})\n",
            scenario.id, s.index, s.a.ratio, s.b.ratio
        ));
    }
    let three = multilateral(&now.model, &now.postures, &Reserve { damage: 0.5 }, false);
    let weakest =
        three.pairs.iter().min_by(|a, b| a.stability.index.total_cmp(&b.stability.index)).expect("three pairs");
    text.push_str(&format!(
        "  With China as a third party (reserves held against the others): least stable pair {}–{}, index {:.3}\n",
        weakest.a, weakest.b, weakest.stability.index
    ));
    let inputs = Inputs { model: now.model, postures: now.postures.clone() };
    let axis = |parameter: &str| Axis {
        parameter: parameter.parse().expect("a valid parameter"),
        apply: Apply::Set,
        from: 0.0,
        to: 1.0,
        steps: 41,
    };
    let (x, y) = (axis("US.alert_rate"), axis("RU.alert_rate"));
    let pair = Pair { a: 0, b: 1, launch_under_attack: LaunchUnderAttack::default() };
    let grid = sweep(&inputs, pair, &x, &y, &|_| {});
    let map = charts::heat_map(
        &grid,
        "First-strike stability index, US–RU, by alert rates".into(),
        "The Kent-Thaler index over the alert rates of U.S. and Russian survivable forces, scenario fas-2025.".into(),
        "first-strike stability index",
        |cell| cell.index,
    );
    let path = out.join("stability-alert-rates.svg");
    data::write_atomically(&path, |w| w.write_all(map.to_svg().as_bytes()))?;
    text.push_str(&format!("  Wrote {} (the index over both sides' alert rates).\n", path.display()));
    let json = serde_json::json!({ "heat_map": path, "least_stable_pair": [weakest.a, weakest.b], "least_stable_index": weakest.stability.index });
    Ok((text, json))
}
