//! C2SP tlog-witness `add-checkpoint` request bodies on arbitrary UTF-8 text:
//! `AddCheckpoint::parse` never panics; an accepted body has at most 63 proof
//! lines, is written back byte for byte by `to_text()` and parses again to the
//! same request. `witness::check`, trusting the fuzz log key, never panics
//! whatever the witness last cosigned: nothing, the fixed log's honest
//! checkpoint at the request's old size, or a checkpoint of that size with
//! another root. A refusal carries one of the spec's statuses (a conflict names
//! the size the witness knows); an acceptance is of the checkpoint in the
//! request's note, from the trusted origin, no smaller than the old size, which
//! is the size the witness knows, with the same root when the sizes are equal,
//! the empty root at size 0, and a proof that verifies on its own.
#![no_main]

use detente_log::Hash;
use detente_log::checkpoint::Checkpoint;
use detente_log::tree;
use detente_log::witness::{AddCheckpoint, Latest, MAX_PROOF_LINES, Refusal, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(request) = AddCheckpoint::parse(text) else { return };
    assert!(request.proof.len() <= MAX_PROOF_LINES, "{} proof lines accepted", request.proof.len());
    let written = request.to_text();
    assert_eq!(written, text, "an accepted request is written back differently");
    assert_eq!(AddCheckpoint::parse(&written), Ok(request.clone()), "the written request parses differently");

    let log = detente_fuzz::fixed_log();
    let logs = [detente_fuzz::log_key().verifier().clone()];
    let old = request.old_size;
    let honest = (old <= log.size()).then(|| Latest { size: old, root: log.root(old) });
    let other = Some(Latest { size: old, root: Hash::leaf(b"another tree") });
    for latest in [None, honest, other] {
        let known = latest.map_or(0, |l| l.size);
        let accepted = match check(&request, &logs, latest) {
            Ok(accepted) => accepted,
            Err(refusal) => {
                assert!([400, 403, 404, 409, 422].contains(&refusal.status()), "status {}", refusal.status());
                if let Refusal::Conflict { latest } = refusal {
                    assert_eq!(latest, known, "a conflict names size {latest}, the witness knows {known}");
                }
                continue;
            }
        };
        let checkpoint = &accepted.checkpoint;
        assert_eq!(Checkpoint::parse(accepted.note.text()).as_ref(), Ok(checkpoint), "accepted another checkpoint");
        assert_eq!(accepted.note.to_string(), request.checkpoint, "accepted another note");
        assert_eq!(checkpoint.origin, logs[0].name(), "accepted a checkpoint of an unknown log");
        assert_eq!(old, known, "accepted old size {old} when the witness knows {known}");
        assert!(checkpoint.size >= old, "accepted a checkpoint of {} after {old}", checkpoint.size);
        if checkpoint.size == 0 {
            assert_eq!(checkpoint.root, Hash::empty(), "accepted a non-empty root for the empty tree");
        }
        if let Some(latest) = latest.filter(|l| l.size > 0) {
            if latest.size == checkpoint.size {
                assert_eq!(latest.root, checkpoint.root, "accepted another root for the same size");
            }
            let verified =
                tree::verify_consistency(latest.size, checkpoint.size, &latest.root, &checkpoint.root, &request.proof);
            assert_eq!(verified, Ok(()), "accepted a proof that does not verify");
        } else {
            assert!(request.proof.is_empty(), "accepted a proof from size 0");
        }
    }
});
