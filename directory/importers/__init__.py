"""A registry of small parsers, one per source format, all yielding the same raw rows.

Each format module defines ``NAME``, ``sniff(path, head) -> bool`` (is this file mine?) and
``parse(path, options) -> Iterator[RawRow]``, and may say ``SERVICE_DETAIL = "full"`` when its rows
list every service a place reports (the default is "partial"; a parser may set it per row, and the
``service_detail`` option overrides both). Adding a format is one new module listed in ``FORMATS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import ImportRefused
from . import (
    ca_dhcs,
    hsds,
    mapped,
    nssats,
    samhsa_api,
    samhsa_csv,
    samhsa_directory,
    samhsa_xlsx,
    simple_csv,
)
from .files import is_workbook, sniff_text
from .record import RawRow

# Order matters for auto-detection: the most specific shapes first.
FORMATS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        nssats,
        samhsa_directory,
        samhsa_xlsx,
        samhsa_csv,
        samhsa_api,
        ca_dhcs,
        hsds,
        simple_csv,
        mapped,
    )
}


def detect(path: Path) -> str:
    """Name the format of ``path`` from its header or shape, or refuse it."""
    head = "" if path.is_dir() or is_workbook(path) else sniff_text(path)
    for name, module in FORMATS.items():
        if module.sniff(path, head):
            return name
    first = head.splitlines()[0] if head else ""
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if sep in first and "," not in first:
            raise ImportRefused(
                str(path),
                1,
                f"the header has one column: the file looks separated by {name}, "
                "not commas; save it as comma-separated CSV",
            )
    raise ImportRefused(
        str(path),
        1,
        "unknown format: not a SAMHSA, N-SSATS, California DHCS, HSDS or project CSV; "
        "give --format, or --map for other layouts",
    )


def parse(
    path: Path, fmt: str = "auto", options: dict[str, Any] | None = None
) -> tuple[str, Iterator[RawRow]]:
    """Return the format used and the raw rows of ``path``."""
    options = options or {}
    if options.get("map"):
        fmt = "mapped"
    if fmt == "auto":
        fmt = detect(path)
    if fmt not in FORMATS:
        raise ImportRefused(
            str(path), 0, f"unknown format {fmt!r}; choose one of: auto, {', '.join(FORMATS)}"
        )
    if not path.is_dir() and not is_workbook(path):
        sniff_text(path)  # refuse empty, binary and non-UTF-8 files with a clear reason
    return fmt, _with_detail(
        FORMATS[fmt], FORMATS[fmt].parse(path, options), options.get("service_detail") or ""
    )


def _with_detail(module: ModuleType, rows: Iterator[RawRow], override: str) -> Iterator[RawRow]:
    """Say on every row how complete its service list is: the option, else the row's own
    word, else the format's."""
    default = getattr(module, "SERVICE_DETAIL", "partial")
    for raw in rows:
        if override:
            raw.fields["service_detail"] = override
        else:
            raw.fields.setdefault("service_detail", default)
        yield raw
