"""The offline gazetteer: ZIPs, cities, states and coordinates, no network."""

import math

from directory.geocode import OfflineGazetteer, gazetteer


def _miles(a, b) -> float:  # type: ignore[no-untyped-def]
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    d = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.longitude - a.longitude) / 2) ** 2
    )
    return 2 * 3958.76 * math.asin(math.sqrt(d))


def test_zip_and_zip_plus4() -> None:
    [p] = gazetteer().lookup("06708")
    assert p.precision == "zip" and p.state == "CT" and "Waterbury" in p.name
    assert gazetteer().lookup("06708-2460") == [p]


def test_city_forms_agree() -> None:
    forms = ["Waterbury, CT", "Waterbury CT", "waterbury, connecticut", "Waterbury, Ct."]
    places = [gazetteer().lookup(f) for f in forms]
    assert all(len(p) == 1 for p in places)
    assert len({p[0] for p in places}) == 1


def test_city_centre_is_near_its_zip_centres() -> None:
    city = gazetteer().lookup("Waterbury, CT")[0]
    assert _miles(city, gazetteer().lookup("06708")[0]) < 5


def test_ambiguous_city_returns_choices_and_unknown_returns_none() -> None:
    choices = gazetteer().lookup("Springfield")
    assert len(choices) > 10 and {"MA", "IL", "MO"} <= {c.state for c in choices}
    assert gazetteer().lookup("Notaplace Anywhere") == []
    assert gazetteer().lookup("") == []


def test_state_and_coordinates() -> None:
    [ct] = gazetteer().lookup("Connecticut")
    assert ct.precision == "state" and ct.state == "CT"
    [pt] = gazetteer().lookup("41.55, -73.06")
    assert (pt.latitude, pt.longitude, pt.precision) == (41.55, -73.06, "point")
    assert gazetteer().lookup("91, 10") == []


def test_it_is_a_geopy_geocoder() -> None:
    g = OfflineGazetteer()
    loc = g.geocode("22902")
    assert loc is not None and round(loc.latitude) == 38 and loc.raw["precision"] == "zip"
    assert g.geocode("Springfield") is None  # ambiguous: exactly_one refuses to guess
    assert len(g.geocode("Springfield", exactly_one=False)) > 10
