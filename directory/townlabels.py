"""Town names for the result map: which towns to name, and where their labels go.

The towns come from ``data/geo/us-places.json`` (GeoNames' US places of 1,000 people or more,
built by ``scripts/build_map_data.py``), read once per process. Labels are chosen the largest
town first, towns inside the search circle before those outside it, and each goes beside its
town's dot (right, left, above, below or diagonally) where it covers no other label, dot,
marker or legend and stays inside the image; a town whose label fits nowhere is left out.

Text widths are estimated (no font metrics on the server): ``CHAR_EM`` ems a character, a little
wider than system-ui's average, so estimated boxes hold the real text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from .geo import miles_between

PLACES_PATH = Path(__file__).resolve().parent.parent / "data" / "geo" / "us-places.json"
CHAR_EM = 0.6  # estimated width of a character, in ems
BOLD_SIZE = 13  # labels this size and up (the biggest towns) are semibold ...
BOLD_WIDTH = 1.1  # ... and so this much wider
DOT_R = 2.5  # a town's dot, in pixels
GAP = 3  # pixels between a dot and its label
FAR = 13  # pixels from a town's point to its label when a result marker (radius 9) covers it
PAD = 2  # pixels kept clear around each label (its halo is 1.5)
PX_PER_LABEL = 8000  # at most one label for this many square pixels of image
TRIES_PER_LABEL = 8  # towns tried per label allowed, so a crowded state view stays quick
TOWN_COLOURS = {"dot": "#4a535c", "big": "#1f2328", "small": "#3d444d"}

Box = tuple[float, float, float, float]  # left, top, right, bottom (px)


@dataclass(frozen=True)
class Places:
    """Towns as parallel arrays, the largest first."""

    names: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray


@dataclass(frozen=True)
class Label:
    """One placed town label: the dot at (x, y), the text's anchor, size and box."""

    name: str
    x: float
    y: float
    tx: float
    ty: float
    anchor: str  # start | middle | end
    size: int
    box: Box


@lru_cache(maxsize=2)
def load_places(path: Path = PLACES_PATH) -> Places:
    """Read the bundled places file (once per process and path)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    unit = data["unit"]
    return Places(
        tuple(data["names"]),
        np.asarray(data["lon"], dtype=np.float64) * unit,
        np.asarray(data["lat"], dtype=np.float64) * unit,
        np.asarray(data["population"], dtype=np.int64),
    )


def font_size(population: int) -> int:
    """Return the label size for a town: bigger towns, bigger names."""
    if population >= 250_000:
        return BOLD_SIZE
    return 12 if population >= 25_000 else 11


def text_box(name: str, tx: float, ty: float, anchor: str, size: int) -> Box:
    """Return the estimated box of text drawn at (tx, ty) with a baseline and an anchor."""
    width = len(name) * CHAR_EM * size * (BOLD_WIDTH if size >= BOLD_SIZE else 1)
    left = {"start": tx, "middle": tx - width / 2, "end": tx - width}[anchor]
    return (left, ty - 0.78 * size, left + width, ty + 0.22 * size)


def _candidates(x: float, y: float, size: int) -> list[tuple[float, float, str]]:
    """Return the label positions to try, best first: beside, above, below, then diagonally;
    close to the dot, then clear of a result marker that may sit on it."""
    out = []
    for off in (DOT_R + GAP, FAR):
        mid = y + 0.3 * size  # baseline that centres the text on the dot
        above, below = y - off - 0.22 * size, y + off + 0.78 * size
        side = off * 0.6  # diagonal labels start this far to the side
        out += [
            (x + off, mid, "start"),
            (x - off, mid, "end"),
            (x, above, "middle"),
            (x, below, "middle"),
            (x + side, above, "start"),
            (x + side, below, "start"),
            (x - side, above, "end"),
            (x - side, below, "end"),
        ]
    return out


def _hits(box: Box, boxes: list[Box]) -> bool:
    """Tell whether a box, grown by PAD, meets any of ``boxes``."""
    left, top, right, bottom = box[0] - PAD, box[1] - PAD, box[2] + PAD, box[3] + PAD
    return any(left < b[2] and b[0] < right and top < b[3] and b[1] < bottom for b in boxes)


def choose_labels(
    towns: list[tuple[str, float, float, int]],
    obstacles: list[Box],
    width: int,
    height: int,
) -> list[Label]:
    """Place labels for towns (name, x, y, population), in the order given, where they fit."""
    limit = max(3, round(width * height / PX_PER_LABEL))
    # The dots of the towns most likely to be named are kept clear from the start, so that a
    # big town's name does not cover the next town's dot and push it off the map.
    dots = [(x - DOT_R, y - DOT_R, x + DOT_R, y + DOT_R) for _, x, y, _ in towns[:limit]]
    taken = list(obstacles) + dots
    placed: list[Label] = []
    for name, x, y, population in towns[: limit * TRIES_PER_LABEL]:
        if len(placed) >= limit:
            break
        dot = (x - DOT_R, y - DOT_R, x + DOT_R, y + DOT_R)
        if _hits(dot, [label.box for label in placed]):
            continue  # a dot under another town's name would seem to be that town
        size = font_size(population)
        for tx, ty, anchor in _candidates(x, y, size):
            box = text_box(name, tx, ty, anchor, size)
            inside = box[0] >= PAD and box[1] >= PAD and box[2] <= width - PAD
            if inside and box[3] <= height - PAD and not _hits(box, taken):
                placed.append(Label(name, x, y, tx, ty, anchor, size, box))
                taken += [box, dot]
                break
    return placed


def towns_in_view(
    places: Places,
    bounds: tuple[float, float, float, float],
    lon0: float,
    project: Callable[[float, float], tuple[float, float]],
    circle: tuple[float, float, float] | None,
) -> list[tuple[str, float, float, int]]:
    """List the towns in the view as (name, x, y, population): in the circle first, then larger.

    ``bounds`` is the view's west, south, east and north; ``circle`` is the search's (latitude,
    longitude, radius in miles). Longitudes are first turned to lie within 180° of ``lon0``, so
    Alaska's islands across 180° fall in a map of Alaska.
    """
    west, south, east, north = bounds
    lon = places.lon + 360 * np.round((lon0 - places.lon) / 360)
    lat = places.lat
    index = np.flatnonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
    if circle is not None:
        outside = miles_between(circle[0], circle[1], lat[index], lon[index]) > circle[2]
        index = np.concatenate([index[~outside], index[outside]])  # stable: largest first
    towns = []
    for i in index.tolist():
        x, y = project(float(lon[i]), float(lat[i]))
        towns.append((places.names[i], x, y, int(places.population[i])))
    return towns


def draw_labels(labels: list[Label]) -> str:
    """Draw town dots and their names, with a white halo under each name."""
    if not labels:
        return ""
    dots = "".join(f'<circle cx="{lb.x:.1f}" cy="{lb.y:.1f}" r="{DOT_R}"/>' for lb in labels)
    texts = []
    for lb in labels:
        colour = TOWN_COLOURS["big" if lb.size > 11 else "small"]
        weight = ' font-weight="600"' if lb.size >= BOLD_SIZE else ""
        texts.append(
            f'<text x="{lb.tx:.1f}" y="{lb.ty:.1f}" text-anchor="{lb.anchor}" '
            f'font-size="{lb.size}" fill="{colour}"{weight}>{escape(lb.name)}</text>'
        )
    return (
        f'<g class="towns"><g fill="{TOWN_COLOURS["dot"]}" stroke="#fff" stroke-width="1">'
        f"{dots}</g>"
        '<g stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
        f"{''.join(texts)}</g></g>"
    )
