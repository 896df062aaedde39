"""Turn what people type into a Whoosh query: words, synonyms (``data/synonyms.txt``) and typo fixes.

Queries are built as objects, never parsed from Whoosh syntax, so ``name:(`` or ``*`` are just text.
Every concept (a word, or a phrase the synonym table knows) must match (AND); a concept matches if
any of its alternatives appears in any searched field (OR).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .index import make_schema

FIELDS = ("name", "name2", "services", "place")
MAX_WORDS = 24
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Synonyms:
    rules: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]  # phrase -> alternatives (itself included)
    longest: int

    def expand(self, words: list[str]) -> list[tuple[tuple[str, ...], ...]]:
        """Group words into concepts, each with its alternative phrasings (longest phrase wins)."""
        out, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                phrase = tuple(words[i:i + n])
                if phrase in self.rules:
                    out.append(self.rules[phrase])
                    i += n
                    break
            else:
                out.append(((words[i],),))
                i += 1
        return out


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("-", " "))[:MAX_WORDS]


def load_synonyms(path: Path) -> Synonyms:
    """Read a Solr-style synonym file: ``a, b, c`` (equivalent) and ``a, b => c, d`` (one way)."""
    rules: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            sources = [tuple(words_of(t)) for t in left.split(",") if words_of(t)]
            targets = [tuple(words_of(t)) for t in right.split(",") if words_of(t)]
            for s in sources:
                rules.setdefault(s, {s}).update(targets)
        else:
            terms = [tuple(words_of(t)) for t in line.split(",") if words_of(t)]
            for t in terms:
                rules.setdefault(t, {t}).update(terms)
    frozen = {k: tuple(sorted(v, key=lambda p: (p != k, p))) for k, v in rules.items()}
    return Synonyms(frozen, max((len(k) for k in frozen), default=1))


@lru_cache(maxsize=4)
def synonyms_for(data_dir: str) -> Synonyms:
    path = Path(data_dir) / "synonyms.txt"
    return load_synonyms(path) if path.exists() else Synonyms({}, 1)


_ANALYZER = make_schema()["name"].analyzer  # the stemming analyzer every text field uses


def _tokens(phrase: tuple[str, ...]) -> list[str]:
    return [t.text for t in _ANALYZER(" ".join(phrase))]


Alternative = tuple[str, ...]  # analysed tokens that must all appear in one field


@dataclass
class TextQuery:
    concepts: list[list[Alternative]]  # every concept must match; any alternative of a concept will do
    corrected: str | None  # the query as we searched it, when a word was replaced by a spelling fix


def build_query(text: str, synonyms: Synonyms, searcher: Any, vocabulary: dict[str, int]) -> TextQuery:
    """Turn ``text`` into concepts and their alternatives, fixing words the index has never seen."""
    fixed: list[str] = []
    changed = False
    for w in words_of(text):
        if _known(w, synonyms, searcher) or not _tokens((w,)):
            fixed.append(w)
            continue
        suggestion = suggest(w, vocabulary, synonyms)
        changed = changed or bool(suggestion and suggestion != w)
        fixed.append(suggestion or w)
    concepts = []
    for alternatives in synonyms.expand(fixed):
        alts = list(dict.fromkeys(tuple(toks) for toks in (_tokens(a) for a in alternatives) if toks))
        if alts:
            concepts.append(alts)
    return TextQuery(concepts, " ".join(fixed) if changed else None)


def _known(word: str, synonyms: Synonyms, searcher: Any) -> bool:
    if (word,) in synonyms.rules:
        return True
    tokens = _tokens((word,))
    return any(searcher.doc_frequency(f, t) for t in tokens for f in (*FIELDS, "codes"))


def suggest(word: str, vocabulary: dict[str, int], synonyms: Synonyms) -> str | None:
    """The closest common word (at most 2 edits, 1 for short words) to a word the index lacks."""
    if len(word) < 4 or word.isdigit():
        return None
    limit = 1 if len(word) < 6 else 2
    candidates = process.extract(word, vocabulary.keys(), scorer=Levenshtein.distance, score_cutoff=limit, limit=8)
    candidates += [(k[0], Levenshtein.distance(word, k[0]), None) for k in synonyms.rules
                   if len(k) == 1 and Levenshtein.distance(word, k[0]) <= limit]
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c[1], -vocabulary.get(c[0], 1000)))
    return best[0]
