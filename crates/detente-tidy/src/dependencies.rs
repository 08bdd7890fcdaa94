//! The dependency rules of the pure crates, checked over `cargo metadata`.
//!
//! `cargo metadata` resolves features for the whole workspace at once, so a
//! crate's node there can carry dependencies that only another member turns
//! on: sqlx asks for `rand/thread_rng`, which brings `getrandom` into the
//! workspace's `rand`, though `detente-analysis` asks for `rand` with only
//! `chacha`. The check therefore activates features itself, from the pure
//! crate down, as `cargo build -p <crate>` would, and walks only the normal
//! (not dev, not build) dependencies that this activation turns on. The
//! workspace's resolution is used only to learn which package a declared
//! dependency resolved to.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Deserialize;

use crate::{PureCrate, matches_any};

/// `cargo metadata` output that cannot be checked.
#[derive(Debug, thiserror::Error)]
pub enum DependencyError {
    #[error("cargo metadata is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cargo metadata has no `resolve` section (was it run with --no-deps?)")]
    NoResolve,
    #[error("package {id} has no node in cargo metadata's `resolve` section")]
    NoNode { id: String },
}

/// A pure crate breaking a dependency rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
pub enum Violation {
    #[error("pure crate {krate} is not a package of the workspace")]
    Missing { krate: String },
    #[error("{krate} depends directly on {dependency}, which is not in its allow-list (detente_tidy::PURE_CRATES)")]
    NotAllowed { krate: String, dependency: String },
    #[error("{krate} reaches the I/O crate {dependency} through its normal dependencies: {}", through.join(" -> "))]
    Io { krate: String, dependency: String, through: Vec<String> },
}

#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    resolve: Option<Resolve>,
}

#[derive(Debug, Deserialize)]
struct Package {
    id: String,
    name: String,
    dependencies: Vec<Dependency>,
    #[serde(default)]
    features: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Dependency {
    name: String,
    rename: Option<String>,
    kind: Option<String>,
    target: Option<String>,
    optional: bool,
    uses_default_features: bool,
    features: Vec<String>,
}

impl Dependency {
    /// How the dependent's features refer to it.
    fn key(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.name)
    }

    fn is_normal(&self) -> bool {
        self.kind.is_none()
    }
}

#[derive(Debug, Deserialize)]
struct Resolve {
    nodes: Vec<Node>,
}

#[derive(Debug, Deserialize)]
struct Node {
    id: String,
    deps: Vec<NodeDependency>,
}

#[derive(Debug, Deserialize)]
struct NodeDependency {
    pkg: String,
    dep_kinds: Vec<DependencyKind>,
}

#[derive(Debug, Deserialize)]
struct DependencyKind {
    kind: Option<String>,
    target: Option<String>,
}

/// Checks every crate of `pure` against `cargo metadata --format-version 1`
/// output: its direct normal dependencies must be in its allow-list, and no
/// crate its normal dependencies reach may match `io`. Returns the
/// violations, sorted; none means the rules hold.
pub fn check_dependencies(metadata: &str, pure: &[PureCrate], io: &[&str]) -> Result<Vec<Violation>, DependencyError> {
    let metadata: Metadata = serde_json::from_str(metadata)?;
    let graph = Graph::new(&metadata)?;
    let mut violations = Vec::new();
    for krate in pure {
        let Some(root) = graph.member(&metadata, krate.name) else {
            violations.push(Violation::Missing { krate: krate.name.into() });
            continue;
        };
        for dependency in root.dependencies.iter().filter(|d| d.is_normal()) {
            if !krate.allowed.contains(&dependency.name.as_str()) {
                violations
                    .push(Violation::NotAllowed { krate: krate.name.into(), dependency: dependency.name.clone() });
            }
        }
        let reached = Activation::from(&graph, root)?;
        for &id in &reached.order {
            let package = graph.packages[id];
            if id != root.id && matches_any(&package.name, io) {
                violations.push(Violation::Io {
                    krate: krate.name.into(),
                    dependency: package.name.clone(),
                    through: reached.path(&graph, id),
                });
            }
        }
    }
    violations.sort();
    violations.dedup();
    Ok(violations)
}

