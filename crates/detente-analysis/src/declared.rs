//! Postures from declarations. A party's declared items give its deployed
//! launchers, their loadings and its empty launchers; a systems file
//! (docs/formats/scenario.md, "Systems files") gives what a declaration does
//! not say: yields, CEPs, reliabilities, alert rates, hardness, upload
//! capacity and rates, and the party's damage curve and reserve.

use std::collections::{BTreeMap, BTreeSet};

use detente_core::{Armament, Declaration, Party, Status as ItemStatus};
use serde::Deserialize;

use crate::posture::{Basing, Kind, Posture, System};
use crate::scenario::{
    PARTY_FIELDS, Range, SYSTEM_FIELDS, Scenario, ScenarioError, Source, Status, check, check_notional, check_sources,
    field, fully_alert,
};
use crate::stability::Model;

pub const FORMAT: &str = "detente-systems/1";

/// What a systems file says of one party and of each of its system types.
#[derive(Debug, Clone, PartialEq)]
pub struct Systems {
    parties: Vec<PartyDefaults>,
    types: Vec<TypeDefaults>,
    sources: Vec<Source>,
    notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyDefaults {
    party: String,
    value_w80: f64,
    reserve_warheads: Option<f64>,
    source: Vec<String>,
    #[serde(default)]
    notional: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeDefaults {
    party: String,
    /// The declaration's `type`, such as `Minuteman III`.
    #[serde(rename = "type")]
    type_name: String,
    basing: Basing,
    max_warheads_per_launcher: f64,
    /// Weapons on each deployed bomber (a declaration counts bombers, not their loads).
    bomber_loading: Option<f64>,
    yield_kt: f64,
    cep_m: f64,
    reliability: f64,
    #[serde(default = "fully_alert")]
    alert_rate: f64,
    hardness_psi: f64,
    #[serde(default)]
    upload_per_month: f64,
    source: Vec<String>,
    #[serde(default)]
    notional: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    #[serde(default)]
    notes: Vec<String>,
    parties: Vec<PartyDefaults>,
    systems: Vec<TypeDefaults>,
    #[serde(default)]
    sources: Vec<Source>,
}

impl Systems {
    pub fn parse(text: &str) -> Result<Systems, ScenarioError> {
        let file: File = toml::from_str(text).map_err(ScenarioError::syntax)?;
        if file.format != FORMAT {
            return Err(field("format", format!("{:?} is not {FORMAT:?}", file.format)));
        }
        let ids: BTreeSet<&str> = file.sources.iter().map(|s| s.id.as_str()).collect();
        for (i, party) in file.parties.iter().enumerate() {
            let at = |name: &str| format!("parties[{i}].{name}");
            party.party.parse::<Party>().map_err(|e| field(at("party"), e.to_string()))?;
            check(&at("value_w80"), party.value_w80, Range::Positive)?;
            if let Some(reserve) = party.reserve_warheads {
                check(&at("reserve_warheads"), reserve, Range::Count)?;
            }
            check_sources(&at("source"), &party.source, &ids)?;
            check_notional(&at("notional"), &party.notional, PARTY_FIELDS)?;
        }
        let notional_fields: Vec<&str> = SYSTEM_FIELDS.iter().copied().chain(["bomber_loading"]).collect();
        for (i, system) in file.systems.iter().enumerate() {
            let at = |name: &str| format!("systems[{i}].{name}");
            system.party.parse::<Party>().map_err(|e| field(at("party"), e.to_string()))?;
            check(&at("max_warheads_per_launcher"), system.max_warheads_per_launcher, Range::Positive)?;
            check(&at("yield_kt"), system.yield_kt, Range::Positive)?;
            check(&at("cep_m"), system.cep_m, Range::Positive)?;
            check(&at("hardness_psi"), system.hardness_psi, Range::Positive)?;
            check(&at("reliability"), system.reliability, Range::Share)?;
            check(&at("alert_rate"), system.alert_rate, Range::Share)?;
            check(&at("upload_per_month"), system.upload_per_month, Range::NonNegative)?;
            if let Some(loading) = system.bomber_loading {
                check(&at("bomber_loading"), loading, Range::NonNegative)?;
                if loading > system.max_warheads_per_launcher {
                    return Err(field(
                        at("bomber_loading"),
                        format!("{loading} is more than max_warheads_per_launcher"),
                    ));
                }
            }
            check_sources(&at("source"), &system.source, &ids)?;
            check_notional(&at("notional"), &system.notional, &notional_fields)?;
        }
        if ids.len() != file.sources.len() {
            return Err(field("sources", "two sources share an id"));
        }
        for (i, party) in file.parties.iter().enumerate() {
            if file.parties[..i].iter().any(|p| p.party == party.party) {
                return Err(field(format!("parties[{i}].party"), format!("{} appears twice", party.party)));
            }
        }
        for (i, system) in file.systems.iter().enumerate() {
            if file.systems[..i].iter().any(|t| t.party == system.party && t.type_name == system.type_name) {
                return Err(field(
                    format!("systems[{i}].type"),
                    format!("{} {:?} appears twice", system.party, system.type_name),
                ));
            }
        }
        Ok(Systems { parties: file.parties, types: file.systems, sources: file.sources, notes: file.notes })
    }
}

/// Counts of one declared system type.
#[derive(Default)]
struct Declared {
    kind: Option<Kind>,
    launchers: f64,
    missile_warheads: f64,
    non_deployed: f64,
    converted: f64,
}

/// Declarations that do not make a scenario with a systems file. Each names
/// the declaration's file, and the type, party or field of the systems file
/// at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeclaredError {
    #[error("{file}: {systems_file} has no [[parties]] entry for {party}")]
    NoParty { file: String, systems_file: String, party: String },
    #[error(
        "{file}: {party}'s type {type_name:?} has no [[systems]] entry (party = {party:?}, type = {type_name:?}) in {systems_file}"
    )]
    NoSystem { file: String, systems_file: String, party: String, type_name: String },
    #[error("{file}: {type_name} has {warheads} warheads on deployed missiles but no deployed launchers of that type")]
    NoLaunchers { file: String, type_name: String, warheads: f64 },
    #[error(
        "{systems_file}: field systems[{index}].bomber_loading: {type_name} is a heavy bomber in {file}, so its loading is needed"
    )]
    NoBomberLoading { systems_file: String, index: usize, file: String, type_name: String },
    #[error(
        "{file}: {type_name} carries {loading:.2} warheads per launcher, more than {systems_file}'s systems[{index}].max_warheads_per_launcher ({most})"
    )]
    Overloaded { file: String, type_name: String, loading: f64, systems_file: String, index: usize, most: f64 },
    #[error("{file} and {other} are both declarations of {party}: give one per party")]
    SameParty { file: String, other: String, party: String },
}

