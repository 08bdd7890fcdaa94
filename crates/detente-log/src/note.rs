//! C2SP signed notes: text (no control characters below U+0020 but newline),
//! a blank line, then signature lines
//! `— <key name> base64(key ID ‖ signature)`.
//!
//! Verification follows the spec's trust rules: signatures from unknown keys
//! are ignored; a signature from a known key that fails rejects the whole
//! note; a note with no verified known signature is rejected. A cosignature
//! (type 0x04) signs `cosignature/v1\ntime <t>\n` followed by the note text.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::keys::{Algorithm, SigningKey, VerifierKey, is_key_name};

/// The most signatures a note may carry (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 128;
/// The largest note accepted, in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

const DASH: &str = "\u{2014} ";

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    /// The signature after the key ID (for a cosignature: timestamp ‖ signature).
    pub bytes: Vec<u8>,
}

impl fmt::Display for NoteSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let payload = [&self.id.to_be_bytes()[..], &self.bytes].concat();
        writeln!(f, "{DASH}{} {}", self.name, BASE64.encode(payload))
    }
}

impl NoteSignature {
    /// Reads one signature line without its newline; `line` numbers errors.
    pub fn parse(text: &str, line: usize) -> Result<NoteSignature, NoteError> {
        let bad = |message: &str| NoteError::Line { line, message: message.into() };
        let rest =
            text.strip_prefix(DASH).ok_or_else(|| bad("a signature line must start with an em dash and a space"))?;
        let (name, payload) =
            rest.split_once(' ').ok_or_else(|| bad("expected a key name, a space and a signature"))?;
        if !is_key_name(name) {
            return Err(bad("the key name must be non-empty, without spaces or '+'"));
        }
        let payload = BASE64.decode(payload).map_err(|_| bad("the signature is not valid base64"))?;
        if payload.len() < 5 {
            return Err(bad("the signature is shorter than a key ID and one byte"));
        }
        let id = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
        Ok(NoteSignature { name: name.into(), id, bytes: payload[4..].to_vec() })
    }
}

/// A note: text ending in a newline, and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// A signature that verified against a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub name: String,
    pub id: u32,
    pub algorithm: Algorithm,
    /// The cosignature's time (seconds since the epoch); `None` for a plain signature.
    pub timestamp: Option<u64>,
}

/// Why a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("{0}")]
    Shape(&'static str),
    #[error("the note carries more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("the signature of {name} (key ID {id:08x}) does not verify")]
    BadSignature { name: String, id: u32 },
    #[error("no signature from a trusted key (signed by: {0})")]
    NoTrustedSignature(String),
}

fn cosignature_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

impl Note {
    /// A note with no signatures yet. `text` must end in a newline.
    pub fn new(text: String) -> Result<Note, NoteError> {
        check_text(&text)?;
        Ok(Note { text, signatures: Vec::new() })
    }

