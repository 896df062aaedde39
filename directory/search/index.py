"""The Whoosh full-text index: its schema, atomic rebuilds, and incremental updates.

Layout on disk (``INDEX_DIR``)::

    index/
      CURRENT          # name of the live generation folder, swapped with os.replace
      gen-000003/      # a whole Whoosh index
      gen-000004/      # the next one while a rebuild runs; older ones are removed after the swap

The index records the database ``data_version`` it reflects (a ``__meta__`` document written in the
same commit), so a stale or missing index is noticed and rebuilt.

Readers open the files without mmap: a segment file cut short under a mapped reader kills the whole
process with SIGBUS, where a plain read raises an error the search service can answer around.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from whoosh import index as windex
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.writing import IndexWriter

from ..models import Provider
from ..normalize import STATES
from ..taxonomy import Taxonomy

META_ID = "__meta__"
_WORD = re.compile(r"[\w']+")
REBUILD_PROCS = max(1, min(2, os.cpu_count() or 1))  # Whoosh's own multi-process writer for full rebuilds


def make_schema() -> Schema:
    stem = StemmingAnalyzer(cachesize=50000)
    return Schema(
        id=ID(stored=True, unique=True),  # provider primary key as text; "__meta__" for the version doc
        pk=NUMERIC(int, bits=64, sortable=True, signed=True),  # read as a column to map docnums to providers
        name=TEXT(analyzer=stem, field_boost=3.0),
        name2=TEXT(analyzer=stem, field_boost=2.0),
        services=TEXT(analyzer=stem),  # code names, option labels and keys
        codes=KEYWORD(lowercase=True),
        place=TEXT(analyzer=stem, field_boost=0.5),  # city, county, state name, ZIP
        version=NUMERIC(int, bits=64, stored=True),
    )


def document(p: Provider, tax: Taxonomy) -> dict[str, Any]:
    """Return the index document of one provider."""
    codes = p.code_set
    return {
        "id": str(p.id), "pk": p.id, "name": p.name, "name2": p.name2, "services": services_text(codes, tax),
        "codes": " ".join(sorted(codes)).lower(),
        "place": " ".join(filter(None, [p.city, p.county, STATES.get(p.state, ""), p.state, p.zip])),
    }


def services_text(codes: frozenset[str] | set[str], tax: Taxonomy) -> str:
    """The words of a provider's service names and filter labels, each once: matching and scoring look
    only at whether a field has a word, so repeats would only cost indexing time."""
    labels = [tax.code_label(c) for c in sorted(codes)]
    for opts in tax.tags(codes).values():
        labels += [f"{o.label} {o.key.replace('-', ' ')}" for o in opts]
    return " ".join(dict.fromkeys(_WORD.findall(" ".join(labels).lower())))


@dataclass
class IndexStatus:
    present: bool
    version: int | None
    documents: int
    generation: str


def open_for_reading(path: Path) -> Index:
    """Open one generation for searching, reading files rather than mapping them (see above)."""
    return FileStorage(str(path), supports_mmap=False).open_index()


class SearchIndex:
    """The live index of one folder, shared by the threads of a process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._gen: str | None = None
        self._ix: Any = None
        self._searcher: Any = None
        self._checked = 0.0

    # -- reading -------------------------------------------------------------------------------
    def current_generation(self) -> str | None:
        try:
            name = (self.folder / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name if (self.folder / name).is_dir() else None

    def searcher(self) -> Any:
        """Return an up-to-date searcher (shared; do not close it). Raises FileNotFoundError if none."""
        with self._lock:
            gen = self.current_generation()
            if gen is None:
                raise FileNotFoundError(f"no search index in {self.folder}")
            if gen != self._gen:
                old = self._searcher
                self._ix = open_for_reading(self.folder / gen)
                self._searcher = self._ix.searcher()
                self._gen = gen
                if old is not None:
                    old.close()
            elif time.monotonic() - self._checked > 0.5:
                # Readers pick up commits made by other processes (imports) without a restart.
                fresh = self._searcher.refresh()
                if fresh is not self._searcher:
                    self._searcher = fresh
                self._checked = time.monotonic()
            return self._searcher

    def status(self) -> IndexStatus:
        gen = self.current_generation()
        if gen is None:
            return IndexStatus(False, None, 0, "")
        try:
            ix = open_for_reading(self.folder / gen)
            with ix.searcher() as s:
                meta = s.document(id=META_ID)
                return IndexStatus(True, meta["version"] if meta else None, s.doc_count() - (1 if meta else 0), gen)
        except Exception:  # a corrupt index is reported, not raised: the app rebuilds it
            return IndexStatus(False, None, 0, gen)

    # -- writing -------------------------------------------------------------------------------
    def writer(self) -> IndexWriter:
        """Open a writer on the live index (create one first if there is none)."""
        gen = self.current_generation()
        if gen is None:
            self.rebuild([], 0, None)
            gen = self.current_generation()
        ix = windex.open_dir(str(self.folder / gen))
        return ix.writer(timeout=60.0, limitmb=256)

    def rebuild(self, providers: Iterable[Provider], version: int, tax: Taxonomy | None) -> int:
        """Build a complete index aside, then swap it in atomically; return the documents written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{time.time_ns():020d}-{os.getpid()}"
        path = self.folder / gen
        path.mkdir()
        ix = windex.create_in(str(path), make_schema())
        w = ix.writer(limitmb=128, procs=REBUILD_PROCS, multisegment=REBUILD_PROCS > 1)
        count = 0
        for p in providers:
            w.add_document(**document(p, tax))  # type: ignore[arg-type]
            count += 1
        w.add_document(id=META_ID, version=version)
        w.commit()
        tmp = self.folder / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(gen)
        os.replace(tmp, self.folder / "CURRENT")
        self._remove_old(keep={gen})
        return count

    def _remove_old(self, keep: set[str]) -> None:
        # Keep the previous generation too: a searcher in another process may still be reading it.
        gens = sorted(p for p in self.folder.glob("gen-*") if p.is_dir())
        for old in gens[:-2]:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def apply_changes(writer: IndexWriter, changed: Iterable[Provider], version: int, tax: Taxonomy) -> None:
    """Stage provider changes (retired ones leave the index) and the new version in an open writer."""
    for p in changed:
        if p.status == "active":
            writer.update_document(**document(p, tax))
        else:
            writer.delete_by_term("id", str(p.id))
    writer.update_document(id=META_ID, version=version)


def iter_active(batch: int = 2000) -> Iterator[Provider]:
    """Yield every active provider, in primary-key order, a batch at a time."""
    from sqlalchemy import select

    from ..db import db

    last = 0
    while True:
        rows = db.session.scalars(
            select(Provider).where(Provider.status == "active", Provider.id > last).order_by(Provider.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        db.session.expunge_all()
