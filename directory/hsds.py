"""Open Referral HSDS 3.0: providers as services, organizations and locations; taxonomies; packages.

Each provider is one organization offering one service at one location. Ids are UUIDs derived from
the provider's ``public_id`` (uuid5 over a fixed namespace), so they are stable across exports.
Two taxonomies tag services through attributes: ``SAMHSA`` (the service codes, as stored) and this
project's treatment taxonomy (filter groups as parent terms, their options as child terms, coded
``group:option`` since an option key such as ``military`` can appear in two groups).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import Provider
from .taxonomy import Taxonomy

NAMESPACE = uuid.UUID(
    "69e57b98-9956-4f4c-be53-da59c09ba71a"
)  # never change: every exported id derives from it
SAMHSA = "SAMHSA"
TREATMENT = "treatment-finder"
TAXONOMY_INFO = {
    SAMHSA: (
        "SAMHSA service codes: the codes FindTreatment.gov and the N-SSATS directory use for "
        "services, payment, ages and programs.",
        "https://findtreatment.gov/",
    ),
    TREATMENT: (
        "The treatment types people filter by in this directory: groups (type of care, setting, "
        "medication, payment, ...) and their options, each standing for one or more SAMHSA codes.",
        "",
    ),
}

# CSV data package tables and their columns, as in the HSDS 3.0 CSV examples.
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": (
        "id",
        "name",
        "alternate_name",
        "description",
        "email",
        "website",
        "tax_status",
        "tax_id",
        "year_incorporated",
        "legal_status",
        "logo",
        "uri",
        "parent_organization_id",
    ),
    "services": (
        "id",
        "organization_id",
        "program_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "interpretation_services",
        "application_process",
        "fees_description",
        "wait_time",
        "fees",
        "accreditations",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "assurer_email",
        "licenses",
        "alert",
        "last_modified",
    ),
    "locations": (
        "id",
        "location_type",
        "url",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "external_identifier",
        "external_identifier_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "addresses": (
        "id",
        "location_id",
        "attention",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "phones": (
        "id",
        "location_id",
        "service_id",
        "organization_id",
        "contact_id",
        "service_at_location_id",
        "number",
        "extension",
        "type",
        "description",
    ),
    "attributes": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
    "taxonomies": ("id", "name", "description", "uri", "version"),
    "taxonomy_terms": (
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ),
}
NUMBER_COLUMNS = {
    "year_incorporated",
    "minimum_age",
    "maximum_age",
    "latitude",
    "longitude",
    "extension",
}
URI_COLUMNS = {"website", "url", "uri", "term_uri"}
PRECISION_NAMES = {"zip": "ZIP code", "city": "city"}


def hsds_id(*parts: str) -> str:
    """A stable UUID for an HSDS object named by ``parts`` (kind, public id, ...)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def entity_ids(public_id: str) -> dict[str, str]:
    """The ids of a provider's service, organization, location and service_at_location."""
    return {
        kind: hsds_id(kind, public_id)
        for kind in ("service", "organization", "location", "service_at_location")
    }


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != ""}


# Taxonomies and their terms -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    id: str
    code: str
    name: str
    description: str
    taxonomy: str  # SAMHSA or TREATMENT
    parent_id: str = ""
    group: str = ""  # treatment terms: the group key
    option: str = ""  # treatment option terms: the option key ("" for a group's own term)

    def as_hsds(self, detail: bool = False) -> dict[str, Any]:
        d = _compact(
            {
                "id": self.id,
                "code": self.code,
                "name": self.name,
                "description": self.description,
                "parent_id": self.parent_id,
                "taxonomy": self.taxonomy,
                "language": "en",
                "taxonomy_id": taxonomy_id(self.taxonomy),
            }
        )
        if detail:
            d["taxonomy_detail"] = taxonomy_record(self.taxonomy)
        return d


def taxonomy_id(name: str) -> str:
    return hsds_id("taxonomy", name)


def taxonomy_record(name: str) -> dict[str, Any]:
    description, uri = TAXONOMY_INFO[name]
    return _compact({"id": taxonomy_id(name), "name": name, "description": description, "uri": uri})


def taxonomies() -> list[dict[str, Any]]:
    return [taxonomy_record(name) for name in TAXONOMY_INFO]


def samhsa_term(code: str, tax: Taxonomy) -> Term:
    category = tax.code_categories.get(code, "")
    return Term(
        hsds_id("taxonomy_term", SAMHSA, code),
        code,
        tax.code_label(code),
        f"SAMHSA service code {code}" + (f" ({category})" if category else ""),
        SAMHSA,
    )


def treatment_term(tax: Taxonomy, group: str, option: str = "") -> Term:
    g = tax.group(group)
    assert g is not None, group
    group_id = hsds_id("taxonomy_term", TREATMENT, group)
    if not option:
        return Term(group_id, group, g.label, g.description or g.label, TREATMENT, group=group)
    o = g.option(option)
    assert o is not None, option
    return Term(
        hsds_id("taxonomy_term", TREATMENT, group, option),
        f"{group}:{option}",
        o.label,
        o.description or o.label,
        TREATMENT,
        group_id,
        group,
        option,
    )


