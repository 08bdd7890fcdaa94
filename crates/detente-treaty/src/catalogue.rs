//! The treaties and interpretations a run knows, from the shipped files and the user's.

use detente_core::{Party, Vocabulary, quoted};

use crate::{Interpretation, Treaty, TreatyError};

/// A file that could not be added, with its name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {error}")]
pub struct CatalogueError {
    pub origin: String,
    pub error: TreatyError,
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    treaties: Vec<(String, Treaty)>,
    interpretations: Vec<(String, Interpretation)>,
}

impl Catalogue {
    /// Adds a treaty file; `origin` (a path or `built-in:NAME`) names it in errors and listings.
    /// A later file with the same id replaces an earlier one, so users can override shipped treaties.
    pub fn add_treaty(&mut self, origin: &str, text: &str) -> Result<&Treaty, CatalogueError> {
        let treaty = Treaty::from_toml(text).map_err(|error| CatalogueError { origin: origin.to_owned(), error })?;
        let id = treaty.id.clone();
        self.treaties.retain(|(_, t)| t.id != id);
        self.treaties.push((origin.to_owned(), treaty));
        self.treaties.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        Ok(self.treaty(&id).expect("just added"))
    }

    /// Adds an interpretation file; its treaty must already be known. It replaces an
    /// earlier one with the same id, or by the same party of the same treaty.
    pub fn add_interpretation(&mut self, origin: &str, text: &str) -> Result<&Interpretation, CatalogueError> {
        let fail = |error| CatalogueError { origin: origin.to_owned(), error };
        let treaty_id = toml::from_str::<toml::Table>(text)
            .map_err(|e| fail(TreatyError::syntax(e, text)))?
            .get("treaty")
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| fail(TreatyError::field("treaty", "missing the id of the treaty it reads")))?;
        let treaty = self
            .treaty(&treaty_id)
            .ok_or_else(|| fail(TreatyError::field("treaty", format!("unknown treaty {}", quoted(&treaty_id)))))?;
        let interpretation = Interpretation::from_toml(text, treaty).map_err(fail)?;
        // One reading per party and treaty: a later file (the user's) replaces an earlier one.
        self.interpretations.retain(|(_, i)| {
            i.id != interpretation.id && !(i.treaty == interpretation.treaty && i.party == interpretation.party)
        });
        self.interpretations.push((origin.to_owned(), interpretation));
        Ok(&self.interpretations.last().expect("just added").1)
    }

    pub fn treaties(&self) -> impl Iterator<Item = (&str, &Treaty)> {
        self.treaties.iter().map(|(o, t)| (o.as_str(), t))
    }

    pub fn treaty(&self, id: &str) -> Option<&Treaty> {
        self.treaties.iter().map(|(_, t)| t).find(|t| t.id == id)
    }

    pub fn interpretations(&self) -> impl Iterator<Item = &Interpretation> {
        self.interpretations.iter().map(|(_, i)| i)
    }

    /// The reading `reader` gives of `treaty`, if it has published one.
    pub fn interpretation(&self, treaty: &str, reader: &Party) -> Option<&Interpretation> {
        self.interpretations().find(|i| i.treaty == treaty && &i.party == reader)
    }

    /// Every item kind some known treaty defines, and which launchers hold which
    /// missiles: what a declaration may use.
    pub fn vocabulary(&self) -> Vocabulary {
        let categories = || self.treaties.iter().flat_map(|(_, t)| t.categories.iter());
        categories()
            .filter(|c| !c.holds.is_empty())
            .fold(Vocabulary::new(categories().map(|c| c.kind.clone())), |v, c| v.holding(&c.kind, &c.holds))
    }

    /// Adds to each caution about a limit with no counting rules the readings
    /// that would give it some, so that the count can say how to get one.
    pub fn suggest_readings(&self, count: &mut crate::Count) {
        for caution in &mut count.cautions {
            if let crate::Caution::NoCountingRules { limit, readers, .. } = caution {
                readers.extend(
                    self.interpretations()
                        .filter(|i| {
                            i.treaty == count.treaty && i.applies_to(&count.party) && i.rules_for(limit).is_some()
                        })
                        .map(|i| i.party.clone()),
                );
                readers.sort();
                readers.dedup();
            }
        }
    }
}
