"""Draw a small SVG map of results from bundled US Census outlines: no other host, no JavaScript.

``render_svg`` is pure: it takes the search centre and radius and the (label, latitude, longitude,
approximate) of the results on the page, and returns a whole SVG document. The outlines come from
``data/geo/us-outlines.json`` and the town names from ``data/geo/us-places.json`` (both built by
``scripts/build_map_data.py``), each read once per process; ``townlabels`` chooses and places the
names. A result whose location is approximate (a ZIP or town centre) gets a hollow, dashed marker
and the map a legend line saying so.

The projection is equirectangular, with longitudes scaled by the cosine of the view
centre's latitude, so distances near the centre are true in every direction; that is
plenty for a city or a state.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from . import townlabels
from .geo import EARTH_RADIUS_MILES  # the radius result distances are measured with

OUTLINES_PATH = Path(__file__).resolve().parent.parent / "data" / "geo" / "us-outlines.json"
MILES_PER_DEGREE = EARTH_RADIUS_MILES * math.pi / 180  # along a meridian
COUNTY_VIEW_MILES = 300  # county lines are drawn only when the view's shorter side is under this
MIN_VIEW_MILES = 4  # a single result or a tight cluster still shows some streets' worth of land
MARKER_R = 9  # marker radius in pixels
MARKER_GAP = 16  # markers closer than this (centre to centre) are pushed apart
CLIP_MARGIN = 4  # outlines are clipped this far outside the image, so clip edges never show
CONTIGUOUS_US = (
    -125.0,
    24.3,
    -66.9,
    49.5,
)  # west, south, east, north: the view with nothing to show

COLOURS = {
    "background": "#dde3e8",  # water, and land outside the US
    "land": "#fbfaf6",
    "state": "#5b6770",
    "county": "#b3bcc3",
    "radius": "#1b5ea8",
    "marker": "#b3261e",  # white text on it has a contrast ratio of 6.5
    "ink": "#1f2328",
}

# (label, latitude, longitude) or (label, latitude, longitude, approximate)
Point = tuple[str, float, float] | tuple[str, float, float, bool]
LEGEND_APPROXIMATE = "approximate location (ZIP or town area)"  # beside a hollow marker
LEGEND_APPROXIMATE_SHORT = "approximate location"  # on a small map
Box = tuple[
    float, float, float, float
]  # west, south, east, north (degrees) or left, top, right, bottom (px)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Marker(NamedTuple):
    """One result to mark: its number, where it is, and whether that place is approximate."""

    label: str
    latitude: float
    longitude: float
    approximate: bool = False


@dataclass(frozen=True)
class Placed:
    """A marker in the image: where its place is (x, y) and where it is drawn (mx, my)."""

    marker: Marker
    x: float
    y: float
    mx: float
    my: float


@dataclass(frozen=True)
class State:
    """One state or territory: its rings as flat (lon, lat, lon, lat, …) arrays, and their boxes."""

    id: str
    name: str
    rings: tuple[array[float], ...]
    boxes: tuple[Box, ...]
    box: Box


@dataclass(frozen=True)
class Outlines:
    """The decoded outlines: states with their rings, and county lines that are no state line."""

    states: tuple[State, ...]
    county_lines: tuple[array[float], ...]
    county_boxes: tuple[Box, ...]


@dataclass(frozen=True)
class View:
    """What the image shows: centre, pixels per degree of latitude, and the longitude factor."""

    lon0: float
    lat0: float
    scale: float  # pixels per degree of latitude
    width: int
    height: int

    @property
    def coslat(self) -> float:
        """Return the cosine of the centre's latitude."""
        return math.cos(math.radians(self.lat0))

    @property
    def px_per_mile(self) -> float:
        """Return the scale in pixels per mile."""
        return self.scale / MILES_PER_DEGREE

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """Return the pixel position of a longitude and latitude."""
        return (
            self.width / 2 + (lon - self.lon0) * self.coslat * self.scale,
            self.height / 2 - (lat - self.lat0) * self.scale,
        )

    def bounds(self, margin_px: float = 0) -> Box:
        """Return the view's west, south, east and north edges, ``margin_px`` further out."""
        half_lon = (self.width / 2 + margin_px) / (self.coslat * self.scale)
        half_lat = (self.height / 2 + margin_px) / self.scale
        return (
            self.lon0 - half_lon,
            self.lat0 - half_lat,
            self.lon0 + half_lon,
            self.lat0 + half_lat,
        )


def _ring_box(flat: array[float]) -> Box:
    """Return the bounding box of a flat lon/lat sequence."""
    lons, lats = flat[0::2], flat[1::2]
    return (min(lons), min(lats), max(lons), max(lats))


