"""The call list in a real Chromium (Playwright), at phone and desktop widths, with script and
without: save three places from two searches, note a call, compare two, share the link, open it
in a fresh browser (no notes there), print it to PDF; axe-core finds nothing; no other host."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.test_browser import ARTIFACTS, AXE, base_url, browser  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
SEARCHES = ("/search?near=06708", "/search?near=22902")  # Waterbury, CT and Charlottesville, VA
NOTE = "Call back Monday after 10"
PHONE = re.compile(r"\d{3}-\d{3}-\d{4}")


@pytest.fixture(scope="module", autouse=True)
def warm(national_app: Any) -> None:
    """Build the search snapshot before the browser waits on it (a minute on a busy machine)."""
    national_app.test_client().get(SEARCHES[0])


def new_context(browser: Any, width: int, **options: Any) -> Any:  # noqa: F811
    height = 844 if width < 500 else 900
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(60_000)
    return context


def watch(page: Any, base: str, seen: list[str], problems: list[str]) -> None:
    """Every request's address, and what the console says against the CSP."""
    page.on("request", lambda r: seen.append(r.url))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )


def other_hosts(base: str, seen: list[str]) -> list[str]:
    return [u for u in seen if not u.startswith(base) and not u.startswith("data:")]


def ids_in(url: str) -> list[str]:
    values = parse_qs(urlparse(url).query).get("ids", [""])
    return [i for i in values[0].split(",") if i]


def pdf_text(page: Any, path: Path) -> str:
    page.pdf(path=str(path), format="Letter", print_background=False)
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext missing: scripts/test_services.sh installs poppler-utils"
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True).stdout


def axe_violations(browser: Any, url: str, width: int, script: bool, state: Any = None) -> Any:  # noqa: F811
    """axe-core on a page as a reader sees it: with our script, or with our script blocked (axe
    itself is injected, so it runs either way). ``state``: the storage of the reader's browser."""
    context = new_context(browser, width, bypass_csp=True, storage_state=state)
    page = context.new_page()
    if not script:
        page.route(re.compile(r"/static/.*\.js$"), lambda route: route.abort())
    page.goto(url)
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {
            type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
        }});
        return r.violations.map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target)}));
    }""")
    context.close()
    return found


def check_list_page(page: Any, ids: list[str]) -> list[str]:
    """The list page shows these places in this order; their phones, as printed."""
    assert page.locator("h1").inner_text() == "Your call list"
    shown = [li.get_attribute("data-place") for li in page.locator("li.place").all()]
    assert shown == ids
    return PHONE.findall(" ".join(page.locator("li.place .phone").all_inner_texts()))


def open_shared(browser: Any, url: str, width: int, base: str, js: bool, tag: str) -> str:  # noqa: F811
    """Open a shared link in a fresh browser: the same places, no notes. Returns the PDF's text."""
    context = new_context(browser, width, java_script_enabled=js)
    page = context.new_page()
    seen: list[str] = []
    problems: list[str] = []
    watch(page, base, seen, problems)
    page.goto(url)
    phones = check_list_page(page, ids_in(url))
    assert NOTE not in page.inner_text("body")
    assert all(t == "" for t in page.locator(".outcome").all_inner_texts())
    assert page.locator("fieldset.call-notes:visible").count() == 0
    if js:
        assert page.locator("[data-shared]").is_visible()  # "opened from a link: no notes"
    page.screenshot(path=str(ARTIFACTS / f"calllist-shared-{tag}.png"), full_page=True)
    text = pdf_text(page, ARTIFACTS / f"calllist-{tag}.pdf")
    assert phones and all(p in text for p in phones), (phones, text[:500])
    assert "What to ask when you call" in text
    assert NOTE not in text
    assert other_hosts(base, seen) == [] and problems == []
    context.close()
    return text


