//! Named parameters of a scenario, so that sweeps and Monte Carlo runs can
//! vary any figure without knowing the structs: `model.fratricide`,
//! `US.value_w80`, `RU.alert_rate` (every system of a party) or
//! `US[Trident II D5 (Ohio)].cep_m` (one system).

use std::fmt;
use std::str::FromStr;

use detente_core::Party;

use crate::posture::{Posture, System};
use crate::scenario::LARGEST;
use crate::stability::Model;

/// Where a parameter lives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Target {
    Model,
    Party(Party),
    /// Every system of the party (`None`) or the one named.
    Systems(Party, Option<String>),
}

/// A parameter: where, and which field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parameter {
    // Private: only parsing makes parameters, so a target never names a field it lacks.
    target: Target,
    field: Field,
}

/// The fields a parameter can name, with the range their values must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    DamageExponent,
    Surcharge,
    SurvivableAvailability,
    LaunchUnderAttackSaves,
    Fratricide,
    LethalRadiusConstant,
    ValueW80,
    Launchers,
    WarheadsPerLauncher,
    YieldKt,
    CepM,
    Reliability,
    AlertRate,
    HardnessPsi,
    MaxWarheadsPerLauncher,
    UploadPerMonth,
}

const MODEL_FIELDS: &[(&str, Field)] = &[
    ("damage_exponent", Field::DamageExponent),
    ("surcharge", Field::Surcharge),
    ("survivable_availability", Field::SurvivableAvailability),
    ("launch_under_attack_saves", Field::LaunchUnderAttackSaves),
    ("fratricide", Field::Fratricide),
    ("lethal_radius_nmi_per_cube_root", Field::LethalRadiusConstant),
];
const PARTY_FIELDS: &[(&str, Field)] = &[("value_w80", Field::ValueW80)];
const SYSTEM_FIELDS: &[(&str, Field)] = &[
    ("launchers", Field::Launchers),
    ("warheads_per_launcher", Field::WarheadsPerLauncher),
    ("yield_kt", Field::YieldKt),
    ("cep_m", Field::CepM),
    ("reliability", Field::Reliability),
    ("alert_rate", Field::AlertRate),
    ("hardness_psi", Field::HardnessPsi),
    ("max_warheads_per_launcher", Field::MaxWarheadsPerLauncher),
    ("upload_per_month", Field::UploadPerMonth),
];

impl Field {
    fn name(self) -> &'static str {
        MODEL_FIELDS
            .iter()
            .chain(PARTY_FIELDS)
            .chain(SYSTEM_FIELDS)
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .expect("every field is listed")
    }

    /// The values the field can take: those a scenario file may hold.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Field::Surcharge
            | Field::Launchers
            | Field::WarheadsPerLauncher
            | Field::MaxWarheadsPerLauncher
            | Field::UploadPerMonth => (0.0, LARGEST),
            Field::SurvivableAvailability
            | Field::LaunchUnderAttackSaves
            | Field::Fratricide
            | Field::Reliability
            | Field::AlertRate => (0.0, 1.0),
            // The stop rule needs a concave cost: an exponent of at most 1.
            Field::DamageExponent => (1.0 / LARGEST, 1.0),
            Field::LethalRadiusConstant | Field::ValueW80 | Field::YieldKt | Field::CepM | Field::HardnessPsi => {
                (1.0 / LARGEST, LARGEST)
            }
        }
    }
}

impl FromStr for Parameter {
    type Err = String;
    fn from_str(text: &str) -> Result<Parameter, String> {
        let (head, field) = text
            .rsplit_once('.')
            .ok_or_else(|| format!("{text:?}: expected WHERE.FIELD, such as US.cep_m or model.fratricide"))?;
        let lookup = |fields: &[(&str, Field)]| {
            fields.iter().find(|(name, _)| *name == field).map(|(_, f)| *f).ok_or_else(|| {
                format!(
                    "{text:?}: {field:?} is not one of {}",
                    fields.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )
            })
        };
        if head == "model" {
            return Ok(Parameter { target: Target::Model, field: lookup(MODEL_FIELDS)? });
        }
        let (party, system) = match head.split_once('[') {
            Some((party, rest)) => {
                let name = rest.strip_suffix(']').ok_or_else(|| format!("{text:?}: a system name ends with ']'"))?;
                (party, Some(name.to_owned()))
            }
            None => (head, None),
        };
        let party: Party = party.parse().map_err(|e: detente_core::error::PartyError| format!("{text:?}: {e}"))?;
        if system.is_none()
            && let Ok(field) = lookup(PARTY_FIELDS)
        {
            return Ok(Parameter { target: Target::Party(party), field });
        }
        Ok(Parameter { target: Target::Systems(party, system), field: lookup(SYSTEM_FIELDS)? })
    }
}

impl Parameter {
    /// The field's name alone, such as `cep_m`.
    pub fn field_name(&self) -> &'static str {
        self.field.name()
    }

    /// Whether the field changes the first-strike stability index (upload
    /// capacities and rates do not).
    pub fn affects_stability(&self) -> bool {
        !matches!(self.field, Field::MaxWarheadsPerLauncher | Field::UploadPerMonth)
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Model => write!(f, "model"),
            Target::Party(party) | Target::Systems(party, None) => write!(f, "{}", party.as_str()),
            Target::Systems(party, Some(name)) => write!(f, "{}[{name}]", party.as_str()),
        }?;
        write!(f, ".{}", self.field.name())
    }
}