def _overlaps(a: Box, b: Box) -> bool:
    """Tell whether two boxes overlap."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@lru_cache(maxsize=2)
def load_outlines(path: Path = OUTLINES_PATH) -> Outlines:
    """Read and decode the bundled outline file (once per process and path)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs = []  # flat arrays of doubles: a quarter of the memory of tuples of floats
    for encoded in data["arcs"]:
        x = y = 0
        flat: list[float] = []
        for i in range(0, len(encoded), 2):
            x += encoded[i]
            y += encoded[i + 1]
            flat += (x * sx + tx, y * sy + ty)
        arcs.append(array("d", flat))

    def ring(refs: list[int]) -> array[float]:
        flat = array("d")
        for ref in refs:
            arc = arcs[ref] if ref >= 0 else _reversed_pairs(arcs[~ref])
            flat += arc[2:] if flat else arc  # consecutive arcs share their end point
        return flat

    states = []
    for s in data["states"]:
        rings = tuple(ring(r) for r in s["rings"])
        boxes = tuple(_ring_box(r) for r in rings)
        box = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        states.append(State(s["id"], s["name"], rings, boxes, box))
    lines = tuple(arcs[i] for i in data["county_arcs"])
    return Outlines(tuple(states), lines, tuple(_ring_box(line) for line in lines))


def _reversed_pairs(flat: array[float]) -> array[float]:
    """Reverse a flat (x, y, x, y, ...) sequence point by point."""
    out = array("d", flat)
    out[0::2], out[1::2] = flat[-2::-2], flat[-1::-2]
    return out


def _unwrap(lon: float, lat: float) -> float:
    """Return the longitude, moved below -180 for Alaska's islands west of 180°.

    The outlines place those islands below -180 too.
    """
    return lon - 360 if lon > 0 and lat > 50 else lon


def _near(lon: float, lon0: float) -> float:
    """Return the longitude, turned by whole turns to lie within 180° of ``lon0``."""
    return lon + 360 * round((lon0 - lon) / 360)


def _destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    """Return the (lat, lon) ``miles`` away from a point on a bearing (degrees), on a sphere."""
    d = miles / EARTH_RADIUS_MILES
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


def fit_view(
    center: tuple[float, float] | None,
    radius_miles: float | None,
    points: list[Marker],
    width: int,
    height: int,
) -> View:
    """Choose the view: the search circle, else the points' (and centre's) box plus marker room."""
    pad = MARKER_R + 8
    if center is not None and radius_miles:
        lat, lon = center
        scale = (min(width, height) / 2 - pad) / (radius_miles / MILES_PER_DEGREE)
        return View(_unwrap(lon, lat), lat, scale, width, height)
    spots = [(m.latitude, _unwrap(m.longitude, m.latitude)) for m in points]
    if center is not None:
        spots.append((center[0], _unwrap(center[1], center[0])))
    if spots:
        lats, lons = [p[0] for p in spots], [p[1] for p in spots]
        west, south, east, north = min(lons), min(lats), max(lons), max(lats)
    else:
        west, south, east, north = CONTIGUOUS_US
    lat0, lon0 = (south + north) / 2, (west + east) / 2
    coslat = math.cos(math.radians(lat0))
    min_span = MIN_VIEW_MILES / MILES_PER_DEGREE
    span_lat = max(north - south, min_span)
    span_lon = max((east - west) * coslat, min_span)  # in degrees of latitude, i.e. true distance
    scale = min((width - 2 * pad) / span_lon, (height - 2 * pad) / span_lat)
    return View(lon0, lat0, scale, width, height)


def _outcode(x: float, y: float, box: Box) -> int:
    """Return which sides of a pixel box a point lies beyond, as bits."""
    return (x < box[0]) | (x > box[2]) << 1 | (y < box[1]) << 2 | (y > box[3]) << 3


