//! A declaration: one party's database of accountable items as of a date.
//!
//! Items are validated as they are added, so a `Declaration` value is always
//! well-formed: unique identifiers, known facilities and kinds, no warheads on
//! an item equipped for non-nuclear armaments. Kind and type names are interned
//! into a small table of item *classes*, which keeps each item compact and lets
//! the counting engine work on dense indices instead of strings.

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::date::Date;
use crate::model::{Armament, Facility, Party, Status, Vocabulary, is_kebab_identifier, is_token};

/// What a declaration says about itself, apart from its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub party: Party,
    pub as_of: Date,
    /// Where the data come from; for a reconstruction, how it was made.
    pub source: Option<String>,
    pub notes: Vec<String>,
    pub facilities: Vec<Facility>,
}

/// A (kind, type) pair shared by many items, such as ("icbm", "Minuteman III").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemClass {
    pub kind: String,
    pub type_name: String,
}

/// One accountable object, as stored. Names are reached through the [`Declaration`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub uid: Box<str>,
    /// Index into [`Declaration::classes`].
    pub class: u16,
    /// Index into the header's facilities.
    pub facility: u32,
    pub status: Status,
    pub armament: Option<Armament>,
    /// Warheads emplaced (reentry vehicles on a missile, weapons loaded on a bomber).
    pub warheads: u32,
    pub range_km: Option<u32>,
}

/// An item described by names, as read from a file or written to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpec<'a> {
    pub uid: &'a str,
    pub kind: &'a str,
    pub type_name: &'a str,
    pub facility: &'a str,
    pub status: Status,
    pub armament: Option<Armament>,
    pub warheads: u32,
    pub range_km: Option<u32>,
}

/// Why an item or header was refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
    }
}

#[derive(Debug, Clone)]
pub struct Declaration {
    header: Header,
    classes: Vec<ItemClass>,
    items: Vec<Item>,
}

impl Declaration {
    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn party(&self) -> &Party {
        &self.header.party
    }

    pub fn as_of(&self) -> Date {
        self.header.as_of
    }

    pub fn classes(&self) -> &[ItemClass] {
        &self.classes
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn class(&self, item: &Item) -> &ItemClass {
        &self.classes[usize::from(item.class)]
    }

    pub fn facility(&self, item: &Item) -> &Facility {
        &self.header.facilities[item.facility as usize]
    }

    /// The item described by names again, ready to be written out or rebuilt.
    pub fn spec<'a>(&'a self, item: &'a Item) -> ItemSpec<'a> {
        let class = self.class(item);
        ItemSpec {
            uid: &item.uid,
            kind: &class.kind,
            type_name: &class.type_name,
            facility: &self.facility(item).id,
            status: item.status,
            armament: item.armament,
            warheads: item.warheads,
            range_km: item.range_km,
        }
    }

    pub fn specs(&self) -> impl Iterator<Item = ItemSpec<'_>> {
        self.items.iter().map(|item| self.spec(item))
    }
}

/// Header texts are written one per line in CSV, so they must fit on one: this
/// keeps every declaration representable in both formats without loss.
pub(crate) fn one_line_text(field: &'static str, text: &str) -> Result<(), FieldError> {
    if text.contains(['\r', '\n']) || text.trim() != text {
        return Err(FieldError::new(
            field,
            format!("{text:?}: write it on one line, without leading or trailing spaces"),
        ));
    }
    Ok(())
}

/// Checks one facility on its own (uniqueness is the builder's business).
pub(crate) fn check_facility(facility: &Facility) -> Result<(), FieldError> {
    if !is_token(&facility.id) {
        let message = format!(
            "invalid facility id {:?}: use letters, digits and punctuation without spaces, commas or |",
            facility.id
        );
        return Err(FieldError::new("facility", message));
    }
    if !is_kebab_identifier(&facility.kind) {
        let message = format!(
            "facility {}: invalid kind {:?}: use lower-case words joined by hyphens, such as icbm-base",
            facility.id, facility.kind
        );
        return Err(FieldError::new("facility", message));
    }
    one_line_text("facility", &facility.name)?;
    if facility.name.contains('|') {
        return Err(FieldError::new("facility", format!("facility {}: the name may not contain |", facility.id)));
    }
    Ok(())
}

