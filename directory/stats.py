"""What the data holds: counts by tag, state and source; how far the type-of-care filters reach."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .db import db
from .geocode import gazetteer
from .models import Provider, ProviderSource
from .provenance import date_key, effective_codes
from .search.snapshot import snapshot
from .search.upkeep import index_health


def stats() -> dict[str, Any]:
    """Counts by tag, state and source, and the index compared with the database."""
    tax = current_app.extensions["taxonomy"]
    by_tag: Counter[str] = Counter()
    by_state: Counter[str] = Counter()
    by_precision: Counter[str] = Counter()
    for codes, state, precision in db.session.execute(
        select(Provider.codes, Provider.state, Provider.geo_precision).where(
            Provider.status == "active"
        )
    ):
        by_state[state] += 1
        by_precision[precision] += 1
        for g, opts in tax.tags(frozenset(codes.split())).items():
            for o in opts:
                by_tag[f"{g}={o.key}"] += 1
    by_source = dict(
        db.session.execute(
            select(ProviderSource.source, func.count())
            .where(ProviderSource.status == "active")
            .group_by(ProviderSource.source)
        ).all()
    )
    retired = db.session.scalar(
        select(func.count()).select_from(Provider).where(Provider.status == "retired")
    )
    return {
        "providers": sum(by_state.values()),
        "retired": retired,
        "services": service_coverage(),
        "coverage": coverage_by_kind(),
        "by_tag": dict(sorted(by_tag.items())),
        "by_state": dict(sorted(by_state.items())),
        "by_source": by_source,
        "by_location_precision": dict(by_precision),
        "index": index_health(),
    }


def service_coverage(radius: float = 25.0) -> dict[str, Any]:
    """How far the type-of-care filters reach: the share of active providers listing a type of care,
    the count per type, and which of the 50 largest US cities (``data/largest-cities.csv``) have a
    detox option within ``radius`` miles."""
    tax = current_app.extensions["taxonomy"]
    cat = snapshot().catalog
    types = [o for o in tax.options if o.group == "type"]
    with_type = int(cat.tags[:, tax.group_columns("type")].any(axis=1).sum())
    detox = cat.tags[:, tax.column("type", "detox")]
    with (Path(current_app.config["DATA_DIR"]) / "largest-cities.csv").open(encoding="utf-8") as f:
        cities = list(csv.DictReader(f))
    without: list[str] = []
    for c in cities:
        place = gazetteer().city_place(c["city"], c["state"])
        if place is None or not detox[cat.within(place.latitude, place.longitude, radius)[0]].any():
            without.append(f"{c['city']}, {c['state']}")
    return {
        "providers": len(cat),
        "with_type_of_care": with_type,
        "share_with_type_of_care": round(with_type / len(cat), 4) if len(cat) else 0.0,
        "by_type": {o.key: int(cat.tags[:, tax.column("type", o.key)].sum()) for o in types},
        "largest_cities": len(cities),
        "cities_with_detox_within_25_miles": len(cities) - len(without),
        "cities_without_detox_within_25_miles": without,
    }


def listing_kind(listing: Any) -> str:
    """What a listing is, for counts: a prescriber, or a facility by the care it is listed for."""
    if listing.kind == "prescriber":
        return "prescriber"
    codes = listing.code_set
    return "substance use" if "SA" in codes else "mental health" if "MH" in codes else "other"


def coverage_by_kind() -> dict[str, Any]:
    """For each kind of listing: how many, how many list a type of care (and from a 2022 or later
    source), have a phone, or are missing from the newest national directory; and per year of the
    newest source."""
    tax = current_app.extensions["taxonomy"]
    snap = snapshot()
    has_type = snap.catalog.has_type
    recent = _type_facts_since("2022", tax)
    kinds: dict[str, Counter[str]] = {}
    years: dict[str, Counter[str]] = {}
    for row, listing in enumerate(snap.listings):
        for table, key in ((kinds, listing_kind(listing)), (years, listing.as_of[:4] or "none")):
            c = table.setdefault(key, Counter())
            c["listings"] += 1
            c["with_type_of_care"] += bool(has_type[row])
            c["type_of_care_from_2022_on"] += listing.id in recent
            c["with_phone"] += bool(listing.phones)
            c["not_in_newest_directory"] += bool(listing.dropped_from)
    return {
        "by_kind": {k: dict(v) for k, v in sorted(kinds.items())},
        "by_newest_source_year": {k: dict(v) for k, v in sorted(years.items())},
    }


def _type_facts_since(year: str, tax: Any) -> set[int]:
    """Providers whose every type-of-care fact comes from a source of ``year`` or later."""
    type_codes = {c for o in tax.options if o.group == "type" for c in o.codes}
    records: dict[int, list[Any]] = {}
    for pid, source_date, status, data in db.session.execute(
        select(
            ProviderSource.provider_id,
            ProviderSource.source_date,
            ProviderSource.status,
            ProviderSource.data,
        ).where(ProviderSource.status == "active")
    ):
        records.setdefault(pid, []).append(
            SimpleNamespace(source_date=source_date, status=status, data=data)
        )
    out = set()
    for pid, rs in records.items():
        facts = {c: by for c, by in effective_codes(rs).items() if c in type_codes}
        if facts and all(date_key(by[0].source_date) >= year for by in facts.values()):
            out.add(pid)
    return out
