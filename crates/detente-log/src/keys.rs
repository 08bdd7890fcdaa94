//! Keys in the C2SP signed-note forms.
//!
//! A verifier key ("vkey") is `name+keyid+base64(type ‖ public key)`; a
//! signing key is Go's `PRIVATE+KEY+name+keyid+base64(type ‖ seed)`. The key
//! ID is the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key), so
//! one Ed25519 key pair under one name yields different IDs for different
//! signature types and a signature can never be read as the other kind.
//!
//! Only Ed25519 is accepted, and always strictly: weak (small-order) public
//! keys are refused when a key is parsed, and signatures are checked with
//! `verify_strict`, which rejects non-canonical (malleable) encodings.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _};
use sha2::{Digest, Sha256};

/// What a key signs, fixed by the signature type byte it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `0x01`: an Ed25519 signature over the note text; logs sign checkpoints
    /// (and detente entries) with it.
    Ed25519,
    /// `0x04`: a timestamped Ed25519 cosignature (C2SP tlog-cosignature v1),
    /// made by witnesses.
    Cosignature,
}

impl Algorithm {
    pub fn type_byte(self) -> u8 {
        match self {
            Algorithm::Ed25519 => 0x01,
            Algorithm::Cosignature => 0x04,
        }
    }

    fn from_type_byte(byte: u8) -> Result<Algorithm, KeyError> {
        match byte {
            0x01 => Ok(Algorithm::Ed25519),
            0x04 => Ok(Algorithm::Cosignature),
            other => Err(KeyError::UnsupportedType(other)),
        }
    }
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("expected {expected}, found {found:?}")]
    Shape { expected: &'static str, found: String },
    #[error("key name {0:?} is not valid: it must be non-empty, without spaces, '+' or control characters")]
    Name(String),
    #[error("key ID {0:?} is not 8 lower-case hexadecimal digits")]
    IdSyntax(String),
    #[error("key material is not valid base64")]
    Base64,
    #[error("signature type 0x{0:02x} is not supported (only 0x01 Ed25519 and 0x04 Ed25519 cosignature)")]
    UnsupportedType(u8),
    #[error("key material has {0} bytes after the type byte; Ed25519 needs 32")]
    Length(usize),
    #[error("the public key is not a valid Ed25519 point")]
    Point,
    #[error("the public key is weak (of small order) and could verify forged signatures")]
    Weak,
    #[error("key ID {stated:08x} does not match the key, whose ID is {actual:08x}")]
    IdMismatch { stated: u32, actual: u32 },
}

