"""The one function that answers every search: ``find_providers(query) -> SearchResults``.

Text matching (``matching.py``) and location (the catalog's KD-tree) each give a set of catalog rows
of the current snapshot; they are intersected, filtered by tags (OR within a group, AND across
groups), counted for facets, sorted and paged. Nothing is read from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from flask import current_app

from ..geocode import Place, resolver
from ..listing import Listing
from ..models import Provider
from ..taxonomy import Taxonomy
from .catalog import Catalog
from .matching import TextMatch
from .params import SearchQuery
from .snapshot import Snapshot, snapshot
from .textindex import IndexUnavailable

WIDER_RADII = (10, 25, 50, 100, 150, 250)


@dataclass
class Hit:
    listing: Listing
    distance: float | None


@dataclass
class Suggestions:
    radius: tuple[float, int] | None = None  # (miles, results there)
    drop: list[tuple[str, str, int]] = field(
        default_factory=list
    )  # (group, option, results without it)
    spelling: str | None = None

    def __bool__(self) -> bool:
        return bool(self.radius or self.drop or self.spelling)


@dataclass
class SearchResults:
    query: SearchQuery
    sort: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    location: Place | None = None
    choices: list[Place] = field(default_factory=list)  # when a place name is ambiguous
    location_error: str = ""
    did_you_mean: str | None = None
    suggestions: Suggestions = field(default_factory=Suggestions)
    notices: list[str] = field(
        default_factory=list
    )  # things the searcher should know (degraded service)
    # Places in the same area and text query that list no type of care and so are not in these results
    # (a filter cannot see them): "31 more places nearby haven't listed their services".
    services_unknown: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def _taxonomy() -> Taxonomy:
    return current_app.extensions["taxonomy"]  # type: ignore[no-any-return]


def catalog() -> Catalog:
    """The current snapshot's catalog."""
    return snapshot().catalog


def resolve_location(q: SearchQuery) -> tuple[Place | None, list[Place], str]:
    """Return (place, choices, error message) for the query's lat/lon or place text."""
    if q.lat is not None and q.lon is not None:
        return Place(f"{q.lat:.3f}, {q.lon:.3f}", q.lat, q.lon, "point"), [], ""
    if not q.near:
        return None, [], ""
    places = resolver().resolve(q.near)
    if len(places) == 1:
        return places[0], [], ""
    if places:
        return (
            None,
            places,
            f"There is more than one place called {q.near!r}. Which one did you mean?",
        )
    return (
        None,
        [],
        (
            f"We could not find the place {q.near!r}. Try a 5-digit ZIP code or a city and state, "
            "like 'Waterbury, CT'."
        ),
    )


def _text_match(q: SearchQuery, snap: Snapshot, res: SearchResults) -> TextMatch | None:
    """The rows matching the query's text (None: no text to match); names only, and a notice, while the
    text index is unavailable."""
    if not q.q:
        return None
    try:
        return snap.text.match(q.q)
    except IndexUnavailable as e:  # a missing or corrupt index must not take searching down with it
        current_app.logger.error("full-text index unavailable: %s", str(e)[:200])
        res.notices.append("Full-text search is being repaired: matching names only for now.")
        return snap.text.by_name(q.q)


def _group_masks(q: SearchQuery, cat: Catalog, rows: np.ndarray) -> dict[str, np.ndarray]:
    """For each filtered group, which of ``rows`` have at least one chosen option."""
    tax = _taxonomy()
    columns = {(o.group, o.key): j for j, o in enumerate(tax.options)}
    masks = {}
    for group, options in q.filters.items():
        cols = [columns[(group, o)] for o in options]
        masks[group] = cat.tags[np.ix_(rows, cols)].any(axis=1)
    return masks


