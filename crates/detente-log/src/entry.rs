//! The record's entries: a canonical, versioned binary encoding, signed over
//! its exact bytes.
//!
//! Layout (version 1; integers big-endian; `str8` is a u8 length and ASCII or
//! UTF-8 text as noted; `hash` is 32 bytes):
//!
//! ```text
//! u8 version = 1 | u8 kind | str8 party | u32 key ID | u64 sequence | u64 time
//! kind fields (below) | content | 64-byte Ed25519 signature
//!
//! declaration        str8 treaty | str8 as-of date (YYYY-MM-DD)
//! notification       str8 treaty | str8 notice kind | reference?
//! receipt            reference
//! inspection report  str8 treaty | str8 inspection kind
//! concern            str8 treaty | reference?
//! escrow commitment  str8 treaty | hash escrow root | u64 leaf count
//!
//! reference   = str8 party | u64 sequence | hash (leaf hash of that entry)
//! reference?  = u8 0 | u8 1 reference
//! content     = str8 media type | u8 0 | u16 length | bytes          (inline)
//!             | str8 media type | u8 1 | hash SHA-256 | u64 size     (by digest)
//! ```
//!
//! The signature covers `detente/entry/v1\n` followed by every byte before
//! it. The context keeps entry signatures apart from note signatures made
//! with the same key: a note is text without control characters, and every
//! entry starts with the byte 0x01. Verification reads the signed bytes as
//! they are and never re-encodes.
//!
//! An entry fits a C2SP tlog-tiles entry bundle (at most 65,535 bytes);
//! larger documents, such as a full declaration, are recorded by digest.

use std::fmt;
use std::str::FromStr;

use detente_core::model::is_kebab_identifier;
use detente_core::{Date, Party};
use sha2::{Digest, Sha256};

use crate::hash::Hash;
use crate::keys::{Algorithm, SigningKey, VerifierKey};
use crate::signatures::{KeyTables, Signed};

pub const VERSION: u8 = 1;
pub const SIGNING_CONTEXT: &[u8] = b"detente/entry/v1\n";
pub const MAX_ENTRY_BYTES: usize = 65_535;
const SIGNATURE_BYTES: usize = 64;

/// The kinds of entry a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Declaration = 1,
    Notification = 2,
    Receipt = 3,
    InspectionReport = 4,
    Concern = 5,
    EscrowCommitment = 6,
}

const KINDS: [(Kind, &str); 6] = [
    (Kind::Declaration, "declaration"),
    (Kind::Notification, "notification"),
    (Kind::Receipt, "receipt"),
    (Kind::InspectionReport, "inspection-report"),
    (Kind::Concern, "concern"),
    (Kind::EscrowCommitment, "escrow-commitment"),
];

impl Kind {
    pub fn name(self) -> &'static str {
        KINDS.iter().find(|(k, _)| *k == self).map(|(_, n)| *n).expect("every kind is named")
    }
}

/// A name that is not an entry kind's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entry kind {text:?}; expected one of {}", KINDS.map(|(_, name)| name).join(", "))]
pub struct UnknownKind {
    pub text: String,
}

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(text: &str) -> Result<Kind, UnknownKind> {
        KINDS.iter().find(|(_, n)| *n == text).map(|(k, _)| *k).ok_or_else(|| UnknownKind { text: text.into() })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A pointer to an entry in some party's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub party: Party,
    pub sequence: u64,
    /// The RFC 6962 leaf hash of the entry referred to.
    pub leaf_hash: Hash,
}

/// What an entry says, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Declaration { treaty: String, as_of: Date },
    Notification { treaty: String, notice: String, refers_to: Option<Reference> },
    Receipt { of: Reference },
    InspectionReport { treaty: String, inspection: String },
    Concern { treaty: String, about: Option<Reference> },
    EscrowCommitment { treaty: String, root: Hash, leaves: u64 },
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::Declaration { .. } => Kind::Declaration,
            Body::Notification { .. } => Kind::Notification,
            Body::Receipt { .. } => Kind::Receipt,
            Body::InspectionReport { .. } => Kind::InspectionReport,
            Body::Concern { .. } => Kind::Concern,
            Body::EscrowCommitment { .. } => Kind::EscrowCommitment,
        }
    }
}

/// The document an entry carries: inline, or by its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Inline { media_type: String, bytes: Vec<u8> },
    Digest { media_type: String, sha256: [u8; 32], size: u64 },
}

impl Content {
    /// Inline when the entry stays within the size limit, by digest otherwise.
    pub fn of(media_type: &str, bytes: Vec<u8>) -> Content {
        if bytes.len() <= MAX_ENTRY_BYTES / 2 {
            Content::Inline { media_type: media_type.into(), bytes }
        } else {
            let sha256 = Sha256::digest(&bytes).into();
            Content::Digest { media_type: media_type.into(), sha256, size: bytes.len() as u64 }
        }
    }

