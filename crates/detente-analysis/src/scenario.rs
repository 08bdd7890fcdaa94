//! Scenario files: force postures for analysis, with the model's constants
//! and the sources of every figure (schema: docs/formats/scenario.md).

use std::collections::{BTreeMap, BTreeSet};

use detente_core::Party;
use serde::Deserialize;

use crate::exchange::BlastModel;
use crate::posture::{Basing, Kind, Posture, System};
use crate::stability::Model;

pub const FORMAT: &str = "detente-scenario/1";

/// A scenario file that cannot be used, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// Not valid TOML, or a field of the wrong type or name; the message gives line and column.
    #[error("{0}")]
    Syntax(String),
    #[error("field {path}: {message}")]
    Field { path: String, message: String },
}

impl ScenarioError {
    /// A TOML error, cut short: the TOML parser repeats the offending line, which may be huge.
    pub(crate) fn syntax(error: toml::de::Error) -> ScenarioError {
        ScenarioError::Syntax(detente_core::error::shortened(error.to_string().trim_end()))
    }
}

pub(crate) fn field(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Field { path: path.into(), message: message.into() }
}

/// How far a scenario's figures can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Official published figures.
    Published,
    /// Public estimates (FAS and the like), possibly with assumptions.
    Estimate,
    /// A what-if posture, not a claim about any real force.
    Hypothetical,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Published => "published figures",
            Status::Estimate => "estimates",
            Status::Hypothetical => "hypothetical",
        })
    }
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scenario {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub summary: String,
    pub notes: Vec<String>,
    pub model: Model,
    pub postures: Vec<Posture>,
    /// Per party, per system (and `"party"` for party-level fields): the
    /// fields that are assumptions rather than published figures.
    pub notional: BTreeMap<String, Vec<String>>,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    id: String,
    name: String,
    status: Status,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    model: ModelFile,
    parties: Vec<PartyFile>,
    #[serde(default)]
    sources: Vec<Source>,
}

