"""Load one file's records into the database and the search index, all or nothing.

Every row ends as exactly one of: added, updated, unchanged, merged (same facility as another
provider or row), skipped (not a facility, such as a practitioner), rejected (with line, field and
reason) or, for an enrichment file (``enrich``: rows only add services to providers already listed),
matched or unmatched (with the reason). ``--replace`` then retires the source's providers that the
file no longer lists. The database transaction and the index writer commit together; any failure
before the commit leaves both as they were.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from . import importers
from .db import db
from .errors import ImportRefused
from .importers.record import Problem, ProviderRecord, validate
from .linkage import Linker, Site, street_number
from .models import Provider, ProviderSource, bump_data_version, note_directory, utcnow
from .provenance import provider_fields
from .search.upkeep import stage_changes
from .taxonomy import Taxonomy


@dataclass(frozen=True)
class ImportOptions:
    """How to read one file and what to do with its rows (the import command's flags)."""

    fmt: str = "auto"  # a format name from ``importers.FORMATS``, or auto-detect
    source: str | None = None  # the source's name (default: the file's name without extension)
    map_file: Path | None = None  # column mapping for other layouts
    dry_run: bool = False  # check and count everything, write nothing
    strict: bool = False  # refuse the whole file if any row is rejected
    replace: bool = False  # retire this source's providers that the file no longer lists
    update_index: bool = True  # stage text index changes (off when a full reindex follows)
    add_codes: tuple[str, ...] = ()  # service codes every row of the file has
    source_date: str = ""  # when the source data was published
    enrich: bool = False  # rows only add services to providers already listed, never add providers
    service_detail: str = ""  # "full" or "partial": overrides what the format says
    # A national directory: a full list of its year, so listed places it lacks are marked as such.
    directory: bool = False


OUTCOMES = (
    "added",
    "updated",
    "unchanged",
    "merged",
    "matched",
    "unmatched",
    "skipped",
    "rejected",
)


PROBLEM_STATUS = {
    "error": "rejected",
    "warning": "warning",
    "skipped": "skipped",
    "unmatched": "unmatched",
}


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
    outcomes: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (line, outcome, provider public id)

    @property
    def ok(self) -> bool:
        return not self.refused

    def as_dict(self) -> dict[str, Any]:
        keys = (
            "file",
            "source",
            "format",
            "rows",
            *OUTCOMES,
            "retired",
            "warnings",
            "refused",
            "dry_run",
            "enrich",
            "seconds",
        )
        return {k: getattr(self, k) for k in keys}

    def write_csv(self, path: Path) -> None:
        """Write one line per row outcome and per problem.

        Columns: file, line, status, field, reason, provider.
        """
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["file", "line", "status", "field", "reason", "provider_id"])
            if self.refused:
                w.writerow(
                    [
                        self.file,
                        self.problems[0].line if self.problems else 0,
                        "refused",
                        "",
                        self.refused,
                        "",
                    ]
                )
            for line, outcome, pid in self.outcomes:
                w.writerow([self.file, line, outcome, "", "", pid])
            for p in self.problems:
                w.writerow(
                    [
                        self.file,
                        p.line,
                        PROBLEM_STATUS.get(p.severity, p.severity),
                        p.field,
                        p.reason,
                        "",
                    ]
                )