    pub fn media_type(&self) -> &str {
        match self {
            Content::Inline { media_type, .. } | Content::Digest { media_type, .. } => media_type,
        }
    }
}

/// An entry before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub party: Party,
    /// The entry's place in its party's record, counted from 0.
    pub sequence: u64,
    /// Seconds since the epoch, as the signer's clock said.
    pub time: u64,
    pub body: Body,
    pub content: Content,
}

/// A signed entry: its exact bytes and what they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    bytes: Vec<u8>,
    key_id: u32,
    entry: Entry,
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entry field {field} (byte {offset}): {message}")]
    Field { field: &'static str, offset: usize, message: String },
    #[error("the entry is {0} bytes; at most {MAX_ENTRY_BYTES} fit a record entry (record larger documents by digest)")]
    TooLarge(usize),
    #[error("the entry is signed with key ID {found:08x}, not the party key {expected:08x}")]
    WrongKey { expected: u32, found: u32 },
    #[error("the entry's signature does not verify")]
    BadSignature,
    #[error("entries are signed with an Ed25519 note key (type 0x01), not a cosigner key")]
    NotASigningKey,
}

impl Entry {
    /// Encodes and signs the entry.
    pub fn sign(self, key: &SigningKey) -> Result<SignedEntry, EntryError> {
        if key.verifier().algorithm() != Algorithm::Ed25519 {
            return Err(EntryError::NotASigningKey);
        }
        let key_id = key.verifier().id();
        let mut writer = Writer(Vec::with_capacity(256));
        writer.entry(&self, key_id)?;
        let mut bytes = writer.0;
        let signature = key.sign(&signed_message(&bytes));
        bytes.extend_from_slice(&signature);
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        Ok(SignedEntry { bytes, key_id, entry: self })
    }
}

fn signed_message(unsigned: &[u8]) -> Vec<u8> {
    [SIGNING_CONTEXT, unsigned].concat()
}

impl SignedEntry {
    /// Reads an entry's bytes strictly: one encoding per entry, nothing left over.
    pub fn decode(bytes: &[u8]) -> Result<SignedEntry, EntryError> {
        let (entry, key_id) = decode_parts(bytes)?;
        Ok(SignedEntry { bytes: bytes.to_vec(), key_id, entry })
    }

    /// Checks the signature over the exact bytes, with the party's key.
    pub fn verify(&self, key: &VerifierKey) -> Result<(), EntryError> {
        verify_bytes(&self.bytes, self.key_id, key)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn entry(&self) -> &Entry {
        &self.entry
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn leaf_hash(&self) -> Hash {
        Hash::leaf(&self.bytes)
    }
}

/// Reads an entry's bytes as [`SignedEntry::decode`] does, without copying
/// them (audits read millions): what the entry says, and its key ID.
pub fn decode_parts(bytes: &[u8]) -> Result<(Entry, u32), EntryError> {
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(EntryError::TooLarge(bytes.len()));
    }
    let mut reader = Reader { bytes, at: 0 };
    let (entry, key_id) = reader.entry()?;
    reader.take("signature", SIGNATURE_BYTES)?;
    if reader.at != bytes.len() {
        return Err(reader.error("signature", "bytes follow the signature".into()));
    }
    Ok((entry, key_id))
}

/// Checks the signature of an entry's bytes (already decoded, with key ID
/// `key_id`) with the party's key.
pub fn verify_bytes(bytes: &[u8], key_id: u32, key: &VerifierKey) -> Result<(), EntryError> {
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(EntryError::NotASigningKey);
    }
    if key.id() != key_id {
        return Err(EntryError::WrongKey { expected: key.id(), found: key_id });
    }
    let Some(split) = bytes.len().checked_sub(SIGNATURE_BYTES) else { return Err(EntryError::BadSignature) };
    let (unsigned, signature) = bytes.split_at(split);
    key.verify(&signed_message(unsigned), signature).then_some(()).ok_or(EntryError::BadSignature)
}

