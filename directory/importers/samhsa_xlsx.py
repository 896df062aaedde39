"""SAMHSA locator download as SAMHSA serves it: an XLSX workbook.

Sheet 1 ("Facilities with service detail") is the download's table (as the CSV, see ``locator.py``);
sheet 2 ("service code reference") is SAMHSA's code dictionary, which ``read_code_reference`` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import is_workbook, xlsx_rows
from .locator import code_columns, locator_row
from .record import RawRow

NAME = "samhsa-xlsx"
DICTIONARY_COLUMNS = (
    "category_code",
    "category_name",
    "service_code",
    "service_name",
    "service_description",
    "sa_code",
    "mh_code",
    "both_code",
)


def sniff(path: Path, head: str) -> bool:
    return is_workbook(path)


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    columns: list[str] | None = None
    for line, row in xlsx_rows(path, 0, required=("name1", "type_facility")):
        if columns is None:
            columns = code_columns(list(row))
        fields, skip = locator_row(row, columns, options)
        yield RawRow(line, fields, skip)


def read_code_reference(path: Path) -> list[dict[str, str]]:
    """SAMHSA's code dictionary from the workbook's second sheet, names stripped of padding."""
    return [
        {k: " ".join(row.get(k, "").split()) for k in DICTIONARY_COLUMNS}
        for _, row in xlsx_rows(path, 1, required=("service_code", "service_name"))
    ]
