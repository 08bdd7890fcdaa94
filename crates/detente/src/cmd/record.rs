//! `detente log …`: a party's record.

use std::io::BufRead as _;
use std::path::Path;

use detente_log::checkpoint::SignedCheckpoint;
use detente_log::checkpoint::encode_hash;
use detente_log::entry::{Body, Kind, SignedEntry};
use detente_log::keys::{Algorithm, VerifierKey};
use detente_log::policy::Policy;
use detente_store::admission::Draft;
use detente_store::record::{Record, RecordError};
use detente_store::signer::Signer;
use detente_store::{AnyStore, LogStore};
use detente_treaty::Catalogue;
use serde::Serialize;

use super::Context;
use crate::args::{AppendArgs, LogCommand, ShowArgs};
use crate::bad_input;
use crate::data::{self, Extension};
use crate::error::Outcome;
use crate::inputs::{self, read_input, read_input_text};
use crate::report::record::{self as render, WitnessStatus};
use crate::stores::{open_record, open_record_read_only, open_store, record_error, runtime};

pub fn run(command: LogCommand, context: &Context) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        match command {
            LogCommand::Init { store, key, party } => {
                let key = inputs::signing_key(&key, Algorithm::Ed25519)?;
                let record =
                    Record::init(open_store(&store.store).await?, key.verifier(), party).await.map_err(record_error)?;
                #[derive(Serialize)]
                struct Started<'a> {
                    party: &'a str,
                    origin: &'a str,
                }
                let started = Started { party: record.party().as_str(), origin: record.origin() };
                context
                    .out
                    .result(&started, |s| format!("started the record of {} (origin {})\n", s.party, s.origin))?;
                Ok(Outcome::Done)
            }
            LogCommand::Append(args) => append(open_record(&args.store.store).await?, *args, context).await,
            LogCommand::Checkpoint { store, key } => {
                let signer = inputs::signer(&key)?;
                let signed = open_record(&store.store).await?.checkpoint(&signer).await.map_err(record_error)?;
                context.out.result(&render::CheckpointView::of(&signed), |view| view.note.clone())?;
                Ok(Outcome::Done)
            }
            LogCommand::Show(args) => show(open_record_read_only(&args.store.store).await?, args, context).await,
            LogCommand::Prove { store, index, out } => {
                let bundle = open_record_read_only(&store.store).await?.prove(index).await.map_err(record_error)?;
                let text = bundle.to_string();
                if let Some(path) = &out {
                    context.out.file(path, text.as_bytes())?;
                }
                #[derive(Serialize)]
                struct Proven<'a> {
                    index: u64,
                    bundle: &'a str,
                }
                if out.is_none() || context.out.json_wanted() {
                    context.out.result(&Proven { index, bundle: &text }, |p| p.bundle.to_owned())?;
                }
                Ok(Outcome::Done)
            }
            LogCommand::WitnessRequest { store, witness, old } => {
                let witness = inputs::verifier_key(&witness)?;
                let record = open_record(&store.store).await?;
                let request = match old {
                    Some(old) => record.witness_request(old).await,
                    None => record.witness_request_for(&witness).await,
                }
                .map_err(record_error)?;
                #[derive(Serialize)]
                struct Request {
                    old_size: u64,
                    request: String,
                }
                let request = Request { old_size: request.old_size, request: request.to_text() };
                context.out.result(&request, |r| r.request.clone())?;
                Ok(Outcome::Done)
            }
            LogCommand::Cosign { store, witness_keys, answer } => {
                let witnesses = inputs::verifier_keys(&witness_keys, Algorithm::Cosignature)?;
                let answer = read_input_text(&answer)?;
                let record = open_record(&store.store).await?;
                if let Ok(size) = answer.trim().parse::<u64>() {
                    return note_witness_size(&record, &witnesses, size, context).await;
                }
                let verified = record.add_cosignatures(&answer, &witnesses).await.map_err(record_error)?;
                let names: Vec<String> = verified.iter().map(|v| v.name.clone()).collect();
                context.out.result(&names, |names| {
                    format!("the checkpoint now carries cosignatures from {}\n", names.join(", "))
                })?;
                Ok(Outcome::Done)
            }
            LogCommand::Verify { store, no_signatures, key, policy, since, trust_store_key } => {
                if key.is_none() && policy.is_none() && since.is_none() && !trust_store_key {
                    return Err(bad_input!(
                        "log verify needs a trust anchor: the log's key (--key), a policy naming it (--policy) \
                         or a checkpoint you hold (--since); --trust-store-key trusts whoever wrote the store"
                    ));
                }
                let anchor = Anchor {
                    key: key.as_deref().map(inputs::verifier_key).transpose()?,
                    policy: policy.as_deref().map(inputs::policy).transpose()?,
                    since: since
                        .as_deref()
                        .map(|path| Ok::<_, anyhow::Error>((path, read_input_text(path)?)))
                        .transpose()?,
                };
                verify(open_record_read_only(&store.store).await?, !no_signatures, anchor, context).await
            }
        }
    })
}

