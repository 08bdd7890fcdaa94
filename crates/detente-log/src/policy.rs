//! C2SP tlog-policy files: which logs are trusted, which witnesses, and the
//! quorum of cosignatures a checkpoint needs before anyone relies on it.
//!
//! ```text
//! log us.detente.example/record+1a2b3c4d+AQ…
//! witness RU ru.detente.example/witness+…+BA…
//! witness NEUTRAL neutral.example/witness+…+BA…
//! group parties all RU
//! group enough all parties NEUTRAL
//! quorum enough
//! ```

use crate::keys::{Algorithm, KeyError, VerifierKey};
use crate::note::Verified;

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    logs: Vec<VerifierKey>,
    witnesses: Vec<Witness>,
    groups: Vec<Group>,
    quorum: Option<Member>,
}

/// A witness the policy names.
#[derive(Debug, Clone)]
pub struct Witness {
    pub name: String,
    pub key: VerifierKey,
    pub url: Option<String>,
}

#[derive(Debug, Clone)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

/// Two sets of witnesses, by name, with none in common, each meeting a quorum.
pub type DisjointQuorums = (Vec<String>, Vec<String>);

/// The most witnesses [`Policy::disjoint_quorums`] checks.
pub const MAX_WITNESSES_CHECKED: usize = 20;

/// A policy with more witnesses than [`Policy::disjoint_quorums`] checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{count} witnesses are more than the {MAX_WITNESSES_CHECKED} whose quorums can be checked to overlap")]
pub struct TooManyWitnesses {
    pub count: usize,
}

