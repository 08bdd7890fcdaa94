//! Benchmark support: a deterministic generator of large, realistic New START
//! declarations, and the shipped New START treaty and Russian reading.
//!
//! The generator needs no random-number crate: a splitmix64 stream seeded by the
//! caller gives the same declaration for the same `(items, seed)` on every
//! machine. The mix of kinds, types, statuses, armaments and facilities follows
//! the shape of the published U.S. data, scaled up, so that every counting rule
//! of New START and every reading of the Russian interpretation has items to
//! select (and items to leave out). Deployed and test missiles sit in launchers
//! of their type, facility and status, as a real declaration links them, so a
//! generated declaration breaks none of New START's definitions.
//!
//! [`record`] does the same for the record: entries of a fixed size, stores
//! filled with millions of them, and the timed operations on them.

use std::fmt::Write as _;

use detente_core::{Armament, Declaration, Facility, Header, ItemSpec, Status, Vocabulary};
use detente_treaty::{Interpretation, Treaty};

pub mod record;

/// The New START treaty file, as shipped.
pub const NEW_START_TOML: &str = include_str!("../../../data/treaties/new-start.toml");

/// Russia's reading of the U.S. New START declaration, as shipped.
pub const NEW_START_RU_TOML: &str = include_str!("../../../data/interpretations/new-start-ru.toml");

/// The item kinds New START defines, and so the kinds a generated declaration uses.
pub const KINDS: [&str; 5] = ["icbm", "slbm", "icbm-launcher", "slbm-launcher", "heavy-bomber"];

/// The vocabulary the generated declarations (and the CSV files written from them) are read with.
pub fn vocabulary() -> Vocabulary {
    Vocabulary::new(KINDS).holding("icbm-launcher", ["icbm"]).holding("slbm-launcher", ["slbm"])
}

/// The shipped New START treaty.
pub fn new_start() -> Treaty {
    Treaty::from_toml(NEW_START_TOML).expect("the shipped New START file is valid")
}

/// The shipped Russian interpretation of New START (it applies to U.S. declarations).
pub fn new_start_ru(treaty: &Treaty) -> Interpretation {
    Interpretation::from_toml(NEW_START_RU_TOML, treaty).expect("the shipped Russian interpretation is valid")
}

/// The splitmix64 generator (Steele, Lea and Flood, 2014): tiny, fast and good
/// enough to shuffle benchmark data; not for anything that needs real randomness.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-and-shift (bias below 2^-32 for small `n`).
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u64() as u32) * u64::from(n)) >> 32) as u32
    }

    /// One entry of a weighted table.
    fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u32 = table.iter().map(|&(_, w)| w).sum();
        let mut at = self.below(total);
        for &(value, weight) in table {
            if at < weight {
                return value;
            }
            at -= weight;
        }
        unreachable!("`at` is below the sum of the weights")
    }
}

/// A system type and how often it appears.
#[derive(Debug, Clone, Copy)]
struct TypeInfo {
    kind: &'static str,
    name: &'static str,
    /// Short code used in unique identifiers.
    code: &'static str,
    range_km: Option<u32>,
    /// The most warheads a deployed missile of this type carries in the data.
    max_warheads: u32,
}

const fn ty(
    kind: &'static str,
    name: &'static str,
    code: &'static str,
    weight: u32,
    range_km: Option<u32>,
    max_warheads: u32,
) -> (TypeInfo, u32) {
    (TypeInfo { kind, name, code, range_km, max_warheads }, weight)
}

/// Roughly the proportions of the U.S. 2020 data: missiles and launchers dominate, bombers are few.
const TYPES: [(TypeInfo, u32); 11] = [
    ty("icbm", "Minuteman III", "ICBM-MM3", 180, Some(13_000), 3),
    ty("icbm", "Peacekeeper", "ICBM-PK", 40, Some(9_600), 8),
    ty("slbm", "Trident II", "SLBM-D5", 200, Some(12_000), 8),
    ty("slbm", "Trident I", "SLBM-C4", 40, Some(7_400), 8),
    ty("icbm-launcher", "Minuteman III", "IL-MM3", 200, None, 0),
    ty("icbm-launcher", "Peacekeeper", "IL-PK", 30, None, 0),
    ty("slbm-launcher", "Trident II", "SL-D5", 200, None, 0),
    ty("slbm-launcher", "Trident I", "SL-C4", 30, None, 0),
    ty("heavy-bomber", "B-52H", "HB-B52H", 60, Some(14_200), 0),
    ty("heavy-bomber", "B-1B", "HB-B1B", 40, Some(9_400), 0),
    ty("heavy-bomber", "B-2A", "HB-B2A", 20, Some(11_100), 0),
];

