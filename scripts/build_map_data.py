"""Build ``data/geo/us-outlines.json`` from us-atlas's unprojected ``counties-10m.json``.

Run ``python scripts/build_map_data.py FOLDER`` where FOLDER holds the files of the npm package
us-atlas@3.0.1 (``cd /tmp && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz`` gives
``/tmp/package``). ``counties-10m.json`` holds both the counties and the states (merged from the
counties on the same arcs), so it is the only file read; ``states-10m.json`` is a separate, coarser
topology whose state lines would not meet the county lines.

The output keeps the TopoJSON idea (shared arcs, quantized and delta-encoded) in a flatter shape::

    {"about": "...", "transform": {"scale": [sx, sy], "translate": [tx, ty]},
     "arcs": [[x0, y0, dx1, dy1, dx2, dy2, ...], ...],   # quantized, first point absolute
     "states": [{"id": "08", "name": "Colorado", "rings": [[arc, ~arc, ...], ...]}, ...],
     "county_arcs": [i, ...]}                            # arcs on county lines, not on state lines

A ring's ``~i`` (``-i - 1``) means arc ``i`` reversed. Alaska's islands west of 180° are moved to
longitudes below -180 so that the state is one piece on an unwrapped map.
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
ALASKA = "02"
ABOUT = (
    "US state and county outlines: US Census Bureau cartographic boundary files (2017), "
    "simplified by the npm package us-atlas@3.0.1 (ISC licence), counties-10m.json; "
    "see data/geo/README.md"
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


def main(argv: list[str]) -> int:
    """Read FOLDER/counties-10m.json and write the compact outline file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding us-atlas@3.0.1's files")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"output file (default {OUT.relative_to(REPO)})"
    )
    args = parser.parse_args(argv)
    with (args.folder / "counties-10m.json").open(encoding="utf-8") as f:
        data = build(json.load(f))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out} ({args.out.stat().st_size:,} bytes, {len(data['arcs'])} arcs, "
        f"{len(data['states'])} states and territories)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
