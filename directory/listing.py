"""A provider as a search result shows it: an immutable snapshot, made once per data version.

Search results, the JSON API and the "nearby" list need the same few fields of each provider, already
shaped for display (address line, type labels, tag keys). Reading them through the ORM on every search
cost more than the search itself, so each process keeps the listings it has shown in a bounded cache
that lives on the catalog and is dropped with it when an import moves the data version. Fields are
strings, numbers and tuples, so the garbage collector soon stops tracking all but the listing itself.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from .db import db
from .models import Provider, ProviderSource
from .provenance import newest_date

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

CARD_GROUPS = ("type", "setting")  # the labels a result card shows


@dataclass(frozen=True, slots=True)
class Listing:
    id: int
    public_id: str
    path_id: str
    name: str
    name2: str
    street: str
    street2: str
    city: str
    state: str
    zip: str
    latitude: float
    longitude: float
    geo_precision: str
    phones: tuple[dict[str, str], ...]
    website: str
    codes: tuple[str, ...]  # sorted
    status: str
    updated: str  # ISO date: when our record last changed
    as_of: str  # the newest source's own date ("2015", "2025"): how fresh the facts are
    address: str  # one line, as cards and pages print it
    labels: tuple[str, ...]  # type of care and setting, for cards
    tags: tuple[tuple[str, tuple[str, ...]], ...]  # (group, option keys), taxonomy order

    @property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)


def address_line(p: Provider | Listing) -> str:
    street = ", ".join(filter(None, [p.street, p.street2]))
    place = " ".join(filter(None, [f"{p.city}," if p.city else "", p.state, p.zip]))
    return ", ".join(filter(None, [street, place.strip()]))


def make_listing(p: Provider, tax: Taxonomy, as_of: str | None = None) -> Listing:
    """``as_of``: the newest source date, when the caller has read it already (else from ``p.sources``)."""
    tags = tax.tags(p.code_set)
    return Listing(
        id=p.id, public_id=p.public_id, path_id=p.path_id, name=p.name, name2=p.name2 or "",
        street=p.street or "", street2=p.street2 or "", city=p.city or "", state=p.state or "", zip=p.zip or "",
        latitude=p.latitude, longitude=p.longitude, geo_precision=p.geo_precision,
        phones=tuple(dict(ph) for ph in p.phones or ()), website=p.website or "", codes=tuple(sorted(p.code_set)),
        status=p.status, updated=p.updated_at.date().isoformat(), as_of=newest_date(p.sources) if as_of is None else as_of, address=address_line(p),
        labels=tuple(o.label for g in CARD_GROUPS for o in tags.get(g, ())),
        tags=tuple((g.key, tuple(o.key for o in tags[g.key])) for g in tax.groups if g.key in tags),
    )


class ListingCache:
    """Listings by provider primary key for one data version; reads only the ones it lacks, in one query.
    Holds at most ``limit`` listings, forgetting the oldest half when full."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._items: dict[int, Listing] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, pks: Sequence[int], tax: Taxonomy) -> list[Listing]:
        """The listings of ``pks`` in that order (providers no longer in the database are left out)."""
        items = self._items
        found = {pk: items[pk] for pk in pks if pk in items}
        missing = [pk for pk in pks if pk not in found]
        if missing:
            # Newest source date per provider in one query (source dates are ISO-like, so the text maximum
            # is the newest), rather than loading every source record with its data.
            as_of = dict(db.session.execute(
                select(ProviderSource.provider_id, func.max(ProviderSource.source_date))
                .where(ProviderSource.provider_id.in_(missing), ProviderSource.status == "active")
                .group_by(ProviderSource.provider_id)).all())
            fresh = {p.id: make_listing(p, tax, as_of.get(p.id) or "")
                     for p in db.session.scalars(select(Provider).where(Provider.id.in_(missing)))}
            found.update(fresh)
            self._remember(fresh)
        return [found[pk] for pk in pks if pk in found]

    def _remember(self, fresh: dict[int, Listing]) -> None:
        with self._lock:
            if len(self._items) + len(fresh) > self.limit:
                self._items = dict(list(self._items.items())[len(self._items) // 2:])
            self._items.update(fresh)
