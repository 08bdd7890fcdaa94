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
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::date::Date;
use crate::error::{CombineError, DecodeError, Location, quoted};
use crate::model::{Armament, Facility, Party, Role, Status, Vocabulary, is_kebab_identifier, is_token};

pub use crate::error::FieldError;

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

/// A missile whose launcher had not been declared when the missile was:
/// resolved at [`Builder::finish`].
#[derive(Debug)]
struct PendingLink {
    missile: u32,
    /// The launcher's uid, as a range of [`Builder::pending_names`].
    name: std::ops::Range<usize>,
    at: Location,
}

/// Builds a [`Declaration`] item by item, refusing anything malformed.
///
/// The indexes hold item and class *numbers*, hashed by the names those point
/// to, so no identifier is stored twice. (Keeping a second copy of every uid
/// cost a million small allocations per million items, and freeing them all at
/// `finish` slowed the allocator for whatever ran next.) For the same reason the
/// launcher names of forward references share one buffer.
#[derive(Debug)]
pub struct Builder<'v> {
    vocabulary: &'v Vocabulary,
    header: Header,
    facility_index: hashbrown::HashMap<String, u32>,
    hasher: DefaultHashBuilder,
    /// Class numbers, hashed by (kind, type).
    class_index: HashTable<u16>,
    classes: Vec<ItemClass>,
    /// Item numbers, hashed by uid, each beside a tag of its hash: growing the
    /// table then moves entries without reading a uid again, and a probe reads
    /// an item's uid only when the tags agree.
    uid_index: HashTable<UidSlot>,
    items: Vec<Item>,
    pending: Vec<PendingLink>,
    pending_names: String,
}

/// An entry of the uid index: an item's number and 32 bits of its uid's hash.
#[derive(Debug, Clone, Copy)]
struct UidSlot {
    item: u32,
    tag: u32,
}

impl UidSlot {
    fn tag_of(hash: u64) -> u32 {
        (hash >> 32) as u32
    }

    /// The hash the table files a slot under, rebuilt from its tag alone. Both
    /// halves carry the tag, since the table takes its bucket from the low bits
    /// and its control byte from the high ones.
    fn table_hash(tag: u32) -> u64 {
        (u64::from(tag) << 32) | u64::from(tag)
    }
}

