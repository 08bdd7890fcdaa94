//! A declaration: one party's database of accountable items as of a date.
//!
//! Items are validated as they are added, so a `Declaration` value is always
//! well-formed: unique identifiers, known facilities and kinds, no warheads on
//! an item equipped for non-nuclear armaments, and links between missiles and
//! launchers that make sense (one missile per launcher, a kind of launcher
//! that holds that kind of missile, one facility and one status). Kind and
//! type names are interned into a small table of item *classes*, which keeps
//! each item compact and lets the counting engine work on dense indices
//! instead of strings.

use std::collections::HashMap;

use crate::date::Date;
use crate::error::{CombineError, DecodeError, Location, quoted};
use crate::model::{Armament, Facility, Party, Role, Status, Vocabulary, is_kebab_identifier, is_token};

pub use crate::error::FieldError;

mod builder;
pub use builder::Builder;

/// What a declaration says about itself, apart from its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub party: Party,
    pub as_of: Date,
    /// Where the data come from; for a reconstruction, how it was made.
    pub source: Option<String>,
    pub notes: Vec<String>,
    pub facilities: Vec<Facility>,
    /// Whether the declaration says which launcher each missile sits in: true in
    /// `detente-declaration/2`, where a missile that names none is in none; false
    /// for a `detente-declaration/1` file, which says nothing of it, so no item is
    /// linked and nothing is known of which launchers are loaded.
    pub links: bool,
}

/// A (kind, type) pair shared by many items, such as ("icbm", "Minuteman III").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemClass {
    pub kind: String,
    pub type_name: String,
    /// Whether items of this kind name a launcher, are named by a missile, or neither.
    pub role: Role,
}

/// The value of [`Item`]'s link when it has none.
const NO_LINK: u32 = u32::MAX;

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
    /// The index of the linked item, both ways: a missile's launcher, a launcher's
    /// missile (the class's role says which). One `u32` keeps an item at 40 bytes,
    /// which the million-item count depends on.
    link: u32,
}

impl Item {
    /// The index of the item linked to this one: a missile's launcher, or a launcher's missile.
    pub fn linked(&self) -> Option<usize> {
        (self.link != NO_LINK).then_some(self.link as usize)
    }

    /// A missile in a launcher, or a launcher that holds a missile.
    pub fn is_loaded(&self) -> bool {
        self.link != NO_LINK
    }
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
    /// For a missile in a launcher, the launcher's uid (the launcher may come later).
    pub launcher: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Declaration {
    header: Header,
    classes: Vec<ItemClass>,
    items: Vec<Item>,
    /// The parties whose declarations [`Declaration::combine`] joined into this one; empty otherwise.
    members: Vec<Party>,
}

/// What a check of a notification looks up in the sender's database:
/// a declaration, or a ledger's database now, which answers without being
/// built into one.
pub trait Lookup {
    /// The kind of the item `uid`, if the database has it.
    fn kind_of(&self, uid: &str) -> Option<&str>;
    fn has_facility(&self, id: &str) -> bool;
}

impl Lookup for Declaration {
    fn kind_of(&self, uid: &str) -> Option<&str> {
        self.items.iter().find(|item| &*item.uid == uid).map(|item| self.classes[usize::from(item.class)].kind.as_str())
    }

    fn has_facility(&self, id: &str) -> bool {
        self.header.facilities.iter().any(|f| f.id == id)
    }
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

    /// The parties whose declarations were combined into this one, in the order
    /// given (a group's members counted jointly); empty for a declaration read or
    /// built as one. It is not written to a file: a combined declaration written
    /// out and read back is one declaration of the group.
    pub fn members(&self) -> &[Party] {
        &self.members
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

    /// The launcher a missile sits in.
    pub fn launcher_of(&self, item: &Item) -> Option<&Item> {
        self.linked_as(item, Role::Missile)
    }

    /// The missile a launcher holds.
    pub fn missile_in(&self, item: &Item) -> Option<&Item> {
        self.linked_as(item, Role::Launcher)
    }

    fn linked_as(&self, item: &Item, role: Role) -> Option<&Item> {
        item.linked().filter(|_| self.class(item).role == role).map(|i| &self.items[i])
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
            launcher: self.launcher_of(item).map(|launcher| &*launcher.uid),
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
            format!("{}: write it on one line, without leading or trailing spaces", quoted(text)),
        ));
    }
    Ok(())
}

/// Checks one facility on its own (uniqueness is the builder's business).
pub(crate) fn check_facility(facility: &Facility) -> Result<(), FieldError> {
    if !is_token(&facility.id) {
        let message = format!(
            "invalid facility id {}: use letters, digits and punctuation without spaces, commas or |",
            quoted(&facility.id)
        );
        return Err(FieldError::new("facility", message));
    }
    if !is_kebab_identifier(&facility.kind) {
        let message = format!(
            "facility {}: invalid kind {}: use lower-case words joined by hyphens, such as icbm-base",
            facility.id,
            quoted(&facility.kind)
        );
        return Err(FieldError::new("facility", message));
    }
    one_line_text("facility", &facility.name)?;
    if facility.name.contains('|') {
        return Err(FieldError::new("facility", format!("facility {}: the name may not contain |", facility.id)));
    }
    Ok(())
}

