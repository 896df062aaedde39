"""The one record type every parser produces, and the validation that turns raw fields into it.

A parser yields ``RawRow(line, fields)`` where ``fields`` uses the names below with raw values as
the file has them; ``validate`` normalises them and returns the record plus anything
worth reporting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from .. import normalize as n
from ..geo import metres_between
from ..geocode import gazetteer
from ..taxonomy import Taxonomy

# The raw field names a parser may fill. ``phones`` and ``codes``/``service_names`` take lists.
RAW_FIELDS = (
    "record_id",
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "county",
    "latitude",
    "longitude",
    "phones",
    "website",
    "codes",
    "service_names",
    "source_date",
    "service_detail",
    "licences",
    "tag_words",
    "kind",
)
# How much a record says about services: "full" (a list of every service the place reports, so a
# missing one is a no) or "partial" (only some services; a missing one is unknown).
SERVICE_DETAIL = ("full", "partial")
SCALAR_FIELDS = (
    "record_id",
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "county",
    "latitude",
    "longitude",
    "website",
    "source_date",
    "kind",
)
KINDS = ("facility", "prescriber")  # a treatment facility, or a clinician who prescribes
MAX_LENGTH = {
    "name": 300,
    "name2": 300,
    "street": 300,
    "street2": 300,
    "city": 120,
    "county": 120,
    "website": 500,
}


@dataclass
class RawRow:
    line: int
    fields: dict[str, Any]
    skip: str = ""  # why this row is not a provider at all (skipped, not rejected)


@dataclass
class Problem:
    line: int
    field: str
    reason: str
    severity: str = "error"  # error: row rejected | warning: row kept, value fixed or dropped


@dataclass
class ProviderRecord:
    record_key: str
    name: str
    name2: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    county: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    geo_precision: str = "exact"
    phones: list[dict[str, str]] = field(default_factory=list)
    website: str = ""
    codes: list[str] = field(default_factory=list)
    source_date: str = ""
    service_detail: str = "partial"
    licences: list[dict[str, Any]] = field(
        default_factory=list
    )  # [{"authority", "number", "kind", "expires", …}]
    role: str = (
        "primary"  # primary: a listing of its own | enrich: adds services to a matched provider
    )
    kind: str = "facility"  # facility | prescriber (a clinician, never given facility services)
    line: int = 0

    def data(self) -> dict[str, Any]:
        """The record as stored with its source (everything but the line number)."""
        # A shallow copy: asdict's deep copy of every list cost more than validating the row.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "line"}

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.data(), sort_keys=True).encode()).hexdigest()


def derived_key(name: str, name2: str, street: str, city: str, state: str, zip_code: str) -> str:
    """A record id for sources that have none: the facility's folded name and address."""
    raw = "|".join(
        [n.name_key(name), n.name_key(name2), n.street_key(street), city.lower(), state, zip_code]
    )
    return "k:" + hashlib.sha1(raw.encode()).hexdigest()[:20]


