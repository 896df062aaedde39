"""The Open Referral HSDS 3.0 API: services, organizations, service_at_locations and the taxonomies.

Lists of providers go through the one search service. Beyond HSDS, ``lat``, ``lon`` and ``radius``
(miles) search around a point; HSDS's own ``proximity`` is in metres from the ``postcode``'s centre.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import select

from .. import hsds
from ..db import db
from ..errors import DirectoryError
from ..geo import METRES_PER_MILE
from ..models import Provider
from ..search.params import SearchQuery, flag_param, number_param, parse_query
from ..search.service import find_providers
from ..search.snapshot import Snapshot, snapshot
from ..security import csrf
from ..taxonomy import Taxonomy
from .api import cors, json_response

bp = Blueprint("hsds_api", __name__, url_prefix="/api/hsds")
csrf.exempt(bp)
bp.after_request(cors)

OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
POSTCODE = re.compile(r"^\d{5}(-\d{4})?$")
SEARCH_PARAMETERS = (
    "search",
    "postcode",
    "proximity",
    "lat",
    "lon",
    "radius",
    "taxonomy_term_id",
    "taxonomy_id",
)
UNSUPPORTED = ("modified_after", "minimal")


def _tax() -> Taxonomy:
    return current_app.extensions["taxonomy"]


def _paging(args: Mapping[str, Any]) -> SearchQuery:
    """``page`` and ``per_page``, checked as the search checks them."""
    return parse_query(
        {k: args[k] for k in ("page", "per_page") if k in args}, _tax(), current_app.config
    )


def _check_format(args: Mapping[str, Any]) -> None:
    if str(args.get("format") or "json").lower() != "json":
        raise DirectoryError("'format' can only be json here.", 400, "format")
    for name in UNSUPPORTED:
        if args.get(name) not in (None, "", "false"):
            raise DirectoryError(f"'{name}' is not supported by this API.", 400, name)


def _page(contents: list[dict[str, Any]], total: int, q: SearchQuery) -> dict[str, Any]:
    """An HSDS Page object."""
    pages = -(-total // q.per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": q.page,
        "size": len(contents),
        "first_page": q.page == 1,
        "last_page": q.page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def _static_page(items: list[dict[str, Any]], args: Mapping[str, Any]) -> dict[str, Any]:
    q = _paging(args)
    start = (q.page - 1) * q.per_page
    return _page(items[start : start + q.per_page], len(items), q)


# Providers by HSDS id -----------------------------------------------------------------------------


def _hsds_ids(snap: Snapshot) -> dict[str, tuple[str, str]]:
    """HSDS id -> (kind, public id) for every provider of a snapshot."""
    index: dict[str, tuple[str, str]] = {}
    for listing in snap.listings:
        for kind, hsds_id in hsds.entity_ids(listing.public_id).items():
            index[hsds_id] = (kind, listing.public_id)
    return index


def _provider(kind: str, hsds_id: str, parameter: str = "id") -> Provider | None:
    """The active provider whose ``kind`` object has this id; None if none; 400 if not a UUID."""
    try:
        key = str(uuid.UUID(hsds_id))
    except ValueError:
        raise DirectoryError(
            f"'{parameter}' must be a UUID, not {hsds_id[:40]!r}.", 400, parameter
        ) from None
    found = snapshot().lazily("hsds_ids", _hsds_ids).get(key)
    if found is None or found[0] != kind:
        return None
    return db.session.scalar(
        select(Provider).where(Provider.public_id == found[1], Provider.status == "active")
    )


def _provider_or_404(kind: str, hsds_id: str) -> Provider:
    try:
        p = _provider(kind, hsds_id)
    except DirectoryError:
        p = None
    if p is None:
        raise DirectoryError(f"No {kind} with id {hsds_id[:40]!r}.", 404, "id")
    return p


# Searching ----------------------------------------------------------------------------------------


def _term(value: str) -> hsds.Term:
    """A taxonomy term by id or by code ('type:detox', 'DT')."""
    terms = hsds.terms(_tax())
    by_code = {t.code: t for t in terms.values()}
    term = terms.get(value.lower()) or by_code.get(value) or by_code.get(value.upper())
    if term is None:
        raise DirectoryError(
            f"No taxonomy term {value[:40]!r}; see /api/hsds/taxonomy_terms.",
            400,
            "taxonomy_term_id",
        )
    return term


def _filters(args: Any) -> dict[str, tuple[str, ...]]:
    """Turn ``taxonomy_term_id`` into search filters.

    The parameter repeats: OR within a group, AND across groups.
    """
    tax = _tax()
    wanted = [v for v in args.getlist("taxonomy_term_id") if v.strip()]
    taxonomy = (args.get("taxonomy_id") or "").strip()
    names = {hsds.taxonomy_id(name): name for name in hsds.TAXONOMY_INFO}
    if taxonomy and taxonomy.lower() not in names:
        raise DirectoryError(
            f"No taxonomy {taxonomy[:40]!r}; see /api/hsds/taxonomies.", 400, "taxonomy_id"
        )
    if taxonomy and not wanted:
        raise DirectoryError(
            "'taxonomy_id' narrows 'taxonomy_term_id'; give a term too.", 400, "taxonomy_id"
        )
    filters: dict[str, list[str]] = {}
    for value in wanted:
        term = _term(value.strip())
        if taxonomy and names[taxonomy.lower()] != term.taxonomy:
            raise DirectoryError(
                f"The term {value[:40]!r} is not in the taxonomy {taxonomy[:40]!r}.",
                400,
                "taxonomy_id",
            )
        if term.taxonomy == hsds.TREATMENT:
            group = tax.group(term.group)
            assert group is not None
            options = [term.option] if term.option else [o.key for o in group.options]
            filters.setdefault(term.group, []).extend(options)
            continue
        # A SAMHSA code is searchable when a filter option stands for exactly that code.
        same = [o for o in tax.options if o.codes - {o.own_code} == {term.code}]
        if not same:
            raise DirectoryError(
                f"Searching by the SAMHSA code {term.code} is not supported; use a "
                f"{hsds.TREATMENT} term (see /api/hsds/taxonomy_terms).",
                400,
                "taxonomy_term_id",
            )
        filters.setdefault(same[0].group, []).append(same[0].key)
    return {g: tuple(dict.fromkeys(options)) for g, options in filters.items()}


def _query(args: Any) -> SearchQuery:
    """The list parameters as one search, read by the same parser as ``/api/v1`` (its 400s name the
    HSDS parameters): ``search``, ``postcode`` with ``proximity`` (metres), or lat/lon with
    ``radius`` (miles), and taxonomy terms as filters."""
    q = parse_query(args, _tax(), current_app.config, names={"q": "search", "near": "postcode"})
    if q.near and not POSTCODE.match(q.near):
        raise DirectoryError("'postcode' must be a 5-digit ZIP code.", 400, "postcode")
    if q.near and q.lat is not None:
        raise DirectoryError(
            "Give either 'postcode' or 'lat' and 'lon', not both.", 400, "postcode"
        )
    most = current_app.config["MAX_RADIUS"] * METRES_PER_MILE
    proximity = number_param(args, "proximity", float, 1, most)
    radius_given = bool(str(args.get("radius") or "").strip())
    if proximity is not None and radius_given:
        raise DirectoryError(
            "Give either 'proximity' (metres) or 'radius' (miles), not both.", 400, "proximity"
        )
    if (proximity is not None or radius_given) and not q.has_location:
        name = "proximity" if proximity is not None else "radius"
        raise DirectoryError(f"'{name}' needs a place: 'postcode', or 'lat' and 'lon'.", 400, name)
    q = q.with_(near=q.near[:5], filters=_filters(args))
    return q.with_(radius=proximity / METRES_PER_MILE) if proximity is not None else q


def _search(args: Any) -> tuple[list[Provider], int, SearchQuery]:
    """Run the search the list parameters ask for; return the page's providers, total and query."""
    _check_format(args)
    organization = str(args.get("organization_id") or "").strip()
    if organization:
        q = _paging(args)
        others = [name for name in SEARCH_PARAMETERS if str(args.get(name) or "").strip()]
        if others:
            raise DirectoryError(
                f"'organization_id' names one organization; it cannot be combined with "
                f"'{others[0]}'.",
                400,
                "organization_id",
            )
        p = _provider("organization", organization, "organization_id")
        found = [p] if p is not None else []
        return (found if q.page == 1 else []), len(found), q
    q = _query(args)
    res = find_providers(q)
    if res.location_error:  # only a postcode can fail to resolve
        raise DirectoryError(f"Unknown ZIP code {q.near!r}.", 400, "postcode")
    ids = [h.listing.id for h in res.hits]
    by_id = (
        {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
        if ids
        else {}
    )
    return [by_id[i] for i in ids if i in by_id], res.total, q


def _provider_page(render: Callable[[Provider], dict[str, Any]]) -> Any:
    providers, total, q = _search(request.args)
    return json_response(_page([render(p) for p in providers], total, q))


# Endpoints ----------------------------------------------------------------------------------------


@bp.get("/")
def meta():  # type: ignore[no-untyped-def]
    return json_response({"version": "3.0", "openapi_url": OPENAPI_URL}, max_age=3600)


@bp.get("/services")
def services():  # type: ignore[no-untyped-def]
    tax, full = _tax(), flag_param(request.args, "full")
    return _provider_page(
        lambda p: hsds.provider_to_hsds(p, tax) if full else hsds.service_record(p, tax)
    )


@bp.get("/services/<service_id>")
def service(service_id: str):  # type: ignore[no-untyped-def]
    return json_response(hsds.provider_to_hsds(_provider_or_404("service", service_id), _tax()))


@bp.get("/organizations")
def organizations():  # type: ignore[no-untyped-def]
    tax, full, full_service = (
        _tax(),
        flag_param(request.args, "full"),
        flag_param(request.args, "full_service"),
    )
    if full or full_service:
        return _provider_page(lambda p: hsds.organization_to_hsds(p, tax, full_service))
    return _provider_page(hsds.organization_record)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):  # type: ignore[no-untyped-def]
    p = _provider_or_404("organization", organization_id)
    return json_response(
        hsds.organization_to_hsds(p, _tax(), flag_param(request.args, "full_service"))
    )