const MISSILE_STATUSES: [(Status, u32); 4] =
    [(Status::Deployed, 60), (Status::NonDeployed, 30), (Status::Test, 5), (Status::Eliminated, 5)];

const LAUNCHER_STATUSES: [(Status, u32); 7] = [
    (Status::Deployed, 55),
    (Status::NonDeployed, 20),
    (Status::Test, 6),
    (Status::Training, 5),
    (Status::Converted, 7),
    (Status::Eliminated, 4),
    (Status::UnderConversion, 3),
];

const NUCLEAR_BOMBER_STATUSES: [(Status, u32); 5] = [
    (Status::Deployed, 70),
    (Status::NonDeployed, 15),
    (Status::Test, 5),
    (Status::UnderConversion, 5),
    (Status::Eliminated, 5),
];

const NON_NUCLEAR_BOMBER_STATUSES: [(Status, u32); 3] =
    [(Status::Converted, 75), (Status::Deployed, 20), (Status::Test, 5)];

/// (id, kind, name) of the declared facilities.
const FACILITIES: [(&str, &str, &str); 17] = [
    ("FE-WARREN", "icbm-base", "F.E. Warren Air Force Base, Wyoming"),
    ("MALMSTROM", "icbm-base", "Malmstrom Air Force Base, Montana"),
    ("MINOT", "icbm-base", "Minot Air Force Base, North Dakota"),
    ("HILL", "storage-facility", "Hill Air Force Base, Utah"),
    ("VANDENBERG", "test-range", "Vandenberg, California"),
    ("BANGOR", "submarine-base", "Naval Base Kitsap-Bangor, Washington"),
    ("KINGS-BAY", "submarine-base", "Naval Submarine Base Kings Bay, Georgia"),
    ("PUGET-SOUND", "repair-facility", "Puget Sound Naval Shipyard, Washington"),
    ("SWFPAC", "storage-facility", "Strategic Weapons Facility Pacific, Washington"),
    ("CAPE-CANAVERAL", "test-range", "Cape Canaveral, Florida"),
    ("BARKSDALE", "air-base", "Barksdale Air Force Base, Louisiana"),
    ("WHITEMAN", "air-base", "Whiteman Air Force Base, Missouri"),
    ("DYESS", "air-base", "Dyess Air Force Base, Texas"),
    ("ELLSWORTH", "air-base", "Ellsworth Air Force Base, South Dakota"),
    ("TINKER", "repair-facility", "Tinker Air Force Base, Oklahoma"),
    ("EDWARDS", "test-range", "Edwards Air Force Base, California"),
    ("DAVIS-MONTHAN", "conversion-or-elimination-facility", "Davis-Monthan Air Force Base, Arizona"),
];

/// Where an item of this kind and status plausibly sits.
fn facility(rng: &mut SplitMix64, kind: &str, status: Status) -> &'static str {
    let one_of = |rng: &mut SplitMix64, ids: &[&'static str]| ids[rng.below(ids.len() as u32) as usize];
    match (kind, status) {
        ("icbm" | "icbm-launcher", Status::Test | Status::Training) => "VANDENBERG",
        ("icbm", Status::NonDeployed) => "HILL",
        ("icbm" | "icbm-launcher", _) => one_of(rng, &["FE-WARREN", "MALMSTROM", "MINOT"]),
        ("slbm" | "slbm-launcher", Status::Test | Status::Training) => "CAPE-CANAVERAL",
        ("slbm", Status::NonDeployed) => "SWFPAC",
        ("slbm-launcher", Status::NonDeployed) => "PUGET-SOUND",
        ("slbm" | "slbm-launcher", _) => one_of(rng, &["BANGOR", "KINGS-BAY"]),
        (_, Status::Test) => "EDWARDS",
        (_, Status::NonDeployed) => "TINKER",
        (_, Status::Eliminated | Status::UnderConversion) => "DAVIS-MONTHAN",
        _ => one_of(rng, &["BARKSDALE", "MINOT", "WHITEMAN", "DYESS", "ELLSWORTH"]),
    }
}

