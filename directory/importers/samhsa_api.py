"""SAMHSA locator API JSON: ``{rows: [{frid, name1, …, services: [{f1, f2, f3: "a; b"}]}]}``.

f3 holds names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import json_records
from .record import RawRow, locator_fields, split_list

NAME = "samhsa-api"
SERVICE_DETAIL = "full"  # services[] lists every service a facility reports


def sniff(path: Path, head: str) -> bool:
    return head.lstrip().startswith("{") and '"rows"' in head and '"name1"' in head


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    for line, row in json_records(path, "rows", "SAMHSA locator API"):
        if row is None:
            yield RawRow(line, {"name": ""})
            continue
        names: list[str] = []
        for service in row.get("services") or []:
            if isinstance(service, dict):
                names += split_list(service.get("f3"), ";")
        fields = locator_fields(row, [row.get("typeFacility") or ""], options)
        yield RawRow(line, {**fields, "service_names": names})
