"""The result map: a whole, safe SVG whose markers, radius circle and scale agree with distances on
the Earth computed here independently (haversine), drawn from the bundled Census outlines, with the
largest towns named (checked against the bundled places file read here on its own)."""

from __future__ import annotations

import json
import math
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pytest

from directory.resultmap import OUTLINES_PATH, load_outlines, render_svg

NS = {"s": "http://www.w3.org/2000/svg"}
DENVER = (39.7392, -104.9903)
NEW_YORK = (40.7128, -74.0060)
WIDTH, HEIGHT = 640, 400


def haversine_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in miles between two (lat, lon) points."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.8 * math.asin(math.sqrt(h))


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def marker_groups(root: ET.Element) -> list[ET.Element]:
    """Each drawn marker's group, exact ("marker") or approximate ("marker approximate")."""
    return [g for g in root.iterfind(".//s:g", NS) if "marker" in (g.get("class") or "").split()]


def markers(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Label -> (x, y) of each drawn marker."""
    out = {}
    for g in marker_groups(root):
        circle, text = g.find("s:circle", NS), g.find("s:text", NS)
        out[text.text] = (float(circle.get("cx")), float(circle.get("cy")))
    return out


def state_names(root: ET.Element) -> set[str]:
    return {p.get("data-name") for p in root.iterfind(".//s:g[@class='states']/s:path", NS)}


def radius_polygon(root: ET.Element) -> list[tuple[float, float]]:
    polygon = root.find(".//s:polygon[@class='radius']", NS)
    return [tuple(map(float, pair.split(","))) for pair in polygon.get("points").split()]


def measured_px_per_mile(center: tuple[float, float], radius: float) -> tuple[float, float]:
    """Pixels per mile north-south and east-west, from markers placed at known distances."""
    step = radius / 100  # degrees: ~0.7 of the radius, whatever the radius
    north = (center[0] + step, center[1])
    east = (center[0], center[1] + step / math.cos(math.radians(center[0])))
    root = parse(render_svg(center, radius, [("c", *center), ("n", *north), ("e", *east)]))
    m = markers(root)
    ns = (m["c"][1] - m["n"][1]) / haversine_miles(center, north)
    ew = (m["e"][0] - m["c"][0]) / haversine_miles(center, east)
    return ns, ew


def test_the_svg_is_well_formed_and_titled() -> None:
    root = parse(render_svg(DENVER, 25, [("1", 39.75, -105.0)]))
    assert root.get("width") == str(WIDTH) and root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert root.find("s:title", NS).text == "Map of 1 search result within 25 miles"
    assert "system-ui" in root.get("font-family")


def test_markers_sit_east_west_north_and_south_of_the_centre() -> None:
    lat, lon = DENVER
    points = [
        ("c", lat, lon),
        ("e", lat, lon + 0.2),
        ("w", lat, lon - 0.2),
        ("n", lat + 0.15, lon),
        ("s", lat - 0.15, lon),
    ]
    m = markers(parse(render_svg(DENVER, 25, points)))
    assert m["c"] == pytest.approx((WIDTH / 2, HEIGHT / 2), abs=0.1)
    assert m["e"][0] > m["c"][0] > m["w"][0]
    assert m["n"][1] < m["c"][1] < m["s"][1]
    assert m["e"][1] == pytest.approx(m["c"][1], abs=0.1) and m["n"][0] == pytest.approx(
        m["c"][0], abs=0.1
    )


@pytest.mark.parametrize(
    "center, radius",
    [(DENVER, 25), (NEW_YORK, 5), ((61.2181, -149.9003), 100), ((25.76, -80.19), 250)],
)
def test_the_radius_circle_matches_the_radius_at_the_map_scale(
    center: tuple[float, float], radius: float
) -> None:
    ns, ew = measured_px_per_mile(center, radius)
    assert ns == pytest.approx(ew, rel=0.01)  # the projection keeps distances true near the centre
    xs, ys = zip(*radius_polygon(parse(render_svg(center, radius, []))))
    assert (max(ys) - min(ys)) / 2 == pytest.approx(radius * ns, rel=0.01)
    assert (max(xs) - min(xs)) / 2 == pytest.approx(radius * ew, rel=0.02)
    assert (max(ys) - min(ys)) < HEIGHT  # the whole circle is in view


def test_the_scale_bar_matches_the_map_scale() -> None:
    ns, _ = measured_px_per_mile(DENVER, 25)
    root = parse(render_svg(DENVER, 25, []))
    label = next(t.text for t in root.iterfind(".//s:text", NS) if t.text.endswith(" mi"))
    bar = next(p.get("d") for p in root.iterfind(".//s:path", NS) if p.get("d").startswith("M12"))
    length = float(bar.split("h")[1].split("v")[0])
    assert length == pytest.approx(float(label.removesuffix(" mi")) * ns, rel=0.01)
    assert WIDTH / 8 <= length <= WIDTH / 4


def test_a_view_around_denver_draws_colorado_and_its_neighbours_not_florida() -> None:
    root = parse(render_svg(DENVER, 250, []))
    names = state_names(root)
    assert {"Colorado", "Wyoming", "Nebraska", "Kansas"} <= names
    assert "Florida" not in names and "Alaska" not in names
    assert state_names(parse(render_svg(DENVER, 10, []))) == {"Colorado"}


def test_county_lines_only_in_close_views() -> None:
    assert parse(render_svg(DENVER, 25, [])).find(".//s:path[@class='counties']", NS) is not None
    assert parse(render_svg(DENVER, 100, [])).find(".//s:path[@class='counties']", NS) is not None
    assert parse(render_svg(DENVER, 250, [])).find(".//s:path[@class='counties']", NS) is None


def test_a_point_outside_the_view_is_not_drawn() -> None:
    svg = render_svg(DENVER, 10, [("1", 39.75, -105.0), ("2", 42.36, -71.06)])
    assert set(markers(parse(svg))) == {"1"}


def test_labels_are_escaped() -> None:
    label = '<script>alert("x")</script>&amp;'
    svg = render_svg(DENVER, 25, [(label, 39.75, -105.0), ("a\x00b\x1f", 39.6, -104.8)])
    assert "<script>" not in svg
    assert set(markers(parse(svg))) == {label, "ab"}


def test_crowded_markers_are_pushed_apart_and_stay_in_view() -> None:
    points = [(str(i), *DENVER) for i in range(1, 13)] + [("13", 39.7395, -104.99)]
    root = parse(render_svg(DENVER, 25, points))
    spots = list(markers(root).values())
    assert len(spots) == 13
    assert min(math.dist(a, b) for i, a in enumerate(spots) for b in spots[i + 1 :]) >= 15.9
    assert all(0 < x < WIDTH and 0 < y < HEIGHT for x, y in spots)


def test_a_city_map_with_twenty_points_is_small() -> None:
    points = [
        (str(i + 1), NEW_YORK[0] + 0.3 * math.sin(i), NEW_YORK[1] + 0.4 * math.cos(i * 1.7))
        for i in range(20)
    ]
    svg = render_svg(NEW_YORK, 25, points)
    assert len(markers(parse(svg))) == 20
    assert len(svg.encode()) < 60_000


def test_a_state_wide_view_fits_every_point() -> None:
    towns = [
        ("El Paso", 31.76, -106.49),
        ("Amarillo", 35.22, -101.83),
        ("Brownsville", 25.90, -97.50),
        ("Texarkana", 33.43, -94.05),
        ("Houston", 29.76, -95.37),
        ("Dalhart", 36.06, -102.52),
    ]
    root = parse(render_svg(None, None, towns))
    spots = markers(root)
    assert set(spots) == {name for name, _, _ in towns}
    assert all(0 < x < WIDTH and 0 < y < HEIGHT for x, y in spots.values())
    assert spots["El Paso"][0] < spots["Amarillo"][0] < spots["Texarkana"][0]
    assert spots["Dalhart"][1] < spots["Houston"][1] < spots["Brownsville"][1]
    assert "Texas" in state_names(root) and root.find(".//s:polygon", NS) is None
    assert len(ET.tostring(root)) < 60_000


@pytest.mark.parametrize(
    "center, name",
    [
        ((21.3069, -157.8583), "Hawaii"),
        ((18.4655, -66.1057), "Puerto Rico"),
        ((58.3019, -134.4197), "Alaska"),
    ],
)
def test_hawaii_puerto_rico_and_alaska_are_drawn(center: tuple[float, float], name: str) -> None:
    assert name in state_names(parse(render_svg(center, 50, [("1", *center)])))


def test_alaska_across_the_date_line_is_one_map() -> None:
    # Attu (172.9° E) is west of Adak (176.6° W):
    # the map must not put it on the far side of the world.
    points = [("Anchorage", 61.22, -149.90), ("Adak", 51.88, -176.66), ("Attu", 52.93, 172.91)]
    spots = markers(parse(render_svg(None, None, points)))
    assert set(spots) == {"Anchorage", "Adak", "Attu"}
    assert spots["Attu"][0] < spots["Adak"][0] < spots["Anchorage"][0]


def test_no_points_and_no_centre_shows_the_contiguous_states() -> None:
    names = state_names(parse(render_svg(None, None, [])))
    assert {"Washington", "Maine", "Florida", "California"} <= names


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        render_svg((math.nan, -105.0), 25, [])
    with pytest.raises(ValueError):
        render_svg(DENVER, 25, [("1", 39.7, math.inf)])
    with pytest.raises(ValueError):
        render_svg(DENVER, -1, [])
    with pytest.raises(ValueError):
        render_svg(DENVER, 25, [], width=0)


def contains(ring: Sequence[float], lon: float, lat: float) -> bool:
    """Even-odd point-in-polygon test on a flat (lon, lat, ...) ring."""
    inside = False
    pts = list(zip(ring[0::2], ring[1::2]))
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@pytest.mark.parametrize(
    "name, lat, lon",
    [
        ("Colorado", *DENVER),
        ("Florida", 25.76, -80.19),
        ("Hawaii", 21.3069, -157.8583),
        ("Puerto Rico", 18.4655, -66.1057),
        ("Alaska", 52.93, 172.91 - 360),
    ],
)
def test_the_outlines_decode_to_the_right_places(name: str, lat: float, lon: float) -> None:
    by_name = {s.name: s for s in load_outlines().states}
    assert sum(contains(ring, lon, lat) for ring in by_name[name].rings) % 2 == 1
    assert not any(contains(ring, lon, lat) for ring in by_name["Wyoming"].rings)


def test_the_outlines_load_quickly_once() -> None:
    load_outlines.cache_clear()
    start = time.perf_counter()
    outlines = load_outlines()
    assert time.perf_counter() - start < 1.5
    assert load_outlines() is outlines
    assert len(outlines.states) == 56


HOUSTON = (29.7604, -95.3698)
PLACES_PATH = OUTLINES_PATH.parent / "us-places.json"


def largest_places_within(center: tuple[float, float], miles: float, n: int) -> list[str]:
    """The names of the n most populous bundled places within ``miles`` of ``center``."""
    data = json.loads(PLACES_PATH.read_text(encoding="utf-8"))
    unit = data["unit"]
    places = [
        (pop, name)
        for name, lon, lat, pop in zip(data["names"], data["lon"], data["lat"], data["population"])
        if haversine_miles(center, (lat * unit, lon * unit)) <= miles
    ]
    return [name for _, name in sorted(places, reverse=True)[:n]]


def town_labels(root: ET.Element) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(name, estimated box) of each town label; 0.55 em a character, a line's height tall."""
    out = []
    for t in root.iterfind(".//s:g[@class='towns']//s:text", NS):
        x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
        width = len(t.text) * 0.55 * size
        left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
        out.append((t.text, (left, y - 0.75 * size, left + width, y + 0.2 * size)))
    return out


def test_the_largest_towns_in_the_search_circle_are_named() -> None:
    root = parse(render_svg(HOUSTON, 25, []))
    names = {name for name, _ in town_labels(root)}
    assert set(largest_places_within(HOUSTON, 25, 8)) <= names
    assert {"Houston", "Pasadena", "Pearland", "Sugar Land"} <= names
    small = parse(render_svg(HOUSTON, 25, [], width=360, height=260))
    assert set(largest_places_within(HOUSTON, 25, 4)) <= {n for n, _ in town_labels(small)}


def test_towns_in_the_circle_are_named_before_larger_towns_outside_it() -> None:
    # 10 miles around Pearland: Houston's centre (15 miles off, in view) is bigger than all.
    pearland = (29.5636, -95.2860)
    inside = largest_places_within(pearland, 10, 4)
    root = parse(render_svg(pearland, 10, [], width=320, height=320))
    names = [name for name, _ in town_labels(root)]
    assert set(inside) <= set(names)
    assert "Houston" not in names[: len(inside)]


@pytest.mark.parametrize(
    "center, radius, n, size",
    [
        (HOUSTON, 25, 10, (640, 400)),
        (HOUSTON, 25, 10, (360, 260)),
        (NEW_YORK, 5, 20, (640, 400)),
        (NEW_YORK, 5, 20, (320, 320)),
        (DENVER, 250, 5, (640, 400)),
        (None, None, 0, (640, 400)),
    ],
)
def test_town_labels_stay_in_view_and_clear_of_each_other_and_the_markers(
    center: tuple[float, float] | None,
    radius: float | None,
    n: int,
    size: tuple[int, int],
) -> None:
    lat, lon = center or DENVER
    points = [
        (
            str(i + 1),
            lat + radius / 140 * math.sin(i),
            lon + radius / 110 * math.cos(i * 1.7),
            i % 2,
        )
        for i in range(n)
    ]
    width, height = size
    root = parse(render_svg(center, radius, points, width=width, height=height))
    labels = town_labels(root)
    assert len(labels) >= 3
    for _, (left, top, right, bottom) in labels:
        assert 0 <= left and right <= width and 0 <= top and bottom <= height
    boxes = [box for _, box in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
        for mx, my in markers(root).values():  # the box's nearest point is outside the marker
            nearest = (min(max(mx, a[0]), a[2]), min(max(my, a[1]), a[3]))
            assert math.dist(nearest, (mx, my)) >= 9


def test_approximate_markers_are_hollow_and_explained() -> None:
    points = [("1", 29.76, -95.37, False), ("2", 29.70, -95.25, True), ("3", 29.80, -95.5)]
    root = parse(render_svg(HOUSTON, 25, points))
    groups = {g.find("s:text", NS).text: g for g in marker_groups(root)}
    assert groups["2"].get("class") == "marker approximate"
    hollow = groups["2"].find("s:circle", NS)
    assert hollow.get("fill") == "#fff" and hollow.get("stroke-dasharray")
    assert {groups[k].get("class") for k in ("1", "3")} == {"marker"}
    assert groups["1"].find("s:circle", NS).get("fill") is None  # the group's solid red
    legend = root.find(".//s:g[@class='legend']/s:text", NS)
    assert legend is not None and legend.text.startswith("approximate location")
    exact_only = parse(render_svg(HOUSTON, 25, points[:1]))
    assert exact_only.find(".//s:g[@class='legend']", NS) is None


def test_the_map_refers_to_nothing_outside_itself() -> None:
    points = [(str(i), 29.7 + i / 50, -95.4 + i / 40, bool(i % 2)) for i in range(10)]
    svg = render_svg(HOUSTON, 25, points)
    assert "href" not in svg and "url(" not in svg and "<script" not in svg
    assert "<image" not in svg and "@import" not in svg
    assert svg.count("http") == 1  # the SVG namespace only
    assert len(svg.encode()) < 80_000


def test_no_roads_are_bundled_so_none_are_drawn() -> None:
    # No registry package carries public-domain US road lines (see data/geo/README.md): the map
    # draws none, rather than roads from a source it cannot name.
    root = parse(render_svg(HOUSTON, 25, []))
    assert root.find(".//s:g[@class='roads']", NS) is None


def test_the_places_file_is_small_and_loads_quickly() -> None:
    from directory.townlabels import load_places

    assert PLACES_PATH.stat().st_size < 1_000_000
    load_places.cache_clear()
    start = time.perf_counter()
    places = load_places()
    assert time.perf_counter() - start < 1.0
    assert 15_000 < len(places.names) < 20_000
    assert list(places.population) == sorted(places.population, reverse=True)
