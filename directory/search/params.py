"""Search parameters: parsed and checked once, for pages and API alike, with 400s that name the
parameter."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from flask_babel import gettext as _

from ..errors import DirectoryError
from ..taxonomy import Taxonomy

SORTS = ("distance", "relevance", "name")


@dataclass(frozen=True)
class Param:
    """One search parameter: its JSON schema (bounds, choices) and what it means. ``parse_query``
    reads parameters by these declarations and ``openapi.py`` documents them from the same ones."""

    name: str
    schema: dict[str, Any]
    help: str = ""
    repeated: bool = False  # may be given several times (a filter group)


def search_parameters(tax: Taxonomy, config: Mapping[str, Any]) -> dict[str, Param]:
    """Every search parameter, by name, as the pages and ``/api/v1/providers`` read it (declared
    once per taxonomy and limits, not on every request)."""
    limits = ("MAX_QUERY_LENGTH", "MAX_RADIUS", "DEFAULT_RADIUS", "PER_PAGE", "MAX_PER_PAGE")
    key = "search parameters " + " ".join(str(config[k]) for k in limits)
    return tax.derived(key, lambda t: _declare(t, config))  # type: ignore[no-any-return]


def _declare(tax: Taxonomy, config: Mapping[str, Any]) -> dict[str, Param]:
    params = [
        Param(
            "q",
            {"type": "string", "maxLength": config["MAX_QUERY_LENGTH"]},
            "Words, in English or Spanish. A place in them is read as `near` when none is given; "
            'needs ("takes medicaid", "que hablen español") become the filters of the same '
            "name; substances mean places that treat substance use; other words search names and "
            "services (synonyms and small typos understood). `understood` in the answer says how "
            "they were read.",
        ),
        Param(
            "near",
            {"type": "string", "maxLength": 200},
            "A ZIP code, 'City, ST', a state, or 'lat,lon'.",
        ),
        Param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude (with lon)."),
        Param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude (with lat)."),
        Param(
            "radius",
            {
                "type": "number",
                "minimum": 1,
                "maximum": config["MAX_RADIUS"],
                "default": config["DEFAULT_RADIUS"],
            },
            "Miles around the place.",
        ),
        *(
            Param(
                g.key,
                {"type": "array", "items": {"type": "string", "enum": [o.key for o in g.options]}},
                f"{g.label}: any of these (OR); different groups combine with AND.",
                repeated=True,
            )
            for g in tax.groups
        ),
        Param(
            "unlisted",
            {"type": "string", "enum": ["0", "1"]},
            "1: only the places (in the same area and text query) that list no type of care, "
            "filters set aside: what `services_unknown` counts.",
        ),
        Param(
            "sort",
            {"type": "string", "enum": list(SORTS)},
            "Default: distance when a place is given, else relevance.",
        ),
        Param("page", {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1}),
        Param(
            "per_page",
            {"type": "integer", "minimum": 1, "default": config["PER_PAGE"]},
            f"Results per page (more than {config['MAX_PER_PAGE']} is capped).",
        ),
    ]
    return {p.name: p for p in params}


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    near: str = ""
    lat: float | None = None
    lon: float | None = None
    radius: float = 25.0
    filters: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # group key -> option keys (OR)
    sort: str | None = None  # None: distance when a place is given, else relevance
    page: int = 1
    per_page: int = 20
    unlisted: bool = False  # only places that list no type of care (filters set aside)

    @property
    def has_location(self) -> bool:
        return bool(self.near) or self.lat is not None

    def with_(self, **changes: Any) -> SearchQuery:
        return replace(self, **changes)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query as URL parameters (defaults left out), for links that keep the current
        state."""
        q = self.with_(**changes) if changes else self
        out: list[tuple[str, str]] = []
        for key in ("q", "near"):
            if getattr(q, key):
                out.append((key, getattr(q, key)))
        if q.lat is not None and q.lon is not None:
            out += [("lat", f"{q.lat:g}"), ("lon", f"{q.lon:g}")]
        if q.has_location:
            out.append(("radius", f"{q.radius:g}"))
        for group, options in q.filters.items():
            out += [(group, o) for o in options]
        if q.unlisted:
            out.append(("unlisted", "1"))
        if q.sort:
            out.append(("sort", q.sort))
        if q.page != 1:
            out.append(("page", str(q.page)))
        return out

    def url_query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))


