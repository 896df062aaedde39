"""HSDS 3.0: exports validate against the official schemas; export → import round trip; the API.

Schemas are the Open Referral files in ``../shared/data/hsds/schema-3.0``, resolved through a local
``referencing`` registry (they point at each other with relative ``$ref``s such as ``phone.json``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from directory.db import db
from directory.hsds import TABLES, provider_to_hsds, samhsa_term, treatment_term, write_package
from directory.loader import import_file
from directory.models import Provider

from .conftest import HSDS, SAMHSA, make_app

SCHEMAS = HSDS / "schema-3.0"
BASE = "https://hsds.schemas.test/3.0/"  # never fetched: every schema is in the local registry
SOURCES = (
    "locator-api-2019-charlottesville.json",
    "nssats-2017-directory-otp.csv",
    "locator-export-2022-residential-ed.csv",
)
TABLE_SCHEMAS = {
    json.loads(p.read_text())["path"].removesuffix(".csv"): p.stem
    for p in SCHEMAS.glob("*.json")
    if p.name != "openapi.json"
}

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


Validate = Callable[[str, Any], None]


@pytest.fixture(scope="module")
def validate() -> Validate:
    """``validate(name, instance)`` checks an instance against ``<name>.json``, formats included."""
    registry: Registry = Registry().with_resources(
        (
            BASE + p.name,
            Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT202012),
        )
        for p in SCHEMAS.glob("*.json")
        if p.name != "openapi.json"
    )
    openapi = json.loads((SCHEMAS / "openapi.json").read_text())
    registry = registry.with_resource(
        BASE + "page.json",
        Resource.from_contents(
            openapi["components"]["schemas"]["Page"], default_specification=DRAFT202012
        ),
    )
    validators: dict[str, Draft202012Validator] = {}

    def check(name: str, instance: Any) -> None:
        if name not in validators:
            validators[name] = Draft202012Validator(
                {"$ref": BASE + name + ".json"}, registry=registry, format_checker=FORMATS
            )
        errors = sorted(validators[name].iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )

    return check


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Flask, Path, int]:
    """A source app with three real SAMHSA files imported, and its HSDS package.

    Gives (app, folder, services).
    """
    folder = tmp_path_factory.mktemp("hsds-source")
    app = make_app(folder / "app")
    with app.app_context():
        for name in SOURCES:
            report = import_file(SAMHSA / name)
            assert report.rejected == 0 and not report.refused, name
        n = write_package(folder / "out", app.extensions["taxonomy"])
    return app, folder / "out", n


def csv_records(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f)


# 1. Every exported record validates ---------------------------------------------------------------


def test_the_validator_resolves_references_and_rejects_bad_records(validate: Validate) -> None:
    example = json.loads((HSDS / "v3-examples" / "service_full.json").read_text())
    validate("service", example)
    bad_phone = {
        "id": "ac148810-d857-441c-9679-408f346de14b",
        "name": "x",
        "status": "active",
        "phones": [{"id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e", "extension": "12"}],
    }
    with pytest.raises(AssertionError, match="number"):
        validate("service", bad_phone)  # found only by following service.json -> phone.json
    with pytest.raises(AssertionError, match="uuid"):
        validate("organization", {"id": "not-a-uuid", "name": "x", "description": "y"})


def test_every_exported_json_record_validates(
    exported: tuple[Flask, Path, int], validate: Validate
) -> None:
    app, out, n = exported
    services = json.loads((out / "services.json").read_text())
    assert len(services) == n > 1000
    for service in services:
        validate("service", service)
        (sal,) = service["service_at_locations"]
        location = sal["location"]
        assert location["location_type"] == "physical" and isinstance(location["latitude"], float)
        for address in location["addresses"]:
            assert address["address_type"] == "physical" and address["country"] == "US"
            assert len(address["state_province"]) == 2 and len(address["postal_code"]) in (0, 5)
        for phone in service["phones"]:
            assert len(phone["number"]) == 12 and phone["number"][3] == phone["number"][7] == "-"
    assert any(ph.get("extension") for s in services for ph in s["phones"])
    for taxonomy in json.loads((out / "taxonomies.json").read_text()):
        validate("taxonomy", taxonomy)
    terms = json.loads((out / "taxonomy_terms.json").read_text())
    for term in terms:
        validate("taxonomy_term", term)
    codes = [t["code"] for t in terms]
    assert len(codes) == len(set(codes)) and {
        "DT",
        "MD",
        "type",
        "type:detox",
        "payment:military",
    } <= set(codes)


def test_every_csv_row_validates_and_the_tables_match_hsds(
    exported: tuple[Flask, Path, int], validate: Validate
) -> None:
    _, out, n = exported
    package = json.loads((out / "datapackage.json").read_text())
    assert [r["path"] for r in package["resources"]] == [f"{t}.csv" for t in TABLES]
    for resource in package["resources"]:
        table = resource["name"]
        schema_name = TABLE_SCHEMAS[table]
        schema = json.loads((SCHEMAS / f"{schema_name}.json").read_text())
        with (out / resource["path"]).open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        example = (
            (HSDS / "v3-examples" / "csv" / resource["path"])
            .read_text(encoding="utf-8")
            .splitlines()[0]
        )
        assert (
            header == example.split(",") == [fld["name"] for fld in resource["schema"]["fields"]]
        ), table
        required = set(schema.get("required", []))
        rows = 0
        for row in csv_records(out / resource["path"]):
            record: dict[str, Any] = {}
            for key, value in row.items():
                if value == "" and key not in required:
                    continue
                kind = schema["properties"][key]["type"]
                record[key] = float(value) if kind == "number" else value
            validate(schema_name, record)
            rows += 1
        assert rows >= (
            n if table in ("organizations", "services", "locations", "service_at_location") else 2
        )


def test_the_export_command_writes_the_same_package_again(
    exported: tuple[Flask, Path, int], tmp_path: Path
) -> None:
    app, out, n = exported
    result = app.test_cli_runner().invoke(
        args=["directory", "export", str(tmp_path / "again"), "--format", "hsds"]
    )
    assert result.exit_code == 0 and f"exported {n} providers" in result.output
    for f in sorted(
        out.iterdir()
    ):  # ids are derived, not random: the same data gives the same files
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_the_csv_package_links_attributes_to_samhsa_terms(
    exported: tuple[Flask, Path, int],
) -> None:
    _, out, _ = exported
    terms = {t["id"]: t for t in csv_records(out / "taxonomy_terms.csv")}
    services = {s["id"] for s in csv_records(out / "services.csv")}
    attributes = list(csv_records(out / "attributes.csv"))
    assert attributes and all(
        a["link_id"] in services and a["taxonomy_term_id"] in terms for a in attributes
    )
    samhsa = [
        terms[a["taxonomy_term_id"]]
        for a in attributes
        if terms[a["taxonomy_term_id"]]["taxonomy"] == "SAMHSA"
    ]
    assert samhsa and all(t["code"] and t["name"] for t in samhsa)


# 2. Round trip: export, import into an empty database, the same providers ------------------------


def providers(app: Flask) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """Active providers by (name, name2, street, zip, state): details, tags and coordinates."""
    tax = app.extensions["taxonomy"]
    out: dict[tuple[str, ...], tuple[Any, ...]] = {}
    with app.app_context():
        for p in db.session.scalars(select(Provider).where(Provider.status == "active")):
            key = (p.name, p.name2, p.street, p.zip, p.state)
            assert key not in out, key
            tags = {g: sorted(o.key for o in opts) for g, opts in tax.tags(p.code_set).items()}
            out[key] = (
                p.street2,
                p.city,
                p.county,
                p.website,
                sorted(p.code_set),
                tags,
                round(p.latitude, 5),
                round(p.longitude, 5),
                [(ph["number"], ph.get("ext") or "") for ph in p.phones],
            )
    return out


@pytest.mark.parametrize("form", ["csv package", "services.json"])
def test_round_trip_gives_the_same_providers(
    exported: tuple[Flask, Path, int], app: Flask, form: str
) -> None:
    source, out, n = exported
    with app.app_context():
        report = import_file(out if form == "csv package" else out / "services.json")
    assert report.format == "hsds" and not report.refused
    assert (report.rows, report.added, report.rejected, report.merged) == (n, n, 0, 0)
    before, after = providers(source), providers(app)
    assert set(before) == set(after)
    assert {k: v for k, v in before.items() if after[k] != v} == {}
    assert any(
        v[8] and any(ext for _, ext in v[8]) for v in after.values()
    )  # extensions came back too


def test_treatment_terms_do_not_add_codes_on_import(app: Flask, tmp_path: Path) -> None:
    """A service whose only code is HID is tagged detox; importing its terms alone adds
    the options' own codes (X_TYPE_DETOX), never a SAMHSA code such as DT that would claim
    more than the term says."""
    with app.app_context():
        tax = app.extensions["taxonomy"]
        p = Provider(
            public_id="abc",
            name="Hope House",
            street="1 Main St",
            city="Waterbury",
            state="CT",
            zip="06708",
            latitude=41.55,
            longitude=-73.05,
            phones=[],
            codes="HID",
            status="active",
        )
        p.updated_at = datetime(2024, 1, 2)
        service = provider_to_hsds(p, tax)
        assert {a["taxonomy_term"]["code"] for a in service["attributes"]} >= {"HID", "type:detox"}
        only_terms = dict(
            service,
            attributes=[a for a in service["attributes"] if a["taxonomy_term"]["code"] != "HID"],
        )
        (tmp_path / "with-code.json").write_text(json.dumps([service]))
        (tmp_path / "terms-only.json").write_text(json.dumps([only_terms]))
        import_file(tmp_path / "with-code.json")
        assert db.session.scalar(select(Provider.codes)) == "HID"
        import_file(tmp_path / "terms-only.json")  # the same place from another file: merged
        codes = db.session.scalar(select(Provider.codes)).split()
        assert "X_TYPE_DETOX" in codes and "HID" in codes and "DT" not in codes


# 3. The API ---------------------------------------------------------------------------------------


def get(client: Any, url: str, status: int = 200) -> Any:
    r = client.get(url)
    assert r.status_code == status, (url, r.get_json())
    return r.get_json()


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.7613 * math.asin(math.sqrt(a))


def page_of(client: Any, url: str, validate: Validate, schema: str) -> dict[str, Any]:
    page = get(client, url)
    validate("page", page)
    assert set(page) == {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    assert page["size"] == len(page["contents"]) and page["empty"] == (not page["contents"])
    for item in page["contents"]:
        validate(schema, item)
    return page


def test_services_are_paged_over_every_active_provider(
    national: Flask, client: Any, validate: Validate
) -> None:
    active = db.session.scalar(
        select(func.count()).select_from(Provider).where(Provider.status == "active")
    )
    first = page_of(client, "/api/hsds/services?per_page=50", validate, "service")
    assert first["total_items"] == active > 20000 and first["total_pages"] == -(-active // 50)
    assert first["first_page"] and not first["last_page"] and first["size"] == 50
    assert (
        "service_at_locations" not in first["contents"][0]
    )  # lists hold one-to-one fields unless full=true
    second = page_of(client, "/api/hsds/services?per_page=50&page=2", validate, "service")
    assert not {s["id"] for s in first["contents"]} & {s["id"] for s in second["contents"]}
    last = page_of(
        client, f"/api/hsds/services?per_page=50&page={first['total_pages']}", validate, "service"
    )
    assert last["last_page"] and 1 <= last["size"] <= 50
    beyond = page_of(
        client,
        f"/api/hsds/services?per_page=50&page={first['total_pages'] + 1}",
        validate,
        "service",
    )
    assert beyond["empty"] and beyond["contents"] == [] and beyond["total_items"] == active
    capped = get(client, "/api/hsds/services?per_page=100000")
    assert capped["size"] == national.config["MAX_PER_PAGE"]


def test_full_services_and_a_service_by_id(client: Any, validate: Validate) -> None:
    page = page_of(
        client, "/api/hsds/services?per_page=100&full=true&search=detox", validate, "service"
    )
    assert page["size"] == 100
    for service in page["contents"][:10]:
        assert (
            service["service_at_locations"][0]["location"]["addresses"]
            or service["service_at_locations"]
        )
        one = get(client, f"/api/hsds/services/{service['id']}")
        validate("service", one)
        assert one == service
    r = client.get(f"/api/hsds/services/{page['contents'][0]['id']}")
    assert r.headers["ETag"] and "max-age" in r.headers["Cache-Control"]
    assert (
        client.get(r.request.path, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    )


def test_search_uses_the_one_search_service(client: Any, validate: Validate) -> None:
    hsds = page_of(client, "/api/hsds/services?search=methadone&per_page=10", validate, "service")
    ours = get(client, "/api/v1/providers?q=methadone&per_page=10")
    assert 0 < hsds["total_items"] == ours["total"] < 20000
    names = [s["name"] for s in hsds["contents"]]
    assert names == [p["name"] for p in ours["results"]]


def test_postcode_and_proximity_in_metres(client: Any, validate: Validate) -> None:
    centre = get(client, "/api/v1/providers?near=22903&radius=10&per_page=1")["location"]
    page = page_of(
        client,
        "/api/hsds/services?postcode=22903&proximity=16093.44&per_page=100&full=true",
        validate,
        "service",
    )
    ours = get(client, "/api/v1/providers?near=22903&radius=10")
    assert 0 < page["total_items"] == ours["total"] <= 100
    for service in page["contents"]:
        loc = service["service_at_locations"][0]["location"]
        assert (
            miles(centre["latitude"], centre["longitude"], loc["latitude"], loc["longitude"])
            <= 10.001
        )
    nearer = get(client, "/api/hsds/services?postcode=22903&proximity=3000")
    assert nearer["total_items"] < page["total_items"]
    default = get(client, "/api/hsds/services?postcode=22903")  # no proximity: the default radius
    assert default["total_items"] == get(client, "/api/v1/providers?near=22903")["total"]


def test_lat_lon_radius_beyond_hsds(client: Any, validate: Validate) -> None:
    page = page_of(
        client,
        "/api/hsds/service_at_locations?lat=41.31&lon=-72.92&radius=5&per_page=100&full=true",
        validate,
        "service_at_location",
    )
    assert 0 < page["total_items"] <= 100
    for sal in page["contents"]:
        assert (
            miles(41.31, -72.92, sal["location"]["latitude"], sal["location"]["longitude"]) <= 5.001
        )
        assert (
            sal["service"]["id"] == sal["service_id"]
            and "service_at_locations" not in sal["service"]
        )
    basic = page_of(
        client,
        "/api/hsds/service_at_locations?lat=41.31&lon=-72.92&radius=5",
        validate,
        "service_at_location",
    )
    assert set(basic["contents"][0]) == {"id", "service_id", "location_id"}
    one = get(client, f"/api/hsds/service_at_locations/{basic['contents'][0]['id']}")
    validate("service_at_location", one)
    assert one["location"]["id"] == basic["contents"][0]["location_id"]


def test_taxonomy_term_id_filters(national: Flask, client: Any, validate: Validate) -> None:
    tax = national.extensions["taxonomy"]
    detox = treatment_term(tax, "type", "detox")
    page = page_of(
        client,
        f"/api/hsds/services?taxonomy_term_id={detox.id}&full=true&per_page=100",
        validate,
        "service",
    )
    assert 0 < page["total_items"] == get(client, "/api/v1/providers?type=detox")["total"]
    assert all(
        detox.id in {a["taxonomy_term_id"] for a in s["attributes"]} for s in page["contents"]
    )
    by_code = get(client, "/api/hsds/services?taxonomy_term_id=type:detox")
    assert by_code["total_items"] == page["total_items"]
    # Two groups: AND; two options of one group: OR; a group's own term: any of its options.
    medicaid = treatment_term(tax, "payment", "medicaid").id
    both = get(
        client, f"/api/hsds/services?taxonomy_term_id={detox.id}&taxonomy_term_id={medicaid}"
    )
    assert (
        both["total_items"] == get(client, "/api/v1/providers?type=detox&payment=medicaid")["total"]
    )
    either = get(
        client, "/api/hsds/services?taxonomy_term_id=type:detox&taxonomy_term_id=type:inpatient"
    )
    assert (
        either["total_items"] == get(client, "/api/v1/providers?type=detox&type=inpatient")["total"]
    )
    group = get(
        client, f"/api/hsds/services?taxonomy_term_id={treatment_term(tax, 'medication').id}"
    )
    options = "&".join(f"medication={o.key}" for o in tax.group("medication").options)  # type: ignore[union-attr]
    assert group["total_items"] == get(client, f"/api/v1/providers?{options}")["total"]
    # A SAMHSA code that one option stands for exactly (MD is Medicaid) is searchable.
    md = get(client, f"/api/hsds/services?taxonomy_term_id={samhsa_term('MD', tax).id}")
    assert md["total_items"] == get(client, "/api/v1/providers?payment=medicaid")["total"] > 0
    samhsa = get(client, "/api/hsds/taxonomies?search=samhsa")["contents"][0]["id"]
    assert (
        get(client, f"/api/hsds/services?taxonomy_term_id=MD&taxonomy_id={samhsa}")["total_items"]
        == md["total_items"]
    )


def test_organizations(client: Any, validate: Validate) -> None:
    page = page_of(
        client, "/api/hsds/organizations?search=naltrexone&per_page=5", validate, "organization"
    )
    assert page["total_items"] > 0 and "services" not in page["contents"][0]
    org_id = page["contents"][0]["id"]
    org = get(client, f"/api/hsds/organizations/{org_id}")
    validate("organization", org)
    assert (
        set(org["services"][0]) >= {"id", "name", "status"}
        and "attributes" not in org["services"][0]
    )
    full = get(client, f"/api/hsds/organizations/{org_id}?full_service=true")
    validate("organization", full)
    service = full["services"][0]
    validate("service", service)
    assert service["attributes"] and service["organization_id"] == org_id
    listed = page_of(
        client,
        "/api/hsds/organizations?search=naltrexone&per_page=5&full_service=true",
        validate,
        "organization",
    )
    assert listed["contents"][0] == full
    mine = page_of(client, f"/api/hsds/services?organization_id={org_id}", validate, "service")
    assert mine["total_items"] == 1 and mine["contents"][0]["organization_id"] == org_id
    none = get(client, "/api/hsds/services?organization_id=00000000-0000-0000-0000-000000000000")
    assert none["total_items"] == 0 and none["empty"]


def test_taxonomies_and_terms(national: Flask, client: Any, validate: Validate) -> None:
    tax = national.extensions["taxonomy"]
    taxonomies = page_of(client, "/api/hsds/taxonomies", validate, "taxonomy")
    assert {t["name"] for t in taxonomies["contents"]} == {"SAMHSA", "treatment-finder"}
    for t in taxonomies["contents"]:
        assert get(client, f"/api/hsds/taxonomies/{t['id']}") == t
    ours = next(t["id"] for t in taxonomies["contents"] if t["name"] == "treatment-finder")
    terms = page_of(
        client,
        f"/api/hsds/taxonomy_terms?taxonomy_id={ours}&per_page=100",
        validate,
        "taxonomy_term",
    )
    assert terms["total_items"] == len(tax.groups) + len(tax.options)
    top = page_of(
        client,
        f"/api/hsds/taxonomy_terms?taxonomy_id={ours}&top_only=true",
        validate,
        "taxonomy_term",
    )
    assert [t["code"] for t in top["contents"]] == [g.key for g in tax.groups]
    payment = next(t for t in top["contents"] if t["code"] == "payment")
    children = get(client, f"/api/hsds/taxonomy_terms?parent_id={payment['id']}")
    assert [t["code"] for t in children["contents"]] == [
        f"payment:{o.key}" for o in tax.group("payment").options
    ]  # type: ignore[union-attr]
    found = get(client, "/api/hsds/taxonomy_terms?search=detoxification")
    assert found["total_items"] > 0 and all(t["taxonomy"] == "SAMHSA" for t in found["contents"])
    one = get(client, f"/api/hsds/taxonomy_terms/{children['contents'][0]['id']}")
    validate("taxonomy_term", one)
    assert one["taxonomy_detail"]["id"] == ours and one["parent_id"] == payment["id"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/hsds/services/00000000-0000-0000-0000-000000000000",
        "/api/hsds/services/nope",
        "/api/hsds/organizations/00000000-0000-0000-0000-000000000000",
        "/api/hsds/service_at_locations/x",
        "/api/hsds/taxonomies/x",
        "/api/hsds/taxonomy_terms/00000000-0000-0000-0000-000000000000",
    ],
)
def test_unknown_ids_are_404(client: Any, url: str) -> None:
    error = get(client, url, 404)["error"]
    assert error["status"] == 404 and error["parameter"] == "id"


def test_an_id_of_another_kind_is_404(client: Any) -> None:
    service = get(client, "/api/hsds/services?per_page=1")["contents"][0]
    get(client, f"/api/hsds/organizations/{service['id']}", 404)
    assert (
        get(client, f"/api/hsds/organizations/{service['organization_id']}")["id"]
        == service["organization_id"]
    )


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=0", "page"),
        ("per_page=ten", "per_page"),
        ("lat=41.3", "lon"),
        ("lat=95&lon=1", "lat"),
        ("postcode=abc", "postcode"),
        ("postcode=00000", "postcode"),
        ("postcode=22903&proximity=-5", "proximity"),
        ("postcode=22903&proximity=far", "proximity"),
        ("postcode=22903&proximity=9999999", "proximity"),
        ("proximity=1000", "proximity"),
        ("radius=5", "radius"),
        ("postcode=22903&proximity=100&radius=5", "proximity"),
        ("postcode=22903&lat=38&lon=-78", "postcode"),
        ("taxonomy_term_id=nope", "taxonomy_term_id"),
        ("taxonomy_term_id=DT", "taxonomy_term_id"),
        ("taxonomy_id=nope", "taxonomy_id"),
        ("taxonomy_id=b03db672-bd40-56a8-bc06-23b2ce4cd296", "taxonomy_id"),
        ("full=maybe", "full"),
        ("format=ndjson", "format"),
        ("modified_after=2024-01-01", "modified_after"),
        ("organization_id=nope", "organization_id"),
        ("organization_id=00000000-0000-0000-0000-000000000000&search=x", "organization_id"),
        ("search=" + "x" * 201, "search"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: Any, query: str, parameter: str
) -> None:
    error = get(client, f"/api/hsds/services?{query}", 400)["error"]
    assert error["status"] == 400 and error["parameter"] == parameter and error["message"]


def test_a_term_of_another_taxonomy_is_400(national: Flask, client: Any) -> None:
    tax = national.extensions["taxonomy"]
    samhsa = samhsa_term("MD", tax).id
    ours = next(
        t["id"]
        for t in get(client, "/api/hsds/taxonomies")["contents"]
        if t["name"] == "treatment-finder"
    )
    error = get(client, f"/api/hsds/services?taxonomy_term_id={samhsa}&taxonomy_id={ours}", 400)[
        "error"
    ]
    assert error["parameter"] == "taxonomy_id"
