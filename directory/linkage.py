"""Record linkage: is this record the same facility as a provider we already list?

Sources spell one facility differently ("Ctr" and "Center", a program name in ``name2`` or not, a
suite number, a new phone), and different programs share things (one organisation's phone line, one
building). So a match needs two kinds of evidence: the place (same street number and ZIP, or close
coordinates, or the same phone nearby) and the name (similar, compared with rapidfuzz). A shared
phone alone never joins two differently named programs. ``compare`` decides one pair and says why;
``Linker`` finds the candidates for a record among many sites quickly.

Tested against a hand-checked sample of real candidate pairs (``tests/data/linkage-pairs.csv``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from .geo import metres_between
from .normalize import name_key, street_key

# Words that say what kind of place it is, not which one:
# two names sharing only these are not alike.
GENERIC = frozenset(
    """
    center centers ctr services service svcs program programs treatment recovery health behavioral
    mental counseling clinic clinics and of the for at in community care inc llc substance abuse use
    addiction alcohol drug drugs chemical dependency outpatient residential inpatient detox
    detoxification rehabilitation rehab family medical hospital house home county st saint new
    office satellite unit site adult adults healthcare hcs system systems division department
    """.split()
)
_ABBREVIATIONS = {
    "ctr": "center",
    "cntr": "center",
    "svcs": "services",
    "svc": "services",
    "servs": "services",
    "comp": "comprehensive",
    "serv": "services",
    "cmhc": "community mental health center",
    "mh": "mental health",
    "bh": "behavioral health",
    "csl": "counseling",
    "outpt": "outpatient",
    "trt": "treatment",
    "prog": "program",
    "srvcs": "services",
    "hlth": "health",
    "bhvrl": "behavioral",
    "assn": "association",
    "intl": "international",
    "mt": "mount",
    "ft": "fort",
    "dept": "department",
    "univ": "university",
    "tx": "treatment",
    "trtmt": "treatment",
    "cnslg": "counseling",
    "couns": "counseling",
}

_OTHER_NAME = frozenset({"dba", "formerly", "aka", "fka"})  # 'DBA …' in name2 is a second name

SAME_PLACE_METRES = 150  # two exact points this close are one address
NEARBY_METRES = 400  # a shared phone counts within this distance
NAME_ALIKE = 80  # name similarity (0-100) that, with the same place, means the same facility
NAME_SAME = 92  # name similarity that means the same facility when the points all but coincide
CELL_DEGREES = 0.01  # grid cell for finding nearby sites (about 1.1 km north-south)


@dataclass(frozen=True)
class Site:
    """What linkage compares of a record or a provider."""

    name: str
    name2: str = ""
    street: str = ""
    zip: str = ""
    phones: tuple[str, ...] = ()
    latitude: float = 0.0
    longitude: float = 0.0
    exact: bool = True  # coordinates of the address itself, not the centre of a ZIP or city
    kind: str = "facility"  # facility | prescriber: a clinician is never the facility they work at
    key: str = field(init=False, default="")
    key2: str = field(init=False, default="")
    alias: str = field(init=False, default="")  # a name2 that is another name: 'DBA Oxbow Center'
    full: str = field(init=False, default="")  # name and name2 folded, a 'DBA …' name2 included
    number: str = field(init=False, default="")

    def __post_init__(self) -> None:
        key2 = fold_name(self.name2)
        object.__setattr__(self, "full", fold_name(self.name) + " " + key2)
        head, _, rest = key2.partition(" ")
        if head in _OTHER_NAME and rest:  # not a program of its own: the same place's other name
            object.__setattr__(self, "alias", rest)
            key2 = ""
        object.__setattr__(self, "key", fold_name(self.name))
        object.__setattr__(self, "key2", key2)
        object.__setattr__(self, "number", street_number(self.street))


@dataclass(frozen=True)
class Verdict:
    same: bool
    reason: str
    score: float = 0.0  # name similarity, 0-100


def fold_name(value: str) -> str:
    """A name for comparing: folded, abbreviations spelled out."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in name_key(value or "").split())


