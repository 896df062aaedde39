"""Signs of quality: what a provider's sources say about the things SAMHSA tells people to look for.

SAMHSA's "Finding Quality Treatment for Substance Use Disorders" names five signs (accreditation,
medication, evidence-based practices, families, ongoing support); SAMHSA's survey codes say which
places report them. Each sign here is a set of codes, read from the provider's winning codes (the
newest full answer, ``provenance.effective_codes``), and is one of:

- ``yes``: a source lists it (what, which source, its year);
- ``no``: the source itself says no (NMOA: "does not use medication for opioid use disorder");
- ``not-listed``: the newest full list that has the last word on the provider lists none of its
  codes, and that list does report this sign for other places of the same kind (a substance use or
  mental health facility), so the silence is an answer about this place;
- ``not-reported``: nothing says (no full list, or the list never asks: the 2024 mental health
  directory has no accreditation codes, the 2015 directory no licence codes).

Nothing is scored or ranked: the signs are facts with their sources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .db import db
from .errors import N_
from .models import ProviderSource
from .provenance import SourceRecord, date_key, effective_codes, licences

if TYPE_CHECKING:
    from .search.snapshot import Snapshot


@dataclass(frozen=True)
class Sign:
    key: str
    label: str
    codes: dict[str, str]  # code -> what it names, in the order pages list them
    against: dict[str, str] = field(default_factory=dict)  # codes by which a source says no
    card: str = ""  # the short words on a result card ('' = not on cards)
    card_codes: frozenset[str] = frozenset()  # the codes that earn the card words (default: all)

    def earns_card(self, codes: frozenset[str]) -> bool:
        return bool(self.card) and bool((self.card_codes or frozenset(self.codes)) & codes)


_METHADONE = N_("methadone")
_BUPRENORPHINE = N_("buprenorphine")
_NALTREXONE = N_("naltrexone")
_OTP = N_("SAMHSA, as an opioid treatment program")

SIGNS: tuple[Sign, ...] = (
    Sign(
        "licensed",
        N_("Licensed or certified"),
        {
            "STAG": N_("the state substance use agency"),
            "STMH": N_("the state mental health agency"),
            "STDH": N_("the state department of health"),
            "HLA": N_("a hospital licensing authority"),
            "SOTP": _OTP,
            "OTP": _OTP,
            "FQHC": N_("HRSA, as a federally qualified health center"),
            "DEA": N_("the Drug Enforcement Administration (DEA), to handle controlled medicines"),
        },
        card=N_("Licensed by the state"),
        card_codes=frozenset({"STAG", "STMH", "STDH", "HLA"}),
    ),
    Sign(
        "accredited",
        N_("Accredited"),
        {
            "JC": N_("The Joint Commission"),
            "CARF": N_("CARF (Commission on Accreditation of Rehabilitation Facilities)"),
            "COA": N_("COA (Council on Accreditation)"),
            "NCQA": N_("NCQA (National Committee for Quality Assurance)"),
            "HFAP": N_("HFAP (Healthcare Facilities Accreditation Program)"),
        },
        card=N_("Accredited"),
    ),
    Sign(
        "opioid-medication",
        N_("Medication for opioid use disorder"),
        {
            **dict.fromkeys(("MU", "METH", "MM", "MMW", "DM"), _METHADONE),
            **dict.fromkeys(
                ("BU", "BUM", "BMW", "DB", "UB", "BWN", "BWON", "BSDM", "BERI", "BUPREN"),
                _BUPRENORPHINE,
            ),
            # Naltrexone in the opioid questions; oral and injectable naltrexone (NXN, VTRL) are
            # asked about without saying which disorder, so they count for alcohol only.
            **dict.fromkeys(("NU", "UN", "RPN"), _NALTREXONE),
            "OTP": N_("an opioid treatment program"),
            "SOTP": N_("an opioid treatment program"),
        },
        against={
            "NMOA": N_("does not use medication for opioid use disorder"),
            "NOOP": N_("does not treat opioid use disorder"),
        },
        card=N_("Medication for opioid use"),
    ),
    Sign(
        "alcohol-medication",
        N_("Medication for alcohol use disorder"),
        {
            "NXN": _NALTREXONE,
            "VTRL": _NALTREXONE,
            "ACM": N_("acamprosate"),
            "DSF": N_("disulfiram"),
            "PMAT": N_("medication for alcohol use disorder"),
        },
        against={"NMAUT": N_("does not use medication for alcohol use disorder")},
        card=N_("Medication for alcohol use"),
    ),
    Sign(
        "therapies",
        N_("Therapies with research behind them"),
        {
            "CBT": N_("cognitive behavioral therapy (CBT)"),
            "CMI": N_("contingency management"),
            "CRV": N_("community reinforcement plus vouchers"),
            "MOTI": N_("motivational interviewing"),
            "DBT": N_("dialectical behavior therapy (DBT)"),
            "MXM": N_("the Matrix Model"),
            "TWFA": N_("12-step facilitation"),
            "TRC": N_("trauma-related counseling"),
        },
    ),
    Sign(
        "co-occurring",
        N_("Care for mental health conditions too"),
        {
            "CO": N_("care for people with both mental health and substance use conditions"),
            "SUMH": N_("care for substance use with serious mental illness"),
            "IDD": N_("integrated mental health and substance use treatment"),
        },
    ),
    Sign(
        "family",
        N_("Family involvement"),
        {
            "FCO": N_("family counseling"),
            "CFT": N_("couples or family therapy"),
            "FPSY": N_("family education"),
            "MCO": N_("couples counseling"),
        },
    ),
    Sign(
        "aftercare",
        N_("Support after treatment"),
        {
            "ACC": N_("aftercare or continuing care"),
            "DP": N_("discharge planning"),
            "OFD": N_("follow-up after discharge"),
        },
    ),
    Sign(
        "naloxone",
        N_("Naloxone and overdose education"),
        {"NOE": N_("naloxone and overdose education")},
    ),
)

CARD_ORDER = ("accredited", "opioid-medication", "alcohol-medication", "licensed")


@dataclass(frozen=True)
class SignReport:
    """One sign for one provider: its status, what the sources say, and which sources say it."""

    sign: Sign
    status: str  # yes | no | not-listed | not-reported
    items: tuple[str, ...] = ()  # what is listed (words to translate), in the sign's order
    sources: tuple[tuple[str, str], ...] = ()  # (source, as_of), newest first
    licences: tuple[dict[str, Any], ...] = ()  # state licences that back "licensed"


# (source, kind) -> every code that source lists for some place of that kind
Vocabulary = Callable[[str, str], frozenset[str]]


def care_kind(codes: Iterable[str]) -> str:
    """'MH' for a mental health facility, 'SA' for a substance use one, '' when a record does not
    say: a source's questions differ by kind of facility."""
    codes = set(codes)
    if "SA" in codes:
        return "SA"
    return "MH" if "MH" in codes else ""


