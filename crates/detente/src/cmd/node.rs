//! `detente init` and `detente node`: writing a working node, and running one.

use std::path::Path;

use detente_log::keys::{Algorithm, SigningKey};
use detente_node::party::{ConfigFile, Node, Setup, token_hash};
use detente_store::Address;
use detente_store::record::{Record, RecordError};
use serde::Serialize;

use super::Context;
use super::keys::write_private;
use crate::args::{InitArgs, NodeArgs};
use crate::error::Outcome;
use crate::inputs::{self, fresh_seed};
use crate::stores::{open_store, record_error, server_runtime};
use crate::{bad_input, data};

/// What `init` wrote.
#[derive(Serialize)]
pub(super) struct Written {
    config: String,
    verifier_key: String,
    witness_key: String,
    /// The SHA-256 of the TLS certificate's public key, with `--tls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    spki_sha256: Option<String>,
    operator_token_file: String,
    observer_token_file: String,
}

pub fn init(args: InitArgs, context: &Context) -> anyhow::Result<Outcome> {
    let written = write_node(&args)?;
    context.out.result(&written, |w| format!("{}\n", w.config))?;
    context.out.note(&format!("start it with: detente node --config {}", written.config));
    Ok(Outcome::Done)
}

/// Writes a working node into `args.dir`: its keys, tokens, declaration and
/// configuration.
pub(super) fn write_node(args: &InitArgs) -> anyhow::Result<Written> {
    let dir = &args.dir;
    let config_path = dir.join("node.toml");
    if config_path.exists() {
        return Err(bad_input!("{} already exists; a node is never overwritten", config_path.display()));
    }
    let party = args.party.as_str().to_ascii_lowercase();
    let declaration = match &args.declaration {
        Some(path) => {
            let name =
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "declaration".into());
            let text = std::fs::read(path).map_err(|e| bad_input!("{}: {e}", path.display()))?;
            Some((name, text))
        }
        None => {
            let name = format!("{party}-2020-09-01.csv");
            data::shipped(&format!("declarations/{name}")).map(|text| (name, text.as_bytes().to_vec()))
        }
    };
    let key = SigningKey::from_seed(&format!("{party}.detente.local/record"), Algorithm::Ed25519, fresh_seed()?)
        .map_err(|e| bad_input!("--party: {e}"))?;
    write_private(&dir.join(format!("{party}.key")), &format!("{}\n", key.to_private_text()))?;
    data::write_atomically(&dir.join(format!("{party}.vkey")), |out| writeln!(out, "{}", key.verifier()))?;
    let witness =
        SigningKey::from_seed(&format!("{party}.detente.local/witness"), Algorithm::Cosignature, fresh_seed()?)
            .map_err(|e| bad_input!("--party: {e}"))?;
    write_private(&dir.join(format!("{party}-witness.key")), &format!("{}\n", witness.to_private_text()))?;
    data::write_atomically(&dir.join(format!("{party}-witness.vkey")), |out| writeln!(out, "{}", witness.verifier()))?;
    let mut tokens = Vec::new();
    for role in ["operator", "observer"] {
        let token = fresh_seed()?.iter().map(|b| format!("{b:02x}")).collect::<String>();
        write_private(&dir.join(format!("{role}.token")), &format!("{token}\n"))?;
        tokens.push(token_hash(&token));
    }
    let (tls_section, spki_sha256) = match args.tls {
        true => {
            let (section, pin) = write_certificate(dir, &party, args.listen)?;
            (section, Some(pin))
        }
        false => (String::new(), None),
    };
    let declaration_line = match &declaration {
        Some((name, bytes)) => {
            data::write_atomically(&dir.join(name), |out| out.write_all(bytes))?;
            format!("declaration = \"{name}\"\n")
        }
        None => "# declaration = \"FILE\"  (the party's full declaration, recorded on the first start)\n".into(),
    };
    let config = format!(
        "# A detente node (docs/node.md). Paths are relative to this file.\n\
         party = \"{party_code}\"\n\
         listen = \"{listen}\"\n\
         key = \"{party}.key\"\n\
         store = \"sqlite:{party}.db\"\n\
         treaty = \"new-start\"\n\
         {declaration_line}\
         # This node witnesses its peers' records with this key.\n\
         witness_key = \"{party}-witness.key\"\n\
         # The witnesses of this record and their quorum (a C2SP tlog-policy).\n\
         # policy = \"record.policy\"\n\n\
         {tls_section}\
         # SHA-256 of the tokens in operator.token and observer.token.\n\
         [tokens]\n\
         operator_sha256 = \"{operator}\"\n\
         observer_sha256 = \"{observer}\"\n",
        party_code = args.party,
        listen = args.listen,
        operator = tokens[0],
        observer = tokens[1],
    );
    ConfigFile::parse(&config, dir).map_err(|e| anyhow::anyhow!("init wrote a configuration it cannot read: {e}"))?;
    data::write_atomically(&config_path, |out| out.write_all(config.as_bytes()))?;
    Ok(Written {
        config: config_path.display().to_string(),
        verifier_key: key.verifier().to_string(),
        witness_key: witness.verifier().to_string(),
        spki_sha256,
        operator_token_file: dir.join("operator.token").display().to_string(),
        observer_token_file: dir.join("observer.token").display().to_string(),
    })
}