/// How a value is applied: set, or multiply what the scenario has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Apply {
    Set,
    Scale,
}

/// The inputs of one evaluation, owned so they can be changed in place.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub model: Model,
    pub postures: Vec<Posture>,
}

impl Inputs {
    /// Checks that `parameter` names something in these inputs.
    pub fn check(&self, parameter: &Parameter) -> Result<(), String> {
        let posture = |party: &Party| {
            self.postures
                .iter()
                .find(|p| &p.party == party)
                .ok_or_else(|| format!("{parameter}: no party {} in the scenario", party.as_str()))
        };
        match &parameter.target {
            Target::Model => Ok(()),
            Target::Party(party) | Target::Systems(party, None) => posture(party).map(drop),
            Target::Systems(party, Some(name)) => {
                let posture = posture(party)?;
                if posture.systems.iter().any(|s| &s.name == name) {
                    Ok(())
                } else {
                    let names: Vec<&str> = posture.systems.iter().map(|s| s.name.as_str()).collect();
                    Err(format!("{parameter}: {} has no system {name:?}; it has {}", party.as_str(), names.join(", ")))
                }
            }
        }
    }

    /// Puts back `parameter`'s values from `base` (the same scenario), so a
    /// scratch copy can be reused from one evaluation to the next.
    pub fn restore(&mut self, base: &Inputs, parameter: &Parameter) {
        let field = parameter.field;
        match &parameter.target {
            Target::Model => *model_slot(&mut self.model, field) = model_value(&base.model, field),
            Target::Party(_) => {
                for (posture, original) in self.postures.iter_mut().zip(&base.postures) {
                    *party_slot(posture, field) = party_value(original, field);
                }
            }
            Target::Systems(..) => {
                for (posture, original) in self.postures.iter_mut().zip(&base.postures) {
                    for (system, original) in posture.systems.iter_mut().zip(&original.systems) {
                        *system_slot(system, field) = system_value(original, field);
                    }
                }
            }
        }
    }

    /// Whether `value` is one the field may take (for values set directly).
    pub fn within_bounds(parameter: &Parameter, value: f64) -> bool {
        let (low, high) = parameter.field.bounds();
        (low..=high).contains(&value)
    }

    /// Applies `value` to `parameter` (checked), keeping it within the field's bounds.
    pub fn apply(&mut self, parameter: &Parameter, apply: Apply, value: f64) {
        let (low, high) = parameter.field.bounds();
        let change = |slot: &mut f64| {
            let new = match apply {
                Apply::Set => value,
                Apply::Scale => *slot * value,
            };
            // A value that is not a number leaves the figure as it is.
            if !new.is_nan() {
                *slot = new.clamp(low, high);
            }
        };
        match &parameter.target {
            Target::Model => change(model_slot(&mut self.model, parameter.field)),
            Target::Party(party) => {
                if let Some(posture) = self.postures.iter_mut().find(|p| &p.party == party) {
                    change(party_slot(posture, parameter.field));
                }
            }
            Target::Systems(party, name) => {
                for posture in self.postures.iter_mut().filter(|p| &p.party == party) {
                    for system in posture.systems.iter_mut().filter(|s| name.as_ref().is_none_or(|n| &s.name == n)) {
                        change(system_slot(system, parameter.field));
                    }
                }
            }
        }
    }
}

/// A reader and a writer of the named fields of one struct.
macro_rules! slots {
    ($ty:ty, $read:ident, $slot:ident, { $($field:ident => $($member:ident).+),* $(,)? }) => {
        fn $read(value: &$ty, field: Field) -> f64 {
            match field {
                $(Field::$field => value.$($member).+,)*
                _ => unreachable!("a parameter names a field of its target"),
            }
        }

        fn $slot(value: &mut $ty, field: Field) -> &mut f64 {
            match field {
                $(Field::$field => &mut value.$($member).+,)*
                _ => unreachable!("a parameter names a field of its target"),
            }
        }
    };
}

slots!(Model, model_value, model_slot, {
    DamageExponent => damage_exponent,
    Surcharge => surcharge,
    SurvivableAvailability => survivable_availability,
    LaunchUnderAttackSaves => launch_under_attack_saves,
    Fratricide => fratricide,
    LethalRadiusConstant => blast.lethal_radius_nmi_per_cube_root,
});

slots!(Posture, party_value, party_slot, {
    ValueW80 => value_w80,
});

slots!(System, system_value, system_slot, {
    Launchers => launchers,
    WarheadsPerLauncher => warheads_per_launcher,
    YieldKt => yield_kt,
    CepM => cep_m,
    Reliability => reliability,
    AlertRate => alert_rate,
    HardnessPsi => hardness_psi,
    MaxWarheadsPerLauncher => max_warheads_per_launcher,
    UploadPerMonth => upload_per_month,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_print_back() {
        for text in [
            "model.fratricide",
            "US.value_w80",
            "RU.alert_rate",
            "US[Trident II D5 (Ohio)].cep_m",
            "RU[R-29RMU2 Sineva/Layner (Delta IV)].launchers",
        ] {
            let parameter: Parameter = text.parse().unwrap();
            assert_eq!(parameter.to_string(), text);
        }
        for bad in ["fratricide", "model.cep_m", "us.cep_m", "US.colour", "US[Trident.cep_m"] {
            assert!(bad.parse::<Parameter>().is_err(), "{bad}");
        }
    }
}
