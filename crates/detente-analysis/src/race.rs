//! Arms-race stability: Richardson's reaction model for any number of
//! parties, and Intriligator and Brito's deterrence conditions.
//!
//! Richardson: `dx_i/dt = Σ_j k_ij x_j − m_i x_i + g_i`, or `dX/dt = A X + g`
//! with `A = K − diag(m)`. The race settles to an equilibrium if every
//! eigenvalue of `A` has a negative real part, and runs away otherwise.

use detente_core::Party;

/// A complex number, for eigenvalues.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    fn add(self, o: Complex) -> Complex {
        Complex { re: self.re + o.re, im: self.im + o.im }
    }
    fn sub(self, o: Complex) -> Complex {
        Complex { re: self.re - o.re, im: self.im - o.im }
    }
    fn mul(self, o: Complex) -> Complex {
        Complex { re: self.re * o.re - self.im * o.im, im: self.re * o.im + self.im * o.re }
    }
    fn div(self, o: Complex) -> Complex {
        let d = o.re * o.re + o.im * o.im;
        Complex { re: (self.re * o.re + self.im * o.im) / d, im: (self.im * o.re - self.re * o.im) / d }
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
}

/// Richardson's model for N parties.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Richardson {
    pub parties: Vec<Party>,
    /// `reaction[i][j]`: how fast party i arms in response to party j's
    /// arms (the diagonal is not used).
    pub reaction: Vec<Vec<f64>>,
    /// `fatigue[i]`: how fast party i's own arms burden slows it.
    pub fatigue: Vec<f64>,
    /// `grievance[i]`: party i's arming regardless of the others.
    pub grievance: Vec<f64>,
}

/// What the model says about a race.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RaceOutcome {
    /// Eigenvalues of `A = K − diag(m)`, largest real part first.
    pub eigenvalues: Vec<Complex>,
    /// Every eigenvalue has a negative real part (beyond rounding).
    pub stable: bool,
    /// The levels at which the race would rest (`A X = −g`), if `A` is invertible.
    pub equilibrium: Option<Vec<f64>>,
}

impl Richardson {
    /// `A = K − diag(m)`.
    pub fn matrix(&self) -> Vec<Vec<f64>> {
        let n = self.parties.len();
        (0..n).map(|i| (0..n).map(|j| if i == j { -self.fatigue[i] } else { self.reaction[i][j] }).collect()).collect()
    }

    pub fn analyse(&self) -> RaceOutcome {
        let matrix = self.matrix();
        let mut eigenvalues = eigenvalues(&matrix);
        eigenvalues.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
        // A real part within rounding of zero is zero: a singular matrix
        // (m·n = a·b for two parties) is not stable.
        let scale = matrix.iter().flatten().fold(0.0f64, |m, a| m.max(a.abs()));
        let stable = eigenvalues.iter().all(|e| e.re < -1e-9 * scale);
        let right: Vec<f64> = self.grievance.iter().map(|g| -g).collect();
        RaceOutcome { eigenvalues, stable, equilibrium: solve(&matrix, &right) }
    }

    /// Arms levels from `start`, every `step` for `steps` steps (classic
    /// fourth-order Runge-Kutta; levels are not held at zero, as in Richardson).
    pub fn trajectory(&self, start: &[f64], step: f64, steps: usize) -> Vec<Vec<f64>> {
        let matrix = self.matrix();
        let rate = |x: &[f64]| -> Vec<f64> {
            matrix
                .iter()
                .zip(&self.grievance)
                .map(|(row, g)| row.iter().zip(x).map(|(a, x)| a * x).sum::<f64>() + g)
                .collect()
        };
        let mut levels = vec![start.to_vec()];
        for _ in 0..steps {
            let x = levels.last().expect("starts with the start");
            let shifted = |k: &[f64], by: f64| -> Vec<f64> { x.iter().zip(k).map(|(x, k)| x + by * k).collect() };
            let k1 = rate(x);
            let k2 = rate(&shifted(&k1, step / 2.0));
            let k3 = rate(&shifted(&k2, step / 2.0));
            let k4 = rate(&shifted(&k3, step));
            let next = (0..x.len()).map(|i| x[i] + step / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])).collect();
            levels.push(next);
        }
        levels
    }
}

