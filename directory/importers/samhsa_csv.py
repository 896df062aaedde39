"""SAMHSA locator download CSV: ``name1 … type_facility`` then a lowercase flag column per code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import csv_rows
from .locator import code_columns, locator_row
from .record import RawRow

NAME = "samhsa-csv"


def sniff(path: Path, head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    cols = [c.strip().strip('"') for c in first.split(",")]
    return "name1" in cols and ("street1" in cols or "latitude" in cols)


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    columns: list[str] | None = None
    for line, row in csv_rows(path, required=("name1",)):
        if columns is None:
            columns = code_columns(list(row))
        fields, skip = locator_row(row, columns, options)
        yield RawRow(line, fields, skip)
