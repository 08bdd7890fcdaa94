//! The builder: how a declaration is made, item by item, each checked as it
//! comes, with links to launchers declared later resolved at the end.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Declaration, Header, Item, ItemClass, ItemSpec, NO_LINK, check_facility, one_line_text};
use crate::error::{DecodeError, FieldError, Location, quoted};
use crate::model::{Armament, Role, Status, Vocabulary, is_token};

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
