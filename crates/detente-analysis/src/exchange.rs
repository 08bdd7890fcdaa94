//! Counterforce arithmetic: how likely one warhead is to destroy one hardened
//! target, and what several warheads on it achieve.
//!
//! The formulas are the open-literature ones (cube-root blast scaling and a
//! circular normal miss distance); their constants are [`BlastModel`]
//! parameters with their sources, not literals in the code.

/// How a warhead's yield and a target's hardness give a lethal radius:
/// `LR = constant · (Y / 1 Mt)^(1/3) / H^(1/3)` nautical miles, with `H` the
/// peak overpressure (psi) the target withstands.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BlastModel {
    /// 2.62 nmi (the missile-defense calculator's specification; another
    /// revision uses 2.63). Within 6 % of Glasstone & Dolan's 1-kt curve at
    /// optimum burst height from 100 to 10,000 psi; not for soft targets.
    pub lethal_radius_nmi_per_cube_root: f64,
}

impl Default for BlastModel {
    fn default() -> BlastModel {
        BlastModel { lethal_radius_nmi_per_cube_root: 2.62 }
    }
}

/// Metres in a nautical mile (exact, by definition).
pub const METRES_PER_NMI: f64 = 1852.0;

impl BlastModel {
    /// The lethal radius in metres of `yield_kt` against `hardness_psi`.
    pub fn lethal_radius_m(&self, yield_kt: f64, hardness_psi: f64) -> f64 {
        self.lethal_radius_nmi_per_cube_root * METRES_PER_NMI * (yield_kt / 1000.0).cbrt() / hardness_psi.cbrt()
    }
}

impl BlastModel {
    /// A warhead's lethality against hardness in general: SSPK against
    /// `hardness_psi` is `1 − exp(−lethality / H^(2/3))`. The same formula as
    /// [`sspk`] of [`BlastModel::lethal_radius_m`], with the warhead's part
    /// computed once: `ln 2 · (C · 1852 m)² · (Y / 1 Mt)^(2/3) / CEP²`.
    pub fn lethality(&self, yield_kt: f64, cep_m: f64) -> f64 {
        let constant = self.lethal_radius_nmi_per_cube_root * METRES_PER_NMI / cep_m;
        std::f64::consts::LN_2 * constant * constant * two_thirds_power(yield_kt / 1000.0)
    }
}

/// SSPK from a warhead's [`BlastModel::lethality`] and `H^(−2/3)` of the target.
pub fn sspk_from_lethality(lethality: f64, inverse_hardness_two_thirds: f64) -> f64 {
    -(-lethality * inverse_hardness_two_thirds).exp_m1()
}

/// `H^(−2/3)`, a target's part of the SSPK formula.
pub fn inverse_hardness_two_thirds(hardness_psi: f64) -> f64 {
    1.0 / two_thirds_power(hardness_psi)
}

/// `x^(2/3)` for `x > 0`, through `ln` and `exp`: faster here than `cbrt`
/// squared, and as exact for these inputs (to about 1e-15).
fn two_thirds_power(x: f64) -> f64 {
    (x.ln() * (2.0 / 3.0)).exp()
}

/// Single-shot kill probability: the chance that a warhead with circular
/// error probable `cep_m` lands within `lethal_radius_m` of its aim point,
/// `1 − 0.5^((LR/CEP)²)` (half of all warheads land within the CEP).
pub fn sspk(lethal_radius_m: f64, cep_m: f64) -> f64 {
    let ratio = lethal_radius_m / cep_m;
    1.0 - 0.5f64.powf(ratio * ratio)
}

/// One warhead's chance of destroying its target: it must work (`reliability`)
/// and land close enough (`sspk`).
pub fn kill_probability(sspk: f64, reliability: f64) -> f64 {
    reliability * sspk
}

/// The chance that at least one of `warheads` independent shots, each with
/// kill probability `first`, destroys the target, when shots after the first
/// are degraded by fratricide to `fratricide · first` (1 = no degradation).
pub fn damage_expectancy(first: f64, warheads: u32, fratricide: f64) -> f64 {
    if warheads == 0 {
        return 0.0;
    }
    let later = fratricide * first;
    1.0 - (1.0 - first) * (1.0 - later).powf(f64::from(warheads) - 1.0)
}

/// Everything one warhead type does to one target type, for reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shot {
    pub lethal_radius_m: f64,
    pub sspk: f64,
    pub kill_probability: f64,
}

