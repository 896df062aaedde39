"""SAMHSA locator API JSON: ``{rows: [{frid, name1, …, services: [{f1, f2, f3: "a; b"}]}]}``; f3 holds names."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..errors import ImportRefused
from .files import json_items, load_json
from .record import RawRow, locator_fields, split_list

NAME = "samhsa-api"


def sniff(path: Path, head: str) -> bool:
    return head.lstrip().startswith("{") and '"rows"' in head and '"name1"' in head


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    doc = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise ImportRefused(str(path), 1, "expected an object with a 'rows' list (SAMHSA locator API)")
    for line, row in json_items(path, doc["rows"], key="rows"):
        if not isinstance(row, dict):
            yield RawRow(line, {"name": ""})
            continue
        names: list[str] = []
        for service in row.get("services") or []:
            if isinstance(service, dict):
                names += split_list(service.get("f3"), ";")
        fields = locator_fields(row, [row.get("typeFacility") or ""], options)
        # The API lists every service a facility reports: full detail.
        yield RawRow(line, {**fields, "service_names": names,
                            "service_detail": options.get("service_detail") or "full"})