def terms(tax: Taxonomy) -> dict[str, Term]:
    """Every term by id: each treatment group then its options, then every known SAMHSA code (made
    once per taxonomy and kept with it)."""
    return tax.derived("hsds_terms", _make_terms)  # type: ignore[no-any-return]


def _make_terms(tax: Taxonomy) -> dict[str, Term]:
    found = [
        t
        for g in tax.groups
        for t in [
            treatment_term(tax, g.key),
            *(treatment_term(tax, g.key, o.key) for o in g.options),
        ]
    ]
    codes = set(tax.code_names) | {c for o in tax.options for c in o.codes}
    found += [samhsa_term(c, tax) for c in sorted(codes)]
    return {t.id: t for t in found}


def provider_terms(p: Provider, tax: Taxonomy) -> list[Term]:
    """The terms a provider's service carries: its SAMHSA codes, then its treatment options."""
    codes = p.code_set
    found = [samhsa_term(c, tax) for c in sorted(codes)]
    for group, options in tax.tags(codes).items():
        found += [treatment_term(tax, group, o.key) for o in options]
    return found


# One provider as HSDS objects ---------------------------------------------------------------------


def _timestamp(p: Provider) -> str:
    return p.updated_at.replace(microsecond=0).isoformat() + "Z"


def _description(p: Provider, tax: Taxonomy) -> str:
    tags = tax.tags(p.code_set)
    return "; ".join(
        f"{g.label}: {', '.join(o.label for o in tags[g.key])}" for g in tax.groups if g.key in tags
    )


def organization_record(p: Provider) -> dict[str, Any]:
    """The organization's one-to-one fields."""
    place = ", ".join(filter(None, [p.city, p.state]))
    return _compact(
        {
            "id": entity_ids(p.public_id)["organization"],
            "name": p.name,
            "description": f"Treatment provider in {place}." if place else "Treatment provider.",
            "website": p.website,
        }
    )


def service_record(p: Provider, tax: Taxonomy) -> dict[str, Any]:
    """The service's one-to-one fields (the shape of a service list)."""
    ids = entity_ids(p.public_id)
    return _compact(
        {
            "id": ids["service"],
            "organization_id": ids["organization"],
            "name": p.name,
            "alternate_name": p.name2,
            "description": _description(p, tax),
            "url": p.website,
            "status": "active" if p.status == "active" else "inactive",
            "last_modified": _timestamp(p),
        }
    )


def location_record(p: Provider) -> dict[str, Any]:
    """The location with its physical address."""
    ids = entity_ids(p.public_id)
    loc = _compact(
        {
            "id": ids["location"],
            "location_type": "physical",
            "organization_id": ids["organization"],
            "name": p.name,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "description": ""
            if p.geo_precision == "exact"
            else "The coordinates are the centre of the "
            f"{PRECISION_NAMES.get(p.geo_precision, p.geo_precision)}, "
            "not the street address.",
            "external_identifier": p.public_id,
            "external_identifier_type": TREATMENT,
        }
    )
    if any((p.street, p.street2, p.city, p.state, p.zip)):
        # address_1, city, state_province and postal_code are required,
        # even when the source lacks them.
        address = {
            "id": hsds_id("address", p.public_id),
            "location_id": ids["location"],
            "address_1": p.street,
            "address_2": p.street2 or None,
            "city": p.city,
            "region": p.county or None,
            "state_province": p.state,
            "postal_code": p.zip,
            "country": "US",
            "address_type": "physical",
        }
        loc["addresses"] = [{k: v for k, v in address.items() if v is not None}]
    else:
        loc["addresses"] = []
    return loc


def phone_records(p: Provider) -> list[dict[str, Any]]:
    service = entity_ids(p.public_id)["service"]
    return [
        _compact(
            {
                "id": hsds_id("phone", p.public_id, str(i)),
                "service_id": service,
                "number": ph["number"],
                "extension": int(ph["ext"]) if str(ph.get("ext") or "").isdigit() else None,
                "type": "voice",
            }
        )
        for i, ph in enumerate(p.phones)
    ]


def attribute_records(p: Provider, tax: Taxonomy) -> list[dict[str, Any]]:
    service = entity_ids(p.public_id)["service"]
    return [
        {
            "id": hsds_id("attribute", p.public_id, t.id),
            "link_id": service,
            "taxonomy_term_id": t.id,
            "link_type": "service_code" if t.taxonomy == SAMHSA else t.group,
            "link_entity": "service",
            "taxonomy_term": t.as_hsds(),
        }
        for t in provider_terms(p, tax)
    ]