@pytest.mark.parametrize("width", [390, 1280])
def test_a_call_list_with_script(browser: Any, base_url: str, width: int) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = new_context(browser, width)
    page = context.new_page()
    seen: list[str] = []
    problems: list[str] = []
    watch(page, base_url, seen, problems)

    for search, picks in zip(SEARCHES, ((0, 1), (0,))):
        page.goto(base_url + search)
        for n in picks:
            card = page.locator("ol.cards li.card").nth(n)
            button = card.locator("button.save-toggle")
            assert button.get_attribute("aria-pressed") == "false"
            button.click()
            assert button.get_attribute("aria-pressed") == "true"
            name = card.locator("h2 a").inner_text()
            page.wait_for_function(
                "t => [...document.querySelectorAll('main [aria-live]')]"
                ".some(e => e.textContent.includes(t))",
                arg=f"Saved to your call list: {name}",
            )
        if search == SEARCHES[0]:
            page.screenshot(path=str(ARTIFACTS / f"calllist-search-{width}.png"))
            # Pressed again, it comes off the list; once more, it is back.
            again = page.locator("ol.cards li.card").nth(1).locator("button.save-toggle")
            again.click()
            assert again.get_attribute("aria-pressed") == "false"
            again.press("Enter")  # keyboard works too
            assert again.get_attribute("aria-pressed") == "true"
    nav = page.get_by_role("link", name=re.compile(r"^Call list"))
    assert nav.inner_text().endswith("(3)")
    nav.click()
    page.wait_for_url(re.compile(r"/list\?ids="))
    ids = ids_in(page.url)
    assert len(ids) == 3
    phones = check_list_page(page, ids)
    assert len(phones) >= 3

    # Note one call: a waitlist, with the date it happened and a note.
    first = page.locator("li.place").first
    first.get_by_label("How did the call go?").select_option("waitlist")
    first.get_by_label(re.compile(r"^Note")).fill(NOTE)
    outcome = first.locator(".outcome")
    assert outcome.inner_text().startswith("Waitlist · ") and NOTE in outcome.inner_text()
    assert first.get_by_label("Date of the call").input_value() != ""

    # Compare two of them, side by side.
    boxes = page.get_by_role("checkbox", name=re.compile(r"^Compare \("))
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.get_by_role("button", name="Compare the places you chose").click()
    page.wait_for_url(re.compile(r"compare="))
    table = page.locator("table.compare")
    assert table.locator("thead th").count() == 2
    distances = table.locator("td[data-distance-for]").all_inner_texts()
    assert all(re.search(r"mi from (Waterbury|Charlottesville)", d) for d in distances), distances
    # The note is still there after the page loaded again: it is kept in this browser.
    assert NOTE in page.locator("li.place").first.locator(".outcome").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"calllist-{width}.png"), full_page=True)

    # Share: the link names the places and nothing else; the page says notes stay here.
    share = page.locator("#share-link").input_value()
    assert parse_qs(urlparse(share).query) == {"ids": [",".join(ids)]}
    assert NOTE not in share and "waitlist" not in share
    assert "not in it, and stay on this device" in page.locator("section.share").inner_text()
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function(
        "() => document.querySelector('[data-share-status]').textContent.includes('copied')"
    )
    # Print (the PDF of what a printer gets): names, phones, addresses and the questions.
    text = pdf_text(page, ARTIFACTS / f"calllist-mine-{width}.pdf")
    assert all(p in text for p in phones)
    assert "What to ask when you call" in text and "Waitlist" in text
    assert "Guides" not in text and "Compare the places" not in text  # no navigation, no buttons
    assert other_hosts(base_url, seen) == [] and problems == []
    assert context.cookies() == []
    state = context.storage_state()
    list_url, search_url = page.url, base_url + SEARCHES[0]
    context.close()

    open_shared(browser, share, width, base_url, js=True, tag=f"js-{width}")
    report = {
        url: axe_violations(browser, url, width, script=True, state=state)
        for url in (list_url, search_url, share)
    }
    (ARTIFACTS / f"axe-calllist-js-{width}.json").write_text(json.dumps(report, indent=1))
    assert {k: v for k, v in report.items() if v} == {}


@pytest.mark.parametrize("width", [390, 1280])
def test_a_call_list_without_script(browser: Any, base_url: str, width: int) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = new_context(browser, width, java_script_enabled=False)
    page = context.new_page()
    seen: list[str] = []
    problems: list[str] = []
    watch(page, base_url, seen, problems)

    page.goto(base_url + SEARCHES[0])
    page.locator("ol.cards li.card").nth(0).get_by_role("link", name=re.compile("^Save to")).click()
    page.wait_for_url(re.compile(r"/list\?ids="))
    assert len(ids_in(page.url)) == 1
    page.get_by_role("link", name="← Back to your search").click()
    page.wait_for_url(re.compile(r"/search\?.*list="))
    assert "(1)" in page.get_by_role("link", name=re.compile(r"^Call list")).inner_text()
    page.locator("ol.cards li.card").nth(1).get_by_role("link", name=re.compile("^Save to")).click()
    page.wait_for_url(re.compile(r"/list\?ids="))
    two = ids_in(page.url)
    assert len(two) == 2
    # A second search, somewhere else, keeps the list.
    page.get_by_role("link", name="← Back to your search").click()
    page.locator("details.edit-search > summary").click()
    page.get_by_label("Where?").fill("22902")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"near=22902"))
    assert parse_qs(urlparse(page.url).query)["list"] == [",".join(two)]
    page.locator("ol.cards li.card").nth(0).get_by_role("link", name=re.compile("^Save to")).click()
    page.wait_for_url(re.compile(r"/list\?ids="))
    ids = ids_in(page.url)
    assert len(ids) == 3 and ids[:2] == two
    phones = check_list_page(page, ids)
    assert page.locator("fieldset.call-notes:visible").count() == 0  # notes need the script

    boxes = page.get_by_role("checkbox", name=re.compile(r"^Compare \("))
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Compare the places you chose").click()
    page.wait_for_url(re.compile(r"compare="))
    assert page.locator("table.compare thead th").count() == 2
    page.screenshot(path=str(ARTIFACTS / f"calllist-nojs-{width}.png"), full_page=True)
    share = page.locator("#share-link").input_value()
    assert ids_in(share) == ids and set(parse_qs(urlparse(share).query)) == {"ids"}
    assert other_hosts(base_url, seen) == [] and problems == []
    assert context.cookies() == []
    list_url = page.url
    context.close()

    text = open_shared(browser, share, width, base_url, js=False, tag=f"nojs-{width}")
    assert all(p in text for p in phones)
    report = {
        url: axe_violations(browser, url, width, script=False)
        for url in (list_url, base_url + SEARCHES[0] + "&list=" + ",".join(ids))
    }
    (ARTIFACTS / f"axe-calllist-nojs-{width}.json").write_text(json.dumps(report, indent=1))
    assert {k: v for k, v in report.items() if v} == {}
