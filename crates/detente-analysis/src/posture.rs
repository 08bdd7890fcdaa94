//! Force postures: what each party fields, system by system, in the numbers
//! the models need.
//!
//! Counts are `f64` so that sweeps and Monte Carlo runs can vary them like
//! any other parameter; scenario files give whole numbers.

use detente_core::Party;

/// What a delivery system is. Ballistic missiles arrive within half an hour
/// and can take part in a counterforce strike; bombers take hours, so their
/// weapons only ever go against value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Icbm,
    Slbm,
    Bomber,
}

impl Kind {
    /// Whether its warheads arrive fast enough to strike the other side's forces.
    pub fn is_prompt(self) -> bool {
        matches!(self, Kind::Icbm | Kind::Slbm)
    }
}

/// Whether the other side can find and target a system's launchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basing {
    /// Silos and bases at known places: every launcher is a target.
    Fixed,
    /// Submarines at sea, mobile missiles dispersed, bombers on alert: only
    /// the share not on alert (in port, in garrison, on base) is a target.
    Survivable,
}

/// One delivery system of one party.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct System {
    pub name: String,
    pub kind: Kind,
    pub basing: Basing,
    /// Deployed launchers (silos with a missile, loaded tubes, bombers).
    pub launchers: f64,
    /// Warheads on each deployed launcher today, on average.
    pub warheads_per_launcher: f64,
    /// The most warheads each launcher can carry (its upload capacity).
    pub max_warheads_per_launcher: f64,
    /// Empty launchers that could be brought back: warm silos, deactivated
    /// tubes, bombers converted to conventional roles.
    pub spare_launchers: f64,
    /// Whether the spare launchers already count toward a total-launcher
    /// limit (warm silos do; deactivated tubes and converted bombers do not).
    pub spare_accountable: bool,
    pub yield_kt: f64,
    /// Circular error probable, metres.
    pub cep_m: f64,
    /// The share of warheads that launch, fly and detonate as planned.
    pub reliability: f64,
    /// The share of a survivable system's launchers on alert (at sea,
    /// dispersed, airborne); ignored for fixed systems.
    pub alert_rate: f64,
    /// The overpressure its launchers withstand when targeted, psi.
    pub hardness_psi: f64,
    /// How many warheads a month can be added to it in an upload.
    pub upload_per_month: f64,
}

impl System {
    /// Warheads deployed on it today.
    pub fn warheads(&self) -> f64 {
        self.launchers * self.warheads_per_launcher
    }

    /// The launchers the other side can target.
    pub fn targetable_launchers(&self) -> f64 {
        match self.basing {
            Basing::Fixed => self.launchers,
            Basing::Survivable => self.launchers * (1.0 - self.alert_rate),
        }
    }
}

/// One party's forces and what it values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Posture {
    pub party: Party,
    pub systems: Vec<System>,
    /// Warheads that would destroy 80 % of this party's value (cities,
    /// industry): the scale of its damage curve.
    pub value_w80: f64,
    /// Non-deployed warheads that could be uploaded, if known.
    pub reserve_warheads: Option<f64>,
    /// Non-deployed launchers counted under a total-launcher limit (empty
    /// silos, tubes in overhaul, test launchers), beside the deployed ones.
    pub non_deployed_launchers: f64,
}

impl Posture {
    pub fn warheads(&self) -> f64 {
        self.systems.iter().map(System::warheads).sum()
    }

    pub fn launchers(&self) -> f64 {
        self.systems.iter().map(|s| s.launchers).sum()
    }
}
