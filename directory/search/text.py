"""What people type, as the index sees it: words, synonyms (``data/synonyms.txt``), stems and typo fixes.

Every text backend and every field is analysed the same way (``tokens``), so a query planned here
means the same thing whatever answers it. A query is a list of *concepts* (a word, or a phrase the
synonym table knows) that must all match; a concept matches if any of its *alternatives* (analysed
token tuples) appears whole in one field. Queries are built as data, never parsed from a query
language, so ``name:(`` or ``*`` are just text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.analysis import StemmingAnalyzer

MAX_WORDS = 24
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
ANALYZER = StemmingAnalyzer(
    cachesize=50000
)  # lowercase, stop words out, Porter stems: every field's

Alternative = tuple[str, ...]  # analysed tokens that must all appear in one field


def words_of(text: str) -> list[str]:
    """The words of ``text``, lowercased, at most ``MAX_WORDS``."""
    return _WORD.findall(text.lower().replace("-", " "))[:MAX_WORDS]


def tokens(text: str) -> list[str]:
    """The analysed tokens of ``text``: what every index field holds and every query looks up."""
    return [t.text for t in ANALYZER(text)]


@dataclass(frozen=True)
class Synonyms:
    rules: dict[
        tuple[str, ...], tuple[tuple[str, ...], ...]
    ]  # phrase -> alternatives (itself included)
    longest: int

    def expand(self, words: list[str]) -> list[tuple[tuple[str, ...], ...]]:
        """Group words into concepts, each with its alternative phrasings (longest phrase wins)."""
        out, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                phrase = tuple(words[i : i + n])
                if phrase in self.rules:
                    out.append(self.rules[phrase])
                    i += n
                    break
            else:
                out.append(((words[i],),))
                i += 1
        return out

    def single_words(self) -> list[str]:
        """The one-word phrases the table knows (candidates for spelling fixes)."""
        return [k[0] for k in self.rules if len(k) == 1]


def load_synonyms(path: Path) -> Synonyms:
    """Read a Solr-style synonym file: ``a, b, c`` (equivalent) and ``a, b => c, d`` (one way)."""
    rules: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    if not path.exists():
        return Synonyms({}, 1)
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


@dataclass(frozen=True)
class TextQuery:
    concepts: list[
        list[Alternative]
    ]  # every concept must match; any alternative of a concept will do
    corrected: str | None  # the query as we searched it, when a word was replaced by a spelling fix


def plan(
    text: str,
    synonyms: Synonyms,
    known: Callable[[str], bool],
    suggest: Callable[[str], str | None],
) -> TextQuery:
    """Turn ``text`` into concepts and their alternatives, replacing words the index has never seen
    (``known``: does any field hold this token?) by ``suggest``'s spelling fix."""
    fixed: list[str] = []
    changed = False
    for w in words_of(text):
        toks = tokens(w)
        if (w,) in synonyms.rules or not toks or any(known(t) for t in toks):
            fixed.append(w)
            continue
        suggestion = suggest(w)
        changed = changed or bool(suggestion and suggestion != w)
        fixed.append(suggestion or w)
    concepts = []
    for alternatives in synonyms.expand(fixed):
        alts = list(
            dict.fromkeys(t for t in (tuple(tokens(" ".join(a))) for a in alternatives) if t)
        )
        if alts:
            concepts.append(alts)
    return TextQuery(concepts, " ".join(fixed) if changed else None)


def closest_word(word: str, vocabulary: dict[str, int], extra: Iterable[str] = ()) -> str | None:
    """The closest common word (at most 2 edits, 1 for words under 6 letters) to a word the index lacks;
    ``extra`` words (the synonym table's) count as common."""
    if len(word) < 4 or word.isdigit():
        return None
    limit = 1 if len(word) < 6 else 2
    candidates = process.extract(
        word, vocabulary.keys(), scorer=Levenshtein.distance, score_cutoff=limit, limit=8
    )
    candidates += [
        (k, Levenshtein.distance(word, k), None)
        for k in extra
        if Levenshtein.distance(word, k) <= limit
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[1], -vocabulary.get(c[0], 1000)))[0]
