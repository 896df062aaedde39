"""Which source says what about a provider, and which answer wins.

A provider is built from the records (``ProviderSource``) of every file that lists it. For services
the newest full answer wins: a record with full service detail (a list of every service the place
reported) overrules all records older than it, so a 2025 download without detox means no detox now,
even if a 2015 directory said otherwise. Records with partial detail (a licence list that only knows
the setting) add what they say unless a newer full record overrules them. For contact details,
records of the provider's own listings come before enrichment records, which only fill gaps.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

PRECISION_RANK = {"exact": 0, "address": 1, "zip": 2, "city": 3}  # how exact a record's location is


class SourceRecord(Protocol):
    source: str
    source_date: str
    status: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Contribution:
    """What one source record gives a provider."""

    source: str
    as_of: str  # the source's own date ("2015", "2022-05-25"), not the day we imported it
    role: str  # primary | enrich
    codes: tuple[str, ...]  # the services it counts for (after newer full answers overrule it)
    overruled: tuple[str, ...]  # services it reported that a newer full record no longer lists
    fields: tuple[str, ...]  # contact fields taken from it


def date_key(as_of: str) -> str:
    """Sort key for source dates of different precision; unknown is oldest.

    '2015' < '2015-06' < '2016'.
    """
    return as_of or "0000"


def effective_codes(records: Iterable[SourceRecord]) -> dict[str, list[SourceRecord]]:
    """Each service code the provider has now, with the records that report it (newest first)."""
    active = [r for r in records if r.status == "active"]
    full_dates = [
        date_key(r.source_date)
        for r in active
        if r.data.get("service_detail") == "full" and r.data.get("codes")
    ]
    newest_full = max(full_dates, default="")
    out: dict[str, list[SourceRecord]] = {}
    for r in sorted(active, key=lambda r: date_key(r.source_date), reverse=True):
        if newest_full and date_key(r.source_date) < newest_full:
            continue  # a newer record with full detail has the last word
        for code in r.data.get("codes", []):
            out.setdefault(code, []).append(r)
    return out


def ranked(records: Iterable[SourceRecord], precision_rank: dict[str, int]) -> list[SourceRecord]:
    """Active records in the order their contact fields are taken: a provider's own listings before
    enrichment records, then the most exact location, a street address, the one imported first."""
    active = [r for r in records if r.status == "active"]
    return sorted(
        active,
        key=lambda r: (
            r.data.get("role") == "enrich",
            precision_rank.get(r.data.get("geo_precision", "exact"), 9),
            not r.data.get("street"),
            getattr(r, "id", 0) or 0,
        ),
    )


CONTACT_FIELDS = ("name", "name2", "street", "street2", "city", "state", "zip", "county")


def contact_sources(
    records: Iterable[SourceRecord], precision_rank: dict[str, int]
) -> tuple[SourceRecord | None, dict[str, SourceRecord], list[SourceRecord]]:
    """Where a provider's contact details come from: the record giving its location, the record
    giving each name and address field and the website, and the records whose phones it lists.
    Enrichment records never change a name or an address; they give a phone or a website only where
    the provider's own listings have none."""
    order = ranked(records, precision_rank)
    own = [r for r in order if r.data.get("role") != "enrich"]
    by_field: dict[str, SourceRecord] = {}
    for attr in CONTACT_FIELDS:
        r = next((r for r in own if r.data.get(attr)), None)
        if r is not None:
            by_field[attr] = r
    site = next((r for r in order if r.data.get("website")), None)
    if site is not None:
        by_field["website"] = site
    phones = [r for r in own if r.data.get("phones")] or [r for r in order if r.data.get("phones")]
    return (own[0] if own else None), by_field, phones


PROVIDER_FIELDS = (
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "county",
    "website",
)


