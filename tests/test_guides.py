"""Explainer guides: the file format, what every guide must carry (a review date, sources, plain
language, a search that exists), the safety corrections of issue 12, and how a guide page renders
them."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import textstat
from flask import Flask

from directory.guides import Guide, load_guides, parse_guide, plain_text
from directory.taxonomy import load_taxonomy

from .conftest import make_app

DATA = Path(__file__).resolve().parent.parent / "data"
GUIDES = load_guides(str(DATA))
BY_SLUG = {g.slug: g for g in GUIDES}

SAMPLE = """title: A sample
summary: One line.
search_label: Find it
search: type=detox&q=peer+support
order: 3
reviewed: 2026-01-31
---
Some *plain* words.

## Sources are not just any heading

Text under a heading that merely starts like the sources one.

## Sources

- [MedlinePlus: Alcohol withdrawal](https://medlineplus.gov/ency/article/000764.htm)
- [DailyMed search](https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=vivitrol)
"""


def section(guide: Guide, heading: str) -> str:
    """The Markdown under one heading (any level), up to the next heading of the same or a higher
    level."""
    lines = guide.body_markdown.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"(#+) (.+)$", line)
        if m and m.group(2).strip() == heading:
            level, out = len(m.group(1)), []
            for following in lines[i + 1 :]:
                n = re.match(r"(#+) ", following)
                if n and len(n.group(1)) <= level:
                    break
                out.append(following)
            return "\n".join(out)
    raise AssertionError(f"{guide.slug} has no heading {heading!r}")


def page_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- the file format ------------------------------------------------------------------------------


def test_parse_guide_reads_the_review_date_and_sources_and_keeps_them_out_of_the_body(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sample.md"
    path.write_text(SAMPLE, encoding="utf-8")
    g = parse_guide(path)
    assert g.reviewed == date(2026, 1, 31)
    assert g.sources == (
        ("MedlinePlus: Alcohol withdrawal", "https://medlineplus.gov/ency/article/000764.htm"),
        (
            "DailyMed search",
            "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=vivitrol",
        ),
    )
    assert g.search == (("type", "detox"), ("q", "peer support"))
    assert "Sources are not just any heading" in g.html and "<em>plain</em>" in g.html
    assert "medlineplus" not in g.body_markdown and "medlineplus" not in g.html


def test_parse_guide_refuses_a_sources_line_that_is_not_a_web_link(tmp_path: Path) -> None:
    for bad in (
        "- MedlinePlus, alcohol withdrawal",
        "- [Local file](file:///etc/passwd)",
        "Some words after the list",
    ):
        path = tmp_path / "bad.md"
        path.write_text(SAMPLE + bad + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match="Sources line"):
            parse_guide(path)


def test_parse_guide_without_a_date_or_sources_leaves_them_empty(tmp_path: Path) -> None:
    path = tmp_path / "old.md"
    path.write_text(
        SAMPLE.replace("reviewed: 2026-01-31\n", "").split("## Sources\n")[0], encoding="utf-8"
    )
    g = parse_guide(path)
    assert g.reviewed is None and g.sources == ()


def test_parse_guide_refuses_a_review_date_that_is_not_a_date(tmp_path: Path) -> None:
    path = tmp_path / "bad-date.md"
    path.write_text(SAMPLE.replace("2026-01-31", "2026-02-30"), encoding="utf-8")
    with pytest.raises(ValueError):
        parse_guide(path)


# --- what every guide carries ---------------------------------------------------------------------


def test_the_guides_include_the_core_topics() -> None:
    assert {
        "inpatient",
        "residential",
        "outpatient",
        "detox",
        "dual-diagnosis",
        "medication",
        "therapies",
        "support-groups",
        "helping-a-loved-one",
        "life-after-treatment",
        "ketamine",
        "faq",
    } <= set(BY_SLUG)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_every_guide_has_a_past_review_date_and_at_least_two_web_sources(guide: Guide) -> None:
    assert isinstance(guide.reviewed, date), "add a 'reviewed: YYYY-MM-DD' header line"
    assert guide.reviewed <= date.today()
    assert len(guide.sources) >= 2
    urls = [url for _, url in guide.sources]
    assert len(set(urls)) == len(urls), "a source is listed twice"
    for title, url in guide.sources:
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and "." in parts.netloc, url
        assert title.strip(), url


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_every_guide_reads_at_grade_8_or_below(guide: Guide) -> None:
    assert textstat.flesch_kincaid_grade(plain_text(guide.body_markdown)) <= 8.0


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_every_guide_search_uses_filters_that_exist(guide: Guide) -> None:
    """The search ignores keys it does not know, so a misspelt filter would silently widen the
    search."""
    tax = load_taxonomy(DATA)
    assert guide.search
    for key, value in guide.search:
        if key == "q":
            assert value.strip()
            continue
        group = tax.group(key)
        assert group is not None, key
        assert group.option(value) is not None, (key, value)


# --- the corrections of issue 12 ------------------------------------------------------------------


def test_detox_guide_says_when_to_call_911_for_dangerous_withdrawal() -> None:
    detox = BY_SLUG["detox"]
    call = section(detox, "When to call 911").lower()
    for sign in ("seizure", "confusion", "hallucinations", "fever"):
        assert sign in call, sign
    danger = section(detox, "Some withdrawal can be dangerous")
    assert "48 to 96 hours" in danger and re.search(r"no warning", danger)
    assert re.search(r"cutting (down|back)[^.]*risky", danger, flags=re.I)


def test_detox_guide_on_benzodiazepine_tapers_and_ghb() -> None:
    danger = section(BY_SLUG["detox"], "Some withdrawal can be dangerous")
    benzo = next(line for line in danger.splitlines() if line.startswith("- Benzodiazepines"))
    assert "prescribed" in benzo and "weeks to months" in benzo
    assert "a few days to about a week" not in BY_SLUG["detox"].body_markdown
    assert re.search(r"^- GHB and GBL:.*seizures", danger, flags=re.M)


def test_medication_guide_warns_against_naltrexone_with_any_opioid() -> None:
    med = BY_SLUG["medication"].body_markdown
    mix = section(BY_SLUG["medication"], "Naltrexone and other opioids do not mix")
    assert re.search(r"Never take naltrexone[^.]*any opioid", mix)
    for opioid in ("pain pills", "methadone", "buprenorphine"):
        assert opioid in mix
    assert "withdrawal" in mix and "pain relief" in mix and re.search(r"every doctor", mix)
    naltrexone = section(BY_SLUG["medication"], "Naltrexone")
    assert re.search(r"methadone or buprenorphine[^.]*2 weeks", naltrexone)
    assert re.search(r"block[^.]*\.[^.]*overdose", naltrexone)
    assert "early withdrawal" not in med


def test_medication_guide_on_disulfiram_and_starting_buprenorphine() -> None:
    med = BY_SLUG["medication"].body_markdown
    assert re.search(r"(never|no one should ever)[^.]*in secret", med, flags=re.I)
    assert "12 hours" in med and "14 days" in med and "cough" in med
    bup = section(BY_SLUG["medication"], "Buprenorphine")
    assert "clear withdrawal" in bup and re.search(
        r"fentanyl[^.]*\.[^.]*low-dose start", bup, flags=re.I
    )


def test_ketamine_guide_on_legal_status_approved_uses_and_treatment() -> None:
    ket = BY_SLUG["ketamine"]
    text = ket.body_markdown
    assert "Schedule III" in text
    assert re.search(r"No medicine is approved by the FDA to treat ketamine use disorder", text)
    assert "Doctors now use ketamine and a related drug" not in text
    assert re.search(r"Plain ketamine is not FDA-approved for depression", text)
    assert "Spravato" in text and "certified clinics" in text and "at least 2 hours" in text
    assert "compounded" in text.lower()
    assert "Research on treating ketamine use disorder is still limited" in text
    assert "Treatment mainly uses behavioral therapies" not in text


def test_ketamine_guide_emergency_steps_and_helplines() -> None:
    ket = BY_SLUG["ketamine"]
    emergency = section(ket, "What to do in an emergency")
    for needle in (
        "911",
        "on their side",
        "Stay with them",
        "seizure",
        "chest pain",
        "confused",
        "operator",
    ):
        assert needle in emergency, needle
    kidneys = section(ket, "Kidneys")
    for sign in ("Cannot pee", "fever", "side or back", "blood"):
        assert sign in kidneys, sign
    for line in ("988", "1-800-662-4357", "911"):
        assert line in section(ket, "Where to get help now")
    assert "K-hole" in section(ket, "Helping a friend") and "spiked" in section(
        ket, "Helping a friend"
    )


def test_ketamine_guide_answers_the_common_questions_and_searches_broadly() -> None:
    ket = BY_SLUG["ketamine"]
    faq = section(ket, "Common questions")
    for question in (
        "first signs",
        "How long does ketamine stay in the body",
        "treatable",
        "brain",
        "help a friend",
    ):
        assert question in faq, question
    assert {("type", "outpatient"), ("type", "inpatient")} <= set(ket.search)
    assert {key for key, _ in ket.search} == {"type"} and (
        "type",
        "dual-diagnosis",
    ) not in ket.search


def test_faq_no_longer_promises_job_protection() -> None:
    faq = BY_SLUG["faq"].body_markdown
    assert "job is protected" not in faq.lower()
    assert re.search(r"does not cover time missed because of using", faq)
    assert re.search(r"rule about substance use that applies to everyone", faq)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_no_guide_repeats_a_corrected_claim(guide: Guide) -> None:
    text = guide.body_markdown.lower()
    for claim in (
        "job is protected",
        "work for all kinds of substances",
        "once you are in early withdrawal",
        "doctors now use ketamine",
        "few days to about a week",
    ):
        assert claim not in text, claim


@pytest.mark.parametrize(
    "slug", ["detox", "helping-a-loved-one", "ketamine", "life-after-treatment"]
)
def test_overdose_advice_covers_more_than_opioids(slug: str) -> None:
    assert re.search(r"cannot be woken after using any drug", BY_SLUG[slug].body_markdown)


# --- the corrections of issue 22 ------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["naloxone", "helping-a-loved-one"])
def test_naloxone_advice_aims_at_breathing_when_sedatives_are_mixed_in(slug: str) -> None:
    text = BY_SLUG[slug].body_markdown
    assert "xylazine" in text and "medetomidine" in text
    assert re.search(r"breathing, not waking", text)
    assert re.search(r"(Do not|do not need to) use up every dose", text)
    assert "if they do not wake up after 2 to 3 minutes" not in text.lower()
    assert "do not wake up or breathe normally after 2 to 3 minutes" not in text


def test_naloxone_guide_on_old_and_frozen_sprays_and_poison_help() -> None:
    text = BY_SLUG["naloxone"].body_markdown
    assert re.search(r"past its date, use it anyway", text) and "better than none" in text
    assert re.search(r"frozen[^.]*will not spray until it thaws", text, flags=re.I)
    assert "1-800-222-1222" in text


def test_detox_guide_on_medetomidine_withdrawal_alcohol_poisoning_and_ghb() -> None:
    detox = BY_SLUG["detox"]
    assert "is usually not life-threatening on its own" not in detox.body_markdown
    opioid = section(detox, "Opioid withdrawal")
    assert "medetomidine" in opioid and "intensive care" in opioid
    assert re.search(r"Go to an emergency room, or call 911", opioid)
    for sign in ("heartbeat", "blood pressure", "Vomiting", "Confusion"):
        assert sign in opioid, sign
    call = section(detox, "When to call 911")
    assert "sleep it off" in call and "throws up while passed out" in call
    ghb = next(line for line in detox.body_markdown.splitlines() if line.startswith("- GHB"))
    assert "main danger is delirium" in ghb


def test_medication_guide_warns_about_sedatives_without_withholding_treatment() -> None:
    med = BY_SLUG["medication"]
    mix = section(med, "Alcohol, sedatives, and methadone or buprenorphine")
    for word in ("alcohol", "benzodiazepines", "stop their breathing", "should not be denied"):
        assert word in mix, word
    assert "prescriber" in mix
    assert "from it alone" not in med.body_markdown
    methadone = section(med, "Methadone")
    assert re.search(r"first days and weeks[^.]*highest risk", methadone)
    assert "raises it slowly" in methadone


def test_medication_guide_on_take_home_rules_storage_and_switching_from_shots() -> None:
    med = BY_SLUG["medication"]
    methadone = section(med, "Methadone")
    assert "2024" in methadone and "up to 7" in methadone and "up to 28" in methadone
    assert "stricter" in methadone
    locked = section(med, "Keep take-home medicine locked up")
    assert "locked box" in locked and "1-800-222-1222" in locked and "24/7" in locked
    naltrexone = section(med, "Naltrexone")
    assert re.search(r"shots[^.]*\.[^.]*months", naltrexone) and "prescriber" in naltrexone


def test_faq_and_medication_guide_agree_on_how_long_to_take_medicine() -> None:
    for slug in ("faq", "medication"):
        text = BY_SLUG[slug].body_markdown
        assert re.search(r"no set time limit", text, flags=re.I), slug
        assert "a year or more" in text and "prescriber" in text, slug
    assert "may go on for a year or more" not in BY_SLUG["faq"].body_markdown


def test_red_flags_warns_about_leaving_in_the_middle_of_withdrawal() -> None:
    danger = section(BY_SLUG["red-flags"], "If you are in danger")
    assert "free to leave" in danger
    for word in ("alcohol", "benzodiazepines", "GHB", "methadone or buprenorphine", "plan"):
        assert word in danger, word


def test_level_of_care_guide_names_the_fourth_edition_dimensions() -> None:
    how = section(BY_SLUG["inpatient-vs-outpatient"], "How providers decide")
    for name in (
        "Intoxication, withdrawal, and addiction medications",
        "Biomedical conditions",
        "Psychiatric and cognitive conditions",
        "Substance use-related risks",
        "Recovery environment interactions",
        "Person-centered considerations",
    ):
        assert name in how, name
    assert "2023" in how and "- How ready you feel to change" not in how


def test_paying_for_care_gives_enrollment_deadlines_and_six_month_renewals() -> None:
    pay = BY_SLUG["paying-for-care"].body_markdown
    assert "November 1" in pay and "December 31" in pay and "January 15" in pay
    medicaid = section(BY_SLUG["paying-for-care"], "Medicaid")
    assert "every six months" in medicaid and "December 31, 2026" in medicaid
    assert "80 hours a month" in medicaid


def test_no_guide_cites_an_archived_page() -> None:
    for g in GUIDES:
        for _, url in g.sources:
            assert "cybercemetery" not in url and "web.archive.org" not in url, (g.slug, url)


def test_ketamine_guide_gives_one_duration_and_a_day_without_driving() -> None:
    text = BY_SLUG["ketamine"].body_markdown
    assert "within a few hours" not in text
    assert text.count("about an hour or two") >= 2
    assert re.search(r"24 hours", section(BY_SLUG["ketamine"], "How dependence develops"))
    assert re.search(r"24 hours", section(BY_SLUG["ketamine"], "Common questions"))


@pytest.mark.parametrize("slug", ["faq", "life-after-treatment"])
def test_rights_at_work_and_in_programs_name_the_ada(slug: str) -> None:
    assert "Americans with Disabilities Act (ADA)" in BY_SLUG[slug].body_markdown


def test_life_after_treatment_informs_rather_than_doses_and_gives_poison_help() -> None:
    text = BY_SLUG["life-after-treatment"].body_markdown
    assert "Start with a much smaller amount" not in text
    assert "1-800-222-1222" in text


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_no_guide_says_a_nurse_prescribes(guide: Guide) -> None:
    assert not re.search(r"doctor or nurse who can prescribe", guide.body_markdown)


# --- time-sensitive statements --------------------------------------------------------------------


def _time_sensitive() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "scripts" / "time_sensitive.py"
    spec = importlib.util.spec_from_file_location("time_sensitive_script", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_every_time_sensitive_quote_is_still_in_its_guide_and_every_dated_paragraph_is_listed() -> (
    None
):
    ts = _time_sensitive()
    statements = ts.load_statements()
    bodies = ts.guide_bodies()
    assert {s.guide for s in statements} & set(bodies) == {s.guide for s in statements}
    assert any(s.guide.startswith("es/") for s in statements)
    assert ts.problems(statements, bodies) == []


def test_time_sensitive_finds_a_gone_quote_and_an_unlisted_year() -> None:
    ts = _time_sensitive()
    gone = ts.Statement("faq", "words no guide has", "t", "rule", date(2027, 1, 1))
    bodies = {"faq": "Some text.\n\nA rule from 2019 says so.\n"}
    found = ts.problems([gone], bodies)
    assert any("no longer in the guide" in p for p in found)
    assert any("names a year" in p and "2019" in p for p in found)
    listed = ts.Statement("faq", "A rule from 2019", "t", "rule", date(2027, 1, 1))
    assert ts.problems([listed], bodies) == []


def test_time_sensitive_overdue_exits_non_zero_only_when_a_date_has_passed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ts = _time_sensitive()
    first = min(s.recheck for s in ts.load_statements())
    assert ts.main(["--overdue", "--today", first.isoformat()]) == 0
    assert ts.main(["--overdue", "--today", (first + timedelta(days=1)).isoformat()]) == 1
    assert "OVERDUE" in capsys.readouterr().out


# --- the guide pages ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guide_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Guide pages need no providers: an empty app renders them."""
    app: Flask = make_app(tmp_path_factory.mktemp("guides"))
    return app.test_client()


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_guide_page_shows_review_date_sources_and_its_filtered_search(
    guide_client: Any, guide: Guide
) -> None:
    resp = guide_client.get(f"/guides/{guide.slug}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    text = page_text(page)
    assert guide.reviewed is not None
    assert f"Last reviewed {guide.reviewed:%B} {guide.reviewed.day}, {guide.reviewed.year}" in text
    assert f'datetime="{guide.reviewed.isoformat()}"' in page
    sources = page[page.index('id="guide-sources-h"') :]
    for title, url in guide.sources:
        assert f'<a href="{html.escape(url)}"' in sources and html.escape(title) in sources, url
    assert page.count(">Sources</h2>") == 1  # the list is not also rendered from the Markdown body
    # The page ends with a search already narrowed the way the guide says.
    form = page[page.index('id="guide-search"') :]
    assert 'action="/search"' in page[page.index('class="guide-search"') :]
    for key, value in guide.search:
        # Hidden filters, or the guide's words standing in the search box ready to change.
        field = rf'<input[^>]*name="{key}"[^>]*value="{re.escape(html.escape(value))}"'
        assert re.search(field, form), key
    assert guide.search_label in page and "not medical advice" in page
    # Crisis lines stay visible, and the links to sources load nothing from another host.
    for needle in ('href="tel:988"', 'href="tel:911"', "1-800-662-4357"):
        assert needle in page, needle
    assert not re.search(
        r'<(script|img|link|iframe|source|video|audio)\b[^>]*\b(src|href)="(https?:)?//', page
    )


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.slug)
def test_guide_search_link_opens_a_search(guide_client: Any, guide: Guide) -> None:
    assert guide_client.get("/search?" + urlencode(guide.search)).status_code == 200


def test_guide_list_links_every_guide(guide_client: Any) -> None:
    page = guide_client.get("/guides/").get_data(as_text=True)
    for g in GUIDES:
        assert f'href="/guides/{g.slug}"' in page


def test_about_page_says_when_the_guides_were_last_reviewed(guide_client: Any) -> None:
    newest = max(g.reviewed for g in GUIDES if g.reviewed)
    page = guide_client.get("/about").get_data(as_text=True)
    text = page_text(page)
    assert f"Guides last reviewed {newest:%B} {newest.day}, {newest.year}" in text
    assert f'datetime="{newest.isoformat()}"' in page
