"""Read needs out of the words people type: "rehab that takes medicaid", "que hablen español".

The words of every language are data (``data/needs.<lang>.toml``): each phrase means taxonomy
options (a need, which becomes the very filter a person could tick), a substance (which means
"treats substance use", never the word itself), or nothing at all (filler: "my son", "near me").
Phrases are matched on folded words, the longest first; both languages are read on both sites.
Words left over are a provider's name, searched as text; those no listing holds are ignored, and
said so.

Spelling: a word is fixed only when it is none of these: a word of a phrase, a word the listings
hold, or a word of English or Spanish (``wordfreq``'s lists). Fixes are words of phrases (the page's
language first) or words of listings' names, so a real word is never turned into another one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..taxonomy import Taxonomy
from .text import fold, tokens, words_of

LANGUAGES = ("en", "es")
NEEDS_FILE = "needs.{lang}.toml"  # in the data folder
# A word this common (Zipf scale: 1 is once per 100 million words) in either language is a word.
COMMON_ZIPF = 1.7
# A word this common (3 per million words) in either language is an everyday word: in a sentence
# that says needs ("crisis team that can come to the house"), it is not a name to require.
EVERYDAY_ZIPF = 3.5
# Codes of a place that treats substance use (SAMHSA: SA substance use treatment, SUMH co-occurring
# treatment, OTP opioid treatment programs, BUPREN buprenorphine practitioners).
SUBSTANCE_CODES = ("SA", "SUMH", "OTP", "BUPREN")
READINGS_KEPT = 4096  # readings remembered per snapshot
# Two needs of one group said apart that together mean a narrower option: "detox" and "24 horas"
# is 24-hour detox, not detox or any 24-hour care (options of one group are alternatives).
NARROWER = {
    ("type", frozenset({"detox", "inpatient"})): "detox-24-hour",
    ("type", frozenset({"detox", "outpatient"})): "detox-outpatient",
}


@dataclass(frozen=True)
class Meaning:
    needs: frozenset[tuple[str, str]] = frozenset()  # (group, option)
    substances: frozenset[str] = frozenset()
    # filler when both are empty


@dataclass(frozen=True)
class Lexicon:
    """Every language's phrases: folded words -> what they mean."""

    phrases: dict[tuple[str, ...], Meaning]
    longest: int
    words: dict[str, frozenset[str]]  # language -> the words of its phrases
    every_word: frozenset[str]
    word_list: tuple[str, ...]  # every_word, sorted: what spelling fixes choose from
    prefixes: frozenset[tuple[str, ...]]  # every phrase's beginnings, itself too

    def segment(self, words: list[str]) -> list[tuple[str, Meaning | None]]:
        """``words`` cut into phrases (with their meaning) and other words (None), the longest
        phrases first: of all cuts, the one whose phrases' squared lengths add up most, a phrase
        that means something counting twice filler's, so "para jovenes de 18 a 25" is "para" +
        "jovenes de 18 a 25" and filler never hides a need ("centro de tratamiento residencial")."""
        n = len(words)
        best: list[tuple[int, int]] = [(0, 1)] * (n + 1)  # from i: (score, length of first cut)
        phrases, prefixes = self.phrases, self.prefixes
        for i in range(n - 1, -1, -1):
            top = (best[i + 1][0], 1)
            for size in range(1, min(self.longest, n - i) + 1):
                cut = tuple(words[i : i + size])
                if cut not in prefixes:
                    break  # no phrase goes on from here
                found = phrases.get(cut)
                if found is not None:
                    weight = 2 if found.needs or found.substances else 1
                    top = max(top, (best[i + size][0] + weight * size * size, size))
            best[i] = top
        out: list[tuple[str, Meaning | None]] = []
        i = 0
        while i < n:
            size = best[i][1]
            phrase = tuple(words[i : i + size])
            out.append((" ".join(phrase), self.phrases.get(phrase)))
            i += size
        return out


