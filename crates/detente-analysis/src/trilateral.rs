//! Three parties (or more): first-strike stability pair by pair, each side
//! holding back a reserve against the others, and the case of two striking
//! together. No published method covers this; it is our extension of Kent
//! and Thaler's (see docs/analysis.md, "More than two parties").

use detente_core::Party;

use crate::posture::Posture;
use crate::stability::{LaunchUnderAttack, Model, Stability, stability};

/// How much each party holds back against the parties outside a pair.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Reserve {
    /// The share of a third party's value the reserve must be able to
    /// destroy (on that party's damage curve); 0 keeps no reserve.
    pub damage: f64,
}

impl Reserve {
    /// Warheads that destroy `damage` of `third`'s value: `w80 · ln(1 / (1 − d)) / ln 5`.
    pub fn warheads_against(&self, third: &Posture) -> f64 {
        if self.damage <= 0.0 {
            return 0.0;
        }
        third.value_w80 * (1.0 / (1.0 - self.damage.min(0.999_999))).ln() / 5f64.ln()
    }
}

/// `posture` with the share `held` of every system withheld: held weapons
/// take no part in the exchange, as shooters or as targets.
pub fn without_reserve(posture: &Posture, held: f64) -> Posture {
    let mut in_play = posture.clone();
    for system in &mut in_play.systems {
        system.launchers *= 1.0 - held;
    }
    in_play
}

/// The share of `posture`'s warheads it holds back against `others`: the
/// reserve against the strongest-valued of them (one reserve can answer any
/// one of them), at most everything.
pub fn held_share(reserve: &Reserve, posture: &Posture, others: &[&Posture]) -> f64 {
    let needed = others.iter().map(|other| reserve.warheads_against(other)).fold(0.0, f64::max);
    let warheads = posture.warheads();
    if warheads <= 0.0 { 0.0 } else { (needed / warheads).min(1.0) }
}

/// Two parties acting as one: their forces together, their values added.
pub fn coalition(first: &Posture, second: &Posture) -> Posture {
    Posture {
        party: first.party.clone(),
        systems: first.systems.iter().chain(&second.systems).cloned().collect(),
        value_w80: first.value_w80 + second.value_w80,
        reserve_warheads: None,
        non_deployed_launchers: 0.0,
    }
}

/// One pair's stability, with what each held back.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairStability {
    pub a: Party,
    pub b: Party,
    /// Shares of their warheads held back against the other parties.
    pub a_held: f64,
    pub b_held: f64,
    pub stability: Stability,
}

/// One party facing all the others striking together.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AgainstCoalition {
    pub party: Party,
    pub others: Vec<Party>,
    pub stability: Stability,
}

/// Everything about N parties.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Multilateral {
    pub pairs: Vec<PairStability>,
    /// The least stable pair's index.
    pub minimum: f64,
    /// The product of the pairs' indices.
    pub product: f64,
    /// Each party against the others together (for three or more parties).
    pub coalitions: Vec<AgainstCoalition>,
}

/// Pairwise stability of every pair of `postures`, each side holding back
/// `reserve` against the parties outside the pair, and each party against
/// a coalition of all the others (holding nothing back: no one is left).
pub fn multilateral(model: &Model, postures: &[Posture], reserve: &Reserve, launch_under_attack: bool) -> Multilateral {
    let lua = LaunchUnderAttack { a: launch_under_attack, b: launch_under_attack };
    let mut pairs = Vec::new();
    for i in 0..postures.len() {
        for j in i + 1..postures.len() {
            let others: Vec<&Posture> =
                postures.iter().enumerate().filter(|(k, _)| *k != i && *k != j).map(|(_, p)| p).collect();
            let (a_held, b_held) =
                (held_share(reserve, &postures[i], &others), held_share(reserve, &postures[j], &others));
            let (a, b) = (without_reserve(&postures[i], a_held), without_reserve(&postures[j], b_held));
            pairs.push(PairStability {
                a: a.party.clone(),
                b: b.party.clone(),
                a_held,
                b_held,
                stability: stability(model, &a, &b, lua),
            });
        }
    }
    let mut coalitions = Vec::new();
    if postures.len() >= 3 {
        for (i, party) in postures.iter().enumerate() {
            let others: Vec<&Posture> = postures.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, p)| p).collect();
            let together = others[1..].iter().fold(others[0].clone(), |acc, p| coalition(&acc, p));
            coalitions.push(AgainstCoalition {
                party: party.party.clone(),
                others: others.iter().map(|p| p.party.clone()).collect(),
                stability: stability(model, party, &together, lua),
            });
        }
    }
    let indices = pairs.iter().map(|p| p.stability.index);
    Multilateral { minimum: indices.clone().fold(1.0, f64::min), product: indices.product(), pairs, coalitions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn postures() -> (Model, Vec<Posture>) {
        let scenario = Scenario::parse(include_str!("../../../data/scenarios/fas-2025.toml")).unwrap();
        (scenario.model, scenario.postures)
    }

    #[test]
    fn no_reserve_and_two_parties_is_the_bilateral_index() {
        let (model, postures) = postures();
        let two = multilateral(&model, &postures[..2], &Reserve { damage: 0.8 }, false);
        let direct = stability(&model, &postures[0], &postures[1], LaunchUnderAttack::default());
        assert_eq!(two.pairs.len(), 1);
        assert_eq!(two.pairs[0].stability, direct, "with no third party nothing is held back");
        assert!(two.coalitions.is_empty());
    }

    #[test]
    fn three_parties_hold_reserves_and_face_coalitions() {
        let (model, postures) = postures();
        let three = multilateral(&model, &postures, &Reserve { damage: 0.8 }, false);
        assert_eq!(three.pairs.len(), 3);
        assert_eq!(three.coalitions.len(), 3);
        for pair in &three.pairs {
            assert!(pair.a_held > 0.0 && pair.a_held <= 1.0 && pair.b_held > 0.0 && pair.b_held <= 1.0, "{pair:?}");
            assert!((0.0..=1.0).contains(&pair.stability.index));
        }
        assert!(three.minimum <= three.pairs.iter().map(|p| p.stability.index).fold(1.0, f64::min) + 1e-15);
        // A reserve of w80 warheads destroys 80 % of the third party's value.
        let w80 = postures[2].value_w80;
        assert!((Reserve { damage: 0.8 }.warheads_against(&postures[2]) - w80).abs() < 1e-9);
        assert_eq!(Reserve { damage: 0.0 }.warheads_against(&postures[2]), 0.0);
    }
}
