//! C2SP signed-note keys on arbitrary UTF-8 text: `VerifierKey::parse` (vkeys)
//! and `SigningKey::parse` (Go's `PRIVATE+KEY+…` form). No panic; an accepted
//! key is written back byte for byte by `Display` / `to_private_text` (bar the
//! trailing newlines a signing key may carry) and parses again to the same
//! key; a vkey's ID is the key ID of its name, type and public key; a signing
//! key's verifier key reads back and accepts the key's signature; and `verify`
//! with an arbitrary signature never panics.
#![no_main]

use detente_log::keys::{SigningKey, VerifierKey, is_key_name, key_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    if let Ok(key) = VerifierKey::parse(text) {
        let written = key.to_string();
        assert_eq!(written, text, "an accepted vkey is written back differently");
        assert_eq!(VerifierKey::parse(&written), Ok(key.clone()), "the written vkey parses differently");
        assert!(is_key_name(key.name()), "accepted key name {:?}", key.name());
        assert_eq!(key_id(key.name(), key.algorithm(), key.public_key()), key.id(), "{written}: wrong key ID");
        let _ = key.verify(b"message", data);
        let _ = key.verify(data, &[0; 64]);
    }

    if let Ok(key) = SigningKey::parse(text) {
        let private = key.to_private_text();
        assert_eq!(private, text.trim_end_matches('\n'), "an accepted signing key is written back differently");
        match SigningKey::parse(&private) {
            Ok(again) => assert_eq!(again.verifier(), key.verifier(), "the written signing key parses differently"),
            Err(e) => panic!("SigningKey::parse refuses what to_private_text wrote: {e}"),
        }
        let verifier = key.verifier();
        let written = verifier.to_string();
        match VerifierKey::parse(&written) {
            Ok(again) => assert_eq!(&again, verifier, "the verifier key {written} parses differently"),
            Err(e) => panic!("the verifier key {written} of an accepted signing key does not parse: {e}"),
        }
        assert!(verifier.verify(data, &key.sign(data)), "{written} refuses a signature of its own key");
    }
});