class _Report:
    """The problems found in one row, in the order found."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.problems: list[Problem] = []

    def __call__(self, field_name: str, reason: str, severity: str = "error") -> None:
        """Record one problem with a field of this row."""
        self.problems.append(Problem(self.line, field_name, reason, severity))

    def about(self, field_name: str) -> bool:
        """Tell whether any problem concerns the field."""
        return any(p.field == field_name for p in self.problems)

    def rejected(self) -> bool:
        """Tell whether any problem is an error."""
        return any(p.severity == "error" for p in self.problems)


FAR = 100_000  # metres: coordinates this far from their own ZIP's centre belong to another place


class _Located(NamedTuple):
    latitude: float
    longitude: float
    precision: str  # exact, or the gazetteer's precision (zip, city, …)
    state: str  # the row's state, or the one the gazetteer placed it in


def validate(row: RawRow, tax: Taxonomy) -> tuple[ProviderRecord | None, list[Problem]]:
    """Normalise one raw row; return the record (None when rejected) and the problems found."""
    report = _Report(row.line)
    f = _blank_non_scalars(row.fields, report)
    values = _text_values(f, report)
    state, zip_code = _state_and_zip(f, report)
    located = _location(f, zip_code, values["city"], state, report)
    phones = _phones(f.get("phones") or [], report)
    site = _website(f, report)
    codes = _codes(f, tax, report)
    detail = _service_detail(f, report)
    kind = n.text(f.get("kind")) or "facility"
    if kind not in KINDS:
        report("kind", f"must be one of {', '.join(KINDS)}, not {kind[:20]!r}")

    if located is None or report.rejected():
        return None, report.problems
    record_id = n.text(f.get("record_id"))
    key = record_id or derived_key(
        values["name"], values["name2"], values["street"], values["city"], located.state, zip_code
    )
    record = ProviderRecord(
        record_key=key[:200],
        name=n.restore_acronyms(values["name"]),
        name2=n.restore_acronyms(values["name2"]),
        street=values["street"],
        street2=values["street2"],
        city=values["city"],
        state=located.state,
        zip=zip_code,
        county=values["county"],
        latitude=round(float(located.latitude), 6),
        longitude=round(float(located.longitude), 6),
        geo_precision=located.precision,
        phones=phones,
        website=site,
        codes=sorted(codes),
        source_date=n.text(f.get("source_date"))[:20],
        service_detail=detail,
        licences=list(f.get("licences") or []),
        kind=kind,
        line=row.line,
    )
    return record, report.problems


def _blank_non_scalars(f: dict[str, Any], report: _Report) -> dict[str, Any]:
    """Blank each single-value field that holds a JSON object or list, reporting it."""
    for key in SCALAR_FIELDS:
        # JSON with wrong types: its text would be "{'a': 1}"
        if isinstance(f.get(key), (dict, list)):
            kind = "object" if isinstance(f[key], dict) else "list"
            report(key, f"expected a single value, got a JSON {kind}")
            f = {**f, key: ""}
    return f


def _text_values(f: dict[str, Any], report: _Report) -> dict[str, str]:
    """Read the free-text fields, refusing over-long values, formulas and a missing name."""
    values: dict[str, str] = {}
    for key in ("name", "name2", "street", "street2", "city", "county"):
        value = n.text(f.get(key))
        if len(value) > MAX_LENGTH[key]:
            report(key, f"longer than {MAX_LENGTH[key]} characters ({len(value)})")
        elif value and n.looks_like_formula(value):
            report(
                key,
                "starts like a spreadsheet formula (=, +, -, @); "
                "refused to protect anyone opening an export",
            )
        values[key] = value
    if not values["name"] and not report.about("name"):
        report("name", "missing: every provider needs a name")
    return values


def _state_and_zip(f: dict[str, Any], report: _Report) -> tuple[str, str]:
    """Read the state code (refusing unknown ones) and the ZIP (ignoring unreadable ones)."""
    state_raw = n.text(f.get("state"))
    state = n.state_code(state_raw)
    if state_raw and not state:
        report("state", f"unknown state or territory {state_raw[:40]!r}")
    zip_raw = n.text(f.get("zip"))
    zip_code = n.zip5(zip_raw)
    if zip_raw and not zip_code:
        report("zip", f"not a ZIP code: {zip_raw[:20]!r}; ignored", "warning")
    return state, zip_code


def _location(
    f: dict[str, Any], zip_code: str, city: str, state: str, report: _Report
) -> _Located | None:
    """Place the row by its coordinates, else its ZIP, else its city; None when nothing works."""
    coordinates = _coordinates(f, report)
    place = gazetteer().zip_place(zip_code) if zip_code else None
    if coordinates is not None:
        if place is None or metres_between(*coordinates, place.latitude, place.longitude) < FAR:
            return _Located(*coordinates, "exact", state)
        report(
            "latitude",
            f"({coordinates[0]}, {coordinates[1]}) is over {FAR // 1000} km from ZIP {zip_code}; "
            "placed by the ZIP instead",
            "warning",
        )
    if place is None and city and state:
        place = gazetteer().city_place(city, state)
    if place is None:
        report("latitude", "no location: needs coordinates, a known ZIP, or a known city and state")
        return None
    return _Located(place.latitude, place.longitude, place.precision, state or place.state)


def _coordinates(f: dict[str, Any], report: _Report) -> tuple[float, float] | None:
    """Read coordinates in the US, swapping reversed ones back; None when missing or unusable."""
    lat, lon = n.coordinate(f.get("latitude")), n.coordinate(f.get("longitude"))
    if lat is not None and lon is not None and not n.in_us(lat, lon):
        if n.in_us(lon, lat):
            report("latitude", "latitude and longitude were swapped; swapped back", "warning")
            return lon, lat
        report(
            "latitude",
            f"({lat}, {lon}) is not in the US; placed by ZIP or city instead",
            "warning",
        )
        return None
    if (lat is None) != (lon is None) or (n.text(f.get("latitude")) and lat is None):
        report(
            "latitude",
            "coordinates missing or unreadable; placed by ZIP or city instead",
            "warning",
        )
        return None
    if lat is None or lon is None:
        return None
    return lat, lon


def _phones(raw_phones: Iterable[Any], report: _Report) -> list[dict[str, str]]:
    """Parse the phone numbers without repeats, dropping any that are not US numbers."""
    phones: list[dict[str, str]] = []
    for raw_phone in raw_phones:
        kind = ""
        if isinstance(raw_phone, dict):  # {"value": "…", "kind": "intake"}
            raw_phone, kind = raw_phone.get("value"), n.text(raw_phone.get("kind"))
        if not n.text(raw_phone):
            continue
        parsed = n.phones(raw_phone)
        if parsed is None:
            report(
                "phone", f"not a US phone number: {n.text(raw_phone)[:30]!r}; dropped", "warning"
            )
            continue
        known = {(p["number"], p["ext"]) for p in phones}
        phones += [
            {**p, "kind": kind} if kind else p
            for p in parsed
            if (p["number"], p["ext"]) not in known
        ]
    return phones


def _website(f: dict[str, Any], report: _Report) -> str:
    """Read the web address, dropping one that is unusable or too long."""
    site = n.website(f.get("website"))
    if site is None:
        report(
            "website",
            f"not a usable web address: {n.text(f.get('website'))[:60]!r}; dropped",
            "warning",
        )
        return ""
    if len(site) > MAX_LENGTH["website"]:
        report("website", "longer than 500 characters; dropped", "warning")
        return ""
    return site


def _service_detail(f: dict[str, Any], report: _Report) -> str:
    """Read how fully the row lists its services, refusing values other than full or partial."""
    detail = n.text(f.get("service_detail")) or "partial"
    if detail not in SERVICE_DETAIL:
        report("service_detail", f"must be one of {', '.join(SERVICE_DETAIL)}, not {detail[:20]!r}")
    return detail


def _codes(f: dict[str, Any], tax: Taxonomy, report: _Report) -> set[str]:
    """Service codes from a row's codes and service names (unknown names are warned about)."""
    codes = {
        str(c).strip().upper()
        for c in f.get("codes") or []
        if isinstance(c, (str, int)) and str(c).strip()
    }
    for name in f.get("service_names") or []:
        if not n.text(name):
            continue
        code = tax.code_for_name(name)
        if code:
            codes.add(code)
        else:
            report(
                "services",
                f"unknown service name {n.text(name)[:80]!r}; not mapped to a code",
                "warning",
            )
    for word in f.get("tag_words") or []:
        code = tax.code_for_tag(word) if n.text(word) else None
        if code:
            codes.add(code)
        elif n.text(word):
            report("tags", f"unknown tag {n.text(word)[:80]!r}; not mapped to a service", "warning")
    return codes


