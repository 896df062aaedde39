"""Export active providers: the project's simple CSV (re-importable) or an HSDS 3.0 package."""

from __future__ import annotations

import csv
from pathlib import Path

from flask import current_app

from .importers.simple_csv import COLUMNS
from .models import iter_active
from .normalize import looks_like_formula, phone_text


def _cell(value: str) -> str:
    # A leading quote keeps spreadsheets from running a value as a formula.
    return "'" + value if value and looks_like_formula(value) else value


def export_csv(out: Path) -> int:
    """Write every active provider in the simple CSV the importer reads back; return the count."""
    n = 0
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*COLUMNS, "updated"])  # the importer's own columns, and when we last changed it
        for p in iter_active():
            phones = "; ".join(phone_text(ph) for ph in p.phones)
            w.writerow(
                [
                    p.public_id,
                    *(_cell(v) for v in (p.name, p.name2, p.street, p.street2, p.city)),
                    p.state,
                    p.zip,
                    p.latitude,
                    p.longitude,
                    phones,
                    p.website,
                    "; ".join(sorted(p.code_set)),
                    p.updated_at.date().isoformat(),
                ]
            )
            n += 1
    return n


def export_hsds(out: Path) -> int:
    """Write an HSDS 3.0 package (JSON records and CSV tables) to the folder ``out``."""
    from .hsds import write_package

    return write_package(out, tax=current_app.extensions["taxonomy"])
