//! Parsers that turn argument text into typed values once, at parse time, so
//! commands never see strings they would have to parse again. A bad value is
//! a usage error naming the flag (exit status 2).

use detente_analysis::montecarlo::Axis;
use detente_analysis::params::{Apply, Parameter};
use detente_core::Party;
use detente_log::Hash;
use detente_log::entry::Reference;
use detente_store::Address;

pub fn party(text: &str) -> Result<Party, String> {
    text.trim().parse::<Party>().map_err(|e| e.to_string())
}

pub fn store(text: &str) -> Result<Address, String> {
    Address::parse(text).map_err(|e| e.to_string())
}

/// 64 hexadecimal digits.
pub fn hash(text: &str) -> Result<Hash, String> {
    let bad = || format!("expected 64 hexadecimal digits, found {} characters", text.len());
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(Hash(bytes))
}

/// `PARTY:SEQUENCE:LEAFHASH`, the entry another refers to.
pub fn reference(text: &str) -> Result<Reference, String> {
    let bad = || "expected PARTY:SEQUENCE:LEAFHASH (hex)".to_owned();
    let mut parts = text.split(':');
    let (Some(party_code), Some(sequence), Some(leaf), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok(Reference { party: party(party_code)?, sequence: sequence.parse().map_err(|_| bad())?, leaf_hash: hash(leaf)? })
}

/// A number above 0.
pub fn positive(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| "not a number".to_owned())?;
    if value.is_finite() && value > 0.0 { Ok(value) } else { Err(format!("{value} is not a number above 0")) }
}

/// A share from 0 to 1.
pub fn share(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| "not a number".to_owned())?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(format!("{value} is not a share from 0 to 1")) }
}

/// A share from 0 to below 1.
pub fn share_below_one(text: &str) -> Result<f64, String> {
    let value = share(text)?;
    if value < 1.0 { Ok(value) } else { Err(format!("{value} is not a share from 0 to below 1")) }
}

/// A change to one figure of a scenario: `PARAMETER=VALUE` sets it,
/// `PARAMETER*=VALUE` scales it.
#[derive(Debug, Clone)]
pub struct Change {
    pub parameter: Parameter,
    pub apply: Apply,
    pub value: f64,
}

pub fn change(text: &str) -> Result<Change, String> {
    let (parameter, apply, value) = assignment(text)?;
    let value: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("{} is not a number", detente_core::quoted(value)))?;
    Ok(Change { parameter, apply, value })
}

/// A sweep axis: `PARAMETER=FROM:TO:STEPS` (or `*=` to scale).
pub fn axis(text: &str) -> Result<Axis, String> {
    let (parameter, apply, range) = assignment(text)?;
    let bad = || "expected FROM:TO:STEPS after the parameter, such as 0:1:21".to_owned();
    let parts: Vec<&str> = range.split(':').collect();
    let [from, to, steps] = parts.as_slice() else { return Err(bad()) };
    let (from, to): (f64, f64) = (from.trim().parse().map_err(|_| bad())?, to.trim().parse().map_err(|_| bad())?);
    let steps: usize = steps.trim().parse().map_err(|_| bad())?;
    if !(from.is_finite() && to.is_finite() && (1..=2000).contains(&steps)) {
        return Err("FROM and TO must be numbers and STEPS from 1 to 2,000".into());
    }
    Ok(Axis { parameter, apply, from, to, steps })
}

/// `PARAMETER=REST` or `PARAMETER*=REST`.
fn assignment(text: &str) -> Result<(Parameter, Apply, &str), String> {
    let (parameter, apply, rest) = match text.split_once("*=") {
        Some((p, rest)) => (p, Apply::Scale, rest),
        None => {
            let (p, rest) =
                text.split_once('=').ok_or_else(|| "expected PARAMETER=VALUE or PARAMETER*=VALUE".to_owned())?;
            (p, Apply::Set, rest)
        }
    };
    Ok((parameter.trim().parse::<Parameter>().map_err(|e| e.to_string())?, apply, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_hashes() {
        let leaf = "ab".repeat(32);
        let parsed = reference(&format!("US:7:{leaf}")).unwrap();
        assert_eq!((parsed.party.as_str(), parsed.sequence, parsed.leaf_hash.to_hex()), ("US", 7, leaf.clone()));
        assert!(reference("US:7").is_err());
        assert!(reference(&format!("us:7:{leaf}")).is_err());
        assert!(hash(&"g".repeat(64)).is_err());
        assert!(hash(&"é".repeat(32)).is_err(), "non-ASCII text of 64 bytes is refused, not split mid-character");
    }

    #[test]
    fn numbers_in_range() {
        assert_eq!(share("0.5"), Ok(0.5));
        assert!(share("1.5").is_err());
        assert!(share_below_one("1").is_err());
        assert!(positive("0").is_err());
        assert!(positive("NaN").is_err());
    }

    #[test]
    fn changes_and_axes() {
        let c = change("US.cep_m*=1.5").unwrap();
        assert_eq!((c.apply, c.value), (Apply::Scale, 1.5));
        assert!(change("US.cep_m=inf").is_err());
        let a = axis("US.alert_rate=0:1:41").unwrap();
        assert_eq!((a.from, a.to, a.steps), (0.0, 1.0, 41));
        assert!(axis("US.alert_rate=0:1").is_err());
        assert!(axis("US.alert_rate=0:1:0").is_err());
    }
}
