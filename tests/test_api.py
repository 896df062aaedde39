"""The JSON API: shape, errors, caching, CORS, rate limits, and fuzzing against its own OpenAPI
document."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from tests.conftest import make_app


def test_search_response_carries_everything_a_client_needs(client: Any) -> None:
    body = client.get(
        "/api/v1/providers?near=06708&type=detox&type=outpatient&payment=medicaid"
    ).get_json()
    assert body["total"] > 0 and body["page"] == 1 and body["per_page"] == 20
    first = body["results"][0]
    for key in (
        "id",
        "name",
        "street",
        "city",
        "state",
        "zip",
        "latitude",
        "longitude",
        "distance_miles",
        "phones",
        "website",
        "tags",
        "url",
        "updated",
    ):
        assert key in first, key
    assert "medicaid" in first["tags"]["payment"]
    assert set(first["tags"]["type"]) & {"detox", "outpatient"}
    assert body["location"]["precision"] == "zip" and body["location"]["radius_miles"] == 25
    assert set(body["facets"]) == {
        "type",
        "setting",
        "medication",
        "payment",
        "age",
        "language",
        "program",
        "support",
        "accreditation",
        "operator",
    }
    one = client.get(f"/api/v1/providers/{first['id']}").get_json()
    assert one["name"] == first["name"] and "distance_miles" not in one
    assert isinstance(body["services_unknown"], int) and body["services_unknown"] >= 0
    assert one["sources"] and all(
        {"name", "as_of", "role", "services", "fields"} <= set(s) for s in one["sources"]
    )
    assert one["as_of"] == max((s["as_of"] for s in one["sources"] if s["as_of"]), default=None)
    assert set(one["codes"]) <= {c for s in one["sources"] for c in s["services"]} | set(
        one["codes"]
    )
    assert set(one["codes"]) == {
        c for s in one["sources"] for c in s["services"]
    }  # every service has a source


def test_errors_are_json_with_the_parameter(client: Any) -> None:
    resp = client.get("/api/v1/providers?radius=10000&near=06708")
    assert resp.status_code == 400 and resp.is_json
    assert resp.get_json()["error"] == {
        "status": 400,
        "parameter": "radius",
        "message": "'radius' must be between 1 and 250.",
    }
    amb = client.get("/api/v1/providers?near=Springfield").get_json()["error"]
    assert amb["parameter"] == "near" and len(amb["choices"]) > 10
    missing = client.get("/api/v1/providers/nosuchid")
    assert missing.status_code == 404 and missing.get_json()["error"]["parameter"] == "id"
    assert client.get("/api/v1/nothing").get_json()["error"]["status"] == 404


def test_empty_results_carry_suggestions(client: Any) -> None:
    body = client.get("/api/v1/providers?near=57501&radius=5&type=detox").get_json()
    assert body["total"] == 0
    s = body["suggestions"]
    assert s["radius"]["miles"] > 5 and s["radius"]["total"] > 0
    assert {"group": "type", "option": "detox", "total": 10} in s["drop_filters"] or s[
        "drop_filters"
    ]


def test_etag_cache_control_and_cors(client: Any) -> None:
    resp = client.get("/api/v1/taxonomy", headers={"Origin": "https://211.example.org"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    again = client.get("/api/v1/taxonomy", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    groups = resp.get_json()["groups"]
    detox = next(o for g in groups for o in g["options"] if o["key"] == "detox")
    assert "DT" in detox["codes"] and detox["code_names"]["DT"] == "Detoxification"


def test_rate_limit_gives_429_with_retry_after(tmp_path: Any) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    c = app.test_client()
    codes = [c.get("/api/v1/taxonomy").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = c.get("/api/v1/taxonomy")
    assert (
        resp.is_json
        and int(resp.headers["Retry-After"]) > 0
        and resp.get_json()["error"]["status"] == 429
    )


def test_rate_limit_covers_both_apis_and_leaves_pages_alone(tmp_path: Any) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    c = app.test_client()
    assert [c.get("/api/hsds/taxonomies").status_code for _ in range(3)] == [200, 200, 429]
    assert [c.get("/api/v1/taxonomy").status_code for _ in range(3)] == [200, 200, 429]
    assert {c.get(path).status_code for path in ["/", "/about", "/guides/", "/healthz"] * 3} <= {
        200,
        503,
    }


def test_openapi_document_is_served_and_valid(client: Any) -> None:
    from jsonschema import Draft202012Validator

    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/providers", "/api/v1/providers/{id}", "/api/v1/taxonomy"} <= set(doc["paths"])
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    page = client.get("/api/").get_data(as_text=True)
    assert "/api/openapi.json" in page and 'src="http' not in page  # nothing from other hosts


FUZZ_EXAMPLES = int(
    os.environ.get("FUZZ_EXAMPLES", "60")
)  # per operation; scripts/fuzz.sh runs 2,000+


def fuzz(app: Flask, examples: int) -> dict[str, int]:
    """Run schemathesis over every operation of the app's own document; return cases run per
    operation.

    Every default check applies (no server errors, status codes, content types and bodies as
    documented), except "schema-valid data is accepted": `lat` without `lon` is schema-valid one
    parameter at a time, and OpenAPI cannot state that the two go together, so the API answers it
    with a documented 400.
    """
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    counts: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        counts[label] = _fuzz_operation(operation, examples)
    return counts


def _fuzz_operation(operation: Any, examples: int) -> int:
    """Run schemathesis over one operation; return the cases run."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    cases = 0

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        nonlocal cases
        cases += 1
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    run()
    return cases


def test_fuzz_the_api_against_its_own_spec(national_app: Flask) -> None:
    counts = fuzz(national_app, FUZZ_EXAMPLES)
    print(f"schemathesis cases: {counts} total {sum(counts.values())}")
    assert len(counts) >= 13 and all(n > 0 for n in counts.values())
