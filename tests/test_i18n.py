"""English and Spanish (``directory/i18n.py``): the catalog is complete, pages follow their address,
the browser's language only chooses where a visit starts, and search understands Spanish."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from directory.guides import load_guides, readability
from directory.search.params import parse_query
from directory.search.service import find_providers

REPO = Path(__file__).resolve().parent.parent


def _script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "translations", REPO / "scripts" / "translations.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_has_a_spanish_translation() -> None:
    # Every message the code, templates and data files use (extracted afresh), translated, not
    # fuzzy.
    assert _script().catalog_problems() == []


class _Text(HTMLParser):
    """The text a reader sees, piece by piece (scripts and styles left out), without the names of
    listings (links to their pages, and text marked ``translate="no"``): names are data, in the
    language their publisher gave them."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self.in_name = False
        self.name_tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if not self.in_name and (
            (tag == "a" and "/providers/" in (a.get("href") or "")) or a.get("translate") == "no"
        ):
            self.in_name, self.name_tag = True, tag

    def handle_endtag(self, tag: str) -> None:
        if self.in_name and tag == self.name_tag:
            self.in_name = False

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.in_name:
            self.pieces.append(" ".join(data.split()))


def pieces(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return set(parser.pieces)


ENGLISH = re.compile(r"\b(the|and|you|your|to|of|for|with|this|that|is|are|or|we|our)\b")
PAGES = [
    "/",
    "/search",
    "/search?near=22902&type=outpatient",
    "/search?q=detox+Phoenix&type=detox-24-hour",
    "/search?near=57501&radius=5&type=detox",
    "/search?near=Brooklin+NY",
    "/guides/",
    "/about",
    "/api/",
    "/no-such-page",
]


@pytest.mark.parametrize("path", PAGES)
def test_spanish_pages_have_no_english_sentences_left(client: Any, path: str) -> None:
    english = client.get(path).get_data(as_text=True)
    spanish_page = client.get("/es" + path)
    spanish = spanish_page.get_data(as_text=True)
    assert spanish_page.status_code == client.get(path).status_code
    assert '<html lang="es">' in spanish and '<html lang="en">' in english
    # A piece of text found in both pages and reading like English prose was not translated
    # (names, addresses and numbers are the same in both and are not prose).
    left = [p for p in pieces(english) & pieces(spanish) if len(ENGLISH.findall(p.lower())) >= 2]
    assert left == []


def test_provider_page_in_spanish(client: Any, national_app: Flask) -> None:
    with national_app.test_request_context():
        res = find_providers(
            parse_query(
                {"near": "22902", "type": "outpatient"},
                national_app.extensions["taxonomy"],
                national_app.config,
            )
        )
    path = f"/providers/{res.hits[0].listing.path_id}"
    english, spanish = (
        client.get(path).get_data(as_text=True),
        client.get("/es" + path).get_data(as_text=True),
    )
    left = [p for p in pieces(english) & pieces(spanish) if len(ENGLISH.findall(p.lower())) >= 2]
    assert left == [] and "Servicios" in spanish


def test_links_stay_in_the_language_and_the_switch_keeps_the_search(client: Any) -> None:
    page = client.get("/es/search?near=22902&type=detox").get_data(as_text=True)
    hrefs = re.findall(r'href="(/[^"]*)"', page)
    site_links = [h for h in hrefs if not h.startswith("/static/") and "hreflang" not in h]
    assert site_links and all(
        h.startswith("/es/") or h.startswith("/static/")
        for h in site_links
        if not h.startswith("/search?near=22902&amp;type=detox")
    ), site_links
    assert 'hreflang="en" lang="en" class="lang"' in page
    assert (
        'href="/search?near=22902&amp;type=detox" hreflang="en"' in page
    )  # same search in English
    assert (
        '<link rel="alternate" hreflang="es" href="/es/search?near=22902&amp;type=detox">' in page
    )
    english = client.get("/search?near=22902&type=detox").get_data(as_text=True)
    assert 'href="/es/search?near=22902&amp;type=detox" hreflang="es"' in english


def test_the_browser_language_only_chooses_where_a_visit_starts(client: Any) -> None:
    es = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
    first = client.get("/", headers=es)
    assert first.status_code == 302 and first.headers["Location"].endswith("/es/")
    assert "Accept-Language" in first.headers["Vary"]
    # Coming back to the English home from a page of the site keeps English: it was chosen.
    within = client.get("/", headers={**es, "Referer": "http://localhost/es/about"})
    assert within.status_code == 200 and '<html lang="en">' in within.get_data(as_text=True)
    # A shared link opens in the language it was sent in.
    shared = client.get("/search?near=22902", headers=es)
    assert shared.status_code == 200 and '<html lang="en">' in shared.get_data(as_text=True)
    assert client.get("/", headers={"Accept-Language": "en-US"}).status_code == 200
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in shared.headers


def test_spanish_words_find_the_same_care(national: Flask) -> None:
    tax, config = national.extensions["taxonomy"], national.config

    def total(**args: Any) -> int:
        with national.test_request_context("/es/search"):
            return find_providers(parse_query(args, tax, config)).total

    assert total(q="desintoxicación", near="85004") == total(q="detox", near="85004") > 0
    assert total(q="desintoxicacion", near="85004") == total(
        q="detox", near="85004"
    )  # accents optional
    assert total(q="metadona") >= total(q="methadone") > 0  # the Spanish line adds no-less
    assert total(q="ambulatorio", near="22902") == total(q="outpatient", near="22902") > 0
    assert total(q="consejería", near="22902") > 0


def test_spelling_fixes_answer_in_the_language_of_the_page(national: Flask) -> None:
    tax, config = national.extensions["taxonomy"], national.config
    with national.test_request_context("/es/search", environ_base={"directory.lang": "es"}):
        res = find_providers(parse_query({"q": "desintoxicasion"}, tax, config))
    assert res.did_you_mean == "desintoxicacion" and res.total > 0


def test_the_api_stays_english_unless_asked(client: Any) -> None:
    plain = client.get("/api/v1/taxonomy").get_json()
    asked = client.get("/api/v1/taxonomy?lang=es").get_json()
    header = client.get("/api/v1/taxonomy", headers={"Accept-Language": "es"}).get_json()
    assert plain["groups"][0]["label"] == "Type of care"
    assert asked["groups"][0]["label"] == header["groups"][0]["label"] != "Type of care"
    assert [g["key"] for g in asked["groups"]] == [g["key"] for g in plain["groups"]]  # keys stay
    bad = client.get("/api/v1/taxonomy?lang=fr")
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "lang"
    spec = client.get("/api/openapi.json").get_json()
    names = [p["name"] for p in spec["paths"]["/api/v1/taxonomy"]["get"]["parameters"]]
    assert "lang" in names


ENGLISH_GUIDES = {g.slug: g for g in load_guides(str(REPO / "data"))}
SPANISH_GUIDES = {g.slug: g for g in load_guides(str(REPO / "data"), "es")}


def test_every_guide_has_a_spanish_version_with_the_same_search() -> None:
    assert set(SPANISH_GUIDES) == set(ENGLISH_GUIDES)
    for slug, g in SPANISH_GUIDES.items():
        en = ENGLISH_GUIDES[slug]
        # The same filters; words, where a guide searches with words, in the page's language.
        filters = lambda guide: tuple(kv for kv in guide.search if kv[0] != "q")  # noqa: E731
        has_words = lambda guide: any(k == "q" for k, _ in guide.search)  # noqa: E731
        assert (filters(g), g.order, has_words(g)) == (filters(en), en.order, has_words(en)), slug
        assert g.reviewed is not None and len(g.sources) >= 2, slug
        assert g.title != en.title and g.search_label != en.search_label, slug


@pytest.mark.parametrize("slug", sorted(SPANISH_GUIDES))
def test_spanish_guides_read_plainly(slug: str) -> None:
    score, measure, ok = readability(SPANISH_GUIDES[slug].body_markdown, "es")
    assert ok, f"{slug}: {measure} {score:.1f} (at least 70)"


def test_spanish_guides_keep_the_safety_facts() -> None:
    detox = SPANISH_GUIDES["detox"].body_markdown
    assert "911" in detox and "convulsiones" in detox.lower() and "48" in detox and "96" in detox
    medication = SPANISH_GUIDES["medication"].body_markdown.lower()
    assert "naltrexona" in medication and "opioide" in medication
    naloxone = SPANISH_GUIDES["naloxone"].body_markdown
    assert "911" in naloxone and ("2 a 3 minutos" in naloxone or "2 o 3 minutos" in naloxone)
    for g in SPANISH_GUIDES.values():  # Spanish speakers are told how to get help in Spanish
        if "988" in g.body_markdown:
            assert "AYUDA" in g.body_markdown or "marque 2" in g.body_markdown, g.slug


def test_spanish_guide_pages_link_spanish_guides(client: Any) -> None:
    page = client.get("/es/guides/detox").get_data(as_text=True)
    assert '<html lang="es">' in page and "Fuentes" in page
    assert 'action="/es/search"' in page
    article = page[page.index('<article class="guide">') : page.index("</article>")]
    assert (
        re.findall(r'href="(/guides/[^"]+)"', article) == []
    )  # links in a Spanish guide stay Spanish
    assert re.findall(r'href="(/es/guides/[^"]+)"', article)
