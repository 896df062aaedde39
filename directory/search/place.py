"""Where a search is: the place typed (or read from the words), the point from "use my location",
and what to offer when a place name is ambiguous or spelled wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..geocode import Place, gazetteer, resolver
from ..normalize import state_code
from .params import SearchQuery
from .snapshot import Snapshot, snapshot
from .understand import Reading, place_spellings, read_place


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
    places: list[Place] = []
    for spelled in place_spellings(q.near):  # "Sault Ste. Marie, MI" is Sault Sainte Marie
        places = resolver().resolve(spelled)
        if places:
            break
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
    listed = listed_city(q.near)
    if listed is not None:  # a town our listings name that the ZIP gazetteer calls otherwise
        return Located(listed)
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


def listed_city(text: str) -> Place | None:
    """A "City, ST" that providers give as their city, placed at their middle (East Palo Alto, CA
    has listings; the ZIP gazetteer files it under Palo Alto)."""
    words = text.replace(",", " , ").split()
    for n in (1, 2, 3):  # the state, written as a code or a name, ends the text
        st = state_code(" ".join(w for w in words[-n:] if w != ","))
        if st and len(words) > n:
            city = " ".join(w for w in words[:-n] if w != ",").strip().lower()
            found = snapshot().lazily("listed_cities", _city_centres).get((city, st))
            if found is not None:
                name, lat, lon = found
                return Place(f"{name}, {st}", lat, lon, "city", st)
    return None


def _city_centres(snap: Snapshot) -> dict[tuple[str, str], tuple[str, float, float]]:
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    names: dict[tuple[str, str], str] = {}
    for listing in snap.listings:
        if listing.city and listing.state:
            key = (listing.city.lower(), listing.state)
            points.setdefault(key, []).append((listing.latitude, listing.longitude))
            names.setdefault(key, listing.city)
    return {
        k: (
            names[k],
            round(sum(p[0] for p in v) / len(v), 5),
            round(sum(p[1] for p in v) / len(v), 5),
        )
        for k, v in points.items()
    }
