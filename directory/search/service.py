"""The one function that answers every search: ``find_providers(query) -> SearchResults``.

Text matching (``matching.py``) and location (the catalog's KD-tree) each give a set of catalog rows
of the current snapshot; they are intersected, filtered by tags (OR within a group, AND across
groups), counted for facets, sorted and paged. Nothing is read from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from flask import current_app
from flask_babel import gettext as _

from ..geocode import Place
from ..i18n import current_language
from ..listing import Listing
from ..models import Provider
from ..taxonomy import Taxonomy
from .catalog import Catalog
from .matching import TextMatch
from .needs import Understood, substance_rows
from .params import SearchQuery
from .place import locate, understand
from .snapshot import Snapshot, snapshot
from .suggest import (
    WIDER_RADII,
    Suggestions,
    finding_nothing,
    wider_radius,
    without_filters,
    without_words,
)
from .text import words_of
from .textindex import IndexUnavailable
from .understand import Reading, exact_name_rows, name_rows, read_needs, read_words_of


@dataclass
class Hit:
    listing: Listing
    distance: float | None


@dataclass
class SearchResults:
    query: SearchQuery  # as searched: a place read from the words is in ``near``
    sort: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    location: Place | None = None
    choices: list[Place] = field(
        default_factory=list
    )  # when a place name is ambiguous or misspelled
    location_error: str = ""  # why there is no place
    location_note: str = ""  # which of several places was chosen
    read_as: Reading | None = None  # the words were read as words plus a place
    understood: Understood | None = None  # what the words say: needs, substances, name words
    did_you_mean: str | None = None
    dropped: tuple[str, ...] = ()  # words no listing holds, left out of the search
    # words no listing in this place holds: the search is without
    dropped_here: tuple[str, ...] = ()
    suggestions: Suggestions = field(default_factory=Suggestions)
    notices: list[str] = field(default_factory=list)  # things the searcher should know
    # Places in the same area and text query that list no type of care and so are not in these
    # results (a filter cannot see them): "31 more places nearby haven't listed their services".
    services_unknown: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def _taxonomy() -> Taxonomy:
    return current_app.extensions["taxonomy"]  # type: ignore[no-any-return]


def resolve_location(q: SearchQuery) -> tuple[Place | None, list[Place], str]:
    """Return (place, choices, error message) for the query's lat/lon or place text."""
    located = locate(q)
    return located.place, located.choices, "" if located.place else located.message


def _text_match(q: SearchQuery, snap: Snapshot, notices: list[str]) -> TextMatch | None:
    """The rows matching the query's name words (None: no text to match); names only, and a notice,
    while the text index is unavailable."""
    text = read_words_of(q, snap, current_language()).name_text if q.q else ""
    if not text:
        return None
    try:
        return snap.text.match(text, current_language())
    except IndexUnavailable as e:  # a missing or corrupt index must not take searching down with it
        current_app.logger.error("full-text index unavailable: %s", str(e)[:200])
        notice = _("Full-text search is being repaired: matching names only for now.")
        if notice not in notices:
            notices.append(notice)
        return snap.text.by_name(text)


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
    return cat.has_type[rows]


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
    # Groups without a filter of their own all count over the fully filtered rows: count those once.
    shared = cat.option_counts(rows[_all_but(masks, None, len(rows))])
    out: dict[str, dict[str, int]] = {}
    for g in tax.groups:
        columns = tax.group_columns(g.key)
        if g.key in masks:
            counts = cat.option_counts(rows[_all_but(masks, g.key, len(rows))], columns)
        else:
            counts = shared[columns]
        out[g.key] = {o.key: int(c) for o, c in zip(g.options, counts)}
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


@dataclass
class _Found:
    """The rows a search selects, before sorting and paging."""

    match: TextMatch | None
    candidates: np.ndarray  # rows passing text and place, before the filters
    masks: dict[str, np.ndarray]  # per filtered group, which candidates pass it
    keep: np.ndarray  # which candidates the search shows
    dist: np.ndarray | None  # distances of the candidates


