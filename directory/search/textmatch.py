"""Text matching against the Whoosh index, as catalog rows.

Matching is unscored (which documents match), cached per index generation, and mapped to catalog
rows with one array lookup. Scores are computed only when results are sorted by relevance, and
then only for the final rows and only up to the end of the page asked for.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import text as textsearch
from .catalog import Catalog

CACHE_SIZE = 512


@dataclass(frozen=True)
class TextMatch:
    rows: np.ndarray  # catalog rows whose documents match, sorted
    query: Any  # the Whoosh query, for scoring
    corrected: str | None  # the text as searched, when a spelling fix was applied


class TextMatcher:
    """One process's text matcher: docnum/row tables and a small cache, both per index generation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._doc_row = np.empty(0, dtype=np.int64)  # docnum -> catalog row (-1: none)
        self._row_doc = np.empty(0, dtype=np.int64)  # catalog row -> docnum (-1: none)
        self._cache: OrderedDict[str, TextMatch | None] = OrderedDict()

    def _tables(self, searcher: Any, cat: Catalog) -> None:
        key = (id(searcher), id(cat))
        if key == self._key:
            return
        pks = np.fromiter(searcher.reader().column_reader("pk"), dtype=np.int64)
        doc_row = np.searchsorted(cat.pks, pks)
        doc_row[doc_row >= len(cat.pks)] = 0
        valid = (len(cat.pks) > 0) & (cat.pks[doc_row] == pks) if len(cat.pks) else np.zeros(len(pks), bool)
        doc_row = np.where(valid, doc_row, -1)
        row_doc = np.full(len(cat.pks), -1, dtype=np.int64)
        docnums = np.arange(len(pks), dtype=np.int64)
        live = np.array([searcher.reader().is_deleted(d) is False for d in range(len(pks))], dtype=bool) \
            if searcher.reader().has_deletions() else np.ones(len(pks), dtype=bool)
        doc_row = np.where(live, doc_row, -1)
        row_doc[doc_row[doc_row >= 0]] = docnums[doc_row >= 0]
        self._doc_row, self._row_doc, self._key = doc_row, row_doc, key
        self._cache.clear()

    def match(self, text: str, searcher: Any, cat: Catalog, synonyms: textsearch.Synonyms,
              vocabulary: dict[str, int]) -> TextMatch | None:
        """Catalog rows matching ``text`` (None when it has no searchable words)."""
        with self._lock:
            self._tables(searcher, cat)
            folded = " ".join(textsearch.words_of(text))
            if folded in self._cache:
                self._cache.move_to_end(folded)
                return self._cache[folded]
            tq = textsearch.build_query(text, synonyms, searcher, vocabulary)
            result = None
            if tq.query is not None:
                docnums = np.fromiter(searcher.docs_for_query(tq.query), dtype=np.int64)
                rows = self._doc_row[docnums] if len(docnums) else np.empty(0, dtype=np.int64)
                result = TextMatch(np.unique(rows[rows >= 0]), tq.query, tq.corrected)
            self._cache[folded] = result
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return result

    def rank(self, match: TextMatch, rows: np.ndarray, searcher: Any, limit: int) -> np.ndarray:
        """The best-scoring ``limit`` of ``rows`` (a subset of the match), best first."""
        with self._lock:
            allowed = {int(d) for d in self._row_doc[rows] if d >= 0}
            doc_row = self._doc_row
        results = searcher.search(match.query, filter=allowed, limit=limit)
        return np.array([doc_row[docnum] for _, docnum in results.top_n], dtype=np.int64)