impl Declaration {
    /// Builds a declaration from a header and item descriptions, stopping at the
    /// first bad item (named by its index, as a [`Location::Record`]).
    pub fn build<'a>(
        header: Header,
        vocabulary: &Vocabulary,
        specs: impl IntoIterator<Item = ItemSpec<'a>>,
    ) -> Result<Declaration, DecodeError> {
        let mut builder =
            Builder::new(header, vocabulary).map_err(|e| DecodeError::from_field(Location::File, None, e))?;
        let read = specs.into_iter().enumerate().try_for_each(|(index, spec)| {
            builder.push(&spec).map_err(|e| DecodeError::from_field(Location::Record(index), Some(spec.uid), e))
        });
        builder.finish_after(read)
    }

    /// Several declarations of one date as one, declared by `party`: the
    /// declarations of a group's members, counted jointly. Facilities with the
    /// same id must be the same facility; a uid may appear in one part only.
    pub fn combine<'a>(
        parts: impl IntoIterator<Item = &'a Declaration>,
        party: Party,
    ) -> Result<Declaration, CombineError> {
        let parts: Vec<&Declaration> = parts.into_iter().collect();
        let first = parts.first().ok_or(CombineError::Empty)?;
        let as_of = first.as_of();
        let mut facilities: Vec<Facility> = Vec::new();
        let mut facility_owner: HashMap<&str, (usize, &Party)> = HashMap::new();
        let mut classes: Vec<ItemClass> = Vec::new();
        let mut class_index: HashMap<(&str, &str), u16> = HashMap::new();
        let mut uid_owner: HashMap<&str, &Party> = HashMap::new();
        let mut items: Vec<Item> = Vec::with_capacity(parts.iter().map(|d| d.len()).sum());
        let mut notes = Vec::new();
        if let (Some(linked), Some(unlinked)) =
            (parts.iter().find(|d| d.header.links), parts.iter().find(|d| !d.header.links))
        {
            return Err(CombineError::MixedLinks {
                linked: linked.party().clone(),
                unlinked: unlinked.party().clone(),
            });
        }
        for part in &parts {
            if part.as_of() != as_of {
                return Err(CombineError::DifferentDates {
                    party: part.party().clone(),
                    as_of: part.as_of(),
                    expected: as_of,
                });
            }
            let mut facility_map = Vec::with_capacity(part.header.facilities.len());
            for facility in &part.header.facilities {
                let index = match facility_owner.get(facility.id.as_str()) {
                    Some(&(index, _)) if facilities[index] == *facility => index,
                    Some(&(_, owner)) => {
                        return Err(CombineError::ConflictingFacility {
                            id: facility.id.clone(),
                            first: owner.clone(),
                            second: part.party().clone(),
                        });
                    }
                    None => {
                        facilities.push(facility.clone());
                        facility_owner.insert(&facility.id, (facilities.len() - 1, part.party()));
                        facilities.len() - 1
                    }
                };
                facility_map.push(u32::try_from(index).map_err(|_| CombineError::TooLarge)?);
            }
            let mut class_map = Vec::with_capacity(part.classes.len());
            for class in &part.classes {
                let next = u16::try_from(classes.len()).map_err(|_| CombineError::TooLarge)?;
                let id = *class_index.entry((&class.kind, &class.type_name)).or_insert_with(|| {
                    classes.push(class.clone());
                    next
                });
                if classes[usize::from(id)].role != class.role {
                    return Err(CombineError::ConflictingKind { kind: class.kind.clone() });
                }
                class_map.push(id);
            }
            let offset = u32::try_from(items.len()).map_err(|_| CombineError::TooLarge)?;
            if u64::from(offset) + part.len() as u64 >= u64::from(NO_LINK) {
                return Err(CombineError::TooLarge);
            }
            for item in &part.items {
                if let Some(first) = uid_owner.insert(&item.uid, part.party()) {
                    return Err(CombineError::DuplicateUid {
                        uid: item.uid.to_string(),
                        first: first.clone(),
                        second: part.party().clone(),
                    });
                }
                items.push(Item {
                    class: class_map[usize::from(item.class)],
                    facility: facility_map[item.facility as usize],
                    link: if item.link == NO_LINK { NO_LINK } else { item.link + offset },
                    ..item.clone()
                });
            }
            let party = part.party();
            notes.extend(part.header.source.iter().map(|source| format!("{party} source: {source}")));
            notes.extend(part.header.notes.iter().map(|note| format!("{party}: {note}")));
        }
        let names: Vec<&str> = parts.iter().map(|d| d.party().as_str()).collect();
        let header = Header {
            party,
            as_of,
            source: Some(format!("COMBINED by detente from the declarations of {} as of {as_of}", names.join(", "))),
            notes,
            facilities,
            links: first.header.links,
        };
        let members = parts.iter().map(|d| d.party().clone()).collect();
        Ok(Declaration { header, classes, items, members })
    }
}

#[cfg(test)]
mod tests;
