"""Shape providers and search results for people (templates) and programs (JSON), from one place."""
from __future__ import annotations

from typing import Any

from flask import url_for

from .models import Provider
from .search.service import SearchResults
from .taxonomy import Group, Option, Taxonomy


def tag_groups(p: Provider, tax: Taxonomy) -> list[tuple[Group, list[Option]]]:
    """The provider's options, grouped and in taxonomy order."""
    tags = tax.tags(p.code_set)
    return [(g, tags[g.key]) for g in tax.groups if g.key in tags]


def filter_panel(tax: Taxonomy, query: Any, results: SearchResults | None
                 ) -> list[tuple[Group, list[tuple[Option, int | None, bool]]]]:
    """The filter groups to show, each with (option, count or None, chosen); options that would give
    nothing are left out unless chosen, and groups with nothing to offer are left out."""
    panel = []
    for g in tax.groups:
        counts = results.facets.get(g.key, {}) if results else {}
        chosen = query.filters.get(g.key, ())
        options = [(o, counts.get(o.key), o.key in chosen) for o in g.options]
        shown = [(o, n, on) for o, n, on in options if on or n is None or n > 0]
        if shown:
            panel.append((g, shown))
    return panel


def card_tags(p: Provider, tax: Taxonomy, groups: tuple[str, ...] = ("type", "setting")) -> list[str]:
    """The few labels a result card shows: type of care and setting."""
    tags = tax.tags(p.code_set)
    return [o.label for g in groups for o in tags.get(g, ())]


def phone_href(phone: dict[str, str]) -> str:
    """A tel: link that dials the extension after a pause."""
    digits = phone["number"].replace("-", "")
    return f"tel:+1{digits}" + (f",{phone['ext']}" if phone.get("ext") else "")


def phone_text(phone: dict[str, str]) -> str:
    return phone["number"] + (f" ext. {phone['ext']}" if phone.get("ext") else "")


def address_line(p: Provider) -> str:
    street = ", ".join(filter(None, [p.street, p.street2]))
    place = " ".join(filter(None, [f"{p.city}," if p.city else "", p.state, p.zip]))
    return ", ".join(filter(None, [street, place.strip()]))


def provider_json(p: Provider, tax: Taxonomy, distance: float | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": p.public_id, "name": p.name, "name2": p.name2 or None, "street": p.street or None,
        "street2": p.street2 or None, "city": p.city or None, "state": p.state or None, "zip": p.zip or None,
        "latitude": p.latitude, "longitude": p.longitude, "location_precision": p.geo_precision,
        "phones": [{"number": ph["number"], "extension": ph.get("ext") or None} for ph in p.phones],
        "website": p.website or None,
        "tags": {g.key: [o.key for o in opts] for g, opts in tag_groups(p, tax)},
        "codes": sorted(p.code_set),
        "url": url_for("web.provider", path_id=p.path_id, _external=True),
        "updated": p.updated_at.date().isoformat(),
        "status": p.status,
    }
    if distance is not None:
        d["distance_miles"] = distance
    return d


def results_json(res: SearchResults, tax: Taxonomy) -> dict[str, Any]:
    q = res.query
    out: dict[str, Any] = {
        "total": res.total, "page": q.page, "per_page": q.per_page, "pages": res.pages, "sort": res.sort,
        "results": [provider_json(h.provider, tax, h.distance) for h in res.hits],
        "facets": res.facets,
        "location": None if res.location is None else {**res.location.as_dict(), "radius_miles": q.radius
                                                         if res.location.precision != "state" else None},
        "did_you_mean": res.did_you_mean,
        "notices": res.notices,
    }
    if res.total == 0:
        s = res.suggestions
        out["suggestions"] = {
            "radius": {"miles": s.radius[0], "total": s.radius[1]} if s.radius else None,
            "drop_filters": [{"group": g, "option": o, "total": n} for g, o, n in s.drop],
            "spelling": s.spelling,
        }
    return out