/// One generated item, owning its unique identifier.
#[derive(Debug, Clone)]
struct Row {
    uid: String,
    ty: TypeInfo,
    facility: &'static str,
    status: Status,
    armament: Option<Armament>,
    warheads: u32,
    /// The row of the launcher this missile sits in.
    launcher: Option<usize>,
}

fn row(rng: &mut SplitMix64, index: usize) -> Row {
    let ty = rng.pick(&TYPES);
    let (status, armament, warheads) = match ty.kind {
        "icbm" | "slbm" => {
            let status = rng.pick(&MISSILE_STATUSES);
            // Reentry vehicles actually emplaced: only deployed missiles carry any.
            let warheads = if status == Status::Deployed { rng.below(ty.max_warheads + 1) } else { 0 };
            (status, None, warheads)
        }
        "heavy-bomber" => {
            let nuclear = match ty.name {
                "B-2A" => true,
                "B-1B" => false,
                _ => rng.below(100) < 55,
            };
            if nuclear {
                let status = rng.pick(&NUCLEAR_BOMBER_STATUSES);
                // Weapons loaded: a deployed bomber counts as one warhead whatever it carries.
                let warheads = if status == Status::Deployed { rng.below(3) } else { 0 };
                (status, Some(Armament::Nuclear), warheads)
            } else {
                (rng.pick(&NON_NUCLEAR_BOMBER_STATUSES), Some(Armament::NonNuclear), 0)
            }
        }
        _ => (rng.pick(&LAUNCHER_STATUSES), None, 0),
    };
    let facility = facility(rng, ty.kind, status);
    let mut uid = String::with_capacity(20);
    let _ = write!(uid, "US-{}-{index:07}", ty.code);
    Row { uid, ty, facility, status, armament, warheads, launcher: None }
}