/// What the link checks need to know of a missile.
#[derive(Clone, Copy)]
struct MissileFacts<'a> {
    kind: &'a str,
    role: Role,
    facility: u32,
    status: Status,
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
        let mut facility_index = hashbrown::HashMap::new();
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
            pending: Vec::new(),
            pending_names: String::new(),
        })
    }

    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
        self.uid_index.reserve(additional, |slot| UidSlot::table_hash(slot.tag));
    }

    /// Adds one item; on error nothing is added. A link to a launcher not yet
    /// declared is checked at [`Builder::finish`], whose error then names the item by its number.
    pub fn push(&mut self, spec: &ItemSpec<'_>) -> Result<(), FieldError> {
        self.push_at(spec, Location::Record(self.items.len()))
    }

    /// Adds one item read at `at` (a CSV line, a JSON record), which a link
    /// error found at [`Builder::finish`] will name.
    pub fn push_at(&mut self, spec: &ItemSpec<'_>, at: Location) -> Result<(), FieldError> {
        if !is_token(spec.uid) {
            return Err(FieldError::new(
                "uid",
                format!(
                    "invalid unique identifier {}: use 1 to 128 letters, digits and punctuation without spaces, commas or |",
                    quoted(spec.uid)
                ),
            ));
        }
        // A known class implies a known kind and a well-formed type: classes are
        // made only after both checks pass.
        let known_class = self.class_of(spec.kind, spec.type_name);
        if known_class.is_none() {
            self.check_new_class(spec.kind, spec.type_name)?;
        }
        let facility = *self.facility_index.get(spec.facility).ok_or_else(|| {
            FieldError::new(
                "facility",
                format!("unknown facility {}: it is not among the declared facilities", quoted(spec.facility)),
            )
        })?;
        if spec.armament == Some(Armament::NonNuclear) && spec.warheads > 0 {
            return Err(FieldError::new(
                "warheads",
                format!("{} warheads on an item equipped for non-nuclear armaments", spec.warheads),
            ));
        }
        let tag = UidSlot::tag_of(self.hasher.hash_one(spec.uid));
        if self.find_tagged(tag, spec.uid).is_some() {
            return Err(FieldError::new("uid", format!("duplicate unique identifier {}", quoted(spec.uid))));
        }
        let index = u32::try_from(self.items.len())
            .ok()
            .filter(|&i| i != NO_LINK)
            .ok_or_else(|| FieldError::new("uid", "more than 4,294,967,294 items in one declaration"))?;
        let role = known_class.map_or_else(|| self.vocabulary.role(spec.kind), |c| self.classes[usize::from(c)].role);
        let facts = MissileFacts { kind: spec.kind, role, facility, status: spec.status };
        let launcher = match spec.launcher {
            None => None,
            Some(launcher) => self.launcher_now(spec.uid, facts, launcher)?,
        };
        let class = match known_class {
            Some(class) => class,
            None => self.add_class(spec.kind, spec.type_name, role)?,
        };
        self.uid_index.insert_unique(UidSlot::table_hash(tag), UidSlot { item: index, tag }, |slot| {
            UidSlot::table_hash(slot.tag)
        });
        self.items.push(Item {
            uid: spec.uid.into(),
            class,
            facility,
            status: spec.status,
            armament: spec.armament,
            warheads: spec.warheads,
            range_km: spec.range_km,
            link: NO_LINK,
        });
        match (launcher, spec.launcher) {
            (Some(launcher), _) => self.link(index, launcher),
            (None, Some(name)) => {
                let start = self.pending_names.len();
                self.pending_names.push_str(name);
                self.pending.push(PendingLink { missile: index, name: start..self.pending_names.len(), at });
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Checks what can be checked of a missile's link before the missile is added:
    /// that it is a missile, and, if its launcher is already declared, the link
    /// itself. Returns the launcher's index when it is.
    fn launcher_now(&self, uid: &str, missile: MissileFacts<'_>, launcher: &str) -> Result<Option<u32>, FieldError> {
        if missile.role != Role::Missile {
            let message = format!(
                "a {} names a launcher, but no launcher kind holds a {}: only a missile names the launcher it sits in",
                missile.kind, missile.kind
            );
            return Err(FieldError::new("launcher", message));
        }
        if launcher == uid {
            return Err(FieldError::new("launcher", "the item names itself as its launcher"));
        }
        if !is_token(launcher) {
            return Err(FieldError::new("launcher", format!("invalid unique identifier {}", quoted(launcher))));
        }
        if !self.header.links {
            return Err(FieldError::new(
                "launcher",
                "the declaration says it links no missile to a launcher (detente-declaration/1), so no missile may name one",
            ));
        }
        match self.find(launcher) {
            None => Ok(None),
            Some(index) => {
                self.check_link(missile, index).map(|()| Some(index)).map_err(|m| FieldError::new("launcher", m))
            }
        }
    }

    fn find(&self, uid: &str) -> Option<u32> {
        self.find_tagged(UidSlot::tag_of(self.hasher.hash_one(uid)), uid)
    }

    fn find_tagged(&self, tag: u32, uid: &str) -> Option<u32> {
        let same = |slot: &UidSlot| slot.tag == tag && &*self.items[slot.item as usize].uid == uid;
        self.uid_index.find(UidSlot::table_hash(tag), same).map(|slot| slot.item)
    }

    /// The checks on a missile in a launcher that hold whatever the treaty.
    fn check_link(&self, missile: MissileFacts<'_>, launcher: u32) -> Result<(), String> {
        let held = &self.items[launcher as usize];
        let class = &self.classes[usize::from(held.class)];
        if class.role != Role::Launcher || !self.vocabulary.holds(&class.kind, missile.kind) {
            return Err(format!("{} is a {}, which does not hold a {}", held.uid, class.kind, missile.kind));
        }
        if let Some(other) = held.linked() {
            return Err(format!("launcher {} already holds missile {}", held.uid, self.items[other].uid));
        }
        if held.facility != missile.facility {
            let facilities = &self.header.facilities;
            return Err(format!(
                "the missile is at {} and its launcher {} at {}",
                facilities[missile.facility as usize].id, held.uid, facilities[held.facility as usize].id
            ));
        }
        if held.status != missile.status {
            return Err(format!(
                "the missile is {} and its launcher {} is {}: a missile and the launcher holding it have one status",
                missile.status, held.uid, held.status
            ));
        }
        Ok(())
    }

    fn link(&mut self, missile: u32, launcher: u32) {
        self.items[missile as usize].link = launcher;
        self.items[launcher as usize].link = missile;
    }

    fn class_hash(&self, kind: &str, type_name: &str) -> u64 {
        self.hasher.hash_one((kind, type_name))
    }

    fn class_of(&self, kind: &str, type_name: &str) -> Option<u16> {
        let classes = &self.classes;
        let same = |&c: &u16| classes[usize::from(c)].type_name == type_name && classes[usize::from(c)].kind == kind;
        self.class_index.find(self.class_hash(kind, type_name), same).copied()
    }

    /// The checks a (kind, type) pair passes before it becomes a class.
    fn check_new_class(&self, kind: &str, type_name: &str) -> Result<(), FieldError> {
        if !self.vocabulary.contains(kind) {
            let known: Vec<_> = self.vocabulary.kinds().collect();
            return Err(FieldError::new(
                "kind",
                format!(
                    "unknown kind {}: no known treaty defines it (known kinds: {})",
                    quoted(kind),
                    known.join(", ")
                ),
            ));
        }
        if type_name.trim().is_empty() || type_name.trim() != type_name {
            return Err(FieldError::new(
                "type",
                format!(
                    "invalid type {}: give the system's name, such as Minuteman III, without leading or trailing spaces",
                    quoted(type_name)
                ),
            ));
        }
        Ok(())
    }

    fn add_class(&mut self, kind: &str, type_name: &str, role: Role) -> Result<u16, FieldError> {
        let id = u16::try_from(self.classes.len())
            .map_err(|_| FieldError::new("type", "more than 65,535 distinct (kind, type) pairs in one declaration"))?;
        let hash = self.class_hash(kind, type_name);
        self.classes.push(ItemClass { kind: kind.to_owned(), type_name: type_name.to_owned(), role });
        let (hasher, classes) = (&self.hasher, &self.classes);
        self.class_index.insert_unique(hash, id, |&c| {
            let class = &classes[usize::from(c)];
            hasher.hash_one((class.kind.as_str(), class.type_name.as_str()))
        });
        Ok(id)
    }

    /// Resolves the links to launchers declared after their missiles, and returns
    /// the declaration. A link that fails is reported at the missile's line or record.
    pub fn finish(mut self) -> Result<Declaration, DecodeError> {
        for pending in std::mem::take(&mut self.pending) {
            let name = &self.pending_names[pending.name.clone()];
            let item = &self.items[pending.missile as usize];
            let fail = |message: String| DecodeError {
                location: pending.at,
                uid: Some(item.uid.to_string()),
                field: Some("launcher".to_owned()),
                message,
            };
            let Some(launcher) = self.find(name) else {
                return Err(fail(format!(
                    "no item has the unique identifier {}: declare the launcher too",
                    quoted(name)
                )));
            };
            let class = &self.classes[usize::from(item.class)];
            let facts =
                MissileFacts { kind: &class.kind, role: class.role, facility: item.facility, status: item.status };
            self.check_link(facts, launcher).map_err(fail)?;
            self.link(pending.missile, launcher);
        }
        Ok(Declaration { header: self.header, classes: self.classes, items: self.items, members: Vec::new() })
    }
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
        for (index, spec) in specs.into_iter().enumerate() {
            builder.push(&spec).map_err(|e| DecodeError::from_field(Location::Record(index), Some(spec.uid), e))?;
        }
        builder.finish()
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
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            party: "US".parse().unwrap(),
            as_of: "2020-09-01".parse().unwrap(),
            source: None,
            notes: vec![],
            facilities: vec![Facility { id: "MINOT".into(), kind: "icbm-base".into(), name: "Minot".into() }],
            links: true,
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
            launcher: None,
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
        let declaration = builder.finish().unwrap();
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

    fn vocabulary() -> Vocabulary {
        Vocabulary::new(["heavy-bomber"]).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"])
    }

    fn two_sites() -> Header {
        let mut h = header();
        h.facilities.push(Facility { id: "HILL".into(), kind: "storage-facility".into(), name: "Hill".into() });
        h
    }

    fn missile<'a>(uid: &'a str, launcher: &'a str) -> ItemSpec<'a> {
        ItemSpec { launcher: Some(launcher), ..spec(uid, "icbm") }
    }

    fn silo(uid: &str) -> ItemSpec<'_> {
        ItemSpec { warheads: 0, ..spec(uid, "icbm-launcher") }
    }

    #[test]
    fn items_stay_small() {
        assert!(std::mem::size_of::<Item>() <= 40, "{} bytes", std::mem::size_of::<Item>());
    }

    #[test]
    fn links_go_both_ways_and_may_point_forward() {
        let vocabulary = vocabulary();
        let specs = [silo("L1"), missile("M1", "L1"), missile("M2", "L2"), silo("L2"), silo("L3")];
        let declaration = Declaration::build(header(), &vocabulary, specs).unwrap();
        let item = |uid: &str| declaration.items().iter().find(|i| &*i.uid == uid).unwrap();
        assert_eq!(&*declaration.launcher_of(item("M1")).unwrap().uid, "L1");
        assert_eq!(&*declaration.missile_in(item("L2")).unwrap().uid, "M2", "a forward reference resolves");
        assert!(declaration.missile_in(item("M1")).is_none(), "a missile holds nothing");
        assert!(!item("L3").is_loaded() && item("L1").is_loaded() && item("M2").is_loaded());
        // Written back as names: only the missile names its launcher.
        let specs: Vec<_> = declaration.specs().map(|s| (s.uid, s.launcher)).collect();
        assert_eq!(specs, [("L1", None), ("M1", Some("L1")), ("M2", Some("L2")), ("L2", None), ("L3", None)]);
    }

    /// The error for `specs`, whether found when the item is pushed or at `finish`.
    fn link_error(header: Header, specs: &[ItemSpec<'_>]) -> DecodeError {
        Declaration::build(header, &vocabulary(), specs.iter().cloned()).unwrap_err()
    }

    #[test]
    fn a_launcher_no_item_has_is_refused_at_the_missile() {
        for specs in [vec![missile("M1", "L9")], vec![silo("L1"), missile("M1", "L1x"), silo("L9")]] {
            let error = link_error(header(), &specs);
            let at = specs.iter().position(|s| s.uid == "M1").unwrap();
            assert_eq!(error.location, Location::Record(at), "{error}");
            assert_eq!((error.uid.as_deref(), error.field.as_deref()), (Some("M1"), Some("launcher")), "{error}");
            assert!(error.message.contains("no item has the unique identifier"), "{error}");
        }
    }

    #[test]
    fn a_launcher_must_hold_that_kind_of_missile() {
        let tube = ItemSpec { warheads: 0, ..spec("T1", "slbm-launcher") };
        // Backward and forward: the ICBM names an SLBM launcher.
        for specs in [vec![tube.clone(), missile("M1", "T1")], vec![missile("M1", "T1"), tube.clone()]] {
            let error = link_error(header(), &specs);
            assert_eq!(error.field.as_deref(), Some("launcher"), "{error}");
            assert!(error.message.contains("T1 is a slbm-launcher, which does not hold a icbm"), "{error}");
        }
        // A missile named as a launcher.
        let error = link_error(header(), &[spec("M0", "icbm"), missile("M1", "M0")]);
        assert!(error.message.contains("M0 is a icbm"), "{error}");
        // An item whose own kind no launcher holds may not name a launcher at all.
        for kind in ["heavy-bomber", "icbm-launcher"] {
            let bad = ItemSpec { launcher: Some("L1"), warheads: 0, ..spec("X1", kind) };
            let error = link_error(header(), &[silo("L1"), bad]);
            assert_eq!((error.location, error.field.as_deref()), (Location::Record(1), Some("launcher")), "{error}");
            assert!(error.message.contains("no launcher kind holds"), "{error}");
        }
    }

    #[test]
    fn one_missile_per_launcher() {
        for specs in [
            vec![silo("L1"), missile("M1", "L1"), missile("M2", "L1")],
            vec![missile("M1", "L1"), missile("M2", "L1"), silo("L1")],
        ] {
            let error = link_error(header(), &specs);
            assert_eq!(error.uid.as_deref(), Some("M2"), "{error}");
            assert!(error.message.contains("launcher L1 already holds missile M1"), "{error}");
        }
    }

    #[test]
    fn missile_and_launcher_share_facility_and_status() {
        let elsewhere = ItemSpec { facility: "HILL", ..silo("L1") };
        let error = link_error(two_sites(), &[elsewhere.clone(), missile("M1", "L1")]);
        assert!(error.message.contains("the missile is at MINOT and its launcher L1 at HILL"), "{error}");
        let error = link_error(two_sites(), &[missile("M1", "L1"), elsewhere]);
        assert_eq!((error.location, error.field.as_deref()), (Location::Record(0), Some("launcher")), "{error}");
        let empty = ItemSpec { status: Status::NonDeployed, ..silo("L1") };
        let error = link_error(header(), &[empty.clone(), missile("M1", "L1")]);
        assert!(error.message.contains("the missile is deployed and its launcher L1 is non-deployed"), "{error}");
        let test = ItemSpec { status: Status::Test, ..missile("M1", "L1") };
        assert!(link_error(header(), &[test, empty]).message.contains("the missile is test"));
        // The same status and facility is fine, test launchers included.
        let test_silo = ItemSpec { status: Status::Test, ..silo("L1") };
        let test_missile = ItemSpec { status: Status::Test, ..missile("M1", "L1") };
        assert!(Declaration::build(header(), &vocabulary(), [test_missile, test_silo]).is_ok());
    }

    #[test]
    fn a_refused_link_leaves_nothing_behind() {
        let vocabulary = vocabulary();
        let mut builder = Builder::new(header(), &vocabulary).unwrap();
        builder.push(&silo("L1")).unwrap();
        builder.push(&missile("M1", "L1")).unwrap();
        let error = builder.push(&ItemSpec { type_name: "Peacekeeper", ..missile("M2", "L1") }).unwrap_err();
        assert_eq!(error.field, "launcher");
        let declaration = builder.finish().unwrap();
        assert_eq!(declaration.len(), 2);
        assert_eq!(declaration.classes().len(), 2, "the refused item's type was not interned");
    }

    fn part(party: &str, uids: &[&str], facility: Facility) -> Declaration {
        let header = Header { party: party.parse().unwrap(), facilities: vec![facility.clone()], ..header() };
        let specs = uids.iter().map(|uid| {
            if uid.starts_with('L') {
                ItemSpec { facility: &facility.id, ..silo(uid) }
            } else {
                ItemSpec { facility: &facility.id, launcher: Some(&uid[1..]), ..spec(uid, "icbm") }
            }
        });
        Declaration::build(header, &vocabulary(), specs.collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn declarations_combine_with_their_links() {
        let pervomaysk = Facility { id: "PERVOMAYSK".into(), kind: "icbm-base".into(), name: "Pervomaysk".into() };
        let ru = part("RU", &["L1", "ML1"], header().facilities[0].clone());
        let ua = part("UA", &["ML2", "L2", "L3"], pervomaysk);
        let su = Declaration::combine([&ru, &ua], "SU".parse().unwrap()).unwrap();
        assert_eq!((su.party().as_str(), su.len(), su.classes().len()), ("SU", 5, 2));
        assert_eq!(su.header().facilities.len(), 2);
        let item = |uid: &str| su.items().iter().find(|i| &*i.uid == uid).unwrap();
        assert_eq!(&*su.launcher_of(item("ML2")).unwrap().uid, "L2");
        assert_eq!(su.facility(item("L2")).id, "PERVOMAYSK");
        assert_eq!(&*su.missile_in(item("L1")).unwrap().uid, "ML1");
        assert!(su.header().source.as_deref().unwrap().contains("RU, UA"));
        let members: Vec<&str> = su.members().iter().map(Party::as_str).collect();
        assert_eq!(members, ["RU", "UA"], "the combined declaration knows whose parts it holds");
        assert!(ru.members().is_empty() && su.header().links);
        // The same facility declared by two parts is one facility.
        let again = part("UA", &["L7"], header().facilities[0].clone());
        assert_eq!(Declaration::combine([&ru, &again], "SU".parse().unwrap()).unwrap().header().facilities.len(), 1);
    }

    #[test]
    fn combining_refuses_collisions_and_mixed_dates() {
        let minot = header().facilities[0].clone();
        let ru = part("RU", &["L1"], minot.clone());
        let ua = part("UA", &["L1"], minot.clone());
        let su: Party = "SU".parse().unwrap();
        assert_eq!(
            Declaration::combine([&ru, &ua], su.clone()).unwrap_err(),
            CombineError::DuplicateUid {
                uid: "L1".into(),
                first: "RU".parse().unwrap(),
                second: "UA".parse().unwrap()
            }
        );
        let renamed = Facility { name: "Minot, renamed".into(), ..minot.clone() };
        let kz = part("KZ", &["L2"], renamed);
        assert!(matches!(
            Declaration::combine([&ru, &kz], su.clone()).unwrap_err(),
            CombineError::ConflictingFacility { id, .. } if id == "MINOT"
        ));
        let mut by = part("BY", &["L3"], minot);
        by.header.as_of = "2001-12-05".parse().unwrap();
        let error = Declaration::combine([&ru, &by], su.clone()).unwrap_err();
        assert!(error.to_string().contains("the BY declaration is as of 2001-12-05"), "{error}");
        assert_eq!(Declaration::combine([], su.clone()).unwrap_err(), CombineError::Empty);
        // A part that links nothing (read from /1) and a part that links: either order is refused.
        let mut old = part("UA", &["L4"], header().facilities[0].clone());
        old.header.links = false;
        for parts in [[&ru, &old], [&old, &ru]] {
            let error = Declaration::combine(parts, su.clone()).unwrap_err();
            assert_eq!(
                error,
                CombineError::MixedLinks { linked: "RU".parse().unwrap(), unlinked: "UA".parse().unwrap() }
            );
            assert!(error.to_string().contains("(detente-declaration/1) names none"), "{error}");
        }
        let mut other = part("KZ", &["L5"], header().facilities[0].clone());
        other.header.links = false;
        assert!(
            !Declaration::combine([&old, &other], su).unwrap().header().links,
            "parts that all link nothing combine"
        );
    }
}
