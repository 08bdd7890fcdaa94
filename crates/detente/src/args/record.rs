//! The record's commands: `log`, `witness` and `verify-proof`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use detente_core::Party;
use detente_log::Hash;
use detente_log::entry::{Kind, Reference};

use super::{StoreArg, values};

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Start a party's record in an empty store, kept under a log key.
    Init {
        #[command(flatten)]
        store: StoreArg,
        /// The log's private key file; its name becomes the record's origin.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The party whose record this is, such as US.
        #[arg(long, value_parser = values::party)]
        party: Party,
    },
    /// Check documents, sign them as entries and append them, durably.
    Append(Box<AppendArgs>),
    /// Sign a checkpoint of the whole record (never one that contradicts the last).
    Checkpoint {
        #[command(flatten)]
        store: StoreArg,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Show the record: its checkpoint, its witnesses and its entries.
    Show(ShowArgs),
    /// Write a C2SP tlog-proof bundle for one entry, against the latest checkpoint.
    Prove {
        #[command(flatten)]
        store: StoreArg,
        /// The entry's index.
        index: u64,
        /// Write the bundle here instead of to standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write the tlog-witness add-checkpoint request that takes a witness to the latest checkpoint,
    /// from the last one it cosigned for this record.
    WitnessRequest {
        #[command(flatten)]
        store: StoreArg,
        /// The witness's verifier key (a file or the key's text).
        #[arg(long, value_name = "VKEY")]
        witness: String,
        /// Start from this size instead (when the witness answered 409 with its own size).
        #[arg(long, value_name = "SIZE")]
        old: Option<u64>,
    },
    /// Add a witness's cosignatures (its add-checkpoint answer) to the latest checkpoint.
    Cosign {
        #[command(flatten)]
        store: StoreArg,
        /// The witnesses' verifier keys (files or key text).
        #[arg(long = "witness-key", value_name = "VKEY", required = true)]
        witness_keys: Vec<String>,
        /// The witness's answer (- for standard input).
        answer: PathBuf,
    },
    /// Audit the record: recompute every hash, check every entry and signature and the checkpoint,
    /// against a trust anchor (--key, --policy or --since).
    Verify {
        #[command(flatten)]
        store: StoreArg,
        /// Skip the entries' signatures (the tree and the checkpoint are still checked).
        #[arg(long)]
        no_signatures: bool,
        /// The log's verifier key as you know it (file or text): the store's own key must be it.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
        /// A tlog-policy file: the store's key must be its log's, and the checkpoint's quorum of
        /// cosignatures is reported.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// A checkpoint you hold (for example with its witnesses' cosignatures): the store must
        /// extend it, so one rolled back behind it or showing another history fails.
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
        /// Check the record against the key the store itself names, trusting whoever wrote the
        /// store: it shows the store is self-consistent, not that it is the party's record.
        #[arg(long, conflicts_with_all = ["key", "policy"])]
        trust_store_key: bool,
    },
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The log's private key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// declaration, notification, receipt, inspection-report, concern or escrow-commitment.
    #[arg(long)]
    pub kind: Kind,
    /// The treaty the entry is made under.
    #[arg(long, default_value = "new-start")]
    pub treaty: String,
    /// For a notification: its kind, one the treaty defines, such as change-in-data.
    #[arg(long)]
    pub notice: Option<String>,
    /// For an inspection report: the inspection's kind, such as type-one.
    #[arg(long)]
    pub inspection: Option<String>,
    /// The entry referred to (a receipt's subject, a notification's or concern's): PARTY:SEQUENCE:LEAFHASH(hex).
    #[arg(long, value_name = "REF", value_parser = values::reference)]
    pub refers_to: Option<Reference>,
    /// For an escrow commitment: the escrow tree's root (hex) and its number of leaves.
    #[arg(long, value_name = "HEX", value_parser = values::hash)]
    pub escrow_root: Option<Hash>,
    #[arg(long, value_name = "N")]
    pub escrow_leaves: Option<u64>,
    /// The documents' media type (by default from the file extension).
    #[arg(long)]
    pub media_type: Option<String>,
    /// Each line of the input is one entry (for streams of notifications).
    #[arg(long)]
    pub lines: bool,
    /// With --lines: entries per durable commit.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Sign a checkpoint after each commit.
    #[arg(long)]
    pub checkpoint: bool,
    /// The documents to record (- for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The first entry to list.
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// How many entries to list.
    #[arg(long, default_value_t = 20)]
    pub limit: u64,
    /// A tlog-policy file: report whether the checkpoint has its quorum of cosignatures.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Answer a tlog-witness add-checkpoint request: cosign, or refuse with 400/403/404/409/422.
    AddCheckpoint {
        #[command(flatten)]
        witness: WitnessArgs,
        /// The request body (- for standard input).
        request: PathBuf,
    },
    /// Serve tlog-witness over HTTP: POST /add-checkpoint, until interrupted.
    Serve {
        #[command(flatten)]
        witness: WitnessArgs,
        /// The address to listen on (port 0: any free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        tls: TlsArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print each fork this witness was shown and kept, as a bundle anyone can check.
    Evidence {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Check a fork bundle (from `witness evidence`) with the log's key alone.
    CheckEvidence {
        /// The bundle (- for standard input).
        bundle: PathBuf,
        /// The log's verifier key (a file or the key's text).
        #[arg(long, value_name = "VKEY")]
        log_key: String,
    },
}

/// Serving over TLS: required to listen off loopback.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// The server's certificate chain (PEM); nodes pin its key's SHA-256
    /// (`spki_sha256`, as `detente init --tls` prints one).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_certificate: Option<PathBuf>,
    /// The certificate's private key (PEM, mode 0600).
    #[arg(long, value_name = "FILE", requires = "tls_certificate")]
    pub tls_key: Option<PathBuf>,
}

/// What a witness needs: its store, its key and the logs it follows.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The witness's private (cosigner) key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The verifier keys of the logs this witness follows (files or key text).
    #[arg(long = "log-key", value_name = "VKEY", required = true)]
    pub log_keys: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The .tlog-proof bundle.
    pub bundle: PathBuf,
    /// The tlog-policy file: trusted logs, witnesses and the quorum.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
}

/// The limits a server runs under (`detente_node::http::Limits`); each
/// defaults to the value given there.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers; also the longest a
    /// kept-alive connection may sit idle [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: Option<u64>,
    /// Seconds a client has to send a request's body [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: Option<u64>,
    /// Seconds a connection is kept at most, however busy [default: 60].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connection_age: Option<u64>,
    /// Connections held open at once; more wait to be accepted [default: 1024].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// Requests handled at once [default: 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: Option<u32>,
    /// The largest request body taken, in bytes; larger ones get 413 [default: 65536].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_body_bytes: Option<u32>,
}

impl LimitArgs {
    /// The limits, each given one replacing its default: resolved once, here.
    pub fn resolve(&self) -> detente_node::http::Limits {
        let default = detente_node::http::Limits::default();
        let seconds = std::time::Duration::from_secs;
        detente_node::http::Limits {
            header_timeout: self.header_timeout.map_or(default.header_timeout, seconds),
            body_timeout: self.body_timeout.map_or(default.body_timeout, seconds),
            max_connection_age: self.max_connection_age.map_or(default.max_connection_age, seconds),
            max_connections: self.max_connections.map_or(default.max_connections, |n| n as usize),
            max_in_flight: self.max_in_flight.map_or(default.max_in_flight, |n| n as usize),
            max_body_bytes: self.max_body_bytes.map_or(default.max_body_bytes, |n| n as usize),
            shutdown_grace: default.shutdown_grace,
        }
    }
}