/// Checks the signatures of many entries' bytes (each already decoded, with
/// its key ID) made with `key`, whose tables are `tables`: what
/// [`verify_bytes`] says of each, found faster. On failure, the position of
/// the first entry whose signature fails, and why.
pub fn verify_all(entries: &[(&[u8], u32)], key: &VerifierKey, tables: &KeyTables) -> Result<(), (usize, EntryError)> {
    let mut signed = Vec::with_capacity(entries.len());
    for (position, &(bytes, key_id)) in entries.iter().enumerate() {
        let split = bytes.len().checked_sub(SIGNATURE_BYTES).filter(|_| key.id() == key_id);
        let Some(split) = split.filter(|_| key.algorithm() == Algorithm::Ed25519) else {
            return Err((position, verify_bytes(bytes, key_id, key).err().unwrap_or(EntryError::BadSignature)));
        };
        let (unsigned, signature) = bytes.split_at(split);
        signed
            .push(Signed { message: [SIGNING_CONTEXT, unsigned], signature: signature.try_into().expect("64 bytes") });
    }
    // The tables refuse exactly what `verify_strict` refuses; the entry they
    // stop at is checked again strictly, one at a time, for the reason.
    let mut start = 0;
    while let Err(offset) = tables.check(&signed[start..]) {
        let position = start + offset;
        let (bytes, key_id) = entries[position];
        verify_bytes(bytes, key_id, key).map_err(|error| (position, error))?;
        start = position + 1;
    }
    Ok(())
}

struct Writer(Vec<u8>);

impl Writer {
    fn entry(&mut self, entry: &Entry, key_id: u32) -> Result<(), EntryError> {
        self.0.extend([VERSION, entry.body.kind() as u8]);
        self.text("party", entry.party.as_str())?;
        self.0.extend(key_id.to_be_bytes());
        self.0.extend(entry.sequence.to_be_bytes());
        self.0.extend(entry.time.to_be_bytes());
        match &entry.body {
            Body::Declaration { treaty, as_of } => {
                self.identifier("treaty", treaty)?;
                self.text("as_of", &as_of.to_string())?;
            }
            Body::Notification { treaty, notice, refers_to } => {
                self.identifier("treaty", treaty)?;
                self.identifier("notice", notice)?;
                self.optional_reference(refers_to.as_ref())?;
            }
            Body::Receipt { of } => self.reference(of)?,
            Body::InspectionReport { treaty, inspection } => {
                self.identifier("treaty", treaty)?;
                self.identifier("inspection", inspection)?;
            }
            Body::Concern { treaty, about } => {
                self.identifier("treaty", treaty)?;
                self.optional_reference(about.as_ref())?;
            }
            Body::EscrowCommitment { treaty, root, leaves } => {
                self.identifier("treaty", treaty)?;
                self.0.extend(root.0);
                self.0.extend(leaves.to_be_bytes());
            }
        }
        self.content(&entry.content)
    }

    fn text(&mut self, field: &'static str, text: &str) -> Result<(), EntryError> {
        let length = u8::try_from(text.len()).map_err(|_| EntryError::Field {
            field,
            offset: self.0.len(),
            message: "longer than 255 bytes".into(),
        })?;
        self.0.push(length);
        self.0.extend(text.as_bytes());
        Ok(())
    }

    fn identifier(&mut self, field: &'static str, text: &str) -> Result<(), EntryError> {
        if !is_kebab_identifier(text) {
            let message = format!("{text:?} is not a lower-case kebab-case identifier");
            return Err(EntryError::Field { field, offset: self.0.len(), message });
        }
        self.text(field, text)
    }

    fn reference(&mut self, reference: &Reference) -> Result<(), EntryError> {
        self.text("reference.party", reference.party.as_str())?;
        self.0.extend(reference.sequence.to_be_bytes());
        self.0.extend(reference.leaf_hash.0);
        Ok(())
    }

    fn optional_reference(&mut self, reference: Option<&Reference>) -> Result<(), EntryError> {
        match reference {
            None => self.0.push(0),
            Some(reference) => {
                self.0.push(1);
                self.reference(reference)?;
            }
        }
        Ok(())
    }

    fn content(&mut self, content: &Content) -> Result<(), EntryError> {
        let media_type = content.media_type();
        if !is_media_type(media_type) {
            let message = format!("{media_type:?} is not a media type such as text/csv");
            return Err(EntryError::Field { field: "content.media_type", offset: self.0.len(), message });
        }
        self.text("content.media_type", media_type)?;
        match content {
            Content::Inline { bytes, .. } => {
                let length = u16::try_from(bytes.len()).map_err(|_| EntryError::TooLarge(bytes.len()))?;
                self.0.push(0);
                self.0.extend(length.to_be_bytes());
                self.0.extend(bytes);
            }
            Content::Digest { sha256, size, .. } => {
                self.0.push(1);
                self.0.extend(sha256);
                self.0.extend(size.to_be_bytes());
            }
        }
        Ok(())
    }
}

