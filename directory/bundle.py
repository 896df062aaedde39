"""The bundled real data (``data/bundle.toml``).

It is what `make run` imports on an instance's first start.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .db import db
from .loader import OUTCOMES, ImportOptions, ImportReport, import_file
from .models import ProviderSource
from .search.upkeep import reindex


def manifest(data_dir: Path) -> list[dict[str, Any]]:
    """The bundle's files, in import order."""
    with (data_dir / "bundle.toml").open("rb") as f:
        return list(tomllib.load(f)["file"])


def options_for(entry: dict[str, Any], data_dir: Path) -> ImportOptions:
    """How one bundled file is imported (the text index is rebuilt once at the end)."""
    return ImportOptions(
        map_file=data_dir / entry["map"] if entry.get("map") else None,
        add_codes=tuple(entry.get("add_codes", ())),
        source_date=entry.get("source_date", ""),
        enrich=entry.get("enrich", False),
        directory=entry.get("directory", False),
        update_index=False,
    )


def missing_bundle_sources(data_dir: Path) -> list[str]:
    """The bundled files (by source name) this database has no records of."""
    have = set(db.session.scalars(select(ProviderSource.source).distinct()))
    return [Path(e["path"]).stem for e in manifest(data_dir) if Path(e["path"]).stem not in have]


def load_bundle(data_dir: Path, echo: Callable[[str], Any] = print) -> list[ImportReport]:
    """Import every file the bundle manifest lists (first run), then build the text index once."""
    reports = []
    for entry in manifest(data_dir):
        path = data_dir / entry["path"]
        report = import_file(path, options_for(entry, data_dir))
        counts = ", ".join(f"{getattr(report, k):,} {k}" for k in OUTCOMES if getattr(report, k))
        echo(f"  {path.name}: {report.rows:,} rows: {counts} ({report.seconds:.1f} s)")
        reports.append(report)
    echo(f"  indexed {reindex()} providers")
    return reports
