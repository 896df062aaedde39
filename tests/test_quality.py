"""Signs of quality (directory/quality.py) and the six filters of issue 21, on the bundled national
data and on small records built here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from directory.config import DATA_DIR
from directory.db import db
from directory.models import Provider, ProviderSource
from directory.quality import (
    SIGNS,
    card_signs,
    read_vocabularies,
    signs_of,
    snapshot_vocabulary,
    vocabularies,
)
from directory.search.snapshot import snapshot
from directory.taxonomy import load_taxonomy

from .conftest import REPO

TAX = load_taxonomy(DATA_DIR)
D2024 = "nsumhss-2024-directory-facilities.csv"
D2023 = "national-directory-su-facilities-2023"
NEW = {
    ("medication", "accepts-medication"),
    ("support", "crisis"),
    ("support", "transportation"),
    ("support", "parents"),
    ("accreditation", "accredited"),
    ("operator", "nonprofit-public"),
}


@dataclass
class Rec:
    """A source record as provenance reads it."""

    source: str
    source_date: str
    codes: list[str]
    service_detail: str = "full"
    status: str = "active"
    licences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return {
            "codes": self.codes,
            "service_detail": self.service_detail,
            "licences": self.licences,
        }


def by_key(reports: list[Any]) -> dict[str, Any]:
    return {r.sign.key: r for r in reports}


def vocab(table: dict[str, set[str]]) -> Any:
    return lambda source, kind: frozenset(table.get(source, ()))


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def quality_section(page: str) -> str:
    start = page.index('id="quality-h"')
    return text_of(page[start : page.index("</section>", start)])


# --- small records -------------------------------------------------------------------------------


def test_a_listed_code_is_a_yes_with_its_source_and_year() -> None:
    r = Rec("dir", "2024", ["SA", "JC", "CARF", "MU", "BU", "CBT", "NOE"])
    signs = by_key(signs_of([r], vocab({"dir": {"JC", "ACC", "NOE"}})))
    assert signs["accredited"].status == "yes"
    assert signs["accredited"].items == ("The Joint Commission", SIGNS[1].codes["CARF"])
    assert signs["accredited"].sources == (("dir", "2024"),)
    assert signs["opioid-medication"].items == ("methadone", "buprenorphine")
    # The list asks about aftercare (other places have ACC) and leaves it out for this one.
    assert signs["aftercare"].status == "not-listed"
    assert signs["aftercare"].sources == (("dir", "2024"),)
    # It never asks about family counseling: unknown, not a no.
    assert signs["family"].status == "not-reported"


def test_no_full_list_means_not_reported_never_no() -> None:
    partial = Rec("state-list", "2026", ["RES"], service_detail="partial")
    signs = signs_of([partial], vocab({"state-list": {"RES", "JC"}}))
    assert {s.status for s in signs} == {"not-reported"}


def test_an_older_list_is_overruled_by_the_newest_full_answer() -> None:
    old = Rec("d2015", "2015", ["SA", "JC"])
    new = Rec("d2024", "2024", ["SA", "CBT"])
    signs = by_key(signs_of([old, new], vocab({"d2024": {"JC"}, "d2015": {"JC"}})))
    assert signs["accredited"].status == "not-listed"
    assert signs["accredited"].sources == (("d2024", "2024"),)


def test_nmoa_and_noop_are_the_source_saying_no_and_never_a_yes() -> None:
    r = Rec("dir", "2024", ["SA", "NMOA", "NOOP", "NMAUT"])
    signs = by_key(signs_of([r], vocab({"dir": {"MU", "ACM"}})))
    assert signs["opioid-medication"].status == "no"
    assert signs["opioid-medication"].items == (
        "does not use medication for opioid use disorder",
        "does not treat opioid use disorder",
    )
    assert signs["alcohol-medication"].status == "no"
    option = TAX.group("medication").option("accepts-medication")
    assert option is not None and option.codes & {"NMOA", "NOOP"} == set()
    for code in ("NMOA", "NOOP"):
        assert "accepts-medication" not in [o.key for o in TAX.tags({code}).get("medication", [])]
    assert [o.key for o in TAX.tags({"MOA"})["medication"]] == ["accepts-medication"]


def test_a_current_state_licence_backs_licensed_and_an_expired_one_does_not() -> None:
    lic = {"authority": "California DHCS", "kind": "Licensed", "expires": "2999-01-01"}
    r = Rec("ca", "2026", ["RES"], service_detail="partial", licences=[lic])
    assert by_key(signs_of([r], vocab({})))["licensed"].status == "yes"
    r.licences = [{**lic, "expires": "2001-01-01"}]
    assert by_key(signs_of([r], vocab({})))["licensed"].status == "not-reported"


def test_vocabularies_are_split_by_kind_of_facility() -> None:
    v = vocabularies([["SA", "JC"], ["MH", "WI"], None, ["OTP"]])
    assert v == {"SA": {"SA", "JC"}, "MH": {"MH", "WI"}, "": {"OTP"}}


def test_cards_name_at_most_the_four_short_signs() -> None:
    assert card_signs(frozenset({"JC", "MU", "ACM", "STAG", "CBT"})) == (
        "Accredited",
        "Medication for opioid use",
        "Medication for alcohol use",
        "Licensed by the state",
    )
    assert card_signs(frozenset({"DEA", "NMOA"})) == ()


# --- the national data ---------------------------------------------------------------------------


def _records(source: str) -> list[ProviderSource]:
    return list(
        db.session.scalars(
            select(ProviderSource)
            .where(ProviderSource.source == source, ProviderSource.status == "active")
            .order_by(ProviderSource.id)
        )
    )


def _deciding_source(p: Provider) -> set[str]:
    from directory.quality import deciding_records

    return {r.source for r in deciding_records(p.sources)}


def test_a_2024_directory_provider_shows_its_signs_with_source_and_year(national: Flask) -> None:
    rec = next(
        r
        for r in _records(D2024)
        if {"JC", "MU", "STAG"} <= set(r.data["codes"]) and _deciding_source(r.provider) == {D2024}
    )
    p = rec.provider
    signs = by_key(signs_of(p.sources, snapshot_vocabulary(snapshot())))
    assert (
        signs["accredited"].status == "yes" and "The Joint Commission" in signs["accredited"].items
    )
    assert (D2024, "2024") in signs["accredited"].sources
    assert "methadone" in signs["opioid-medication"].items
    page = national.test_client().get(f"/providers/{p.path_id}").get_data(as_text=True)
    section = quality_section(page)
    assert "Signs of quality" in section and "The Joint Commission" in section
    assert re.search(r"Reported by SAMHSA national directories[^;]*2024", section)
    assert 'href="/guides/signs-of-quality"' in page


def test_the_signs_read_in_spanish_on_the_spanish_page(client: Any, national_app: Flask) -> None:
    # Outside an app context: each request gets its own, so its own language's catalog.
    with national_app.app_context():
        rec = next(r for r in _records(D2024) if "JC" in r.data["codes"])
        path_id = rec.provider.path_id
    section = quality_section(client.get(f"/es/providers/{path_id}").get_data(as_text=True))
    assert "Señales de calidad" in section and "Acreditado" in section
    assert "Signs of quality" not in section


def test_a_2023_workbook_provider_is_not_listed_where_the_workbook_asks(national: Flask) -> None:
    vocabulary = snapshot_vocabulary(snapshot())
    for rec in _records(D2023):
        p = rec.provider
        if _deciding_source(p) != {D2023} or "JC" in p.code_set or "CARF" in p.code_set:
            continue
        accredited = by_key(signs_of(p.sources, vocabulary))["accredited"]
        if {"COA", "NCQA", "HFAP"} & p.code_set:
            continue
        assert accredited.status == "not-listed"
        assert accredited.sources == ((D2023, "2023"),)
        page = national.test_client().get(f"/providers/{p.path_id}").get_data(as_text=True)
        assert re.search(
            r"Accredited Not listed in SAMHSA national directory[^.]*2023", quality_section(page)
        )
        return
    pytest.fail("no provider decided by the 2023 workbook alone without accreditation")


def test_the_2024_mental_health_directory_never_asks_about_accreditation(national: Flask) -> None:
    v = read_vocabularies(D2024)
    assert "JC" in v["SA"] and "JC" not in v["MH"] and "WI" in v["MH"]
    rec = next(
        r
        for r in _records(D2024)
        if "MH" in r.data["codes"]
        and "SA" not in r.data["codes"]
        and _deciding_source(r.provider) == {D2024}
    )
    signs = by_key(signs_of(rec.provider.sources, snapshot_vocabulary(snapshot())))
    assert signs["accredited"].status == "not-reported"


def test_a_provider_with_no_directory_source_shows_not_reported(national: Flask) -> None:
    p = next(
        p
        for p in db.session.scalars(select(Provider).where(Provider.status == "active"))
        if {r.source for r in p.sources if r.status == "active"}
        == {"substance-use-facilities-national"}
    )
    signs = signs_of(p.sources, snapshot_vocabulary(snapshot()))
    assert {s.status for s in signs} == {"not-reported"}
    section = quality_section(
        national.test_client().get(f"/providers/{p.path_id}").get_data(as_text=True)
    )
    assert section.count("Not reported.") == len(SIGNS)
    assert "Not listed in" not in section and "says it" not in section


def _independent_counts(national: Flask) -> dict[tuple[str, str], int]:
    """Active providers per new option, from their stored codes and the option's own code list."""
    rows = db.session.execute(select(Provider.codes).where(Provider.status == "active")).all()
    sets = [set(r.codes.split()) for r in rows]
    out = {}
    for group, key in NEW:
        option = TAX.group(group).option(key)  # type: ignore[union-attr]
        out[(group, key)] = sum(1 for s in sets if s & option.codes)
    return out


