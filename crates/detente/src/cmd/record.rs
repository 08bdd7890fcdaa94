//! `detente log …`: a party's record.

use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use detente_core::Date;
use detente_log::bundle::open_witnessed;
use detente_log::checkpoint::{SignedCheckpoint, encode_hash};
use detente_log::entry::{Body, Content, Entry, Kind, Reference, SignedEntry};
use detente_log::keys::{Algorithm, SigningKey, VerifierKey};
use detente_log::note::Note;
use detente_log::policy::Policy;
use detente_log::{Hash, tree};
use detente_store::Store;
use detente_store::record::{Record, RecordError};

use super::keys::{self, read_input, read_input_text};
use super::store::{record_error, runtime, with_store};
use crate::args::{AppendArgs, LogCommand, ShowArgs};
use crate::{Outcome, bad_input, data};

pub fn run(command: LogCommand) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        match command {
            LogCommand::Init { store, key, party } => {
                let key = keys::signing_key(&key, Algorithm::Ed25519)?;
                let party = party.parse().map_err(|e: detente_core::error::PartyError| bad_input!("--party: {e}"))?;
                with_store!(&store.store, |store| {
                    let record = Record::init(store, key.verifier(), party).await.map_err(record_error)?;
                    println!("started the record of {} (origin {})", record.party().as_str(), record.origin());
                });
                Ok(Outcome::Done)
            }
            LogCommand::Append(args) => {
                let address = args.store.store.clone();
                with_store!(&address, |store| append(open(store).await?, args).await)
            }
            LogCommand::Checkpoint { store, key } => {
                let key = keys::signing_key(&key, Algorithm::Ed25519)?;
                with_store!(&store.store, |store| {
                    let signed = open(store).await?.checkpoint(&key).await.map_err(record_error)?;
                    super::print_text(&signed.note.to_string())?;
                });
                Ok(Outcome::Done)
            }
            LogCommand::Show(args) => {
                let address = args.store.store.clone();
                with_store!(&address, |store| show(open(store).await?, args).await)
            }
            LogCommand::Prove { store, index, out } => {
                with_store!(&store.store, |store| {
                    let bundle = open(store).await?.prove(index).await.map_err(record_error)?.to_string();
                    match out {
                        Some(path) => data::write_atomically(&path, |w| w.write_all(bundle.as_bytes()))?,
                        None => super::print_text(&bundle)?,
                    }
                });
                Ok(Outcome::Done)
            }
            LogCommand::WitnessRequest { store, old } => {
                with_store!(&store.store, |store| {
                    let request = open(store).await?.witness_request(old).await.map_err(record_error)?;
                    super::print_text(&request.to_text())?;
                });
                Ok(Outcome::Done)
            }
            LogCommand::Cosign { store, witness_keys, answer } => {
                let witnesses = keys::verifier_keys(&witness_keys, Algorithm::Cosignature)?;
                let answer = read_input_text(&answer)?;
                with_store!(&store.store, |store| {
                    let verified =
                        open(store).await?.add_cosignatures(&answer, &witnesses).await.map_err(record_error)?;
                    let names: Vec<&str> = verified.iter().map(|v| v.name.as_str()).collect();
                    println!("the checkpoint now carries cosignatures from {}", names.join(", "));
                });
                Ok(Outcome::Done)
            }
            LogCommand::Verify { store, no_signatures, key, policy } => {
                let policy = policy.as_deref().map(keys::policy).transpose()?;
                let trusted = key.as_deref().map(keys::verifier_key).transpose()?;
                with_store!(&store.store, |store| verify(open(store).await?, !no_signatures, trusted, policy).await)
            }
        }
    })
}