/// A policy line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut policy = Policy { logs: Vec::new(), witnesses: Vec::new(), groups: Vec::new(), quorum: None };
        let mut saw_quorum = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let fail = |message: String| PolicyError { line, message };
            if raw.chars().any(|c| c.is_ascii_control() && c != '\t') {
                return Err(fail("control characters other than tab are not allowed".into()));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let key = |text: &str, algorithm: Algorithm| -> Result<VerifierKey, PolicyError> {
                let key = VerifierKey::parse(text).map_err(|e: KeyError| fail(e.to_string()))?;
                if key.algorithm() != algorithm {
                    return Err(fail(format!("the key {text} has the wrong signature type for this line")));
                }
                Ok(key)
            };
            match words.as_slice() {
                [] => {}
                [first, ..] if first.starts_with('#') => {}
                ["log", vkey, rest @ ..] if rest.len() <= 1 => {
                    let log = key(vkey, Algorithm::Ed25519)?;
                    if policy.logs.iter().any(|other| other.public_key() == log.public_key()) {
                        return Err(fail(format!("the key of log {} is listed twice", log.name())));
                    }
                    policy.logs.push(log);
                }
                ["witness", name, vkey, rest @ ..] if rest.len() <= 1 => {
                    policy.check_new_name(name, line)?;
                    let witness_key = key(vkey, Algorithm::Cosignature)?;
                    if policy.witnesses.iter().any(|w| w.key.public_key() == witness_key.public_key()) {
                        return Err(fail(format!("the key of witness {name} is listed twice")));
                    }
                    let url = rest.first().map(|u| u.to_string());
                    policy.witnesses.push(Witness { name: name.to_string(), key: witness_key, url });
                }
                ["group", name, threshold, members @ ..] if !members.is_empty() => {
                    policy.check_new_name(name, line)?;
                    let members = policy.members(members, line)?;
                    let threshold = match *threshold {
                        "all" => members.len(),
                        "any" => 1,
                        k => crate::checkpoint::parse_decimal(k)
                            .and_then(|k| usize::try_from(k).ok())
                            .filter(|k| (1..=members.len()).contains(k))
                            .ok_or_else(|| {
                                fail(format!(
                                    "threshold {k:?} must be all, any or a number from 1 to {}",
                                    members.len()
                                ))
                            })?,
                    };
                    policy.groups.push(Group { name: name.to_string(), threshold, members });
                }
                ["quorum", name] => {
                    if saw_quorum {
                        return Err(fail("a policy has exactly one quorum line".into()));
                    }
                    saw_quorum = true;
                    policy.quorum = match *name {
                        "none" => None,
                        name => {
                            Some(policy.lookup(name).ok_or_else(|| fail(format!("{name:?} is not defined above")))?)
                        }
                    };
                }
                _ => {
                    return Err(fail(format!(
                        "expected `log <vkey> [url]`, `witness <name> <vkey> [url]`, \
                         `group <name> <all|any|k> <member>…` or `quorum <name|none>`, found {raw:?}"
                    )));
                }
            }
        }
        if !saw_quorum {
            return Err(PolicyError {
                line: text.lines().count().max(1),
                message: "the policy has no quorum line".into(),
            });
        }
        Ok(policy)
    }

    fn check_new_name(&self, name: &str, line: usize) -> Result<(), PolicyError> {
        if name == "none" {
            return Err(PolicyError { line, message: "`none` is reserved and cannot name a witness or group".into() });
        }
        if self.lookup(name).is_some() {
            return Err(PolicyError { line, message: format!("{name:?} is already defined") });
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<Member> {
        let witness = self.witnesses.iter().position(|w| w.name == name).map(Member::Witness);
        witness.or_else(|| self.groups.iter().position(|g| g.name == name).map(Member::Group))
    }

    fn members(&self, names: &[&str], line: usize) -> Result<Vec<Member>, PolicyError> {
        let mut members = Vec::new();
        for name in names {
            let member = self
                .lookup(name)
                .ok_or_else(|| PolicyError { line, message: format!("group member {name:?} is not defined above") })?;
            if members.contains(&member) {
                return Err(PolicyError { line, message: format!("group member {name:?} is listed twice") });
            }
            members.push(member);
        }
        Ok(members)
    }

    pub fn logs(&self) -> &[VerifierKey] {
        &self.logs
    }

    pub fn witnesses(&self) -> &[Witness] {
        &self.witnesses
    }

    pub fn witness_keys(&self) -> Vec<VerifierKey> {
        self.witnesses.iter().map(|w| w.key.clone()).collect()
    }

    /// The names (in this policy) of the witnesses among `cosignatures`.
    pub fn cosigners(&self, cosignatures: &[Verified]) -> Vec<String> {
        let by = |w: &&Witness| cosignatures.iter().any(|c| c.name == w.key.name() && c.id == w.key.id());
        self.witnesses.iter().filter(by).map(|w| w.name.clone()).collect()
    }

    /// Whether the witnesses named in `cosigners` make up the quorum.
    pub fn quorum_met(&self, cosigners: &[String]) -> bool {
        self.met_by(|i| cosigners.contains(&self.witnesses[i].name))
    }

    /// Whether the witnesses for which `cosigned(index)` holds make up the quorum.
    fn met_by(&self, cosigned: impl Fn(usize) -> bool) -> bool {
        // Groups only name groups defined before them, so one pass in
        // definition order decides every group once: linear, however the
        // groups share members.
        let mut met = Vec::with_capacity(self.groups.len());
        let member_met = |member: Member, met: &[bool]| match member {
            Member::Witness(i) => cosigned(i),
            Member::Group(i) => met[i],
        };
        for group in &self.groups {
            let witnessed = group.members.iter().filter(|&&m| member_met(m, &met)).count();
            met.push(witnessed >= group.threshold);
        }
        self.quorum.is_none_or(|member| member_met(member, &met))
    }

    /// Two sets of witnesses with no witness in common that each make up
    /// the quorum, if the policy allows any. A log that can gather two such
    /// quorums can have each cosign a different history without any one
    /// witness seeing both, so a policy that relies on witnesses to stop
    /// a log showing two histories must have none.
    ///
    /// The quorum only grows with its cosigners, so it is enough to try
    /// every set against the set of all the others: `2^n` evaluations for
    /// `n` witnesses, which is why the number is capped.
    pub fn disjoint_quorums(&self) -> Result<Option<DisjointQuorums>, TooManyWitnesses> {
        let n = self.witnesses.len();
        if n > MAX_WITNESSES_CHECKED {
            return Err(TooManyWitnesses { count: n });
        }
        let all = (1u32 << n) - 1;
        let names = |set: u32| (0..n).filter(|i| set & (1 << i) != 0).map(|i| self.witnesses[i].name.clone()).collect();
        for set in 0..=all {
            let other = all & !set;
            if self.met_by(|i| set & (1 << i) != 0) && self.met_by(|i| other & (1 << i) != 0) {
                return Ok(Some((names(set), names(other))));
            }
        }
        Ok(None)
    }

    /// The quorum rule in words, for reports: the quorum's group, then each
    /// group it depends on, once each, by name.
    pub fn describe_quorum(&self) -> String {
        let Some(quorum) = self.quorum else { return "none (no cosignature needed)".into() };
        let Member::Group(top) = quorum else { return self.name(quorum).to_string() };
        let mut needed = vec![false; self.groups.len()];
        needed[top] = true;
        for i in (0..=top).rev() {
            if !needed[i] {
                continue;
            }
            for member in &self.groups[i].members {
                if let Member::Group(j) = *member {
                    needed[j] = true;
                }
            }
        }
        let definitions = (0..=top).rev().filter(|&i| needed[i]).map(|i| {
            let group = &self.groups[i];
            let members: Vec<&str> = group.members.iter().map(|&m| self.name(m)).collect();
            format!("{} = {} of [{}]", group.name, group.threshold, members.join(", "))
        });
        definitions.collect::<Vec<_>>().join("; ")
    }

    fn name(&self, member: Member) -> &str {
        match member {
            Member::Witness(i) => &self.witnesses[i].name,
            Member::Group(i) => &self.groups[i].name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    fn key(name: &str, algorithm: Algorithm, seed: u8) -> String {
        SigningKey::from_seed(name, algorithm, [seed; 32]).unwrap().verifier().to_string()
    }

    fn example() -> String {
        format!(
            "# the US record\nlog {}\n\nwitness RU {}\nwitness CN {} https://cn.example/witness\n\
             witness X {}\n\tgroup parties 1 RU CN\ngroup q all parties X\nquorum q\n",
            key("us.example/record", Algorithm::Ed25519, 1),
            key("ru.example/witness", Algorithm::Cosignature, 2),
            key("cn.example/witness", Algorithm::Cosignature, 3),
            key("neutral.example/witness", Algorithm::Cosignature, 4),
        )
    }

    #[test]
    fn nested_groups_decide_the_quorum() {
        let policy = Policy::parse(&example()).unwrap();
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!policy.quorum_met(&names(&[])));
        assert!(!policy.quorum_met(&names(&["RU", "CN"])));
        assert!(!policy.quorum_met(&names(&["X"])));
        assert!(policy.quorum_met(&names(&["CN", "X"])));
        assert_eq!(policy.describe_quorum(), "q = 2 of [parties, X]; parties = 1 of [RU, CN]");
        assert_eq!(policy.witnesses()[1].url.as_deref(), Some("https://cn.example/witness"));
    }

    /// Found by reading the code (fuzz/regressions/policy-nested-groups-exponential.bin):
    /// groups that share subgroups were evaluated and described once per path, 2^n work.
    #[test]
    fn shared_subgroups_are_decided_once() {
        let mut text = format!(
            "log {}\nwitness A {}\nwitness B {}\ngroup g0 any A B\ngroup g1 any B A\n",
            key("l", Algorithm::Ed25519, 1),
            key("a", Algorithm::Cosignature, 2),
            key("b", Algorithm::Cosignature, 3)
        );
        for k in 2..200 {
            text.push_str(&format!("group g{k} all g{} g{}\n", k - 1, k - 2));
        }
        text.push_str("quorum g199\n");
        let policy = Policy::parse(&text).unwrap();
        assert!(policy.quorum_met(&["A".to_string()]));
        assert!(!policy.quorum_met(&[]));
        assert_eq!(policy.describe_quorum().matches(" = ").count(), 200);
    }

    fn policy_of(witnesses: usize, groups: &str) -> Policy {
        let mut text = format!("log {}\n", key("l", Algorithm::Ed25519, 1));
        for i in 0..witnesses {
            text.push_str(&format!("witness W{i} {}\n", key(&format!("w{i}"), Algorithm::Cosignature, 10 + i as u8)));
        }
        Policy::parse(&(text + groups)).unwrap()
    }

    #[test]
    fn quorums_that_can_be_disjoint_are_found() {
        let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let any = policy_of(3, "group g any W0 W1 W2\nquorum g\n");
        assert_eq!(any.disjoint_quorums().unwrap(), Some((set(&["W0"]), set(&["W1", "W2"]))));
        let two_of_three = policy_of(3, "group g 2 W0 W1 W2\nquorum g\n");
        assert_eq!(two_of_three.disjoint_quorums().unwrap(), None);
        let two_of_four = policy_of(4, "group g 2 W0 W1 W2 W3\nquorum g\n");
        assert!(two_of_four.disjoint_quorums().unwrap().is_some());
        let three_of_four = policy_of(4, "group g 3 W0 W1 W2 W3\nquorum g\n");
        assert_eq!(three_of_four.disjoint_quorums().unwrap(), None);
        // Nested: one of the parties and the neutral W2 always share W2.
        let nested = policy_of(3, "group parties any W0 W1\ngroup q all parties W2\nquorum q\n");
        assert_eq!(nested.disjoint_quorums().unwrap(), None);
        // No quorum at all: the empty set meets it twice over.
        assert_eq!(policy_of(1, "quorum none\n").disjoint_quorums().unwrap(), Some((vec![], set(&["W0"]))));
        let many = policy_of(21, "quorum W0\n");
        assert!(many.disjoint_quorums().unwrap_err().to_string().contains("more than the 20"));
    }

    #[test]
    fn quorum_none_needs_nothing() {
        let policy = Policy::parse(&format!("log {}\nquorum none\n", key("l", Algorithm::Ed25519, 1))).unwrap();
        assert!(policy.quorum_met(&[]));
    }

    #[test]
    fn mistakes_name_the_line() {
        let base = example();
        let cases = [
            (base.replace("quorum q", "quorum nobody"), 9, "not defined"),
            (base.replace("group q all parties X", "group q 3 parties X"), 8, "threshold"),
            (base.replace("group q all parties X", "group q all parties parties"), 8, "twice"),
            (base.replace("witness X", "witness RU"), 6, "already defined"),
            (base.replace("quorum q\n", ""), 8, "no quorum"),
            (base.replace("quorum q\n", "quorum q\nquorum q\n"), 10, "exactly one"),
            (base.replace("log ", "lg "), 2, "expected"),
            (format!("witness W {}\nquorum W\n", key("w", Algorithm::Ed25519, 5)), 1, "wrong signature type"),
        ];
        for (text, line, message) in cases {
            let error = Policy::parse(&text).unwrap_err();
            assert_eq!(error.line, line, "{error}");
            assert!(error.message.contains(message), "{error}");
        }
    }
}
