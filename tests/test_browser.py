"""Real-browser tests: Playwright driving Debian's Chromium against the app on a loopback port.

Screenshots of every page type at phone (390 px) and desktop (1280 px) widths are kept in
``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import REPO, make_app

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def serve(app: Flask) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(scope="module")
def base_url(national_app: Flask) -> Iterator[str]:
    url, server = serve(national_app)
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run the tests with `make test`, which installs it"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def new_page(browser: Any, width: int = 1280, **options: Any) -> Any:
    height = 844 if width < 500 else 900  # a phone's first screen is 390 x 844
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context.new_page()


def in_first_screen(page: Any, selector: str) -> bool:
    """Whether the element's top is inside the first screen, without scrolling."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] < page.viewport_size["height"] - 40


# -- the journeys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("js", [True, False])
def test_search_by_zip_and_type_to_a_provider_and_back(
    browser: Any, base_url: str, lang: str, js: bool
) -> None:
    words = WORDS[lang]
    prefix = "/es" if lang == "es" else ""
    page = new_page(browser, java_script_enabled=js)
    page.goto(base_url + prefix + "/")
    page.get_by_label(words["where"]).fill("06708")
    page.get_by_label(words["detox"], exact=True).check()
    page.get_by_role("button", name=words["search"], exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert urlparse(page.url).path == prefix + "/search"
    status = page.locator("#result-count")
    assert re.search(words["count"], status.inner_text()), status.inner_text()
    page.locator("details.filters > summary").click() if not js else None
    page.get_by_label("Medicaid").check()
    page.get_by_role("button", name=words["apply"]).click()
    page.wait_for_url(re.compile(r"payment=medicaid"))
    results_url = page.url
    first = page.locator("ol.cards li h2 a").first
    name = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == name
    assert page.locator("a[href^='tel:']").count() >= 3  # crisis lines and the provider's phone
    page.get_by_role("link", name=words["back"]).click()
    assert parse_qs(urlparse(page.url).query) == parse_qs(urlparse(results_url).query)
    assert page.locator("input[name=type][value=detox]").is_checked()
    page.context.close()


WORDS = {
    "en": {
        "where": "Where?",
        "detox": "Detox",
        "search": "Search",
        "apply": "Apply filters",
        "back": "← Back to results",
        "count": r"\d+ places? within 25 miles of Waterbury",
        "edit": "Edit search",
        "filters": "Filters",
    },
    "es": {
        "where": "¿Dónde?",
        "detox": "Desintoxicación",
        "search": "Buscar",
        "apply": "Aplicar filtros",
        "back": "← Volver a los resultados",
        "count": r"\d+ lugar(es)? a (menos de )?25 millas de Waterbury",
        "edit": "Cambiar la búsqueda",
        "filters": "Filtros",
    },
}


@pytest.mark.parametrize("js", [True, False])
def test_results_come_first_on_a_phone(browser: Any, base_url: str, js: bool) -> None:
    page = new_page(browser, width=390, java_script_enabled=js)
    page.goto(base_url + "/search?near=Phoenix%2C+AZ&type=detox")
    assert in_first_screen(page, "ol.cards li.card")  # the first result without scrolling
    assert in_first_screen(page, "details.filters > summary")  # the filters one tap away
    filters = page.locator("details.filters")
    assert filters.get_attribute("open") is None
    page.locator("details.filters > summary").click()
    page.get_by_label("Medicaid").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"payment=medicaid"))
    chips = page.locator(".in-force a.chip")
    assert chips.count() == 2  # Detox and Medicaid, each removable
    chips.filter(has_text="Medicaid").click()
    page.wait_for_url(lambda url: "payment=" not in url)
    assert "type=detox" in page.url
    page.context.close()


def test_filters_stand_open_beside_results_on_a_wide_screen(browser: Any, base_url: str) -> None:
    page = new_page(browser, width=1280)
    page.goto(base_url + "/search?near=Phoenix%2C+AZ&type=detox")
    assert page.locator("details.filters").get_attribute("open") is not None
    side = page.locator(".map-side img")
    side.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.map-side img').naturalWidth > 0")
    assert side.get_attribute("alt") == ""  # screen readers use the list instead
    assert not page.locator(".map-top").is_visible()
    page.context.close()


@pytest.mark.parametrize("js", [True, False])
def test_the_search_box_reads_words_and_a_place(browser: Any, base_url: str, js: bool) -> None:
    page = new_page(browser, width=390, java_script_enabled=js)
    page.goto(base_url + "/")
    page.get_by_label("What are you looking for?").fill("detox Phoenix")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert "within 25 miles of Phoenix, AZ" in page.locator("#result-count").inner_text()
    page.locator("details.edit-search > summary").click()
    assert page.get_by_label("Where?").input_value() == "Phoenix, AZ"
    # "detox" is a need: it became the detox filter, shown as a chip, and left the words box.
    assert page.get_by_label("What are you looking for?").input_value() == ""
    assert page.locator(".in-force .chip").filter(has_text="Detox").count() == 1
    page.context.close()