def _find(q: SearchQuery, snap: Snapshot, place: Place | None, notices: list[str]) -> _Found:
    cat = snap.catalog
    match = _text_match(q, snap, notices)
    text_mask = None
    if match is not None and match.rows is not None:
        text_mask = np.zeros(len(cat), dtype=bool)
        text_mask[match.rows] = True
    if q.q and read_words_of(q, snap, current_language()).treats_substance_use:
        treats = snap.lazily(
            "substance", lambda s: substance_rows(s.text.fields["codes"], len(s.catalog))
        )
        text_mask = treats if text_mask is None else text_mask & treats
    rows, dist = _candidates(q, cat, place, q.radius, text_mask)
    masks = _group_masks(q, cat, rows)
    if q.unlisted:  # only the places that list no type of care: what the filters could not see
        keep = ~_has_type(cat, rows)
    else:
        keep = _all_but(masks, None, len(rows))
    return _Found(match, rows, masks, keep, dist)


def _sort(q: SearchQuery, place: Place | None) -> str:
    near = place is not None and place.precision != "state"
    sort = q.sort or ("distance" if near else "relevance")
    if sort == "distance" and not near:
        sort = "relevance" if q.q else "name"
    if sort == "relevance" and not q.q:
        sort = "distance" if near else "name"
    return sort


def find_providers(q: SearchQuery) -> SearchResults:
    """Answer one search: text, place and filters together, with facets and suggestions."""
    snap = snapshot()
    q, reading = understand(q)
    q, understood = read_needs(q, snap, current_language())
    if reading is not None:
        understood = replace(understood, place=reading.place)
    located = locate(q)
    place = located.place
    res = SearchResults(
        query=q,
        sort=_sort(q, place),
        location=place,
        choices=located.choices,
        read_as=reading,
        understood=understood,
    )
    if place is None and located.message:
        res.location_error = located.message
        return res
    res.location_note = located.message
    if current_app.extensions["snapshots"].offline:
        res.notices.append(
            _(
                "Some details may be out of date for a few minutes: we are reconnecting "
                "to our database."
            )
        )
    found = _find(q, snap, place, res.notices)
    cat, match = snap.catalog, found.match
    res.did_you_mean = understood.corrected or (match.corrected if match is not None else None)
    res.dropped = understood.ignored + (match.dropped if match is not None else ())
    res.facets = _facets(cat, found.candidates, found.masks)
    if not q.unlisted:
        res.services_unknown = int((~found.keep & ~_has_type(cat, found.candidates)).sum())
    rows = found.candidates[found.keep]
    dist = found.dist[found.keep] if found.dist is not None else None
    res.total = len(rows)
    if res.total == 0 and q.q and (place is not None or q.filters):
        suggestions = _suggest(q, snap, place, res.did_you_mean)
        if suggestions.without_words and not suggestions.words:
            # Nothing here mentions the words at all, but the place and filters find care: show
            # that, and say why, rather than end in nothing ("ketamine" near Denver, from its
            # guide). A substance still means places that treat substance use.
            kept = understood.substance_text
            broader = find_providers(q.with_(q=kept if kept != q.q else ""))
            broader.query = q
            broader.dropped_here = understood.name_words or tuple(words_of(q.q))
            broader.read_as, broader.notices = res.read_as, res.notices + broader.notices
            broader.understood = understood
            return broader
        res.suggestions = suggestions
    if res.total == 0 and understood.needs and place is not None:
        return _nearest_with_needs(res, snap, place)
    if res.total == 0:
        if not res.suggestions:
            res.suggestions = _suggest(q, snap, place, res.did_you_mean)
        return res
    named = _named(snap, understood)
    exact = exact_name_rows(snap, understood.text) if named is not None else None
    _page(res, snap, rows, dist, match, named, exact)
    return res


def _named(snap: Snapshot, understood: Understood) -> np.ndarray | None:
    """Rows the words name, when they may name a provider ("Lakeland Centers"): shown first."""
    words = understood.text
    if understood.soft:
        words = " ".join((*understood.name_words, *understood.soft))
    if understood.name_words or understood.soft or not (understood.needs or understood.substances):
        try:
            return name_rows(snap, words)
        except IndexUnavailable:  # names first is a nicety: the text match said what it could
            return None
    return None


