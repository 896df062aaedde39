"""The project's own simple CSV; tags as words or codes.

See ``data/templates/providers-template.csv``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import csv_rows
from .record import RawRow, split_list

NAME = "csv"
COLUMNS = (
    "id",
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "phone",
    "website",
    "tags",
)


def sniff(path: Path, head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    cols = {c.strip().strip('"').lower() for c in first.split(",")}
    return "name" in cols and "tags" in cols


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    for line, row in csv_rows(path, required=("name",)):
        row = {k.lower(): v for k, v in row.items()}
        yield RawRow(
            line,
            {
                "record_id": row.get("id", ""),
                "name": row.get("name"),
                "name2": row.get("name2"),
                "street": row.get("street"),
                "street2": row.get("street2"),
                "city": row.get("city"),
                "state": row.get("state"),
                "zip": row.get("zip"),
                "latitude": row.get("latitude"),
                "longitude": row.get("longitude"),
                "phones": split_list(row.get("phone"), ";"),
                "website": row.get("website"),
                "codes": list(options.get("add_codes", [])),
                "tag_words": split_list(row.get("tags"), ";"),
                "source_date": row.get("updated") or options.get("source_date", ""),
            },
        )
