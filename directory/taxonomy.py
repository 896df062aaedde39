"""The treatment taxonomy: SAMHSA service codes mapped to the plain-language filters people use.

``data/taxonomy.toml`` holds the groups and options with the codes that mean each. SAMHSA's
dictionaries (the 2023 download's ``service-code-reference-2023.csv`` first, then
``service-codes.csv``) and ``data/service-codes-extra.csv`` give every code a name and let files
that carry service *names* be turned back into codes; the first dictionary to name a code or a
service name wins.
"""

from __future__ import annotations

import csv
import gzip
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .normalize import text


@dataclass(frozen=True)
class Option:
    group: str
    key: str
    label: str
    description: str
    codes: frozenset[str]

    @property
    def own_code(self) -> str:
        """The project-local code that means this option and nothing else (a tag word such as
        'inpatient' in the simple CSV stands for it)."""
        return option_code(self.group, self.key)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    description: str
    options: tuple[Option, ...]
    note: str = ""  # a sentence the filters show under the group (how its options differ)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass
class Taxonomy:
    groups: tuple[Group, ...]
    code_names: dict[str, str] = field(default_factory=dict)  # code -> service name
    code_categories: dict[str, str] = field(default_factory=dict)  # code -> category name
    name_codes: dict[str, str] = field(default_factory=dict)  # folded service name -> code
    _tags_cache: dict[frozenset[str], dict[str, list[Option]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: str, make: Callable[[Taxonomy], Any]) -> Any:
        """A value computed from this taxonomy, made once and kept with it (e.g. the HSDS terms)."""
        if key not in self._derived:
            self._derived[key] = make(self)
        return self._derived[key]

    @property
    def options(self) -> list[Option]:
        """Every option of every group, in a fixed order (the columns of the search catalog)."""
        return [o for g in self.groups for o in g.options]

    def column(self, group: str, key: str) -> int:
        """The column of an option in the search catalog's tag matrix (``options`` order)."""
        return next(j for j, o in enumerate(self.options) if (o.group, o.key) == (group, key))

    def group_columns(self, key: str) -> slice:
        """The tag-matrix columns of one group's options."""
        start = 0
        for g in self.groups:
            if g.key == key:
                return slice(start, start + len(g.options))
            start += len(g.options)
        return slice(0, 0)

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    def tags(self, codes: set[str] | frozenset[str]) -> dict[str, list[Option]]:
        """Return the options a provider with these codes has, by group key (groups with none left
        out)."""
        key = frozenset(codes)
        cached = self._tags_cache.get(key)
        if cached is None:
            cached = self._tags(key)
            if len(self._tags_cache) < 50_000:  # many providers share a code set
                self._tags_cache[key] = cached
        return cached

    def _tags(self, codes: frozenset[str]) -> dict[str, list[Option]]:
        found: dict[str, list[Option]] = {}
        for g in self.groups:
            hits = [o for o in g.options if o.codes & codes]
            if hits:
                found[g.key] = hits
        return found

    def code_for_name(self, name: str) -> str | None:
        """Map a service name as files spell it ('Detoxification '), a code, or an option's key or
        label, to a code."""
        folded = fold(name)
        if folded in self.name_codes:
            return self.name_codes[folded]
        if folded.upper() in self.code_names:
            return folded.upper()
        return self._option_code(folded)

    def code_for_tag(self, word: str) -> str | None:
        """Map a tag word of the simple CSV to a code: a known code written in capitals ('OTP', as
        exports write them) is that code; otherwise an option's key or label comes first
        ('inpatient' means the Inpatient option and nothing more), then service names."""
        tag = text(word)
        if tag.isupper() and tag in self.code_names:
            return tag
        return self._option_code(fold(word)) or self.code_for_name(word)

    def _option_code(self, folded: str) -> str | None:
        for o in self.options:
            if folded in (o.key, o.key.replace("-", " "), o.label.lower()):
                return o.own_code
        return None

    def code_label(self, code: str) -> str:
        return self.code_names.get(code, code)


def option_code(group: str, key: str) -> str:
    """``X_TYPE_INPATIENT`` for the option ``type=inpatient``."""
    return f"X_{group}_{key}".upper().replace("-", "_")


def fold(name: str) -> str:
    return " ".join(text(name).lower().split())


def _read_dictionary(path: Path, tax: Taxonomy) -> None:
    # utf-8-sig drops the BOM the SAMHSA file starts with; headers are padded with spaces.
    opened = (
        gzip.open(path, "rt", encoding="utf-8-sig", newline="")
        if path.suffix == ".gz"
        else (path.open(encoding="utf-8-sig", newline=""))
    )
    with opened as f:
        for row in csv.DictReader(f):
            row = {k.strip(): (v or "") for k, v in row.items() if k}
            # SAMHSA's dictionaries name their columns service_code/service_name; the 2015 N-SSATS
            # legend has code/meaning.
            code = (row.get("service_code") or row.get("code") or "").strip().upper()
            name = text(row.get("service_name") or row.get("meaning") or row.get("label"))
            if not code:
                continue
            tax.code_names.setdefault(code, name or code)
            # The first dictionary to name a category wins (the 2024 definitions name none).
            if not tax.code_categories.get(code):
                tax.code_categories[code] = text(row.get("category_name"))
            if name:
                tax.name_codes.setdefault(fold(name), code)


DICTIONARIES = (
    "samhsa/service-code-reference-2023.csv",
    # The national directories' own dictionaries (2023 and 2022 workbooks' second sheets, the 2024
    # directory's definitions) name the codes those directories added (AUINPE, MWS, PEOFF, …).
    "samhsa/directory-service-codes-2023.csv",
    "samhsa/directory-service-codes-2022.csv",
    "samhsa/nsumhss-2024-service-definitions.csv.gz",
    "samhsa/service-codes.csv",
    "service-codes-extra.csv",
    "samhsa/nssats-2015-keys.csv",
)


def load_taxonomy(data_dir: Path) -> Taxonomy:
    """Read the taxonomy and code dictionaries from ``data_dir``."""
    with (data_dir / "taxonomy.toml").open("rb") as f:
        raw = tomllib.load(f)
    groups = tuple(
        Group(
            key=g["key"],
            label=g["label"],
            description=g.get("description", ""),
            options=tuple(
                Option(
                    g["key"],
                    o["key"],
                    o["label"],
                    o.get("description", ""),
                    frozenset([*(c.upper() for c in o["codes"]), option_code(g["key"], o["key"])]),
                )
                for o in g.get("option", [])
            ),
            note=g.get("note", ""),
        )
        for g in raw["group"]
    )
    tax = Taxonomy(groups=groups)
    for path in DICTIONARIES:
        if (data_dir / path).exists():
            _read_dictionary(data_dir / path, tax)
    for o in tax.options:
        tax.code_names.setdefault(o.own_code, o.label)
    return tax