/// Builds a [`Declaration`] item by item, refusing anything malformed.
///
/// The indexes hold item and class *numbers*, hashed by the names those point
/// to, so no identifier is stored twice. (Keeping a second copy of every uid
/// cost a million small allocations per million items, and freeing them all at
/// `finish` slowed the allocator for whatever ran next.)
#[derive(Debug)]
pub struct Builder<'v> {
    vocabulary: &'v Vocabulary,
    header: Header,
    facility_index: HashMap<String, u32>,
    hasher: DefaultHashBuilder,
    /// Class numbers, hashed by (kind, type).
    class_index: HashTable<u16>,
    classes: Vec<ItemClass>,
    /// Item numbers, hashed by uid.
    uid_index: HashTable<u32>,
    items: Vec<Item>,
}

impl<'v> Builder<'v> {
    /// Starts a declaration; fails if the header itself is malformed.
    pub fn new(header: Header, vocabulary: &'v Vocabulary) -> Result<Builder<'v>, FieldError> {
        if let Some(source) = &header.source {
            one_line_text("source", source)?;
        }
        for note in &header.notes {
            one_line_text("note", note)?;
        }
        let mut facility_index = HashMap::new();
        for (index, facility) in header.facilities.iter().enumerate() {
            check_facility(facility)?;
            if facility_index.insert(facility.id.clone(), index as u32).is_some() {
                return Err(FieldError::new("facility", format!("facility {} is declared twice", facility.id)));
            }
        }
        Ok(Builder {
            vocabulary,
            header,
            facility_index,
            hasher: DefaultHashBuilder::default(),
            class_index: HashTable::new(),
            classes: Vec::new(),
            uid_index: HashTable::new(),
            items: Vec::new(),
        })
    }

    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
        let (hasher, items) = (&self.hasher, &self.items);
        self.uid_index.reserve(additional, |&i| hasher.hash_one(&*items[i as usize].uid));
    }

    /// Adds one item; on error nothing is added.
    pub fn push(&mut self, spec: &ItemSpec<'_>) -> Result<(), FieldError> {
        if !is_token(spec.uid) {
            return Err(FieldError::new(
                "uid",
                format!(
                    "invalid unique identifier {:?}: use 1 to 128 letters, digits and punctuation without spaces, commas or |",
                    spec.uid
                ),
            ));
        }
        if !self.vocabulary.contains(spec.kind) {
            let known: Vec<_> = self.vocabulary.kinds().collect();
            return Err(FieldError::new(
                "kind",
                format!("unknown kind {:?}: no known treaty defines it (known kinds: {})", spec.kind, known.join(", ")),
            ));
        }
        if spec.type_name.trim().is_empty() || spec.type_name.trim() != spec.type_name {
            return Err(FieldError::new(
                "type",
                format!(
                    "invalid type {:?}: give the system's name, such as Minuteman III, without leading or trailing spaces",
                    spec.type_name
                ),
            ));
        }
        let facility = *self.facility_index.get(spec.facility).ok_or_else(|| {
            FieldError::new(
                "facility",
                format!("unknown facility {:?}: it is not among the declared facilities", spec.facility),
            )
        })?;
        if spec.armament == Some(Armament::NonNuclear) && spec.warheads > 0 {
            return Err(FieldError::new(
                "warheads",
                format!("{} warheads on an item equipped for non-nuclear armaments", spec.warheads),
            ));
        }
        let uid_hash = self.hasher.hash_one(spec.uid);
        if self.uid_index.find(uid_hash, |&i| &*self.items[i as usize].uid == spec.uid).is_some() {
            return Err(FieldError::new("uid", format!("duplicate unique identifier {:?}", spec.uid)));
        }
        let index = u32::try_from(self.items.len())
            .map_err(|_| FieldError::new("uid", "more than 4,294,967,295 items in one declaration"))?;
        let class = self.intern(spec.kind, spec.type_name)?;
        let (hasher, items) = (&self.hasher, &self.items);
        self.uid_index.insert_unique(uid_hash, index, |&i| hasher.hash_one(&*items[i as usize].uid));
        self.items.push(Item {
            uid: spec.uid.into(),
            class,
            facility,
            status: spec.status,
            armament: spec.armament,
            warheads: spec.warheads,
            range_km: spec.range_km,
        });
        Ok(())
    }

