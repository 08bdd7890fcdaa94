//! The builder: how a declaration is made, item by item. Each item is checked
//! on its own as it comes; the checks across items (no uid twice, every link to
//! a launcher sound) run at the end over all of them at once, by sorting.

mod sorted_tags;

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Declaration, Header, Item, ItemClass, ItemSpec, NO_LINK, check_facility, one_line_text};
use crate::error::{DecodeError, FieldError, Location, quoted};
use crate::model::{Armament, Role, Status, Vocabulary, is_token};
use sorted_tags::SortedTags;

/// A missile's link to the launcher it names, checked at the end.
#[derive(Debug)]
struct LinkRequest {
    missile: u32,
    /// The launcher's uid, as a range of [`Builder::launcher_names`].
    name: std::ops::Range<usize>,
}

/// Builds a [`Declaration`] item by item, refusing anything malformed.
///
/// [`Builder::push`] refuses an item that is wrong on its own. Whether its uid
/// is new and its launcher sound depends on the other items, and is checked by
/// [`Builder::finish`] over all of them, or by [`Builder::finish_after`] over
/// those before the one where reading stopped. Either reports the first item in
/// order that fails, as a check at each push would have, but without a hash
/// table of a million uids probed at random (see `sorted_tags`).
///
/// Launcher names share one buffer, and a class is stored once however many
/// items have it: a million small allocations, freed together at the end, slowed
/// the allocator for whatever ran next.
#[derive(Debug)]
pub struct Builder<'v> {
    vocabulary: &'v Vocabulary,
    header: Header,
    facility_index: hashbrown::HashMap<String, u32>,
    hasher: DefaultHashBuilder,
    /// Class numbers, hashed by (kind, type).
    class_index: HashTable<u16>,
    classes: Vec<ItemClass>,
    items: Vec<Item>,
    /// Item `i`'s uid hashed to 32 bits, hashed while the uid is at hand.
    uid_tags: Vec<u32>,
    /// Where item `i` was read, for the errors found at the end.
    locations: Vec<Location>,
    links: Vec<LinkRequest>,
    link_tags: Vec<u32>,
    launcher_names: String,
}