def vocabularies(rows: Iterable[list[str] | None]) -> dict[str, frozenset[str]]:
    """Each kind of facility's codes over one source's records (their ``codes`` lists)."""
    out: dict[str, set[str]] = {}
    for codes in rows:
        out.setdefault(care_kind(codes or ()), set()).update(codes or ())
    return {kind: frozenset(codes) for kind, codes in out.items()}


def read_vocabularies(source: str) -> dict[str, frozenset[str]]:
    """Each kind of facility's codes over the active records of one source, from the database."""
    rows = db.session.scalars(
        select(ProviderSource.data["codes"]).where(
            ProviderSource.source == source, ProviderSource.status == "active"
        )
    )
    return vocabularies(rows)


def snapshot_vocabulary(snap: Snapshot) -> Vocabulary:
    """A ``Vocabulary`` read once per source and data version (kept with the snapshot)."""

    def vocabulary(source: str, kind: str) -> frozenset[str]:
        found = snap.lazily(f"quality-vocabulary:{source}", lambda _: read_vocabularies(source))
        return found.get(kind, frozenset())  # type: ignore[no-any-return]

    return vocabulary


def deciding_records(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    """The full lists that have the last word on a provider's services (the newest full answer;
    several when two lists of that date name it)."""
    full = [
        r
        for r in records
        if r.status == "active" and r.data.get("service_detail") == "full" and r.data.get("codes")
    ]
    newest = max((date_key(r.source_date) for r in full), default="")
    return [r for r in full if date_key(r.source_date) == newest]


def _pairs(records: Iterable[SourceRecord]) -> tuple[tuple[str, str], ...]:
    ordered = sorted(records, key=lambda r: date_key(r.source_date), reverse=True)
    return tuple(dict.fromkeys((r.source, r.source_date) for r in ordered))


def signs_of(records: Iterable[SourceRecord], vocabulary: Vocabulary) -> list[SignReport]:
    """Every sign for the provider these records describe, in ``SIGNS`` order."""
    records = [r for r in records if r.status == "active"]
    codes = effective_codes(records)
    deciding = deciding_records(records)
    state_licences = tuple(lic for lic in licences(records) if lic["status"] != "expired")
    out = []
    for sign in SIGNS:
        found = [c for c in sign.codes if c in codes]
        backing = state_licences if sign.key == "licensed" else ()
        if found or backing:
            items = dict.fromkeys(sign.codes[c] for c in found)
            out.append(
                SignReport(
                    sign,
                    "yes",
                    tuple(items),
                    _pairs(r for c in found for r in codes[c]),
                    backing,
                )
            )
            continue
        said_no = [c for c in sign.against if c in codes]
        if said_no:
            items = dict.fromkeys(sign.against[c] for c in said_no)
            out.append(
                SignReport(sign, "no", tuple(items), _pairs(r for c in said_no for r in codes[c]))
            )
            continue
        asked = [
            r
            for r in deciding
            if vocabulary(r.source, care_kind(r.data["codes"])) & set(sign.codes)
        ]
        if asked:
            out.append(SignReport(sign, "not-listed", sources=_pairs(asked)))
        else:
            out.append(SignReport(sign, "not-reported"))
    return out


def card_signs(codes: frozenset[str]) -> tuple[str, ...]:
    """The short signs a result card shows for a provider with these codes (words to translate),
    e.g. ('Accredited', 'Medication for opioid use', 'Licensed by the state')."""
    by_key = {s.key: s for s in SIGNS}
    return tuple(by_key[k].card for k in CARD_ORDER if by_key[k].earns_card(codes))