/// The names of the packages that workspace member `krate` reaches through
/// normal dependencies, as `cargo build -p krate` activates them (`None`
/// when there is no such member).
pub fn reached(metadata: &str, krate: &str) -> Result<Option<BTreeSet<String>>, DependencyError> {
    let metadata: Metadata = serde_json::from_str(metadata)?;
    let graph = Graph::new(&metadata)?;
    let Some(root) = graph.member(&metadata, krate) else { return Ok(None) };
    let activation = Activation::from(&graph, root)?;
    Ok(Some(activation.order.iter().filter(|&&id| id != root.id).map(|&id| graph.packages[id].name.clone()).collect()))
}

struct Graph<'m> {
    packages: HashMap<&'m str, &'m Package>,
    nodes: HashMap<&'m str, &'m Node>,
}

impl<'m> Graph<'m> {
    fn new(metadata: &'m Metadata) -> Result<Graph<'m>, DependencyError> {
        let resolve = metadata.resolve.as_ref().ok_or(DependencyError::NoResolve)?;
        Ok(Graph {
            packages: metadata.packages.iter().map(|p| (p.id.as_str(), p)).collect(),
            nodes: resolve.nodes.iter().map(|n| (n.id.as_str(), n)).collect(),
        })
    }

    fn member(&self, metadata: &'m Metadata, name: &str) -> Option<&'m Package> {
        metadata
            .workspace_members
            .iter()
            .filter_map(|id| self.packages.get(id.as_str()).copied())
            .find(|p| p.name == name)
    }

    /// The package `dependency` of `from` resolved to, if it is built for
    /// the platform the metadata was filtered for.
    fn resolved(&self, from: &Package, dependency: &Dependency) -> Result<Option<&'m str>, DependencyError> {
        let node = self.nodes.get(from.id.as_str()).ok_or_else(|| DependencyError::NoNode { id: from.id.clone() })?;
        Ok(node
            .deps
            .iter()
            .find(|d| {
                self.packages.get(d.pkg.as_str()).is_some_and(|p| p.name == dependency.name)
                    && d.dep_kinds.iter().any(|k| k.kind == dependency.kind && k.target == dependency.target)
            })
            .map(|d| d.pkg.as_str()))
    }
}

/// The packages and features one crate turns on, as cargo activates them.
struct Activation<'g, 'm> {
    graph: &'g Graph<'m>,
    /// Packages in the order they were reached, and who reached each first.
    order: Vec<&'m str>,
    parent: HashMap<&'m str, &'m str>,
    features: HashSet<(&'m str, String)>,
    /// Dependency edges turned on: (package, index into its dependencies).
    edges: HashSet<(&'m str, usize)>,
    /// `dep?/feature` asked for before `dep` was on: (package, dep, feature).
    weak: Vec<(&'m str, String, String)>,
}

impl<'g, 'm> Activation<'g, 'm> {
    fn from(graph: &'g Graph<'m>, root: &'m Package) -> Result<Activation<'g, 'm>, DependencyError> {
        let mut activation = Activation {
            graph,
            order: Vec::new(),
            parent: HashMap::new(),
            features: HashSet::new(),
            edges: HashSet::new(),
            weak: Vec::new(),
        };
        activation.visit(root.id.as_str(), None)?;
        activation.feature(root.id.as_str(), "default")?;
        Ok(activation)
    }

    fn package(&self, id: &'m str) -> &'m Package {
        self.graph.packages[id]
    }

    fn visit(&mut self, id: &'m str, from: Option<&'m str>) -> Result<(), DependencyError> {
        if self.order.contains(&id) {
            return Ok(());
        }
        self.order.push(id);
        if let Some(from) = from {
            self.parent.insert(id, from);
        }
        let package = self.package(id);
        for (index, dependency) in package.dependencies.iter().enumerate() {
            if dependency.is_normal() && !dependency.optional {
                self.edge(id, index)?;
            }
        }
        Ok(())
    }

    /// Turns on dependency `index` of package `id`, with the features it asks for.
    fn edge(&mut self, id: &'m str, index: usize) -> Result<(), DependencyError> {
        if !self.edges.insert((id, index)) {
            return Ok(());
        }
        let package = self.package(id);
        let dependency = &package.dependencies[index];
        let Some(target) = self.graph.resolved(package, dependency)? else { return Ok(()) };
        self.visit(target, Some(id))?;
        if dependency.uses_default_features {
            self.feature(target, "default")?;
        }
        for feature in &dependency.features {
            self.feature(target, feature)?;
        }
        let waiting: Vec<String> = self
            .weak
            .iter()
            .filter(|(from, key, _)| *from == id && key == dependency.key())
            .map(|(_, _, feature)| feature.clone())
            .collect();
        for feature in waiting {
            self.feature(target, &feature)?;
        }
        Ok(())
    }

    /// The normal dependencies of package `id` that `key` names.
    fn named(&self, id: &'m str, key: &str) -> Vec<usize> {
        let package = self.package(id);
        (0..package.dependencies.len())
            .filter(|&i| package.dependencies[i].is_normal() && package.dependencies[i].key() == key)
            .collect()
    }

    /// Turns on `feature` of package `id`, and whatever it turns on.
    fn feature(&mut self, id: &'m str, feature: &str) -> Result<(), DependencyError> {
        if !self.features.insert((id, feature.to_owned())) {
            return Ok(());
        }
        let package = self.package(id);
        let Some(values) = package.features.get(feature) else {
            // An optional dependency is also a feature of its own name,
            // unless the manifest only ever names it as `dep:…`.
            for index in self.named(id, feature) {
                self.edge(id, index)?;
            }
            return Ok(());
        };
        for value in values {
            if let Some(key) = value.strip_prefix("dep:") {
                for index in self.named(id, key) {
                    self.edge(id, index)?;
                }
            } else if let Some((key, sub)) = value.split_once('/') {
                match key.strip_suffix('?') {
                    Some(key) => self.weak_feature(id, key, sub)?,
                    None => {
                        for index in self.named(id, key) {
                            self.edge(id, index)?;
                            self.dependency_feature(id, index, sub)?;
                        }
                    }
                }
            } else {
                self.feature(id, value)?;
            }
        }
        Ok(())
    }

    /// `key?/feature`: the feature of the dependency if it is on, or once it is.
    fn weak_feature(&mut self, id: &'m str, key: &str, feature: &str) -> Result<(), DependencyError> {
        let on: Vec<usize> =
            self.named(id, key).into_iter().filter(|&index| self.edges.contains(&(id, index))).collect();
        if on.is_empty() {
            self.weak.push((id, key.to_owned(), feature.to_owned()));
        }
        for index in on {
            self.dependency_feature(id, index, feature)?;
        }
        Ok(())
    }

    fn dependency_feature(&mut self, id: &'m str, index: usize, feature: &str) -> Result<(), DependencyError> {
        let package = self.package(id);
        match self.graph.resolved(package, &package.dependencies[index])? {
            Some(target) => self.feature(target, feature),
            None => Ok(()),
        }
    }

    /// Package names from the root down to `id`, along first discoveries.
    fn path(&self, graph: &Graph<'m>, id: &'m str) -> Vec<String> {
        let mut path = vec![graph.packages[id].name.clone()];
        let mut at = id;
        while let Some(&up) = self.parent.get(at) {
            path.push(graph.packages[up].name.clone());
            at = up;
        }
        path.reverse();
        path
    }
}