/// `type/subtype`, lower-case ASCII letters, digits and `.+-`.
fn is_media_type(text: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".+-".contains(&b))
    };
    text.split_once('/').is_some_and(|(kind, sub)| part(kind) && part(sub))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, field: &'static str, message: String) -> EntryError {
        EntryError::Field { field, offset: self.at, message }
    }

    fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], EntryError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| self.error(field, format!("needs {n} bytes, the entry ends first")))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, EntryError> {
        Ok(self.take(field, 1)?[0])
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, EntryError> {
        Ok(u64::from_be_bytes(self.take(field, 8)?.try_into().expect("8 bytes")))
    }

    fn hash(&mut self, field: &'static str) -> Result<Hash, EntryError> {
        Ok(Hash(self.take(field, 32)?.try_into().expect("32 bytes")))
    }

    fn text(&mut self, field: &'static str) -> Result<&'a str, EntryError> {
        let length = self.u8(field)? as usize;
        let start = self.at;
        let bytes = self.take(field, length)?;
        std::str::from_utf8(bytes).map_err(|_| EntryError::Field { field, offset: start, message: "not UTF-8".into() })
    }

    fn parsed<T: FromStr<Err: fmt::Display>>(&mut self, field: &'static str) -> Result<T, EntryError> {
        let start = self.at;
        let text = self.text(field)?;
        text.parse().map_err(|e: T::Err| EntryError::Field { field, offset: start, message: e.to_string() })
    }

    fn identifier(&mut self, field: &'static str) -> Result<String, EntryError> {
        let start = self.at;
        let text = self.text(field)?;
        if !is_kebab_identifier(text) {
            let message = format!("{text:?} is not a lower-case kebab-case identifier");
            return Err(EntryError::Field { field, offset: start, message });
        }
        Ok(text.into())
    }

    fn reference(&mut self) -> Result<Reference, EntryError> {
        let party = self.parsed("reference.party")?;
        let sequence = self.u64("reference.sequence")?;
        let leaf_hash = self.hash("reference.leaf_hash")?;
        Ok(Reference { party, sequence, leaf_hash })
    }

    fn optional_reference(&mut self) -> Result<Option<Reference>, EntryError> {
        match self.u8("reference")? {
            0 => Ok(None),
            1 => self.reference().map(Some),
            other => Err(self.error("reference", format!("marker {other} is neither 0 (absent) nor 1 (present)"))),
        }
    }

    fn date(&mut self, field: &'static str) -> Result<Date, EntryError> {
        let start = self.at;
        let text = self.text(field)?;
        let date: Result<Date, _> = text.parse();
        match date {
            Ok(date) if date.to_string() == text => Ok(date),
            _ => Err(EntryError::Field { field, offset: start, message: format!("{text:?} is not a YYYY-MM-DD date") }),
        }
    }

    fn entry(&mut self) -> Result<(Entry, u32), EntryError> {
        let version = self.u8("version")?;
        if version != VERSION {
            return Err(
                self.error("version", format!("version {version} is not supported (this is version {VERSION})"))
            );
        }
        let kind = self.u8("kind")?;
        let party = self.parsed("party")?;
        let key_id = u32::from_be_bytes(self.take("key_id", 4)?.try_into().expect("4 bytes"));
        let sequence = self.u64("sequence")?;
        let time = self.u64("time")?;
        let body = match kind {
            1 => Body::Declaration { treaty: self.identifier("treaty")?, as_of: self.date("as_of")? },
            2 => Body::Notification {
                treaty: self.identifier("treaty")?,
                notice: self.identifier("notice")?,
                refers_to: self.optional_reference()?,
            },
            3 => Body::Receipt { of: self.reference()? },
            4 => Body::InspectionReport {
                treaty: self.identifier("treaty")?,
                inspection: self.identifier("inspection")?,
            },
            5 => Body::Concern { treaty: self.identifier("treaty")?, about: self.optional_reference()? },
            6 => Body::EscrowCommitment {
                treaty: self.identifier("treaty")?,
                root: self.hash("escrow_root")?,
                leaves: self.u64("escrow_leaves")?,
            },
            other => {
                return Err(EntryError::Field { field: "kind", offset: 1, message: format!("unknown kind {other}") });
            }
        };
        let content = self.content()?;
        Ok((Entry { party, sequence, time, body, content }, key_id))
    }

    fn content(&mut self) -> Result<Content, EntryError> {
        let start = self.at;
        let media_type = self.text("content.media_type")?;
        if !is_media_type(media_type) {
            let message = format!("{media_type:?} is not a media type such as text/csv");
            return Err(EntryError::Field { field: "content.media_type", offset: start, message });
        }
        let media_type = media_type.to_string();
        match self.u8("content.form")? {
            0 => {
                let length = u16::from_be_bytes(self.take("content.length", 2)?.try_into().expect("2 bytes"));
                let bytes = self.take("content.bytes", length as usize)?.to_vec();
                Ok(Content::Inline { media_type, bytes })
            }
            1 => {
                let sha256 = self.hash("content.sha256")?.0;
                let size = self.u64("content.size")?;
                Ok(Content::Digest { media_type, sha256, size })
            }
            other => Err(self.error("content.form", format!("form {other} is neither 0 (inline) nor 1 (digest)"))),
        }
    }
}

#[cfg(test)]
mod tests;
