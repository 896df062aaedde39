"""Turn place text ('06708', 'Waterbury, CT', 'Springfield', '41.55,-73.06') into coordinates.

The default geocoder is an offline gazetteer built from the ``zipcodes`` package's ZIP centroids
(GeoNames data); it is a geopy ``Geocoder``, so an online one (Nominatim) can stand in its place
for street addresses when configured.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from flask import Flask, current_app
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from .geo import miles_between
from .normalize import STATES, state_code, text

MAIN_CITY_ZIPS = 5  # a bare city name is read as a place only for cities with this many ZIP codes
MAIN_CITY_RATIO = 5  # ... and this many times more than any other city of that name
SIMILAR_NAME = 85  # rapidfuzz ratio for a place name that may be a misspelling
TOWN_ZIP_KM = 25  # a town with no ZIP centre this close is not placed in a state
KM_PER_MILE = 1.609344
EARTH_KM = 6371.0  # a chord on the unit sphere, times this, is (nearly) the distance in km

# Words of place names written either way ("Sault Ste. Marie" is "Sault Sainte Marie").
PLACE_ABBREVIATIONS = {
    "st": ("saint", "sainte"),
    "ste": ("sainte",),
    "ft": ("fort",),
    "mt": ("mount",),
    "saint": ("st",),
    "sainte": ("ste", "st"),
    "fort": ("ft",),
    "mount": ("mt",),
}

_COORDS = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"(?:^|\D)(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    precision: str  # point | address | zip | city | state
    state: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "precision": self.precision,
            "state": self.state,
        }


class Gazetteer:
    """ZIP, city and state centroids for the US, built once from the ``zipcodes`` package."""

    def __init__(self) -> None:
        import zipcodes

        self.zips: dict[str, Place] = {}
        city_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        city_names: dict[tuple[str, str], str] = {}
        state_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for z in zipcodes.list_all():
            try:
                lat, lon = float(z["lat"]), float(z["long"])
            except (TypeError, ValueError):
                continue
            if (lat, lon) == (0.0, 0.0) or z["state"] not in STATES:
                continue
            city = z["city"].title()
            self.zips[z["zip_code"]] = Place(
                f"{city}, {z['state']} {z['zip_code']}", lat, lon, "zip", z["state"]
            )
            key = (city.lower(), z["state"])
            city_points[key].append((lat, lon))
            city_names[key] = city
            state_points[z["state"]].append((lat, lon))
        # A city's centre is the mean of its ZIP centroids, so a city and its ZIPs find the same
        # providers.
        self.cities: dict[tuple[str, str], Place] = {
            key: Place(f"{city_names[key]}, {key[1]}", *_mean(pts), "city", key[1])
            for key, pts in city_points.items()
        }
        self.city_states: dict[str, list[str]] = defaultdict(list)
        for city, st in sorted(self.cities):
            self.city_states[city].append(st)
        self.states: dict[str, Place] = {
            st: Place(STATES[st], *_mean(pts), "state", st) for st, pts in state_points.items()
        }
        # How many ZIP codes a city has: a rough size, to tell Phoenix, AZ from Phoenix, OR.
        self.city_size = {key: len(pts) for key, pts in city_points.items()}
        zips = list(self.zips.values())
        self._zip_places = zips
        # ZIP centres as points on the unit sphere in a k-d tree: the nearest ZIP by chord is the
        # nearest by great circle, found in microseconds rather than by scanning 41,000 ZIPs.
        self._zip_tree = cKDTree(_unit([z.latitude for z in zips], [z.longitude for z in zips]))
        self._add_towns()

    def _add_towns(self) -> None:
        """Towns the ZIP list files under a neighbour's name (Doral, FL is 'Miami' there), from
        the bundled GeoNames places: each goes in the state most of its three nearest ZIPs are
        in, when one is within ``TOWN_ZIP_KM``. A name the ZIP list has in that state wins."""
        from .townlabels import load_places

        towns = load_places()
        distance, nearest = self._zip_tree.query(_unit(towns.lat, towns.lon), k=3)
        for i, name in enumerate(towns.names):
            key_name = " ".join(name.replace(".", " ").split()).lower()
            if "," in name or distance[i][0] * EARTH_KM > TOWN_ZIP_KM:
                continue
            states = [self._zip_places[j].state for j in nearest[i]]
            st = max(set(states), key=states.count)
            lat, lon = round(float(towns.lat[i]), 5), round(float(towns.lon[i]), 5)
            known = [
                self.cities[(spelled, s)]
                for spelled in _spellings(key_name)
                for s in self.city_states.get(spelled, [])
            ]
            if any(p.state == st for p in known) or any(
                miles_between(lat, lon, p.latitude, p.longitude) * KM_PER_MILE < TOWN_ZIP_KM
                for p in known
            ):  # known already, perhaps spelled out or across a state line (Rock Island, IL)
                continue
            self.cities[(key_name, st)] = Place(f"{name}, {st}", lat, lon, "city", st)
            self.city_states[key_name].append(st)
            self.city_size[(key_name, st)] = 1

    def nearest(self, lat: float, lon: float) -> Place:
        """The place (city, state and ZIP) whose ZIP centre is nearest a point, keeping the
        point."""
        _, i = self._zip_tree.query(_unit([lat], [lon])[0])
        z = self._zip_places[int(i)]
        return Place(z.name, lat, lon, "point", z.state)

    def main_city(self, name: str) -> Place | None:
        """The city a bare name most likely means: the only one so called, or one much bigger than
        the others ('Phoenix' is Phoenix, AZ); None when it is small or no one place stands out."""
        states = self.city_states.get(name.lower(), [])
        sizes = sorted(((self.city_size[(name.lower(), st)], st) for st in states), reverse=True)
        if not sizes or sizes[0][0] < MAIN_CITY_ZIPS:
            return None
        if len(sizes) > 1 and sizes[0][0] < MAIN_CITY_RATIO * sizes[1][0]:
            return None
        return self.cities[(name.lower(), sizes[0][1])]

    def similar(self, query: str, limit: int = 3) -> list[Place]:
        """Places whose names are spelled like ``query`` ('Brooklin NY' -> Brooklyn, NY), biggest
        first."""
        words = text(query).replace(",", " ").replace(".", " ").split()
        state = ""
        for n in (3, 2, 1):
            if len(words) > n and state_code(" ".join(words[-n:])):
                state, words = state_code(" ".join(words[-n:])), words[:-n]
                break
        name = " ".join(words).lower()
        if len(name) < 3:
            return []
        pool = [k for k in self.cities if not state or k[1] == state]
        found = process.extract(
            name,
            [k[0] for k in pool],
            scorer=fuzz.ratio,
            score_cutoff=SIMILAR_NAME,
            limit=limit * 4,
        )
        keys = sorted({pool[i] for _, _, i in found}, key=lambda k: -self.city_size[k])
        return [self.cities[k] for k in keys[:limit]]

    def lookup(self, query: str) -> list[Place]:
        """Return the places ``query`` may mean: none, one, or several when a city name is
        ambiguous."""
        raw = text(query)
        q = " ".join(raw.replace(".", " ").split())
        if not q:
            return []
        m = _COORDS.match(raw)
        if m:
            lat, lon = float(m.group(1)), float(m.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return [Place(f"{lat:.3f}, {lon:.3f}", lat, lon, "point")]
            return []
        m = _ZIP.search(q)
        if m and m.group(1) in self.zips:
            return [self.zips[m.group(1)]]
        if state_code(q):
            return [self.states[state_code(q)]] if state_code(q) in self.states else []
        return self._city(q)

    def _city(self, q: str) -> list[Place]:
        parts = [p.strip() for p in q.split(",") if p.strip()]
        if len(parts) >= 2:
            st = state_code(parts[-1].split()[0]) or state_code(parts[-1])
            if st:
                place = self.cities.get((parts[-2].lower(), st))
                return [place] if place else []
        words = q.replace(",", " ").split()
        for n in (
            1,
            2,
            3,
        ):  # "Waterbury CT", "Santa Fe New Mexico", "Washington District of Columbia"
            if len(words) > n:
                st = state_code(" ".join(words[-n:]))
                if st:
                    place = self.cities.get((" ".join(words[:-n]).lower(), st))
                    if place:
                        return [place]
        city = " ".join(words).lower()
        return [self.cities[(city, st)] for st in self.city_states.get(city, [])]

    def zip_place(self, zip_code: str) -> Place | None:
        return self.zips.get(zip_code)

    def city_place(self, city: str, state: str) -> Place | None:
        return self.cities.get((city.lower(), state))


def _spellings(name: str) -> list[str]:
    """A lower-case place name and its spellings with one abbreviation written either way."""
    words = name.split()
    out = [name]
    for i, w in enumerate(words):
        out += [" ".join([*words[:i], o, *words[i + 1 :]]) for o in PLACE_ABBREVIATIONS.get(w, ())]
    return out


def _unit(lat: Any, lon: Any) -> np.ndarray:
    """Points (degrees) as unit vectors, one row each."""
    la, lo = (
        np.radians(np.asarray(lat, dtype=np.float64)),
        np.radians(np.asarray(lon, dtype=np.float64)),
    )
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        round(sum(p[0] for p in points) / len(points), 5),
        round(sum(p[1] for p in points) / len(points), 5),
    )


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer (built on first use, about half a second)."""
    return Gazetteer()


