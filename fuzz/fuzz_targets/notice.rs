//! A notification's contents (`Notice`, JSON) checked against every New
//! START kind and admitted to a ledger of the mixed fixture declaration: no
//! panic; a refusal names a field and changes nothing; what is admitted
//! leaves a database that can be read at every moment it names, and its
//! JSON reads back the same.
#![no_main]

use detente_core::ledger::{Admitted, Ledger};
use detente_core::{Notice, Time};
use detente_fuzz::{fixture_declaration, new_start, vocabulary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(notice) = serde_json::from_slice::<Notice>(data) else { return };
    let again: Notice = serde_json::from_str(&serde_json::to_string(&notice).unwrap()).expect("written notices read back");
    assert_eq!(again, notice);
    let base = fixture_declaration();
    for kind in &new_start().notifications {
        if let Err(error) = kind.check(&notice, base) {
            assert!(!error.path.is_empty(), "{error}");
        }
        let _ = kind.due_by(&notice, Some(base.as_of()), &new_start().dates);
    }
    let mut ledger = Ledger::new(base.clone(), vocabulary().clone());
    let admitted = Admitted { sequence: 1, kind: "change-in-data".into(), provided: None, notice };
    let before = format!("{:?}", ledger.now());
    match ledger.admit(admitted.clone()) {
        Err(error) => {
            assert!(!error.path.is_empty(), "{error}");
            assert_eq!(format!("{:?}", ledger.now()), before, "a refused notice changed the database");
            assert!(ledger.admitted().is_empty());
        }
        Ok(()) => {
            for event in &admitted.notice.events {
                let _ = ledger.at(event.at);
                let _ = ledger.at(event.at.add_hours(1));
                let _ = ledger.known_at(event.at.add_hours(1), Time::start_of(base.as_of()));
                assert!(ledger.history(&event.uid).is_some_and(|h| !h.steps.is_empty()));
            }
        }
    }
});
