"""Reading the words people type: a place, and places they may have misspelled or abbreviated
(``directory/search/understand.py``, ``directory/search/place.py``); needs, substances, names and
filler, in English and Spanish (``directory/search/needs.py`` and its data files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from directory.geocode import gazetteer
from directory.search.needs import Lexicon, Vocabulary, load_lexicon, read_needs_file, read_words
from directory.search.params import parse_query
from directory.search.service import find_providers
from directory.search.text import tokens
from directory.search.understand import Reading, lookup, place_spellings, read_place
from directory.taxonomy import Taxonomy, load_taxonomy


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
    # "detox" is a need: the filter of that name, so the words are left empty.
    assert typed.query.near == "Phoenix, AZ" and typed.query.q == ""
    assert typed.query.filters == {"type": ("detox",)}
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
    # "rehab" says nothing about which place: filler, left out of the words.
    assert in_words.query.q == "" and in_words.choices[0].name == "Brooklyn, NY"


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


# Needs said in words (``directory/search/needs.py``, ``data/needs.*.toml``) ----------------------

NEEDS_FILES = sorted((Path(__file__).resolve().parent.parent / "data").glob("needs.*.toml"))


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(Path(__file__).resolve().parent.parent / "data")


@pytest.fixture(scope="module")
def lexicon(taxonomy: Taxonomy) -> Lexicon:
    return load_lexicon(Path(__file__).resolve().parent.parent / "data", taxonomy)


def listings_holding(*words: str) -> Vocabulary:
    """A vocabulary whose listings hold exactly these words (and fix nothing)."""
    held = {t for w in words for t in tokens(w)}
    return Vocabulary(held.__contains__, lambda word, lang: None)


def test_there_is_a_needs_file_per_language() -> None:
    assert [p.name for p in NEEDS_FILES] == ["needs.en.toml", "needs.es.toml"]


@pytest.mark.parametrize("path", NEEDS_FILES, ids=lambda p: p.name)
def test_every_needs_file_names_taxonomy_options_and_real_phrases(
    path: Path, taxonomy: Taxonomy
) -> None:
    entries = read_needs_file(path, taxonomy)  # raises on a group or option the taxonomy lacks
    needs = {n for _, found, _ in entries for n in found}
    assert len(needs) >= 30 and all(taxonomy.group(g).option(o) for g, o in needs)  # type: ignore[union-attr]
    assert all(phrase and all(w.isascii() for w in phrase) for phrase, _, _ in entries)
    substances = {s for _, _, found in entries for s in found}
    assert {"alcohol", "opioids", "fentanyl", "meth", "ketamine"} <= substances
    # Every type of care can be said in every language.
    assert {o.key for o in taxonomy.group("type").options} <= {o for g, o in needs if g == "type"}  # type: ignore[union-attr]


def test_a_needs_file_naming_an_option_the_taxonomy_lacks_is_refused(
    tmp_path: Path, taxonomy: Taxonomy
) -> None:
    bad = tmp_path / "needs.en.toml"
    bad.write_text('[need.payment]\nbitcoin = ["crypto"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="payment.bitcoin"):
        read_needs_file(bad, taxonomy)


def needs_of(text: str, lexicon: Lexicon, *held: str) -> set[str]:
    found = read_words(text, lexicon, listings_holding(*held))
    return {f"{n.group}.{n.option}" for n in found.needs}


@pytest.mark.parametrize(
    "typed, needs",
    [
        ("rehab that takes medicaid", {"payment.medicaid"}),
        ("Places that take Medicare", {"payment.medicare"}),
        ("spanish speaking rehab", {"language.spanish"}),
        ("que hablen español", {"language.spanish"}),
        ("QUE HABLEN ESPANOL", {"language.spanish"}),  # accents and case optional
        ("bajo costo", {"payment.sliding-fee", "payment.free"}),
        ("sin seguro", {"payment.sliding-fee", "payment.free", "payment.self-pay"}),
        ("blue cross", {"payment.private-insurance"}),
        ("outpatient detox", {"type.detox-outpatient"}),  # the longest phrase wins
        ("IOP for teens", {"setting.intensive-outpatient", "age.teens"}),
        ("vivitrol shot", {"medication.naltrexone"}),
        ("suboxone doctor", {"medication.buprenorphine"}),
        ("clínica de desintoxicación", {"type.detox"}),
        ("anexo para mi hijo", {"type.inpatient"}),
        ("programa para jovenes de 18 a 25", {"age.young-adults"}),  # the longest phrase wins
        ("centro de tratamiento residencial", {"setting.residential"}),  # filler hides no need
        ("treatment for pregnant women", {"program.pregnant"}),
        ("internar a mi hijo", {"type.inpatient"}),
        ("detox que acepte medicaid", {"type.detox", "payment.medicaid"}),  # mixed languages
    ],
)
def test_needs_in_words_are_read_as_options(typed: str, needs: set[str], lexicon: Lexicon) -> None:
    assert needs_of(typed, lexicon) == needs


@pytest.mark.parametrize(
    "typed", ["rehab for my son", "help near me", "centro de tratamiento", "treatment center"]
)
def test_filler_never_narrows(typed: str, lexicon: Lexicon) -> None:
    found = read_words(typed, lexicon, listings_holding("son", "center", "centro", "help"))
    assert not (found.needs or found.substances or found.name_words or found.kept)


def test_substances_mean_treating_substance_use_and_stay_in_the_words(lexicon: Lexicon) -> None:
    found = read_words("meth addiction help", lexicon, listings_holding())
    assert [s for s, _ in found.substances] == ["meth"] and found.treats_substance_use
    assert found.kept == ("meth", "addiction") and not found.name_words
    cristal = read_words("tratamiento para cristal", lexicon, listings_holding())
    assert [s for s, _ in cristal.substances] == ["meth"]


def test_words_of_a_name_are_searched_and_unknown_words_ignored(lexicon: Lexicon) -> None:
    found = read_words("Lakeland Centers medicaid", lexicon, listings_holding("lakeland"))
    assert found.name_words == ("lakeland",) and found.filler == ("centers",)
    assert [n.option for n in found.needs] == ["medicaid"]
    ignored = read_words("detox zzyzx", lexicon, listings_holding("detox"))
    assert ignored.ignored == ("zzyzx",) and not ignored.name_words


def test_spelling_fixes_only_words_that_are_no_words(lexicon: Lexicon) -> None:
    fixed = read_words("suboxne clinic", lexicon, listings_holding())
    assert fixed.fixes == (("suboxne", "suboxone"),) and fixed.corrected == "suboxone clinic"
    assert [n.option for n in fixed.needs] == ["buprenorphine"]
    # Real words of either language are never "corrected", even when no listing holds them.
    for typed in [
        "bajo costo hamblen",
        "tarifa movil hilo",
        "vivitrol shot",
        "que hablen",
        "internar",
    ]:
        assert read_words(typed, lexicon, listings_holding()).fixes == ()


def test_spanish_typos_are_fixed_into_spanish_on_the_spanish_site(lexicon: Lexicon) -> None:
    found = read_words("desintoxicasion", lexicon, listings_holding(), "es")
    assert found.fixes == (("desintoxicasion", "desintoxicacion"),)
    assert [n.option for n in found.needs] == ["detox"]


@pytest.mark.parametrize(
    "typed, found",
    [
        ("Sault Ste. Marie, MI", "Sault Sainte Marie, MI"),
        ("St. Louis, MO", "Saint Louis, MO"),
        ("Ft. Myers, FL", "Fort Myers, FL"),
        ("Mt. Vernon, NY", "Mount Vernon, NY"),
    ],
)
def test_abbreviated_places_are_found(typed: str, found: str) -> None:
    assert [p.name for p in lookup(typed, gazetteer())] == [found]
    assert found in place_spellings(typed)


def test_a_need_in_words_finds_what_its_filter_finds(national: Flask) -> None:
    words = search(national, q="rehab that takes medicaid", near="Philadelphia, PA")
    ticked = search(national, payment="medicaid", near="Philadelphia, PA")
    assert words.total == ticked.total > 0 and words.facets == ticked.facets
    assert [h.listing.id for h in words.hits] == [h.listing.id for h in ticked.hits]
    assert words.query.filters == {"payment": ("medicaid",)} and words.query.q == ""
    assert words.understood is not None and words.understood.filler
    spanish = search(national, q="que hablen español", near="Houston, TX")
    assert spanish.total == search(national, language="spanish", near="Houston, TX").total > 0


def test_the_chip_of_a_need_in_words_removes_the_words_too(national: Flask) -> None:
    from directory.present import filters_in_force

    res = search(national, q="rehab that takes medicaid", near="19104")
    with national.test_request_context():
        [(_, label, href)] = filters_in_force(national.extensions["taxonomy"], res.query, "/s")
    assert label == "Medicaid" and "medicaid" not in href.lower() and "q=" not in href


def test_a_substance_finds_places_that_treat_substance_use(national: Flask) -> None:
    res = search(national, q="meth addiction help", near="Albuquerque, NM")
    everything = search(national, near="Albuquerque, NM")
    assert 0 < res.total < everything.total and not res.dropped and not res.dropped_here
    assert all({"SA", "SUMH", "OTP", "BUPREN"} & set(h.listing.codes) for h in res.hits)


def test_words_naming_a_provider_put_it_first(national: Flask) -> None:
    res = search(national, q="Lakeland Centers", near="33805")
    assert any("lakeland cent" in h.listing.name.lower() for h in res.hits[:3])
    great = search(national, q="Great Lakes Recovery Centers", near="49783")
    assert great.hits[0].listing.name.startswith("Great Lakes Recovery Centers")
    # Words that name a listing whole are its name, even when some of them could be needs.
    named = search(national, q="Natchaug Hospital Inc", near="06066")
    assert named.hits[0].listing.name == "Natchaug Hospital Inc" and not named.query.filters


def test_a_whole_name_comes_first_even_where_many_names_share_its_words(national: Flask) -> None:
    # Thousands of names hold "behavioral health"; the place at 90744 named exactly this is one
    # the newest directory no longer lists, which alone would put it after every listed place.
    res = search(national, q="Behavioral Health Services", near="90744")
    whole = [
        "behavioral health services" in {h.listing.name.lower(), (h.listing.name2 or "").lower()}
        for h in res.hits
    ]
    assert any(whole) and whole == sorted(whole, reverse=True)  # every whole name first
    wanted = next(
        h for p in range(1, 40) for h in search(national, q="Behavioral Health Services",
                                                 near="90744", page=p, sort="distance").hits
        if h.listing.zip == "90744" and h.listing.name == "Behavioral Health Services"
    )  # fmt: skip
    assert wanted.listing.dropped_from  # the case this test is about
    assert wanted.listing.id in {h.listing.id for h in res.hits[:10]}


def test_needs_that_find_nothing_here_show_the_nearest_that_meet_them(national: Flask) -> None:
    res = search(national, q="methadone for seniors in spanish", near="59901")
    assert res.total > 0 and res.query.radius > 25
    assert all(h.distance is not None and h.distance > 25 for h in res.hits)
    assert ("language", "spanish") in res.suggestions.finds_nothing
    assert any("Spanish" in n for n in res.notices)


def test_the_api_says_what_it_understood(national: Flask) -> None:
    body = national.test_client().get(
        "/api/v1/providers", query_string={"q": "suboxne doctor que acepte medicaid Houston"}
    )
    understood = body.get_json()["understood"]
    assert understood["place"] == "Houston, TX" and understood["corrected"]
    assert {(n["group"], n["option"]) for n in understood["needs"]} == {
        ("medication", "buprenorphine"),
        ("payment", "medicaid"),
    }


def test_the_api_document_declares_what_the_parser_reads_and_what_was_understood(
    app: Flask, lexicon: Lexicon
) -> None:
    from jsonschema import Draft202012Validator

    from directory.openapi import openapi_document
    from directory.search.needs import UNDERSTOOD_SCHEMA
    from directory.search.params import search_parameters

    tax = app.extensions["taxonomy"]
    doc = openapi_document(tax, app.config)
    documented = {
        p["name"]: p["schema"] for p in doc["paths"]["/api/v1/providers"]["get"]["parameters"]
    }
    declared = {name: p.schema for name, p in search_parameters(tax, app.config).items()}
    assert {k: v for k, v in documented.items() if k != "lang"} == declared
    results = doc["components"]["schemas"]["SearchResults"]["properties"]
    assert results["understood"]["oneOf"][0] == UNDERSTOOD_SCHEMA
    found = read_words("suboxne que acepte medicaid zzyzx", lexicon, listings_holding())
    Draft202012Validator(UNDERSTOOD_SCHEMA).validate(found.as_dict())


def test_everyday_words_of_a_sentence_do_not_narrow(national: Flask) -> None:
    # "house" is in many names; in a sentence that says a need it is not a name to require.
    said = search(
        national, q="crisis team that can come to the house, my brother is losing it", near="64106"
    )
    ticked = search(national, support="crisis", near="64106")
    assert said.total == ticked.total > 0 and said.query.filters == {"support": ("crisis",)}
    assert said.understood is not None and "house" in said.understood.soft
    assert not said.dropped  # everyday words are not announced as left out
    # A sentence of needs and everyday words never ends in nothing.
    narcan = search(national, q="where can i pick up narcan and learn how to use it", near="45202")
    assert narcan.total == search(national, support="naloxone", near="45202").total > 0
    # Everyday words that are a name together stay a name.
    great = search(national, q="Great Lakes Recovery Centers", near="49783")
    assert great.understood is not None and not great.understood.soft


def test_two_needs_of_one_group_said_apart_narrow(lexicon: Lexicon) -> None:
    vocab = Vocabulary(lambda token: False, lambda word, lang: None)
    read = read_words("detox de alcohol 24 horas", lexicon, vocab, "es")
    assert {(n.group, n.option) for n in read.needs} == {("type", "detox-24-hour")}
    read = read_words("detox outpatient", lexicon, vocab, "en")
    assert {(n.group, n.option) for n in read.needs} == {("type", "detox-outpatient")}


@pytest.mark.parametrize("typed", ["Doral, FL", "Miramar, FL", "Highlands Ranch, CO"])
def test_towns_the_zip_list_files_under_a_neighbour_are_places(typed: str) -> None:
    [place] = lookup(typed, gazetteer())
    assert place.name == typed and place.precision == "city"
    nearest = gazetteer().nearest(place.latitude, place.longitude)
    assert nearest.state == typed[-2:]


def test_a_town_across_a_state_line_is_not_put_in_the_wrong_state() -> None:
    assert lookup("Rock Island, IA", gazetteer()) == []
    assert [p.state for p in lookup("Rock Island, IL", gazetteer())] == ["IL"]
