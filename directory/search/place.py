"""Where a search is: the place typed (or read from the words), the point from "use my location",
and what to offer when a place name is ambiguous or spelled wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..geocode import Place, gazetteer, resolver
from .params import SearchQuery
from .understand import Reading, read_place


@dataclass(frozen=True)
class Located:
    place: Place | None
    choices: list[Place] = field(default_factory=list)  # other places the name may mean
    message: str = ""  # why there is no place, or which of several was chosen


def understand(q: SearchQuery) -> tuple[SearchQuery, Reading | None]:
    """A query whose words name a place and no place was given ("detox near 85004") as words plus
    a place; a typed place wins over coordinates remembered from "use my location"."""
    if q.near and q.lat is not None:
        q = q.with_(lat=None, lon=None)
    if q.q and not q.near and q.lat is None:
        reading = read_place(q.q, gazetteer())
        if reading is not None:
            return q.with_(q=reading.words, near=reading.place), reading
    return q, None


def locate(q: SearchQuery) -> Located:
    """The query's place: its coordinates (named after the nearest town), or its place text."""
    if q.lat is not None and q.lon is not None:
        return Located(gazetteer().nearest(q.lat, q.lon))
    if not q.near:
        return Located(None)
    places = resolver().resolve(q.near)
    if len(places) == 1:
        return Located(places[0])
    if places:
        main = gazetteer().main_city(q.near)
        if main is not None:  # "Phoenix" is Phoenix, AZ; the others are offered
            others = [p for p in places if p != main]
            return Located(
                main,
                others,
                _(
                    "Showing %(place)s. Other places are called %(name)s too:",
                    place=main.name,
                    name=q.near,
                ),
            )
        return Located(
            None,
            places,
            _(
                "There is more than one place called “%(name)s”. Which one did you mean?",
                name=q.near,
            ),
        )
    similar = gazetteer().similar(q.near)
    if similar:
        return Located(
            None, similar, _("We could not find the place “%(name)s”. Did you mean:", name=q.near)
        )
    return Located(
        None,
        [],
        _(
            "We could not find the place “%(name)s”. Try a 5-digit ZIP code or a city "
            "and state, like “Waterbury, CT”.",
            name=q.near,
        ),
    )
