//! `detente_log::note::Note::parse` (C2SP signed notes) on arbitrary UTF-8
//! text: no panic; an accepted note is written back byte for byte by `Display`
//! and parses again to the same note; `verify` against the fuzz keys (the C2SP
//! example key, the log key, the witness key) never panics and reports only
//! signatures of those keys, once each, with a time exactly for cosignatures;
//! and the note's text, signed afresh by the log key and cosigned by the
//! witness key, reads back and verifies with both.
#![no_main]

use detente_log::keys::Algorithm;
use detente_log::note::{MAX_SIGNATURES, Note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(note) = Note::parse(text) else { return };
    let shown = note.to_string();
    assert_eq!(shown, text, "an accepted note is written back differently");
    match Note::parse(&shown) {
        Ok(again) => assert_eq!(again, note, "the written note parses to another note:\n{shown}"),
        Err(e) => panic!("Note::parse refuses what Display wrote: {e}\n{shown}"),
    }
    assert!(note.text().ends_with('\n'), "note text {:?} does not end with a newline", note.text());
    assert!((1..=MAX_SIGNATURES).contains(&note.signatures().len()), "{} signatures", note.signatures().len());

    let trusted = detente_fuzz::trusted_keys();
    if let Ok(verified) = note.verify(trusted) {
        assert!(!verified.is_empty(), "verify accepted a note without a verified signature");
        for (i, v) in verified.iter().enumerate() {
            let key = trusted.iter().find(|k| k.name() == v.name && k.id() == v.id);
            let key =
                key.unwrap_or_else(|| panic!("verified signature {}/{:08x} is from no trusted key", v.name, v.id));
            assert_eq!(v.algorithm, key.algorithm(), "{}: wrong algorithm", v.name);
            assert_eq!(v.timestamp.is_some(), key.algorithm() == Algorithm::Cosignature, "{}: time", v.name);
            assert!(note.signatures().iter().any(|s| s.name == v.name && s.id == v.id), "{}: not in the note", v.name);
            assert!(!verified[..i].iter().any(|w| w.name == v.name && w.id == v.id), "{} verified twice", v.name);
        }
    }

    let mut fresh = match Note::new(note.text().to_string()) {
        Ok(fresh) => fresh,
        Err(e) => panic!("Note::new refuses the text of a note Note::parse accepted: {e}\n{:?}", note.text()),
    };
    let (log, witness) = (detente_fuzz::log_key(), detente_fuzz::witness_key());
    let time = 1_700_000_000 + data.len() as u64;
    fresh.sign(log, 0);
    fresh.sign(witness, time);
    let written = fresh.to_string();
    let reread = match Note::parse(&written) {
        Ok(reread) => reread,
        Err(e) => panic!("a freshly signed note does not parse: {e}\n{written}"),
    };
    assert_eq!(reread, fresh, "a freshly signed note parses to another note:\n{written}");
    let keys = [log.verifier().clone(), witness.verifier().clone()];
    match reread.verify(&keys) {
        Ok(verified) => {
            let times: Vec<_> = verified.iter().map(|v| v.timestamp).collect();
            assert_eq!(times, [None, Some(time)], "fresh signatures verified as {verified:?}");
        }
        Err(e) => panic!("fresh signatures do not verify: {e}\n{written}"),
    }
});
