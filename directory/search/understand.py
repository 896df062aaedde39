"""Read a place out of what people type in the search box: "detox near 85004", "rehab in
Brooklyn, NY", "suboxone 22902", "detox Phoenix". The rest is read for needs (``needs.py``).

Only the end of the text (or a ZIP code anywhere) is read as a place, and only when it names one:
"Phoenix House" stays a name, "detox Phoenix" becomes detox near Phoenix, AZ (the one big Phoenix).
Places are found with their abbreviations spelled either way ("Sault Ste. Marie", "St. Louis",
"Ft. Myers", "Mt. Vernon").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import current_app

from ..geocode import PLACE_ABBREVIATIONS, Gazetteer, Place
from ..normalize import state_code
from ..taxonomy import Taxonomy
from .fields import EMPTY
from .needs import Lexicon, Understood, Vocabulary, load_lexicon, read_words
from .params import SearchQuery
from .snapshot import Snapshot
from .text import tokens, words_of
from .textindex import IndexUnavailable

# "X near Y", "X in Y" (and their Spanish forms): Y is meant as a place.
_JOINERS = re.compile(r"\s+(?:near|in|around|close to|cerca de|en)\s+", re.I)
_ZIP = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_SPACES = re.compile(r"\s+")
_JOINER_END = re.compile(r"\s+(?:near|in|around|close to|cerca de|en)$", re.I)
# How gazetteers and listings spell the first words of place names, both ways.


@dataclass(frozen=True)
class Reading:
    words: str  # what is left to search as text
    place: str  # the place, as typed


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ,")


def place_spellings(text: str) -> list[str]:
    """``text`` and its other spellings: abbreviations written out or shortened, dots dropped
    ("Sault Ste. Marie, MI" -> "Sault Sainte Marie, MI")."""
    words = _squash(text.replace(".", " ").replace(",", " , ")).split()
    out = [text]
    for i, w in enumerate(words):
        for other in PLACE_ABBREVIATIONS.get(w.lower(), ()):
            spelled = " ".join([*words[:i], other.title(), *words[i + 1 :]])
            out.append(spelled.replace(" ,", ","))
    return list(dict.fromkeys(out))


def lookup(text: str, gaz: Gazetteer) -> list[Place]:
    """The places ``text`` names, under any of its spellings (the first that names some)."""
    for spelled in place_spellings(text):
        found = gaz.lookup(spelled)
        if found:
            return found
    return []


def read_place(text: str, gaz: Gazetteer) -> Reading | None:
    """The place inside ``text`` and the words around it, or None when it names no place."""
    zip_match = _ZIP.search(text)
    if zip_match and zip_match.group(1) in gaz.zips:
        rest = text[: zip_match.start()] + " " + text[zip_match.end() :]
        return Reading(_squash(_JOINER_END.sub("", _squash(rest))), zip_match.group(1))
    parts = _JOINERS.split(text)
    if len(parts) > 1:
        tail = _squash(parts[-1])
        if _is_place(tail, gaz) or _misspelled_place(tail, gaz):
            return Reading(_squash(" ".join(parts[:-1])), tail)
    return _trailing_place(text, gaz)


def _has_state(text: str) -> bool:
    words = text.replace(",", " ").split()
    return any(state_code(" ".join(words[-n:])) for n in (1, 2, 3) if len(words) > n)


def _is_place(text: str, gaz: Gazetteer) -> bool:
    """A city with its state, a state's name, or a big city's name alone ("Phoenix")."""
    if _has_state(text):
        return bool(lookup(text, gaz))
    words = text.split()
    if state_code(text) and (len(words) > 1 or len(text) > 2):
        return (
            True  # "Texas", "New York": not the two-letter codes, which are words too (in, or, me)
        )
    return "," not in text and gaz.main_city(text) is not None


def _misspelled_place(text: str, gaz: Gazetteer) -> bool:
    """True when ``text`` looks like a place spelled wrong: a state is named ("Brooklin NY"), or the
    closest name is a big city ("Albequerque"); "care in home" is not one."""
    found = gaz.similar(text, limit=1)
    if not found:
        return False
    return _has_state(text) or gaz.main_city(found[0].name.split(",")[0]) is not None


def _trailing_place(text: str, gaz: Gazetteer) -> Reading | None:
    """A place that ends ``text`` after other words: the longest ending that names one."""
    words = _squash(text.replace(",", " , ")).split()
    for n in (4, 3, 2, 1):
        if len(words) <= n:
            continue
        tail = _squash(" ".join(words[-n:]))
        if _is_place(tail, gaz):
            found = lookup(tail, gaz)
            name = found[0].name if len(found) == 1 else tail
            if len(found) != 1 and (main := gaz.main_city(tail)) is not None:
                name = main.name
            return Reading(_squash(" ".join(words[:-n])), name)
    return None


def lexicon() -> Lexicon:
    """The need phrases of every language, read once per taxonomy."""
    tax: Taxonomy = current_app.extensions["taxonomy"]
    return tax.derived(  # type: ignore[no-any-return]
        "needs", lambda t: load_lexicon(Path(current_app.config["DATA_DIR"]), t)
    )


def vocabulary(snap: Snapshot) -> Vocabulary:
    """What this snapshot's listings hold, for reading words (readings are remembered with it).
    Without the text index no word can be said to be no listing's name: every word is kept."""

    def make(s: Snapshot) -> Vocabulary:
        if s.text.names is None:
            return Vocabulary(lambda token: True, lambda word, lang: None)
        return Vocabulary(
            s.text.known, s.text.suggest, lambda word: (word,) in s.text.synonyms.rules
        )

    return snap.lazily("vocabulary", make)  # type: ignore[no-any-return]