/// A witness's 409 answer, its own size: noted, so the next request starts there.
async fn note_witness_size(
    record: &Record<AnyStore>,
    witnesses: &[VerifierKey],
    size: u64,
    context: &Context,
) -> anyhow::Result<Outcome> {
    let [witness] = witnesses else {
        return Err(bad_input!("a witness's size (its 409 answer) is one witness's: give its --witness-key alone"));
    };
    record.note_witness_size(witness, size).await.map_err(record_error)?;
    context.out.result(&serde_json::json!({ "witness": witness.to_string(), "size": size }), |_| {
        format!("{} is at size {size}; the next witness-request to it starts there\n", witness.name())
    })?;
    Ok(Outcome::Done)
}

/// What `log verify` trusts instead of the store: the log's key, a policy
/// naming it, a checkpoint held (the file and its text).
struct Anchor<'a> {
    key: Option<VerifierKey>,
    policy: Option<Policy>,
    since: Option<(&'a Path, String)>,
}

/// `log verify`: the audit, against what the user trusts (a key, a policy,
/// a checkpoint held), never only what the store says of itself; then the
/// checkpoint's freshness and the witnesses.
async fn verify(
    record: Record<AnyStore>,
    signatures: bool,
    anchor: Anchor<'_>,
    context: &Context,
) -> anyhow::Result<Outcome> {
    let Anchor { key, policy, since } = anchor;
    let party = record.party().as_str();
    let mut anchors: Vec<VerifierKey> = key.into_iter().collect();
    let named: Option<Vec<VerifierKey>> =
        policy.as_ref().map(|p| p.logs().iter().filter(|k| k.name() == record.origin()).cloned().collect());
    anchors.extend(named.iter().flatten().cloned());
    let failed = |problem: String| -> anyhow::Result<Outcome> {
        if context.out.json_wanted() {
            context.out.json_value(&serde_json::json!({ "ok": false, "party": party, "problem": problem }))?;
        }
        context.out.note(&format!("detente: {problem}"));
        Ok(Outcome::Findings)
    };
    if named.is_some_and(|named| named.is_empty()) {
        return failed(format!(
            "the store holds the record of {}, a log the policy does not name: it is not a record you trust",
            record.origin()
        ));
    }
    if !anchors.is_empty() && !anchors.contains(record.key()) {
        return failed(format!(
            "the store's record of {party} is kept under the key {}, which is not a key you trust for {}",
            record.key(),
            record.origin()
        ));
    }
    // A held checkpoint must be the record's key's: the store's key is
    // checked against the other anchors above, and with --since alone, a
    // store re-keyed by someone else fails here.
    let trusted = match &since {
        Some((path, text)) => match SignedCheckpoint::open(text, record.key(), &[]) {
            Ok(signed) => Some(signed.checkpoint),
            Err(e) => {
                return failed(format!(
                    "{}: the trusted checkpoint is not one the store's key {} signed: {e}",
                    path.display(),
                    record.key()
                ));
            }
        },
        None => None,
    };
    let report = match record.audit(signatures, trusted.as_ref()).await {
        Ok(report) => report,
        Err(RecordError::Tampered(found)) => return failed(format!("the record of {party} fails its audit: {found}")),
        Err(other) => return Err(record_error(other)),
    };
    let Some(checkpoint) = &report.checkpoint else {
        return failed(format!("the store holds no signed checkpoint of {party}'s record: nothing in it is signed"));
    };
    if checkpoint.size < report.entries {
        return failed(format!(
            "the checkpoint is stale: it covers {} of the {} entries, so entries {}..{} are signed by no checkpoint \
             (the operator signs them with `detente log checkpoint`)",
            checkpoint.size, report.entries, checkpoint.size, report.entries
        ));
    }
    let witnessed = policy.as_ref().map(|policy| WitnessStatus::of(report.note.as_ref(), policy));
    let verified = render::Verified {
        ok: true,
        party,
        origin: record.origin(),
        entries: report.entries,
        root: encode_hash(&report.root),
        signatures_checked: report.signatures_checked,
        against_trusted_key: !anchors.is_empty() || trusted.is_some(),
        extends: trusted.as_ref().map(|t| t.size),
        witnessed: witnessed.as_ref(),
    };
    context.out.result(&verified, render::verified)?;
    Ok(if witnessed.is_some_and(|w| !w.quorum_met) { Outcome::Findings } else { Outcome::Done })
}