impl Shot {
    pub fn new(model: &BlastModel, yield_kt: f64, hardness_psi: f64, cep_m: f64, reliability: f64) -> Shot {
        let lethal_radius_m = model.lethal_radius_m(yield_kt, hardness_psi);
        let sspk = sspk(lethal_radius_m, cep_m);
        Shot { lethal_radius_m, sspk, kill_probability: kill_probability(sspk, reliability) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The missile-defense calculator's published test vectors.
    #[test]
    fn published_kill_probabilities() {
        let model = BlastModel::default();
        let lethal_radius = model.lethal_radius_m(750.0, 700.0);
        assert!((lethal_radius - 496.51).abs() < 0.01, "{lethal_radius}");
        let single = sspk(lethal_radius, 900.0);
        assert_eq!(format!("{single:.5}"), "0.19019");
        assert_eq!(format!("{:.6}", kill_probability(0.19019, 0.8)), "0.152152");
        assert_eq!(format!("{:.2}", kill_probability(0.9, 0.9)), "0.81");
        // A 1 Mt ground burst with a 10 m CEP against 10 psi cannot miss: only reliability counts.
        assert_eq!(format!("{:.6}", Shot::new(&model, 1000.0, 10.0, 10.0, 0.9).kill_probability), "0.900000");
    }

    /// Glasstone & Dolan (1977), Fig. 3.73: ground range (ft) of each
    /// overpressure for a 1-kt burst at optimum height, digitised.
    #[test]
    fn lethal_radius_follows_glasstone_and_dolan_within_six_percent() {
        const FEET_PER_METRE: f64 = 1.0 / 0.3048;
        let curve = [
            (10_000.0, 70.0),
            (5_000.0, 89.0),
            (2_000.0, 123.0),
            (1_000.0, 157.0),
            (500.0, 205.0),
            (200.0, 270.0),
            (100.0, 355.0),
        ];
        let model = BlastModel::default();
        for (psi, feet) in curve {
            let formula = model.lethal_radius_m(1.0, psi) * FEET_PER_METRE;
            assert!((formula - feet).abs() / feet <= 0.06, "{psi} psi: {formula:.1} ft against {feet} ft");
        }
        // The reference table's "formula" column, to 0.1 ft.
        assert_eq!(format!("{:.1}", model.lethal_radius_m(1.0, 10_000.0) * FEET_PER_METRE), "73.9");
        assert_eq!(format!("{:.1}", model.lethal_radius_m(1.0, 100.0) * FEET_PER_METRE), "343.0");
    }

    #[test]
    fn lethality_is_the_same_formula_factored() {
        let model = BlastModel::default();
        for (yield_kt, cep_m, hardness) in
            [(750.0, 900.0, 700.0), (300.0, 120.0, 2000.0), (5.0, 50.0, 5.0), (1200.0, 400.0, 10_000.0)]
        {
            let direct = sspk(model.lethal_radius_m(yield_kt, hardness), cep_m);
            let factored = sspk_from_lethality(model.lethality(yield_kt, cep_m), inverse_hardness_two_thirds(hardness));
            assert!((direct - factored).abs() < 1e-12, "{yield_kt} kt, {cep_m} m, {hardness} psi: {direct} {factored}");
        }
    }

    /// A worked example: W87-0 (300 kt, CEP 120 m) against 2,000 psi.
    #[test]
    fn two_warheads_on_one_silo() {
        let shot = Shot::new(&BlastModel::default(), 300.0, 2_000.0, 120.0, 0.85);
        assert_eq!(format!("{:.1}", shot.lethal_radius_m), "257.8");
        assert_eq!(format!("{:.4}", shot.sspk), "0.9592");
        assert_eq!(format!("{:.4}", damage_expectancy(shot.kill_probability, 1, 1.0)), "0.8153");
        assert_eq!(format!("{:.4}", damage_expectancy(shot.kill_probability, 2, 1.0)), "0.9659");
        // Fratricide that wipes out the second shot leaves the first alone.
        assert_eq!(damage_expectancy(shot.kill_probability, 2, 0.0), shot.kill_probability);
        assert_eq!(damage_expectancy(shot.kill_probability, 0, 1.0), 0.0);
        assert_eq!(damage_expectancy(0.5, u32::MAX, 1.0), 1.0, "many warheads: certain, never an overflow");
    }
}
