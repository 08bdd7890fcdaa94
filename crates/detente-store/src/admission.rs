//! What a record will sign under its own key. A party's log signs only what
//! it has checked: a declaration must be the log's own party's, readable, and
//! under a treaty the catalogue knows; a notice must be of a kind its treaty
//! defines. Pure: the caller hands in the document's bytes and the catalogue.

use detente_core::codec::{self, DecodeError};
use detente_core::error::quoted;
use detente_core::{Date, Party};
use detente_log::entry::{Body, Reference};
use detente_treaty::Catalogue;

/// A document on its way to becoming an entry: what it says it is, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub body: Body,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("unknown treaty {}: the catalogue knows {known}", quoted(treaty))]
    UnknownTreaty { treaty: String, known: String },
    #[error("{treaty} defines no notification of kind {}; it defines {known}", quoted(notice))]
    UnknownNotice { treaty: String, notice: String, known: String },
    #[error("it is a declaration of {declared}, and this is the record of {log}")]
    OtherParty { declared: Party, log: Party },
    #[error("the declaration is as of {document}, but the entry says {entry}")]
    WrongDate { document: Date, entry: Date },
    #[error("a declaration is CSV (text/csv) or JSON (application/json), not {}", quoted(.0))]
    NotADeclaration(String),
    #[error("the declaration does not read: {0}")]
    Unreadable(#[from] DecodeError),
    #[error("a receipt acknowledges another party's entry, and {0} is this record's own party")]
    OwnReceipt(Party),
    #[error("it refers to entry {sequence} of this record, which has only {size} entries")]
    NoSuchEntry { sequence: u64, size: u64 },
    #[error("it refers to entry {sequence} of this record with leaf hash {given}, but that entry's is {actual}")]
    OtherEntry { sequence: u64, given: String, actual: String },
}

/// The entry a draft refers to, if it refers to one.
pub fn reference(body: &Body) -> Option<&Reference> {
    match body {
        Body::Notification { refers_to, .. } => refers_to.as_ref(),
        Body::Concern { about, .. } => about.as_ref(),
        Body::Receipt { of } => Some(of),
        Body::Declaration { .. } | Body::InspectionReport { .. } | Body::EscrowCommitment { .. } => None,
    }
}

/// Checks a draft for the record of `party`; nothing is signed unless this passes.
pub fn admit(catalogue: &Catalogue, party: &Party, draft: &Draft) -> Result<(), Refusal> {
    let treaty_id = match &draft.body {
        Body::Declaration { treaty, .. }
        | Body::Notification { treaty, .. }
        | Body::InspectionReport { treaty, .. }
        | Body::Concern { treaty, .. }
        | Body::EscrowCommitment { treaty, .. } => treaty,
        // A receipt acknowledges another party's entry, under that entry's
        // treaty; whether that entry exists is for the inbox to say.
        Body::Receipt { of } if &of.party == party => return Err(Refusal::OwnReceipt(party.clone())),
        Body::Receipt { .. } => return Ok(()),
    };
    let treaty = catalogue.treaty(treaty_id).ok_or_else(|| Refusal::UnknownTreaty {
        treaty: treaty_id.clone(),
        known: catalogue.treaties().map(|(_, t)| t.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    match &draft.body {
        Body::Notification { notice, .. } if !treaty.notifications.iter().any(|n| &n.id == notice) => {
            let known: Vec<&str> = treaty.notifications.iter().map(|n| n.id.as_str()).collect();
            Err(Refusal::UnknownNotice {
                treaty: treaty.id.clone(),
                notice: notice.clone(),
                known: if known.is_empty() { "none".into() } else { known.join(", ") },
            })
        }
        Body::Declaration { as_of, .. } => {
            let vocabulary = catalogue.vocabulary();
            let declaration = match draft.media_type.as_str() {
                "text/csv" => codec::read_csv(&draft.bytes[..], &vocabulary)?,
                "application/json" => codec::read_json(&draft.bytes[..], &vocabulary)?,
                other => return Err(Refusal::NotADeclaration(other.into())),
            };
            if declaration.party() != party {
                return Err(Refusal::OtherParty { declared: declaration.party().clone(), log: party.clone() });
            }
            if declaration.as_of() != *as_of {
                return Err(Refusal::WrongDate { document: declaration.as_of(), entry: *as_of });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
