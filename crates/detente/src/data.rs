//! Where the data come from: the shipped treaty files and datasets (compiled in,
//! so the binary works from any folder), the user's own files, and declarations.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use anyhow::Context as _;

use detente_core::codec;
use detente_core::history::{self, AggregateRow};
use detente_core::{Declaration, quoted};
use detente_treaty::{Catalogue, Treaty};

use crate::bad_input;

/// Every data file shipped inside the binary, by its path under `data/`, so
/// that detente runs from any folder and `detente data show` can hand any of
/// them to a user. (A test checks this list against the `data/` folder.)
pub const SHIPPED: [(&str, &str); 17] = [
    ("treaties/new-start.toml", include_str!("../../../data/treaties/new-start.toml")),
    ("treaties/start-i.toml", include_str!("../../../data/treaties/start-i.toml")),
    ("treaties/sort.toml", include_str!("../../../data/treaties/sort.toml")),
    ("treaties/inf.toml", include_str!("../../../data/treaties/inf.toml")),
    ("treaties/launch-notification-1988.toml", include_str!("../../../data/treaties/launch-notification-1988.toml")),
    ("treaties/major-exercises-1989.toml", include_str!("../../../data/treaties/major-exercises-1989.toml")),
    ("interpretations/new-start-us.toml", include_str!("../../../data/interpretations/new-start-us.toml")),
    ("interpretations/new-start-ru.toml", include_str!("../../../data/interpretations/new-start-ru.toml")),
    ("interpretations/sort-us.toml", include_str!("../../../data/interpretations/sort-us.toml")),
    ("declarations/us-2020-09-01.csv", include_str!("../../../data/declarations/us-2020-09-01.csv")),
    ("declarations/ru-2020-09-01.csv", include_str!("../../../data/declarations/ru-2020-09-01.csv")),
    ("declarations/us-2017-03-01.csv", include_str!("../../../data/declarations/us-2017-03-01.csv")),
    ("scenarios/fas-2025.toml", include_str!("../../../data/scenarios/fas-2025.toml")),
    ("scenarios/systems-2020.toml", include_str!("../../../data/scenarios/systems-2020.toml")),
    ("scenarios/race-illustrative.toml", include_str!("../../../data/scenarios/race-illustrative.toml")),
    (
        "hypothetical/launch-notification-trilateral.toml",
        include_str!("../../../data/hypothetical/launch-notification-trilateral.toml"),
    ),
    ("newstart_aggregate.csv", include_str!("../../../data/newstart_aggregate.csv")),
];

/// A shipped file's text by its path under `data/`.
pub fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(path, _)| *path == name).map(|(_, text)| *text)
}

/// The shipped files under one folder of `data/`, with their names.
fn shipped_in(folder: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    SHIPPED.iter().filter_map(move |(path, text)| Some((path.strip_prefix(folder)?.strip_prefix('/')?, *text)))
}

/// The shipped scenario file; the other shipped scenarios are derived from it.
fn fas_2025() -> &'static str {
    shipped("scenarios/fas-2025.toml").expect("shipped")
}

/// The performance of the system types in the shipped declarations.
pub fn systems_2020() -> &'static str {
    shipped("scenarios/systems-2020.toml").expect("shipped")
}

/// The shipped illustrative arms race.
pub fn race_illustrative() -> &'static str {
    shipped("scenarios/race-illustrative.toml").expect("shipped")
}

/// The shipped scenarios by name, with what each is.
pub const SCENARIOS: [(&str, &str); 3] = [
    ("fas-2025", "US, Russia and China, early 2025 (FAS estimates; reconstructed splits; notional performance)"),
    ("new-start-level", "fas-2025's US and Russia at New START's 1,550 counted warheads (derived)"),
    ("after-expiry", "fas-2025 after every party uploads all it can within its reserve (derived)"),
];

/// A shipped scenario by name, or a scenario file.
pub fn scenario(name: &str) -> anyhow::Result<detente_analysis::scenario::Scenario> {
    use detente_analysis::scenario::Scenario;
    let shipped = || Scenario::parse(fas_2025()).expect("the shipped scenario is valid (tested)");
    match name {
        "fas-2025" => Ok(shipped()),
        "new-start-level" => Ok(shipped().at_limit(1550.0)),
        "after-expiry" => Ok(shipped().after_expiry()),
        _ => {
            let path = Path::new(name);
            if !path.exists() {
                let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
                return Err(bad_input!(
                    "--scenario {name}: no such file, and the shipped scenarios are {}",
                    names.join(", ")
                ));
            }
            Scenario::parse(&read_text(path)?).map_err(|e| bad_input!("{}: {e}", path.display()))
        }
    }
}

/// The shipped reconstructed declarations, for the demo.
pub fn declarations() -> impl Iterator<Item = (&'static str, &'static str)> {
    shipped_in("declarations")
}

