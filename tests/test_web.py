"""Pages for people, through the Flask test client: content, states kept in URLs, safety,
privacy."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from directory.guides import load_guides
from tests.conftest import make_app

CRISIS = ("tel:988", "tel:911", "tel:+18006624357", "1-800-662-4357")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search",
        "/search?near=06708&type=detox",
        "/guides/",
        "/guides/detox",
        "/about",
        "/api/",
        "/search?near=Springfield",
        "/nope",
    ],
)
def test_every_page_shows_the_crisis_lines(client: Any, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code in (200, 404)
    html = resp.get_data(as_text=True)
    for needle in CRISIS:
        assert needle in html, (path, needle)
    assert 'href="#main"' in html and 'lang="en"' in html


def test_security_headers_and_no_third_party_assets(client: Any) -> None:
    resp = client.get("/search?near=06708")
    csp = resp.headers["Content-Security-Policy"]
    assert (
        "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
        and "default-src 'self'" in csp
    )
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"  # other sites learn nothing
    html = resp.get_data(as_text=True)
    assert not re.search(
        r'(src|href)="(https?:)?//(?!www\.openstreetmap\.org)', html.replace('href="http', "x")
    )
    assert (
        "<script>" not in html and " style=" not in html
    )  # the CSP forbids inline script and style


def test_results_page_keeps_state_in_links(client: Any) -> None:
    html = client.get(
        "/search?near=06708&type=detox&type=outpatient&radius=50&payment=medicaid"
    ).get_data(as_text=True)
    assert 'role="status"' in html
    link = re.search(r'href="(/providers/[^"]+)"', html).group(1)
    assert "back=" in link and "type%3Ddetox" in link and "payment%3Dmedicaid" in link
    page = client.get(link.replace("&amp;", "&"))
    assert "Back to results" in page.get_data(as_text=True)


def test_ambiguous_place_offers_choices_and_unknown_place_explains(client: Any) -> None:
    html = client.get("/search?near=Springfield").get_data(as_text=True)
    assert "more than one place" in html and "Springfield, MA" in html
    html = client.get("/search?near=Qwertyville").get_data(as_text=True)
    assert "could not find the place" in html


def test_provider_page_groups_services_and_redirects_to_its_canonical_url(
    client: Any, national_app: Flask
) -> None:
    from sqlalchemy import select

    from directory.db import db
    from directory.models import Provider

    with national_app.app_context():
        from directory.models import ProviderSource

        # A 2017 opioid program that still reports detox and methadone (whose newest full list
        # is the 2017 directory's, so its page names it).
        p = next(
            p
            for p in db.session.scalars(
                select(Provider)
                .join(ProviderSource)
                .where(
                    ProviderSource.source == "nssats-2017-directory-otp",
                    Provider.status == "active",
                )
                .order_by(Provider.id)
            )
            if "DT" in p.code_set
            and p.code_set & {"METH", "MM", "MMW", "DM", "MU"}
            and max(s.source_date for s in p.sources if s.status == "active") == "2017"
            and p.phones
        )
        path_id, public_id = p.path_id, p.public_id
        tel = "tel:+1" + p.phones[0]["number"].replace("-", "")
    assert (
        client.get(f"/providers/{public_id}").headers["Location"].endswith(f"/providers/{path_id}")
    )
    html = client.get(f"/providers/{path_id}").get_data(as_text=True)
    for text in (
        "Type of care",
        "Detox",
        "Medication",
        "Methadone",
        tel,
        "Get directions",
        "National Directory of Drug and Alcohol Abuse Treatment Facilities 2017",
        "Nearby places offering similar care",
    ):
        assert text in html, text
    assert len(re.findall(r'class="nearby"', html)) == 1
    assert client.get("/providers/zzzzzzzzzz-nothing").status_code == 404


def test_guides_link_to_a_filtered_search(
    client: Any,
) -> None:  # reading grade: tests/test_guides.py
    guides = load_guides(str(Path(__file__).resolve().parent.parent / "data"))
    assert len(guides) >= 13
    slugs = {g.slug for g in guides}
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
    } <= slugs
    for g in guides:
        html = client.get(f"/guides/{g.slug}").get_data(as_text=True)
        assert g.search_label in html and 'action="/search"' in html
        for key, value in g.search:
            # A hidden filter, or the guide's words standing in the search box ready to change.
            assert re.search(rf'<input[^>]*name="{key}"[^>]*value="{re.escape(value)}"', html), (
                g.slug,
                key,
            )
        assert "not medical advice" in html
        # The search a guide ends with finds places in the bundled data, nationally and near a big
        # city.
        for near in ("", "Denver, CO"):
            params = [*g.search, *([("near", near)] if near else [])]
            found = client.get("/api/v1/providers", query_string=params).get_json()["total"]
            assert found > 0, (g.slug, near)


def test_report_form_stores_a_report_and_needs_a_csrf_token(tmp_path: Path) -> None:
    from directory.loader import import_file

    from .conftest import SAMHSA

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        from sqlalchemy import select

        from directory.db import db
        from directory.models import ProblemReport, Provider

        p = db.session.scalars(select(Provider)).first()
        path_id = p.path_id
    c = app.test_client()
    assert c.post(f"/providers/{path_id}/report", data={"kind": "phone"}).status_code == 400
    page = c.get(f"/providers/{path_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = c.post(
        f"/providers/{path_id}/report",
        data={"kind": "phone", "message": "Number rings out", "csrf_token": token},
    )
    assert resp.status_code == 303
    with app.app_context():
        [r] = db.session.scalars(select(ProblemReport)).all()
        assert (r.kind, r.message) == ("phone", "Number rings out")
    result = app.test_cli_runner().invoke(args=["directory", "reports"])
    assert "Number rings out" in result.output and "1 report(s)" in result.output


def test_report_form_is_rate_limited(tmp_path: Path) -> None:
    from directory.loader import import_file

    from .conftest import SAMHSA

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="2 per hour")
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        from sqlalchemy import select

        from directory.db import db
        from directory.models import Provider

        path_id = db.session.scalars(select(Provider)).first().path_id
    c = app.test_client()
    codes = [
        c.post(f"/providers/{path_id}/report", data={"kind": "other"}).status_code for _ in range(3)
    ]
    assert codes == [303, 303, 429]


def test_request_logs_never_contain_search_terms_or_places(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="directory.access"):
        client.get("/search?q=heroin+detox&near=06708&lat=41.55&lon=-73.06")
        client.get("/api/v1/providers?q=fentanyl&near=Waterbury,+CT")
    lines = [r.getMessage() for r in caplog.records if r.name == "directory.access"]
    assert len(lines) == 2 and '"path": "/search"' in lines[0]
    joined = " ".join(lines)
    for secret in ("heroin", "fentanyl", "06708", "Waterbury", "41.55", "-73.06"):
        assert secret not in joined


def test_markup_in_provider_names_is_shown_as_text(tmp_path: Path) -> None:
    from directory.loader import import_file

    f = tmp_path / "xss.csv"
    f.write_text(
        "id,name,street,city,state,zip,tags\n"
        'x1,"<img src=x onerror=alert(1)>",1 Main St,Waterbury,CT,06708,detox\n'
    )
    app = make_app(tmp_path / "app")
    with app.app_context():
        import_file(f)
    html = app.test_client().get("/search?near=06708").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


def test_secret_key_is_required_outside_testing(tmp_path: Path) -> None:
    from directory import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "SECRET_KEY": None,
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                "INDEX_DIR": str(tmp_path / "i"),
            }
        )


def test_every_setting_is_documented_in_the_readme() -> None:
    from directory.config import SETTINGS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for s in SETTINGS:
        assert f"| `{s.name}` |" in readme, s.name


def test_provider_page_says_where_each_fact_comes_from_and_how_old_it_is(
    client: Any, national_app: Flask
) -> None:
    from sqlalchemy import select

    from directory.db import db
    from directory.models import ProviderSource

    with national_app.app_context():
        src = next(
            s
            for s in db.session.scalars(
                select(ProviderSource).where(ProviderSource.source == "ca-dhcs-sud-facilities-2026")
            )
            if s.record_key == "010001DN"
        )
        path_id = src.provider.path_id
        enriched = db.session.scalar(
            select(ProviderSource).where(
                ProviderSource.source == "nssats-2015-national-directory",
                ProviderSource.status == "active",
            )
        )
        old_path = enriched.provider.path_id
    html = client.get(f"/providers/{path_id}").get_data(as_text=True)
    for text in (
        "State licence",
        "California Department of Health Care Services",
        "010001DN",
        "January 31, 2028",
        "California DHCS list of licensed and certified substance use facilities",
        "reported in August 21, 2026"[:11],
    ):
        assert text in html, text
    assert "Last updated" not in html  # the import day is not when the facts were checked
    old = client.get(f"/providers/{old_path}").get_data(as_text=True)
    assert "National Directory of Drug and Alcohol Abuse Treatment Facilities 2015" in old
    assert "reported in 2015" in old and "(adds services only)" in old