/// A scenario from `declarations` (each with the name of its file) and the
/// performance figures of `systems`. Errors name the file and the type.
pub fn scenario(
    declarations: &[(&str, &Declaration)],
    systems: &Systems,
    systems_file: &str,
    model: Model,
) -> Result<Scenario, DeclaredError> {
    let mut postures = Vec::new();
    let mut notional = BTreeMap::new();
    let mut sources = systems.sources.clone();
    let mut notes = systems.notes.clone();
    for (file, declaration) in declarations {
        let party = declaration.party();
        let defaults = systems.parties.iter().find(|p| p.party == party.as_str()).ok_or_else(|| {
            DeclaredError::NoParty { file: (*file).into(), systems_file: systems_file.into(), party: party.to_string() }
        })?;
        let mut by_type: BTreeMap<&str, Declared> = BTreeMap::new();
        for item in declaration.items() {
            let class = declaration.class(item);
            let (kind, is_launcher) = match class.kind.as_str() {
                "icbm-launcher" => (Kind::Icbm, true),
                "slbm-launcher" => (Kind::Slbm, true),
                "heavy-bomber" => (Kind::Bomber, true),
                "icbm" => (Kind::Icbm, false),
                "slbm" => (Kind::Slbm, false),
                _ => continue,
            };
            let counts = by_type.entry(&class.type_name).or_default();
            counts.kind = Some(kind);
            let nuclear = kind != Kind::Bomber || item.armament == Some(Armament::Nuclear);
            match (is_launcher, item.status) {
                (true, ItemStatus::Deployed) if nuclear => counts.launchers += 1.0,
                (true, ItemStatus::NonDeployed) if nuclear => counts.non_deployed += 1.0,
                (true, ItemStatus::Converted | ItemStatus::Deployed) => counts.converted += 1.0,
                (false, ItemStatus::Deployed) => counts.missile_warheads += f64::from(item.warheads),
                _ => {}
            }
        }
        let mut party_systems = Vec::new();
        for (type_name, counts) in &by_type {
            let kind = counts.kind.expect("set with every count");
            let (index, found) = systems
                .types
                .iter()
                .enumerate()
                .find(|(_, t)| t.party == party.as_str() && t.type_name == *type_name)
                .ok_or_else(|| DeclaredError::NoSystem {
                    file: (*file).into(),
                    systems_file: systems_file.into(),
                    party: party.to_string(),
                    type_name: (*type_name).into(),
                })?;
            if counts.launchers == 0.0 && counts.missile_warheads > 0.0 {
                return Err(DeclaredError::NoLaunchers {
                    file: (*file).into(),
                    type_name: (*type_name).into(),
                    warheads: counts.missile_warheads,
                });
            }
            let loading = match kind {
                Kind::Bomber => found.bomber_loading.ok_or_else(|| DeclaredError::NoBomberLoading {
                    systems_file: systems_file.into(),
                    index,
                    file: (*file).into(),
                    type_name: (*type_name).into(),
                })?,
                _ if counts.launchers > 0.0 => counts.missile_warheads / counts.launchers,
                _ => 0.0,
            };
            if loading > found.max_warheads_per_launcher {
                return Err(DeclaredError::Overloaded {
                    file: (*file).into(),
                    type_name: (*type_name).into(),
                    loading,
                    systems_file: systems_file.into(),
                    index,
                    most: found.max_warheads_per_launcher,
                });
            }
            notional.insert(format!("{party}/{type_name}"), found.notional.clone());
            let system = System {
                name: (*type_name).to_owned(),
                kind,
                basing: found.basing,
                launchers: counts.launchers,
                warheads_per_launcher: loading,
                max_warheads_per_launcher: found.max_warheads_per_launcher,
                // Empty launchers still accountable already count toward a total-launcher limit.
                spare_launchers: counts.non_deployed,
                spare_accountable: true,
                yield_kt: found.yield_kt,
                cep_m: found.cep_m,
                reliability: found.reliability,
                alert_rate: found.alert_rate,
                hardness_psi: found.hardness_psi,
                upload_per_month: found.upload_per_month,
            };
            // Converted launchers no longer count: a system of their own, empty, to bring back.
            if counts.converted > 0.0 {
                let name = format!("{type_name} (converted)");
                notional.insert(format!("{party}/{name}"), found.notional.clone());
                party_systems.push(System {
                    name,
                    launchers: 0.0,
                    warheads_per_launcher: 0.0,
                    spare_launchers: counts.converted,
                    spare_accountable: false,
                    ..system.clone()
                });
            }
            party_systems.push(system);
        }
        notional.insert(party.as_str().to_owned(), defaults.notional.clone());
        let id = format!("declaration-{}", party.as_str().to_lowercase());
        let header = declaration.header();
        sources.push(Source {
            id: id.clone(),
            title: format!("{file}: {party}'s declaration as of {}", declaration.as_of()),
            url: None,
            note: header.source.clone(),
        });
        notes.push(format!(
            "{party}: launchers, loadings and empty launchers from {file} ({id}); performance from the systems file."
        ));
        postures.push(Posture {
            party: party.clone(),
            non_deployed_launchers: party_systems
                .iter()
                .filter(|s| s.spare_accountable)
                .map(|s| s.spare_launchers)
                .sum(),
            systems: party_systems,
            value_w80: defaults.value_w80,
            reserve_warheads: defaults.reserve_warheads,
        });
    }
    for (i, (file, declaration)) in declarations.iter().enumerate() {
        if let Some((other, _)) = declarations[..i].iter().find(|(_, d)| d.party() == declaration.party()) {
            return Err(DeclaredError::SameParty {
                file: (*file).into(),
                other: (*other).into(),
                party: declaration.party().to_string(),
            });
        }
    }
    let files: Vec<&str> = declarations.iter().map(|(file, _)| *file).collect();
    Ok(Scenario {
        id: "declared".into(),
        name: format!("Postures from declarations: {}", files.join(", ")),
        status: Status::Estimate,
        summary: "Launchers and loadings as declared; performance figures from the systems file.".into(),
        notes,
        model,
        postures,
        notional,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use detente_core::{Vocabulary, codec};

    const SYSTEMS: &str = include_str!("../../../data/scenarios/systems-2020.toml");

    fn declaration(text: &str) -> Declaration {
        let vocabulary =
            Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"]);
        codec::read_csv(text.as_bytes(), &vocabulary).unwrap()
    }

    fn shipped() -> Scenario {
        let us = declaration(include_str!("../../../data/declarations/us-2020-09-01.csv"));
        let ru = declaration(include_str!("../../../data/declarations/ru-2020-09-01.csv"));
        scenario(
            &[("us.csv", &us), ("ru.csv", &ru)],
            &Systems::parse(SYSTEMS).unwrap(),
            "systems.toml",
            Model::default(),
        )
        .unwrap()
    }

    #[test]
    fn declared_counts_become_postures() {
        let scenario = shipped();
        let us = scenario.posture(&"US".parse().unwrap()).unwrap();
        // The published 2020-09-01 figures: 675 deployed launchers, 800 in all.
        assert_eq!(us.launchers(), 675.0);
        assert_eq!(us.launchers() + us.non_deployed_launchers, 800.0);
        let system = |name: &str| us.systems.iter().find(|s| s.name == name).unwrap();
        // 1,457 counted warheads = 397 + 1,012 on missiles + one per deployed bomber.
        assert_eq!(system("Minuteman III").warheads() + system("Trident II").warheads(), 397.0 + 1012.0);
        assert_eq!(
            (system("Trident II (converted)").spare_launchers, system("Trident II (converted)").spare_accountable),
            (56.0, false)
        );
        assert_eq!((system("B-52H (converted)").spare_launchers, system("B-52H").spare_launchers), (41.0, 10.0));
        let ru = scenario.posture(&"RU".parse().unwrap()).unwrap();
        assert!(
            ru.launchers() > 0.0 && ru.systems.iter().all(|s| s.warheads_per_launcher <= s.max_warheads_per_launcher)
        );
        assert!(scenario.sources.iter().any(|s| s.id == "declaration-us"));
    }

    #[test]
    fn missing_types_and_bad_systems_files_are_named() {
        let us = declaration(include_str!("../../../data/declarations/us-2020-09-01.csv"));
        let without_b2 = SYSTEMS.replacen("type = \"B-2A\"", "type = \"B-2\"", 1);
        let error =
            scenario(&[("us.csv", &us)], &Systems::parse(&without_b2).unwrap(), "systems.toml", Model::default())
                .unwrap_err();
        assert_eq!(
            error,
            DeclaredError::NoSystem {
                file: "us.csv".into(),
                systems_file: "systems.toml".into(),
                party: "US".into(),
                type_name: "B-2A".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "us.csv: US's type \"B-2A\" has no [[systems]] entry (party = \"US\", type = \"B-2A\") in systems.toml"
        );
        let twice = scenario(
            &[("us.csv", &us), ("again.csv", &us)],
            &Systems::parse(SYSTEMS).unwrap(),
            "systems.toml",
            Model::default(),
        )
        .unwrap_err();
        assert_eq!(twice.to_string(), "again.csv and us.csv are both declarations of US: give one per party");
        let without_loading = SYSTEMS.replacen("bomber_loading = 6.25\n", "", 1);
        let error =
            scenario(&[("us.csv", &us)], &Systems::parse(&without_loading).unwrap(), "systems.toml", Model::default())
                .unwrap_err();
        assert!(matches!(&error, DeclaredError::NoBomberLoading { index: 2, type_name, .. } if type_name == "B-2A"));
        assert!(
            error
                .to_string()
                .starts_with("systems.toml: field systems[2].bomber_loading: B-2A is a heavy bomber in us.csv"),
            "{error}"
        );
        let duplicate = format!(
            "{SYSTEMS}\n[[systems]]\nparty = \"US\"\ntype = \"B-2A\"\nbasing = \"fixed\"\nmax_warheads_per_launcher = 1\nyield_kt = 1\ncep_m = 1\nreliability = 1\nhardness_psi = 1\nsource = [\"fas-2025-us\"]\n"
        );
        let error = Systems::parse(&duplicate).unwrap_err().to_string();
        assert!(error.contains("systems[16].type: US \"B-2A\" appears twice"), "{error}");
        let error = Systems::parse(&SYSTEMS.replacen("cep_m = 120", "cep_m = 0", 1)).unwrap_err().to_string();
        assert_eq!(error, "field systems[0].cep_m: 0 is not a number above 0");
        let error = Systems::parse(&SYSTEMS.replacen("bomber_loading = 6.25", "bomber_loading = 99", 1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("systems[2].bomber_loading: 99 is more than max_warheads_per_launcher"), "{error}");
        let error = Systems::parse(&SYSTEMS.replacen("source = [\"fas-2025-us\"]", "source = [\"nowhere\"]", 1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("parties[0].source: \"nowhere\" is not a [[sources]] id"), "{error}");
    }
}