/// The shipped treaties and interpretations, then those in `data_dir`.
pub fn catalogue(data_dir: Option<&Path>) -> anyhow::Result<Catalogue> {
    let mut catalogue = Catalogue::default();
    for (name, text) in shipped_in("treaties") {
        catalogue.add_treaty(&format!("built-in:{name}"), text).expect("shipped treaty files are valid (tested)");
    }
    for (name, text) in shipped_in("interpretations") {
        catalogue
            .add_interpretation(&format!("built-in:{name}"), text)
            .expect("shipped interpretations are valid (tested)");
    }
    if let Some(dir) = data_dir {
        for (sub, is_treaty) in [("treaties", true), ("interpretations", false)] {
            let folder = dir.join(sub);
            if !folder.is_dir() {
                continue;
            }
            let mut paths: Vec<_> = std::fs::read_dir(&folder)
                .with_context(|| format!("reading {}", folder.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = read_text(&path)?;
                let origin = path.display().to_string();
                let added = if is_treaty {
                    catalogue.add_treaty(&origin, &text).map(drop)
                } else {
                    catalogue.add_interpretation(&origin, &text).map(drop)
                };
                added.map_err(|e| bad_input!("{e}"))?;
            }
        }
    }
    Ok(catalogue)
}

/// Finds a treaty by id, or reads it from a file path (and adds it to the catalogue).
pub fn treaty<'c>(catalogue: &'c mut Catalogue, name: &str) -> anyhow::Result<&'c Treaty> {
    if name.ends_with(".toml") || Path::new(name).is_file() {
        let text = read_text(Path::new(name))?;
        let id = catalogue.add_treaty(name, &text).map_err(|e| bad_input!("{e}"))?.id.clone();
        return Ok(catalogue.treaty(&id).expect("just added"));
    }
    if catalogue.treaty(name).is_none() {
        let known: Vec<_> = catalogue.treaties().map(|(_, t)| t.id.as_str()).collect();
        return Err(bad_input!("unknown treaty {}: known treaties are {}", quoted(name), known.join(", ")));
    }
    Ok(catalogue.treaty(name).expect("checked"))
}

pub fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| bad_input!("{}: {e}", path.display()))
}

/// Reads a declaration, choosing the decoder from the extension; errors name the file.
pub fn declaration(path: &Path, catalogue: &Catalogue, input: impl Read) -> anyhow::Result<Declaration> {
    declaration_in(extension(path)?, &path.display().to_string(), catalogue, input)
}

/// Reads a declaration in a known format; errors name `origin`.
pub fn declaration_in(
    format: Extension,
    origin: &str,
    catalogue: &Catalogue,
    input: impl Read,
) -> anyhow::Result<Declaration> {
    let vocabulary = catalogue.vocabulary();
    let decoded = match format {
        Extension::Csv => codec::read_csv(input, &vocabulary),
        Extension::Json => codec::read_json(input, &vocabulary),
    };
    decoded.map_err(|e| bad_input!("{origin}: {e}"))
}

pub fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).map_err(|e| bad_input!("{}: {e}", path.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    Csv,
    Json,
}

pub fn extension(path: &Path) -> anyhow::Result<Extension> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok(Extension::Csv),
        Some("json") => Ok(Extension::Json),
        _ => Err(bad_input!("{}: expected a .csv or .json file", path.display())),
    }
}

pub fn aggregates() -> Vec<AggregateRow> {
    history::read_aggregates(shipped("newstart_aggregate.csv").expect("shipped").as_bytes())
        .expect("the shipped aggregate dataset is valid (tested)")
}

/// Writes a file all at once: the content goes to a temporary file beside the
/// target, which replaces the target only when complete. An error leaves any
/// existing file untouched and no partial file behind.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut temporary =
        tempfile::NamedTempFile::new_in(folder).with_context(|| format!("writing in {}", folder.display()))?;
    {
        let mut out = BufWriter::new(temporary.as_file_mut());
        write(&mut out).with_context(|| format!("writing {}", path.display()))?;
        out.flush().with_context(|| format!("writing {}", path.display()))?;
    }
    // A temporary file is private (0600); the result should have the target's
    // permissions, or an ordinary file's.
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => ordinary_permissions(),
    };
    temporary.as_file().set_permissions(permissions).with_context(|| format!("writing {}", path.display()))?;
    temporary.as_file().sync_all().with_context(|| format!("writing {}", path.display()))?;
    temporary.persist(path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// What a new output file gets: rw-r--r--, where a temporary file starts private.
fn ordinary_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data file added to `data/` but not to [`SHIPPED`] would be missing
    /// from every installed binary; a script there is not data.
    #[test]
    fn every_data_file_is_shipped() {
        fn walk(folder: &Path, prefix: &str, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(folder).unwrap() {
                let entry = entry.unwrap();
                let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
                if entry.file_type().unwrap().is_dir() {
                    walk(&entry.path(), &format!("{name}/"), found);
                } else if !name.ends_with(".py") {
                    found.push(name);
                }
            }
        }
        let mut on_disk = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"), "", &mut on_disk);
        on_disk.sort();
        let mut shipped: Vec<String> = SHIPPED.iter().map(|(name, _)| (*name).to_owned()).collect();
        shipped.sort();
        assert_eq!(shipped, on_disk);
    }
}
