"""SAMHSA locator download CSV: ``name1 … type_facility`` then one lowercase flag column per service code."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from .files import csv_rows
from .record import RawRow, flag_codes, locator_fields

NAME = "samhsa-csv"
BASE = {"", "name1", "name2", "street1", "street2", "city", "state", "zip", "zip4", "county", "phone",
        "intake_prompt", "intake1", "intake2", "hotline1", "website", "latitude", "longitude", "type_facility", "frid"}
_CODE = re.compile(r"^[a-z][a-z0-9]{0,9}$")


def sniff(path: Path, head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    cols = [c.strip().strip('"') for c in first.split(",")]
    return "name1" in cols and ("street1" in cols or "latitude" in cols)


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    for line, row in csv_rows(path, required=("name1",)):
        codes = flag_codes(row, [c for c in row if c not in BASE and _CODE.match(c)])
        codes += [c.strip() for c in row.get("type_facility", "").split(",") if c.strip()]
        yield RawRow(line, locator_fields(row, codes, options))
