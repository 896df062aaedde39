"""Any CSV, or JSON list of objects, with a mapping file that says which column is which.

The mapping is TOML (see ``data/maps/``)::

    records = ""                 # for JSON: the member holding the list ("" = the top level)
    source_date = "2025"
    add_codes = ["SA"]           # codes every row of the file has
    service_detail = "full"      # the file lists every service a place reports (default "partial")
    [columns]                    # our field = the file's column (a list: several columns, in order)
    name = "name"
    phones = ["phone"]
    service_names = ["all_services"]
    [split]                      # how list cells are joined
    service_names = ";"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ImportRefused
from .files import csv_rows, json_items, load_json
from .record import RAW_FIELDS, RawRow, split_list

NAME = "mapped"
LIST_FIELDS = {"phones", "codes", "service_names", "tag_words"}


def sniff(path: Path, head: str) -> bool:
    return False  # only used when a --map file is given


def load_map(map_path: Path) -> dict[str, Any]:
    """Read and check a mapping file."""
    try:
        with map_path.open("rb") as f:
            spec = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ImportRefused(str(map_path), 1, f"unreadable mapping file: {e}") from None
    columns = spec.get("columns")
    if not isinstance(columns, dict) or "name" not in columns:
        raise ImportRefused(
            str(map_path), 1, "the mapping needs a [columns] table with at least 'name'"
        )
    unknown = sorted(set(columns) - set(RAW_FIELDS))
    if unknown:
        raise ImportRefused(
            str(map_path),
            1,
            f"unknown field(s) in [columns]: {', '.join(unknown)}; known: {', '.join(RAW_FIELDS)}",
        )
    return spec


def _records(path: Path, spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() == ".json":
        doc = load_json(path)
        key = spec.get("records", "")
        items = doc.get(key) if key and isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise ImportRefused(
                str(path), 1, f"expected a JSON list{' at ' + repr(key) if key else ''}"
            )
        for line, item in json_items(path, items, key=key):
            yield line, item if isinstance(item, dict) else {}
    else:
        wanted = {
            c
            for theirs in spec["columns"].values()
            for c in (theirs if isinstance(theirs, list) else [theirs])
        }
        for i, (line, row) in enumerate(csv_rows(path)):
            missing = sorted(str(c) for c in wanted if c not in row)
            if i == 0 and missing:  # a typo in the mapping would otherwise reject every row
                raise ImportRefused(
                    str(path),
                    1,
                    f"the mapping names column(s) the file lacks: {', '.join(missing)}",
                )
            yield line, row


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    spec = load_map(Path(options["map"]))
    columns: dict[str, Any] = spec["columns"]
    splits: dict[str, str] = spec.get("split", {})
    for line, row in _records(path, spec):
        fields: dict[str, Any] = {}
        for ours, theirs in columns.items():
            cols = theirs if isinstance(theirs, list) else [theirs]
            if ours in LIST_FIELDS:
                fields[ours] = [
                    v for c in cols for v in split_list(row.get(c), splits.get(ours, ";"))
                ]
            else:
                fields[ours] = " ".join(str(row[c]) for c in cols if row.get(c) not in (None, ""))
        fields["codes"] = (
            fields.get("codes", [])
            + list(spec.get("add_codes", []))
            + list(options.get("add_codes", []))
        )
        fields.setdefault("source_date", spec.get("source_date", options.get("source_date", "")))
        if "service_detail" in spec:
            fields.setdefault("service_detail", spec["service_detail"])
        yield RawRow(line, fields)
