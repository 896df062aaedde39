"""The searchable fields of a snapshot, held in memory as term -> catalog rows.

Names are free text, kept by the text index (``textindex.py``). Services and places are facts the
catalog already has (a provider's SAMHSA codes; its city, county, state and ZIP), shared by many
providers, so they are matched here: each row points at its *group* (a code set, a place), and a
token maps to the groups whose text holds it. The words are the same as an index would hold: service
names and filter labels, analysed with ``text.tokens``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..normalize import STATES
from ..taxonomy import Taxonomy
from .text import Alternative, tokens

FIELD_BOOST = {"name": 3.0, "name2": 2.0, "services": 1.0, "place": 0.5, "codes": 1.0}
NAME_FIELDS = ("name", "name2")  # free text: the text index's
GROUPED_FIELDS = ("services", "place", "codes")  # facts: matched through the catalog's groups
EMPTY = np.empty(0, dtype=np.int64)
_LABEL_WORD = re.compile(r"[\w']+")


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rows in both sorted, unique arrays: each of the shorter looked up in the longer (no sort
    of the two together, which cost a popular pair of words milliseconds at 250,000 rows)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small) or not len(large):
        return EMPTY
    at = np.minimum(np.searchsorted(large, small), len(large) - 1)
    return small[large[at] == small]


def holds(run: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``, whether the sorted ``run`` holds it (a mask the length of ``rows``)."""
    if not len(run):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(run, rows), len(run) - 1)
    return run[at] == rows  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Postings:
    """Sorted catalog rows per term, stored as one array of rows and the offsets of each term's
    run."""

    starts: dict[str, tuple[int, int]]
    rows: np.ndarray

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, int]]) -> Postings:
        """From (term, row) pairs, in any order, repeats allowed."""
        terms: dict[str, int] = {}
        term_ids, rows = [], []
        for term, row in pairs:
            term_ids.append(terms.setdefault(term, len(terms)))
            rows.append(row)
        if not rows:
            return cls({}, EMPTY)
        t, r = np.asarray(term_ids, dtype=np.int64), np.asarray(rows, dtype=np.int64)
        order = np.lexsort((r, t))
        t, r = t[order], r[order]
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = (t[1:] != t[:-1]) | (r[1:] != r[:-1])
        t, r = t[keep], r[keep]
        bounds = np.searchsorted(t, np.arange(len(terms) + 1))
        names = list(terms)
        return cls({names[i]: (int(bounds[i]), int(bounds[i + 1])) for i in range(len(names))}, r)

    @classmethod
    def from_runs(cls, runs: dict[str, list[np.ndarray]]) -> Postings:
        """From each term's arrays of rows (unsorted, repeats allowed)."""
        starts: dict[str, tuple[int, int]] = {}
        parts, at = [], 0
        for term, arrays in runs.items():
            rows = np.unique(np.concatenate(arrays)) if len(arrays) > 1 else np.unique(arrays[0])
            if len(rows):
                starts[term] = (at, at + len(rows))
                parts.append(rows)
                at += len(rows)
        return cls(starts, np.concatenate(parts).astype(np.int64) if parts else EMPTY)

    def get(self, term: str) -> np.ndarray:
        span = self.starts.get(term)
        return self.rows[span[0] : span[1]] if span else EMPTY

    def all_of(self, toks: Alternative) -> np.ndarray:
        """Rows holding every one of ``toks``."""
        rows = self.get(toks[0])
        for t in toks[1:]:
            if not len(rows):
                break
            rows = intersect(rows, self.get(t))
        return rows

    def __contains__(self, term: str) -> bool:
        return term in self.starts


@dataclass(frozen=True)
class GroupedField:
    """A field whose text is one of a few shared values: rows point at a group, terms at groups."""

    group_of_row: np.ndarray  # int, one per catalog row
    groups: Postings  # term -> sorted group ids

    @classmethod
    def build(cls, keys: Sequence[Hashable], text_of: dict[Hashable, set[str]]) -> GroupedField:
        """``keys``: each row's group key; ``text_of``: each key's tokens."""
        ids: dict[Hashable, int] = {}
        group_of_row = np.fromiter(
            (ids.setdefault(k, len(ids)) for k in keys), dtype=np.int64, count=len(keys)
        )
        return cls(group_of_row, Postings.build((t, g) for k, g in ids.items() for t in text_of[k]))

    def all_of(self, toks: Alternative) -> np.ndarray:
        groups = self.groups.all_of(toks)
        if not len(groups):
            return EMPTY
        wanted = np.zeros(int(self.group_of_row.max(initial=-1)) + 1, dtype=bool)
        wanted[groups] = True
        return np.flatnonzero(wanted[self.group_of_row])

    def __contains__(self, term: str) -> bool:
        return term in self.groups


class Analyser:
    """``text.tokens`` word by word, remembering each word: names and places repeat few words
    often."""

    def __init__(self) -> None:
        self._seen: dict[str, list[str]] = {}

    def __call__(self, text: str) -> set[str]:
        out: set[str] = set()
        for w in text.split():
            toks = self._seen.get(w)
            if toks is None:
                toks = self._seen[w] = tokens(w)
            out.update(toks)
        return out


def services_text(codes: Iterable[str], tax: Taxonomy) -> str:
    """The words of a provider's service names and filter labels, each once."""
    codes = sorted(codes)
    labels = [tax.code_label(c) for c in codes]
    for opts in tax.tags(frozenset(codes)).values():
        labels += [f"{o.label} {o.key.replace('-', ' ')}" for o in opts]
    return " ".join(dict.fromkeys(_LABEL_WORD.findall(" ".join(labels).lower())))


def place_text(city: str, county: str, state: str, zip_code: str) -> str:
    return " ".join(filter(None, [city, county, STATES.get(state, ""), state, zip_code]))


def grouped_fields(
    codes: Sequence[str], places: Sequence[tuple[str, str, str, str]], tax: Taxonomy
) -> dict[str, GroupedField]:
    """The services, codes and place fields of the catalog's rows (``codes``: space-joined, per
    row)."""
    analyse = Analyser()
    code_sets = {c: frozenset(c.split()) for c in set(codes)}
    services = {c: analyse(services_text(s, tax)) for c, s in code_sets.items()}
    # The codes themselves are keywords: lowercased, not stemmed.
    keywords = {c: {x.lower() for x in s} for c, s in code_sets.items()}
    place_words = {p: analyse(place_text(*p)) for p in set(places)}
    return {
        "services": GroupedField.build(codes, services),
        "codes": GroupedField.build(codes, keywords),
        "place": GroupedField.build(places, place_words),
    }
