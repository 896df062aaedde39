"""The Whoosh text index: providers' names on local disk, rebuilt aside and swapped atomically.

Layout on disk (``INDEX_DIR``)::

    index/
      CURRENT          # name of the live generation folder, swapped with os.replace
      gen-000003/      # a whole Whoosh index
      gen-000004/      # the next one while a rebuild runs; older ones are removed after the swap

The index records the database ``data_version`` it reflects (a ``__meta__`` document written in the
same commit), so a stale or missing index is noticed and rebuilt. A snapshot reads every name's
postings once, through Whoosh's public reader API inside a ``with`` block, and keeps them in memory:
no reader stays open, so nothing is refreshed, leaked or read from a file cut short later. Files are
read without mmap: a segment cut short under a mapped reader would kill the process with SIGBUS.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import index as windex
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.writing import IndexWriter

from .fields import EMPTY, NAME_FIELDS, Postings, holds
from .text import ANALYZER, Alternative
from .textindex import IndexStatus, IndexUnavailable, NameDoc

META_ID = "__meta__"
NO_PK = np.iinfo(np.int64).max  # what the pk column reads for a document without one
REBUILD_PROCS = max(
    1, min(2, os.cpu_count() or 1)
)  # Whoosh's own multi-process writer for full rebuilds


def make_schema() -> Schema:
    return Schema(
        id=ID(unique=True),  # provider primary key as text; "__meta__" for the version document
        pk=NUMERIC(
            int, bits=64, sortable=True, signed=True
        ),  # a column: document number -> provider
        name=TEXT(analyzer=ANALYZER, phrase=False),
        name2=TEXT(analyzer=ANALYZER, phrase=False),
        version=NUMERIC(int, bits=64, stored=True),
    )


def _document(doc: NameDoc) -> dict[str, object]:
    return {"id": str(doc.id), "pk": doc.id, "name": doc.name, "name2": doc.name2}


class _Storage(FileStorage):  # type: ignore[misc]
    """A file storage that remembers the files it opens, so that a read failing half-way (a garbled
    table of contents or segment) still closes every one of them."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), supports_mmap=False)  # read files; never map them (see above)
        self.opened: list[Any] = []

    def open_file(self, name: str, **kwargs: Any) -> Any:
        f = super().open_file(name, **kwargs)
        self.opened.append(f)
        return f

    def close_all(self) -> None:
        for f in self.opened:
            if not f.is_closed:
                f.close()
        self.opened.clear()


@contextmanager
def open_for_reading(path: Path) -> Iterator[Index]:
    """One generation, open for the ``with`` block only: every file it opened is closed after it."""
    storage = _Storage(path)
    try:
        yield storage.open_index()
    finally:
        storage.close_all()


class WhooshStage:
    """An open writer holding an import's changes until the database commits."""

    def __init__(self, writer: IndexWriter) -> None:
        self.writer = writer

    def commit(self) -> None:
        self.writer.commit()

    def cancel(self) -> None:
        self.writer.cancel()