def test_each_new_filter_counts_what_an_independent_count_finds(national: Flask) -> None:
    client = national.test_client()
    counts = _independent_counts(national)
    # A state: facets over every place in it, filters combined.
    body = client.get("/api/v1/providers?near=TX&per_page=1").get_json()
    rows = db.session.execute(
        select(Provider.codes).where(Provider.status == "active", Provider.state == "TX")
    ).all()
    for group, key in NEW:
        option = TAX.group(group).option(key)  # type: ignore[union-attr]
        expected = sum(1 for r in rows if set(r.codes.split()) & option.codes)
        assert body["facets"][group][key] == expected, (group, key)
        filtered = client.get(f"/api/v1/providers?near=TX&per_page=1&{group}={key}").get_json()
        assert filtered["total"] == expected, (group, key)
        assert counts[(group, key)] >= expected > 0, (group, key)


def test_nmoa_never_counts_in_the_catalog(national: Flask) -> None:
    rows = db.session.execute(select(Provider.codes).where(Provider.status == "active")).all()
    only_no = [set(r.codes.split()) for r in rows]
    only_no = [s for s in only_no if s & {"NMOA", "NOOP"} and "MOA" not in s]
    assert len(only_no) > 100  # real places say they do not use these medicines
    body = national.test_client().get("/api/v1/providers?near=PA&per_page=1").get_json()
    rows = db.session.execute(
        select(Provider.codes).where(Provider.status == "active", Provider.state == "PA")
    ).all()
    moa = sum(1 for r in rows if "MOA" in r.codes.split())
    assert body["facets"]["medication"]["accepts-medication"] == moa