def load_lexicon(data_dir: Path, tax: Taxonomy) -> Lexicon:
    """Read every language's file; a key the taxonomy lacks is an error that names it."""
    merged: dict[tuple[str, ...], tuple[set[tuple[str, str]], set[str]]] = {}
    words: dict[str, frozenset[str]] = {}
    for lang in LANGUAGES:
        path = data_dir / NEEDS_FILE.format(lang=lang)
        if not path.exists():
            continue
        found = read_needs_file(path, tax)
        for phrase, needs, substances in found:
            slot = merged.setdefault(phrase, (set(), set()))
            slot[0].update(needs)
            slot[1].update(substances)
        words[lang] = frozenset(w for phrase, _, _ in found for w in phrase)
    phrases = {p: Meaning(frozenset(n), frozenset(s)) for p, (n, s) in merged.items()}
    # "para mujeres" is "para" (filler) + "mujeres": kept, it could take the word a longer phrase
    # needs ("para mujeres embarazadas").
    filler = Meaning()
    phrases = {
        p: m
        for p, m in phrases.items()
        if not (len(p) > 1 and phrases.get(p[:1]) == filler and phrases.get(p[1:]) == m)
    }
    every = frozenset(w for ws in words.values() for w in ws)
    prefixes = frozenset(p[:k] for p in phrases for k in range(1, len(p) + 1))
    return Lexicon(
        phrases,
        max((len(p) for p in phrases), default=1),
        words,
        every,
        tuple(sorted(every)),
        prefixes,
    )


Entry = tuple[tuple[str, ...], frozenset[tuple[str, str]], frozenset[str]]