/// Overrides of the model's constants; anything left out keeps its default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    damage_exponent: Option<f64>,
    surcharge: Option<f64>,
    survivable_availability: Option<f64>,
    launch_under_attack_saves: Option<f64>,
    fratricide: Option<f64>,
    lethal_radius_nmi_per_cube_root: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyFile {
    party: String,
    value_w80: f64,
    reserve_warheads: Option<f64>,
    #[serde(default)]
    non_deployed_launchers: f64,
    source: Vec<String>,
    #[serde(default)]
    notional: Vec<String>,
    systems: Vec<SystemFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemFile {
    name: String,
    kind: Kind,
    basing: Basing,
    launchers: f64,
    warheads_per_launcher: f64,
    max_warheads_per_launcher: f64,
    #[serde(default)]
    spare_launchers: f64,
    #[serde(default)]
    spare_accountable: bool,
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

pub(crate) fn fully_alert() -> f64 {
    1.0
}

pub(crate) const PARTY_FIELDS: &[&str] = &["value_w80", "reserve_warheads", "non_deployed_launchers"];
pub(crate) const SYSTEM_FIELDS: &[&str] = &[
    "launchers",
    "warheads_per_launcher",
    "max_warheads_per_launcher",
    "spare_launchers",
    "yield_kt",
    "cep_m",
    "reliability",
    "alert_rate",
    "hardness_psi",
    "upload_per_month",
];

/// The range a number must lie in.
pub(crate) enum Range {
    /// A count: a whole number, 0 or more.
    Count,
    /// More than 0.
    Positive,
    /// 0 or more.
    NonNegative,
    /// A share, from 0 to 1.
    Share,
    /// Above 0 and at most 1: the stop rule needs a concave cost.
    Exponent,
}

/// Beyond this no figure has a physical meaning, and arithmetic on it could
/// overflow; below its inverse no positive figure does.
pub const LARGEST: f64 = 1e12;

/// A number as an error message shows it: plainly, or in scientific notation when very large or small.
fn shown(value: f64) -> String {
    if value != 0.0 && !(1e-3..1e6).contains(&value.abs()) { format!("{value:e}") } else { value.to_string() }
}

pub(crate) fn check(path: &str, value: f64, range: Range) -> Result<f64, ScenarioError> {
    if value.abs() > LARGEST {
        return Err(field(path, format!("{} is beyond {LARGEST:e}", shown(value))));
    }
    let (ok, expected) = match range {
        Range::Count => (value >= 0.0 && value.fract() == 0.0, "a whole number, 0 or more"),
        Range::Positive => (value >= 1.0 / LARGEST, "a number above 0"),
        Range::NonNegative => (value >= 0.0, "a number, 0 or more"),
        Range::Share => ((0.0..=1.0).contains(&value), "a share from 0 to 1"),
        Range::Exponent => (value > 0.0 && value <= 1.0, "above 0 and at most 1"),
    };
    if value.is_finite() && ok { Ok(value) } else { Err(field(path, format!("{} is not {expected}", shown(value)))) }
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let file: File = toml::from_str(text).map_err(ScenarioError::syntax)?;
        if file.format != FORMAT {
            return Err(field("format", format!("{:?} is not {FORMAT:?}", file.format)));
        }
        if file.id.is_empty() || !file.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(field("id", "expected lower-case letters, digits and hyphens"));
        }
        let source_ids: BTreeSet<&str> = file.sources.iter().map(|s| s.id.as_str()).collect();
        if source_ids.len() != file.sources.len() {
            return Err(field("sources", "two sources share an id"));
        }
        let model = model(&file.model)?;
        if file.parties.is_empty() {
            return Err(field("parties", "a scenario needs at least one party"));
        }
        let mut postures = Vec::new();
        let mut notional = BTreeMap::new();
        for (p, party) in file.parties.iter().enumerate() {
            let path = format!("parties[{p}]");
            let code: Party = party
                .party
                .parse()
                .map_err(|e: detente_core::error::PartyError| field(format!("{path}.party"), e.to_string()))?;
            if postures.iter().any(|posture: &Posture| posture.party == code) {
                return Err(field(format!("{path}.party"), format!("{} appears twice", code.as_str())));
            }
            check_sources(&format!("{path}.source"), &party.source, &source_ids)?;
            check_notional(&format!("{path}.notional"), &party.notional, PARTY_FIELDS)?;
            notional.insert(code.as_str().to_owned(), party.notional.clone());
            if party.systems.is_empty() {
                return Err(field(format!("{path}.systems"), "a party needs at least one system"));
            }
            let mut systems = Vec::new();
            for (s, system) in party.systems.iter().enumerate() {
                let path = format!("{path}.systems[{s}]");
                if systems.iter().any(|known: &System| known.name == system.name) {
                    return Err(field(format!("{path}.name"), format!("{:?} appears twice", system.name)));
                }
                check_sources(&format!("{path}.source"), &system.source, &source_ids)?;
                check_notional(&format!("{path}.notional"), &system.notional, SYSTEM_FIELDS)?;
                notional.insert(format!("{}/{}", code.as_str(), system.name), system.notional.clone());
                systems.push(parse_system(&path, system)?);
            }
            postures.push(Posture {
                party: code,
                systems,
                value_w80: check(&format!("{path}.value_w80"), party.value_w80, Range::Positive)?,
                reserve_warheads: party
                    .reserve_warheads
                    .map(|r| check(&format!("{path}.reserve_warheads"), r, Range::Count))
                    .transpose()?,
                non_deployed_launchers: check(
                    &format!("{path}.non_deployed_launchers"),
                    party.non_deployed_launchers,
                    Range::Count,
                )?,
            });
        }
        Ok(Scenario {
            id: file.id,
            name: file.name,
            status: file.status,
            summary: file.summary,
            notes: file.notes,
            model,
            postures,
            notional,
            sources: file.sources,
        })
    }

    /// The posture of `party`.
    pub fn posture(&self, party: &Party) -> Option<&Posture> {
        self.postures.iter().find(|p| &p.party == party)
    }
}

fn parse_system(path: &str, system: &SystemFile) -> Result<System, ScenarioError> {
    let at = |name: &str| format!("{path}.{name}");
    let parsed = System {
        name: system.name.clone(),
        kind: system.kind,
        basing: system.basing,
        launchers: check(&at("launchers"), system.launchers, Range::Count)?,
        warheads_per_launcher: check(&at("warheads_per_launcher"), system.warheads_per_launcher, Range::NonNegative)?,
        max_warheads_per_launcher: check(
            &at("max_warheads_per_launcher"),
            system.max_warheads_per_launcher,
            Range::NonNegative,
        )?,
        spare_launchers: check(&at("spare_launchers"), system.spare_launchers, Range::Count)?,
        spare_accountable: system.spare_accountable,
        yield_kt: check(&at("yield_kt"), system.yield_kt, Range::Positive)?,
        cep_m: check(&at("cep_m"), system.cep_m, Range::Positive)?,
        reliability: check(&at("reliability"), system.reliability, Range::Share)?,
        alert_rate: check(&at("alert_rate"), system.alert_rate, Range::Share)?,
        hardness_psi: check(&at("hardness_psi"), system.hardness_psi, Range::Positive)?,
        upload_per_month: check(&at("upload_per_month"), system.upload_per_month, Range::NonNegative)?,
    };
    if parsed.warheads_per_launcher > parsed.max_warheads_per_launcher {
        return Err(field(
            at("warheads_per_launcher"),
            format!(
                "{} is more than max_warheads_per_launcher ({})",
                parsed.warheads_per_launcher, parsed.max_warheads_per_launcher
            ),
        ));
    }
    if system.name.trim().is_empty() {
        return Err(field(at("name"), "a system needs a name"));
    }
    Ok(parsed)
}