def read_words_of(q: SearchQuery, snap: Snapshot, lang: str) -> Understood:
    """What the words of ``q`` say (see ``needs.read_words``). Words that name a listing are its
    name, not needs: words of a name with needs that some name holds all of ("Natchaug Hospital
    Inc", "Teen Challenge"), or three words or more that are a whole name ("Adolescent Counseling
    Services")."""
    vocab = vocabulary(snap)
    key = ("name?", lang, q.q)
    found = vocab._memo.get(key)
    if found is None:
        found = read_words(q.q, lexicon(), vocab, lang)
        named = False
        if found.needs or found.substances:
            words = " ".join(words_of(found.text))
            if found.name_words:
                named = _names_hold(snap, found.text) is True
            else:
                named = len(words.split()) >= WHOLE_NAME_WORDS and words in whole_names(snap)
        if named:
            found = found.as_name()
        else:
            # without the index, any words may be a name: they stay one
            found = found.softened(lambda words: _names_hold(snap, words) is not False)
        vocab._memo[key] = found
    return found


def _names_hold(snap: Snapshot, words: str) -> bool | None:
    """Whether some listing's name holds all of ``words`` (None: no words, or no index to ask):
    the rarest word's rows first, stopping as soon as none are left."""
    toks = list(dict.fromkeys(tokens(words)))
    names = snap.text.names
    if not toks or names is None:
        return None
    try:
        return len(names.naming(toks)) > 0
    except IndexUnavailable:
        return None


WHOLE_NAME_WORDS = 3  # fewer words ("detox center") are needs even when a listing is so named


def whole_names(snap: Snapshot) -> frozenset[str]:
    """Every listing's name as folded words ("adolescent counseling services")."""
    return snap.lazily(  # type: ignore[no-any-return]
        "whole_names", lambda s: frozenset(" ".join(words_of(x.name)) for x in s.listings)
    )


def read_needs(q: SearchQuery, snap: Snapshot, lang: str) -> tuple[SearchQuery, Understood]:
    """``q`` with the needs its words say as filters, and its words without them (substances, name
    words and ignored words stay in ``q``, so the query reads the same again). In a group where
    options are chosen already, the choice stands: "detox" typed with 24-hour detox ticked stays
    24-hour detox."""
    understood = read_words_of(q, snap, lang)
    if not understood.needs and len(understood.kept) == len(words_of(q.q)):
        return q, understood
    tax: Taxonomy = current_app.extensions["taxonomy"]
    said = understood.needs_as_filters()
    filters = {
        g.key: q.filters.get(g.key) or said[g.key]
        for g in tax.groups
        if g.key in q.filters or g.key in said
    }
    return q.with_(q=" ".join(understood.kept), filters=filters), understood


def exact_name_rows(snap: Snapshot, text: str) -> np.ndarray:
    """Rows whose whole name (or second name) is ``text``, word for word: the place a referral
    letter names, first even where many names share its words ("Behavioral Health Services")."""
    return snap.lazily("whole-names", _whole_names).get(" ".join(words_of(text)), EMPTY)


def _whole_names(snap: Snapshot) -> dict[str, np.ndarray]:
    found: dict[str, list[int]] = {}
    for row, listing in enumerate(snap.listings):
        for name in {" ".join(words_of(listing.name)), " ".join(words_of(listing.name2 or ""))}:
            if name:
                found.setdefault(name, []).append(row)
    return {name: np.asarray(rows, dtype=np.int64) for name, rows in found.items()}


def name_rows(snap: Snapshot, text: str) -> np.ndarray | None:
    """Rows whose name (or second name) holds every word of ``text``: the words name them."""
    toks = list(dict.fromkeys(tokens(text)))
    names = snap.text.names
    if not toks or names is None:
        return None
    return names.naming(toks)
