"""SAMHSA's national directories of treatment facilities (the N-SUMHSS directory layout).

Two forms, one row shape (``name1, name2, street1, street2, city, state, zip, phone, intake1,
intake2, intake1a, intake2a, service_code_info``):

- the yearly XLSX workbook (2022, 2023): sheet 1 "Facilities List" (headers lower- or capitalised),
  sheet 2 "Service Code Reference" (SAMHSA's code dictionary for that year);
- the 2024 CSV of both directories (may be gzip'd), with ``facility_id`` and ``directory_type``
  (``substance`` or ``mental``).

``service_code_info`` holds every code the facility reported, grouped by category with `` * ``
between groups (``SA DT SUMH * OP OD * …``), so every row is a full answer for its year. The rows
have no coordinates: validation places them by ZIP (see ``record._location``) and linkage gives
them the exact point of the listing they join. The files end with blank rows and a legend (the code
names and the codes as rows): those are reported as skipped, never imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import csv_rows, is_workbook, xlsx_rows
from .record import RawRow, locator_fields

NAME = "samhsa-directory"
SERVICE_DETAIL = "full"
CODES_COLUMN = "service_code_info"
KIND_CODES = {"substance": "SA", "mental": "MH"}  # what each directory says of all its rows
SKIP_BLANK = "a blank or legend row at the end of the directory (the code list), not a facility"
_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
# A phone keypad: SAMHSA prints some intake lines as words ("954-730PATH").
_KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


def sniff(path: Path, head: str) -> bool:
    if is_workbook(path):
        header = next(iter(_workbook_header(path)), None)
        return header is not None and CODES_COLUMN in header
    first = head.splitlines()[0].lower() if head else ""
    return CODES_COLUMN in first and "name1" in first


def _workbook_header(path: Path) -> list[list[str]]:
    """The first sheet's header, lower-cased ([] when unreadable: another format may take it)."""
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
        return [[str(c).strip().lower() for c in next(iter(rows), [])]]
    except Exception:  # noqa: BLE001 - an unreadable workbook is refused by the parser that takes it
        return []


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    rows = (
        xlsx_rows(path, 0, lowercase=True, required=("name1", CODES_COLUMN))
        if is_workbook(path)
        else csv_rows(path, required=("name1", CODES_COLUMN))
    )
    for line, row in rows:
        row = {k.lower(): v for k, v in row.items()}
        codes = directory_codes(row.get(CODES_COLUMN, ""))
        if not row.get("name1") or not codes:
            yield RawRow(line, {}, SKIP_BLANK)
            continue
        kind = KIND_CODES.get((row.get("directory_type") or "").strip().lower())
        # The locator's column names: its reader serves, with the directory's own id and phones.
        fields = locator_fields(row, codes + ([kind] if kind else []), options)
        fields.update(
            record_id=row.get("facility_id", ""), phones=[row.get("phone")] + intake_lines(row)
        )
        yield RawRow(line, fields)


def directory_codes(cell: str) -> list[str]:
    """The codes of a ``service_code_info`` cell ('SA DT * OP' → ['SA', 'DT', 'OP']); [] for the
    legend's rows of names."""
    words = (cell or "").replace("*", " ").split()
    codes = [w for w in words if _CODE.match(w)]
    return codes if codes and len(codes) == len(words) else []


def intake_lines(row: dict[str, str]) -> list[dict[str, str]]:
    """The intake numbers, labelled; a number printed in letters ('954-730PATH') as digits."""
    out = []
    for digits, words in (("intake1", "intake1a"), ("intake2", "intake2a")):
        value = (row.get(digits) or "").strip() or (row.get(words) or "").upper().translate(_KEYPAD)
        if value.strip():
            out.append({"value": value, "kind": "intake"})
    return out
