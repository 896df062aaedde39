"""One immutable snapshot of everything search needs, per data version: the only cache on its path.

A snapshot holds the catalog (coordinates, tags), the listing of every active provider, the text
fields and the text index's lookup, the spelling vocabulary and the HSDS id map. It is built in one
go when the database's ``data_version`` (or the text index's generation) moves, and swapped in
whole: a request keeps the snapshot it started with. While the database is unreachable, the last
snapshot keeps answering searches, marked ``offline``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..errors import DatabaseUnavailable
from ..listing import Listing, make_listing
from ..models import Provider, ProviderSource, data_version, directory_date
from ..taxonomy import Taxonomy
from .catalog import Catalog, build_catalog
from .fields import grouped_fields
from .matching import TextSearch
from .text import Synonyms, load_synonyms, words_of
from .textindex import IndexUnavailable, TextIndex

CHECK_SECONDS = 1.0  # how often a process asks the database whether the data moved
SERVICE_WORD_WEIGHT = 50  # service words count as this many names when choosing a spelling fix

COLUMNS = (
    Provider.id,
    Provider.public_id,
    Provider.name,
    Provider.name2,
    Provider.street,
    Provider.street2,
    Provider.city,
    Provider.state,
    Provider.zip,
    Provider.county,
    Provider.latitude,
    Provider.longitude,
    Provider.geo_precision,
    Provider.phones,
    Provider.website,
    Provider.codes,
    Provider.status,
    Provider.updated_at,
    Provider.kind,
    Provider.aliases,
    Provider.last_listed,
)


@dataclass(frozen=True)
class Snapshot:
    version: int
    generation: str  # the text index generation it read
    catalog: Catalog
    listings: tuple[Listing, ...]  # by catalog row
    text: TextSearch
    index_problem: str  # why the text index could not be read ('' when it was)
    _lazy: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def lazily(self, key: str, make: Callable[[Snapshot], Any]) -> Any:
        """A value derived from this snapshot, made on first use and kept with it (e.g. the HSDS
        ids)."""
        with self._lock:
            if key not in self._lazy:
                self._lazy[key] = make(self)
            return self._lazy[key]


def build_snapshot(tax: Taxonomy, index: TextIndex, synonyms: Synonyms) -> Snapshot:
    """Read every active provider and the text index once."""
    version = data_version()
    generation = index.generation()
    rows = db.session.execute(
        select(*COLUMNS).where(Provider.status == "active").order_by(Provider.id)
    ).all()
    as_of = dict(
        db.session.execute(
            select(ProviderSource.provider_id, func.max(ProviderSource.source_date))
            .where(ProviderSource.status == "active")
            .group_by(ProviderSource.provider_id)
        ).all()
    )
    directory = directory_date()
    listings = tuple(make_listing(r, tax, as_of.get(r.id) or "", directory) for r in rows)
    catalog = build_catalog(rows, tax, [bool(x.dropped_from) for x in listings])
    fields = grouped_fields(
        [r.codes for r in rows], [(r.city, r.county, r.state, r.zip) for r in rows], tax
    )
    problem = ""
    try:
        names = index.open(catalog.pks, catalog.words)
    except IndexUnavailable as e:
        names, problem = None, str(e) or "unavailable"
    text = TextSearch(
        names,
        fields,
        len(rows),
        synonyms,
        _service_words(tax),
        [f"{r.name} {r.name2} {r.aliases}".lower() for r in rows],
    )
    return Snapshot(version, generation, catalog, listings, text, problem)


def _service_words(tax: Taxonomy) -> dict[str, int]:
    words: dict[str, int] = {}
    for label in list(tax.code_names.values()) + [o.label for o in tax.options]:
        for w in words_of(label):
            if len(w) > 3 and w.isalpha():
                words[w] = words.get(w, 0) + SERVICE_WORD_WEIGHT
    return words


class SnapshotHolder:
    """One process's current snapshot; checks the data version at most every ``CHECK_SECONDS``."""

    def __init__(self, tax: Taxonomy, index: TextIndex, synonyms: Synonyms) -> None:
        self.tax, self.index, self.synonyms = tax, index, synonyms
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.offline = False  # the last check could not reach the database

    def get(self) -> Snapshot:
        snap = self._snapshot
        generation = self.index.generation()  # a file read at most: a rebuilt index shows at once
        if (
            snap is not None
            and snap.generation == generation
            and time.monotonic() - self._checked < CHECK_SECONDS
        ):
            return snap
        try:
            version = data_version()
        except SQLAlchemyError:
            db.session.rollback()
            self.offline = True
            self._checked = time.monotonic()
            if snap is None:
                raise DatabaseUnavailable("the database cannot be reached") from None
            return snap
        self.offline = False
        if snap is None or (snap.version, snap.generation) != (version, generation):
            with self._lock:
                snap = self._snapshot
                if snap is None or (snap.version, snap.generation) != (
                    data_version(),
                    self.index.generation(),
                ):
                    snap = self._snapshot = build_snapshot(self.tax, self.index, self.synonyms)
        self._checked = time.monotonic()
        return snap


def snapshot() -> Snapshot:
    """The current snapshot of this process."""
    return current_app.extensions["snapshots"].get()  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    tax = app.extensions["taxonomy"]
    app.extensions["snapshots"] = SnapshotHolder(
        tax, app.extensions["text_index"], load_synonyms(Path(app.config["DATA_DIR"]))
    )
