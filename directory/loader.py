"""Load one file's records into the database and the search index, all or nothing.

Every row ends as exactly one of: added, updated, unchanged, merged (same facility as another
provider or row), skipped (not a facility, such as a practitioner), rejected (with line, field and
reason) or, for an enrichment file (``enrich``: rows only add services to providers already listed),
matched or unmatched (with the reason). ``--replace`` then retires the source's providers that the file
no longer lists. The database transaction and the index writer commit
together; any failure before the commit leaves both as they were.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import importers
from .db import db
from .errors import ImportRefused
from .importers.record import Problem, ProviderRecord, validate
from .linkage import Linker, Site
from .models import Provider, ProviderSource, bump_data_version, utcnow
from .provenance import PRECISION_RANK, contact_sources, effective_codes
from .search import index as search_index
from .taxonomy import Taxonomy

OUTCOMES = ("added", "updated", "unchanged", "merged", "matched", "unmatched", "skipped", "rejected")


PROBLEM_STATUS = {"error": "rejected", "warning": "warning", "skipped": "skipped", "unmatched": "unmatched"}


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
    matched: int = 0
    unmatched: int = 0
    skipped: int = 0
    rejected: int = 0
    retired: int = 0
    warnings: int = 0
    refused: str = ""  # why the whole file was refused (nothing written)
    dry_run: bool = False
    enrich: bool = False
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)  # (line, outcome, provider public id)

    @property
    def ok(self) -> bool:
        return not self.refused

    def as_dict(self) -> dict[str, Any]:
        keys = ("file", "source", "format", "rows", *OUTCOMES, "retired", "warnings", "refused", "dry_run", "enrich",
                "seconds")
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
                w.writerow([self.file, p.line, PROBLEM_STATUS.get(p.severity, p.severity), p.field, p.reason, ""])


def public_id(source: str, record_key: str) -> str:
    """A short, stable permalink id derived from where a provider was first seen."""
    digest = hashlib.sha1(f"{source}\x1f{record_key}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def derive(provider: Provider) -> None:
    """Set a provider's fields from its active sources (see ``provenance``): its own listings' best location
    and details, gaps filled, and the services the newest full answer gives."""
    sources = [s for s in provider.sources if s.status == "active"]
    located, by_field, phone_sources = contact_sources(sources, PRECISION_RANK)
    if located is None:  # no listing of its own is left: enrichment alone does not keep a place listed
        provider.status = "retired"
        return
    provider.status = "active"
    for attr in ("name", "name2", "street", "street2", "city", "state", "zip", "county", "website"):
        setattr(provider, attr, by_field[attr].data[attr] if attr in by_field else "")
    # The address and the coordinates come from the same source so they agree.
    best = located.data
    provider.latitude, provider.longitude, provider.geo_precision = best["latitude"], best["longitude"], best["geo_precision"]
    phones: list[dict[str, str]] = []
    for s in phone_sources:
        phones += [p for p in s.data.get("phones", []) if p not in phones]
    provider.phones = phones
    provider.codes = " ".join(sorted(effective_codes(sources)))
    provider.updated_at = utcnow()


def site_of(r: ProviderRecord) -> Site:
    """What record linkage compares of a record."""
    return Site(r.name, r.name2, r.street, r.zip, tuple(p["number"] for p in r.phones), r.latitude, r.longitude,
                r.geo_precision == "exact")


def import_file(path: Path, *, fmt: str = "auto", source: str | None = None, map_file: Path | None = None,
                dry_run: bool = False, strict: bool = False, replace: bool = False, update_index: bool = True,
                add_codes: Iterable[str] = (), source_date: str = "", enrich: bool = False, service_detail: str = "",
                progress: Callable[[int], None] | None = None, fail_after: int | None = None) -> ImportReport:
    """Import one file in one transaction and return what happened to every row.

    ``enrich``: the file's rows only add services (and a missing phone or website) to providers already
    listed, and never add providers. ``service_detail`` ("full" or "partial") overrides what the format
    says about how complete its service lists are. ``fail_after`` raises after that many rows have been
    written: tests use it to prove a crash mid-import leaves the database and index unchanged.
    """
    started = time.perf_counter()
    source = source or path.stem
    report = ImportReport(file=str(path), source=source, dry_run=dry_run, enrich=enrich)
    tax: Taxonomy = current_app.extensions["taxonomy"]
    options = {"map": map_file, "add_codes": list(add_codes), "source_date": source_date,
               "service_detail": service_detail}
    records = _read(path, fmt, options, report, tax, progress)
    if records is None:
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    if enrich:
        for r in records:
            r.role = "enrich"
    if strict and report.rejected:
        report.refused = f"--strict: {report.rejected} row(s) rejected, so nothing was imported"
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    writer = None
    try:
        touched = _write(records, report, source, replace, fail_after, enrich)
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


def _read(path: Path, fmt: str, options: dict[str, Any], report: ImportReport, tax: Taxonomy,
          progress: Callable[[int], None] | None) -> list[ProviderRecord] | None:
    """Parse and validate every row, counting rejected and skipped ones; None when the file is refused."""
    records: list[ProviderRecord] = []
    last_line = 0
    try:
        report.format, rows = importers.parse(path, fmt, options)
        for raw in rows:
            report.rows += 1
            last_line = raw.line
            if progress:
                progress(1)
            if raw.skip:
                report.skipped += 1
                report.outcomes.append((raw.line, "skipped", ""))
                report.problems.append(Problem(raw.line, "", raw.skip, "skipped"))
                continue
            record, problems = validate(raw, tax)
            report.problems += problems
            if record is None:
                report.rejected += 1
                report.outcomes.append((raw.line, "rejected", ""))
            else:
                records.append(record)
        if not report.rows:  # with --replace, an empty list would retire the whole source
            raise ImportRefused(str(path), 1, "no records: the file has no data rows")
    except ImportRefused as e:
        report.refused = e.reason
        report.problems.insert(0, Problem(e.line, "", e.reason))
        return None
    except Exception as e:  # a reader choking on an odd shape refuses the file instead of crashing
        current_app.logger.exception("reading %s failed near line %s", path, last_line)
        report.refused = f"could not read the file near line {max(last_line, 1)}: {type(e).__name__}: {e}"
        report.problems.insert(0, Problem(max(last_line, 1), "", report.refused))
        return None
    report.warnings = sum(1 for p in report.problems if p.severity == "warning")
    return records


@dataclass
class _Plan:
    """What to do with one record: which provider it joins (an id, or the index of a new provider)."""

    record: ProviderRecord
    data: dict[str, Any]
    digest: str
    provider: int | None = None  # an existing provider's id
    new: int | None = None  # index into the providers this file adds


def _linker() -> Linker:
    """Every active provider as linkage sees it."""
    linker = Linker()
    for pid, name, name2, street, zip_code, phones, lat, lon, precision in db.session.execute(
        select(Provider.id, Provider.name, Provider.name2, Provider.street, Provider.zip, Provider.phones,
               Provider.latitude, Provider.longitude, Provider.geo_precision).where(Provider.status == "active")
    ):
        linker.add(pid, Site(name, name2, street, zip_code, tuple(p["number"] for p in phones or []), lat, lon,
                             precision == "exact"))
    return linker


def _count(report: ImportReport, line: int, outcome: str, public_id: str = "") -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)
    report.outcomes.append((line, outcome, public_id))


def _write(records: list[ProviderRecord], report: ImportReport, source: str, replace: bool,
           fail_after: int | None, enrich: bool = False) -> list[Provider]:
    """Apply validated records to the session; return the providers touched.

    First every record is decided without the ORM (updates of this source's records, links to listed
    providers, new providers); then the providers it touches are loaded in one go and changed."""
    existing = {s.record_key: s for s in db.session.scalars(
        select(ProviderSource).where(ProviderSource.source == source)
        .options(selectinload(ProviderSource.provider).selectinload(Provider.sources)))}
    linker = _linker()
    seen: dict[str, ProviderRecord] = {}
    plans: list[_Plan] = []
    new_count = 0
    dirty: dict[int, Provider] = {}
    with db.session.no_autoflush:
        for i, r in enumerate(records):
            if fail_after is not None and i >= fail_after:
                raise RuntimeError(f"injected failure after {fail_after} rows")
            data = r.data()
            digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
            if r.record_key in seen:
                first = seen[r.record_key]
                if first.content_hash() != digest and not r.record_key.startswith("k:"):
                    report.problems.append(Problem(r.line, "id", f"duplicate id {r.record_key!r}: line {first.line} "
                                                   "has the same id with other details"))
                    _count(report, r.line, "rejected")
                else:
                    _count(report, r.line, "merged", _pid(existing.get(r.record_key)))
                continue
            seen[r.record_key] = r
            src = existing.get(r.record_key)
            if src is not None:
                if src.content_hash == digest and src.status == "active":
                    _count(report, r.line, "unchanged", src.provider.public_id)
                    continue
                src.data, src.content_hash, src.line, src.status = data, digest, r.line, "active"
                src.imported_at, src.source_date = utcnow(), r.source_date
                dirty[id(src.provider)] = src.provider
                _count(report, r.line, "updated", src.provider.public_id)
                continue
            site = site_of(r)
            handle, verdict = linker.find(site)
            if handle is None and enrich:  # an enrichment row never makes a provider of its own
                report.problems.append(Problem(r.line, "match", verdict.reason, "unmatched"))
                _count(report, r.line, "unmatched")
                continue
            plan = _Plan(r, data, digest)
            if handle is None:
                plan.new = new_count
                linker.add(("new", new_count), site)
                new_count += 1
            elif isinstance(handle, tuple):
                plan.new = handle[1]
            else:
                plan.provider = handle
            plans.append(plan)
        _apply(plans, new_count, existing, report, source, enrich, dirty)
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


def _apply(plans: list[_Plan], new_count: int, existing: dict[str, ProviderSource], report: ImportReport,
           source: str, enrich: bool, dirty: dict[int, Provider]) -> None:
    """Create the new providers and attach every planned record to its provider."""
    wanted = sorted({p.provider for p in plans if p.provider is not None})
    providers: dict[int, Provider] = {}
    for chunk in range(0, len(wanted), 500):
        for provider in db.session.scalars(select(Provider).where(Provider.id.in_(wanted[chunk:chunk + 500]))
                                           .options(selectinload(Provider.sources))):
            providers[provider.id] = provider
    used_ids = set(db.session.scalars(select(Provider.public_id))) if new_count else set()
    created: dict[int, Provider] = {}
    for plan in plans:
        r = plan.record
        if plan.new is not None and plan.new not in created:
            pid = public_id(source, r.record_key)
            while pid in used_ids:
                pid = public_id(source, pid + r.record_key)
            used_ids.add(pid)
            provider = Provider(public_id=pid, name=r.name, latitude=r.latitude, longitude=r.longitude,
                                status="active", phones=[], codes="", sources=[])
            db.session.add(provider)
            created[plan.new] = provider
            outcome = "added"
        else:
            provider = created[plan.new] if plan.new is not None else providers[plan.provider]  # type: ignore[index]
            outcome = "matched" if enrich else "merged"
        src = ProviderSource(source=source, record_key=r.record_key, content_hash=plan.digest, data=plan.data,
                             line=r.line, source_date=r.source_date, status="active")
        provider.sources.append(src)
        existing[r.record_key] = src
        dirty[id(provider)] = provider
        _count(report, r.line, outcome, provider.public_id)


def _pid(src: ProviderSource | None) -> str:
    return src.provider.public_id if src is not None and src.provider is not None else ""