def locator_fields(
    row: dict[str, Any], codes: list[str], options: dict[str, Any]
) -> dict[str, Any]:
    """Raw fields from a SAMHSA locator record (the download CSV and the API share column names)."""
    return {
        "record_id": row.get("frid", ""),
        "name": row.get("name1"),
        "name2": row.get("name2"),
        "street": row.get("street1"),
        "street2": row.get("street2"),
        "city": row.get("city"),
        "state": row.get("state"),
        "zip": row.get("zip"),
        "county": row.get("county"),
        "latitude": row.get("latitude"),
        "longitude": row.get("longitude"),
        "phones": [row.get(k) for k in ("phone", "intake1", "intake2", "hotline1")],
        "website": row.get("website"),
        "codes": codes + list(options.get("add_codes", [])),
        "source_date": options.get("source_date", ""),
    }


def split_list(value: Any, sep: str) -> list[str]:
    """Split a joined list ('a; b; c') into stripped, non-empty parts."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in n.text(value).split(sep) if p.strip()] if value else []


def flag_codes(row: dict[str, Any], columns: Iterable[str]) -> list[str]:
    """Codes whose flag column is set ('1', '1.0', 'yes')."""
    out = []
    for col in columns:
        v = n.text(row.get(col)).lower()
        if v in {"1", "1.0", "yes", "y", "true", "x"}:
            out.append(col.upper())
    return out