def _nearest_with_needs(res: SearchResults, snap: Snapshot, place: Place) -> SearchResults:
    """Needs said in words that together find nothing here: the nearest places that meet them
    all, farther away, saying which need finds nothing; else what to try, with counts."""
    q = res.query
    s = res.suggestions or _suggest(q, snap, place, res.did_you_mean)
    tax = _taxonomy()
    missing = [
        _("No place within %(miles)s miles lists “%(need)s”.", miles=f"{q.radius:g}", need=label)
        for g, o in s.finds_nothing
        if (label := _option_label(tax, g, o))
    ]
    if s.radius is None or place.precision == "state":
        res.suggestions = s
        res.notices += missing
        return res
    wider = find_providers(q.with_(radius=s.radius[0]))
    wider.notices = [
        _(
            "No place within %(miles)s miles has all of that, so these are the nearest places "
            "that do, within %(wider)s miles.",
            miles=f"{q.radius:g}",
            wider=f"{s.radius[0]:g}",
        ),
        *missing,
        *res.notices,
        *wider.notices,
    ]
    wider.read_as, wider.understood = res.read_as, res.understood
    wider.suggestions = s
    return wider


def _option_label(tax: Taxonomy, group: str, option: str) -> str:
    g = tax.group(group)
    o = g.option(option) if g is not None else None
    return _(o.label) if o is not None else ""


def _page(
    res: SearchResults,
    snap: Snapshot,
    rows: np.ndarray,
    dist: np.ndarray | None,
    match: TextMatch | None,
    named: np.ndarray | None = None,
    exact: np.ndarray | None = None,
) -> None:
    """Sort the rows and put the listings of the asked-for page in ``res.hits``; rows the words
    name (``named``) come first unless a sort was asked for, and before them the rows whose whole
    name the words are (``exact``), even a place the newest directory no longer lists."""
    q, cat = res.query, snap.catalog
    if res.sort == "relevance" and match is not None and match.scores is not None:
        secondary = dist if dist is not None else cat.name_rank[rows].astype(np.float64)
        scores = np.zeros(len(cat), dtype=np.float32)  # by row: cheaper than looking each one up
        scores[match.rows] = match.scores
        # Places the newest national directory no longer lists come after the others that match
        # as well.
        keys: tuple[np.ndarray, ...] = (secondary, cat.dropped[rows], -scores[rows])
    elif res.sort == "distance" and dist is not None:
        keys = (cat.name_rank[rows], dist, cat.dropped[rows])
    else:
        keys = (cat.name_rank[rows], cat.dropped[rows])
    if named is not None and len(named) and q.sort is None and res.sort != "relevance":
        keys = (*keys, ~np.isin(rows, named))  # relevance already puts name matches first
    if exact is not None and len(exact) and q.sort is None:
        keys = (*keys, ~np.isin(rows, exact))
    page = _page_order(keys, (q.page - 1) * q.per_page, q.per_page)
    page_dist = dist[page].tolist() if dist is not None else [None] * len(page)
    for row, d in zip(rows[page].tolist(), page_dist):
        res.hits.append(Hit(snap.listings[row], round(float(d), 1) if d is not None else None))


def widest_radius() -> float:
    return float(current_app.config["MAX_RADIUS"])


def _suggest(
    q: SearchQuery, snap: Snapshot, place: Place | None, corrected: str | None
) -> Suggestions:
    """What to try when nothing matched, each with the results it would give."""

    def count(other: SearchQuery) -> int:
        found = _find(other, snap, place, [])
        return int(found.keep.sum())

    s = Suggestions(spelling=corrected)
    if place is not None and place.precision != "state":
        widest = widest_radius()
        found = _find(q.with_(radius=widest), snap, place, [])  # once, at the widest radius
        assert found.dist is not None
        s.radius = wider_radius(q, widest, found.dist[found.keep])
    s.drop = without_filters(q, count)
    s.finds_nothing = finding_nothing(q, count)
    s.words, s.without_words = without_words(q, count)
    if not (s.radius or s.drop or s.words or s.without_words) and place is not None:
        # Nothing near matches any part of it: the same kind of care farther away, without the
        # words; else the nearest places of any kind. Still a next step that finds something.
        radii = [q.radius, *(r for r in WIDER_RADII if q.radius < r <= widest_radius())]
        for other in (q.with_(q=""), q.with_(q="", filters={}, unlisted=False)):
            found = next(((r, n) for r in radii if (n := count(other.with_(radius=r)))), None)
            if found is not None:
                s.broader = (float(found[0]), found[1], bool(other.filters))
                break
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
    """Build this process's snapshot, gazetteer and word lists before the first visitor needs
    them."""
    from ..geocode import gazetteer
    from .needs import common_words

    gazetteer()
    snapshot()
    common_words()
