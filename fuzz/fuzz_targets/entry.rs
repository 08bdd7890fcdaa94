//! `detente_log::entry::SignedEntry::decode` (the binary entry encoding) on
//! arbitrary bytes: no panic. An accepted entry keeps the input as its bytes
//! and its leaf hash is theirs; `verify` with the fuzz party key never panics
//! and accepts only that key's ID, and a cosigner key is refused. There is one
//! encoding per entry: the decoded entry, signed again with the fuzz party key,
//! encodes to the same bytes but for the key ID and the signature, decodes to
//! the same entry, and verifies.
#![no_main]

use detente_log::Hash;
use detente_log::entry::{EntryError, SignedEntry};
use libfuzzer_sys::fuzz_target;

/// The signature ends every entry.
const SIGNATURE_BYTES: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(signed) = SignedEntry::decode(data) else { return };
    assert_eq!(signed.bytes(), data, "the entry keeps other bytes than it was decoded from");
    assert_eq!(signed.leaf_hash(), Hash::leaf(data), "wrong leaf hash");

    let key = detente_fuzz::entry_key();
    if signed.verify(key.verifier()).is_ok() {
        assert_eq!(signed.key_id(), key.verifier().id(), "verified with a key of another ID");
    }
    let cosigner = detente_fuzz::witness_key().verifier();
    assert_eq!(signed.verify(cosigner), Err(EntryError::NotASigningKey), "verified with a cosigner key");

    let again = match signed.entry().clone().sign(key) {
        Ok(again) => again,
        Err(e) => panic!("an entry that decodes cannot be signed again: {e}\n{:?}", signed.entry()),
    };
    // version, kind, party (a length byte and the text), then the key ID.
    let at = 3 + usize::from(data[2]);
    let mut expected = data[..data.len() - SIGNATURE_BYTES].to_vec();
    expected[at..at + 4].copy_from_slice(&key.verifier().id().to_be_bytes());
    let bytes = again.bytes();
    assert_eq!(&bytes[..bytes.len() - SIGNATURE_BYTES], expected, "the entry re-encodes differently");
    match SignedEntry::decode(bytes) {
        Ok(decoded) => assert_eq!(decoded.entry(), signed.entry(), "the re-signed entry decodes differently"),
        Err(e) => panic!("a re-signed entry does not decode: {e}"),
    }
    assert_eq!(again.verify(key.verifier()), Ok(()), "a re-signed entry does not verify");
});