/// The eigenvalues of a small square matrix, as the roots of its
/// characteristic polynomial (Faddeev-LeVerrier, then Durand-Kerner). Meant
/// for the handful of parties in a race, not for large matrices.
pub fn eigenvalues(matrix: &[Vec<f64>]) -> Vec<Complex> {
    let n = matrix.len();
    if n == 0 {
        return Vec::new();
    }
    roots(&characteristic_polynomial(matrix))
        .into_iter()
        // Real roots come out with a little imaginary noise; repeated ones
        // with more (a triple root is only known to the cube root of the
        // rounding error). An imaginary part that small would mean a cycle
        // tens of thousands of years long: it is read as zero.
        .map(|z| Complex { re: z.re, im: if z.im.abs() < 1e-4 * z.abs().max(1.0) { 0.0 } else { z.im } })
        .collect()
}

/// Coefficients of `det(λI − A)`, highest power first (leading 1).
fn characteristic_polynomial(matrix: &[Vec<f64>]) -> Vec<f64> {
    let n = matrix.len();
    let multiply = |a: &[Vec<f64>], b: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..n).map(|i| (0..n).map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum()).collect()).collect()
    };
    let mut coefficients = vec![1.0];
    // M_0 = 0, c_n = 1; M_k = A M_{k−1} + c_{n−k+1} I; c_{n−k} = −tr(A M_k) / k.
    let mut m = vec![vec![0.0; n]; n];
    for k in 1..=n {
        let mut next = multiply(matrix, &m);
        for (i, row) in next.iter_mut().enumerate() {
            row[i] += coefficients[k - 1];
        }
        let product = multiply(matrix, &next);
        let trace: f64 = (0..n).map(|i| product[i][i]).sum();
        coefficients.push(-trace / k as f64);
        m = next;
    }
    coefficients
}

/// All roots of a monic polynomial (Durand-Kerner iteration).
fn roots(coefficients: &[f64]) -> Vec<Complex> {
    let degree = coefficients.len() - 1;
    let value = |z: Complex| {
        coefficients.iter().fold(Complex { re: 0.0, im: 0.0 }, |acc, &c| acc.mul(z).add(Complex { re: c, im: 0.0 }))
    };
    // Starting points spread on a circle that holds every root (Cauchy's bound).
    let radius = 1.0 + coefficients[1..].iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let mut z: Vec<Complex> = (0..degree)
        .map(|k| {
            let angle = 2.0 * std::f64::consts::PI * k as f64 / degree as f64 + 0.4;
            Complex { re: radius * angle.cos(), im: radius * angle.sin() }
        })
        .collect();
    for _ in 0..1_000 {
        let mut moved = 0.0f64;
        for i in 0..degree {
            let denominator =
                (0..degree).filter(|&j| j != i).fold(Complex { re: 1.0, im: 0.0 }, |acc, j| acc.mul(z[i].sub(z[j])));
            let step = value(z[i]).div(denominator);
            z[i] = z[i].sub(step);
            moved = moved.max(step.abs());
        }
        if moved < 1e-15 * radius {
            break;
        }
    }
    z
}

/// Solves `A x = b` by Gaussian elimination with partial pivoting; `None`
/// if `A` is singular.
fn solve(matrix: &[Vec<f64>], right: &[f64]) -> Option<Vec<f64>> {
    let n = matrix.len();
    let mut a: Vec<Vec<f64>> =
        matrix.iter().zip(right).map(|(row, b)| row.iter().copied().chain([*b]).collect()).collect();
    let scale = matrix.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs())).max(f64::MIN_POSITIVE);
    for column in 0..n {
        let pivot = (column..n).max_by(|&i, &j| a[i][column].abs().total_cmp(&a[j][column].abs()))?;
        if a[pivot][column].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(column, pivot);
        let (above, below) = a.split_at_mut(column + 1);
        let pivot_row = &above[column];
        for row in below {
            let factor = row[column] / pivot_row[column];
            for (value, pivot_value) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *value -= factor * pivot_value;
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let known: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (a[row][n] - known) / a[row][row];
    }
    Some(x)
}

