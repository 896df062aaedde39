"""What to try when a search finds nothing: each suggestion is a search that would find something,
with its count (a wider radius, a filter or a word left out, the same place without words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .params import SearchQuery
from .text import words_of

WIDER_RADII = (10, 25, 50, 100, 150, 250)

Counter = Callable[[SearchQuery], int]  # how many results a search gives


@dataclass
class Suggestions:
    radius: tuple[float, int] | None = None  # (miles, results there)
    drop: list[tuple[str, str, int]] = field(
        default_factory=list
    )  # (group, option, results without it)
    spelling: str | None = None
    words: list[tuple[str, str, int]] = field(
        default_factory=list
    )  # (word left out, text left, results)
    without_words: int = 0  # results of the same place and filters without any words
    # (miles, places there, filters kept): without the words, farther away, or of any kind at all
    broader: tuple[float, int, bool] | None = None
    # (group, option) chosen that no place here has, whatever else is chosen
    finds_nothing: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.radius
            or self.drop
            or self.spelling
            or self.words
            or self.without_words
            or self.broader
        )


def wider_radius(
    q: SearchQuery, max_radius: float, distances: np.ndarray
) -> tuple[float, int] | None:
    """The smallest wider radius with results; ``distances``: of the filtered rows at the widest."""
    for r in (r for r in WIDER_RADII if q.radius < r <= max_radius):
        n = int((distances <= r).sum())
        if n:
            return float(r), n
    return None


def without_filters(q: SearchQuery, count: Counter) -> list[tuple[str, str, int]]:
    """Each chosen filter option left out, with what the search would then give."""
    out = []
    for group, options in q.filters.items():
        for option in options:
            rest = tuple(o for o in options if o != option)
            filters = {g: o for g, o in q.filters.items() if g != group}
            if rest:
                filters[group] = rest
            n = count(q.with_(filters=filters))
            if n:
                out.append((group, option, n))
    return out


def finding_nothing(q: SearchQuery, count: Counter) -> list[tuple[str, str]]:
    """The chosen options that alone (with the words and place, without the other filters) find
    nothing: the need to say finds nothing here."""
    if sum(len(o) for o in q.filters.values()) < 2:
        return []
    return [
        (group, option)
        for group, options in q.filters.items()
        for option in options
        if not count(q.with_(filters={group: (option,)}))
    ]


def without_words(q: SearchQuery, count: Counter) -> tuple[list[tuple[str, str, int]], int]:
    """Each word left out of the text (when there are several), and no words at all."""
    words = words_of(q.q)
    out = []
    if len(words) > 1:
        for i, w in enumerate(words):
            rest = " ".join(words[:i] + words[i + 1 :])
            n = count(q.with_(q=rest))
            if n:
                out.append((w, rest, n))
    return out, (count(q.with_(q="")) if words else 0)