def test_a_misspelled_place_offers_the_right_one(browser: Any, base_url: str) -> None:
    page = new_page(browser, width=390)
    page.goto(base_url + "/search")
    page.get_by_label("Where?").fill("Brooklin NY")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="Brooklyn, NY").click()
    assert "Brooklyn, NY" in page.locator("#result-count").inner_text()
    page.context.close()


def test_nothing_found_always_offers_a_next_step(browser: Any, base_url: str) -> None:
    page = new_page(browser, width=390)
    # Nothing in town mentions these words: the search offers searches that find something.
    page.goto(base_url + "/search?q=xylophone+lofexidine&near=57501&radius=5")
    steps = page.locator(".empty li a")
    assert steps.count() >= 1
    steps.first.click()
    count = int(page.locator("#result-count strong").inner_text().replace(",", ""))
    assert count > 0
    page.context.close()


def test_a_typed_place_wins_over_my_location(browser: Any, base_url: str) -> None:
    context = browser.new_context(
        geolocation={"latitude": 39.7392, "longitude": -104.9903},
        permissions=["geolocation"],
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r"lat="))
    assert re.search(
        r"Denver, CO \d{5} \(your location\)", page.locator("#result-count").inner_text()
    )
    page.locator("details.edit-search > summary").click()
    page.get_by_label("Where?").fill("Boulder, CO")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"near=Boulder"))
    assert "Boulder, CO" in page.locator("#result-count").inner_text()
    assert "lat=" not in page.url or "lat=&" in page.url
    context.close()


def test_a_guide_search_names_its_filters_and_explains_unknown_words(
    browser: Any, base_url: str
) -> None:
    page = new_page(browser, width=390)
    page.goto(base_url + "/guides/ketamine")
    form = page.locator("#guide-search")
    form.get_by_label("What are you looking for?").fill("ketamine")
    form.get_by_label("Where?").fill("80202")
    form.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    chips = page.locator(".in-force a.chip")
    names = " ".join(chips.nth(i).inner_text() for i in range(chips.count()))
    assert "Type of care: Inpatient" in names and "Type of care: Outpatient" in names
    # Ketamine is a substance: places that treat substance use, with a chip that removes it.
    assert "Treats substance use: ketamine" in names
    assert int(page.locator("#result-count strong").inner_text().replace(",", "")) > 0
    page.context.close()


def test_every_card_can_act(browser: Any, base_url: str) -> None:
    page = new_page(browser, width=390)
    # The places that list no type of care, where those with neither phone nor website are now
    # (every listing of the newest directories has a phone).
    page.goto(base_url + "/search?near=Cheyenne%2C+WY&radius=100&per_page=100&unlisted=1")
    cards = page.locator("ol.cards li.card")
    silent = page.locator("ol.cards li.card .no-contact")
    assert silent.count() > 0  # places that list neither a phone nor a website...
    assert "1-800-662-4357" in silent.first.inner_text()  # ...offer SAMHSA's helpline
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.locator("a[href^='tel:'], a[rel~='nofollow']").count() >= 1, i
    page.context.close()


def test_the_report_form_chooses_nothing_and_thanks_where_the_reader_is(
    browser: Any, base_url: str
) -> None:
    page = new_page(browser, width=390)
    page.goto(base_url + _provider_path(browser, base_url))
    kind = page.get_by_label("What is wrong?")
    assert kind.input_value() == ""
    page.get_by_role("button", name="Send report").click()  # the browser asks for a choice first
    assert "report" not in page.url
    kind.select_option("phone")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(r"#report$"))
    thanks = page.locator(".thanks")
    assert thanks.inner_text().startswith("Thank you")
    box = thanks.bounding_box()
    assert box is not None and 0 <= box["y"] < 844  # on screen, not scrolled away
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_keyboard_only_search_reaches_a_phone_link(browser: Any, base_url: str, lang: str) -> None:
    page = new_page(browser, width=390)
    page.goto(base_url + ("/es/" if lang == "es" else "/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == (
        "Saltar al contenido principal" if lang == "es" else "Skip to main content"
    )
    page.keyboard.press("Enter")
    for _ in range(30):  # tab forward to the place field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "near":
            break
    page.keyboard.type("22902")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"near=22902"))
    for _ in range(200):  # tab to the first result, open it
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('ol.cards')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/providers/"))
    for _ in range(40):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("tel:") and page.evaluate(
            "!!document.activeElement.closest('section.contact')"
        ):
            break
    else:
        pytest.fail("no provider phone link reachable by keyboard")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.context.close()


PAGE_TYPES = {
    "home": "/",
    "results": "/search?near=06708&type=detox",
    "empty": "/search?near=57501&radius=5&type=detox",
    "choices": "/search?near=Springfield",
    "guides": "/guides/",
    "guide": "/guides/detox",
    "about": "/about",
    "api": "/api/",
    "error": "/search?radius=0",
    "home-es": "/es/",
    "results-es": "/es/search?q=desintoxicaci%C3%B3n&near=85004&type=detox-24-hour",
    "guide-es": "/es/guides/detox",
    "empty-es": "/es/search?near=57501&radius=5&type=detox",
}


