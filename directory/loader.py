"""Load one file's records into the database and the search index, all or nothing.

Every row ends as exactly one of: added, updated, unchanged, merged (same facility as another
provider or row), or rejected (with line, field and reason). ``--replace`` then retires the source's
providers that the file no longer lists. The database transaction and the index writer commit
together; any failure before the commit leaves both as they were.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import current_app
from sqlalchemy import select

from . import importers
from .db import db
from .errors import ImportRefused
from .importers.record import Problem, ProviderRecord, validate
from .models import Provider, ProviderSource, bump_data_version, utcnow
from .normalize import name_key, street_key
from .search import index as search_index
from .taxonomy import Taxonomy

OUTCOMES = ("added", "updated", "unchanged", "merged", "rejected")
PRECISION_RANK = {"exact": 0, "address": 1, "zip": 2, "city": 3}


@dataclass
class ImportReport:
    file: str
    source: str
    format: str = ""
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    retired: int = 0
    warnings: int = 0
    refused: str = ""  # why the whole file was refused (nothing written)
    dry_run: bool = False
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)  # (line, outcome, provider public id)

    @property
    def ok(self) -> bool:
        return not self.refused

    def as_dict(self) -> dict[str, Any]:
        keys = ("file", "source", "format", "rows", *OUTCOMES, "retired", "warnings", "refused", "dry_run", "seconds")
        return {k: getattr(self, k) for k in keys}

    def write_csv(self, path: Path) -> None:
        """Write one line per row outcome and per problem: file, line, status, field, reason, provider."""
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["file", "line", "status", "field", "reason", "provider_id"])
            if self.refused:
                w.writerow([self.file, self.problems[0].line if self.problems else 0, "refused", "", self.refused, ""])
            for line, outcome, pid in self.outcomes:
                w.writerow([self.file, line, outcome, "", "", pid])
            for p in self.problems:
                w.writerow([self.file, p.line, "rejected" if p.severity == "error" else "warning", p.field, p.reason, ""])


class _Matcher:
    """Finds the provider a record is the same facility as: same name, street and ZIP, or phone within 100 m."""

    def __init__(self) -> None:
        self.by_address: dict[tuple[str, str, str], list[tuple[Any, str]]] = defaultdict(list)
        self.by_phone: dict[str, list[tuple[Any, float, float]]] = defaultdict(list)

    def add(self, handle: Any, name: str, name2: str, street: str, zip_code: str, phones: Iterable[dict[str, str]],
            lat: float, lon: float) -> None:
        if street and zip_code:
            self.by_address[(name_key(name), street_key(street), zip_code)].append((handle, name_key(name2)))
        for ph in phones:
            self.by_phone[ph["number"]].append((handle, lat, lon))

    def find(self, r: ProviderRecord) -> Any:
        if r.street and r.zip:
            n2 = name_key(r.name2)
            for handle, other2 in self.by_address.get((name_key(r.name), street_key(r.street), r.zip), []):
                if not n2 or not other2 or n2 == other2:  # two named programs at one address stay apart
                    return handle
        for ph in r.phones:
            for handle, lat, lon in self.by_phone.get(ph["number"], []):
                if _metres(lat, lon, r.latitude, r.longitude) <= 100:
                    return handle
        return None


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(a)))


def public_id(source: str, record_key: str) -> str:
    """A short, stable permalink id derived from where a provider was first seen."""
    digest = hashlib.sha1(f"{source}\x1f{record_key}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def derive(provider: Provider) -> None:
    """Set a provider's fields from its active sources: best location first, blanks filled, codes united."""
    sources = [s for s in provider.sources if s.status == "active"]
    if not sources:
        provider.status = "retired"
        return
    provider.status = "active"
    ranked = sorted(sources, key=lambda s: (PRECISION_RANK.get(s.data.get("geo_precision", "exact"), 9),
                                            not s.data.get("street"), s.id or 0))
    for attr in ("name", "name2", "street", "street2", "city", "state", "zip", "county", "website"):
        setattr(provider, attr, next((s.data[attr] for s in ranked if s.data.get(attr)), ""))
    # The address and the coordinates come from the same source so they agree.
    best = ranked[0].data
    provider.latitude, provider.longitude, provider.geo_precision = best["latitude"], best["longitude"], best["geo_precision"]
    phones: list[dict[str, str]] = []
    for s in ranked:
        phones += [p for p in s.data.get("phones", []) if p not in phones]
    provider.phones = phones
    provider.codes = " ".join(sorted({c for s in sources for c in s.data.get("codes", [])}))
    provider.updated_at = utcnow()