def number_param(args: Mapping[str, Any], name: str, kind: type, low: float, high: float) -> Any:
    """A number parameter within [low, high] (None when absent), or a 400 naming it."""
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = kind(str(raw).strip())
    except ValueError:
        message = (
            _("'%(name)s' must be a whole number, not %(value)s.")
            if kind is int
            else _("'%(name)s' must be a number, not %(value)s.")
        )
        raise DirectoryError(
            message % {"name": name, "value": repr(str(raw)[:30])}, 400, name
        ) from None
    if isinstance(value, float) and not math.isfinite(value) or not (low <= value <= high):
        raise DirectoryError(
            _(
                "'%(name)s' must be between %(low)s and %(high)s.",
                name=name,
                low=f"{low:g}",
                high=f"{high:g}",
            ),
            400,
            name,
        )
    return value


def _getlist(args: Any, name: str) -> list[str]:
    if hasattr(args, "getlist"):
        return [v for v in args.getlist(name) if v != ""]
    v = args.get(name)
    return [x for x in (v if isinstance(v, list) else [v]) if x not in (None, "")]


def text_param(args: Mapping[str, Any], name: str, limit: int) -> str:
    """A text parameter, stripped, at most ``limit`` characters, or a 400 naming it."""
    value = str(args.get(name) or "").strip()
    if len(value) > limit:
        raise DirectoryError(
            _("'%(name)s' is too long: at most %(limit)s characters.", name=name, limit=limit),
            400,
            name,
        )
    return value


def flag_param(args: Mapping[str, Any], name: str) -> bool:
    """A yes/no parameter (1, true, yes / 0, false, no; absent is no), or a 400 naming it."""
    raw = str(args.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise DirectoryError(_("'%(name)s' must be true or false (1 or 0).", name=name), 400, name)


def parse_query(
    args: Any, tax: Taxonomy, config: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> SearchQuery:
    """Parse request arguments (a MultiDict or a plain dict) into a SearchQuery, or raise a 400.
    ``names``: other names for ``q`` and ``near`` (HSDS calls them ``search`` and ``postcode``)."""
    names = names or {}
    decl = search_parameters(tax, config)

    def bounded(name: str, kind: type, high: float | None = None) -> Any:
        schema = decl[name].schema
        return number_param(args, name, kind, schema["minimum"], high or schema["maximum"])

    q = text_param(args, names.get("q", "q"), decl["q"].schema["maxLength"])
    near = text_param(args, names.get("near", "near"), decl["near"].schema["maxLength"])
    lat = bounded("lat", float)
    lon = bounded("lon", float)
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise DirectoryError(
            _("'%(name)s' is needed too: give both 'lat' and 'lon'.", name=missing), 400, missing
        )
    radius = bounded("radius", float)
    filters: dict[str, tuple[str, ...]] = {}
    for group in tax.groups:
        chosen = _getlist(args, group.key)
        unknown = [c for c in chosen if group.option(c) is None]
        if unknown:
            choices = ", ".join(o.key for o in group.options)
            raise DirectoryError(
                _(
                    "'%(name)s' has no option %(value)s; choose from: %(choices)s.",
                    name=group.key,
                    value=repr(unknown[0][:40]),
                    choices=choices,
                ),
                400,
                group.key,
            )
        if chosen:
            filters[group.key] = tuple(dict.fromkeys(chosen))
    sort = str(args.get("sort") or "").strip() or None
    if sort is not None and sort not in decl["sort"].schema["enum"]:
        raise DirectoryError(
            _("'%(name)s' must be one of: %(choices)s.", name="sort", choices=", ".join(SORTS)),
            400,
            "sort",
        )
    unlisted = flag_param(args, "unlisted")
    page = bounded("page", int) or 1
    # Any size is accepted and capped, as documented.
    per_page = min(
        bounded("per_page", int, 1_000_000) or config["PER_PAGE"], config["MAX_PER_PAGE"]
    )
    return SearchQuery(
        q=q,
        near=near,
        lat=lat,
        lon=lon,
        radius=radius or float(config["DEFAULT_RADIUS"]),
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        unlisted=unlisted,
    )
