"""N-SSATS National Directory CSV.

Columns: ``Name1..3, Address1..3, City, State, ZIP_Code, Contact, Keys, ID, …``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import csv_rows
from .record import RawRow

NAME = "nssats"
SERVICE_DETAIL = "full"  # Keys lists every service a facility reported


def sniff(path: Path, head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    return "Keys" in first and "Name1" in first


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    for line, row in csv_rows(path, required=("Name1", "Keys")):
        yield RawRow(
            line,
            {
                # "ID" is not unique in the directory (it repeats for facilities sharing a ZIP), so
                # records are keyed by their name and address instead.
                "name": row.get("Name1"),
                "name2": " ".join(filter(None, [row.get("Name2"), row.get("Name3")])),
                "street": row.get("Address1"),
                "street2": " ".join(filter(None, [row.get("Address2"), row.get("Address3")])),
                "city": row.get("City"),
                "state": row.get("State"),
                "zip": row.get("ZIP_Code"),
                "latitude": row.get("Latitude"),
                "longitude": row.get("Longitude"),
                "phones": [row.get("Contact")],
                "codes": (row.get("Keys") or "").split("/") + list(options.get("add_codes", [])),
                "source_date": options.get("source_date", ""),
            },
        )
