"""Text matching against the Whoosh index, as catalog rows with scores, in numpy.

Whoosh analyses and stores the postings; this module reads each term's postings once (a block at a
time), keeps them as sorted arrays of catalog rows, and combines terms with array operations:
every concept must match, any alternative of a concept will do, and an alternative's words must all
be in one field. A row's score sums, over concepts, the best field boost x idf among the
alternatives it matches, so a match in a name outranks one in the services list.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import text as textsearch
from .catalog import Catalog

FIELD_BOOST = {"name": 3.0, "name2": 2.0, "services": 1.0, "place": 0.5, "codes": 1.0}
TEXT_CACHE = 512  # whole queries remembered per process
TERM_CACHE_ROWS = 20_000_000  # total rows of term postings kept per process (about 80 MB at most)


@dataclass(frozen=True)
class TextMatch:
    rows: np.ndarray  # catalog rows whose documents match, sorted
    scores: np.ndarray | None  # one per row (None: no relevance available, e.g. the name fallback)
    corrected: str | None  # the text as searched, when a spelling fix was applied

    def scores_of(self, rows: np.ndarray) -> np.ndarray:
        """Scores of ``rows`` (a subset of this match)."""
        if self.scores is None or not len(rows):
            return np.zeros(len(rows))
        return self.scores[np.searchsorted(self.rows, rows)]


def _block_docnums(matcher: Any) -> np.ndarray:
    """All document numbers of a postings matcher; Whoosh's block postings are read a block at a time."""
    if all(hasattr(matcher, a) for a in ("_read_ids", "_next_block", "_lastblock", "_blocklength")):
        blocks = []
        while True:
            if matcher._ids is None:
                matcher._read_ids()
            blocks.append(np.asarray(matcher._ids[: matcher._blocklength], dtype=np.int64))
            if matcher._lastblock:
                break
            matcher._next_block()
        return np.concatenate(blocks) if blocks else np.empty(0, dtype=np.int64)
    return np.fromiter(matcher.all_ids(), dtype=np.int64)


class TextMatcher:
    """One process's matcher: docnum->row table, term postings and whole queries, per index generation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._doc_row = np.empty(0, dtype=np.int64)  # docnum -> catalog row (-1: none or deleted)
        self._terms: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._term_rows_total = 0
        self._queries: OrderedDict[str, TextMatch | None] = OrderedDict()
        self._doc_count = 1

    def _tables(self, searcher: Any, cat: Catalog) -> None:
        key = (id(searcher), id(cat))
        if key == self._key:
            return
        reader = searcher.reader()
        pks = np.fromiter(reader.column_reader("pk"), dtype=np.int64)
        doc_row = np.searchsorted(cat.pks, pks) if len(cat.pks) else np.zeros(len(pks), dtype=np.int64)
        doc_row = np.minimum(doc_row, max(len(cat.pks) - 1, 0))
        valid = cat.pks[doc_row] == pks if len(cat.pks) else np.zeros(len(pks), dtype=bool)
        if reader.has_deletions():
            valid &= np.array([not reader.is_deleted(d) for d in range(len(pks))], dtype=bool)
        self._doc_row = np.where(valid, doc_row, -1)
        self._doc_count = max(1, int(valid.sum()))
        self._terms.clear()
        self._term_rows_total = 0
        self._queries.clear()
        self._key = key

    def _term_rows(self, searcher: Any, field: str, token: str) -> np.ndarray:
        key = (field, token)
        cached = self._terms.get(key)
        if cached is not None:
            self._terms.move_to_end(key)
            return cached
        parts = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if (field, token) in reader:
                parts.append(_block_docnums(reader.postings(field, token)) + offset)
        docnums = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        rows = self._doc_row[docnums] if len(docnums) else docnums
        rows = np.unique(rows[rows >= 0]).astype(np.int32)
        self._terms[key] = rows
        self._term_rows_total += len(rows)
        while self._term_rows_total > TERM_CACHE_ROWS and len(self._terms) > 1:
            _, old = self._terms.popitem(last=False)
            self._term_rows_total -= len(old)
        return rows

    def _alternative_rows(self, searcher: Any, field: str, tokens: tuple[str, ...]) -> np.ndarray:
        rows = self._term_rows(searcher, field, tokens[0])
        for t in tokens[1:]:
            if not len(rows):
                break
            rows = np.intersect1d(rows, self._term_rows(searcher, field, t), assume_unique=True)
        return rows

    def _idf(self, rows: np.ndarray) -> float:
        return math.log(1.0 + self._doc_count / max(1, len(rows)))

    def match(self, text: str, searcher: Any, cat: Catalog, synonyms: textsearch.Synonyms,
              vocabulary: dict[str, int]) -> TextMatch | None:
        """Catalog rows matching ``text`` with their scores (None when it has no searchable words)."""
        with self._lock:
            self._tables(searcher, cat)
            folded = " ".join(textsearch.words_of(text))
            if folded in self._queries:
                self._queries.move_to_end(folded)
                return self._queries[folded]
            tq = textsearch.build_query(text, synonyms, searcher, vocabulary)
            result = self._evaluate(tq, searcher, len(cat)) if tq.concepts else None
            self._queries[folded] = result
            if len(self._queries) > TEXT_CACHE:
                self._queries.popitem(last=False)
            return result

    def _evaluate(self, tq: textsearch.TextQuery, searcher: Any, n: int) -> TextMatch:
        total = np.zeros(n, dtype=np.float32)
        ok: np.ndarray | None = None
        for concept in tq.concepts:
            best = np.zeros(n, dtype=np.float32)
            for tokens in concept:
                for field, boost in FIELD_BOOST.items():
                    if field == "codes" and len(tokens) > 1:
                        continue
                    rows = self._alternative_rows(searcher, field, tokens)
                    if len(rows):
                        weight = boost * self._idf(rows)
                        best[rows] = np.maximum(best[rows], weight)
            hit = best > 0
            ok = hit if ok is None else ok & hit
            total += best
        rows = np.flatnonzero(ok) if ok is not None else np.empty(0, dtype=np.int64)
        return TextMatch(rows, total[rows], tq.corrected)