/// `log verify`: the audit, against a key the user trusts (from `--key` or
/// the policy), not only the key the store names; then the witnesses.
async fn verify<S: Store>(
    record: Record<S>,
    signatures: bool,
    trusted: Option<VerifierKey>,
    policy: Option<Policy>,
) -> anyhow::Result<Outcome> {
    let party = record.party().as_str();
    let mut anchors: Vec<VerifierKey> = trusted.into_iter().collect();
    if let Some(policy) = &policy {
        anchors.extend(policy.logs().iter().filter(|k| k.name() == record.origin()).cloned());
    }
    if !anchors.is_empty() && !anchors.contains(record.key()) {
        eprintln!(
            "detente: the store's record of {party} is kept under the key {}, which is not a key you trust for {}",
            record.key(),
            record.origin()
        );
        return Ok(Outcome::Findings);
    }
    let report = match record.audit(signatures).await {
        Ok(report) => report,
        Err(RecordError::Tampered(found)) => {
            eprintln!("detente: the record of {party} fails its audit: {found}");
            return Ok(Outcome::Findings);
        }
        Err(other) => return Err(record_error(other)),
    };
    let signatures = if report.signatures_checked { ", every signature" } else { "" };
    println!(
        "ok: {} entries of {party}'s record ({}): every stored hash{signatures} and the checkpoint check out",
        report.entries,
        record.origin()
    );
    println!("root {}", encode_hash(&report.root));
    if anchors.is_empty() {
        println!(
            "note: checked with the key the store names; give --key or --policy to check it against a key you trust"
        );
    }
    match &policy {
        Some(policy) => Ok(witnessing(report.note.as_ref(), policy)),
        None => Ok(Outcome::Done),
    }
}

async fn open<S: Store>(store: S) -> anyhow::Result<Record<S>> {
    Record::open(store).await.map_err(record_error)
}

/// Reports whether a checkpoint has its quorum under a policy; an
/// unwitnessed checkpoint, or one the policy does not trust, is a finding.
fn witnessing(note: Option<&Note>, policy: &Policy) -> Outcome {
    let Some(note) = note else {
        println!("UNWITNESSED: there is no checkpoint yet");
        return Outcome::Findings;
    };
    let witnessed = match open_witnessed(&note.to_string(), policy) {
        Ok(witnessed) => witnessed,
        Err(error) => {
            println!("NOT TRUSTED: under the policy, {error}");
            return Outcome::Findings;
        }
    };
    let size = witnessed.signed.checkpoint.size;
    let by = if witnessed.cosigners.is_empty() { "nobody".to_string() } else { witnessed.cosigners.join(", ") };
    let quorum = policy.describe_quorum();
    if witnessed.quorum_met {
        println!("witnessed: checkpoint {size} cosigned by {by}; quorum {quorum} met");
        Outcome::Done
    } else {
        println!("UNWITNESSED: checkpoint {size} cosigned by {by}; quorum {quorum} not met");
        Outcome::Findings
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

async fn append<S: Store>(record: Record<S>, args: AppendArgs) -> anyhow::Result<Outcome> {
    let key = keys::signing_key(&args.key, Algorithm::Ed25519)?;
    record.check_signer(&key).map_err(record_error)?;
    let kind: Kind = args.kind.parse().map_err(|e: String| bad_input!("--kind: {e}"))?;
    if args.lines {
        return append_lines(&record, &key, kind, &args).await;
    }
    let mut entries = Vec::new();
    let mut next = record.size().await.map_err(record_error)?;
    for path in &args.files {
        let bytes = read_input(path)?;
        let body = body(kind, &args, Some((path, &bytes)))?;
        let content = Content::of(&media_type(&args, path), bytes);
        entries.push(sign(&record, &key, next, body, content, path)?);
        next += 1;
    }
    let appended = record.append(&entries).await.map_err(record_error)?;
    for (index, (entry, path)) in appended.clone().zip(entries.iter().zip(&args.files)) {
        println!("{index}\t{}\t{}", entry.leaf_hash(), path.display());
    }
    if args.checkpoint {
        print_checkpoint(&record.checkpoint(&key).await.map_err(record_error)?)?;
    }
    Ok(Outcome::Done)
}

fn sign<S: Store>(
    record: &Record<S>,
    key: &SigningKey,
    sequence: u64,
    body: Body,
    content: Content,
    path: &Path,
) -> anyhow::Result<SignedEntry> {
    let entry = Entry { party: record.party().clone(), sequence, time: now(), body, content };
    entry.sign(key).map_err(|e| bad_input!("{}: {e}", path.display()))
}

/// Records each line of the input as an entry, committing every `--batch`
/// lines and printing `committed <size>` once each commit is durable.
async fn append_lines<S: Store>(
    record: &Record<S>,
    key: &SigningKey,
    kind: Kind,
    args: &AppendArgs,
) -> anyhow::Result<Outcome> {
    let body = body(kind, args, None)?;
    let mut next = record.size().await.map_err(record_error)?;
    let mut batch = Vec::with_capacity(args.batch);
    let mut out = std::io::stdout();
    for path in &args.files {
        let reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(data::open(path)?))
        };
        let media_type = media_type(args, path);
        for line in reader.lines() {
            let line = line.map_err(|e| bad_input!("{}: {e}", path.display()))?;
            let content = Content::of(&media_type, line.into_bytes());
            batch.push(sign(record, key, next + batch.len() as u64, body.clone(), content, path)?);
            if batch.len() >= args.batch.max(1) {
                next = commit(record, key, &mut batch, args.checkpoint, &mut out).await?;
            }
        }
    }
    if !batch.is_empty() {
        commit(record, key, &mut batch, args.checkpoint, &mut out).await?;
    }
    Ok(Outcome::Done)
}

