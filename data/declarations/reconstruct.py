#!/usr/bin/env python3
"""Rebuilds the item-level declarations in this folder from published totals.

Run from anywhere: `python3 data/declarations/reconstruct.py [OUT_DIR]` (by
default it rewrites the files beside it). Output is deterministic; the files are
committed, the test command checks they are what this script makes, and the
tests check their totals against the published figures.

These are RECONSTRUCTIONS, not the parties' real databases (which are not
public). What is published is kept exactly; what is not is filled in by the
rules written next to each number below, and every file says so in its
`# source:` and `# note:` lines.
"""

import csv
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
COLUMNS = ["uid", "kind", "type", "facility", "status", "warheads", "armament", "range_km", "launcher"]


def write(name, party, as_of, source, notes, facilities, items):
    """Writes a declaration. An item is a tuple in COLUMNS order; the launcher may be left off."""
    out = io.StringIO()
    out.write("# format: detente-declaration/2\n")
    out.write(f"# party: {party}\n# as-of: {as_of}\n# source: {source}\n")
    for note in notes:
        out.write(f"# note: {note}\n")
    for fid, kind, fname in facilities:
        out.write(f"# facility: {fid} | {kind} | {fname}\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for item in items:
        row = list(item) + [None] * (len(COLUMNS) - len(item))
        w.writerow(["" if v is None else v for v in row])
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(out.getvalue())


def split(total, parts):
    """Splits `total` into `parts` near-equal whole numbers, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def load(missiles, launchers):
    """Puts each missile in the next launcher in order: a deployed missile sits in a
    deployed launcher of its base (the `launcher` column). Both lists hold item tuples;
    returns the missiles with their launcher's uid added."""
    if len(missiles) > len(launchers):
        raise SystemExit(f"{len(missiles)} missiles for {len(launchers)} launchers")
    for missile, launcher in zip(missiles, launchers):
        if missile[3] != launcher[3] or missile[4] != launcher[4]:
            raise SystemExit(f"{missile[0]} and {launcher[0]} differ in facility or status")
    return [missile + (launcher[0],) for missile, launcher in zip(missiles, launchers)]


# U.S. facilities, in the order the files list them; each file declares those it uses.
US_FACILITIES = [
    ("FE-WARREN", "icbm-base", "F.E. Warren Air Force Base, Wyoming (90th Missile Wing)"),
    ("MALMSTROM", "icbm-base", "Malmstrom Air Force Base, Montana (341st Missile Wing)"),
    ("MINOT", "icbm-base", "Minot Air Force Base, North Dakota (91st Missile Wing, 5th Bomb Wing)"),
    ("HILL", "storage-facility", "Hill Air Force Base, Utah (ICBM storage and maintenance)"),
    ("VANDENBERG", "test-range", "Vandenberg, California (ICBM test and training launchers)"),
    ("BANGOR", "submarine-base", "Naval Base Kitsap-Bangor, Washington"),
    ("KINGS-BAY", "submarine-base", "Naval Submarine Base Kings Bay, Georgia"),
    ("PUGET-SOUND", "repair-facility", "Puget Sound Naval Shipyard, Washington (SSBN overhaul)"),
    ("WHITEMAN", "air-base", "Whiteman Air Force Base, Missouri (509th Bomb Wing)"),
    ("BARKSDALE", "air-base", "Barksdale Air Force Base, Louisiana (2nd Bomb Wing)"),
    ("EDWARDS", "test-range", "Edwards Air Force Base, California (test heavy bombers)"),
]


def us_facilities(*left_out):
    """The U.S. facilities, less those a file does not use."""
    return [f for f in US_FACILITIES if f[0] not in left_out]


# The Minuteman III wings and their silos, the same in every year: silos do not move.
# A RECONSTRUCTION CHOICE: 454 silos (the force structure of 2014) as 151/151/152, numbered
# wing by wing. The by-wing split is not published; 2017's deployed missiles per wing are.
MM3_WINGS = [("FE-WARREN", 151), ("MALMSTROM", 151), ("MINOT", 152)]
# Published (State, July 2017): deployed Minuteman III by wing as of 2017-03-01.
MM3_DEPLOYED_2017 = [136, 133, 136]


def wing_numbers():
    """For each wing, the number of its first silo."""
    first, out = 1, []
    for _, size in MM3_WINGS:
        out.append(first)
        first += size
    return out


def minuteman(number, wing, status="deployed", warheads=1):
    """A Minuteman III missile (one warhead when deployed; FAS: 400 ICBMs, 1 warhead each)."""
    return (f"US-M-MM3-{number:04}", "icbm", "Minuteman III", wing, status, warheads, None, 13000)


def trident_tubes(boat, site, loaded, converted_from):
    """The 24 tubes of one Ohio-class SSBN: tubes 1..`loaded` deployed, the rest of 1-20
    empty (non-deployed), and tubes from `converted_from` on converted (out of the limit)."""
    tubes = []
    for tube in range(1, 25):
        if tube >= converted_from:
            status = "converted"
        elif tube <= loaded:
            status = "deployed"
        else:
            status = "non-deployed"
        tubes.append((f"US-L-T2-SSBN{boat:02}-{tube:02}", "slbm-launcher", "Trident II", site, status, 0, None, None))
    return tubes


def minuteman_wings(deployed_by_wing):
    """The silos of the Minuteman III wings (MM3_WINGS), the first `deployed` of each wing
    deployed and the rest empty, and the deployed missiles, each in a silo of its wing and
    numbered as its silo (which silo holds which missile is not public): a missile that stays
    in its silo keeps its number from one year to the next."""
    silos, missiles = [], []
    for (wing, size), first, deployed in zip(MM3_WINGS, wing_numbers(), deployed_by_wing):
        wing_silos = [(f"US-L-MM3-{first + i:03}", "icbm-launcher", "Minuteman III", wing,
                       "deployed" if i < deployed else "non-deployed", 0, None, None) for i in range(size)]
        silos.extend(wing_silos)
        missiles.extend(load([minuteman(first + i, wing) for i in range(deployed)], wing_silos))
    return silos, missiles


def minuteman_unloaded_since_2017(deployed_by_wing):
    """The numbers of the missiles deployed in 2017 whose silos are empty in `deployed_by_wing`."""
    return [first + i for first, was, now in zip(wing_numbers(), MM3_DEPLOYED_2017, deployed_by_wing)
            for i in range(now, was)]


# The Ohio-class SSBNs, the same in every year: 14 boats of 24 tubes, boats 1-8 of Bangor
# and 9-14 of Kings Bay. A RECONSTRUCTION CHOICE (overhaul dates are not public): boats 7
# and 8 are in overhaul at Puget Sound, empty, in both years, so no tube changes facility.
SSBN_OVERHAUL = {7, 8}


def ssbn_home(boat):
    return "BANGOR" if boat <= 8 else "KINGS-BAY"


def ssbn_site(boat):
    return "PUGET-SOUND" if boat in SSBN_OVERHAUL else ssbn_home(boat)


def trident_missiles(boats, loadings):
    """Deployed Trident II missiles, one in each loaded tube of each (boat, tubes) pair, with
    the warheads `loadings` gives in order. A missile is numbered by its boat and tube (which
    tube holds which missile is not public), so one that stays in its tube keeps its number."""
    missiles = []
    loadings = iter(loadings)
    for boat, tubes in boats:
        boat_missiles = [(f"US-M-T2-{(boat - 1) * 20 + tube:04}", "slbm", "Trident II", ssbn_site(boat),
                          "deployed", next(loadings), None, 12000) for tube in range(1, len(tubes) + 1)]
        missiles.extend(load(boat_missiles, tubes))
    return missiles


def bombers(type_, code, first_number, bases):
    """Nuclear heavy bombers: for each (base, deployed, non-deployed), the deployed ones first."""
    items, n = [], first_number
    width = 3 if code == "B52H" else 2  # as the first reconstructions numbered them
    for base, deployed, spare in bases:
        for i in range(deployed + spare):
            items.append((f"US-B-{code}-{n:0{width}}", "heavy-bomber", type_, base,
                          "deployed" if i < deployed else "non-deployed", 0, "nuclear", None))
            n += 1
    return items


def converted_b52h(first_number, counts):
    """B-52H equipped for non-nuclear armaments (outside the limits), split Barksdale, Minot."""
    items, n = [], first_number
    for base, count in zip(["BARKSDALE", "MINOT"], counts):
        for _ in range(count):
            items.append((f"US-B-B52H-{n:03}", "heavy-bomber", "B-52H", base, "converted", 0, "non-nuclear", None))
            n += 1
    return items


def trident_loadings(count, warheads):
    """How `warheads` are shared over `count` deployed Trident II missiles: the loading
    per missile is not public, so some carry 5 and the rest 4, in that order."""
    fives = warheads - 4 * count
    if not 0 <= fives <= count:
        raise SystemExit(f"{warheads} warheads do not fit {count} missiles at 4 or 5 each")
    return [5] * fives + [4] * (count - fives)


# ---------------------------------------------------------------------------
# United States, as of 2020-09-01.
# Published by type (State Department fact sheet of 2020-12-01):
#   Minuteman III: 397 deployed of 454 launchers, 261 non-deployed missiles, 4 test launchers
#   Trident II:    230 deployed of 280 launchers, 234 non-deployed missiles
#   B-2A:          12 deployed of 20, 1 test
#   B-52H:         36 deployed of 46, 4 test, 41 equipped for non-nuclear armaments
#   Totals:        675 deployed, 1,457 warheads, 800 launchers.
# Published elsewhere: 14 Ohio-class SSBNs, 4 tubes each deactivated (336 -> 280 tubes,
# 56 converted); Russia counts 4 U.S. "training silos".

def united_states():
    facilities = us_facilities()
    items = []
    # Minuteman III launchers: 454 = 397 deployed + 57 non-deployed. The 2020 split by wing is
    # not published: the 397 are spread evenly (133/132/132) over the wings' fixed silos
    # (MM3_WINGS), which leaves 18/19/20 empty. Each deployed missile sits in a deployed silo of its wing.
    deployed_by_wing = split(397, 3)
    wing_silos, deployed_missiles = minuteman_wings(deployed_by_wing)
    items.extend(wing_silos)
    for i in range(1, 5):
        items.append((f"US-L-MM3-T{i}", "icbm-launcher", "Minuteman III", "VANDENBERG", "test", 0, None, None))
    for i in range(1, 5):
        items.append((f"US-L-MM3-TR{i}", "icbm-launcher", "Minuteman III", "VANDENBERG", "training", 0, None, None))
    # Minuteman III missiles: 397 deployed with one warhead each; 261 non-deployed, in storage:
    # first the 8 deployed in 2017 whose silos are now empty, then new numbers after the silos'.
    items.extend(deployed_missiles)
    stored = minuteman_unloaded_since_2017(deployed_by_wing)
    stored += range(sum(size for _, size in MM3_WINGS) + 1, sum(size for _, size in MM3_WINGS) + 1 + 261 - len(stored))
    items.extend(minuteman(number, "HILL", "non-deployed", 0) for number in stored)
    # Trident II launchers: 14 SSBNs x 24 tubes. Tubes 21-24 of every boat are the 56
    # converted ones. Eleven boats carry 20 loaded tubes and boat 14 carries 10 (230
    # deployed); boats 7 and 8 are in overhaul at Puget Sound with empty tubes (with boat
    # 14's 10 empty tubes: 50 non-deployed).
    loaded = {boat: 0 if boat in SSBN_OVERHAUL else 10 if boat == 14 else 20 for boat in range(1, 15)}
    boats = []
    for boat in range(1, 15):
        tubes = trident_tubes(boat, ssbn_site(boat), loaded[boat], 21)
        items.extend(tubes)
        boats.append((boat, tubes[: loaded[boat]]))
    # Trident II missiles: 230 deployed carrying 1,457 - 397 - 48 = 1,012 warheads (92 carry 5,
    # 138 carry 4), each in a loaded tube of its boat; 234 non-deployed, split between the two
    # bases' weapons facilities, numbered after the 280 tubes'.
    items.extend(trident_missiles(boats, trident_loadings(230, 1012)))
    n = 14 * 20
    for base, count in zip(["BANGOR", "KINGS-BAY"], split(234, 2)):
        for _ in range(count):
            n += 1
            items.append((f"US-M-T2-{n:04}", "slbm", "Trident II", base, "non-deployed", 0, None, 12000))
    # B-2A: 12 deployed + 8 non-deployed at Whiteman, 1 test at Edwards.
    items.extend(bombers("B-2A", "B2A", 1, [("WHITEMAN", 12, 8)]))
    items.append(("US-B-B2A-T1", "heavy-bomber", "B-2A", "EDWARDS", "test", 0, "nuclear", None))
    # B-52H: 46 nuclear (36 deployed, 10 non-deployed) split between Barksdale and Minot;
    # 4 test at Edwards; 41 equipped for non-nuclear armaments, split between the two wings.
    b52 = list(zip(["BARKSDALE", "MINOT"], split(36, 2), split(10, 2)))
    items.extend(bombers("B-52H", "B52H", 1, b52))
    for i in range(1, 5):
        items.append((f"US-B-B52H-T{i}", "heavy-bomber", "B-52H", "EDWARDS", "test", 0, "nuclear", None))
    items.extend(converted_b52h(47, split(41, 2)))
    write(
        "us-2020-09-01.csv", "US", "2020-09-01",
        "RECONSTRUCTION from the U.S. Department of State New START data by type as of 2020-09-01 "
        "(fact sheet of 2020-12-01, https://www.globalsecurity.org/wmd/library/news/usa/2020/usa-201201-state01.htm); "
        "made by data/declarations/reconstruct.py",
        [
            "Every published by-type number is kept exactly: 675 deployed, 1,457 warheads, 800 launchers.",
            "Not public, so reconstructed: unique identifiers; the split of items over bases; which "
            "Trident II missiles carry 4 or 5 warheads (92 x 5 + 138 x 4 = 1,012); the 4 'training' "
            "silos Russia counts (location [UNVERIFIED]); SSBN overhaul status.",
            "Ranges are nominal public figures for the type, for the INF-style range rules only.",
            "Each deployed missile names the deployed launcher of its base it sits in (launcher column); "
            "which silo or tube holds which missile is not public, so missiles fill their base's launchers in order.",
            "Silos, tubes and their facilities are those of the 2017-03-01 reconstruction (454 silos as 151/151/152 by "
            "wing; SSBNs 7 and 8 in overhaul at Puget Sound): the 2020 split of deployed Minuteman III over the wings "
            "(133/132/132) is not public, and a missile keeps the number of its silo or tube.",
        ],
        facilities, items)


# ---------------------------------------------------------------------------
# Russia, as of 2020-09-01. Published: 510 deployed, 1,447 warheads, 764 launchers
# (State fact sheet; russianforces.org). No by-type breakdown is published; FAS's 2022
# estimate splits deployed warheads about 812 on ICBMs and 576 on SLBMs. The type mix
# below is an ESTIMATE for illustration; only the three totals are published.

RU_ICBMS = [
    # type, launcher basing site, deployed, warheads each (list of (count, warheads)), non-deployed launchers
    ("RS-20V Voevoda (SS-18)", "DOMBAROVSKY", 24, [(24, 6)], 10),
    ("RS-20V Voevoda (SS-18)", "UZHUR", 22, [(22, 6)], 10),
    ("UR-100NUTTS Avangard", "DOMBAROVSKY", 2, [(2, 1)], 4),
    ("RS-12M Topol (SS-25)", "BARNAUL", 18, [(18, 1)], 36),
    ("RS-12M2 Topol-M (silo)", "TATISHCHEVO", 60, [(60, 1)], 10),
    ("RS-12M2 Topol-M (mobile)", "TEYKOVO", 18, [(18, 1)], 6),
    ("RS-24 Yars (mobile)", "YOSHKAR-OLA", 36, [(36, 3)], 9),
    ("RS-24 Yars (mobile)", "NOVOSIBIRSK", 36, [(36, 3)], 9),
    ("RS-24 Yars (mobile)", "NIZHNY-TAGIL", 36, [(30, 3), (6, 2)], 9),
    ("RS-24 Yars (mobile)", "IRKUTSK", 36, [(12, 3), (24, 2)], 27),
    ("RS-24 Yars (silo)", "KOZELSK", 18, [(18, 2)], 46),
]
RU_SLBMS = [
    # type, base, boats, tubes per boat, loaded boats, warheads per missile groups
    ("R-29RMU2 Sineva", "GADZHIYEVO", 6, 16, 5, [(80, 4)]),
    ("R-29R (SS-N-18)", "VILYUCHINSK", 3, 16, 1, [(16, 3)]),
    ("RSM-56 Bulava", "GADZHIYEVO", 2, 16, 2, [(32, 4)]),
    ("RSM-56 Bulava", "VILYUCHINSK", 2, 16, 2, [(31, 3), (1, 2)]),
]
RU_BOMBERS = [
    # type, base, deployed, non-deployed
    ("Tu-95MS", "ENGELS", 14, 11),
    ("Tu-95MS", "UKRAINKA", 19, 11),
    ("Tu-160", "ENGELS", 11, 8),
]


def russia():
    facilities = [
        ("DOMBAROVSKY", "icbm-base", "Dombarovsky (13th Missile Division), Orenburg oblast"),
        ("UZHUR", "icbm-base", "Uzhur (62nd Missile Division), Krasnoyarsk krai"),
        ("BARNAUL", "icbm-base", "Barnaul (35th Missile Division), Altai krai"),
        ("TATISHCHEVO", "icbm-base", "Tatishchevo (60th Missile Division), Saratov oblast"),
        ("TEYKOVO", "icbm-base", "Teykovo (54th Missile Division), Ivanovo oblast"),
        ("YOSHKAR-OLA", "icbm-base", "Yoshkar-Ola (14th Missile Division), Mari El"),
        ("NOVOSIBIRSK", "icbm-base", "Novosibirsk (39th Missile Division)"),
        ("NIZHNY-TAGIL", "icbm-base", "Nizhny Tagil (42nd Missile Division), Sverdlovsk oblast"),
        ("IRKUTSK", "icbm-base", "Irkutsk (29th Missile Division)"),
        ("KOZELSK", "icbm-base", "Kozelsk (28th Missile Division), Kaluga oblast"),
        ("GADZHIYEVO", "submarine-base", "Gadzhiyevo, Northern Fleet"),
        ("VILYUCHINSK", "submarine-base", "Vilyuchinsk, Pacific Fleet"),
        ("ENGELS", "air-base", "Engels, Saratov oblast"),
        ("UKRAINKA", "air-base", "Ukrainka, Amur oblast"),
    ]
    items = []
    ln = mn = 0
    # Each deployed missile sits in a deployed launcher of its site (the launcher column).
    for type_, site, deployed, loads, spare in RU_ICBMS:
        launchers = []
        for i in range(deployed + spare):
            ln += 1
            launchers.append((f"RU-L-ICBM-{ln:04}", "icbm-launcher", type_, site, "deployed" if i < deployed else "non-deployed", 0, None, None))
        items.extend(launchers)
        missiles = []
        for count, warheads in loads:
            for _ in range(count):
                mn += 1
                missiles.append((f"RU-M-ICBM-{mn:04}", "icbm", type_, site, "deployed", warheads, None, 11000))
        items.extend(load(missiles, launchers))
    boat_no = 0
    for type_, base, boats, tubes, loaded_boats, loads in RU_SLBMS:
        launchers = []
        for boat in range(boats):
            boat_no += 1
            for tube in range(1, tubes + 1):
                launchers.append((f"RU-L-SLBM-B{boat_no:02}-{tube:02}", "slbm-launcher", type_, base,
                                  "deployed" if boat < loaded_boats else "non-deployed", 0, None, None))
        items.extend(launchers)
        missiles = []
        for count, warheads in loads:
            for _ in range(count):
                mn += 1
                missiles.append((f"RU-M-SLBM-{mn:04}", "slbm", type_, base, "deployed", warheads, None, 8000))
        items.extend(load(missiles, launchers))
    bn = 0
    for type_, base, deployed, spare in RU_BOMBERS:
        for i in range(deployed + spare):
            bn += 1
            items.append((f"RU-B-{bn:03}", "heavy-bomber", type_, base, "deployed" if i < deployed else "non-deployed", 0, "nuclear", None))
    write(
        "ru-2020-09-01.csv", "RU", "2020-09-01",
        "RECONSTRUCTION matching the published Russian aggregates as of 2020-09-01 (510 deployed, 1,447 warheads, "
        "764 launchers; State fact sheet of 2020-12-01 and russianforces.org); made by data/declarations/reconstruct.py",
        [
            "Only the three totals are published. The type mix, sites, loadings and identifiers are an ESTIMATE "
            "for illustration, shaped so that about 812 warheads sit on ICBMs (FAS 2022 split) and the totals match exactly.",
            "Non-deployed missiles are not included: no public figure.",
            "Each deployed missile names a deployed launcher of its site (launcher column), filled in order: an ESTIMATE like the rest.",
        ],
        facilities, items)


# ---------------------------------------------------------------------------
# United States, as of 2017-03-01: the most recent U.S. data by base.
# Published by base (State Department release of July 2017, reported by ExchangeMonitor and
# Defense Daily, "Latest New START Release Breaks Down ICBM, SLBM, Bomber Types"):
#   Minuteman III deployed: F.E. Warren 136, Malmstrom 133, Minot 136 (405)
#   Trident II deployed:    Kings Bay 100, Bangor 120 (220)
#   B-2A deployed:          Whiteman 12
#   B-52H deployed:         Barksdale and Minot together 36 (the split is not given)
#   Total deployed 673; plus 41 B-52H equipped for non-nuclear armaments.
# Published aggregates (data/newstart_aggregate.csv): 673 deployed, 1,411 warheads, 820 launchers.
# Everything else below is a RECONSTRUCTION CHOICE, written next to the number it makes.

def united_states_2017():
    facilities = us_facilities("HILL", "VANDENBERG", "EDWARDS")
    items = []
    # Minuteman III: the published deployed silos per wing, each with its missile; choice: 454
    # launchers in all (the force structure of 2014) in the wings' fixed silos (MM3_WINGS),
    # so 49 empty silos, 15/18/16.
    wing_silos, missiles = minuteman_wings(MM3_DEPLOYED_2017)
    items.extend(wing_silos + missiles)
    # Trident II: the published deployed missiles per base, 20 to a boat (Bangor 6 boats,
    # Kings Bay 5). Choices: the 14 boats as in 2020, boats 7 and 8 in overhaul at Puget Sound
    # and boat 14 empty at Kings Bay; the conversion of 56 tubes half done, with tubes 21-24
    # converted on boats 1-9 (36) and still accountable, empty, on boats 10-14 (20), which
    # makes the 820 launchers: 454 + 300 + 66.
    boats = []
    for boat in range(1, 15):
        loaded = 0 if boat in SSBN_OVERHAUL or boat == 14 else 20
        tubes = trident_tubes(boat, ssbn_site(boat), loaded, 21 if boat <= 9 else 25)
        items.extend(tubes)
        boats.append((boat, tubes[:loaded]))
    # Warheads: 1,411 - 405 (one per Minuteman III) - 48 (one per deployed bomber) = 958 on the
    # 220 Trident II; the loading is not public: 78 carry 5 and 142 carry 4.
    items.extend(trident_missiles(boats, trident_loadings(220, 958)))
    # Bombers: B-2A 12 deployed at Whiteman (published) and, a choice, the 8 others of 20
    # non-deployed there; B-52H 36 deployed split 18/18 between Barksdale and Minot (the split
    # is not published) with 10 non-deployed (5/5), and the 41 non-nuclear B-52H (21/20).
    items.extend(bombers("B-2A", "B2A", 1, [("WHITEMAN", 12, 8)]))
    items.extend(bombers("B-52H", "B52H", 1, [("BARKSDALE", 18, 5), ("MINOT", 18, 5)]))
    items.extend(converted_b52h(47, split(41, 2)))
    write(
        "us-2017-03-01.csv", "US", "2017-03-01",
        "RECONSTRUCTION from the U.S. Department of State New START data by base as of 2017-03-01 "
        "(released July 2017; ExchangeMonitor, https://www.exchangemonitor.com/latest-new-start-release-breaks-icbm-slbm-bomber-types-2/?printmode=1) "
        "and the aggregates of data/newstart_aggregate.csv; made by data/declarations/reconstruct.py",
        [
            "Published and kept exactly: deployed Minuteman III by base (F.E. Warren 136, Malmstrom 133, Minot 136), "
            "deployed Trident II by base (Kings Bay 100, Bangor 120), 12 deployed B-2A at Whiteman, 36 deployed B-52H "
            "at Barksdale and Minot, 41 B-52H equipped for non-nuclear armaments; 673 deployed, 1,411 warheads, 820 launchers.",
            "RECONSTRUCTION CHOICES (not published): the B-52H split 18/18; 454 Minuteman III silos with 49 empty ones "
            "spread 15/18/16 (wings of 151/151/152 silos, as in 2020); 14 SSBNs (8 Bangor, 6 Kings Bay), three of them "
            "empty: boats 7 and 8 in overhaul at Puget Sound (as in 2020) and boat 14 at Kings Bay; 36 of the 56 tube "
            "conversions done (boats 1-9), 20 tubes still accountable (boats 10-14); 78 Trident II with 5 warheads and 142 "
            "with 4; the non-deployed bombers (8 B-2A, 10 B-52H); which launcher holds which missile; all unique identifiers.",
            "Not included, for want of a by-base figure: non-deployed missiles, test launchers and test heavy bombers.",
            "Ranges are nominal public figures for the type, for the INF-style range rules only.",
        ],
        facilities, items)


if __name__ == "__main__":
    united_states()
    united_states_2017()
    russia()