fn model(file: &ModelFile) -> Result<Model, ScenarioError> {
    let defaults = Model::default();
    let pick = |name: &str, value: Option<f64>, default: f64, range: Range| match value {
        Some(value) => check(&format!("model.{name}"), value, range),
        None => Ok(default),
    };
    Ok(Model {
        damage_exponent: pick("damage_exponent", file.damage_exponent, defaults.damage_exponent, Range::Exponent)?,
        surcharge: pick("surcharge", file.surcharge, defaults.surcharge, Range::NonNegative)?,
        survivable_availability: pick(
            "survivable_availability",
            file.survivable_availability,
            defaults.survivable_availability,
            Range::Share,
        )?,
        launch_under_attack_saves: pick(
            "launch_under_attack_saves",
            file.launch_under_attack_saves,
            defaults.launch_under_attack_saves,
            Range::Share,
        )?,
        fratricide: pick("fratricide", file.fratricide, defaults.fratricide, Range::Share)?,
        blast: BlastModel {
            lethal_radius_nmi_per_cube_root: pick(
                "lethal_radius_nmi_per_cube_root",
                file.lethal_radius_nmi_per_cube_root,
                defaults.blast.lethal_radius_nmi_per_cube_root,
                Range::Positive,
            )?,
        },
    })
}

pub(crate) fn check_sources(path: &str, named: &[String], known: &BTreeSet<&str>) -> Result<(), ScenarioError> {
    if named.is_empty() {
        return Err(field(path, "every figure needs a source: name at least one [[sources]] id"));
    }
    match named.iter().find(|id| !known.contains(id.as_str())) {
        Some(id) => Err(field(path, format!("{id:?} is not a [[sources]] id"))),
        None => Ok(()),
    }
}

pub(crate) fn check_notional(path: &str, named: &[String], fields: &[&str]) -> Result<(), ScenarioError> {
    match named.iter().find(|name| !fields.contains(&name.as_str())) {
        Some(name) => Err(field(path, format!("{name:?} is not one of {}", fields.join(", ")))),
        None => Ok(()),
    }
}

/// The shipped scenarios derived from another by a rule, so that their
/// figures can never drift from the scenario they start from.
impl Scenario {
    /// Every party after uploading all it can with no treaty limits, within
    /// its non-deployed warheads: the forces after New START's expiry if
    /// each side uploaded ([`crate::upload`]).
    pub fn after_expiry(&self) -> Scenario {
        let mut derived = self.derived("after-expiry", "after every party uploads all it can, with no treaty limits");
        for posture in &mut derived.postures {
            let upload = crate::upload::upload(posture, &crate::upload::Limits::default());
            for (system, added) in posture.systems.iter_mut().zip(&upload.systems) {
                let launchers = system.launchers + added.restored_launchers;
                if launchers > 0.0 {
                    system.warheads_per_launcher = (system.warheads() + added.added) / launchers;
                }
                system.launchers = launchers;
                system.spare_launchers -= added.restored_launchers;
                // A warm silo brought back is deployed now, no longer counted as non-deployed.
                if system.spare_accountable {
                    posture.non_deployed_launchers -= added.restored_launchers;
                }
            }
            posture.reserve_warheads = posture.reserve_warheads.map(|reserve| reserve - upload.added);
        }
        derived.notes.push(
            "Each system's added warheads (crate::upload, no limits, within the party's reserve) are spread evenly over its launchers, restored ones included.".into(),
        );
        derived
    }