def street_number(street: str) -> str:
    """The house number of a street address ('219 Dothan Road' → '219'; 'PO Box 5' → '')."""
    m = re.match(r"\s*(\d+[a-z]?)\b", street_key(street or ""))
    return m.group(1) if m else ""


def _distinctive(key: str) -> int:
    """How many words of a folded name say which place it is (not what kind)."""
    return sum(1 for w in key.split() if w not in GENERIC and len(w) > 2)


def name_similarity(a: Site, b: Site) -> float:
    """How alike two sites' names are (0-100): the best of name against name and full name against
    full name, where names that share only generic words ('recovery center') score low."""
    best = 0.0
    pairs = [(a.key, b.key), (f"{a.key} {a.key2}".strip(), f"{b.key} {b.key2}".strip())]
    pairs += [(a.alias, b.key), (a.key, b.alias), (a.alias, b.alias)]
    if _distinctive(a.key2) >= 2 and _distinctive(b.key2) >= 2:
        pairs.append((a.key2, b.key2))  # one program under a renamed parent ('Los Banos …')
    for x, y in pairs:
        if not x or not y:
            continue
        if not (set(x.split()) & set(y.split())) - GENERIC:
            score = (
                fuzz.ratio(x, y) - 10
            )  # no distinctive word in common: only near-identical spellings count
        else:
            score = max(fuzz.token_sort_ratio(x, y), fuzz.token_set_ratio(x, y) - 5)
        best = max(best, score)
    return best


def compare(a: Site, b: Site) -> Verdict:
    """Decide whether two sites are the same facility, and say why."""
    if a.kind != b.kind:
        return Verdict(False, f"a {a.kind} and a {b.kind} are different listings")
    apart = (
        metres_between(a.latitude, a.longitude, b.latitude, b.longitude)
        if a.exact and b.exact
        else None
    )
    same_address = bool(a.number and a.number == b.number and a.zip and a.zip == b.zip)
    if a.number and b.number and a.number != b.number:
        # Even next door: one organisation's houses and buildings on one street are separate places.
        return Verdict(False, f"different street numbers ({a.number}, {b.number})")
    # Without a street to compare, only points that all but coincide are one place (campuses have
    # several houses).
    close = apart is not None and apart <= (SAME_PLACE_METRES if a.number and b.number else 40)
    shared_phone = bool(set(a.phones) & set(b.phones))
    near = (apart is not None and apart <= (NEARBY_METRES if a.number and b.number else 40)) or (
        apart is None and a.zip == b.zip != ""
    )
    score = name_similarity(a, b)
    if (
        apart is None
        and a.zip
        and a.zip == b.zip
        and not (a.number and b.number)
        and a.full == b.full
    ):
        # Without two street numbers or two exact points to compare (a highway, a PO box, a street
        # left out, a row placed by its ZIP), the same full name in one ZIP is one place.
        return Verdict(True, "the same full name in the same ZIP", score)
    if a.key2 and b.key2 and a.key == b.key and fuzz.token_set_ratio(a.key2, b.key2) < 60:
        return Verdict(False, f"two programs of one organisation ({a.name2!r}, {b.name2!r})", score)
    if score >= NAME_ALIKE and _distinct_programs(a, b):
        return Verdict(
            False,
            "one organisation's different programs (each name has words the other lacks)",
            score,
        )
    if (same_address or close) and score >= NAME_ALIKE:
        return Verdict(True, "same address and a similar name", score)
    if shared_phone and near and score >= NAME_ALIKE:
        return Verdict(True, "same phone nearby and a similar name", score)
    if apart is not None and apart <= 50 and score >= NAME_SAME:
        return Verdict(True, "same point and the same name", score)
    if same_address or close or (shared_phone and near):
        return Verdict(False, f"same place but a different name (similarity {score:.0f})", score)
    where = f"{apart:,.0f} m away" if apart is not None else "no exact location to compare"
    return Verdict(False, f"not at the same place ({where})", score)


_FILLER = frozenset("of the and at inc llc dba a an for".split())
# Kinds of care: generic in a name, but two listings of one organisation that each name a different
# one ('… Outpatient' and '… Phoenix') are separate programs.
SETTINGS = frozenset(
    "outpatient inpatient residential detox detoxification methadone otp iop".split()
)