class WhooshIndex:
    name = "whoosh"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._current = str(folder / "CURRENT")
        self._read: tuple[tuple[int, int, int], str] | None = None  # (CURRENT's stat, its name)

    def generation(self) -> str:
        """The live generation's name ('' when there is none). Asked on every search: CURRENT is
        read again only when its file changed (``os.replace`` makes a new one), and the folder it
        names is checked to be there."""
        try:
            st = os.stat(self._current)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            read = self._read
            if read is None or read[0] != key:
                read = self._read = (key, (self.folder / "CURRENT").read_text().strip())
        except (FileNotFoundError, NotADirectoryError):
            return ""
        name = read[1]
        return name if name and os.path.isdir(os.path.join(self.folder, name)) else ""

    def status(self) -> IndexStatus:
        gen = self.generation()
        if not gen:
            return IndexStatus(False, None, 0, "")
        try:
            with open_for_reading(self.folder / gen) as ix, ix.searcher() as s:
                meta = s.document(id=META_ID)
                docs = s.doc_count() - (1 if meta else 0)
                return IndexStatus(True, meta["version"] if meta else None, docs, gen)
        except Exception:  # a corrupt index is reported, not raised: the app rebuilds it
            return IndexStatus(False, None, 0, gen)

    def document_ids(self) -> set[int]:
        """The provider ids the index holds (for fault drills and checks)."""
        gen = self.generation()
        if not gen:
            return set()
        with open_for_reading(self.folder / gen) as ix, ix.searcher() as s:
            reader = s.reader()
            return {
                int(pk)
                for d, pk in enumerate(_doc_pks(reader))
                if pk >= 0 and not reader.is_deleted(d)
            }

    def open(self, pks: np.ndarray, vocabulary: dict[str, int]) -> MemoryNames:
        gen = self.generation()
        if not gen:
            raise IndexUnavailable(f"no search index in {self.folder}")
        try:
            with open_for_reading(self.folder / gen) as ix:
                return MemoryNames(_read_postings(ix, pks), vocabulary)
        except Exception as e:  # missing or garbled files: search around it, /healthz reports it
            raise IndexUnavailable(f"{type(e).__name__}: {e}") from e

    def rebuild(self, docs: Iterable[NameDoc], version: int) -> int:
        """Build a complete index aside, then swap it in atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{time.time_ns():020d}-{os.getpid()}"
        path = self.folder / gen
        path.mkdir()
        ix = windex.create_in(str(path), make_schema())
        w = ix.writer(
            limitmb=128, procs=REBUILD_PROCS, multisegment=REBUILD_PROCS > 1, compound=False
        )
        count = 0
        try:
            for doc in docs:
                w.add_document(**_document(doc))
                count += 1
            w.add_document(id=META_ID, version=version)
        except BaseException:
            w.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        w.commit()
        tmp = self.folder / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(gen)
        os.replace(tmp, self.folder / "CURRENT")
        self._remove_old(keep=gen)
        return count

    def stage(self, docs: Iterable[NameDoc], removed: Iterable[int], version: int) -> WhooshStage:
        gen = self.generation()
        if not gen:
            self.rebuild([], 0)
            gen = self.generation()
        writer = windex.open_dir(str(self.folder / gen)).writer(
            timeout=60.0, limitmb=256, compound=False
        )
        try:
            for doc in docs:
                writer.update_document(**_document(doc))
            for pk in removed:
                writer.delete_by_term("id", str(pk))
            writer.update_document(id=META_ID, version=version)
        except BaseException:
            writer.cancel()
            raise
        return WhooshStage(writer)

    def _remove_old(self, keep: str) -> None:
        # Keep the previous generation too: another process may be reading it right now.
        gens = sorted(p for p in self.folder.glob("gen-*") if p.is_dir())
        for old in gens[:-2]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


def _doc_pks(reader: Any) -> np.ndarray:
    """Each document's provider key (-1 for none), segment by segment: a segment without any ``pk``
    value has no column at all, and the multi-segment column would silently skip it."""
    parts = []
    for sub, _ in reader.leaf_readers():
        if sub.has_column("pk"):
            pks = np.fromiter(sub.column_reader("pk"), dtype=np.int64, count=sub.doc_count_all())
            parts.append(np.where(pks == NO_PK, -1, pks))  # the version document has no key
        else:
            parts.append(np.full(sub.doc_count_all(), -1, dtype=np.int64))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _read_postings(ix: Index, pks: np.ndarray) -> dict[str, Postings]:
    """Every name term's catalog rows, read once with the public reader API."""
    runs: dict[str, dict[str, list[np.ndarray]]] = {f: {} for f in NAME_FIELDS}
    with ix.reader() as reader:
        doc_pks = _doc_pks(reader)
        doc_row = np.minimum(np.searchsorted(pks, doc_pks), max(len(pks) - 1, 0))
        valid = pks[doc_row] == doc_pks if len(pks) else np.zeros(len(doc_pks), dtype=bool)
        if reader.has_deletions():
            valid &= np.fromiter(
                (not reader.is_deleted(d) for d in range(len(doc_pks))),
                dtype=bool,
                count=len(doc_pks),
            )
        doc_row = np.where(valid, doc_row, -1)
        for sub, offset in reader.leaf_readers():
            for field in NAME_FIELDS:
                for term in sub.field_terms(field):
                    docs = np.fromiter(sub.postings(field, term).all_ids(), dtype=np.int64) + offset
                    rows = doc_row[docs]
                    runs[field].setdefault(term, []).append(rows[rows >= 0])
    return {f: Postings.from_runs(r) for f, r in runs.items()}


class MemoryNames:
    """A ``NameLookup`` over postings held in memory."""

    def __init__(self, postings: dict[str, Postings], vocabulary: dict[str, int]) -> None:
        self.postings = postings
        self.vocabulary = vocabulary  # words of names -> how many names use them
        self._by_length: dict[int, list[str]] = {}  # a word k edits away differs by <= k letters
        self._position = {w: i for i, w in enumerate(vocabulary)}
        self._windows: dict[tuple[int, int], list[str]] = {}  # (length, edits) -> candidates
        for w in vocabulary:
            self._by_length.setdefault(len(w), []).append(w)

    def rows(self, requests: Sequence[tuple[str, Alternative]]) -> list[np.ndarray]:
        return [self.postings[field].all_of(toks) for field, toks in requests]

    def has(self, token: str) -> bool:
        return any(token in p for p in self.postings.values())

    def naming(self, toks: Sequence[str]) -> np.ndarray:
        """Rows whose names hold every one of ``toks``, each in either name. The rarest word's rows
        are the candidates; every other word only keeps those it is in, looked up by bisection, so
        a common word's long runs ("treatment", "health") are never merged and sorted."""
        if not toks:
            return EMPTY
        runs = {t: [self.postings[f].get(t) for f in NAME_FIELDS] for t in toks}
        order = sorted(runs, key=lambda t: sum(len(r) for r in runs[t]))
        first = [r for r in runs[order[0]] if len(r)]
        rows = np.union1d(*first) if len(first) > 1 else (first[0] if first else EMPTY)
        for t in order[1:]:
            if not len(rows):
                break
            rows = rows[np.logical_or.reduce([holds(run, rows) for run in runs[t]])]
        return rows

    def forget(self) -> None:
        pass  # everything was read when it was opened

    def near_words(self, word: str, limit: int) -> list[tuple[str, int]]:
        candidates = self._windows.get((len(word), limit))
        if candidates is None:
            size = len(word)
            candidates = self._windows[(size, limit)] = [
                w for n in range(size - limit, size + limit + 1) for w in self._by_length.get(n, ())
            ]
        found = process.extract(
            word, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
        )
        found.sort(key=lambda c: (c[1], self._position[c[0]]))  # ties: the vocabulary's order
        return [(w, self.vocabulary[w]) for w, _, _ in found[:8]]