    /// The United States and Russia with their missile warheads scaled so
    /// that each counts exactly `warheads` under New START's rule (missile
    /// warheads plus one per deployed heavy bomber), launchers unchanged.
    pub fn at_limit(&self, warheads: f64) -> Scenario {
        let mut derived = self.derived(
            "new-start-level",
            &format!("with the United States and Russia at {warheads} New START-counted warheads"),
        );
        derived.postures.retain(|p| matches!(p.party.as_str(), "US" | "RU"));
        for posture in &mut derived.postures {
            let bombers: f64 = posture.systems.iter().filter(|s| !s.kind.is_prompt()).map(|s| s.launchers).sum();
            let target = (warheads - bombers).max(0.0);
            // One factor for every missile system, except that none goes past
            // its maximum: a system that would is held there, and the others
            // share what is left.
            let mut held = vec![false; posture.systems.len()];
            loop {
                let prompt = |(s, held): &(&System, &bool)| s.kind.is_prompt() && !**held;
                let fixed: f64 = posture
                    .systems
                    .iter()
                    .zip(&held)
                    .filter(|(s, h)| s.kind.is_prompt() && **h)
                    .map(|(s, _)| s.launchers * s.max_warheads_per_launcher)
                    .sum();
                let free: f64 = posture.systems.iter().zip(&held).filter(prompt).map(|(s, _)| s.warheads()).sum();
                let scale = if free > 0.0 { ((target - fixed) / free).max(0.0) } else { 1.0 };
                let over: Vec<usize> = posture
                    .systems
                    .iter()
                    .zip(&held)
                    .enumerate()
                    .filter(|(_, pair)| prompt(pair))
                    .filter(|(_, (s, _))| s.warheads_per_launcher * scale > s.max_warheads_per_launcher)
                    .map(|(i, _)| i)
                    .collect();
                if over.is_empty() {
                    for (system, held) in posture.systems.iter_mut().zip(&held) {
                        if system.kind.is_prompt() {
                            system.warheads_per_launcher = if *held {
                                system.max_warheads_per_launcher
                            } else {
                                system.warheads_per_launcher * scale
                            };
                        }
                    }
                    break;
                }
                for i in over {
                    held[i] = true;
                }
            }
        }
        derived.notes.push(format!(
            "Missile warheads of each party are scaled by one factor so that they plus one per deployed bomber make {warheads}; a system that would pass its maximum loading is held at it and the others share the rest (if every system is full, the party stays below {warheads})."
        ));
        derived
    }

