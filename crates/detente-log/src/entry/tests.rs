//! Entries: their canonical encoding, its strict reading, and signatures.

use super::*;

fn key() -> SigningKey {
    SigningKey::from_seed("us.example/record", Algorithm::Ed25519, [3; 32]).unwrap()
}

fn notification() -> Entry {
    Entry {
        party: "US".parse().unwrap(),
        sequence: 7,
        time: 1_700_000_000,
        body: Body::Notification { treaty: "new-start".into(), notice: "change-in-data".into(), refers_to: None },
        content: Content::of("text/plain", b"One B-52H converted.".to_vec()),
    }
}

#[test]
fn every_kind_round_trips_and_verifies() {
    let reference = Reference { party: "RU".parse().unwrap(), sequence: 3, leaf_hash: Hash::leaf(b"x") };
    let bodies = [
        Body::Declaration { treaty: "new-start".into(), as_of: "2020-09-01".parse().unwrap() },
        Body::Notification {
            treaty: "new-start".into(),
            notice: "change-in-data".into(),
            refers_to: Some(reference.clone()),
        },
        Body::Receipt { of: reference.clone() },
        Body::InspectionReport { treaty: "new-start".into(), inspection: "type-one".into() },
        Body::Concern { treaty: "new-start".into(), about: Some(reference) },
        Body::EscrowCommitment { treaty: "new-start".into(), root: Hash::leaf(b"root"), leaves: 1550 },
    ];
    for body in bodies {
        let entry = Entry { body, ..notification() };
        let signed = entry.clone().sign(&key()).unwrap();
        let decoded = SignedEntry::decode(signed.bytes()).unwrap();
        assert_eq!(decoded.entry(), &entry);
        decoded.verify(key().verifier()).unwrap();
    }
}

#[test]
fn large_content_is_recorded_by_digest() {
    let content = Content::of("text/csv", vec![b'x'; 100_000]);
    assert!(matches!(content, Content::Digest { size: 100_000, .. }));
    let signed = Entry { content, ..notification() }.sign(&key()).unwrap();
    assert!(signed.bytes().len() < 200);
}

#[test]
fn any_changed_byte_fails_decoding_or_verification() {
    let signed = notification().sign(&key()).unwrap();
    for i in 0..signed.bytes().len() {
        let mut bytes = signed.bytes().to_vec();
        bytes[i] ^= 0x20;
        let verified = SignedEntry::decode(&bytes).and_then(|e| e.verify(key().verifier()));
        assert!(verified.is_err(), "byte {i} changed and the entry still verified");
    }
}

#[test]
fn bad_input_names_the_field() {
    let signed = notification().sign(&key()).unwrap();
    let bytes = signed.bytes();
    let error = SignedEntry::decode(&bytes[..bytes.len() - 1]).unwrap_err().to_string();
    assert!(error.contains("field signature"), "{error}");
    let error = SignedEntry::decode(&[bytes, &[0]].concat()).unwrap_err().to_string();
    assert!(error.contains("bytes follow the signature"), "{error}");
    let error = SignedEntry::decode(&[&[2u8][..], &bytes[1..]].concat()).unwrap_err().to_string();
    assert!(error.contains("field version"), "{error}");
    let bad_treaty = Entry {
        body: Body::Notification { treaty: "New START".into(), notice: "x".into(), refers_to: None },
        ..notification()
    };
    assert!(bad_treaty.sign(&key()).unwrap_err().to_string().contains("field treaty"));
    let other = SigningKey::from_seed("us.example/record", Algorithm::Ed25519, [4; 32]).unwrap();
    assert!(matches!(signed.verify(other.verifier()), Err(EntryError::WrongKey { .. })));
}

#[test]
fn kinds_are_read_by_name_and_an_unknown_name_is_refused() {
    for (kind, name) in KINDS {
        assert_eq!(name.parse::<Kind>(), Ok(kind));
        assert_eq!(kind.to_string(), name);
    }
    let error = "inspection".parse::<Kind>().unwrap_err();
    assert_eq!(error, UnknownKind { text: "inspection".into() });
    assert_eq!(
        error.to_string(),
        "unknown entry kind \"inspection\"; expected one of declaration, notification, receipt, \
         inspection-report, concern, escrow-commitment"
    );
}