/// Puts deployed and test missiles into free launchers of the same type, facility
/// and status, in row order: a missile takes a launcher seen before it if one is
/// free, or waits for the next one (a forward reference in the file). A deployed
/// missile or launcher left without a partner becomes non-deployed (and a missile
/// so moved carries no warheads), since deployed ones come in pairs.
fn link(rng: &mut SplitMix64, rows: &mut [Row]) {
    use std::collections::HashMap;
    type Key = (&'static str, &'static str, &'static str, Status);
    let mut free_launchers: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut waiting_missiles: HashMap<Key, Vec<usize>> = HashMap::new();
    for i in 0..rows.len() {
        let r = &rows[i];
        if !matches!(r.status, Status::Deployed | Status::Test) {
            continue;
        }
        let missile_kind = match r.ty.kind {
            "icbm-launcher" => "icbm",
            "slbm-launcher" => "slbm",
            kind => kind,
        };
        let key = (missile_kind, r.ty.name, r.facility, r.status);
        match r.ty.kind {
            "icbm" | "slbm" => match free_launchers.get_mut(&key).and_then(Vec::pop) {
                Some(launcher) => rows[i].launcher = Some(launcher),
                None => waiting_missiles.entry(key).or_default().push(i),
            },
            "icbm-launcher" | "slbm-launcher" => match waiting_missiles.get_mut(&key).and_then(Vec::pop) {
                Some(missile) => rows[missile].launcher = Some(i),
                None => free_launchers.entry(key).or_default().push(i),
            },
            _ => {}
        }
    }
    let mut unpaired: Vec<usize> =
        free_launchers.into_values().chain(waiting_missiles.into_values()).flatten().collect();
    unpaired.sort_unstable();
    for i in unpaired {
        if rows[i].status != Status::Deployed {
            continue;
        }
        rows[i].status = Status::NonDeployed;
        rows[i].warheads = 0;
        rows[i].facility = facility(rng, rows[i].ty.kind, Status::NonDeployed);
    }
}

/// A U.S. declaration as of 2020-09-01 with `items` items, the same for the same `seed`.
///
/// Items come in random order (kinds interleaved), with unique identifiers such
/// as `US-SLBM-D5-0000042`. Deployed missiles carry 0 to 8 warheads (0 to 3 for
/// Minuteman III); heavy bombers always declare an armament, and those equipped
/// for non-nuclear armaments carry no warheads.
pub fn synthetic_declaration(items: usize, seed: u64) -> Declaration {
    let mut rng = SplitMix64::new(seed);
    let mut rows: Vec<Row> = (0..items).map(|index| row(&mut rng, index)).collect();
    link(&mut rng, &mut rows);
    let header = Header {
        party: "US".parse().expect("valid party"),
        as_of: "2020-09-01".parse().expect("valid date"),
        source: Some(format!("SYNTHETIC: detente-bench synthetic_declaration({items}, {seed}); not real data")),
        notes: vec![
            "Generated for benchmarks: the mix of kinds and statuses follows the U.S. 2020 data, scaled up.".to_owned(),
        ],
        facilities: FACILITIES
            .iter()
            .map(|&(id, kind, name)| Facility { id: id.to_owned(), kind: kind.to_owned(), name: name.to_owned() })
            .collect(),
        links: true,
    };
    let specs = rows.iter().map(|r| ItemSpec {
        uid: &r.uid,
        kind: r.ty.kind,
        type_name: r.ty.name,
        facility: r.facility,
        status: r.status,
        armament: r.armament,
        warheads: r.warheads,
        range_km: r.ty.range_km,
        launcher: r.launcher.map(|l| rows[l].uid.as_str()),
    });
    Declaration::build(header, &vocabulary(), specs).unwrap_or_else(|e| panic!("a generated item is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use detente_core::codec;
    use detente_treaty::{Options, count};

    use super::*;

    /// The three New START totals, recounted item by item without the engine.
    /// With `ru`, the Russian readings are applied by hand first.
    fn naive_totals(declaration: &Declaration, ru: bool) -> [u64; 3] {
        let mut totals = [0u64; 3];
        for item in declaration.items() {
            let class = declaration.class(item);
            let (kind, type_name) = (class.kind.as_str(), class.type_name.as_str());
            let (mut status, mut armament) = (item.status, item.armament);
            if ru {
                match (kind, type_name, status, armament) {
                    ("slbm-launcher", "Trident II", Status::Converted, _) => status = Status::NonDeployed,
                    ("heavy-bomber", "B-52H", Status::Converted, Some(Armament::NonNuclear)) => {
                        (status, armament) = (Status::NonDeployed, Some(Armament::Nuclear));
                    }
                    ("icbm-launcher", _, Status::Training, _) => status = Status::NonDeployed,
                    _ => {}
                }
            }
            let deployed = status == Status::Deployed;
            let nuclear = armament == Some(Armament::Nuclear);
            let accountable = matches!(status, Status::Deployed | Status::NonDeployed | Status::UnderConversion);
            match kind {
                // New START counts a missile by its declared status, in a launcher or not.
                "icbm" | "slbm" if deployed => {
                    totals[0] += 1;
                    totals[1] += u64::from(item.warheads);
                }
                "heavy-bomber" if deployed && nuclear => {
                    totals[0] += 1;
                    totals[1] += 1;
                    totals[2] += 1;
                }
                "heavy-bomber" if accountable && nuclear => totals[2] += 1,
                "icbm-launcher" | "slbm-launcher" if accountable => totals[2] += 1,
                _ => {}
            }
        }
        totals
    }

    fn engine_totals(declaration: &Declaration, interpretation: Option<&Interpretation>) -> [u64; 3] {
        let treaty = new_start();
        let counted = count(&treaty, declaration, interpretation, Options::default());
        let total = |id: &str| {
            counted
                .limits
                .iter()
                .find(|l| l.id == id)
                .and_then(|l| l.total)
                .unwrap_or_else(|| panic!("no count for {id}"))
        };
        [total("deployed-delivery-vehicles"), total("deployed-warheads"), total("launchers")]
    }

    #[test]
    fn the_same_seed_gives_the_same_declaration() {
        let a = synthetic_declaration(5_000, 7);
        let b = synthetic_declaration(5_000, 7);
        let c = synthetic_declaration(5_000, 8);
        assert_eq!(a.items(), b.items());
        assert_eq!(a.classes(), b.classes());
        assert_eq!(a.header(), b.header());
        assert_ne!(a.items(), c.items());
        // Pin the stream itself, so that a change to the generator is noticed.
        let first = a.spec(&a.items()[0]);
        let again = synthetic_declaration(1, 7);
        assert_eq!(again.spec(&again.items()[0]), first);
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF, "splitmix64 reference value");
    }

    #[test]
    fn the_mix_is_realistic_and_uids_are_unique() {
        let declaration = synthetic_declaration(50_000, 1);
        assert_eq!(declaration.len(), 50_000);
        let uids: HashSet<&str> = declaration.items().iter().map(|i| &*i.uid).collect();
        assert_eq!(uids.len(), declaration.len());
        let seen: HashSet<(&str, Status, Option<Armament>)> =
            declaration.items().iter().map(|i| (declaration.class(i).kind.as_str(), i.status, i.armament)).collect();
        for kind in KINDS {
            assert!(seen.iter().any(|s| s.0 == kind && s.1 == Status::Deployed), "no deployed {kind}");
        }
        for status in Status::ALL.into_iter().filter(|&s| s != Status::Deployed) {
            assert!(seen.iter().any(|s| s.1 == status), "no item {status}");
        }
        assert!(seen.contains(&("heavy-bomber", Status::Converted, Some(Armament::NonNuclear))));
        assert!(seen.contains(&("heavy-bomber", Status::Deployed, Some(Armament::NonNuclear))));
        for item in declaration.items() {
            let kind = declaration.class(item).kind.as_str();
            assert!(item.warheads <= 8);
            assert_eq!(kind == "heavy-bomber", item.armament.is_some(), "armament set exactly for bombers");
            if item.armament == Some(Armament::NonNuclear)
                || (kind != "heavy-bomber" && item.status != Status::Deployed)
            {
                assert_eq!(item.warheads, 0);
            }
        }
        assert!(declaration.classes().len() >= 10);
        assert!(declaration.header().facilities.len() >= 10);
    }

    #[test]
    fn deployed_missiles_and_launchers_come_in_pairs() {
        let declaration = synthetic_declaration(50_000, 5);
        let treaty = new_start();
        let counted = count(&treaty, &declaration, None, Options::default());
        let contradictions: Vec<_> =
            counted.findings.iter().filter(|f| matches!(f, detente_treaty::Finding::Contradiction { .. })).collect();
        assert!(contradictions.is_empty(), "no contradiction of New START's definitions: {contradictions:?}");
        assert_eq!(counted.findings.len(), 3, "only the three limits, far exceeded at this size");
        let mut loaded = [0usize; 2];
        for item in declaration.items() {
            let class = declaration.class(item);
            if let Some(launcher) = declaration.launcher_of(item) {
                assert_eq!(declaration.class(launcher).type_name, class.type_name);
                assert_eq!((launcher.facility, launcher.status), (item.facility, item.status));
                loaded[usize::from(item.status == Status::Test)] += 1;
            } else if matches!(class.kind.as_str(), "icbm" | "slbm" | "icbm-launcher" | "slbm-launcher") {
                assert!(item.status != Status::Deployed || item.is_loaded(), "{} is deployed and alone", item.uid);
            }
        }
        assert!(loaded[0] > 10_000 && loaded[1] > 100, "deployed and test pairs: {loaded:?}");
        // Some missiles name a launcher that comes later in the file.
        let position: std::collections::HashMap<&str, usize> =
            declaration.items().iter().enumerate().map(|(i, item)| (&*item.uid, i)).collect();
        let forward =
            declaration.specs().enumerate().filter(|(i, spec)| spec.launcher.is_some_and(|l| position[l] > *i)).count();
        assert!(forward > 1_000, "{forward} forward references");
    }

    #[test]
    fn engine_totals_equal_a_naive_recount() {
        let declaration = synthetic_declaration(100_000, 42);
        let declared = naive_totals(&declaration, false);
        assert_eq!(engine_totals(&declaration, None), declared);
        let treaty = new_start();
        let ru = new_start_ru(&treaty);
        let read = naive_totals(&declaration, true);
        assert_eq!(engine_totals(&declaration, Some(&ru)), read);
        assert!(read[2] > declared[2], "the Russian reading adds launchers");
        assert_eq!(read[..2], declared[..2], "and leaves the deployed limits alone");
    }

    #[test]
    fn csv_round_trip() {
        let declaration = synthetic_declaration(2_000, 3);
        let mut csv = Vec::new();
        codec::write_csv(&declaration, &mut csv).unwrap();
        assert!(csv.starts_with(b"# format: detente-declaration/2\n"));
        let back = codec::read_csv(&csv[..], &vocabulary()).unwrap();
        assert_eq!(back.items(), declaration.items());
        assert_eq!(back.header(), declaration.header());
    }
}