    fn derived(&self, id: &str, how: &str) -> Scenario {
        let mut derived = self.clone();
        derived.id = id.to_owned();
        derived.name = format!("{}, {how}", self.name);
        derived.status = Status::Hypothetical;
        derived.notes.insert(0, format!("Derived from the scenario {:?} {how}.", self.id));
        derived
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAS_2025: &str = include_str!("../../../data/scenarios/fas-2025.toml");

    #[test]
    fn the_shipped_scenario_keeps_the_published_totals() {
        let scenario = Scenario::parse(FAS_2025).unwrap();
        let total = |party: &str| scenario.posture(&party.parse().unwrap()).unwrap().warheads().round();
        // FAS 2025: about 1,670 U.S. strategic warheads deployed; Russia 870 + about 640 + about 200.
        assert_eq!(total("US"), 1670.0);
        assert_eq!(total("RU"), 1710.0);
        // China: 376 + 72 + 20 assigned, 132 for systems not yet fielded: about 600 in all.
        let china = scenario.posture(&"CN".parse().unwrap()).unwrap();
        assert_eq!(china.warheads().round() + china.reserve_warheads.unwrap(), 600.0);
        let launchers = |party: &str| scenario.posture(&party.parse().unwrap()).unwrap().launchers();
        assert_eq!((launchers("US"), launchers("RU")), (688.0, 576.0));
    }

    #[test]
    fn derived_scenarios_follow_their_rules() {
        let base = Scenario::parse(FAS_2025).unwrap();
        let expired = base.after_expiry();
        assert_eq!(expired.status, Status::Hypothetical);
        for (before, after) in base.postures.iter().zip(&expired.postures) {
            let added = after.warheads() - before.warheads();
            assert!(
                added >= 0.0 && added <= before.reserve_warheads.unwrap_or(f64::INFINITY) + 1e-6,
                "{}: {added}",
                before.party.as_str()
            );
            assert!(after.reserve_warheads.unwrap_or(0.0) >= -1e-6);
            // Launchers move from non-deployed to deployed; none appear from nowhere but converted ones.
            let converted: f64 =
                before.systems.iter().filter(|s| !s.spare_accountable).map(|s| s.spare_launchers).sum();
            let counted = |p: &Posture| p.launchers() + p.non_deployed_launchers;
            assert!(counted(after) <= counted(before) + converted + 1e-9, "{}", before.party.as_str());
        }
        let at_limit = base.at_limit(1550.0);
        assert_eq!(at_limit.postures.len(), 2);
        for posture in &at_limit.postures {
            let bombers: f64 = posture.systems.iter().filter(|s| !s.kind.is_prompt()).map(|s| s.launchers).sum();
            let missiles: f64 = posture.systems.iter().filter(|s| s.kind.is_prompt()).map(|s| s.warheads()).sum();
            assert!((missiles + bombers - 1550.0).abs() < 1e-6, "{}", posture.party.as_str());
            for system in &posture.systems {
                assert!(
                    system.warheads_per_launcher <= system.max_warheads_per_launcher + 1e-12,
                    "{}: {}",
                    system.name,
                    system.warheads_per_launcher
                );
            }
        }
        // The single-warhead Minuteman III stay at one; the others take up the rest.
        let us = &at_limit.postures[0];
        assert_eq!(
            us.systems.iter().find(|s| s.name == "Minuteman III (Mk21/W87-0)").unwrap().warheads_per_launcher,
            1.0
        );
        // Below the bombers' own count, missiles carry nothing, never less.
        assert!(base.at_limit(10.0).postures.iter().flat_map(|p| &p.systems).all(|s| s.warheads_per_launcher >= 0.0));
    }

    #[test]
    fn a_huge_bad_value_gives_a_short_message() {
        // A 4 MB line: the TOML parser repeats it, the message must not.
        for text in [format!("format = \"{}", "x".repeat(4 << 20)), format!("id = {}", "9".repeat(4 << 20))] {
            let message = Scenario::parse(&text).unwrap_err().to_string();
            assert!(message.len() < 1_000, "{} bytes", message.len());
            assert!(message.contains("characters cut"), "{message}");
        }
        let race = crate::race::RaceFile::parse(&format!("name = [{}", "1,".repeat(2 << 20))).unwrap_err();
        assert!(race.to_string().len() < 1_000);
    }

    #[test]
    fn bad_scenarios_name_the_field() {
        let cases = [
            ("format = \"detente-scenario/1\"", "format = \"other/1\"", "field format"),
            (
                "cep_m = 120\nreliability",
                "cep_m = -120\nreliability",
                "field parties[0].systems[0].cep_m: -120 is not a number above 0",
            ),
            (
                "reliability = 0.85\nhardness_psi = 2000\nupload_per_month = 15",
                "reliability = 1.85\nhardness_psi = 2000\nupload_per_month = 15",
                "field parties[0].systems[0].reliability",
            ),
            (
                "launchers = 200\nwarheads_per_launcher = 1\nmax_warheads_per_launcher = 3",
                "launchers = 200.5\nwarheads_per_launcher = 1\nmax_warheads_per_launcher = 3",
                "parties[0].systems[0].launchers: 200.5 is not a whole number",
            ),
            (
                "warheads_per_launcher = 1\nmax_warheads_per_launcher = 3",
                "warheads_per_launcher = 4\nmax_warheads_per_launcher = 3",
                "is more than max_warheads_per_launcher",
            ),
            (
                "source = [\"fas-2025-us\", \"state-2023-aggregates\"]",
                "source = [\"fas-2025-us\", \"no-such-source\"]",
                "field parties[0].source: \"no-such-source\" is not a [[sources]] id",
            ),
            (
                "notional = [\"value_w80\"]\n\n[[parties.systems]]\nname = \"Minuteman III (Mk12A/W78)\"",
                "notional = [\"colour\"]\n\n[[parties.systems]]\nname = \"Minuteman III (Mk12A/W78)\"",
                "field parties[0].notional",
            ),
            ("party = \"RU\"", "party = \"US\"", "field parties[1].party: US appears twice"),
            ("yield_kt = 335", "yield = 335", "unknown field `yield`"),
            ("yield_kt = 335", "yield_kt = 1e300", "field parties[0].systems[0].yield_kt: 1e300 is beyond 1e12"),
            (
                "value_w80 = 300\nreserve_warheads = 1930",
                "value_w80 = 1e-300\nreserve_warheads = 1930",
                "field parties[0].value_w80: 1e-300 is not a number above 0",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(FAS_2025.contains(from), "the case's anchor {from:?} is in the file");
            let error = Scenario::parse(&FAS_2025.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
        }
        let syntax = Scenario::parse(&FAS_2025.replacen("yield_kt = 335", "yield_kt = ", 1)).unwrap_err().to_string();
        assert!(syntax.contains("line"), "a syntax error gives the line: {syntax}");
    }
}
