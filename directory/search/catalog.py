"""The catalog: every active provider's location, tags and name, as arrays with one row
per provider.

Coordinates live in a KD-tree over unit vectors (chord distance orders points exactly as
great-circle distance does), tags in a boolean matrix with one column per taxonomy option. Row ``i``
is the provider with the ``i``-th smallest primary key. Built once per snapshot (``snapshot.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from ..geo import EARTH_RADIUS_MILES, miles_between
from ..taxonomy import Taxonomy

BITS_FROM = 20_000  # from this many rows on, option counts are made from packed bits


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


@dataclass(frozen=True)
class Catalog:
    pks: np.ndarray  # provider primary keys, one per row, ascending
    lat: np.ndarray
    lon: np.ndarray
    states: np.ndarray
    tags: np.ndarray  # bool, rows x options (taxonomy order)
    name_rank: np.ndarray  # position of each row when sorted by name
    tree: cKDTree
    words: dict[str, int]  # words of names (4 letters or more) -> how many names use them
    has_type: np.ndarray  # bool, one per row: lists at least one type of care
    tag_bits: np.ndarray  # the tag matrix's columns as bits (options x rows/8), for fast counting
    dropped: np.ndarray  # bool, one per row: absent from the newest national directory

    def __len__(self) -> int:
        return len(self.pks)

    def within(self, lat: float, lon: float, miles: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows within ``miles`` of a point and their exact distances (unsorted)."""
        if len(self) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        chord = 2 * np.sin(min(miles / EARTH_RADIUS_MILES, np.pi) / 2) * 1.0000001
        point = unit_vectors(np.array([lat]), np.array([lon]))[0]
        rows = np.asarray(self.tree.query_ball_point(point, chord), dtype=np.int64)
        dist = miles_between(lat, lon, self.lat[rows], self.lon[rows])
        keep = dist <= miles
        return rows[keep], dist[keep]

    def option_counts(self, rows: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        """How many of ``rows`` have each option (of ``columns``)."""
        if len(rows) < BITS_FROM:  # a few rows: count them directly
            width = len(range(*columns.indices(self.tags.shape[1])))
            return self.tags[rows, columns].sum(axis=0) if len(rows) else np.zeros(width, int)
        mask = np.zeros(len(self), dtype=bool)
        mask[rows] = True
        return np.bitwise_count(self.tag_bits[columns] & np.packbits(mask)).sum(
            axis=1, dtype=np.int64
        )

    def rows_of(self, pks: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows of these primary keys (those not in the catalog left out)."""
        pks = np.asarray(pks, dtype=np.int64)
        idx = np.minimum(np.searchsorted(self.pks, pks), max(len(self.pks) - 1, 0))
        return idx[self.pks[idx] == pks] if len(self.pks) else np.empty(0, dtype=np.int64)


def build_catalog(
    rows: Sequence[Any], tax: Taxonomy, dropped: Sequence[bool] | None = None
) -> Catalog:
    """From provider rows (``id``, ``latitude``, ``longitude``, ``state``, ``codes``, ``name``,
    ``name2``, ``aliases``), ordered by id; ``dropped``: which rows the newest national directory
    no longer lists (their listings say so)."""
    options = tax.options
    code_columns: dict[str, list[int]] = {}
    for j, o in enumerate(options):
        for c in o.codes:
            code_columns.setdefault(c, []).append(j)
    n = len(rows)
    tags = np.zeros((n, len(options)), dtype=bool)
    columns_of: dict[str, list[int]] = {}  # many providers share a code set
    words: dict[str, int] = {}
    for i, r in enumerate(rows):
        cols = columns_of.get(r.codes)
        if cols is None:
            cols = columns_of[r.codes] = sorted(
                {j for c in r.codes.split() for j in code_columns.get(c, ())}
            )
        tags[i, cols] = True
        for w in f"{r.name} {r.name2} {r.aliases}".lower().split():
            w = w.strip(".,()&'\"-/")
            if len(w) > 3 and w.isalpha():
                words[w] = words.get(w, 0) + 1
    lat = np.array([r.latitude for r in rows], dtype=float)
    lon = np.array([r.longitude for r in rows], dtype=float)
    names = [f"{r.name} {r.name2}".lower() for r in rows]
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[sorted(range(n), key=names.__getitem__)] = np.arange(n)
    type_columns = tax.group_columns("type")
    return Catalog(
        has_type=tags[:, type_columns].any(axis=1),
        tag_bits=np.packbits(tags.T, axis=1),
        pks=np.array([r.id for r in rows], dtype=np.int64),
        lat=lat,
        lon=lon,
        states=np.array([r.state for r in rows], dtype="U2"),
        tags=tags,
        name_rank=name_rank,
        tree=cKDTree(unit_vectors(lat, lon) if n else np.zeros((0, 3))),
        words=words,
        dropped=np.array(dropped if dropped is not None else [False] * n, dtype=bool),
    )