def read_needs_file(path: Path, tax: Taxonomy) -> list[Entry]:
    """One file's phrases as (folded words, needs, substances); raises ValueError naming a group
    or option the taxonomy lacks."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    out: list[Entry] = []
    for group, options in raw.get("need", {}).items():
        g = tax.group(group)
        if g is None:
            raise ValueError(f"{path.name}: no taxonomy group {group!r}")
        for option, phrases in options.items():
            if g.option(option) is None:
                raise ValueError(f"{path.name}: no option {group}.{option} in the taxonomy")
            out += [(p, frozenset([(group, option)]), frozenset()) for p in _phrases(phrases)]
    for substance, phrases in raw.get("substance", {}).items():
        out += [(p, frozenset(), frozenset([substance])) for p in _phrases(phrases)]
    out += [(p, frozenset(), frozenset()) for p in _phrases(raw.get("filler", {}).get("phrases"))]
    return out


def _phrases(raw: Any) -> list[tuple[str, ...]]:
    return [tuple(words_of(p)) for p in (raw or []) if words_of(p)]


@lru_cache(maxsize=1)
def common_words() -> dict[str, float]:
    """Folded words of English and Spanish at least ``COMMON_ZIPF`` common, with their Zipf
    frequency in the language where they are commonest. The lists ship inside ``wordfreq`` and
    never change, so one copy per process is kept (built in about a second)."""
    from wordfreq import get_frequency_dict

    out: dict[str, float] = {}
    least = 10 ** (COMMON_ZIPF - 9)
    for lang in LANGUAGES:
        for word, freq in get_frequency_dict(lang).items():
            if freq < least:
                continue  # the dictionary is in frequency order, but not strictly: keep looking
            key = fold(word)
            zipf = float(np.log10(freq) + 9)
            if zipf > out.get(key, 0.0):
                out[key] = zipf
    return out


def is_word(word: str) -> bool:
    """Whether ``word`` (folded) is a word of English or Spanish."""
    return word in common_words()


def is_everyday(word: str) -> bool:
    """Whether ``word`` (folded) is an everyday word of English or Spanish ("together", "ya")."""
    return common_words().get(word, 0.0) >= EVERYDAY_ZIPF


@dataclass(frozen=True)
class Need:
    group: str
    option: str
    words: str  # the phrase that said it, folded


@dataclass(frozen=True)
class Understood:
    """What the words of a search say: the place (read by ``understand.py``), needs, substances,
    words of a name, and words that were ignored or said nothing."""

    text: str  # the words as typed (without the place)
    needs: tuple[Need, ...] = ()
    substances: tuple[tuple[str, str], ...] = ()  # (substance, the words that said it)
    name_words: tuple[str, ...] = ()  # searched as text
    ignored: tuple[str, ...] = ()  # no listing holds them: left out
    filler: tuple[str, ...] = ()  # words that never narrow a search
    fixes: tuple[tuple[str, str], ...] = ()  # (typed, fixed) spelling fixes
    kept: tuple[str, ...] = ()  # the words kept in ``q``: substances, name words, ignored words
    place: str = ""
    # everyday words of a sentence: they never narrow, but places whose names hold them come first
    soft: tuple[str, ...] = ()

    @property
    def name_text(self) -> str:
        return " ".join(self.name_words)

    @property
    def substance_text(self) -> str:
        """The words that named substances, as kept in ``q``."""
        phrases = dict.fromkeys(words for _, words in self.substances)
        return " ".join(w for words in phrases for w in words.split())

    @property
    def treats_substance_use(self) -> bool:
        return bool(self.substances)

    @property
    def corrected(self) -> str | None:
        """The words as read, when a spelling fix was applied."""
        if not self.fixes:
            return None
        fixed = dict(self.fixes)
        return " ".join(fixed.get(w, w) for w in words_of(self.text))

    def as_name(self) -> Understood:
        """The same words read as a provider's name: every word is searched, none is a need."""
        fixed = dict(self.fixes)
        words = [fixed.get(w, w) for w in words_of(self.text)]
        named = tuple(w for w in words if tokens(w))
        return Understood(
            self.text,
            name_words=named,
            filler=tuple(w for w in words if not tokens(w)),
            fixes=self.fixes,
            kept=tuple(words),
            place=self.place,
        )

    def softened(self, names_whole: Callable[[str], bool]) -> Understood:
        """The same reading with everyday words of a sentence no longer required. A sentence is
        words that say needs, substances or nothing, and that no listing's name holds all of
        (``names_whole``); it keeps a word as a name only when it is no everyday word, or when its
        name words together name a listing ("great lakes", "phoenix house"). Everyday words no
        listing holds are left out without a word."""
        if not (self.needs or self.substances or self.filler):
            return self  # only words of names: a name search ("Hope")
        if names_whole(self.text):
            return self  # the words are a name ("Institute Center for Counseling")
        quiet = tuple(w for w in self.ignored if is_everyday(w))
        soft = tuple(w for w in self.name_words if is_everyday(w))
        distinct = tuple(dict.fromkeys(self.name_words))
        if soft and len(distinct) >= 2 and names_whole(" ".join(distinct)):
            soft = ()
        if not soft and not quiet:
            return self
        return replace(
            self,
            name_words=tuple(w for w in self.name_words if w not in soft),
            ignored=tuple(w for w in self.ignored if w not in quiet),
            filler=self.filler + quiet,
            # out of ``q`` too: read again alone, they would be a name search
            kept=tuple(w for w in self.kept if w not in soft and w not in quiet),
            soft=soft,
        )

    def needs_as_filters(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for n in self.needs:
            out[n.group] = tuple(dict.fromkeys((*out.get(n.group, ()), n.option)))
        return out

    def kept_without(self, words: str) -> str:
        """The kept words without one phrase (a chip that removes a substance)."""
        drop = words.split()
        kept = list(self.kept)
        for i in range(len(kept) - len(drop) + 1):
            if kept[i : i + len(drop)] == drop:
                return " ".join(kept[:i] + kept[i + len(drop) :])
        return " ".join(kept)

    def as_dict(self) -> dict[str, Any]:
        return {
            "place": self.place or None,
            "needs": [{"group": n.group, "option": n.option, "words": n.words} for n in self.needs],
            "substances": [{"substance": s, "words": w} for s, w in self.substances],
            "treats_substance_use": self.treats_substance_use,
            "name_words": list(self.name_words),
            "ignored": list(self.ignored),
            "filler": list(self.filler),
            "soft": list(self.soft),
            "corrected": self.corrected,
        }


# The JSON schema of ``Understood.as_dict`` (the API's ``understood``; openapi.py uses it).
UNDERSTOOD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "What the words of `q` were read as. Needs are applied as the filters of the "
    "same name (they are in `facets` and can be removed like any filter); a substance means places "
    "that treat substance use; name words are searched in names and services; ignored words are "
    "left out because no listing holds them.",
    "required": [
        "place",
        "needs",
        "substances",
        "name_words",
        "ignored",
        "filler",
        "soft",
        "corrected",
    ],
    "properties": {
        "place": {
            "type": ["string", "null"],
            "description": "The place read from the words, when `near` was not given.",
        },
        "needs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["group", "option", "words"],
                "properties": {
                    "group": {"type": "string"},
                    "option": {"type": "string"},
                    "words": {"type": "string", "description": "The words that said it."},
                },
            },
        },
        "substances": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["substance", "words"],
                "properties": {"substance": {"type": "string"}, "words": {"type": "string"}},
            },
        },
        "treats_substance_use": {"type": "boolean"},
        "name_words": {"type": "array", "items": {"type": "string"}},
        "ignored": {"type": "array", "items": {"type": "string"}},
        "filler": {"type": "array", "items": {"type": "string"}},
        "soft": {
            "type": "array",
            "items": {"type": "string"},
            "description": 'Everyday words of a sentence ("the house"): they do not narrow the '
            "search, but places whose names hold them come first.",
        },
        "corrected": {
            "type": ["string", "null"],
            "description": "The words as searched, when a spelling fix was applied.",
        },
    },
}