    fn intern(&mut self, kind: &str, type_name: &str) -> Result<u16, FieldError> {
        let hash = self.hasher.hash_one((kind, type_name));
        let classes = &self.classes;
        let same = |&c: &u16| classes[usize::from(c)].kind == kind && classes[usize::from(c)].type_name == type_name;
        if let Some(&id) = self.class_index.find(hash, same) {
            return Ok(id);
        }
        let id = u16::try_from(self.classes.len())
            .map_err(|_| FieldError::new("type", "more than 65,535 distinct (kind, type) pairs in one declaration"))?;
        self.classes.push(ItemClass { kind: kind.to_owned(), type_name: type_name.to_owned() });
        let (hasher, classes) = (&self.hasher, &self.classes);
        self.class_index.insert_unique(hash, id, |&c| {
            let class = &classes[usize::from(c)];
            hasher.hash_one((class.kind.as_str(), class.type_name.as_str()))
        });
        Ok(id)
    }

    pub fn finish(self) -> Declaration {
        Declaration { header: self.header, classes: self.classes, items: self.items }
    }
}

impl Declaration {
    /// Builds a declaration from a header and item descriptions, stopping at the first bad item
    /// (its index and the field at fault are returned).
    pub fn build<'a>(
        header: Header,
        vocabulary: &Vocabulary,
        specs: impl IntoIterator<Item = ItemSpec<'a>>,
    ) -> Result<Declaration, (Option<usize>, FieldError)> {
        let mut builder = Builder::new(header, vocabulary).map_err(|e| (None, e))?;
        for (index, spec) in specs.into_iter().enumerate() {
            builder.push(&spec).map_err(|e| (Some(index), e))?;
        }
        Ok(builder.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            party: "US".parse().unwrap(),
            as_of: "2020-09-01".parse().unwrap(),
            source: None,
            notes: vec![],
            facilities: vec![Facility { id: "MINOT".into(), kind: "icbm-base".into(), name: "Minot".into() }],
        }
    }

    fn spec<'a>(uid: &'a str, kind: &'a str) -> ItemSpec<'a> {
        ItemSpec {
            uid,
            kind,
            type_name: "Minuteman III",
            facility: "MINOT",
            status: Status::Deployed,
            armament: None,
            warheads: 1,
            range_km: None,
        }
    }

    #[test]
    fn refuses_malformed_items_naming_the_field() {
        let vocabulary = Vocabulary::new(["icbm", "heavy-bomber"]);
        let mut builder = Builder::new(header(), &vocabulary).unwrap();
        builder.push(&spec("A1", "icbm")).unwrap();
        assert_eq!(builder.push(&spec("A1", "icbm")).unwrap_err().field, "uid");
        assert_eq!(builder.push(&spec("A2", "icbn")).unwrap_err().field, "kind");
        assert_eq!(
            builder.push(&ItemSpec { facility: "NOWHERE", ..spec("A3", "icbm") }).unwrap_err().field,
            "facility"
        );
        let bomber = ItemSpec { armament: Some(Armament::NonNuclear), warheads: 2, ..spec("A4", "heavy-bomber") };
        assert_eq!(builder.push(&bomber).unwrap_err().field, "warheads");
        assert_eq!(builder.push(&ItemSpec { type_name: " x", ..spec("A5", "icbm") }).unwrap_err().field, "type");
        let declaration = builder.finish();
        assert_eq!(declaration.len(), 1, "refused items leave nothing behind");
        assert_eq!(declaration.classes().len(), 1);
    }

    #[test]
    fn duplicate_facilities_are_refused() {
        let mut h = header();
        h.facilities.push(h.facilities[0].clone());
        let vocabulary = Vocabulary::new(["icbm"]);
        assert!(Builder::new(h, &vocabulary).unwrap_err().message.contains("twice"));
    }
}