def _clip_polygon(points: list[tuple[float, float]], box: Box) -> list[tuple[float, float]]:
    """Clip a polygon to a pixel box (Sutherland-Hodgman)."""
    for axis, limit, keep_below in (
        (0, box[0], False),
        (0, box[2], True),
        (1, box[1], False),
        (1, box[3], True),
    ):
        if not points:
            break
        out = []
        prev = points[-1]
        prev_in = (prev[axis] <= limit) if keep_below else (prev[axis] >= limit)
        for cur in points:
            cur_in = (cur[axis] <= limit) if keep_below else (cur[axis] >= limit)
            if cur_in != prev_in:
                t = (limit - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if cur_in:
                out.append(cur)
            prev, prev_in = cur, cur_in
        points = out
    return points


def _visible_runs(points: list[tuple[float, float]], box: Box) -> list[list[tuple[float, float]]]:
    """Split a polyline into runs, leaving out segments wholly beyond one side of the box."""
    runs: list[list[tuple[float, float]]] = []
    codes = [_outcode(x, y, box) for x, y in points]
    current: list[tuple[float, float]] = []
    for i in range(len(points) - 1):
        if codes[i] & codes[i + 1]:
            if current:
                runs.append(current)
                current = []
            continue
        if not current:
            current.append(points[i])
        current.append(points[i + 1])
    if current:
        runs.append(current)
    return runs


def _num(tenths: int) -> str:
    """Format a number of tenths compactly (15 -> "1.5", -5 -> "-.5", 20 -> "2")."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{frac}"


def _join(numbers: list[str]) -> str:
    """Join path numbers with spaces, leaving out those a minus sign makes needless."""
    return numbers[0] + "".join(n if n[0] == "-" else " " + n for n in numbers[1:])


def _path(runs: list[list[tuple[float, float]]], closed: bool) -> str:
    """Write runs of pixels as path data: rounded to 0.1 px, relative, dropping sub-pixel steps."""
    parts: list[str] = []
    for run in runs:
        tenths = [(round(x * 10), round(y * 10)) for x, y in run]
        kept = [tenths[0]]
        for p in tenths[1:]:
            if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= 8:
                kept.append(p)
        if tenths[-1] != kept[-1] and not closed:
            kept.append(tenths[-1])
        if len(kept) < (3 if closed else 2):
            continue
        steps = [_num(n) for (x0, y0), (x1, y1) in zip(kept, kept[1:]) for n in (x1 - x0, y1 - y0)]
        parts.append(
            f"M{_num(kept[0][0])} {_num(kept[0][1])}l{_join(steps)}" + ("z" if closed else "")
        )
    return "".join(parts)


def _spread(spots: list[tuple[float, float]], width: int, height: int) -> list[tuple[float, float]]:
    """Push markers apart until none is closer than MARKER_GAP, keeping them inside the image."""
    moved = [list(p) for p in spots]
    rounds = 60 if len(moved) <= 60 else 8  # each round is O(n²): a page of results, not thousands
    for _ in range(rounds):
        pushed = False
        for i in range(len(moved)):
            for j in range(i + 1, len(moved)):
                dx, dy = moved[j][0] - moved[i][0], moved[j][1] - moved[i][1]
                d = math.hypot(dx, dy)
                if d >= MARKER_GAP:
                    continue
                if d < 1e-6:  # same spot: fan out in a fixed direction per marker
                    angle = j * 2.399963  # the golden angle, so fans do not line up
                    dx, dy, d = math.cos(angle), math.sin(angle), 1.0
                push = (MARKER_GAP - d) / 2 + 0.01
                moved[i][0] -= dx / d * push
                moved[i][1] -= dy / d * push
                moved[j][0] += dx / d * push
                moved[j][1] += dy / d * push
                pushed = True
        for p in moved:
            p[0] = min(max(p[0], MARKER_R + 1), width - MARKER_R - 1)
            p[1] = min(max(p[1], MARKER_R + 1), height - MARKER_R - 1)
        if not pushed:
            break
    return [(p[0], p[1]) for p in moved]


def _scale_bar(view: View) -> str:
    """Draw a scale bar at the bottom left, a round number of miles about a quarter of the width."""
    target = view.width / 4 / view.px_per_mile
    miles = 0.25
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000):
        if step <= target:
            miles = step
    length = miles * view.px_per_mile
    x0, y = 12.0, view.height - 12.0
    ink = COLOURS["ink"]
    return (
        f'<g stroke="{ink}" stroke-width="2" fill="none">'
        f'<path d="M{x0:.1f} {y - 5:.1f}v5h{length:.1f}v-5"/></g>'
        f'<text x="{x0:.1f}" y="{y - 8:.1f}" font-size="12" fill="{ink}" stroke="#fff" '
        f'stroke-width="3" paint-order="stroke">{miles:g} mi</text>'
    )


def _place_markers(view: View, points: list[Marker]) -> list[Placed]:
    """Place markers for points in the view, pushed apart if crowded."""
    inside = []
    for m in points:
        x, y = view.project(_near(m.longitude, view.lon0), m.latitude)
        if 0 <= x <= view.width and 0 <= y <= view.height:
            inside.append((m._replace(label=_NOT_XML.sub("", str(m.label))), x, y))
    spread = _spread([(x, y) for _, x, y in inside], view.width, view.height)
    return [Placed(m, x, y, mx, my) for (m, x, y), (mx, my) in zip(inside, spread)]


def _markers(placed: list[Placed]) -> str:
    """Draw numbered markers, the first on top: solid where exact, hollow and dashed if not."""
    if not placed:
        return ""
    colour = COLOURS["marker"]
    leaders, markers = [], []
    for p in reversed(placed):
        if math.hypot(p.mx - p.x, p.my - p.y) > 3:  # pushed aside: a line shows where it is
            leaders.append(
                f'<path d="M{p.x:.1f} {p.y:.1f}L{p.mx:.1f} {p.my:.1f}"/>'
                f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="2.5"/>'
            )
        label = p.marker.label
        size = 11 if len(label) <= 2 else 9
        circle = f'<circle cx="{p.mx:.1f}" cy="{p.my:.1f}" r="{MARKER_R}"/>'
        text = f'<text x="{p.mx:.1f}" y="{p.my:.1f}" dy=".35em" font-size="{size}" stroke="none"'
        if p.marker.approximate:
            markers.append(
                f'<g class="marker approximate">{circle[:-2]} fill="#fff" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="3.5 2"/>{text}>{escape(label)}</text></g>'
            )
        else:
            markers.append(
                f'<g class="marker">{circle}{text} fill="#fff">{escape(label)}</text></g>'
            )
    # Leaders go under every marker, so no line crosses a number.
    return (
        f'<g fill="{colour}" stroke="{colour}" stroke-width="1.5">{"".join(leaders)}</g>'
        '<g text-anchor="middle" font-weight="700" '
        f'fill="{colour}" stroke="#fff" stroke-width="1.5">' + "".join(markers) + "</g>"
    )


def _legend_text(view: View, words: tuple[str, str]) -> str:
    """Return the legend's words (full, short): the short form where the full one would fill a
    small map."""
    return words[0] if view.width >= 480 else words[1]


def _legend_box(view: View, placed: list[Placed], words: tuple[str, str]) -> Box:
    """Return where the legend goes: of top left, top right and bottom right, the corner that
    covers the fewest markers (the first of equals)."""
    width = min(30 + len(_legend_text(view, words)) * townlabels.CHAR_EM * 11, view.width - 8.0)
    right, bottom = view.width - 4.0, view.height - 4.0
    r = MARKER_R + 2
    boxes = [
        (left, top, left + width, top + 22)
        for left, top in ((4.0, 4.0), (right - width, 4.0), (right - width, bottom - 22))
    ]

    def covered(box: Box) -> int:
        return sum(
            box[0] - r < p.mx < box[2] + r and box[1] - r < p.my < box[3] + r for p in placed
        )

    return min(boxes, key=covered)


def _legend(view: View, box: Box, words: tuple[str, str]) -> str:
    """Draw the legend line for approximate markers: a hollow sample marker and its meaning."""
    left, top, right, bottom = box
    colour = COLOURS["marker"]
    cy = (top + bottom) / 2
    return (
        f'<g class="legend"><rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
        f'height="{bottom - top:.1f}" rx="3" fill="#fff" fill-opacity=".9"/>'
        f'<circle cx="{left + 12:.1f}" cy="{cy:.1f}" r="7" fill="#fff" stroke="{colour}" '
        f'stroke-width="2" stroke-dasharray="3 1.8"/>'
        f'<text x="{left + 25:.1f}" y="{cy + 4:.1f}" font-size="11" fill="{COLOURS["ink"]}">'
        f"{escape(_legend_text(view, words))}</text></g>"
    )


def _scale_bar_box(view: View) -> Box:
    """Return the box the scale bar and its label take, at the bottom left."""
    return (0.0, view.height - 36.0, 12.0 + view.width / 4 + 4, float(view.height))


def _towns(view: View, circle: tuple[float, float, float] | None, obstacles: list[Box]) -> str:
    """Name the towns in view that fit around the markers, the legend and the scale bar."""
    towns = townlabels.towns_in_view(
        townlabels.load_places(), view.bounds(), view.lon0, view.project, circle
    )
    labels = townlabels.choose_labels(towns, obstacles, view.width, view.height)
    return townlabels.draw_labels(labels)


def _radius_circle(view: View, center: tuple[float, float], radius_miles: float) -> str:
    """Draw the search radius as a true-distance circle, projected from 72 points on the sphere."""
    points = []
    for step in range(72):
        lat, lon = _destination(center[0], center[1], step * 5, radius_miles)
        x, y = view.project(_near(lon, view.lon0), lat)
        points.append(f"{x:.1f},{y:.1f}")
    colour = COLOURS["radius"]
    return (
        f'<polygon class="radius" points="{" ".join(points)}" fill="{colour}" fill-opacity=".06" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _outlines(view: View, outlines: Outlines) -> str:
    """Draw states reaching into the view (filled land) and, in a close view, the county lines."""
    geo_box = view.bounds(CLIP_MARGIN)
    px_box = (-CLIP_MARGIN, -CLIP_MARGIN, view.width + CLIP_MARGIN, view.height + CLIP_MARGIN)

    def projected(flat: array[float]) -> list[tuple[float, float]]:
        return [view.project(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    state_paths = []
    for state in outlines.states:
        if not _overlaps(state.box, geo_box):
            continue
        runs = [
            _clip_polygon(projected(ring), px_box)
            for ring, box in zip(state.rings, state.boxes)
            if _overlaps(box, geo_box)
        ]
        d = _path([r for r in runs if len(r) >= 3], closed=True)
        if d:
            state_paths.append(f'<path data-name={quoteattr(state.name)} d="{d}"/>')
    out = (
        f'<g class="states" fill="{COLOURS["land"]}" fill-rule="evenodd" '
        f'stroke="{COLOURS["state"]}" stroke-width="1" stroke-linejoin="round">'
        f"{''.join(state_paths)}</g>"
    )
    if min(view.width, view.height) / view.px_per_mile >= COUNTY_VIEW_MILES:
        return out
    county_runs = []
    for line, box in zip(outlines.county_lines, outlines.county_boxes):
        if _overlaps(box, geo_box):
            county_runs += _visible_runs(projected(line), px_box)
    if county_runs:
        out += (
            f'<path class="counties" d="{_path(county_runs, closed=False)}" fill="none" '
            f'stroke="{COLOURS["county"]}" stroke-width=".7" stroke-linejoin="round"/>'
        )
    return out


def _check(
    center: tuple[float, float] | None,
    radius_miles: float | None,
    points: list[Marker],
    width: int,
    height: int,
) -> None:
    """Raise ValueError for input that cannot be drawn."""
    if not (50 <= width <= 4000 and 50 <= height <= 4000):
        raise ValueError("width and height must be between 50 and 4000 pixels")
    spots = [(m.latitude, m.longitude) for m in points] + ([center] if center is not None else [])
    for lat, lon in spots:
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -85 <= lat <= 85 and -360 <= lon <= 360
        ):
            raise ValueError(f"not a latitude and longitude: {lat!r}, {lon!r}")
    if radius_miles is not None and not (math.isfinite(radius_miles) and 0 <= radius_miles <= 3000):
        raise ValueError("radius_miles must be between 0 and 3000")


def render_svg(
    center: tuple[float, float] | None,
    radius_miles: float | None,
    points: list[Point],
    width: int = 640,
    height: int = 400,
    outlines: Outlines | None = None,
    legend_words: tuple[str, str] = (LEGEND_APPROXIMATE, LEGEND_APPROXIMATE_SHORT),
) -> str:
    """Return an SVG map of the search circle (or the points' area), towns and result markers.

    ``center`` is (latitude, longitude); ``points`` are (label, latitude, longitude) or (label,
    latitude, longitude, approximate). Points outside the view are left out. Raises ValueError
    for coordinates or sizes that cannot be drawn. ``legend_words``: the legend for hollow
    markers, full and short, in the page's language.
    """
    markers = [Marker(*p) for p in points]
    _check(center, radius_miles, markers, width, height)
    view = fit_view(center, radius_miles, markers, width, height)
    radius = radius_miles or 0.0
    circle = center if radius else None
    noun = "result" if len(markers) == 1 else "results"
    title = f"Map of {len(markers)} search {noun}" + (f" within {radius:g} miles" if circle else "")
    placed = _place_markers(view, markers)
    legend = (
        _legend_box(view, placed, legend_words)
        if any(p.marker.approximate for p in placed)
        else None
    )
    r = MARKER_R + 1
    obstacles = [(p.mx - r, p.my - r, p.mx + r, p.my + r) for p in placed]
    obstacles += [(p.x - 3, p.y - 3, p.x + 3, p.y + 3) for p in placed]  # the true spots
    obstacles.append(_scale_bar_box(view))
    if legend:
        obstacles.append(legend)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="{COLOURS["background"]}"/>',
        _outlines(view, outlines or load_outlines()),
    ]
    if circle is not None:
        parts.append(_radius_circle(view, circle, radius))
    parts += [
        _towns(view, (*circle, radius) if circle is not None else None, obstacles),
        _scale_bar(view),
        _legend(view, legend, legend_words) if legend else "",
        _markers(placed),
        "</svg>",
    ]
    return "".join(parts) + "\n"