/// Intriligator and Brito's conditions for two parties' missile stocks.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeterrenceParameters {
    /// B's missiles destroyed per A missile in A's counterforce strike (f_A).
    pub a_kills_per_missile: f64,
    /// A's missiles destroyed per B missile (f_B).
    pub b_kills_per_missile: f64,
    /// A's value destroyed per B missile that survives and strikes (v_B).
    pub b_damage_per_missile: f64,
    /// B's value destroyed per surviving A missile (v_A).
    pub a_damage_per_missile: f64,
    /// The damage A will not accept (Ā), in the same units.
    pub a_unacceptable: f64,
    /// The damage B will not accept (B̄).
    pub b_unacceptable: f64,
}

/// Where a pair of stocks lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deterrence {
    /// B's survivors after A strikes first still do unacceptable damage to A.
    pub b_deters_a: bool,
    pub a_deters_b: bool,
    /// A's first strike would destroy all of B's missiles.
    pub a_can_disarm_b: bool,
    pub b_can_disarm_a: bool,
}

impl Deterrence {
    /// Inside the cone of mutual deterrence.
    pub fn mutual(&self) -> bool {
        self.b_deters_a && self.a_deters_b
    }
}

impl DeterrenceParameters {
    /// The conditions at stocks `a` and `b`:
    /// B deters A iff `v_B (M_B − f_A M_A) ≥ Ā`; A can disarm B iff `f_A M_A ≥ M_B`.
    pub fn at(&self, a: f64, b: f64) -> Deterrence {
        Deterrence {
            b_deters_a: self.b_damage_per_missile * (b - self.a_kills_per_missile * a) >= self.a_unacceptable,
            a_deters_b: self.a_damage_per_missile * (a - self.b_kills_per_missile * b) >= self.b_unacceptable,
            a_can_disarm_b: self.a_kills_per_missile * a >= b,
            b_can_disarm_a: self.b_kills_per_missile * b >= a,
        }
    }