/// What the link checks need to know of a missile.
#[derive(Clone, Copy)]
struct MissileFacts<'a> {
    kind: &'a str,
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
            items: Vec::new(),
            uid_tags: Vec::new(),
            locations: Vec::new(),
            links: Vec::new(),
            link_tags: Vec::new(),
            launcher_names: String::new(),
        })
    }

    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
        self.uid_tags.reserve(additional);
        self.locations.reserve(additional);
    }

    /// Adds one item, numbered as a [`Location::Record`] in the errors found at
    /// the end; on error nothing is added.
    pub fn push(&mut self, spec: &ItemSpec<'_>) -> Result<(), FieldError> {
        self.push_at(spec, Location::Record(self.items.len()))
    }

    /// Adds one item read at `at` (a CSV line, a JSON record), which an error
    /// found at the end will name; on error nothing is added.
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
        let role = known_class.map_or_else(|| self.vocabulary.role(spec.kind), |c| self.classes[usize::from(c)].role);
        if let Some(launcher) = spec.launcher {
            self.check_launcher_name(spec, role, launcher)?;
        }
        let index = u32::try_from(self.items.len())
            .ok()
            .filter(|&i| i != NO_LINK)
            .ok_or_else(|| FieldError::new("uid", "more than 4,294,967,294 items in one declaration"))?;
        let class = match known_class {
            Some(class) => class,
            None => self.add_class(spec.kind, spec.type_name, role)?,
        };
        self.uid_tags.push(self.tag_of(spec.uid));
        self.locations.push(at);
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
        if let Some(name) = spec.launcher {
            let start = self.launcher_names.len();
            self.launcher_names.push_str(name);
            self.links.push(LinkRequest { missile: index, name: start..self.launcher_names.len() });
            self.link_tags.push(self.tag_of(name));
        }
        Ok(())
    }

    fn tag_of(&self, uid: &str) -> u32 {
        (self.hasher.hash_one(uid) >> 32) as u32
    }

    /// What can be checked of a launcher's name without the other items.
    fn check_launcher_name(&self, spec: &ItemSpec<'_>, role: Role, launcher: &str) -> Result<(), FieldError> {
        if role != Role::Missile {
            let message = format!(
                "a {} names a launcher, but no launcher kind holds a {}: only a missile names the launcher it sits in",
                spec.kind, spec.kind
            );
            return Err(FieldError::new("launcher", message));
        }
        if launcher == spec.uid {
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
        Ok(())
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

    /// Checks the items across one another and returns the declaration. An
    /// error names the first item in order that fails.
    pub fn finish(mut self) -> Result<Declaration, DecodeError> {
        self.check_across(Links::All)?;
        Ok(Declaration { header: self.header, classes: self.classes, items: self.items, members: Vec::new() })
    }

    /// Finishes reading that ended with `read`: the declaration if the items
    /// were all read, and otherwise the error reading stopped at, unless an
    /// earlier item fails a check across items, whose error comes first.
    ///
    /// A link to a launcher declared further on counts as unchecked then, as it
    /// would have been when reading stopped.
    pub fn finish_after(mut self, read: Result<(), DecodeError>) -> Result<Declaration, DecodeError> {
        match read {
            Ok(()) => self.finish(),
            Err(stopped) => Err(self.check_across(Links::Backward).err().unwrap_or(stopped)),
        }
    }

    /// Checks, in item order, that no uid repeats an earlier one and that each
    /// link to an earlier launcher holds; then, for [`Links::All`], the links to
    /// later launchers, in item order again. Links what passes, so that a
    /// launcher named twice is found holding the first missile.
    fn check_across(&mut self, links: Links) -> Result<(), DecodeError> {
        let requests = std::mem::take(&mut self.links);
        let names = std::mem::take(&mut self.launcher_names);
        let name = |request: &LinkRequest| &names[request.name.clone()];
        let (repeat, launchers) = self.resolve(&requests, name);

        let before_repeat = |request: &&LinkRequest| repeat.is_none_or(|r| request.missile < r);
        for (request, launcher) in requests.iter().take_while(before_repeat).zip(&launchers) {
            if let Some(launcher) = launcher.filter(|&l| l < request.missile) {
                self.link_checked(request.missile, launcher)?;
            }
        }
        if let Some(repeat) = repeat {
            let uid = &self.items[repeat as usize].uid;
            let message = format!("duplicate unique identifier {}", quoted(uid));
            return Err(self.error_at(repeat, "uid", message));
        }
        if links == Links::All {
            for (request, launcher) in requests.iter().zip(&launchers) {
                match launcher {
                    Some(launcher) if *launcher < request.missile => {}
                    Some(launcher) => self.link_checked(request.missile, *launcher)?,
                    None => {
                        let message = format!(
                            "no item has the unique identifier {}: declare the launcher too",
                            quoted(name(request))
                        );
                        return Err(self.error_at(request.missile, "launcher", message));
                    }
                }
            }
        }
        Ok(())
    }

    /// The first item whose uid repeats an earlier one, and the launcher each
    /// request names, if an item has that uid (the first such item).
    fn resolve<'a>(
        &self,
        requests: &[LinkRequest],
        name: impl Fn(&LinkRequest) -> &'a str,
    ) -> (Option<u32>, Vec<Option<u32>>) {
        let uids = SortedTags::new(&self.uid_tags);
        let uid = |item: u32| &*self.items[item as usize].uid;
        let repeat = uids.first_repeat(uid);
        let mut launchers = uids.candidates(&self.link_tags, |j| name(&requests[j as usize]), uid);
        for (request, launcher) in requests.iter().zip(&mut launchers) {
            *launcher = launcher.filter(|&l| uid(l) == name(request));
        }
        (repeat, launchers)
    }

    fn link_checked(&mut self, missile: u32, launcher: u32) -> Result<(), DecodeError> {
        let item = &self.items[missile as usize];
        let class = &self.classes[usize::from(item.class)];
        let facts = MissileFacts { kind: &class.kind, facility: item.facility, status: item.status };
        self.check_link(facts, launcher).map_err(|message| self.error_at(missile, "launcher", message))?;
        self.items[missile as usize].link = launcher;
        self.items[launcher as usize].link = missile;
        Ok(())
    }

    fn error_at(&self, item: u32, field: &'static str, message: String) -> DecodeError {
        let uid = &self.items[item as usize].uid;
        DecodeError::from_field(self.locations[item as usize], Some(uid), FieldError::new(field, message))
    }
}

/// Which links [`Builder::check_across`] checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    /// Those to launchers declared before their missiles.
    Backward,
    All,
}