def _has_type(cat: Catalog, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``, whether it lists at least one type of care."""
    return cat.tags[rows, _taxonomy().group_columns("type")].any(axis=1)


def _all_but(masks: dict[str, np.ndarray], skip: str | None, n: int) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    for group, m in masks.items():
        if group != skip:
            keep &= m
    return keep


def _facets(
    cat: Catalog, rows: np.ndarray, masks: dict[str, np.ndarray]
) -> dict[str, dict[str, int]]:
    """Counts per option: what each option would give with the other groups' filters applied."""
    tax = _taxonomy()
    # Groups without a filter of their own all count over the fully filtered rows: sum those once.
    everything = rows[_all_but(masks, None, len(rows))]
    shared = (
        cat.tags[everything].sum(axis=0)
        if len(everything)
        else np.zeros(cat.tags.shape[1], dtype=int)
    )
    out: dict[str, dict[str, int]] = {}
    j = 0
    for g in tax.groups:
        width = len(g.options)
        if g.key in masks:
            base = rows[_all_but(masks, g.key, len(rows))]
            counts = (
                cat.tags[base, j : j + width].sum(axis=0)
                if len(base)
                else np.zeros(width, dtype=int)
            )
        else:
            counts = shared[j : j + width]
        out[g.key] = {o.key: int(c) for o, c in zip(g.options, counts)}
        j += width
    return out


def _candidates(
    q: SearchQuery, cat: Catalog, place: Place | None, radius: float, text_mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows passing text and location (before tag filters), with distances when a place is given.
    ``text_mask``: one flag per catalog row, set where the text matched (None: no text)."""
    if place is not None and place.precision == "state":
        rows = np.flatnonzero(cat.states == place.state)
        dist = None
    elif place is not None:
        rows, dist = cat.within(place.latitude, place.longitude, radius)
    else:
        rows, dist = np.arange(len(cat), dtype=np.int64), None
    if text_mask is not None:
        keep = text_mask[rows]
        rows = rows[keep]
        dist = dist[keep] if dist is not None else None
    return rows, dist


def _page_order(keys: tuple[np.ndarray, ...], start: int, size: int) -> np.ndarray:
    """Indices of one page of rows ordered by ``keys`` (last key first, as np.lexsort), sorting only
    as much as the page needs."""
    n = len(keys[0])
    end = min(start + size, n)
    if start >= n:
        return np.empty(0, dtype=np.int64)
    primary = keys[-1]
    if end < n // 4:
        # Everything tied with the page's last primary value may belong on the page: keep all of it.
        cutoff = np.partition(primary, end - 1)[end - 1]
        candidates = np.flatnonzero(primary <= cutoff)
        order = candidates[np.lexsort(tuple(k[candidates] for k in keys))]
    else:
        order = np.lexsort(keys)
    return order[start:end]


def find_providers(q: SearchQuery) -> SearchResults:
    """Answer one search: text, place and filters together, with facets and suggestions."""
    snap = snapshot()
    cat = snap.catalog
    place, choices, error = resolve_location(q)
    sort = q.sort or (
        "distance" if place is not None and place.precision != "state" else "relevance"
    )
    if sort == "distance" and (place is None or place.precision == "state"):
        sort = "relevance" if q.q else "name"
    if sort == "relevance" and not q.q:
        sort = "distance" if place is not None and place.precision != "state" else "name"
    res = SearchResults(query=q, sort=sort, location=place, choices=choices, location_error=error)
    if error:
        return res
    if current_app.extensions["snapshots"].offline:
        res.notices.append(
            "Some details may be out of date for a few minutes: we are reconnecting to our "
            "database."
        )
    match = _text_match(q, snap, res)
    text_mask = None
    if match is not None:
        text_mask = np.zeros(len(cat), dtype=bool)
        text_mask[match.rows] = True
    res.did_you_mean = match.corrected if match is not None else None
    rows, dist = _candidates(q, cat, place, q.radius, text_mask)
    candidates = rows
    masks = _group_masks(q, cat, rows)
    res.facets = _facets(cat, rows, masks)
    keep = _all_but(masks, None, len(rows))
    if q.unlisted:  # only the places that list no type of care: what the filters could not see
        keep = ~_has_type(cat, rows)
    else:
        res.services_unknown = int((~keep & ~_has_type(cat, rows)).sum())
    rows = rows[keep]
    dist = dist[keep] if dist is not None else None
    res.total = len(rows)

    start = (q.page - 1) * q.per_page
    if sort == "relevance" and match is not None and match.scores is not None:
        secondary = dist if dist is not None else cat.name_rank[rows].astype(np.float64)
        keys = (secondary, -match.scores_of(rows))
    elif sort == "distance" and dist is not None:
        keys = (cat.name_rank[rows], dist)
    else:
        keys = (cat.name_rank[rows],)
    page = _page_order(keys, start, q.per_page)
    page_rows = rows[page]
    page_dist = dist[page].tolist() if dist is not None else [None] * len(page)
    for row, d in zip(page_rows.tolist(), page_dist):
        res.hits.append(Hit(snap.listings[row], round(float(d), 1) if d is not None else None))
    if res.total == 0:
        res.suggestions = _suggest(q, cat, place, text_mask, candidates, res.did_you_mean)
    return res


def _suggest(
    q: SearchQuery,
    cat: Catalog,
    place: Place | None,
    text_mask: np.ndarray | None,
    candidates: np.ndarray,
    corrected: str | None,
) -> Suggestions:
    """What to try when nothing matched: a wider radius, a filter to drop, a spelling.
    ``candidates``: the rows that passed text and place, before the filters."""
    s = Suggestions(spelling=corrected)
    max_radius = current_app.config["MAX_RADIUS"]
    wider = [r for r in WIDER_RADII if q.radius < r <= max_radius]
    if place is not None and place.precision != "state" and wider:
        rows, dist = _candidates(q, cat, place, wider[-1], text_mask)  # once, at the widest radius
        assert dist is not None
        dist = dist[_all_but(_group_masks(q, cat, rows), None, len(rows))]
        for r in wider:
            n = int((dist <= r).sum())
            if n:
                s.radius = (float(r), n)
                break
    for group, options in q.filters.items():
        for option in options:
            rest = tuple(o for o in options if o != option)
            filters = {g: o for g, o in q.filters.items() if g != group}
            if rest:
                filters[group] = rest
            masks = _group_masks(q.with_(filters=filters), cat, candidates)
            n = int(_all_but(masks, None, len(candidates)).sum())
            if n:
                s.drop.append((group, option, n))
    return s


def nearby(provider: Provider, limit: int = 5) -> list[Hit]:
    """The closest other active providers sharing a type of care with ``provider``."""
    tax = _taxonomy()
    types = [o.key for o in tax.tags(provider.code_set).get("type", [])]
    q = SearchQuery(
        lat=provider.latitude,
        lon=provider.longitude,
        radius=float(current_app.config["MAX_RADIUS"]),
        filters={"type": tuple(types)} if types else {},
        per_page=limit + 1,
    )
    hits = [h for h in find_providers(q).hits if h.listing.id != provider.id]
    return hits[:limit]


def warm_up() -> None:
    """Build this process's snapshot and gazetteer before the first visitor needs them."""
    from ..geocode import gazetteer

    gazetteer()
    snapshot()