    /// Whether the cone of mutual deterrence widens as stocks grow: `f_A f_B < 1`.
    pub fn cone_opens(&self) -> bool {
        self.a_kills_per_missile * self.b_kills_per_missile < 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties(n: usize) -> Vec<Party> {
        ["US", "RU", "CN"][..n].iter().map(|p| p.parse().unwrap()).collect()
    }

    #[test]
    fn two_parties_are_stable_exactly_when_fatigue_outweighs_reaction() {
        // Stable iff m·n > a·b (Richardson); equilibrium ((n g + a h), (m h + b g)) / (m n − a b).
        for (a, b, m, n) in [(0.2, 0.3, 0.5, 0.4), (0.6, 0.5, 0.5, 0.4), (0.5, 0.4, 0.5, 0.4)] {
            let model = Richardson {
                parties: parties(2),
                reaction: vec![vec![0.0, a], vec![b, 0.0]],
                fatigue: vec![m, n],
                grievance: vec![10.0, 5.0],
            };
            let outcome = model.analyse();
            assert_eq!(outcome.stable, m * n > a * b, "a {a} b {b} m {m} n {n}: {outcome:?}");
            if m * n != a * b {
                let (g, h) = (10.0, 5.0);
                let x = outcome.equilibrium.unwrap();
                assert!((x[0] - (n * g + a * h) / (m * n - a * b)).abs() < 1e-9);
                assert!((x[1] - (m * h + b * g) / (m * n - a * b)).abs() < 1e-9);
            } else {
                assert_eq!(outcome.equilibrium, None, "a singular matrix has no single equilibrium");
            }
        }
    }

    /// A singular race (m·n = a·b) has a zero eigenvalue and is not stable,
    /// however the rounding falls; a repeated eigenvalue is printed real.
    #[test]
    fn borderline_races_are_not_stable() {
        for (a, b, m, n) in [(0.3, 0.3, 0.3, 0.3), (0.2, 0.45, 0.3, 0.3), (0.7, 0.1, 0.35, 0.2), (1.3, 0.17, 0.13, 1.7)]
        {
            let model = Richardson {
                parties: parties(2),
                reaction: vec![vec![0.0, a], vec![b, 0.0]],
                fatigue: vec![m, n],
                grievance: vec![1.0, 1.0],
            };
            let outcome = model.analyse();
            assert!(!outcome.stable, "a {a} b {b} m {m} n {n}: {outcome:?}");
            assert_eq!(outcome.equilibrium, None);
        }
        let repeated = eigenvalues(&[vec![-0.3, 0.0, 0.0], vec![0.0, -0.3, 0.0], vec![0.0, 0.0, -0.3]]);
        assert!(repeated.iter().all(|z| z.im == 0.0 && (z.re + 0.3).abs() < 1e-4), "{repeated:?}");
    }

    #[test]
    fn eigenvalues_of_known_matrices() {
        // Rotation-like: eigenvalues −1 ± 2i.
        let e = eigenvalues(&[vec![-1.0, 2.0], vec![-2.0, -1.0]]);
        let mut parts: Vec<(f64, f64)> = e.iter().map(|z| (z.re, z.im)).collect();
        parts.sort_by(|a, b| a.1.total_cmp(&b.1));
        assert!((parts[0].0 + 1.0).abs() < 1e-12 && (parts[0].1 + 2.0).abs() < 1e-12, "{parts:?}");
        assert!((parts[1].0 + 1.0).abs() < 1e-12 && (parts[1].1 - 2.0).abs() < 1e-12, "{parts:?}");
        // Triangular: the diagonal.
        let mut real: Vec<f64> = eigenvalues(&[vec![-3.0, 1.0, 4.0], vec![0.0, 0.5, 2.0], vec![0.0, 0.0, -1.0]])
            .iter()
            .map(|z| z.re)
            .collect();
        real.sort_by(f64::total_cmp);
        for (got, want) in real.iter().zip([-3.0, -1.0, 0.5]) {
            assert!((got - want).abs() < 1e-9, "{real:?}");
        }
    }

    #[test]
    fn a_stable_race_settles_at_its_equilibrium() {
        let model = Richardson {
            parties: parties(3),
            reaction: vec![vec![0.0, 0.1, 0.2], vec![0.15, 0.0, 0.05], vec![0.1, 0.1, 0.0]],
            fatigue: vec![0.5, 0.4, 0.6],
            grievance: vec![100.0, 80.0, 50.0],
        };
        let outcome = model.analyse();
        assert!(outcome.stable);
        let end = model.trajectory(&[0.0, 0.0, 0.0], 0.5, 400).pop().unwrap();
        for (got, want) in end.iter().zip(outcome.equilibrium.unwrap()) {
            assert!((got - want).abs() < 1e-6, "{end:?}");
        }
    }

    #[test]
    fn the_cone_of_mutual_deterrence() {
        let p = DeterrenceParameters {
            a_kills_per_missile: 0.5,
            b_kills_per_missile: 0.5,
            b_damage_per_missile: 1.0,
            a_damage_per_missile: 1.0,
            a_unacceptable: 100.0,
            b_unacceptable: 100.0,
        };
        assert!(p.cone_opens());
        assert!(p.at(1_000.0, 1_000.0).mutual());
        // B's 600 survivors of A's 1,000-missile strike: 600 − 500 = 100, just enough.
        assert!(p.at(1_000.0, 600.0).b_deters_a);
        assert!(!p.at(1_000.0, 599.0).b_deters_a);
        assert!(p.at(1_000.0, 400.0).a_can_disarm_b);
        assert!(!p.at(100.0, 100.0).mutual(), "small forces deter nobody here");
    }
}

/// A race file (schema: docs/formats/race.md): Richardson's coefficients for
/// N parties, where they start, and optionally Intriligator and Brito's
/// parameters for the first two.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RaceFile {
    pub id: String,
    pub name: String,
    pub status: crate::scenario::Status,
    pub notes: Vec<String>,
    pub model: Richardson,
    pub start: Vec<f64>,
    pub deterrence: Option<DeterrenceParameters>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RaceToml {
    format: String,
    id: String,
    name: String,
    status: crate::scenario::Status,
    #[serde(default)]
    notes: Vec<String>,
    parties: Vec<String>,
    reaction: Vec<Vec<f64>>,
    fatigue: Vec<f64>,
    grievance: Vec<f64>,
    start: Vec<f64>,
    deterrence: Option<DeterrenceParameters>,
}

impl RaceFile {
    pub const FORMAT: &str = "detente-race/1";

