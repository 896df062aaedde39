"""Shape providers and search results for people (templates) and programs (JSON), from one place."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext

from .listing import Listing, address_line, make_listing
from .models import Provider, directory_date
from .normalize import phone_text
from .provenance import PRECISION_RANK, contributions, effective_codes, licences
from .search.service import Hit, SearchResults
from .search.snapshot import snapshot
from .taxonomy import Group, Option, Taxonomy

__all__ = [
    "address_line",
    "filter_panel",
    "filters_in_force",
    "phone_href",
    "phone_text",
    "provider_detail_json",
    "provider_json",
    "provider_urls",
    "results_json",
    "service_sources",
    "source_title",
    "tag_groups",
    "words_in_force",
]


def tag_groups(p: Provider, tax: Taxonomy) -> list[tuple[Group, list[Option]]]:
    """The provider's options, grouped and in taxonomy order."""
    tags = tax.tags(p.code_set)
    return [(g, tags[g.key]) for g in tax.groups if g.key in tags]


def filter_panel(
    tax: Taxonomy, query: Any, results: SearchResults | None
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


def filters_in_force(tax: Taxonomy, query: Any, search_url: str) -> list[tuple[str, str, str]]:
    """Every chosen filter option as (group label, option label, address of the search without it),
    labels in the page's language."""
    out = []
    for group, options in query.filters.items():
        g = tax.group(group)
        if g is None:
            continue
        for key in options:
            option = g.option(key)
            if option is None:
                continue
            filters = {k: v for k, v in query.filters.items() if k != group}
            rest = tuple(o for o in options if o != key)
            if rest:
                filters[group] = rest
            href = f"{search_url}?{query.url_query(filters=filters, page=1)}"
            out.append((gettext(g.label), gettext(option.label), href))
    return out


def phone_href(phone: dict[str, str]) -> str:
    """A tel: link that dials the extension after a pause."""
    digits = phone["number"].replace("-", "")
    return f"tel:+1{digits}" + (f",{phone['ext']}" if phone.get("ext") else "")


def provider_urls(path_ids: list[str], external: bool = False) -> list[str]:
    """The page address of each provider, building the route once rather than once per provider."""
    head, tail = url_for("web.provider", path_id="PATH-ID", _external=external).rsplit("PATH-ID", 1)
    return [f"{head}{pid}{tail}" for pid in path_ids]


def provider_json(
    p: Provider | Listing, tax: Taxonomy, distance: float | None = None, url: str | None = None
) -> dict[str, Any]:
    """One provider as the API gives it (``url``: its page, when the caller has built it
    already)."""
    listing = p if isinstance(p, Listing) else make_listing(p, tax, directory=directory_date())
    d = _listing_json(listing)
    d["url"] = url or provider_urls([listing.path_id], external=True)[0]
    if distance is not None:
        d["distance_miles"] = distance
    return d


def _listing_json(listing: Listing) -> dict[str, Any]:
    """A listing's fields as the API gives them, but for its page address (``url``, a
    placeholder here: it depends on the host asked) and distance."""
    return {
        "id": listing.public_id,
        "name": listing.name,
        "name2": listing.name2 or None,
        "street": listing.street or None,
        "street2": listing.street2 or None,
        "city": listing.city or None,
        "state": listing.state or None,
        "zip": listing.zip or None,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "location_precision": listing.geo_precision,
        "kind": listing.kind,
        "also_listed_as": list(listing.aliases),
        "not_in_directory": listing.dropped_from or None,
        "phones": [
            {
                "number": ph["number"],
                "extension": ph.get("ext") or None,
                "kind": ph.get("kind") or "main",
            }
            for ph in listing.phones
        ],
        "website": listing.website or None,
        "tags": {group: list(keys) for group, keys in listing.tags},
        "codes": list(listing.codes),
        "url": None,
        "updated": listing.updated,
        "as_of": listing.as_of or None,
        "status": listing.status,
    }


def _result_json(
    shaped: dict[int, tuple[Listing, dict[str, Any]]], hit: Hit, url: str
) -> dict[str, Any]:
    """One result, from its listing's fields shaped once per snapshot (``shaped``, by id; a
    listing of another snapshot, searched just before a swap, is shaped afresh)."""
    known = shaped.get(hit.listing.id)
    if known is None or known[0] is not hit.listing:
        known = (hit.listing, _listing_json(hit.listing))
        shaped.setdefault(hit.listing.id, known)
    d = known[1].copy()  # the copy is this answer's; the lists inside are only read
    d["url"] = url
    if hit.distance is not None:
        d["distance_miles"] = hit.distance
    return d


def results_json(res: SearchResults, tax: Taxonomy) -> dict[str, Any]:
    q = res.query
    shaped = snapshot().lazily("api-json", lambda _: {})
    out: dict[str, Any] = {
        "total": res.total,
        "page": q.page,
        "per_page": q.per_page,
        "pages": res.pages,
        "sort": res.sort,
        "results": [
            _result_json(shaped, h, url)
            for h, url in zip(
                res.hits, provider_urls([h.listing.path_id for h in res.hits], external=True)
            )
        ],
        "facets": res.facets,
        "location": None
        if res.location is None
        else {
            **res.location.as_dict(),
            "radius_miles": q.radius if res.location.precision != "state" else None,
        },
        "did_you_mean": res.did_you_mean,
        "notices": res.notices,
        "services_unknown": res.services_unknown,
        "understood": res.understood.as_dict() if res.understood is not None else None,
    }
    if res.total == 0 or res.suggestions.finds_nothing:
        s = res.suggestions
        out["suggestions"] = {
            "radius": {"miles": s.radius[0], "total": s.radius[1]} if s.radius else None,
            "drop_filters": [{"group": g, "option": o, "total": n} for g, o, n in s.drop],
            "spelling": s.spelling,
            "finds_nothing": [{"group": g, "option": o} for g, o in s.finds_nothing],
        }
    return out


def words_in_force(res: SearchResults, search_url: str) -> list[tuple[str, str]]:
    """Each substance the words named as (its words, address of the search without them): a chip
    like a filter's."""
    u = res.understood
    if u is None:
        return []
    return [
        (words, f"{search_url}?{res.query.url_query(q=u.kept_without(words), page=1)}")
        for words in dict.fromkeys(w for _, w in u.substances)
    ]


def provider_detail_json(p: Provider, tax: Taxonomy, labels: dict[str, str]) -> dict[str, Any]:
    """One provider with where each fact comes from: its sources (name, as-of date, what each gives)
    and its state licences."""
    d = provider_json(p, tax)
    d["sources"] = [
        {
            "name": c.source,
            "label": gettext(labels[c.source]) if c.source in labels else None,
            "as_of": c.as_of or None,
            "role": c.role,
            "services": list(c.codes),
            "overruled": list(c.overruled),
            "fields": list(c.fields),
        }
        for c in contributions(p.sources, PRECISION_RANK)
    ]
    d["licences"] = licences(p.sources)
    return d


def service_sources(
    p: Provider, tax: Taxonomy, labels: dict[str, str]
) -> dict[tuple[str, str], list[str]]:
    """For each (group, option) the provider shows, who reports it: ['SAMHSA … (2025)', …]."""
    out: dict[tuple[str, str], list[str]] = {}
    for code, records in effective_codes(p.sources).items():
        for g, opts in tax.tags({code}).items():
            for o in opts:
                names = out.setdefault((g, o.key), [])
                for r in records:
                    name = source_title(r.source, r.source_date, labels)
                    if name not in names:
                        names.append(name)
    return out


def source_title(source: str, as_of: str, labels: dict[str, str]) -> str:
    """A source as pages name it, in the page's language, with its year: 'SAMHSA … (2025)' (the
    year once, when the label has it already)."""
    label, year = gettext(labels.get(source, source)), (as_of or "")[:4]
    return f"{label} ({year})" if year and year not in label else label