@bp.get("/service_at_locations")
def service_at_locations():  # type: ignore[no-untyped-def]
    tax, full = _tax(), flag_param(request.args, "full")
    if full:
        return _provider_page(lambda p: hsds.service_at_location_to_hsds(p, tax))
    return _provider_page(lambda p: hsds.service_at_location_record(p, full=False))


@bp.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str):  # type: ignore[no-untyped-def]
    return json_response(
        hsds.service_at_location_to_hsds(_provider_or_404("service_at_location", sal_id), _tax())
    )


@bp.get("/taxonomies")
def taxonomies():  # type: ignore[no-untyped-def]
    _check_format(request.args)
    search = str(request.args.get("search") or "").strip().lower()
    items = [t for t in hsds.taxonomies() if search in f"{t['name']} {t['description']}".lower()]
    return json_response(_static_page(items, request.args), max_age=3600)


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):  # type: ignore[no-untyped-def]
    found = next((t for t in hsds.taxonomies() if t["id"] == taxonomy_id.lower()), None)
    if found is None:
        raise DirectoryError(f"No taxonomy with id {taxonomy_id[:40]!r}.", 404, "id")
    return json_response(found, max_age=3600)


@bp.get("/taxonomy_terms")
def taxonomy_terms():  # type: ignore[no-untyped-def]
    args = request.args
    _check_format(args)
    terms = list(hsds.terms(_tax()).values())
    taxonomy = str(args.get("taxonomy_id") or "").strip().lower()
    if taxonomy:
        terms = [t for t in terms if hsds.taxonomy_id(t.taxonomy) == taxonomy]
    parent = str(args.get("parent_id") or "").strip().lower()
    if parent:
        terms = [t for t in terms if t.parent_id == parent]
    if flag_param(args, "top_only"):
        terms = [t for t in terms if not t.parent_id]
    search = str(args.get("search") or "").strip().lower()
    if search:
        terms = [t for t in terms if search in f"{t.code} {t.name} {t.description}".lower()]
    return json_response(_static_page([t.as_hsds() for t in terms], args), max_age=3600)


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):  # type: ignore[no-untyped-def]
    term = hsds.terms(_tax()).get(term_id.lower())
    if term is None:
        raise DirectoryError(f"No taxonomy term with id {term_id[:40]!r}.", 404, "id")
    return json_response(term.as_hsds(detail=True), max_age=3600)