def public_id(source: str, record_key: str) -> str:
    """A short, stable permalink id derived from where a provider was first seen."""
    digest = hashlib.sha1(f"{source}\x1f{record_key}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def derive(provider: Provider) -> None:
    """Set a provider's fields from its active sources (``provenance.provider_fields``)."""
    fields = provider_fields(provider.sources)
    if fields is None:
        provider.status = "retired"
        return
    for attr, value in fields.items():
        setattr(provider, attr, value)
    provider.updated_at = utcnow()


def site_of(r: ProviderRecord) -> Site:
    """What record linkage compares of a record."""
    return Site(
        r.name,
        r.name2,
        r.street,
        r.zip,
        tuple(p["number"] for p in r.phones),
        r.latitude,
        r.longitude,
        r.geo_precision == "exact",
        r.kind,
    )


def import_file(
    path: Path,
    options: ImportOptions | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    fail_after: int | None = None,
) -> ImportReport:
    """Import one file in one transaction and return what happened to every row.

    ``fail_after`` raises after that many rows have been decided: tests use it to prove a crash
    mid-import leaves the database and index unchanged.
    """
    options = options or ImportOptions()
    started = time.perf_counter()
    report = ImportReport(
        file=str(path),
        source=options.source or path.stem,
        dry_run=options.dry_run,
        enrich=options.enrich,
    )
    records = _read(path, options, report, current_app.extensions["taxonomy"], progress)
    if records is not None and options.strict and report.rejected:
        report.refused = f"--strict: {report.rejected} row(s) rejected, so nothing was imported"
    elif records is not None:
        _commit(records, options, report, fail_after)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _commit(
    records: list[ProviderRecord],
    options: ImportOptions,
    report: ImportReport,
    fail_after: int | None,
) -> None:
    """Write the records and their index changes; commit both, or neither."""
    staged = None
    try:
        touched = _write(records, report, options, fail_after)
        if options.directory and options.source_date:
            note_directory(options.source_date)
        version = bump_data_version()
        db.session.flush()
        if options.update_index and not options.dry_run:
            staged = stage_changes(touched, version)
        if options.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
            if staged is not None:
                staged.commit()
                staged = None
    except BaseException:
        db.session.rollback()
        if staged is not None:
            staged.cancel()
        raise


def _read(
    path: Path,
    options: ImportOptions,
    report: ImportReport,
    tax: Taxonomy,
    progress: Callable[[int], None] | None,
) -> list[ProviderRecord] | None:
    """Parse and validate every row, counting rejected and skipped ones.

    Return None when the file is refused.
    """
    records: list[ProviderRecord] = []
    last_line = 0
    parse_options = {
        "map": options.map_file,
        "add_codes": list(options.add_codes),
        "source_date": options.source_date,
        "service_detail": options.service_detail,
    }
    try:
        report.format, rows = importers.parse(path, options.fmt, parse_options)
        for raw in rows:
            report.rows += 1
            last_line = raw.line
            if progress:
                progress(1)
            if raw.skip:
                _count(report, raw.line, "skipped")
                report.problems.append(Problem(raw.line, "", raw.skip, "skipped"))
                continue
            record, problems = validate(raw, tax)
            report.problems += problems
            if record is None:
                _count(report, raw.line, "rejected")
                continue
            if options.enrich:
                record.role = "enrich"
            records.append(record)
        if not report.rows:  # with --replace, an empty list would retire the whole source
            raise ImportRefused(str(path), 1, "no records: the file has no data rows")
    except ImportRefused as e:
        report.refused = e.reason
        report.problems.insert(0, Problem(e.line, "", e.reason))
        return None
    except Exception as e:  # a reader choking on an odd shape refuses the file instead of crashing
        current_app.logger.exception("reading %s failed near line %s", path, last_line)
        report.refused = (
            f"could not read the file near line {max(last_line, 1)}: {type(e).__name__}: {e}"
        )
        report.problems.insert(0, Problem(max(last_line, 1), "", report.refused))
        return None
    report.warnings = sum(1 for p in report.problems if p.severity == "warning")
    return records


@dataclass
class _Plan:
    """What to do with one record: the provider it joins (an id, or the index of a new provider)."""

    record: ProviderRecord
    data: dict[str, Any]
    digest: str
    provider: int | None = None  # an existing provider's id
    new: int | None = None  # index into the providers this file adds


@dataclass
class _Pending:
    """A source record not yet in the database, as ``provenance`` reads records."""

    source: str
    source_date: str
    data: dict[str, Any]
    id: int  # order within the file: earlier records win ties, as earlier ids do
    status: str = "active"


@dataclass(frozen=True)
class _NewProvider:
    """A provider this import added in bulk, as the text index needs it."""

    id: int
    name: str
    name2: str
    aliases: str = ""
    codes: str = ""
    city: str = ""
    county: str = ""
    state: str = ""
    zip: str = ""
    status: str = "active"


def _linker() -> Linker:
    """Every active provider as linkage sees it."""
    linker = Linker()
    for pid, name, name2, street, zip_code, phones, lat, lon, precision, kind in db.session.execute(
        select(
            Provider.id,
            Provider.name,
            Provider.name2,
            Provider.street,
            Provider.zip,
            Provider.phones,
            Provider.latitude,
            Provider.longitude,
            Provider.geo_precision,
            Provider.kind,
        )
        .where(Provider.status == "active")
        .order_by(Provider.id)  # the same candidates in the same order on every database
    ):
        linker.add(
            pid,
            Site(
                name,
                name2,
                street,
                zip_code,
                tuple(p["number"] for p in phones or []),
                lat,
                lon,
                precision == "exact",
                kind,
            ),
        )
    return linker


def _count(report: ImportReport, line: int, outcome: str, public_id: str = "") -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)
    report.outcomes.append((line, outcome, public_id))


def _write(
    records: list[ProviderRecord],
    report: ImportReport,
    options: ImportOptions,
    fail_after: int | None,
) -> list[Any]:
    """Apply validated records; return the providers touched (ORM objects and ``_NewProvider``s).

    Every record is decided first without the ORM (updates of this source's records, links to listed
    providers, new providers); new providers are then inserted in bulk, and the few listed providers
    the file touches are loaded in one go and changed."""
    source = report.source
    existing = {
        s.record_key: s
        for s in db.session.scalars(
            select(ProviderSource)
            .where(ProviderSource.source == source)
            .options(selectinload(ProviderSource.provider).selectinload(Provider.sources))
        )
    }
    dirty: dict[int, Provider] = {}
    with db.session.no_autoflush:
        plans, new_count, seen = _decide(
            records, existing, report, options.enrich, fail_after, dirty
        )
        added = _insert_new([p for p in plans if p.new is not None], new_count, report, source)
        _attach(
            [p for p in plans if p.provider is not None],
            existing,
            report,
            source,
            options.enrich,
            dirty,
        )
    if options.replace:
        for key, src in existing.items():
            if key not in seen and src.status == "active":
                src.status = "retired"
                dirty[id(src.provider)] = src.provider
    for provider in dirty.values():
        was_active = provider.status == "active" and provider.id is not None
        derive(provider)
        if was_active and provider.status == "retired":
            report.retired += 1
    return [*dirty.values(), *added]