def _extras(words: list[str], other: list[str]) -> list[str]:
    """Words of one name with no counterpart in the other.

    Abbreviations and near-spellings count as counterparts.
    """
    return [
        w
        for w in words
        if w not in _FILLER
        and (w not in GENERIC or w in SETTINGS)
        and len(w) >= 3
        and not any(
            o.startswith(w) or w.startswith(o) or fuzz.ratio(w, o) >= 85
            for o in other
            if len(min(w, o, key=len)) >= 3 or w == o
        )
    ]


def _distinct_programs(a: Site, b: Site) -> bool:
    """True when each full name has a distinctive word the other lacks
    ('… Outpatient' and '… Phoenix'): the same organisation's separate programs, listed apart by
    their publishers."""
    wa, wb = f"{a.key} {a.key2}".split(), f"{b.key} {b.key2}".split()
    joined_a, joined_b = "".join(wa), "".join(wb)  # 'rivervalley' and 'river valley'
    wa = [w for w in wa if w not in joined_b]
    wb = [w for w in wb if w not in joined_a]
    return bool(_extras(wa, wb)) and bool(_extras(wb, wa))


class Linker:
    """Sites by phone, ZIP and grid cell, to find the few worth comparing with a record."""

    def __init__(self) -> None:
        self.sites: list[tuple[Any, Site]] = []
        self._by_phone: dict[str, list[int]] = defaultdict(list)
        self._by_zip: dict[str, list[int]] = defaultdict(list)
        self._by_cell: dict[tuple[int, int], list[int]] = defaultdict(list)

    def add(self, handle: Any, site: Site) -> None:
        i = len(self.sites)
        self.sites.append((handle, site))
        for ph in site.phones:
            self._by_phone[ph].append(i)
        if site.zip:
            self._by_zip[site.zip].append(i)
        if site.exact:
            self._by_cell[_cell(site.latitude, site.longitude)].append(i)

    def candidates(self, site: Site) -> Iterable[tuple[Any, Site]]:
        seen: set[int] = set()
        lists = [self._by_phone.get(ph, []) for ph in site.phones] + [
            self._by_zip.get(site.zip, [])
        ]
        if site.exact:
            r, c = _cell(site.latitude, site.longitude)
            lists += [
                self._by_cell.get((r + dr, c + dc), []) for dr in (-1, 0, 1) for dc in (-1, 0, 1)
            ]
        for lst in lists:
            for i in lst:
                if i not in seen:
                    seen.add(i)
                    yield self.sites[i]

    def find(self, site: Site, alone: bool = False) -> tuple[Any, Verdict]:
        """The best matching site's handle (None when nothing matches) and the verdict that decided
        it: for no match, the reason the closest candidate was turned down.

        ``alone``: the record is the only one of its file at its street address. Then a listed
        place that is the only one at that address and shares its phone is the same place renamed
        (a new operator, a program renamed): with one listing on each side and one phone that no
        other listing has, there is no second program for it to be."""
        best: tuple[Any, Verdict] | None = None
        closest: tuple[Site, Verdict] | None = None
        at_address: list[tuple[Any, Site]] = []
        for handle, other in self.candidates(site):
            if site.number and other.number == site.number and other.zip == site.zip:
                at_address.append((handle, other))
            v = compare(site, other)
            if v.same and (best is None or v.score > best[1].score):
                best = (handle, v)
            elif not v.same and (closest is None or v.score > closest[1].score):
                closest = (other, v)
        if best is not None:
            return best
        if alone and len(at_address) == 1:
            handle, other = at_address[0]
            # A phone only these two share: an organisation's central line joins nothing.
            own = [
                ph for ph in set(site.phones) & set(other.phones) if len(self._by_phone[ph]) == 1
            ]
            if other.kind == site.kind and own:
                return handle, Verdict(
                    True, "the only listing at this address, with the same phone (renamed)"
                )
        if closest is None:
            return None, Verdict(False, "no listed provider at this address, ZIP or phone")
        other, v = closest
        return None, Verdict(False, f"closest candidate {other.name!r}: {v.reason}", v.score)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEGREES)), int(math.floor(lon / CELL_DEGREES))