async fn commit<S: Store>(
    record: &Record<S>,
    key: &SigningKey,
    batch: &mut Vec<SignedEntry>,
    checkpoint: bool,
    out: &mut std::io::Stdout,
) -> anyhow::Result<u64> {
    let appended = record.append(batch).await.map_err(record_error)?;
    batch.clear();
    writeln!(out, "committed {}", appended.end)?;
    if checkpoint {
        let signed = record.checkpoint(key).await.map_err(record_error)?;
        writeln!(out, "checkpoint {} {}", signed.checkpoint.size, encode_hash(&signed.checkpoint.root))?;
    }
    out.flush()?;
    Ok(appended.end)
}

fn print_checkpoint(signed: &SignedCheckpoint) -> anyhow::Result<()> {
    super::print_text(&signed.note.to_string())
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
/// its date from the declaration file itself, which must read cleanly.
fn body(kind: Kind, args: &AppendArgs, document: Option<(&Path, &[u8])>) -> anyhow::Result<Body> {
    let treaty = args.treaty.clone();
    let needs =
        |option: &Option<String>, name: &str| option.clone().ok_or_else(|| bad_input!("--kind {kind} needs --{name}"));
    let reference = args.refers_to.as_deref().map(reference).transpose()?;
    Ok(match kind {
        Kind::Declaration => {
            let (path, bytes) =
                document.ok_or_else(|| bad_input!("--kind declaration records whole files, not --lines"))?;
            let catalogue = data::catalogue(None)?;
            let declaration = data::declaration(path, &catalogue, bytes)?;
            Body::Declaration { treaty, as_of: declaration.header().as_of }
        }
        Kind::Notification => {
            Body::Notification { treaty, notice: needs(&args.notice, "notice")?, refers_to: reference }
        }
        Kind::Receipt => Body::Receipt { of: reference.ok_or_else(|| bad_input!("--kind receipt needs --refers-to"))? },
        Kind::InspectionReport => Body::InspectionReport { treaty, inspection: needs(&args.inspection, "inspection")? },
        Kind::Concern => Body::Concern { treaty, about: reference },
        Kind::EscrowCommitment => {
            let root = needs(&args.escrow_root, "escrow-root")?;
            let root =
                parse_hex_hash(&root).ok_or_else(|| bad_input!("--escrow-root: expected 64 hexadecimal digits"))?;
            let leaves =
                args.escrow_leaves.ok_or_else(|| bad_input!("--kind escrow-commitment needs --escrow-leaves"))?;
            Body::EscrowCommitment { treaty, root, leaves }
        }
    })
}

fn parse_hex_hash(text: &str) -> Option<Hash> {
    if text.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(Hash(bytes))
}

/// `PARTY:SEQUENCE:LEAFHASH`.
fn reference(text: &str) -> anyhow::Result<Reference> {
    let bad = || bad_input!("--refers-to: expected PARTY:SEQUENCE:LEAFHASH (hex), found {text:?}");
    let mut parts = text.split(':');
    let (Some(party), Some(sequence), Some(hash), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok(Reference {
        party: party.parse().map_err(|_| bad())?,
        sequence: sequence.parse().map_err(|_| bad())?,
        leaf_hash: parse_hex_hash(hash).ok_or_else(bad)?,
    })
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i32;
    let rest = seconds % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", Date::from_day_number(days), rest / 3600, rest % 3600 / 60, rest % 60)
}

#[derive(serde::Serialize)]
struct EntryView {
    index: u64,
    leaf_hash: String,
    kind: &'static str,
    time: String,
    subject: String,
    content: String,
}

fn view(index: u64, bytes: &[u8]) -> EntryView {
    let leaf_hash = Hash::leaf(bytes).to_hex();
    match SignedEntry::decode(bytes) {
        Ok(signed) => {
            let entry = signed.entry();
            EntryView {
                index,
                leaf_hash,
                kind: entry.body.kind().name(),
                time: utc(entry.time),
                subject: subject(&entry.body),
                content: match &entry.content {
                    Content::Inline { media_type, bytes } => format!("{media_type}, {} bytes inline", bytes.len()),
                    Content::Digest { media_type, sha256, size } => {
                        format!("{media_type}, {size} bytes, sha256 {}", Hash(*sha256).to_hex())
                    }
                },
            }
        }
        Err(error) => EntryView {
            index,
            leaf_hash,
            kind: "unreadable",
            time: String::new(),
            subject: error.to_string(),
            content: String::new(),
        },
    }
}

fn subject(body: &Body) -> String {
    let reference = |r: &Reference| format!("{}:{}:{}", r.party.as_str(), r.sequence, r.leaf_hash.to_hex());
    match body {
        Body::Declaration { treaty, as_of } => format!("{treaty} as of {as_of}"),
        Body::Notification { treaty, notice, refers_to } => {
            let about = refers_to.as_ref().map(|r| format!(", on {}", reference(r))).unwrap_or_default();
            format!("{treaty} {notice}{about}")
        }
        Body::Receipt { of } => format!("receipt of {}", reference(of)),
        Body::InspectionReport { treaty, inspection } => format!("{treaty} {inspection}"),
        Body::Concern { treaty, about } => {
            let about = about.as_ref().map(|r| format!(" about {}", reference(r))).unwrap_or_default();
            format!("{treaty}{about}")
        }
        Body::EscrowCommitment { treaty, root, leaves } => {
            format!("{treaty} escrow of {leaves} leaves, root {}", root.to_hex())
        }
    }
}

async fn show<S: Store>(record: Record<S>, args: ShowArgs) -> anyhow::Result<Outcome> {
    let size = record.size().await.map_err(record_error)?;
    let end = args.from.saturating_add(args.limit).min(size);
    let start = args.from.min(end);
    let entries = record.store().read_entries(start, end).await?;
    let views: Vec<EntryView> = (start..).zip(&entries).map(|(i, bytes)| view(i, bytes)).collect();
    let latest = record.latest().await.map_err(record_error)?;
    if args.json {
        #[derive(serde::Serialize)]
        struct Show<'a> {
            origin: &'a str,
            party: &'a str,
            verifier_key: String,
            size: u64,
            checkpoint: Option<String>,
            entries: Vec<EntryView>,
        }
        super::print_json(&Show {
            origin: record.origin(),
            party: record.party().as_str(),
            verifier_key: record.key().to_string(),
            size,
            checkpoint: latest.as_ref().map(|l| l.note.to_string()),
            entries: views,
        })?;
        return Ok(Outcome::Done);
    }
    let mut text = format!(
        "record of {} ({})\nkey {}\n{size} entries, {} stored hashes\n",
        record.party().as_str(),
        record.origin(),
        record.key(),
        tree::stored_hash_count(size)
    );
    match &latest {
        Some(latest) => text.push_str(&format!(
            "checkpoint: size {}, root {}, {} signature lines\n",
            latest.checkpoint.size,
            encode_hash(&latest.checkpoint.root),
            latest.note.signatures().len()
        )),
        None => text.push_str("checkpoint: none yet\n"),
    }
    if !views.is_empty() {
        text.push_str("\nindex  kind               time                  subject / content\n");
    }
    for view in &views {
        text.push_str(&format!(
            "{:<6} {:<18} {:<21} {}\n       {:<40} leaf {}\n",
            view.index,
            view.kind,
            view.time,
            view.subject,
            view.content,
            &view.leaf_hash[..16]
        ));
    }
    if end < size {
        text.push_str(&format!("… {} more (use --from and --limit)\n", size - end));
    }
    super::print_text(&text)?;
    match &args.policy {
        Some(policy) => Ok(witnessing(latest.as_ref().map(|l| &l.note), &keys::policy(policy)?)),
        None => Ok(Outcome::Done),
    }
}