def _decide(
    records: list[ProviderRecord],
    existing: dict[str, ProviderSource],
    report: ImportReport,
    enrich: bool,
    fail_after: int | None,
    dirty: dict[int, Provider],
) -> tuple[list[_Plan], int, set[str]]:
    """Settle each record: unchanged, an update of its own earlier record, a link to a listed
    provider (or to a new one of this file), a new provider, or (enrichment) unmatched."""
    linker = _linker()
    # How many of the file's rows share each street address: a row alone at its address may be a
    # renamed listing (``Linker.find``).
    addresses = Counter((street_number(r.street), r.zip) for r in records)
    seen: dict[str, ProviderRecord] = {}
    plans: list[_Plan] = []
    new_count = 0
    for i, r in enumerate(records):
        if fail_after is not None and i >= fail_after:
            raise RuntimeError(f"injected failure after {fail_after} rows")
        data = r.data()
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        if r.record_key in seen:
            first = seen[r.record_key]
            if first.content_hash() != digest and not r.record_key.startswith("k:"):
                report.problems.append(
                    Problem(
                        r.line,
                        "id",
                        f"duplicate id {r.record_key!r}: line {first.line} "
                        "has the same id with other details",
                    )
                )
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
        handle, verdict = linker.find(site, alone=addresses[(site.number, site.zip)] == 1)
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
    return plans, new_count, set(seen)


def _insert_new(
    plans: list[_Plan], new_count: int, report: ImportReport, source: str
) -> list[_NewProvider]:
    """Insert the providers this file adds, and their records, in bulk (no ORM objects)."""
    if not plans:
        return []
    groups: list[list[_Plan]] = [[] for _ in range(new_count)]
    for plan in plans:
        groups[plan.new].append(plan)  # type: ignore[index]
    used_ids = set(db.session.scalars(select(Provider.public_id)))
    rows, now = [], utcnow()
    for group in groups:
        first = group[0].record
        pid = public_id(source, first.record_key)
        while pid in used_ids:
            pid = public_id(source, pid + first.record_key)
        used_ids.add(pid)
        fields = provider_fields(
            _Pending(source, p.record.source_date, p.data, i) for i, p in enumerate(group)
        )
        assert fields is not None  # a file's own rows are listings, never enrichment
        rows.append({**fields, "public_id": pid, "created_at": now, "updated_at": now})
    ids = (
        db.session.execute(
            insert(Provider).returning(Provider.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    sources = []
    for group, pk, row in zip(groups, ids, rows):
        for i, plan in enumerate(group):
            r = plan.record
            sources.append(
                {
                    "provider_id": pk,
                    "source": source,
                    "record_key": r.record_key,
                    "content_hash": plan.digest,
                    "data": plan.data,
                    "line": r.line,
                    "source_date": r.source_date,
                    "status": "active",
                    "imported_at": now,
                }
            )
            _count(report, r.line, "added" if i == 0 else "merged", row["public_id"])
    db.session.execute(insert(ProviderSource), sources)
    return [
        _NewProvider(
            pk,
            row["name"],
            row["name2"],
            row["aliases"],
            *(row.get(k) or "" for k in ("codes", "city", "county", "state", "zip")),
        )
        for pk, row in zip(ids, rows)
    ]


def _attach(
    plans: list[_Plan],
    existing: dict[str, ProviderSource],
    report: ImportReport,
    source: str,
    enrich: bool,
    dirty: dict[int, Provider],
) -> None:
    """Attach records to the listed providers they match."""
    wanted = sorted({p.provider for p in plans})  # type: ignore[type-var]
    providers: dict[int, Provider] = {}
    for chunk in range(0, len(wanted), 500):
        for provider in db.session.scalars(
            select(Provider)
            .where(Provider.id.in_(wanted[chunk : chunk + 500]))
            .options(selectinload(Provider.sources))
        ):
            providers[provider.id] = provider
    for plan in plans:
        r, provider = plan.record, providers[plan.provider]  # type: ignore[index]
        src = ProviderSource(
            source=source,
            record_key=r.record_key,
            content_hash=plan.digest,
            data=plan.data,
            line=r.line,
            source_date=r.source_date,
            status="active",
        )
        provider.sources.append(src)
        existing[r.record_key] = src
        dirty[id(provider)] = provider
        _count(report, r.line, "matched" if enrich else "merged", provider.public_id)


def _pid(src: ProviderSource | None) -> str:
    return src.provider.public_id if src is not None and src.provider is not None else ""
