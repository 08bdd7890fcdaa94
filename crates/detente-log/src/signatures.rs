//! Checking many Ed25519 signatures made with one key, as an audit does.
//!
//! Each signature is checked exactly as `verify_strict` checks one: S must be
//! canonical, neither the key A nor R may be of small order, and the
//! encoding of [S]B − [k]A must be R's bytes, with k = SHA-512(R ‖ A ‖ M).
//! Three things make it faster, and none changes what is accepted:
//!
//! - the multiples of B and of −A are tabled once for the whole log, since
//!   every entry of a record is signed with the same key, so that each
//!   check is two fixed-base multiplications: 33 additions each, and no
//!   doublings (BENCHMARKS.md §5 has the figures);
//! - the tables are read in variable time. Everything a verifier computes
//!   with is public (entries, signatures and the key), so there is no
//!   secret for the timing to reveal;
//! - the points [S]B − [k]A of a run of signatures are encoded together,
//!   which shares one field inversion among them. R itself is never
//!   decoded: when the encoding of [S]B − [k]A equals R's bytes, R is that
//!   point and canonically encoded, so it is small-order exactly when that
//!   point is.
//!
//! This is deliberately not batch verification. A random linear
//! combination of the equations cannot accept exactly what `verify_strict`
//! accepts: an R with a small-order component passes it with probability
//! 1/8 or more, and the key's holder (the operator, in a party's record)
//! could craft such signatures that some audits accept and others refuse.
//! Telling that component apart costs as much as the check itself.

use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity as _;
use sha2::{Digest as _, Sha512};

/// One signature to check: the message, given as the parts it is the
/// concatenation of (so that a signing context needs no copy), and the
/// signature's 64 bytes.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub message: [&'a [u8]; 2],
    pub signature: &'a [u8; 64],
}

/// The tables of one public key, for checking many of its signatures.
pub struct KeyTables {
    public_key: [u8; 32],
    minus_key: EdwardsPoint,
    /// Multiples of the base point B and of −A, built on the first check
    /// (about 2.5 ms and 1.4 MB), so that opening a record stays cheap.
    tables: OnceLock<[FixedBase; 2]>,
}

impl std::fmt::Debug for KeyTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTables").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl KeyTables {
    /// The tables of an encoded public key; `None` for a key `verify_strict`
    /// would refuse every signature of (not a point, or of small order).
    pub fn new(public_key: &[u8; 32]) -> Option<KeyTables> {
        let point = CompressedEdwardsY(*public_key).decompress()?;
        if point.is_small_order() {
            return None;
        }
        Some(KeyTables { public_key: *public_key, minus_key: -point, tables: OnceLock::new() })
    }

    /// Checks every signature; on failure, the position of the first that
    /// does not verify.
    pub fn check(&self, signed: &[Signed<'_>]) -> Result<(), usize> {
        let mut points = Vec::with_capacity(signed.len());
        for (position, item) in signed.iter().enumerate() {
            points.push(self.expected_r(item).ok_or(position)?);
        }
        let encoded = EdwardsPoint::compress_batch_alloc(&points);
        let bad = signed.iter().zip(points.iter().zip(&encoded)).position(|(item, (point, encoding))| {
            encoding.as_bytes()[..] != item.signature[..32] || point.is_small_order()
        });
        bad.map_or(Ok(()), Err)
    }

    /// [S]B − [k]A, the point R must encode; `None` if S is not canonical.
    fn expected_r(&self, item: &Signed<'_>) -> Option<EdwardsPoint> {
        let (r, s) = item.signature.split_at(32);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s.try_into().expect("32 bytes")))?;
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(self.public_key);
        for part in item.message {
            hash.update(part);
        }
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        let [base, minus_key] =
            self.tables.get_or_init(|| [FixedBase::new(ED25519_BASEPOINT_POINT), FixedBase::new(self.minus_key)]);
        let mut sum = EdwardsPoint::identity();
        base.add_multiple(&s, &mut sum);
        minus_key.add_multiple(&k, &mut sum);
        Some(sum)
    }
}

