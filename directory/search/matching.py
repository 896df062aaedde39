"""Match a text query against one snapshot: names from the text index, services and places from the
catalog, combined with array operations.

Every concept must match; any alternative of a concept will do; an alternative's tokens must all be
in one field. A row's score sums, over concepts, the best field boost x idf among the alternatives
it matches, so a match in a name outranks one in the services list. Whole queries are remembered for
the snapshot's life (the snapshot is the only owner of this state).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .fields import FIELD_BOOST, NAME_FIELDS, GroupedField
from .text import Alternative, Synonyms, TextQuery, closest_word, plan, words_of
from .textindex import AnswersWhole, IndexUnavailable, NameLookup

TEXT_CACHE = 512  # whole queries remembered per snapshot


@dataclass(frozen=True)
class TextMatch:
    # Catalog rows whose text matches, sorted (None: every word was left out).
    rows: np.ndarray | None
    scores: np.ndarray | None  # one per row (None: no relevance available, e.g. the name fallback)
    corrected: str | None  # the text as searched, when a spelling fix was applied
    dropped: tuple[str, ...] = ()  # words no listing holds, left out of the search


class TextSearch:
    """Everything one snapshot needs to answer text: its name lookup (None while the index is
    unavailable), its grouped fields, the synonyms, and the words spelling fixes may choose from."""

    def __init__(
        self,
        names: NameLookup | None,
        fields: dict[str, GroupedField],
        size: int,
        synonyms: Synonyms,
        service_words: dict[str, int],
        names_lower: list[str],
    ) -> None:
        self.names = names
        self.fields = fields
        self.size = size
        self.synonyms = synonyms
        self.service_words = (
            service_words  # words of service names and labels (what people type most)
        )
        self.names_lower = names_lower  # for the fallback while the index is unavailable
        self._queries: OrderedDict[str, TextMatch | None] = OrderedDict()
        self._lock = threading.Lock()

    def match(self, text: str, lang: str = "en") -> TextMatch | None:
        """Rows matching ``text`` with their scores (None when it has no searchable words); spelling
        fixes prefer words of ``lang``. Raises IndexUnavailable when the names cannot be read (see
        ``by_name``)."""
        if self.names is None:
            raise IndexUnavailable("no text index")
        key = f"{lang}:{' '.join(words_of(text))}"
        with self._lock:
            if key in self._queries:
                self._queries.move_to_end(key)
                return self._queries[key]
        try:
            tq = plan(text, self.synonyms, self.known, lambda w: self.suggest(w, lang))
            if tq.concepts:
                result: TextMatch | None = self._evaluate(tq)
            else:
                result = TextMatch(None, None, tq.corrected, tq.dropped) if tq.dropped else None
        except IndexUnavailable:
            raise
        except (
            Exception
        ) as e:  # the engine failed mid-query (a database gone away): search around it
            raise IndexUnavailable(f"{type(e).__name__}: {e}") from e
        with self._lock:
            self._queries[key] = result
            if len(self._queries) > TEXT_CACHE:
                self._queries.popitem(last=False)
        return result

    def forget(self) -> None:
        """Drop every remembered query (the bench measures cold text queries this way)."""
        with self._lock:
            self._queries.clear()
        if self.names is not None:
            self.names.forget()

    def known(self, token: str) -> bool:
        """Whether any field holds ``token``."""
        return any(token in f for f in self.fields.values()) or (
            self.names is not None and self.names.has(token)
        )

    def suggest(self, word: str, lang: str = "en") -> str | None:
        """The closest common word to a word no field holds (at most 2 edits, 1 under 6 letters)."""
        if len(word) < 4 or word.isdigit():
            return None
        limit = 1 if len(word) < 6 else 2
        vocabulary = dict(self.names.near_words(word, limit)) if self.names is not None else {}
        for w, n in self.service_words.items():
            vocabulary[w] = vocabulary.get(w, 0) + n
        every = [w for words in self.synonyms.words.values() for w in words]
        return closest_word(word, vocabulary, every, self.synonyms.words.get(lang, ()))

    def by_name(self, text: str) -> TextMatch:
        """The fallback while the index is unavailable: every word must appear in the name (no
        stems)."""
        words = [w for w in words_of(text) if len(w) > 2][:8]
        rows = [i for i, name in enumerate(self.names_lower) if all(w in name for w in words)]
        return TextMatch(np.asarray(rows, dtype=np.int64), None, None)

    def _evaluate(self, tq: TextQuery) -> TextMatch:
        requests = [(f, toks) for concept in tq.concepts for toks in concept for f in NAME_FIELDS]
        assert self.names is not None
        if isinstance(self.names, AnswersWhole):
            return self._evaluate_whole(tq, requests, self.names)
        name_rows = iter(self.names.rows(requests))

        def evidence() -> Iterator[tuple[int, np.ndarray] | None]:
            for concept in tq.concepts:
                for toks in concept:
                    for field in FIELD_BOOST:
                        if field in NAME_FIELDS:
                            rows = next(name_rows)
                        elif field == "codes" and len(toks) > 1:
                            yield None
                            continue
                        else:
                            rows = self.fields[field].all_of(toks)
                        yield len(rows), rows

        return self._score(tq, evidence())

    def _evaluate_whole(
        self, tq: TextQuery, requests: list[tuple[str, Alternative]], names: AnswersWhole
    ) -> TextMatch:
        """``_evaluate`` with the intersection done by the index itself (PostgreSQL): it is told,
        per concept, every field that may satisfy it (services and places only where the
        snapshot knows some row holds them), and sends back only the rows that satisfy them all
        through some name, with each name request's rows and document count; rows satisfying
        every concept without a name come from the snapshot. Same rows and scores as
        ``_evaluate``."""
        grouped: list[dict[str, np.ndarray]] = []  # per alternative: field -> rows
        concepts = []
        for concept in tq.concepts:
            parts = []
            for toks in concept:
                found = {}
                for field in FIELD_BOOST:
                    if field in NAME_FIELDS:
                        parts.append((field, toks))
                    elif not (field == "codes" and len(toks) > 1):
                        found[field] = self.fields[field].all_of(toks)
                        if len(found[field]):
                            parts.append((field, toks))
                grouped.append(found)
            concepts.append(parts)
        counts, _, matched = names.evaluate(requests, concepts)
        by_name = iter(zip(counts, matched))

        def evidence() -> Iterator[tuple[int, np.ndarray] | None]:
            for found in grouped:
                for field in FIELD_BOOST:
                    if field in NAME_FIELDS:
                        yield next(by_name)
                    elif field in found:
                        yield len(found[field]), found[field]
                    else:
                        yield None

        return self._score(tq, evidence())

    def _score(self, tq: TextQuery, evidence: Iterator[tuple[int, np.ndarray] | None]) -> TextMatch:
        """Rows matching every concept and their scores, from ``evidence``: per concept, per
        alternative, per field of ``FIELD_BOOST`` in order, (document count, matching rows), or
        None where the field does not apply."""
        total = np.zeros(self.size, dtype=np.float32)
        ok: np.ndarray | None = None
        for concept in tq.concepts:
            best = np.zeros(self.size, dtype=np.float32)
            for _ in concept:
                for field in FIELD_BOOST:
                    found = next(evidence)
                    if found is None:
                        continue
                    df, rows = found
                    if df and len(rows):
                        weight = FIELD_BOOST[field] * math.log(1.0 + self.size / df)
                        best[rows] = np.maximum(best[rows], weight)
            hit = best > 0
            ok = hit if ok is None else ok & hit
            total += best
        rows = np.flatnonzero(ok) if ok is not None else np.empty(0, dtype=np.int64)
        return TextMatch(rows, total[rows], tq.corrected, tq.dropped)