def test_the_new_filters_are_in_the_openapi_document_and_the_search_page(national: Flask) -> None:
    client = national.test_client()
    doc = client.get("/api/openapi.json").get_json()
    text = str(doc)
    for group, key in NEW:
        assert key in text and group in text
    page = client.get("/search?near=02108&accreditation=accredited").get_data(as_text=True)
    assert 'name="accreditation" value="accredited" checked' in page
    assert 'class="signs-line"' in page and "Accredited" in text_of(page)
    assert "Not every list we use asks about this help." in text_of(page)


def test_spanish_labels_of_the_new_filters_and_signs(client: Any) -> None:
    with (REPO / "directory/translations/es/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="es")
    words = [TAX.group(g).label for g in ("support", "accreditation", "operator")]  # type: ignore[union-attr]
    words += [TAX.group(g).note for g in ("support", "accreditation", "operator")]  # type: ignore[union-attr]
    for group, key in NEW:
        o = TAX.group(group).option(key)  # type: ignore[union-attr]
        words += [o.label, o.description]
    for s in SIGNS:
        words += [s.label, *s.codes.values(), *s.against.values()] + ([s.card] if s.card else [])
    for w in words:
        m = catalog.get(w)
        assert m is not None and m.string and not m.fuzzy, w
    page = client.get("/es/search?near=02108").get_data(as_text=True)
    assert "Ayuda adicional" in page