/// The multiples d·256ʲ·P of one point P, for every byte position j of a
/// scalar and every signed digit 1 ≤ d ≤ 128, so that [x]P is a sum of one
/// table entry per byte of x.
struct FixedBase {
    rows: Vec<[EdwardsPoint; HALF_RADIX]>,
}

const HALF_RADIX: usize = 128;
/// A scalar's 32 bytes as signed digits in [−128, 128) carry at most 1 into a
/// 33rd.
const DIGITS: usize = 33;

impl FixedBase {
    fn new(point: EdwardsPoint) -> FixedBase {
        let mut rows: Vec<[EdwardsPoint; HALF_RADIX]> = Vec::with_capacity(DIGITS);
        let mut unit = point;
        for _ in 0..DIGITS {
            let mut multiple = EdwardsPoint::identity();
            let row = std::array::from_fn(|_| {
                multiple += &unit;
                multiple
            });
            // 2 · 128 · 256ʲ·P is the next row's unit.
            unit = row[HALF_RADIX - 1] + row[HALF_RADIX - 1];
            rows.push(row);
        }
        FixedBase { rows }
    }

    /// Adds [x]P to `sum`.
    fn add_multiple(&self, x: &Scalar, sum: &mut EdwardsPoint) {
        let mut carry = 0i16;
        for (j, row) in self.rows.iter().enumerate() {
            let byte = x.as_bytes().get(j).copied().unwrap_or(0);
            let mut digit = i16::from(byte) + carry;
            carry = i16::from(digit >= HALF_RADIX as i16);
            digit -= carry << 8;
            match digit {
                0 => {}
                1.. => *sum += &row[digit as usize - 1],
                _ => *sum -= &row[usize::from(digit.unsigned_abs()) - 1],
            }
        }
        debug_assert_eq!(carry, 0, "a reduced scalar is below 2²⁵³");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `verify_strict`'s answer, the reference.
    fn strict(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        ed25519_dalek::VerifyingKey::from_bytes(public_key)
            .is_ok_and(|key| key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok())
    }

    fn tables_say(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        KeyTables::new(public_key).is_some_and(|t| t.check(&[Signed { message: [message, &[]], signature }]).is_ok())
    }

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let bytes: Vec<u8> =
            (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect();
        bytes.try_into().unwrap()
    }

    /// The edge cases of "Taming the many EdDSAs" (Chalkias, Garillot and
    /// Nikolaenko, SSR 2020), as published in the ed25519-speccheck
    /// repository's `cases.json`: small-order and mixed-order keys and R,
    /// S = 0, non-canonical S, and non-canonical R and A encodings. Each is
    /// (message, public key, signature).
    const SPECCHECK: [(&str, &str, &str); 10] = [
        (
            "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        ),
        (
            "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
            "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
        ),
        (
            "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
            "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
        ),
        (
            "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
            "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
        ),
        (
            "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
            "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
        ),
        (
            "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
            "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
            "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
        ),
        (
            "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
            "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
            "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
        ),
        (
            "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a",
            "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607",
        ),
        (
            "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1",
            "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09",
        ),
    ];

    #[test]
    fn the_edge_cases_get_verify_stricts_answer() {
        let mut accepted = Vec::new();
        for (case, (message, key, signature)) in SPECCHECK.iter().enumerate() {
            let (message, key, signature) = (hex::<32>(message), hex::<32>(key), hex::<64>(signature));
            let expected = strict(&key, &message, &signature);
            assert_eq!(tables_say(&key, &message, &signature), expected, "case {case}");
            if expected {
                accepted.push(case);
            }
        }
        // Strict checking accepts case 3 alone: the others have a key or R
        // of small or mixed order, S = 0 or an S or R not canonically encoded.
        assert_eq!(accepted, [3]);
    }

    /// A small-order point as R with S = 0 satisfies the equation for a
    /// small-order key; with a sound key it is refused even when S and R
    /// are otherwise well formed.
    #[test]
    fn small_order_and_non_canonical_r_are_refused_as_strictly() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let public = key.verifying_key().to_bytes();
        let tables = KeyTables::new(&public).unwrap();
        let message = b"entry";
        let good = ed25519_dalek::Signer::sign(&key, message).to_bytes();
        let check = |signature: &[u8; 64]| tables.check(&[Signed { message: [message, &[]], signature }]).is_ok();
        assert!(check(&good) && strict(&public, message, &good));
        let identity: [u8; 32] = hex("0100000000000000000000000000000000000000000000000000000000000000");
        let mut variants = Vec::new();
        for r in [identity, hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] {
            let mut signature = good;
            signature[..32].copy_from_slice(&r);
            variants.push(signature);
        }
        // S + l: the same scalar, not canonically encoded.
        let mut high_s = good;
        let l: [u8; 32] = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
        let mut carry = 0u16;
        for (byte, add) in high_s[32..].iter_mut().zip(l) {
            let sum = u16::from(*byte) + u16::from(add) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        variants.push(high_s);
        for signature in variants {
            assert!(!strict(&public, message, &signature));
            assert!(!check(&signature));
        }
    }

    /// The table sums are [x]P for the scalars whose signed digits carry
    /// most: all bytes 0x80 and above, the largest scalar, and zero.
    #[test]
    fn fixed_base_multiples_are_exact() {
        let point = EdwardsPoint::mul_base(&Scalar::from(7u64));
        let table = FixedBase::new(point);
        let mut scalars = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(128u64), Scalar::from(255u64)];
        for byte in [0x7f, 0x80, 0xff] {
            scalars.push(Scalar::from_bytes_mod_order([byte; 32]));
        }
        for x in scalars {
            let mut sum = EdwardsPoint::identity();
            table.add_multiple(&x, &mut sum);
            assert_eq!(sum, point * x, "{x:?}");
        }
    }

    #[test]
    fn the_first_bad_signature_is_named() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let tables = KeyTables::new(&key.verifying_key().to_bytes()).unwrap();
        let messages: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 1 + i as usize]).collect();
        let mut signatures: Vec<[u8; 64]> =
            messages.iter().map(|m| ed25519_dalek::Signer::sign(&key, m).to_bytes()).collect();
        let all = |signatures: &[[u8; 64]]| {
            let signed: Vec<Signed<'_>> = messages
                .iter()
                .zip(signatures)
                .map(|(m, s)| Signed { message: [&m[..1], &m[1..]], signature: s })
                .collect();
            tables.check(&signed)
        };
        assert_eq!(all(&signatures), Ok(()));
        signatures[31][40] ^= 1;
        signatures[17][3] ^= 1;
        assert_eq!(all(&signatures), Err(17));
    }

    proptest::proptest! {
        /// Any change to a signature, its message or its key gets the
        /// answer `verify_strict` gives.
        #[test]
        fn mutated_signatures_get_verify_stricts_answer(
            seed: [u8; 32],
            message: Vec<u8>,
            flip in proptest::option::of((0usize..96, 0u8..8)),
            replace_r: Option<[u8; 32]>,
        ) {
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            let mut signature = ed25519_dalek::Signer::sign(&key, &message).to_bytes();
            let mut public = key.verifying_key().to_bytes();
            if let Some((at, bit)) = flip {
                if at < 64 { signature[at] ^= 1 << bit } else { public[at - 64] ^= 1 << bit }
            }
            if let Some(r) = replace_r {
                signature[..32].copy_from_slice(&r);
            }
            proptest::prop_assert_eq!(tables_say(&public, &message, &signature), strict(&public, &message, &signature));
        }
    }
}
