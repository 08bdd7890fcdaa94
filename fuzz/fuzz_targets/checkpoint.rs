//! C2SP tlog-checkpoint on arbitrary UTF-8 text, two ways.
//!
//! As a checkpoint body, `Checkpoint::parse`: no panic; an accepted body is
//! written back byte for byte by `text()` and parses again to the same
//! checkpoint; and when its origin can name a key, the body signed by a log key
//! of that name and cosigned by the witness key opens with
//! `SignedCheckpoint::open` to the same checkpoint with one cosignature (none
//! when no witness is trusted), and a log key of the same name but another key
//! refuses it.
//!
//! As a whole signed note, `SignedCheckpoint::open` with the fuzz log and
//! witness keys: no panic; what opens is the checkpoint of the note's text,
//! from the log's origin, with cosignatures only from the witness.
#![no_main]

use detente_log::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use detente_log::keys::{Algorithm, SigningKey, is_key_name};
use detente_log::note::Note;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (log, witness) = (detente_fuzz::log_key(), detente_fuzz::witness_key());
    let witnesses = [witness.verifier().clone()];

    if let Ok(signed) = SignedCheckpoint::open(text, log.verifier(), &witnesses) {
        assert_eq!(Checkpoint::parse(signed.note.text()), Ok(signed.checkpoint.clone()), "opened another checkpoint");
        assert_eq!(signed.checkpoint.origin, log.name(), "opened a checkpoint of another origin");
        for cosignature in &signed.cosignatures {
            assert_eq!((cosignature.name.as_str(), cosignature.id), (witness.name(), witness.verifier().id()));
            assert!(cosignature.timestamp.is_some(), "a cosignature without its time");
        }
    }

    let Ok(checkpoint) = Checkpoint::parse(text) else { return };
    let written = checkpoint.text();
    assert_eq!(written, text, "an accepted checkpoint is written back differently");
    assert_eq!(Checkpoint::parse(&written), Ok(checkpoint.clone()), "the written checkpoint parses differently");

    if !is_key_name(&checkpoint.origin) {
        return;
    }
    let Ok(mut note) = Note::new(written) else { return };
    let own = SigningKey::from_seed(&checkpoint.origin, Algorithm::Ed25519, [1; 32]).expect("a valid key name");
    let time = 1_700_000_000 + data.len() as u64;
    note.sign(&own, 0);
    note.sign(witness, time);
    let signed_text = note.to_string();
    match SignedCheckpoint::open(&signed_text, own.verifier(), &witnesses) {
        Ok(signed) => {
            assert_eq!(signed.checkpoint, checkpoint, "the signed checkpoint opens to another checkpoint");
            let times: Vec<_> = signed.cosignatures.iter().map(|c| c.timestamp).collect();
            assert_eq!(times, [Some(time)], "cosignatures {:?}", signed.cosignatures);
        }
        Err(e) => panic!("a checkpoint signed by its log does not open: {e}\n{signed_text}"),
    }
    match SignedCheckpoint::open(&signed_text, own.verifier(), &[]) {
        Ok(signed) => assert!(signed.cosignatures.is_empty(), "cosignatures from untrusted witnesses"),
        Err(e) => panic!("a checkpoint signed by its log does not open without witnesses: {e}\n{signed_text}"),
    }
    let other = SigningKey::from_seed(&checkpoint.origin, Algorithm::Ed25519, [4; 32]).expect("a valid key name");
    match SignedCheckpoint::open(&signed_text, other.verifier(), &witnesses) {
        Err(CheckpointError::NotSignedByLog(_)) => {}
        other => panic!("a checkpoint opens with a log key that did not sign it: {other:?}\n{signed_text}"),
    }
});
