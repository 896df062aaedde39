"""The one search service on the national data: location, text, synonyms, typos, filters and
facets."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from directory.db import db
from directory.listing import Listing, make_listing
from directory.models import Provider, directory_date
from directory.search.params import SearchQuery, parse_query
from directory.search.service import find_providers
from directory.search.snapshot import snapshot


@pytest.fixture(params=["whoosh", pytest.param("postgresql", marks=pytest.mark.postgres)])
def national(request: pytest.FixtureRequest, national_app: Flask) -> Iterator[Flask]:
    """The national data inside an app context, searched by each text backend in turn: Whoosh (on
    SQLite) and PostgreSQL's full-text search."""
    app = national_app if request.param == "whoosh" else request.getfixturevalue("national_pg_app")
    with app.app_context():
        yield app


def search(app: Flask, **args: Any):  # type: ignore[no-untyped-def]
    return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))


def all_ids(app: Flask, **args: Any) -> list[str]:
    """Every result's public id, in order, across all pages."""
    ids, page = [], 1
    while True:
        res = search(app, per_page=100, page=page, **args)
        ids += [h.listing.public_id for h in res.hits]
        if page >= res.pages:
            return ids
        page += 1


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent great-circle distance (spherical law of cosines, not the service's haversine)."""
    a, b, d = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(a) * math.sin(b) + math.cos(a) * math.cos(b) * math.cos(d)
    return 3958.7613 * math.acos(max(-1.0, min(1.0, c)))


@pytest.mark.parametrize(
    "near, radius", [("06708", 25), ("Charlottesville, VA", 10), ("59001", 100), ("10001", 5)]
)
def test_location_results_match_an_independent_distance_scan(
    national: Flask, near: str, radius: int
) -> None:
    res = search(national, near=near, radius=radius)
    lat, lon = res.location.latitude, res.location.longitude
    expected = {}
    for pid, plat, plon in db.session.execute(
        select(Provider.public_id, Provider.latitude, Provider.longitude).where(
            Provider.status == "active"
        )
    ):
        d = miles(lat, lon, plat, plon)
        if d <= radius - 1e-6:
            expected[pid] = d
        elif d <= radius + 1e-6:
            expected.setdefault(pid, d)  # on the boundary either answer is right
    got = all_ids(national, near=near, radius=radius)
    assert set(got) <= set(expected) and len(set(expected) - set(got)) <= sum(
        1 for d in expected.values() if abs(d - radius) < 1e-6
    )
    assert len(got) == res.total > 0
    hits = search(national, near=near, radius=radius, per_page=100).hits
    # Nearest first, among the places the newest national directory lists, then among the rest.
    for dropped in (False, True):
        distances = [h.distance for h in hits if bool(h.listing.dropped_from) == dropped]
        assert distances == sorted(distances)
    dropped_flags = [bool(h.listing.dropped_from) for h in hits]
    assert dropped_flags == sorted(dropped_flags)
    for h in res.hits:
        assert abs(h.distance - round(expected[h.listing.public_id], 1)) <= 0.051


def test_city_and_its_zip_find_the_same_providers_near_the_centre(national: Flask) -> None:
    by_city = set(all_ids(national, near="Waterbury, CT", radius=5))
    by_zip = set(all_ids(national, near="06702", radius=5))
    assert len(by_city & by_zip) >= 0.8 * max(len(by_city), len(by_zip)) > 10


def test_synonyms_find_what_people_mean(national: Flask) -> None:
    tax = national.extensions["taxonomy"]
    bup = tax.group("medication").option("buprenorphine").codes
    res = search(national, q="suboxone", per_page=100)
    assert res.total > 500

    def says_buprenorphine(p: Listing) -> bool:
        text = " ".join([p.name, p.name2, *(tax.code_label(c) for c in p.code_set)]).lower()
        return "buprenorphine" in text or "suboxone" in text

    assert all(says_buprenorphine(h.listing) for h in res.hits)
    assert sum(1 for h in res.hits if bup & h.listing.code_set) > 50
    rehab = search(national, q="rehab", near="Charlottesville, VA", radius=50, per_page=100)
    residential = tax.group("setting").option("residential").codes
    assert any(residential & h.listing.code_set for h in rehab.hits)
    co = search(national, q="co-occurring")
    assert co.total == search(national, q="dual diagnosis").total > 100


def test_typos_are_fixed_and_said(national: Flask) -> None:
    typo = search(national, q="detoks")
    assert typo.did_you_mean == "detox" and typo.total == search(national, q="detox").total > 0
    bup = search(national, q="buprenorphene")
    assert bup.did_you_mean == "buprenorphine" and bup.total > 0
    name = search(national, q="Alethia House")
    assert name.did_you_mean == "aletheia house"
    assert any(h.listing.name == "Aletheia House" for h in name.hits)


def test_real_provider_names_are_found(national: Flask) -> None:
    res = search(national, q="Region Ten Mohr Center")
    top = res.hits[0].listing
    assert top.name2 == "Mohr Center" or "Mohr Center" in top.aliases


def test_or_within_a_group_and_across_groups(national: Flask) -> None:
    near = {"near": "Charlottesville, VA", "radius": 100}
    detox = set(all_ids(national, type="detox", **near))
    inpatient = set(all_ids(national, type="inpatient", **near))
    either = set(all_ids(national, type=["detox", "inpatient"], **near))
    assert either == detox | inpatient and detox and inpatient
    both_groups = set(all_ids(national, type=["detox", "inpatient"], payment="medicaid", **near))
    medicaid = set(all_ids(national, payment="medicaid", **near))
    assert both_groups == either & medicaid


def test_facet_counts_equal_the_results_of_choosing_that_option(national: Flask) -> None:
    base = {"near": "06708", "radius": 50, "payment": "medicaid"}
    res = search(national, **base)
    for group in ("type", "medication", "age"):
        for option, count in res.facets[group].items():
            assert search(national, **{**base, group: option}).total == count, (group, option)
    # Within the payment group the other payment options are counted without the payment filter.
    assert (
        res.facets["payment"]["medicare"]
        == search(national, near="06708", radius=50, payment="medicare").total
    )


def test_ambiguous_and_unknown_places(national: Flask) -> None:
    res = search(national, near="Springfield")
    assert res.total == 0 and len(res.choices) > 10 and "more than one" in res.location_error
    unknown = search(national, near="Atlantis Under The Sea")
    assert unknown.choices == [] and "could not find" in unknown.location_error


def test_state_search_filters_by_state(national: Flask) -> None:
    res = search(national, near="Vermont", per_page=100)
    assert res.total > 20 and all(h.listing.state == "VT" for h in res.hits)


def test_empty_results_suggest_a_wider_radius_and_a_filter_to_drop(national: Flask) -> None:
    res = search(national, near="57501", radius=5, type="detox")
    assert res.total == 0
    miles_, count = res.suggestions.radius
    assert (
        miles_ > 5
        and count == search(national, near="57501", radius=miles_, type="detox").total > 0
    )
    dropped = {(g, o): n for g, o, n in res.suggestions.drop}
    assert dropped.get(("type", "detox")) == search(national, near="57501", radius=5).total > 0


@pytest.mark.parametrize(
    "args, parameter",
    [
        ({"unlisted": "maybe", "near": "06708"}, "unlisted"),
        ({"radius": "0", "near": "06708"}, "radius"),
        ({"radius": "10000", "near": "06708"}, "radius"),
        ({"lat": "91", "lon": "0"}, "lat"),
        ({"lat": "40"}, "lon"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
        ({"q": "x" * 10_000}, "q"),
        ({"type": "spa"}, "type"),
        ({"sort": "random"}, "sort"),
        ({"radius": "nan", "near": "06708"}, "radius"),
        ({"per_page": "0"}, "per_page"),
    ],
)
def test_bad_parameters_are_400s_that_name_them(
    client: Any, args: dict[str, str], parameter: str
) -> None:
    for path in ("/api/v1/providers", "/search"):
        resp = client.get(path, query_string=args)
        assert resp.status_code == 400, (path, args)
        if path.startswith("/api"):
            assert resp.get_json()["error"]["parameter"] == parameter
        else:
            assert parameter.encode() in resp.data


@pytest.mark.parametrize(
    "q", ["name:(", "*", '"', "AND OR NOT", "detox~2", "[a TO z]", "\\", "<script>", "%00", "???"]
)
def test_query_syntax_is_just_text(client: Any, q: str) -> None:
    assert client.get("/api/v1/providers", query_string={"q": q}).status_code == 200
    assert client.get("/search", query_string={"q": q}).status_code == 200


def test_per_page_is_capped_and_pages_past_the_end_are_empty(national: Flask) -> None:
    res = search(national, near="06708", per_page=1000)
    assert res.query.per_page == 100 and len(res.hits) == 100
    past = search(national, near="06708", page=999)
    assert past.hits == [] and past.total == res.total


def test_service_takes_a_plain_query_object(national: Flask) -> None:
    res = find_providers(
        SearchQuery(lat=41.55, lon=-73.06, radius=10, filters={"type": ("detox",)})
    )
    assert (
        res.sort == "distance"
        and res.total == search(national, lat=41.55, lon=-73.06, radius=10, type="detox").total
    )


def test_the_snapshot_holds_every_active_listing_as_made_from_its_provider(national: Flask) -> None:
    tax = national.extensions["taxonomy"]
    with national.test_request_context():
        snap = snapshot()
    pks = list(
        db.session.scalars(
            select(Provider.id).where(Provider.status == "active").order_by(Provider.id)
        )
    )
    assert [x.id for x in snap.listings] == pks == snap.catalog.pks.tolist()
    for row in (
        0,
        len(pks) // 2,
        len(pks) - 1,
    ):  # the same fields as made straight from the provider
        assert snap.listings[row] == make_listing(
            db.session.get(Provider, pks[row]), tax, directory=directory_date()
        )


def test_a_missing_index_degrades_text_search_instead_of_failing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from directory.loader import import_file
    from directory.search.upkeep import ensure_index, index_health
    from tests.conftest import SAMHSA, make_app

    app = make_app(tmp_path)
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    shutil.rmtree(tmp_path / "index")
    client = app.test_client()
    body = client.get("/api/v1/providers?q=mohr+center").get_json()
    assert body["total"] >= 1 and body["notices"] and body["results"][0]["name2"] == "Mohr Center"
    assert client.get("/api/v1/providers?near=22902").get_json()["total"] > 0
    assert client.get("/healthz").status_code == 503
    with app.app_context():
        assert ensure_index() and index_health()["in_step"]
    assert client.get("/api/v1/providers?q=mohr+center").get_json()["notices"] == []


def test_filters_say_how_many_places_they_cannot_see(national: Flask) -> None:
    tax = national.extensions["taxonomy"]
    area = search(national, near="Phoenix, AZ", per_page=100)
    unlisted_here = sum(
        1
        for h in all_ids_hits(national, near="Phoenix, AZ")
        if not tax.tags(h.listing.code_set).get("type")
    )
    detox = search(national, near="Phoenix, AZ", type="detox")
    assert (
        detox.services_unknown == unlisted_here > 0 and area.services_unknown == 0
    )  # no filter: nothing hidden
    shown = search(national, near="Phoenix, AZ", type="detox", unlisted="1", per_page=100)
    assert shown.total == detox.services_unknown
    assert all(not tax.tags(h.listing.code_set).get("type") for h in shown.hits)


def all_ids_hits(app: Flask, **args: Any) -> list[Any]:
    hits, page = [], 1
    while True:
        res = search(app, per_page=100, page=page, **args)
        hits += res.hits
        if page >= res.pages:
            return hits
        page += 1


def test_detox_by_level_of_care_near_phoenix(national: Flask) -> None:
    # A person in dangerous withdrawal needs to tell 24-hour medical detox from a methadone clinic.
    tax = national.extensions["taxonomy"]
    any_detox = search(national, near="Phoenix, AZ", type="detox", per_page=100)
    day_and_night = search(national, near="Phoenix, AZ", type="detox-24-hour", per_page=100)
    at_home = search(national, near="Phoenix, AZ", type="detox-outpatient", per_page=100)
    assert 0 < day_and_night.total < any_detox.total and 0 < at_home.total < any_detox.total
    staffed = tax.group("type").option("detox-24-hour").codes
    for h in day_and_night.hits:
        assert h.listing.code_set & staffed, (
            h.listing.name
        )  # hospital or residential detox, said so
    assert all("OD" in h.listing.code_set for h in at_home.hits)
    assert any_detox.facets["type"]["detox-24-hour"] == day_and_night.total


def test_option_counts_from_bits_equal_a_plain_count(national: Flask) -> None:
    import numpy as np

    with national.test_request_context():
        cat = snapshot().catalog
    rng = np.random.default_rng(7)
    for size in (0, 5, 19_999, 20_000, len(cat)):  # counted both ways, on either side of the switch
        rows = np.sort(rng.choice(len(cat), size=size, replace=False))
        assert cat.option_counts(rows).tolist() == cat.tags[rows].sum(axis=0).tolist()
        columns = slice(3, 9)
        plain = cat.tags[rows, columns].sum(axis=0)
        assert cat.option_counts(rows, columns).tolist() == plain.tolist()


def test_intersecting_postings_equals_numpy() -> None:
    import numpy as np

    from directory.search.fields import intersect

    rng = np.random.default_rng(3)
    for a_size, b_size in ((0, 10), (10, 0), (5, 50_000), (40_000, 60_000), (1, 1)):
        a = np.unique(rng.integers(0, 100_000, a_size))
        b = np.unique(rng.integers(0, 100_000, b_size))
        assert intersect(a, b).tolist() == np.intersect1d(a, b).tolist()


@pytest.mark.postgres
def test_postgresql_answers_whole_queries_as_whoosh_does(
    national_app: Flask, national_pg_app: Flask
) -> None:
    """PostgreSQL intersects a text query's concepts itself and sends back only rows matching some
    name (the snapshot adds the rows matching by services and place alone): the same totals, the
    same first page and the same order as Whoosh, on every text query of the benchmark mix, with
    and without a place."""
    import json

    mix = json.loads((Path(__file__).parent.parent / "scripts/bench_queries.json").read_text())
    cases = [c["args"] for c in mix["queries"] if c["args"].get("q")]
    assert len(cases) > 100
    differ = []
    for args in cases:
        answers = []
        for app in (national_app, national_pg_app):
            with app.test_request_context("/search"):
                res = search(app, **args)
                answers.append((res.total, [h.listing.public_id for h in res.hits]))
        if answers[0] != answers[1]:
            differ.append((args, answers[0][0], answers[1][0]))
    assert not differ, differ[:5]
    with national_pg_app.test_request_context("/search"):
        assert search(national_pg_app, q="recovery center").total > 0


@pytest.mark.postgres
def test_postgresql_documents_of_another_layout_are_rebuilt(national_pg_app: Flask) -> None:
    """A document layout (or taxonomy) other than this code's is not in step: start-up rebuilds
    it, and the index is in step again."""
    from directory.models import Meta
    from directory.search.pg_index import FORMAT_KEY
    from directory.search.upkeep import ensure_index, index_health

    with national_pg_app.app_context():
        assert index_health()["in_step"]
        row = db.session.get(Meta, FORMAT_KEY)
        assert row is not None
        kept, row.value = row.value, "fields-1:old"
        db.session.commit()
        assert not index_health()["in_step"]
        assert ensure_index() is True
        assert index_health()["in_step"] and db.session.get(Meta, FORMAT_KEY).value == kept