async fn append(record: Record<AnyStore>, args: AppendArgs, context: &Context) -> anyhow::Result<Outcome> {
    let signer = inputs::signer(&args.key)?;
    record.check_signer(signer.key()).map_err(record_error)?;
    let catalogue = context.catalogue()?;
    if args.lines {
        return append_lines(&record, &signer, &catalogue, &args, context).await;
    }
    let mut drafts = Vec::new();
    for path in &args.files {
        let bytes = read_input(path)?;
        let media_type = media_type(&args, path);
        let body = body(&args, Some((path, &media_type, &bytes)), &catalogue)?;
        drafts.push(Draft { body, media_type, bytes });
    }
    let appended = submit(&record, &signer, &catalogue, &drafts, context, &args.files).await?;
    let rows: Vec<render::Appended> = appended
        .iter()
        .zip(&args.files)
        .map(|(entry, path)| render::Appended {
            index: entry.entry().sequence,
            leaf_hash: entry.leaf_hash().to_hex(),
            document: path.display().to_string(),
        })
        .collect();
    let checkpoint = match args.checkpoint {
        true => Some(render::CheckpointView::of(&record.checkpoint(&signer).await.map_err(record_error)?)),
        false => None,
    };
    context.out.result(&(rows, checkpoint), |(rows, checkpoint)| render::appended(rows, checkpoint.as_ref()))?;
    Ok(Outcome::Done)
}

/// Submits drafts; a refused document is named by its file.
async fn submit(
    record: &Record<AnyStore>,
    signer: &Signer,
    catalogue: &Catalogue,
    drafts: &[Draft],
    context: &Context,
    files: &[std::path::PathBuf],
) -> anyhow::Result<Vec<SignedEntry>> {
    record.submit(signer, catalogue, drafts, context.now()).await.map_err(|error| match error {
        RecordError::Refused { position, reason } => {
            let file = files.get(position).or(files.first()).map_or("-".into(), |p| p.display().to_string());
            bad_input!("{file}: not signed: {reason}")
        }
        other => record_error(other),
    })
}

/// Records each line of the input as an entry, committing every `--batch`
/// lines and printing `committed <size>` (with `--json`, one JSON object a
/// line) once each commit is durable.
async fn append_lines(
    record: &Record<AnyStore>,
    signer: &Signer,
    catalogue: &Catalogue,
    args: &AppendArgs,
    context: &Context,
) -> anyhow::Result<Outcome> {
    let body = body(args, None, catalogue)?;
    let batch_size = args.batch as usize;
    let mut batch = Vec::with_capacity(batch_size);
    for path in &args.files {
        let reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(data::open(path)?))
        };
        let media_type = media_type(args, path);
        for line in reader.lines() {
            let line = line.map_err(|e| bad_input!("{}: {e}", path.display()))?;
            batch.push(Draft { body: body.clone(), media_type: media_type.clone(), bytes: line.into_bytes() });
            if batch.len() >= batch_size {
                commit(record, signer, catalogue, &mut batch, args, context, path).await?;
            }
        }
    }
    if let (false, Some(last)) = (batch.is_empty(), args.files.last()) {
        commit(record, signer, catalogue, &mut batch, args, context, last).await?;
    }
    Ok(Outcome::Done)
}