def import_file(path: Path, *, fmt: str = "auto", source: str | None = None, map_file: Path | None = None,
                dry_run: bool = False, strict: bool = False, replace: bool = False, update_index: bool = True,
                add_codes: Iterable[str] = (), source_date: str = "",
                progress: Callable[[int], None] | None = None, fail_after: int | None = None) -> ImportReport:
    """Import one file in one transaction and return what happened to every row.

    ``fail_after`` raises after that many rows have been written: tests use it to prove a crash
    mid-import leaves the database and index unchanged.
    """
    started = time.perf_counter()
    source = source or path.stem
    report = ImportReport(file=str(path), source=source, dry_run=dry_run)
    tax: Taxonomy = current_app.extensions["taxonomy"]
    options = {"map": map_file, "add_codes": list(add_codes), "source_date": source_date}
    records: list[ProviderRecord] = []
    last_line = 0
    try:
        report.format, rows = importers.parse(path, fmt, options)
        for raw in rows:
            report.rows += 1
            last_line = raw.line
            record, problems = validate(raw, tax)
            report.problems += problems
            if record is None:
                report.rejected += 1
                report.outcomes.append((raw.line, "rejected", ""))
            else:
                records.append(record)
            if progress:
                progress(1)
        if not report.rows:  # with --replace, an empty list would retire the whole source
            raise ImportRefused(str(path), 1, "no records: the file has no data rows")
    except ImportRefused as e:
        report.refused = e.reason
        report.problems.insert(0, Problem(e.line, "", e.reason))
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    except Exception as e:  # a reader choking on an odd shape refuses the file instead of crashing
        current_app.logger.exception("reading %s failed near line %s", path, last_line)
        report.refused = f"could not read the file near line {max(last_line, 1)}: {type(e).__name__}: {e}"
        report.problems.insert(0, Problem(max(last_line, 1), "", report.refused))
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    report.warnings = sum(1 for p in report.problems if p.severity == "warning")
    if strict and report.rejected:
        report.refused = f"--strict: {report.rejected} row(s) rejected, so nothing was imported"
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    writer = None
    try:
        touched = _write(records, report, source, replace, fail_after)
        version = bump_data_version()
        db.session.flush()
        if update_index and not dry_run:
            writer = current_app.extensions["search_index"].writer()
            search_index.apply_changes(writer, touched, version, tax)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
            if writer is not None:
                writer.commit()
                writer = None
    except BaseException:
        db.session.rollback()
        if writer is not None:
            writer.cancel()
        raise
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _write(records: list[ProviderRecord], report: ImportReport, source: str, replace: bool,
           fail_after: int | None) -> list[Provider]:
    """Apply validated records to the session; return the providers touched."""
    existing = {s.record_key: s for s in db.session.scalars(select(ProviderSource).where(ProviderSource.source == source))}
    matcher = _Matcher()
    for pid, name, name2, street, zip_code, phones, lat, lon in db.session.execute(
        select(Provider.id, Provider.name, Provider.name2, Provider.street, Provider.zip, Provider.phones,
               Provider.latitude, Provider.longitude).where(Provider.status == "active")
    ):
        matcher.add(pid, name, name2, street, zip_code, phones or [], lat, lon)
    used_ids = set(db.session.scalars(select(Provider.public_id)))
    seen: dict[str, ProviderRecord] = {}
    dirty: dict[int, Provider] = {}
    new: list[Provider] = []

    def resolve(handle: Any) -> Provider:
        return handle if isinstance(handle, Provider) else db.session.get(Provider, handle)

    for i, r in enumerate(records):
        if fail_after is not None and i >= fail_after:
            raise RuntimeError(f"injected failure after {fail_after} rows")
        if r.record_key in seen:
            first = seen[r.record_key]
            if first.content_hash() != r.content_hash() and not r.record_key.startswith("k:"):
                report.rejected += 1
                report.problems.append(Problem(r.line, "id", f"duplicate id {r.record_key!r}: line {first.line} has the same id with other details"))
                report.outcomes.append((r.line, "rejected", ""))
                continue
            report.merged += 1
            report.outcomes.append((r.line, "merged", _pid(existing.get(r.record_key))))
            continue
        seen[r.record_key] = r
        src = existing.get(r.record_key)
        if src is not None:
            outcome = "unchanged" if src.content_hash == r.content_hash() and src.status == "active" else "updated"
            if outcome == "updated":
                src.data, src.content_hash, src.line, src.status = r.data(), r.content_hash(), r.line, "active"
                src.imported_at, src.source_date = utcnow(), r.source_date
                dirty[id(src.provider)] = src.provider
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.outcomes.append((r.line, outcome, src.provider.public_id))
            continue
        handle = matcher.find(r)
        if handle is not None:
            provider = resolve(handle)
            report.merged += 1
        else:
            pid = public_id(source, r.record_key)
            while pid in used_ids:
                pid = public_id(source, pid + r.record_key)
            used_ids.add(pid)
            provider = Provider(public_id=pid, name=r.name, latitude=r.latitude, longitude=r.longitude, status="active",
                                phones=[], codes="")
            db.session.add(provider)
            new.append(provider)
            matcher.add(provider, r.name, r.name2, r.street, r.zip, r.phones, r.latitude, r.longitude)
            report.added += 1
        src = ProviderSource(source=source, record_key=r.record_key, content_hash=r.content_hash(), data=r.data(),
                             line=r.line, source_date=r.source_date, status="active")
        provider.sources.append(src)
        existing[r.record_key] = src
        dirty[id(provider)] = provider
        report.outcomes.append((r.line, "merged" if handle is not None else "added", provider.public_id))

    if replace:
        for key, src in existing.items():
            if key not in seen and src.status == "active":
                src.status = "retired"
                dirty[id(src.provider)] = src.provider
    for provider in dirty.values():
        was_active = provider.status == "active" and provider.id is not None
        derive(provider)
        if was_active and provider.status == "retired":
            report.retired += 1
    return list(dirty.values())


def _pid(src: ProviderSource | None) -> str:
    return src.provider.public_id if src is not None and src.provider is not None else ""
