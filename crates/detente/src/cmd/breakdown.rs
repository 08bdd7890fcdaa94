//! `count --by facility|type` and `count A.csv B.csv …`: the breakdown asked for,
//! and several declarations read as one (a group's members, counted jointly).

use std::path::PathBuf;

use detente_core::{Declaration, Party};
use detente_treaty::{Breakdown, Catalogue, Treaty};

use crate::{bad_input, data};

/// What `--by` splits the counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Facility,
    Type,
}

pub fn breakdown(by: &[By]) -> Breakdown {
    Breakdown { by_facility: by.contains(&By::Facility), by_type: by.contains(&By::Type) }
}

/// The declaration to count: the one given, or several of one date combined, as
/// declared by their common party or by the treaty's group that has them all.
pub fn joint_declaration(paths: &[PathBuf], catalogue: &Catalogue, treaty: &Treaty) -> anyhow::Result<Declaration> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        parts.push(data::declaration(path, catalogue, data::open(path)?)?);
    }
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one part"));
    }
    let parties: Vec<&Party> = parts.iter().map(Declaration::party).collect();
    let party = if parties.iter().all(|p| *p == parties[0]) {
        parties[0].clone()
    } else {
        let group = treaty.groups.iter().find(|g| parties.iter().all(|p| g.members.contains(p))).ok_or_else(|| {
            let named: Vec<&str> = parties.iter().map(|p| p.as_str()).collect();
            let groups: Vec<String> = treaty.groups.iter().map(|g| g.id.to_string()).collect();
            bad_input!(
                "the declarations are of {}: {} has no group with all of them as members (its groups: {})",
                named.join(", "),
                treaty.short_name,
                if groups.is_empty() { "none".to_owned() } else { groups.join(", ") }
            )
        })?;
        group.id.clone()
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    Declaration::combine(&parts, party).map_err(|e| bad_input!("{}: {e}", names.join(", ")))
}