async fn commit(
    record: &Record<AnyStore>,
    signer: &Signer,
    catalogue: &Catalogue,
    batch: &mut Vec<Draft>,
    args: &AppendArgs,
    context: &Context,
    path: &Path,
) -> anyhow::Result<()> {
    let appended = submit(record, signer, catalogue, batch, context, &[path.to_path_buf()]).await?;
    batch.clear();
    let committed = appended.last().map_or(0, |e| e.entry().sequence + 1);
    let checkpoint = match args.checkpoint {
        true => Some(record.checkpoint(signer).await.map_err(record_error)?),
        false => None,
    };
    let line = render::Committed {
        committed,
        checkpoint_size: checkpoint.as_ref().map(|c| c.checkpoint.size),
        checkpoint_root: checkpoint.as_ref().map(|c| encode_hash(&c.checkpoint.root)),
    };
    if context.out.json_wanted() { context.out.json_line(&line) } else { context.out.text(&render::committed(&line)) }
}

fn media_type(args: &AppendArgs, path: &Path) -> String {
    if let Some(media_type) = &args.media_type {
        return media_type.clone();
    }
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("txt" | "md") => "text/plain",
        Some("tlog-proof") => "text/x.tlog.proof",
        _ if args.lines => "text/plain",
        _ => "application/octet-stream",
    }
    .into()
}

/// The entry's kind-specific fields from the options. A declaration takes
/// its date from the declaration itself, which must read cleanly (the record
/// checks it again, with everything else, before it signs).
fn body(args: &AppendArgs, document: Option<(&Path, &str, &[u8])>, catalogue: &Catalogue) -> anyhow::Result<Body> {
    let kind = args.kind;
    let treaty = args.treaty.clone();
    let needs =
        |option: &Option<String>, name: &str| option.clone().ok_or_else(|| bad_input!("--kind {kind} needs --{name}"));
    let reference = args.refers_to.clone();
    Ok(match kind {
        Kind::Declaration => {
            let (path, media_type, bytes) =
                document.ok_or_else(|| bad_input!("--kind declaration records whole files, not --lines"))?;
            let format = match media_type {
                "text/csv" => Extension::Csv,
                "application/json" => Extension::Json,
                other => {
                    return Err(bad_input!(
                        "{}: a declaration is CSV or JSON, not {other} (use a .csv or .json file or --media-type)",
                        path.display()
                    ));
                }
            };
            let declaration = data::declaration_in(format, &path.display().to_string(), catalogue, bytes)?;
            Body::Declaration { treaty, as_of: declaration.header().as_of }
        }
        Kind::Notification => {
            Body::Notification { treaty, notice: needs(&args.notice, "notice")?, refers_to: reference }
        }
        Kind::Receipt => Body::Receipt { of: reference.ok_or_else(|| bad_input!("--kind receipt needs --refers-to"))? },
        Kind::InspectionReport => Body::InspectionReport { treaty, inspection: needs(&args.inspection, "inspection")? },
        Kind::Concern => Body::Concern { treaty, about: reference },
        Kind::EscrowCommitment => {
            let root = args.escrow_root.ok_or_else(|| bad_input!("--kind escrow-commitment needs --escrow-root"))?;
            let leaves =
                args.escrow_leaves.ok_or_else(|| bad_input!("--kind escrow-commitment needs --escrow-leaves"))?;
            Body::EscrowCommitment { treaty, root, leaves }
        }
    })
}

async fn show(record: Record<AnyStore>, args: ShowArgs, context: &Context) -> anyhow::Result<Outcome> {
    let size = record.size().await.map_err(record_error)?;
    let end = args.from.saturating_add(args.limit).min(size);
    let start = args.from.min(end);
    let entries = record.store().read_entries(start, end).await?;
    let latest = record.latest().await.map_err(record_error)?;
    let policy = args.policy.as_deref().map(inputs::policy).transpose()?;
    let witnessed = policy.as_ref().map(|policy| WitnessStatus::of(latest.as_ref().map(|l| &l.note), policy));
    let shown = render::Shown {
        origin: record.origin(),
        party: record.party().as_str(),
        verifier_key: record.key().to_string(),
        size,
        checkpoint: latest.as_ref().map(|l| l.note.to_string()),
        checkpoint_view: latest.as_ref().map(render::CheckpointView::of),
        entries: (start..).zip(&entries).map(|(i, bytes)| render::EntryView::of(i, bytes)).collect(),
        witnessed: witnessed.as_ref(),
    };
    context.out.result(&shown, render::shown)?;
    Ok(if witnessed.is_some_and(|w| !w.quorum_met) { Outcome::Findings } else { Outcome::Done })
}