def service_at_location_record(p: Provider, full: bool = True) -> dict[str, Any]:
    ids = entity_ids(p.public_id)
    sal: dict[str, Any] = {
        "id": ids["service_at_location"],
        "service_id": ids["service"],
        "location_id": ids["location"],
    }
    if full:
        sal["location"] = location_record(p)
    return sal


def provider_to_hsds(p: Provider, tax: Taxonomy) -> dict[str, Any]:
    """The provider as a fully nested HSDS service (organization, location, phones, attributes)."""
    service = service_record(p, tax)
    service["phones"] = phone_records(p)
    service["service_at_locations"] = [service_at_location_record(p)]
    service["organization"] = organization_record(p)
    service["attributes"] = attribute_records(p, tax)
    return service


def organization_to_hsds(p: Provider, tax: Taxonomy, full_service: bool = False) -> dict[str, Any]:
    """The fully nested organization: its location and its service (one-to-one fields, or full)."""
    org = organization_record(p)
    org["locations"] = [location_record(p)]
    if full_service:
        service = provider_to_hsds(p, tax)
        service.pop("organization")
    else:
        service = service_record(p, tax)
    org["services"] = [service]
    return org


def service_at_location_to_hsds(p: Provider, tax: Taxonomy) -> dict[str, Any]:
    """The fully nested service_at_location: its location and its service
    (without the location again)."""
    service = provider_to_hsds(p, tax)
    sal = service.pop("service_at_locations")[0]
    sal["service"] = service
    return sal


# The package: JSON records and the CSV data package -----------------------------------------------


def _rows(service: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """Flatten one full service into (table, row) pairs."""
    yield "organizations", service["organization"]
    yield "services", service
    for sal in service["service_at_locations"]:
        yield "service_at_location", sal
        yield "locations", sal["location"]
        for address in sal["location"]["addresses"]:
            yield "addresses", address
    for phone in service["phones"]:
        yield "phones", phone
    for attribute in service["attributes"]:
        yield "attributes", attribute


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _field(name: str) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": "number" if name in NUMBER_COLUMNS else "string"}
    if name == "id" or name.endswith("_id"):
        field["format"] = "uuid"
    elif name in URI_COLUMNS:
        field["format"] = "uri"
    elif name.endswith("email"):
        field["format"] = "email"
    elif name == "last_modified":
        field["type"] = "datetime"
    elif name == "assured_date":
        field["type"] = "date"
    return field


def datapackage() -> dict[str, Any]:
    """The Frictionless data package descriptor of the CSV tables."""
    return {
        "name": "treatment-finder-hsds",
        "title": "Addiction treatment providers (HSDS 3.0)",
        "profile": "tabular-data-package",
        "resources": [
            {
                "name": table,
                "path": f"{table}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [_field(c) for c in columns], "primaryKey": "id"},
            }
            for table, columns in TABLES.items()
        ],
    }


def write_package(out: Path, tax: Taxonomy) -> int:
    """Write every active provider as an HSDS package in folder ``out``; return the service count.

    ``services.json`` holds the fully nested services (one per line), ``taxonomies.json``
    and ``taxonomy_terms.json`` the taxonomies; ``datapackage.json`` and one CSV per table
    the same data.
    """
    from .models import iter_active

    out.mkdir(parents=True, exist_ok=True)
    files = {
        table: (out / f"{table}.csv").open("w", newline="", encoding="utf-8") for table in TABLES
    }
    all_terms = dict(terms(tax))
    n = 0
    try:
        writers = {table: csv.writer(f) for table, f in files.items()}
        for table, columns in TABLES.items():
            writers[table].writerow(columns)
        with (out / "services.json").open("w", encoding="utf-8") as services:
            services.write("[")
            for p in iter_active():
                service = provider_to_hsds(p, tax)
                services.write(
                    ("\n" if n == 0 else ",\n")
                    + json.dumps(service, ensure_ascii=False, separators=(",", ":"))
                )
                for table, row in _rows(service):
                    writers[table].writerow([_cell(row.get(c)) for c in TABLES[table]])
                for attribute in service[
                    "attributes"
                ]:  # codes outside the dictionaries get terms too
                    if attribute["taxonomy_term_id"] not in all_terms:
                        term = samhsa_term(attribute["taxonomy_term"]["code"], tax)
                        all_terms[term.id] = term
                n += 1
            services.write("\n]\n")
        for record in taxonomies():
            writers["taxonomies"].writerow([_cell(record.get(c)) for c in TABLES["taxonomies"]])
        term_records = [t.as_hsds() for t in all_terms.values()]
        for record in term_records:
            writers["taxonomy_terms"].writerow(
                [_cell(record.get(c)) for c in TABLES["taxonomy_terms"]]
            )
    finally:
        for f in files.values():
            f.close()
    (out / "taxonomies.json").write_text(
        json.dumps(taxonomies(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "taxonomy_terms.json").write_text(
        json.dumps(term_records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "datapackage.json").write_text(
        json.dumps(datapackage(), indent=1) + "\n", encoding="utf-8"
    )
    return n