def provider_fields(records: Iterable[SourceRecord]) -> dict[str, Any] | None:
    """A provider's fields as its active records give them (None when no listing of its own is left:
    enrichment alone does not keep a place listed): its own listings' best location and details,
    gaps filled, and the services the newest full answer gives."""
    sources = [r for r in records if r.status == "active"]
    located, by_field, phone_sources = contact_sources(sources, PRECISION_RANK)
    if located is None:
        return None
    out: dict[str, Any] = {a: by_field[a].data[a] if a in by_field else "" for a in PROVIDER_FIELDS}
    # The address and the coordinates come from the same source so they agree.
    best = located.data
    out.update(
        latitude=best["latitude"], longitude=best["longitude"], geo_precision=best["geo_precision"]
    )
    phones: list[dict[str, str]] = []
    for r in phone_sources:
        phones += [p for p in r.data.get("phones", []) if p not in phones]
    out.update(phones=phones, codes=" ".join(sorted(effective_codes(sources))), status="active")
    own = [r for r in sources if r.data.get("role") != "enrich"]
    prescriber = all(r.data.get("kind") == "prescriber" for r in own)
    out.update(
        kind="prescriber" if prescriber else "facility",
        aliases="\n".join(other_names(sources, out["name"], out["name2"])),
        last_listed=max((r.source_date for r in own), key=date_key, default=""),
    )
    return out


def other_names(records: Iterable[SourceRecord], name: str, name2: str) -> list[str]:
    """The names the records give besides the shown ones (former names, a program's name, an
    organisation's), newest source first, each once whatever its case."""
    seen = {name.casefold(), name2.casefold(), ""}
    out = []
    for r in sorted(records, key=lambda r: date_key(r.source_date), reverse=True):
        for value in (r.data.get("name", ""), r.data.get("name2", "")):
            if value.casefold() not in seen:
                seen.add(value.casefold())
                out.append(value)
    return out


def contributions(
    records: Iterable[SourceRecord], precision_rank: dict[str, int]
) -> list[Contribution]:
    """What each active record gives the provider, newest source first."""
    records = list(records)
    codes = effective_codes(records)
    by_record: dict[int, set[str]] = {}
    for code, rs in codes.items():
        for r in rs:
            by_record.setdefault(id(r), set()).add(code)
    located, by_field, phones = contact_sources(records, precision_rank)
    taken: dict[int, list[str]] = {}
    if located is not None:
        taken.setdefault(id(located), []).append("location")
    for attr, r in by_field.items():
        label = {
            "name2": "name",
            "street2": "address",
            "city": "address",
            "state": "address",
            "zip": "address",
            "street": "address",
            "county": "address",
        }.get(attr, attr)
        if label not in taken.setdefault(id(r), []):
            taken[id(r)].append(label)
    for r in phones:
        taken.setdefault(id(r), []).append("phone")
    out = []
    for r in sorted(
        (r for r in records if r.status == "active"),
        key=lambda r: date_key(r.source_date),
        reverse=True,
    ):
        mine = by_record.get(id(r), set())
        out.append(
            Contribution(
                source=r.source,
                as_of=r.source_date,
                role=r.data.get("role", "primary"),
                codes=tuple(sorted(mine)),
                overruled=tuple(sorted(set(r.data.get("codes", [])) - mine)),
                fields=tuple(taken.get(id(r), [])),
            )
        )
    return out


def newest_date(records: Iterable[SourceRecord]) -> str:
    """The date of the newest active source ('' when none has one)."""
    return max(
        (r.source_date for r in records if r.status == "active" and r.source_date),
        key=date_key,
        default="",
    )


@lru_cache(maxsize=4)
def source_labels(data_dir: str) -> dict[str, str]:
    """How pages name the bundled sources: file stem -> label (from ``bundle.toml``)."""
    path = Path(data_dir) / "bundle.toml"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        manifest = tomllib.load(f)
    return {Path(e["path"]).stem: e["label"] for e in manifest.get("file", []) if e.get("label")}


def licences(records: Iterable[SourceRecord], today: date | None = None) -> list[dict[str, Any]]:
    """The state licences and certifications the active records report, with their status today."""
    today = today or date.today()
    out = []
    for r in records:
        if r.status != "active":
            continue
        for lic in r.data.get("licences", []):
            expires = lic.get("expires") or ""
            status = (
                "unknown"
                if not expires
                else "expired"
                if expires < today.isoformat()
                else "current"
            )
            out.append(
                {
                    **lic,
                    "expires": expires or None,
                    "status": status,
                    "source": r.source,
                    "as_of": r.source_date or None,
                }
            )
    return out
