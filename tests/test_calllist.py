"""The call list (``directory/calllist.py``, ``/list``): the places a link names, rendered by the
server, which keeps nothing; the list rides in the address when there is no script."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from directory.calllist import MAX_PLACES, joined, parse_ids
from directory.errors import DirectoryError
from directory.listing import Listing
from directory.normalize import phone_text
from tests.test_i18n import ENGLISH, pieces


@pytest.fixture(scope="module")
def places(national_app: Flask) -> list[Listing]:
    """Three listed places with a phone, a website and a type of care, from one town."""
    from directory.search.snapshot import snapshot

    with national_app.test_request_context():
        chosen = [
            p
            for p in snapshot().listings
            if p.state == "CT" and p.phones and p.website and p.labels and not p.name2
        ]
    assert len(chosen) >= 3
    return chosen[:3]


def ids_of(places: list[Listing]) -> str:
    return ",".join(p.public_id for p in places)


def test_ids_are_read_in_order_once_each_from_commas_or_repeats() -> None:
    args = MultiDict([("ids", "AB12, cd34,ab12"), ("ids", "ef56"), ("ids", "")])
    assert parse_ids(args, "ids") == ["ab12", "cd34", "ef56"]
    assert parse_ids(MultiDict(), "ids") == []
    assert joined(["a", "b"], add="c") == "a,b,c"
    assert joined(["a", "b"], add="a") == "a,b"
    assert joined(["a", "b"], drop="a") == "b"


@pytest.mark.parametrize(
    "value", ["12;34", "<script>", "abc-def", "x" * 17, ",".join(f"a{i}" for i in range(31))]
)
def test_a_bad_list_is_a_400_naming_the_parameter(value: str) -> None:
    with pytest.raises(DirectoryError) as e:
        parse_ids(MultiDict([("ids", value)]), "ids")
    assert e.value.status == 400 and e.value.parameter == "ids"
    # Leniently (the navigation's count), what is wrong is dropped instead.
    assert len(parse_ids(MultiDict([("ids", value)]), "ids", strict=False)) <= MAX_PLACES


def test_the_list_page_shows_each_place_to_call(client: Any, places: list[Listing]) -> None:
    r = client.get(f"/list?ids={ids_of(places)}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    positions = [html.index(f'data-place="{p.public_id}"') for p in places]
    assert positions == sorted(positions)  # in the list's order
    for p in places:
        assert str(escape(p.name)) in html
        assert phone_text(p.phones[0]) in html
        assert p.city in html and p.zip in html
        assert f'href="{p.website}"'.replace("&", "&amp;") in html
    assert "Type of care:" in html
    assert "What to ask when you call" in html
    assert "3 places to call" in html
    # The share link is the page's own address, with ids only.
    share = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', html)
    assert share and parse_qs(urlparse(share.group(1)).query) == {"ids": [ids_of(places)]}
    assert "your notes and call results are not in it" in html


def test_the_server_keeps_nothing_and_sees_no_notes(client: Any, places: list[Listing]) -> None:
    r = client.get(f"/list?ids={ids_of(places)}")
    assert "Set-Cookie" not in r.headers
    assert r.headers["Cache-Control"] == "private, no-store"
    html = r.get_data(as_text=True)
    # The note fields have no name and stand in no form: nothing of them can be submitted.
    fields = re.findall(r"<(?:select|input|textarea)[^>]*data-field[^>]*>", html)
    assert len(fields) == 9 and not any(" name=" in f for f in fields)
    forms = re.findall(r"<form.*?</form>", html, re.S)
    assert len(forms) == 1 and "data-field" not in forms[0]
    names = set(re.findall(r'<(?:input|select|textarea|button)[^>]* name="(\w+)"', html))
    assert names == {"ids", "compare"}


def test_places_no_longer_listed_are_named_and_can_be_dropped(
    client: Any, places: list[Listing]
) -> None:
    html = client.get(f"/list?ids={places[0].public_id},zzzzzzzzzz").get_data(as_text=True)
    assert "One place on this list is no longer listed" in html
    assert f'href="/list?ids={places[0].public_id}" data-sets-list>Take it off' in html
    html = client.get("/list?ids=zzzzzzzzzz,yyyyyyyyyy").get_data(as_text=True)
    assert "2 places on this list are no longer listed" in html
    assert "Your call list is empty." in html


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/list?ids=12;34", "ids"),
        ("/list?ids=" + ",".join(f"a{i}" for i in range(31)), "ids"),
        ("/search?near=06708&list=a-b", "list"),
        ("/list?ids=aaaa&compare=aaaa,bbbb", "compare"),
    ],
)
def test_bad_parameters_are_a_400_that_names_them(client: Any, path: str, parameter: str) -> None:
    r = client.get(path)
    assert r.status_code == 400
    assert f"&#39;{parameter}&#39;" in r.get_data(as_text=True)


def test_two_to_four_places_stand_side_by_side(client: Any, places: list[Listing]) -> None:
    a, b, c = (p.public_id for p in places)
    html = client.get(f"/list?ids={a},{b},{c}&compare={a}&compare={c}").get_data(as_text=True)
    table = re.search(r'<table class="compare">.*?</table>', html, re.S)
    assert table
    heads = re.findall(r'<th scope="col">(.*?)</th>', table.group(0))
    assert len(heads) == 2
    rows = re.findall(r'<th scope="row">(.*?)</th>', table.group(0))
    assert rows == ["Type of care", "Payment", "Medication", "Phone", "Distance"]
    assert phone_text(places[2].phones[0]) in table.group(0)
    # The chosen places stay ticked for the next comparison.
    assert html.count('form="compare-form" checked') == 2
    one = client.get(f"/list?ids={a},{b}&compare={a}").get_data(as_text=True)
    assert "Choose 2 to 4 places to compare." in one and "<table" not in one


def test_without_script_a_search_carries_the_list_and_cards_add_to_it(
    client: Any, places: list[Listing]
) -> None:
    first = places[0].public_id
    search = f"/search?near=06708&list={first}"
    html = client.get(search).get_data(as_text=True)
    assert f'<input type="hidden" name="list" value="{first}">' in html  # a new search keeps it
    assert re.search(r"data-calllist-nav[^>]*>Call list <span[^>]*>\(1\)</span>", html)
    links = re.findall(r'<a href="(/list\?[^"]+)" data-save="(\w+)"', html)
    assert len(links) == 20
    for href, id in links:
        expected = [first] if id == first else [f"{first},{id}"]
        assert parse_qs(urlparse(href).query) == {"ids": expected}
    # The list page leads back to the search it came from (the browser's same-origin referrer),
    # with the list.
    back = client.get(links[1][0], headers={"Referer": f"http://localhost{search}"})
    html = back.get_data(as_text=True)
    assert f'href="/search?near=06708&amp;list={first},{links[1][1]}">← Back to your search' in html
    elsewhere = client.get(links[1][0], headers={"Referer": f"http://elsewhere.example{search}"})
    assert "← Back to your search" not in elsewhere.get_data(as_text=True)


def test_a_provider_page_can_be_saved(client: Any, places: list[Listing]) -> None:
    html = client.get(f"/providers/{places[0].path_id}").get_data(as_text=True)
    assert f'href="/list?ids={places[0].public_id}" data-save="{places[0].public_id}"' in html


def test_the_list_in_spanish(client: Any, places: list[Listing]) -> None:
    a, b = places[0].public_id, places[1].public_id
    path = f"/list?ids={a},{b},zzzzzzzzzz&compare={a},{b}"
    english = client.get(path).get_data(as_text=True)
    spanish = client.get("/es" + path).get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Qué preguntar cuando llame" in spanish
    left = [p for p in pieces(english) & pieces(spanish) if len(ENGLISH.findall(p.lower())) >= 2]
    assert left == []
    assert 'href="/es/search?list=' in spanish