class OfflineGazetteer(Geocoder):
    """A geopy geocoder that answers from the bundled gazetteer and never touches the network."""

    def __init__(self) -> None:
        super().__init__(user_agent="offline-gazetteer")

    def geocode(self, query: str, *, exactly_one: bool = True) -> Location | list[Location] | None:
        places = gazetteer().lookup(query)
        locations = [Location(p.name, (p.latitude, p.longitude), p.as_dict()) for p in places]
        if not locations:
            return None
        if exactly_one:
            return locations[0] if len(locations) == 1 else None
        return locations


class PlaceResolver:
    """Resolve place text offline first, then with the online geocoder when one is configured."""

    def __init__(self, online: Any | None = None) -> None:
        self.online = online

    def resolve(self, query: str) -> list[Place]:
        places = gazetteer().lookup(query)
        if places or self.online is None:
            return places
        loc = self.online(query)
        if loc is None:
            return []
        return [Place(loc.address, round(loc.latitude, 6), round(loc.longitude, 6), "address")]


def make_resolver(config: dict[str, Any]) -> PlaceResolver:
    """Build the resolver the configuration asks for (``GEOCODER``: offline or nominatim)."""
    kind = config.get("GEOCODER", "offline")
    if kind == "offline":
        return PlaceResolver()
    if kind == "nominatim":
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        nominatim = Nominatim(user_agent=config["GEOCODER_USER_AGENT"], timeout=5)
        limited = RateLimiter(nominatim.geocode, min_delay_seconds=config["GEOCODER_MIN_DELAY"])
        cached = lru_cache(maxsize=4096)(lambda q: limited(q, country_codes="us"))
        return PlaceResolver(online=cached)
    raise ValueError(f"GEOCODER must be 'offline' or 'nominatim', not {kind!r}")


def resolver() -> PlaceResolver:
    return current_app.extensions["place_resolver"]


def init_app(app: Flask) -> None:
    """Attach the place resolver the configuration names."""
    app.extensions["place_resolver"] = make_resolver(app.config)