    /// Reads a signed note.
    pub fn parse(input: &str) -> Result<Note, NoteError> {
        if input.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge);
        }
        if let Some((index, _)) = input.char_indices().find(|&(_, c)| c < '\u{20}' && c != '\n') {
            let line = input[..index].matches('\n').count() + 1;
            return Err(NoteError::Line {
                line,
                message: "control characters other than newline are not allowed".into(),
            });
        }
        if !input.ends_with('\n') {
            return Err(NoteError::Shape("a signed note must end with a newline"));
        }
        // The text ends at the last blank line; what follows are signatures.
        let split = input.rfind("\n\n").ok_or(NoteError::Shape("no blank line before the signatures"))?;
        let text = &input[..=split];
        let text_lines = text.matches('\n').count();
        let signature_block = &input[split + 2..];
        if signature_block.is_empty() {
            return Err(NoteError::Shape("the note has no signatures"));
        }
        let lines: Vec<&str> = signature_block.strip_suffix('\n').unwrap_or(signature_block).split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let signatures = lines
            .iter()
            .enumerate()
            .map(|(i, line)| NoteSignature::parse(line, text_lines + 2 + i))
            .collect::<Result<_, _>>()?;
        check_text(text)?;
        Ok(Note { text: text.into(), signatures })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Signs the text and adds the signature. `time` (seconds since the epoch)
    /// is carried by cosignatures and unused by plain Ed25519 signatures.
    pub fn sign(&mut self, key: &SigningKey, time: u64) -> NoteSignature {
        let verifier = key.verifier();
        let bytes = match verifier.algorithm() {
            Algorithm::Ed25519 => key.sign(self.text.as_bytes()).to_vec(),
            Algorithm::Cosignature => {
                [&time.to_be_bytes()[..], &key.sign(&cosignature_message(time, &self.text))].concat()
            }
        };
        let signature = NoteSignature { name: verifier.name().into(), id: verifier.id(), bytes };
        self.add_signature(signature.clone());
        signature
    }

    /// Adds a signature made elsewhere (a witness's cosignature), once.
    pub fn add_signature(&mut self, signature: NoteSignature) {
        if !self.signatures.contains(&signature) {
            self.signatures.push(signature);
        }
    }

    /// Verifies the signatures of the keys in `trusted`; see the module docs
    /// for the rules. Returns the verified signatures, one per key.
    pub fn verify(&self, trusted: &[VerifierKey]) -> Result<Vec<Verified>, NoteError> {
        let mut verified: Vec<Verified> = Vec::new();
        for signature in &self.signatures {
            let Some(key) = trusted.iter().find(|k| k.name() == signature.name && k.id() == signature.id) else {
                continue;
            };
            let timestamp = self.check(key, signature)?;
            if !verified.iter().any(|v| v.name == signature.name && v.id == signature.id) {
                verified.push(Verified {
                    name: key.name().into(),
                    id: key.id(),
                    algorithm: key.algorithm(),
                    timestamp,
                });
            }
        }
        if verified.is_empty() {
            let names: Vec<&str> = self.signatures.iter().map(|s| s.name.as_str()).collect();
            return Err(NoteError::NoTrustedSignature(names.join(", ")));
        }
        Ok(verified)
    }

    fn check(&self, key: &VerifierKey, signature: &NoteSignature) -> Result<Option<u64>, NoteError> {
        let refused = || NoteError::BadSignature { name: signature.name.clone(), id: signature.id };
        match key.algorithm() {
            Algorithm::Ed25519 => {
                key.verify(self.text.as_bytes(), &signature.bytes).then_some(None).ok_or_else(refused)
            }
            Algorithm::Cosignature => {
                let (time, raw) = signature.bytes.split_first_chunk::<8>().ok_or_else(refused)?;
                let time = u64::from_be_bytes(*time);
                let valid = time <= i64::MAX as u64 && key.verify(&cosignature_message(time, &self.text), raw);
                valid.then_some(Some(time)).ok_or_else(refused)
            }
        }
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::Shape("the note text must be non-empty and end with a newline"));
    }
    if text.chars().any(|c| c < '\u{20}' && c != '\n') {
        return Err(NoteError::Shape("control characters other than newline are not allowed"));
    }
    Ok(())
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.text)?;
        self.signatures.iter().try_for_each(|s| s.fmt(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_KEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const EXAMPLE_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn the_signed_note_example_verifies_known_answer() {
        let key = VerifierKey::parse(EXAMPLE_KEY).unwrap();
        let note = Note::parse(EXAMPLE_NOTE).unwrap();
        assert_eq!(note.text(), "This is an example message.\n");
        let verified = note.verify(&[key]).unwrap();
        assert_eq!(verified[0].name, "example.com/foo");
        assert_eq!(note.to_string(), EXAMPLE_NOTE);
    }

    #[test]
    fn go_note_example_signs_to_the_same_bytes() {
        // Ed25519 is deterministic: the documented Go example signature must be reproduced.
        let key = SigningKey::parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
        let mut note = Note::new(
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
                .into(),
        )
        .unwrap();
        note.sign(&key, 0);
        assert!(note.to_string().ends_with(
            "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ));
    }

    #[test]
    fn trust_rules() {
        let key = VerifierKey::parse(EXAMPLE_KEY).unwrap();
        let other = SigningKey::from_seed("other.example/k", Algorithm::Ed25519, [7; 32]).unwrap();
        // An unknown key is ignored; a note signed only by unknown keys is refused.
        let mut note = Note::parse(EXAMPLE_NOTE).unwrap();
        note.sign(&other, 0);
        assert_eq!(note.verify(std::slice::from_ref(&key)).unwrap().len(), 1);
        assert!(matches!(note.verify(&[]), Err(NoteError::NoTrustedSignature(_))));
        // A known key whose signature fails rejects the whole note.
        let tampered = EXAMPLE_NOTE.replace("example message", "exemplary message");
        assert!(matches!(Note::parse(&tampered).unwrap().verify(&[key]), Err(NoteError::BadSignature { .. })));
    }

    #[test]
    fn cosignatures_carry_their_time_and_bind_it() {
        let witness = SigningKey::from_seed("witness.example/w", Algorithm::Cosignature, [9; 32]).unwrap();
        let mut note = Note::new("example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".into()).unwrap();
        let signature = note.sign(&witness, 1_700_000_000);
        let verified = note.verify(std::slice::from_ref(witness.verifier())).unwrap();
        assert_eq!(verified[0].timestamp, Some(1_700_000_000));
        let mut moved = signature.clone();
        moved.bytes[7] ^= 1;
        let forged = Note { text: note.text().into(), signatures: vec![moved] };
        assert!(forged.verify(std::slice::from_ref(witness.verifier())).is_err());
    }

    #[test]
    fn malformed_notes_name_the_line() {
        let cases = [
            ("text\n\n- example.com/foo AAAAAAA=\n", "line 3"),
            ("text\n\n\u{2014} example.com/foo !!!!\n", "line 3"),
            ("text\n\n\u{2014} example.com/foo AAAA\n", "line 3"),
            ("te\u{7}xt\n\n\u{2014} a AAAAAAA=\n", "line 1"),
            ("text\n\n", "no signatures"),
            ("text\n\u{2014} a AAAAAAA=\n", "no blank line"),
            ("text\n\n\u{2014} a AAAAAAA=", "end with a newline"),
        ];
        for (input, expected) in cases {
            let error = Note::parse(input).unwrap_err().to_string();
            assert!(error.contains(expected), "{input:?}: {error}");
        }
    }
}
