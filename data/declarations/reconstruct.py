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
COLUMNS = ["uid", "kind", "type", "facility", "status", "warheads", "armament", "range_km"]


def write(name, party, as_of, source, notes, facilities, items):
    out = io.StringIO()
    out.write("# format: detente-declaration/1\n")
    out.write(f"# party: {party}\n# as-of: {as_of}\n# source: {source}\n")
    for note in notes:
        out.write(f"# note: {note}\n")
    for fid, kind, fname in facilities:
        out.write(f"# facility: {fid} | {kind} | {fname}\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for item in items:
        w.writerow(["" if v is None else v for v in item])
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(out.getvalue())


def split(total, parts):
    """Splits `total` into `parts` near-equal whole numbers, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


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
    facilities = [
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
    items = []
    # Minuteman III launchers: 454 = 397 deployed + 57 non-deployed, split evenly over the
    # three wings (the 2020 by-base split is not published; 2017's was 136/133/136).
    wings = ["FE-WARREN", "MALMSTROM", "MINOT"]
    n = 0
    for wing, deployed, empty in zip(wings, split(397, 3), split(57, 3)):
        for i in range(deployed + empty):
            n += 1
            items.append((f"US-L-MM3-{n:03}", "icbm-launcher", "Minuteman III", wing,
                          "deployed" if i < deployed else "non-deployed", 0, None, None))
    for i in range(1, 5):
        items.append((f"US-L-MM3-T{i}", "icbm-launcher", "Minuteman III", "VANDENBERG", "test", 0, None, None))
    for i in range(1, 5):
        items.append((f"US-L-MM3-TR{i}", "icbm-launcher", "Minuteman III", "VANDENBERG", "training", 0, None, None))
    # Minuteman III missiles: 397 deployed with one warhead each (FAS: 400 ICBMs, 1 warhead
    # each); 261 non-deployed, placed in storage.
    n = 0
    for wing, deployed in zip(wings, split(397, 3)):
        for _ in range(deployed):
            n += 1
            items.append((f"US-M-MM3-{n:04}", "icbm", "Minuteman III", wing, "deployed", 1, None, 13000))
    for i in range(261):
        n += 1
        items.append((f"US-M-MM3-{n:04}", "icbm", "Minuteman III", "HILL", "non-deployed", 0, None, 13000))
    # Trident II launchers: 14 SSBNs x 24 tubes. Tubes 21-24 of every boat are the 56
    # converted ones. Boats 1-8 at Bangor, 9-14 at Kings Bay; boats 1-11 carry 20 loaded
    # tubes, boat 12 carries 10 (230 deployed); boats 13 and 14 are in overhaul at Puget
    # Sound with empty tubes (with boat 12's 10 empty tubes: 50 non-deployed).
    loaded = [20] * 11 + [10, 0, 0]
    for boat in range(1, 15):
        home = "BANGOR" if boat <= 8 else "KINGS-BAY"
        site = "PUGET-SOUND" if boat >= 13 else home
        for tube in range(1, 25):
            if tube > 20:
                status = "converted"
            elif tube <= loaded[boat - 1]:
                status = "deployed"
            else:
                status = "non-deployed"
            items.append((f"US-L-T2-SSBN{boat:02}-{tube:02}", "slbm-launcher", "Trident II", site, status, 0, None, None))
    # Trident II missiles: 230 deployed carrying 1,457 - 397 - 48 = 1,012 warheads; the
    # per-missile loading is not public, so 92 carry 5 and 138 carry 4. 234 non-deployed,
    # split between the two bases' weapons facilities.
    n = 0
    for boat in range(1, 13):
        home = "BANGOR" if boat <= 8 else "KINGS-BAY"
        for _ in range(loaded[boat - 1]):
            n += 1
            items.append((f"US-M-T2-{n:04}", "slbm", "Trident II", home, "deployed", 5 if n <= 92 else 4, None, 12000))
    for base, count in zip(["BANGOR", "KINGS-BAY"], split(234, 2)):
        for _ in range(count):
            n += 1
            items.append((f"US-M-T2-{n:04}", "slbm", "Trident II", base, "non-deployed", 0, None, 12000))
    # B-2A: 12 deployed + 8 non-deployed at Whiteman, 1 test at Edwards.
    for i in range(1, 21):
        items.append((f"US-B-B2A-{i:02}", "heavy-bomber", "B-2A", "WHITEMAN", "deployed" if i <= 12 else "non-deployed", 0, "nuclear", None))
    items.append(("US-B-B2A-T1", "heavy-bomber", "B-2A", "EDWARDS", "test", 0, "nuclear", None))
    # B-52H: 46 nuclear (36 deployed, 10 non-deployed) split between Barksdale and Minot;
    # 4 test at Edwards; 41 equipped for non-nuclear armaments, split between the two wings.
    n = 0
    for base, deployed, spare in zip(["BARKSDALE", "MINOT"], split(36, 2), split(10, 2)):
        for i in range(deployed + spare):
            n += 1
            items.append((f"US-B-B52H-{n:03}", "heavy-bomber", "B-52H", base, "deployed" if i < deployed else "non-deployed", 0, "nuclear", None))
    for i in range(1, 5):
        items.append((f"US-B-B52H-T{i}", "heavy-bomber", "B-52H", "EDWARDS", "test", 0, "nuclear", None))
    for base, count in zip(["BARKSDALE", "MINOT"], split(41, 2)):
        for _ in range(count):
            n += 1
            items.append((f"US-B-B52H-{n:03}", "heavy-bomber", "B-52H", base, "converted", 0, "non-nuclear", None))
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
    for type_, site, deployed, loads, spare in RU_ICBMS:
        for i in range(deployed + spare):
            ln += 1
            items.append((f"RU-L-ICBM-{ln:04}", "icbm-launcher", type_, site, "deployed" if i < deployed else "non-deployed", 0, None, None))
        for count, warheads in loads:
            for _ in range(count):
                mn += 1
                items.append((f"RU-M-ICBM-{mn:04}", "icbm", type_, site, "deployed", warheads, None, 11000))
    boat_no = 0
    for type_, base, boats, tubes, loaded_boats, loads in RU_SLBMS:
        for boat in range(boats):
            boat_no += 1
            for tube in range(1, tubes + 1):
                items.append((f"RU-L-SLBM-B{boat_no:02}-{tube:02}", "slbm-launcher", type_, base,
                               "deployed" if boat < loaded_boats else "non-deployed", 0, None, None))
        for count, warheads in loads:
            for _ in range(count):
                mn += 1
                items.append((f"RU-M-SLBM-{mn:04}", "slbm", type_, base, "deployed", warheads, None, 8000))
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
        ],
        facilities, items)


if __name__ == "__main__":
    united_states()
    russia()
