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

/// A parameter that cannot be read or is not in the scenario; `text` or
/// `parameter` is the parameter as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    #[error("{text:?}: expected WHERE.FIELD, such as US.cep_m or model.fratricide")]
    NoField { text: String },
    #[error("{text:?}: {field:?} is not one of {}", .expected.join(", "))]
    UnknownField { text: String, field: String, expected: Vec<&'static str> },
    #[error("{text:?}: a system name ends with ']'")]
    UnclosedSystem { text: String },
    #[error("{text:?}: {message}")]
    BadParty { text: String, message: String },
    #[error("{parameter}: no party {party} in the scenario")]
    NoParty { parameter: String, party: String },
    #[error("{parameter}: {party} has no system {system:?}; it has {}", .systems.join(", "))]
    NoSystem { parameter: String, party: String, system: String, systems: Vec<String> },
}

impl FromStr for Parameter {
    type Err = ParameterError;
    fn from_str(text: &str) -> Result<Parameter, ParameterError> {
        let (head, field) = text.rsplit_once('.').ok_or_else(|| ParameterError::NoField { text: text.into() })?;
        let lookup = |fields: &[(&'static str, Field)]| {
            fields.iter().find(|(name, _)| *name == field).map(|(_, f)| *f).ok_or_else(|| {
                ParameterError::UnknownField {
                    text: text.into(),
                    field: field.into(),
                    expected: fields.iter().map(|(n, _)| *n).collect(),
                }
            })
        };
        if head == "model" {
            return Ok(Parameter { target: Target::Model, field: lookup(MODEL_FIELDS)? });
        }
        let (party, system) = match head.split_once('[') {
            Some((party, rest)) => {
                let name =
                    rest.strip_suffix(']').ok_or_else(|| ParameterError::UnclosedSystem { text: text.into() })?;
                (party, Some(name.to_owned()))
            }
            None => (head, None),
        };
        let party = party
            .parse::<Party>()
            .map_err(|e| ParameterError::BadParty { text: text.into(), message: e.to_string() })?;
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
    pub fn check(&self, parameter: &Parameter) -> Result<(), ParameterError> {
        let posture = |party: &Party| {
            self.postures.iter().find(|p| &p.party == party).ok_or_else(|| ParameterError::NoParty {
                parameter: parameter.to_string(),
                party: party.as_str().into(),
            })
        };
        match &parameter.target {
            Target::Model => Ok(()),
            Target::Party(party) | Target::Systems(party, None) => posture(party).map(drop),
            Target::Systems(party, Some(name)) => {
                let posture = posture(party)?;
                if posture.systems.iter().any(|s| &s.name == name) {
                    Ok(())
                } else {
                    Err(ParameterError::NoSystem {
                        parameter: parameter.to_string(),
                        party: party.as_str().into(),
                        system: name.clone(),
                        systems: posture.systems.iter().map(|s| s.name.clone()).collect(),
                    })
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
    }

    #[test]
    fn bad_parameters_are_refused_naming_the_text_and_field() {
        let text = |t: &str| t.to_string();
        assert_eq!("fratricide".parse::<Parameter>(), Err(ParameterError::NoField { text: text("fratricide") }));
        let Err(ParameterError::UnknownField { text: written, field, expected }) = "model.cep_m".parse::<Parameter>()
        else {
            panic!("model.cep_m is not a model field")
        };
        assert_eq!((written.as_str(), field.as_str()), ("model.cep_m", "cep_m"));
        assert!(expected.contains(&"fratricide") && !expected.contains(&"cep_m"), "{expected:?}");
        assert!(
            matches!("US.colour".parse::<Parameter>(), Err(ParameterError::UnknownField { field, .. }) if field == "colour")
        );
        assert_eq!(
            "US[Trident.cep_m".parse::<Parameter>(),
            Err(ParameterError::UnclosedSystem { text: text("US[Trident.cep_m") })
        );
        let error = "us.cep_m".parse::<Parameter>().unwrap_err();
        assert!(matches!(&error, ParameterError::BadParty { text, .. } if text == "us.cep_m"), "{error:?}");
        assert!(error.to_string().starts_with("\"us.cep_m\": "), "{error}");
    }

    #[test]
    fn parameters_outside_the_scenario_are_named() {
        let scenario = crate::scenario::Scenario::parse(include_str!("../../../data/scenarios/fas-2025.toml")).unwrap();
        let inputs = Inputs { model: scenario.model, postures: scenario.postures };
        assert_eq!(inputs.check(&"US[Trident II D5 (Ohio)].cep_m".parse().unwrap()), Ok(()));
        assert_eq!(
            inputs.check(&"FR.value_w80".parse().unwrap()),
            Err(ParameterError::NoParty { parameter: "FR.value_w80".into(), party: "FR".into() })
        );
        let error = inputs.check(&"US[Peacekeeper].cep_m".parse().unwrap()).unwrap_err();
        let ParameterError::NoSystem { ref parameter, ref system, ref systems, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!((parameter.as_str(), system.as_str()), ("US[Peacekeeper].cep_m", "Peacekeeper"));
        assert!(systems.iter().any(|s| s == "Trident II D5 (Ohio)"), "{systems:?}");
        assert!(error.to_string().starts_with("US[Peacekeeper].cep_m: US has no system \"Peacekeeper\"; it has "));
    }
}