def _provider_path(browser: Any, base_url: str) -> str:
    page = new_page(browser)
    page.goto(base_url + "/search?near=22902")
    href = page.locator("ol.cards li h2 a").first.get_attribute("href")
    page.context.close()
    return href.split("?")[0]


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_load_nothing_from_other_hosts_stay_small_and_look_right(
    browser: Any, base_url: str, width: int
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    provider = _provider_path(browser, base_url)
    pages = {**PAGE_TYPES, "provider": provider, "provider-es": "/es" + provider}
    page = new_page(browser, width=width)
    requests: list[str] = []
    sizes: list[int] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: sizes.append(len(r.body()) if r.status < 300 else 0))
    for kind, path in pages.items():
        requests.clear()
        sizes.clear()
        page.goto(base_url + path, wait_until="networkidle")
        page.screenshot(path=str(ARTIFACTS / f"{kind}-{width}.png"), full_page=True)
        others = [u for u in requests if not u.startswith(base_url) and not u.startswith("data:")]
        assert others == [], (kind, others)
        assert sum(sizes) < 60_000, (kind, sum(sizes))
        assert page.locator("aside.crisis").is_visible()
        # Nothing wider than the screen on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, kind
    page.context.close()


def test_axe_finds_no_accessibility_violations(browser: Any, base_url: str) -> None:
    provider = _provider_path(browser, base_url)
    pages = {**PAGE_TYPES, "provider": provider, "provider-es": "/es" + provider}
    axe = AXE.read_text()
    report = {}
    for width in (390, 1280):
        # axe is injected as a script for the test only
        page = new_page(browser, width=width, bypass_csp=True)
        for kind, path in pages.items():
            page.goto(base_url + path)
            page.add_script_tag(content=axe)
            result = page.evaluate("""async () => {
                const r = await axe.run(document, {runOnly: {
                    type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
                }});
                return r.violations.map(v => ({
                    id: v.id,
                    impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))
                }));
            }""")
            report[f"{kind}@{width}"] = result
        page.context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1))
    assert {k: v for k, v in report.items() if v} == {}


def test_use_my_location_rounds_coordinates_before_sending(browser: Any, base_url: str) -> None:
    context = browser.new_context(
        geolocation={"latitude": 38.031234, "longitude": -78.478765}, permissions=["geolocation"]
    )
    page = context.new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    page.goto(base_url + "/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r"lat="))
    query = parse_qs(urlparse(page.url).query)
    assert (query["lat"], query["lon"]) == (["38.03"], ["-78.48"])
    assert not any("38.0312" in u or "78.4787" in u for u in sent)
    assert "places" in page.locator("#result-count").inner_text()
    context.close()


def test_markup_in_a_provider_name_runs_nothing(browser: Any, tmp_path: Path) -> None:
    from directory.loader import import_file

    f = tmp_path / "xss.csv"
    f.write_text(
        "id,name,name2,street,city,state,zip,tags\n"
        'x1,"<img src=x onerror=alert(1)>","<script>alert(2)</script>",'
        "1 Main St,Waterbury,CT,06708,detox\n"
    )
    app = make_app(tmp_path / "app")
    with app.app_context():
        import_file(f)
    url, server = serve(app)
    page = new_page(browser)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url + "/search?near=06708")
    assert page.locator("ol.cards li h2 a").first.inner_text() == "<img src=x onerror=alert(1)>"
    page.locator("ol.cards li h2 a").first.click()
    assert page.locator("h1").inner_text() == "<img src=x onerror=alert(1)>"
    assert page.locator("img").count() == 0 and dialogs == []
    page.context.close()
    server.shutdown()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_mother_in_cheyenne_finds_inpatient_care_for_a_teen_on_medicaid(
    browser: Any, base_url: str, width: int
) -> None:
    page = new_page(browser, width=width, java_script_enabled=False)
    page.goto(base_url + "/")
    page.get_by_label("Where?").fill("Cheyenne, WY")
    page.get_by_label("Distance").select_option("100")  # live-in care is worth a drive
    page.get_by_label("Inpatient", exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"type=inpatient"))
    page.locator("details.filters > summary").click()
    page.get_by_label("Teens").check()
    page.get_by_label("Medicaid").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"payment=medicaid"))
    chips = page.locator(".in-force a.chip")
    assert chips.count() == 3  # every filter in force is named, and can be removed
    found = int(page.locator("#result-count strong").inner_text().replace(",", ""))
    if found == 0:  # a dead end is never the answer: a next step that finds something
        step = page.locator(".empty li a").first
        step.click()
        assert int(page.locator("#result-count strong").inner_text().replace(",", "")) > 0
    else:
        assert page.locator("ol.cards li.card").count() > 0
    page.context.close()