    pub fn parse(text: &str) -> Result<RaceFile, crate::scenario::ScenarioError> {
        use crate::scenario::ScenarioError;
        let field = |path: &str, message: String| ScenarioError::Field { path: path.into(), message };
        let file: RaceToml = toml::from_str(text).map_err(ScenarioError::syntax)?;
        if file.format != Self::FORMAT {
            return Err(field("format", format!("{:?} is not {:?}", file.format, Self::FORMAT)));
        }
        let n = file.parties.len();
        if n < 2 {
            return Err(field("parties", "a race needs at least two parties".into()));
        }
        let parties = file
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| p.parse::<Party>().map_err(|e| field(&format!("parties[{i}]"), e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let per_party = |name: &str, values: &[f64]| {
            if values.len() != n {
                return Err(field(name, format!("{} values for {n} parties", values.len())));
            }
            match values.iter().position(|v| v.abs() > crate::scenario::LARGEST || v.is_nan()) {
                Some(i) => {
                    Err(field(&format!("{name}[{i}]"), format!("not a number within ±{:e}", crate::scenario::LARGEST)))
                }
                None => Ok(()),
            }
        };
        per_party("fatigue", &file.fatigue)?;
        per_party("grievance", &file.grievance)?;
        per_party("start", &file.start)?;
        per_party("reaction", &file.reaction.iter().map(|row| row.len() as f64).collect::<Vec<_>>())?;
        for (i, row) in file.reaction.iter().enumerate() {
            per_party(&format!("reaction[{i}]"), row)?;
        }
        if let Some(d) = &file.deterrence {
            let values = [
                ("a_kills_per_missile", d.a_kills_per_missile),
                ("b_kills_per_missile", d.b_kills_per_missile),
                ("b_damage_per_missile", d.b_damage_per_missile),
                ("a_damage_per_missile", d.a_damage_per_missile),
                ("a_unacceptable", d.a_unacceptable),
                ("b_unacceptable", d.b_unacceptable),
            ];
            if let Some((name, value)) = values.iter().find(|(_, v)| !(0.0..=crate::scenario::LARGEST).contains(v)) {
                return Err(field(&format!("deterrence.{name}"), format!("{value} is not a number, 0 or more")));
            }
        }
        Ok(RaceFile {
            id: file.id,
            name: file.name,
            status: file.status,
            notes: file.notes,
            model: Richardson { parties, reaction: file.reaction, fatigue: file.fatigue, grievance: file.grievance },
            start: file.start,
            deterrence: file.deterrence,
        })
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    const ILLUSTRATIVE: &str = include_str!("../../../data/scenarios/race-illustrative.toml");

    #[test]
    fn the_shipped_race_parses_and_bad_ones_name_the_field() {
        let race = RaceFile::parse(ILLUSTRATIVE).unwrap();
        assert_eq!(race.model.parties.len(), 3);
        assert!(race.model.analyse().stable, "the illustrative coefficients settle");
        for (from, to, expected) in [
            ("fatigue = [0.30, 0.30, 0.25]", "fatigue = [0.30, 0.30]", "field fatigue: 2 values for 3 parties"),
            ("[0.22, 0.00, 0.05],", "[0.22, 0.00],", "field reaction[1]: 2 values for 3 parties"),
            ("a_unacceptable = 0.5", "a_unacceptable = -0.5", "field deterrence.a_unacceptable"),
            ("parties = [\"US\", \"RU\", \"CN\"]", "parties = [\"US\", \"russia\", \"CN\"]", "field parties[1]"),
        ] {
            let error = RaceFile::parse(&ILLUSTRATIVE.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
        }
    }
}
