"""An in-memory catalog of active providers for location, filters, facets and sorting.

Coordinates live in a KD-tree over unit vectors (chord distance orders points exactly as
great-circle distance does), tags in a boolean matrix with one column per taxonomy option. The
catalog is rebuilt from the database whenever the database's ``data_version`` moves.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select

from ..db import db
from ..listing import ListingCache
from ..models import Provider, data_version
from ..taxonomy import Taxonomy

EARTH_RADIUS_MILES = 3958.7613


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def haversine_miles(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distance in miles from one point to many."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dlat, dlon = p2 - p1, np.radians(lons - lon)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass
class Catalog:
    version: int
    pks: np.ndarray  # provider primary keys, one per row
    lat: np.ndarray
    lon: np.ndarray
    states: np.ndarray
    tags: np.ndarray  # bool, rows x options (taxonomy order)
    name_rank: np.ndarray  # position of each row when sorted by name
    tree: cKDTree
    words: dict[str, int]  # unstemmed words of names, for spelling suggestions
    listings: ListingCache = field(default_factory=ListingCache)  # what results show, for this version

    def __len__(self) -> int:
        return len(self.pks)

    def within(self, lat: float, lon: float, miles: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows within ``miles`` of a point and their exact distances (unsorted)."""
        if len(self) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        chord = 2 * np.sin(min(miles / EARTH_RADIUS_MILES, np.pi) / 2) * 1.0000001
        rows = np.asarray(self.tree.query_ball_point(unit_vectors(np.array([lat]), np.array([lon]))[0], chord),
                          dtype=np.int64)
        dist = haversine_miles(lat, lon, self.lat[rows], self.lon[rows])
        keep = dist <= miles
        return rows[keep], dist[keep]


def build_catalog(tax: Taxonomy) -> Catalog:
    """Read every active provider's location, codes and name into arrays."""
    version = data_version()
    rows = db.session.execute(
        select(Provider.id, Provider.latitude, Provider.longitude, Provider.state, Provider.codes, Provider.name,
               Provider.name2).where(Provider.status == "active").order_by(Provider.id)
    ).all()
    options = tax.options
    code_columns: dict[str, list[int]] = {}
    for j, o in enumerate(options):
        for c in o.codes:
            code_columns.setdefault(c, []).append(j)
    n = len(rows)
    tags = np.zeros((n, len(options)), dtype=bool)
    words: dict[str, int] = {}
    for i, r in enumerate(rows):
        for c in r.codes.split():
            for j in code_columns.get(c, ()):
                tags[i, j] = True
        for w in f"{r.name} {r.name2}".lower().split():
            w = w.strip(".,()&'\"-/")
            if len(w) > 3 and w.isalpha():
                words[w] = words.get(w, 0) + 1
    lat = np.array([r.latitude for r in rows], dtype=float)
    lon = np.array([r.longitude for r in rows], dtype=float)
    names = [f"{r.name} {r.name2}".lower() for r in rows]
    order = sorted(range(n), key=names.__getitem__)
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[order] = np.arange(n)
    pks = np.array([r.id for r in rows], dtype=np.int64)
    return Catalog(
        version=version, pks=pks, lat=lat, lon=lon, states=np.array([r.state for r in rows], dtype="U2"),
        tags=tags, name_rank=name_rank, tree=cKDTree(unit_vectors(lat, lon) if n else np.zeros((0, 3))),
        words=words,
    )


class CatalogHolder:
    """Keeps one process's catalog current, checking the data version at most every ``interval`` seconds."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._catalog: Catalog | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self, tax: Taxonomy) -> Catalog:
        now = time.monotonic()
        cat = self._catalog
        if cat is not None and now - self._checked < self.interval:
            return cat
        version = data_version()
        if cat is not None and cat.version == version:
            self._checked = now
            return cat
        with self._lock:
            if self._catalog is None or self._catalog.version != version:
                self._catalog = build_catalog(tax)
            self._checked = time.monotonic()
            return self._catalog