@dataclass(frozen=True)
class Vocabulary:
    """What the listings hold: ``known`` (does any field hold this analysed token?), ``suggest``
    (the closest word of the listings to an unknown word, in a language) and ``synonym`` (do the
    synonym tables know this word, as "narcan" => naloxone?)."""

    known: Callable[[str], bool]
    suggest: Callable[[str, str], str | None]
    synonym: Callable[[str], bool] = lambda word: False
    _memo: dict[tuple[str, str], Understood] = field(default_factory=dict, compare=False)


def _holds(word: str, vocab: Vocabulary) -> bool:
    toks = tokens(word)
    return bool(toks) and (vocab.synonym(word) or any(vocab.known(t) for t in toks))


def _fix(word: str, lex: Lexicon, vocab: Vocabulary, lang: str) -> str | None:
    """A spelling fix for a word that is no word at all, or None."""
    if word.isdigit() or word in lex.every_word or not tokens(word) or _holds(word, vocab):
        return None
    if is_word(word):
        return None  # a real word is never corrected, even when no listing holds it
    return _closest_phrase_word(word, lex, lang) or vocab.suggest(word, lang)


def _closest_phrase_word(word: str, lex: Lexicon, lang: str) -> str | None:
    """The word of a phrase closest to ``word`` (1 edit under 5 letters, else 2; none under 4),
    of the page's language first: "alcol" is alcohol, "desintoxicasion" desintoxicacion."""
    if len(word) < 4:
        return None
    limit = 1 if len(word) < 5 else 2
    found = process.extract(
        word, lex.word_list, scorer=Levenshtein.distance, score_cutoff=limit, limit=8
    )
    preferred = lex.words.get(lang, frozenset())
    best = min(found, key=lambda c: (c[1], c[0] not in preferred, c[0]), default=None)
    return best[0] if best is not None else None


def read_words(text: str, lex: Lexicon, vocab: Vocabulary, lang: str = "en") -> Understood:
    """Read ``text`` into needs, substances, name words and filler (remembered per vocabulary)."""
    key = (lang, text)
    found = vocab._memo.get(key)
    if found is None:
        found = _read(text, lex, vocab, lang)
        if len(vocab._memo) >= READINGS_KEPT:
            vocab._memo.clear()
        vocab._memo[key] = found
    return found


def _read(text: str, lex: Lexicon, vocab: Vocabulary, lang: str) -> Understood:
    words = words_of(text)
    fixes = []
    for i, w in enumerate(words):
        fixed = _fix(w, lex, vocab, lang)
        if fixed is not None and fixed != w:
            fixes.append((w, fixed))
            words[i] = fixed
    needs: list[Need] = []
    substances: list[tuple[str, str]] = []
    names, ignored, filler, kept = [], [], [], []
    for phrase, meaning in lex.segment(words):
        if meaning is None:
            if not tokens(phrase) or phrase.isdigit():
                filler.append(phrase)  # a small word the analyser leaves out ("de"), a number
                continue
            (names if _holds(phrase, vocab) else ignored).append(phrase)
            kept.append(phrase)
        elif meaning.needs:
            needs += [Need(g, o, phrase) for g, o in sorted(meaning.needs)]
        elif meaning.substances:
            substances += [(s, phrase) for s in sorted(meaning.substances)]
            kept += phrase.split()
        else:
            filler.append(phrase)
    return Understood(
        text,
        tuple(_narrowed(needs)),
        tuple(substances),
        tuple(names),
        tuple(ignored),
        tuple(filler),
        tuple(fixes),
        tuple(kept),
    )


def _narrowed(needs: list[Need]) -> list[Need]:
    """``needs`` with each pair ``NARROWER`` names replaced by its narrower option."""
    for (group, pair), option in NARROWER.items():
        said = [n for n in needs if n.group == group and n.option in pair]
        if {n.option for n in said} == pair:
            words = " ".join(dict.fromkeys(n.words for n in said))
            needs = [n for n in needs if n not in said] + [Need(group, option, words)]
    return needs


def substance_rows(codes_field: Any, size: int) -> np.ndarray:
    """One flag per catalog row: the place treats substance use (``codes_field``: the snapshot's
    grouped codes field)."""
    mask = np.zeros(size, dtype=bool)
    for code in SUBSTANCE_CODES:
        mask[codes_field.all_of((code.lower(),))] = True
    return mask
