"""Reading a place out of the words people type, and resolving places they may have misspelled
(``directory/search/understand.py``, ``directory/search/place.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from directory.geocode import gazetteer
from directory.search.params import parse_query
from directory.search.service import find_providers
from directory.search.understand import Reading, read_place


def search(app: Flask, **args: Any):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))


@pytest.mark.parametrize(
    "typed, words, place",
    [
        ("detox near 85004", "detox", "85004"),
        ("suboxne clinic near 22902", "suboxne clinic", "22902"),
        ("methadone 22902", "methadone", "22902"),
        ("rehab in Brooklin NY", "rehab", "Brooklin NY"),  # meant as a place even misspelled
        ("detox Phoenix", "detox", "Phoenix, AZ"),  # the one big Phoenix
        ("rehab Waterbury CT", "rehab", "Waterbury, CT"),
        ("recovery house in Santa Fe, New Mexico", "recovery house", "Santa Fe, New Mexico"),
        ("desintoxicación cerca de 85004", "desintoxicación", "85004"),
    ],
)
def test_a_place_in_the_words_is_read_as_the_place(typed: str, words: str, place: str) -> None:
    assert read_place(typed, gazetteer()) == Reading(words, place)


@pytest.mark.parametrize(
    "typed",
    ["Phoenix House", "Hope House", "care in home", "women in recovery", "detox Springfield"],
)
def test_names_and_phrases_stay_words(typed: str) -> None:
    # Small towns named House or Home, and a Springfield in many states, are not read as places.
    assert read_place(typed, gazetteer()) is None


def test_misspelled_places_get_did_you_mean_from_the_gazetteer() -> None:
    g = gazetteer()
    assert [p.name for p in g.similar("Brooklin NY")] == ["Brooklyn, NY"]
    assert g.similar("Albequerque")[0].name == "Albuquerque, NM"
    assert g.similar("Qwertyville") == []


def test_a_point_is_named_after_the_nearest_town() -> None:
    place = gazetteer().nearest(39.74, -104.99)
    assert place.name.startswith("Denver, CO ") and place.precision == "point"
    assert (place.latitude, place.longitude) == (39.74, -104.99)  # the point itself is searched


def test_detox_phoenix_searches_detox_near_phoenix(national: Flask) -> None:
    typed = search(national, q="detox Phoenix")
    explicit = search(national, q="detox", near="Phoenix, AZ")
    assert typed.read_as == Reading("detox", "Phoenix, AZ")
    assert typed.query.near == "Phoenix, AZ" and typed.query.q == "detox"
    assert typed.total == explicit.total > 4
    assert [h.listing.id for h in typed.hits] == [h.listing.id for h in explicit.hits]


def test_suboxone_typo_near_a_zip_finds_places(national: Flask) -> None:
    res = search(national, q="suboxne clinic near 22902")
    assert res.query.near == "22902" and res.location is not None
    assert res.did_you_mean is not None and "suboxone" in res.did_you_mean
    assert res.total > 0 or (res.suggestions.words or res.suggestions.without_words)


def test_a_misspelled_place_offers_the_right_one(national: Flask) -> None:
    typed = search(national, near="Brooklin NY")
    assert typed.total == 0 and typed.location is None
    assert [c.name for c in typed.choices] == [
        "Brooklyn, NY"
    ] and "Did you mean" in typed.location_error
    in_words = search(national, q="rehab in Brooklin NY")
    assert in_words.query.q == "rehab" and in_words.choices[0].name == "Brooklyn, NY"


def test_an_ambiguous_big_city_is_chosen_and_the_others_offered(national: Flask) -> None:
    res = search(national, q="detox", near="Phoenix")
    assert res.location is not None and res.location.name == "Phoenix, AZ" and res.total > 0
    assert res.choices and all(c.name != "Phoenix, AZ" for c in res.choices) and res.location_note


def test_a_typed_place_wins_over_remembered_coordinates(national: Flask) -> None:
    denver = (39.74, -104.99)
    res = search(national, near="Boulder, CO", lat=denver[0], lon=denver[1])
    assert res.location is not None and res.location.name == "Boulder, CO"
    assert res.query.lat is None and ("lat", "39.74") not in res.query.params()
    located = search(national, lat=denver[0], lon=denver[1])
    assert located.location is not None and located.location.name.startswith("Denver, CO")


def test_a_town_our_listings_name_is_found_where_its_listings_are(national: Flask) -> None:
    # The ZIP gazetteer files East Palo Alto under Palo Alto; its listings say East Palo Alto.
    res = search(national, near="East Palo Alto, CA")
    assert res.location is not None and res.location.name == "East Palo Alto, CA" and res.total > 0
    assert all(h.distance is not None and h.distance <= 25 for h in res.hits)
