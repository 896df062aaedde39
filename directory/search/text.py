"""What people type, as the index sees it: words, synonyms (``data/synonyms.txt``), stems and typo
fixes.

Every text backend and every field is analysed the same way (``tokens``), so a query planned here
means the same thing whatever answers it. A query is a list of *concepts* (a word, or a phrase the
synonym table knows) that must all match; a concept matches if any of its *alternatives* (analysed
token tuples) appears whole in one field. Queries are built as data, never parsed from a query
language, so ``name:(`` or ``*`` are just text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.analysis import STOP_WORDS, CharsetFilter, StemmingAnalyzer
from whoosh.support.charset import accent_map

MAX_WORDS = 24
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Small Spanish words that say nothing about care, left out like English ones ("centro de salud").
SPANISH_STOP_WORDS = frozenset(
    (
        "de del la las el los y o u en para por con sin un una unos unas al que se su sus mi mis lo"
    ).split()
)
# Lowercase, stop words out, Porter stems, accents folded ('Clínica' = 'clinica'): every field's.
ANALYZER = StemmingAnalyzer(
    stoplist=STOP_WORDS | SPANISH_STOP_WORDS, cachesize=50000
) | CharsetFilter(accent_map)

Alternative = tuple[str, ...]  # analysed tokens that must all appear in one field


def fold(text: str) -> str:
    """Lowercase, without accents: 'Desintoxicación' and 'desintoxicacion' are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The words of ``text``, lowercased and without accents, at most ``MAX_WORDS``."""
    return _WORD.findall(fold(text).replace("-", " "))[:MAX_WORDS]


def tokens(text: str) -> list[str]:
    """The analysed tokens of ``text``: what every index field holds and every query looks up."""
    return list(_tokens(text)) if len(text) <= CACHED_TEXT else [t.text for t in ANALYZER(text)]


CACHED_TEXT = 64  # words and short phrases (what queries are made of) are analysed once each


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in ANALYZER(text))


@dataclass(frozen=True)
class Synonyms:
    rules: dict[
        tuple[str, ...], tuple[tuple[str, ...], ...]
    ]  # phrase -> its alternatives (itself too)
    longest: int
    words: dict[str, tuple[str, ...]]  # language -> the one-word phrases of its file

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


SYNONYM_FILES = {"en": "synonyms.txt", "es": "synonyms.es.txt"}  # in the data folder


def load_synonyms(data_dir: Path) -> Synonyms:
    """Read the Solr-style synonym files of every language into one table: ``a, b, c`` (equivalent)
    and ``a, b => c, d`` (one way). Words are folded (accents optional)."""
    rules: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    words: dict[str, tuple[str, ...]] = {}
    for lang, name in SYNONYM_FILES.items():
        path = data_dir / name
        if path.exists():
            words[lang] = _read_rules(path, rules)
    frozen = {k: tuple(sorted(v, key=lambda p: (p != k, p))) for k, v in rules.items()}
    return Synonyms(frozen, max((len(k) for k in frozen), default=1), words)


def _read_rules(path: Path, rules: dict[tuple[str, ...], set[tuple[str, ...]]]) -> tuple[str, ...]:
    """Add one file's rules; return the single words its lines start from."""
    singles: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        left, _, right = line.partition("=>")
        sources = [tuple(words_of(t)) for t in left.split(",") if words_of(t)]
        targets = (
            [tuple(words_of(t)) for t in right.split(",") if words_of(t)] if right else sources
        )
        for src in sources:
            rules.setdefault(src, {src}).update(targets)
        singles += [src[0] for src in sources if len(src) == 1]
    return tuple(dict.fromkeys(singles))


@dataclass(frozen=True)
class TextQuery:
    concepts: list[
        list[Alternative]
    ]  # every concept must match; any alternative of a concept will do
    corrected: str | None  # the query as we searched it, when a word was replaced by a spelling fix
    dropped: tuple[str, ...] = ()  # words no field holds and nothing is spelled like: left out


def plan(
    text: str,
    synonyms: Synonyms,
    known: Callable[[str], bool],
    suggest: Callable[[str], str | None],
) -> TextQuery:
    """Turn ``text`` into concepts and their alternatives. Phrases the synonym tables know
    ("consulta externa") stand as they are; any other word the index has never seen (``known``: does
    any field hold this token?) is replaced by ``suggest``'s spelling fix, and with no fix at all it
    is left out, and said so (``dropped``), rather than matching nothing."""
    words = words_of(text)
    fixed: list[str] = []
    dropped: list[str] = []
    changed = False
    for i, w in enumerate(words):
        toks = tokens(w)
        if _in_phrase(words, i, synonyms) or not toks or any(known(t) for t in toks):
            fixed.append(w)
            continue
        suggestion = suggest(w)
        if suggestion is None:
            dropped.append(w)
            continue
        changed = changed or suggestion != w
        fixed.append(suggestion)
    concepts = []
    for alternatives in synonyms.expand(fixed):
        alts = list(
            dict.fromkeys(t for t in (tuple(tokens(" ".join(a))) for a in alternatives) if t)
        )
        if alts:
            concepts.append(alts)
    return TextQuery(concepts, " ".join(fixed) if changed else None, tuple(dropped))


def _in_phrase(words: list[str], i: int, synonyms: Synonyms) -> bool:
    """Whether ``words[i]`` belongs to a phrase (or is a word) the synonym tables know."""
    for n in range(min(synonyms.longest, len(words)), 0, -1):
        for start in range(max(0, i - n + 1), min(i, len(words) - n) + 1):
            if tuple(words[start : start + n]) in synonyms.rules:
                return True
    return False


def closest_word(
    word: str, vocabulary: dict[str, int], extra: Iterable[str] = (), preferred: Iterable[str] = ()
) -> str | None:
    """The closest common word (at most 2 edits, 1 for words under 6 letters) to a word the index
    lacks. ``extra`` words (the synonym tables') count as common, ``preferred`` ones (the page
    language's) as more common still, so "did you mean" answers in the reader's language."""
    if len(word) < 4 or word.isdigit():
        return None
    limit = 1 if len(word) < 6 else 2
    weight = {**dict.fromkeys(extra, 1000), **dict.fromkeys(preferred, 2000), **vocabulary}
    candidates = process.extract(
        word, weight.keys(), scorer=Levenshtein.distance, score_cutoff=limit, limit=8
    )
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[1], -weight[c[0]]))[0]
