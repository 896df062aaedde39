"""Read a place out of what people type in the search box: "detox near 85004", "rehab in
Brooklyn, NY", "suboxone 22902", "detox Phoenix". The rest is searched as words.

Only the end of the text (or a ZIP code anywhere) is read as a place, and only when it names one:
"Phoenix House" stays a name, "detox Phoenix" becomes detox near Phoenix, AZ (the one big Phoenix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..geocode import Gazetteer
from ..normalize import state_code

# "X near Y", "X in Y" (and their Spanish forms): Y is meant as a place.
_JOINERS = re.compile(r"\s+(?:near|in|around|close to|cerca de|en)\s+", re.I)
_ZIP = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_SPACES = re.compile(r"\s+")
_JOINER_END = re.compile(r"\s+(?:near|in|around|close to|cerca de|en)$", re.I)


@dataclass(frozen=True)
class Reading:
    words: str  # what is left to search as text
    place: str  # the place, as typed


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ,")


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
        return bool(gaz.lookup(text))
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
            found = gaz.lookup(tail)
            name = found[0].name if len(found) == 1 else tail
            if len(found) != 1 and (main := gaz.main_city(tail)) is not None:
                name = main.name
            return Reading(_squash(" ".join(words[:-n])), name)
    return None