/// Whether `name` may name a key: non-empty, no Unicode space, no `+`, no
/// control character.
pub fn is_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian.
pub fn key_id(name: &str, algorithm: Algorithm, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', algorithm.type_byte()])
        .chain_update(public_key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A public key with its name and signature type: what a verifier trusts.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    algorithm: Algorithm,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Reads a vkey, `name+keyid+base64(type ‖ key)`, checking the key ID
    /// against the key and refusing weak keys.
    pub fn parse(text: &str) -> Result<VerifierKey, KeyError> {
        let shape =
            || KeyError::Shape { expected: "a verifier key of the form name+keyid+base64key", found: text.into() };
        // The name cannot hold '+' and the ID is hex, so the first two '+'
        // separate the fields; base64 key material may hold '+' itself.
        let (name, rest) = text.split_once('+').ok_or_else(shape)?;
        let (id, material) = rest.split_once('+').ok_or_else(shape)?;
        let (algorithm, bytes) = decode_material(material)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Point)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        VerifierKey::checked(name, id, algorithm, key)
    }

    fn checked(name: &str, id: &str, algorithm: Algorithm, key: ed25519_dalek::VerifyingKey) -> Result<Self, KeyError> {
        if !is_key_name(name) {
            return Err(KeyError::Name(name.into()));
        }
        let stated = parse_key_id(id)?;
        let actual = key_id(name, algorithm, key.as_bytes());
        if stated != actual {
            return Err(KeyError::IdMismatch { stated, actual });
        }
        Ok(VerifierKey { name: name.into(), id: actual, algorithm, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Checks an Ed25519 signature over `message`, strictly.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else { return false };
        self.key.verify_strict(message, &Signature::from_bytes(&bytes)).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let material = [&[self.algorithm.type_byte()][..], self.key.as_bytes()].concat();
        write!(f, "{}+{:08x}+{}", self.name, self.id, BASE64.encode(material))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// A private key with its name and signature type.
#[derive(Clone)]
pub struct SigningKey {
    verifier: VerifierKey,
    key: ed25519_dalek::SigningKey,
}

const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

impl SigningKey {
    /// The key whose Ed25519 seed is `seed` (the caller draws it from the
    /// operating system's random source: this crate does no I/O).
    pub fn from_seed(name: &str, algorithm: Algorithm, seed: [u8; 32]) -> Result<SigningKey, KeyError> {
        if !is_key_name(name) {
            return Err(KeyError::Name(name.into()));
        }
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let id = key_id(name, algorithm, key.verifying_key().as_bytes());
        let verifier = VerifierKey { name: name.into(), id, algorithm, key: key.verifying_key() };
        Ok(SigningKey { verifier, key })
    }

    /// Reads `PRIVATE+KEY+name+keyid+base64(type ‖ seed)`.
    pub fn parse(text: &str) -> Result<SigningKey, KeyError> {
        let shape = || KeyError::Shape {
            expected: "a signing key of the form PRIVATE+KEY+name+keyid+base64key",
            found: "(a private key, not shown)".into(),
        };
        let rest = text.trim_end_matches('\n').strip_prefix(PRIVATE_PREFIX).ok_or_else(shape)?;
        let (name, rest) = rest.split_once('+').ok_or_else(shape)?;
        let (id, material) = rest.split_once('+').ok_or_else(shape)?;
        let (algorithm, seed) = decode_material(material)?;
        let key = SigningKey::from_seed(name, algorithm, seed)?;
        let stated = parse_key_id(id)?;
        if stated != key.verifier.id {
            return Err(KeyError::IdMismatch { stated, actual: key.verifier.id });
        }
        Ok(key)
    }

    /// The private key in its text form; keep it out of logs and files others can read.
    pub fn to_private_text(&self) -> String {
        let material = [&[self.verifier.algorithm.type_byte()][..], self.key.as_bytes()].concat();
        format!("{PRIVATE_PREFIX}{}+{:08x}+{}", self.verifier.name, self.verifier.id, BASE64.encode(material))
    }

    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    /// A raw Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, private part withheld)", self.verifier)
    }
}

fn parse_key_id(id: &str) -> Result<u32, KeyError> {
    let valid = id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(KeyError::IdSyntax(id.into()));
    }
    u32::from_str_radix(id, 16).map_err(|_| KeyError::IdSyntax(id.into()))
}

fn decode_material(material: &str) -> Result<(Algorithm, [u8; 32]), KeyError> {
    let bytes = BASE64.decode(material).map_err(|_| KeyError::Base64)?;
    let (&type_byte, key) = bytes.split_first().ok_or(KeyError::Base64)?;
    let algorithm = Algorithm::from_type_byte(type_byte)?;
    let key = <[u8; 32]>::try_from(key).map_err(|_| KeyError::Length(key.len()))?;
    Ok((algorithm, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_note_example_key_reads_and_writes_back() {
        let text = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        let key = VerifierKey::parse(text).unwrap();
        assert_eq!((key.name(), key.id(), key.algorithm()), ("example.com/foo", 0x530d903a, Algorithm::Ed25519));
        assert_eq!(key.to_string(), text);
    }

    #[test]
    fn a_signing_key_round_trips_and_the_go_example_key_matches_its_verifier() {
        // The signing and verifier key pair of Go's sumdb/note documentation (data only).
        let signer =
            SigningKey::parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
                .unwrap();
        assert_eq!(signer.verifier().to_string(), "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
        assert_eq!(SigningKey::parse(&signer.to_private_text()).unwrap().verifier(), signer.verifier());
        assert!(!format!("{signer:?}").contains("AYEK"), "Debug must not show the private key");
    }

    #[test]
    fn bad_keys_are_refused_with_the_reason() {
        let good = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        assert!(matches!(VerifierKey::parse("example.com/foo"), Err(KeyError::Shape { .. })));
        assert!(matches!(VerifierKey::parse(&good.replace("530d903a", "530d903b")), Err(KeyError::IdMismatch { .. })));
        assert!(matches!(VerifierKey::parse(&good.replace("530d903a", "530D903A")), Err(KeyError::IdSyntax(_))));
        assert!(matches!(VerifierKey::parse(&good.replace("Aeky", "Ajky")), Err(KeyError::UnsupportedType(_))));
        assert!(matches!(
            VerifierKey::parse("a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            Err(KeyError::Name(_))
        ));
        assert!(matches!(VerifierKey::parse("x+00000000+AQAA"), Err(KeyError::Length(2))));
        // The identity point is of small order: a weak key.
        let mut identity = [0u8; 33];
        identity[0] = 1;
        identity[1] = 1;
        let weak = format!("x+00000000+{}", BASE64.encode(identity));
        assert_eq!(VerifierKey::parse(&weak), Err(KeyError::Weak));
    }
}
