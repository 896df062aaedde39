"""Open Referral HSDS 3.0: JSON (services, organizations, pages of them) or the CSV data package.

Each service at a location becomes one provider record: the service's name, the location's physical
address and coordinates, the phones of service, location and organization, and its codes from
attributes whose taxonomy term is a SAMHSA code (as this project exports them) or a known service
name. This project's own treatment terms (``treatment-finder``) are derived from the codes, so they
are read only when a service carries no SAMHSA code; the address's ``region`` is the county.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ImportRefused
from ..hsds import SAMHSA, TREATMENT
from .files import csv_rows, json_items, load_json
from .record import RawRow

NAME = "hsds"
PACKAGE_TABLES = (
    "organizations",
    "services",
    "locations",
    "service_at_location",
    "addresses",
    "phones",
    "attributes",
    "taxonomy_terms",
)


def sniff(path: Path, head: str) -> bool:
    if path.is_dir() or path.name == "datapackage.json":
        return (_package_dir(path) / "services.csv").exists()
    h = head.lstrip()
    return h.startswith(("{", "[")) and any(
        k in head
        for k in (
            '"service_at_locations"',
            '"organization_id"',
            '"services"',
            '"contents"',
            '"location_type"',
        )
    )


def _package_dir(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    if path.is_dir() or path.name == "datapackage.json":
        items = _from_package(_package_dir(path))
    else:
        items = _from_json(path)
    for line, service, org in items:
        sals = [s for s in service.get("service_at_locations") or [] if isinstance(s, dict)]
        if not sals:
            yield RawRow(line, _fields(service, org, {}, {}, options))
        for sal in sals:
            yield RawRow(line, _fields(service, org, sal, _obj(sal.get("location")), options))


def _from_json(path: Path) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    doc = load_json(path)
    if isinstance(doc, dict) and isinstance(doc.get("contents"), list):  # an HSDS Page object
        for line, item in json_items(path, doc["contents"], key="contents"):
            yield from _expand(line, item)
    elif isinstance(doc, list):
        for line, item in json_items(path, doc):
            yield from _expand(line, item)
    elif isinstance(doc, dict):
        yield from _expand(1, doc)
    else:
        raise ImportRefused(
            str(path), 1, "expected HSDS records: an object, a list, or a Page with 'contents'"
        )


def _expand(line: int, item: Any) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Yield (line, service, organization) for each service in one JSON item.

    The item is a service, an organization with services, or a location.
    """
    if not isinstance(item, dict):
        yield line, {}, {}
    elif (
        isinstance(item.get("services"), list) and "service_at_locations" not in item
    ):  # organization
        for service in item["services"]:
            yield line, service if isinstance(service, dict) else {}, item
    elif "service" in item and "location" in item:  # service_at_location_full
        service = dict(_obj(item.get("service")))
        service["service_at_locations"] = [item]
        yield line, service, _obj(service.get("organization"))
    elif "location_type" in item or ("addresses" in item and "latitude" in item):  # a bare location
        yield (
            line,
            {
                "name": item.get("name"),
                "service_at_locations": [{"id": item.get("id"), "location": item}],
            },
            {},
        )
    else:
        yield line, item, _obj(item.get("organization"))


def _obj(value: Any) -> dict[str, Any]:
    """A nested HSDS object, or an empty one when the file has something else there."""
    return value if isinstance(value, dict) else {}


def _fields(
    service: dict[str, Any],
    org: dict[str, Any],
    sal: dict[str, Any],
    loc: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    addresses = [a for a in loc.get("addresses") or [] if isinstance(a, dict)]
    address = next(
        (a for a in addresses if a.get("address_type") == "physical"),
        addresses[0] if addresses else {},
    )
    phones = []
    for holder in (sal, service, loc, org):
        for p in holder.get("phones") or []:
            if isinstance(p, dict) and p.get("number"):
                number = str(p["number"]).strip('"')
                phones.append(
                    f"{number} x{p['extension']}"
                    if p.get("extension") not in (None, "")
                    else number
                )
    codes, names, derived = [], [], []
    for attr in service.get("attributes") or []:
        term = attr.get("taxonomy_term") if isinstance(attr, dict) else None
        if isinstance(term, dict):
            taxonomy = str(term.get("taxonomy", ""))
            if taxonomy.upper() == SAMHSA and term.get("code"):
                codes.append(str(term["code"]))
            elif term.get("name"):
                (derived if taxonomy == TREATMENT else names).append(str(term["name"]))
    if (
        not codes
    ):  # this project's treatment terms only stand for codes when the codes themselves are missing
        names += derived
    record_id = sal.get("id") or (
        f"{service.get('id', '')}@{loc.get('id', '')}" if service.get("id") else ""
    )
    return {
        "record_id": record_id,
        "name": service.get("name") or org.get("name") or loc.get("name"),
        "name2": service.get("alternate_name") or "",
        "street": address.get("address_1"),
        "street2": address.get("address_2"),
        "city": address.get("city"),
        "state": address.get("state_province"),
        "zip": address.get("postal_code"),
        "county": address.get("region"),
        "latitude": loc.get("latitude"),
        "longitude": loc.get("longitude"),
        "phones": phones,
        "website": service.get("url") or org.get("website") or "",
        "codes": codes + list(options.get("add_codes", [])),
        "service_names": names,
        "source_date": str(service.get("last_modified") or options.get("source_date", ""))[:10],
    }


def _from_package(folder: Path) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Rebuild nested HSDS objects from the CSV tables, keeping each service's services.csv line."""
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for name in PACKAGE_TABLES:
        p = folder / f"{name}.csv"
        tables[name] = list(csv_rows(p)) if p.exists() else []
    by_id = {name: {r["id"]: r for _, r in rows if r.get("id")} for name, rows in tables.items()}
    children: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for table, key in (
        ("addresses", "location_id"),
        ("phones", "location_id"),
        ("phones", "service_id"),
        ("phones", "organization_id"),
        ("service_at_location", "service_id"),
        ("attributes", "link_id"),
    ):
        for _, row in tables[table]:
            if row.get(key):
                children[(table, key, row[key])].append(row)

    def location(loc_id: str) -> dict[str, Any]:
        loc = dict(by_id["locations"].get(loc_id, {}))
        loc["addresses"] = children[("addresses", "location_id", loc_id)]
        loc["phones"] = children[("phones", "location_id", loc_id)]
        return loc

    for line, row in tables["services"]:
        service: dict[str, Any] = dict(row)
        service["phones"] = children[("phones", "service_id", row.get("id", ""))]
        service["attributes"] = [
            dict(a, taxonomy_term=by_id["taxonomy_terms"].get(a.get("taxonomy_term_id", ""), {}))
            for a in children[("attributes", "link_id", row.get("id", ""))]
        ]
        service["service_at_locations"] = [
            dict(s, location=location(s.get("location_id", "")))
            for s in children[("service_at_location", "service_id", row.get("id", ""))]
        ]
        org = dict(by_id["organizations"].get(row.get("organization_id", ""), {}))
        org["phones"] = children[("phones", "organization_id", org.get("id", ""))] if org else []
        yield line, service, org
