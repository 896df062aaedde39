"""SAMHSA locator API JSON: ``{rows: [{frid, name1, …, services: [{f1, f2, f3: "a; b"}]}]}``; f3 holds names."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..errors import ImportRefused
from .files import json_items, load_json
from .record import RawRow, split_list

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
        yield RawRow(line, {
            "record_id": row.get("frid", ""),
            "name": row.get("name1"), "name2": row.get("name2"),
            "street": row.get("street1"), "street2": row.get("street2"),
            "city": row.get("city"), "state": row.get("state"), "zip": row.get("zip"), "county": row.get("county"),
            "latitude": row.get("latitude"), "longitude": row.get("longitude"),
            "phones": [row.get("phone"), row.get("intake1"), row.get("hotline1")],
            "website": row.get("website"),
            "codes": [row.get("typeFacility") or ""] + list(options.get("add_codes", [])),
            "service_names": names, "source_date": options.get("source_date", ""),
        })