/// Writes a self-signed certificate for `listen` and localhost, with its
/// key (mode 0600) and its pin (`<party>.spki`): the configuration's
/// `[tls]` section, and the pin.
fn write_certificate(dir: &Path, party: &str, listen: std::net::SocketAddr) -> anyhow::Result<(String, String)> {
    let key = rcgen::KeyPair::generate().map_err(|e| anyhow::anyhow!("making the TLS key: {e}"))?;
    let names = vec!["localhost".to_owned(), listen.ip().to_string()];
    let params = rcgen::CertificateParams::new(names).map_err(|e| anyhow::anyhow!("the certificate's names: {e}"))?;
    let certificate = params.self_signed(&key).map_err(|e| anyhow::anyhow!("signing the certificate: {e}"))?;
    let pem = certificate.pem();
    let pin = detente_node::tls::spki_sha256_of_pem(pem.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    write_private(&dir.join(format!("{party}.tls.key")), &key.serialize_pem())?;
    data::write_atomically(&dir.join(format!("{party}.tls.crt")), |out| out.write_all(pem.as_bytes()))?;
    data::write_atomically(&dir.join(format!("{party}.spki")), |out| writeln!(out, "{pin}"))?;
    let section = format!(
        "# The node's certificate; peers pin its key by the SHA-256 in {party}.spki.\n\
         [tls]\n\
         certificate = \"{party}.tls.crt\"\n\
         key = \"{party}.tls.key\"\n\n"
    );
    Ok((section, pin))
}

pub fn run(args: NodeArgs, context: &Context) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(&args.config).map_err(|e| bad_input!("{}: {e}", args.config.display()))?;
    let folder = args.config.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let config = ConfigFile::parse(&text, folder).map_err(|e| bad_input!("{}: {e}", args.config.display()))?;
    let signer = inputs::signer(&config.key)?;
    let mut catalogue = context.catalogue()?;
    for path in &config.treaties {
        let treaty = std::fs::read_to_string(path).map_err(|e| bad_input!("{}: {e}", path.display()))?;
        catalogue
            .add_treaty(&path.display().to_string(), &treaty)
            .map_err(|e| bad_input!("{}: {e}", path.display()))?;
    }
    let declaration = match &config.declaration {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| bad_input!("{}: {e}", path.display()))?;
            let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
            Some((if json { "application/json" } else { "text/csv" }.to_owned(), bytes))
        }
    };
    let policy = config.policy.as_deref().map(inputs::policy).transpose()?;
    let cosigner =
        config.witness_key.as_deref().map(|path| inputs::signing_key(path, Algorithm::Cosignature)).transpose()?;
    let tls = config.tls.as_ref().map(|files| inputs::tls_acceptor(&files.certificate, &files.key)).transpose()?;
    let address = Address::parse(&config.store).map_err(|e| bad_input!("store: {e}"))?;
    // Logs go to standard error; they name parties, kinds and sequence
    // numbers, never keys or tokens.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(colour).with_target(false).try_init();
    server_runtime()?.block_on(async {
        let store = open_store(&address).await?;
        let record = match Record::open(store.clone()).await {
            Err(RecordError::NotInitialised) => {
                Record::init(store, signer.key().verifier(), config.party.clone()).await
            }
            opened => opened,
        }
        .map_err(record_error)?;
        if record.party() != &config.party {
            return Err(bad_input!(
                "{}: the store keeps {}'s record, not {}'s",
                config.store,
                record.party(),
                config.party
            ));
        }
        let peers = config.peers.iter().map(|p| p.resolve(&config.party)).collect::<Result<Vec<_>, _>>();
        let peers = peers.map_err(|e| bad_input!("{}: field peers: {e}", args.config.display()))?;
        let witnessed = config.witnessed.iter().map(|key| detente_log::keys::VerifierKey::parse(key));
        let witnessed = witnessed
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad_input!("{}: field witnessed: {e}", args.config.display()))?;
        let setup = Setup {
            catalogue,
            treaty: config.treaty.clone(),
            tokens: config.tokens.clone(),
            clock: context.clock.clone(),
            declaration,
            peers,
            policy,
            witness_pins: config.witness_pins.clone(),
            cosigner,
            witnessed,
            tls,
        };
        let node =
            Node::start(record, signer, setup).await.map_err(|e| bad_input!("{}: {e}", args.config.display()))?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("{}: cannot listen on {}: {e}", args.config.display(), config.listen))?;
        let interrupted = crate::stores::interrupted()?;
        let scheme = if config.tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr()?);
        match context.out.json_wanted() {
            true => context.out.json_line(&serde_json::json!({ "party": config.party, "listening": url }))?,
            false => context.out.text(&format!("node {} listening on {url}\n", config.party))?,
        }
        tracing::info!(party = %config.party, %url, "node started");
        detente_node::party::run(node, listener, interrupted).await?;
        tracing::info!(party = %config.party, "node stopped");
        Ok(Outcome::Done)
    })
}
