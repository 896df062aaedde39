"""A provider as a search result shows it: an immutable snapshot, made once per data version.

Search results, the JSON API and the "nearby" list need the same few fields of each provider,
already shaped for display (address line, type labels, tag keys). Every snapshot holds the listing
of every active provider, read in one query, so a search reads nothing from the database (and keeps
answering when the database is away). Fields are strings, numbers and tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Provider, path_id
from .provenance import date_key, newest_date

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
    kind: str = "facility"  # facility | prescriber
    aliases: tuple[str, ...] = ()  # other names its sources gave ("also listed as")
    dropped_from: str = ""  # the newest national directory's date, when it does not list this place

    @property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)


def address_line(p: Any) -> str:
    """One line: street, city, state and ZIP of a provider, listing or row."""
    street = ", ".join(filter(None, [p.street, p.street2]))
    place = " ".join(filter(None, [f"{p.city}," if p.city else "", p.state, p.zip]))
    return ", ".join(filter(None, [street, place.strip()]))


def dropped_from(p: Any, directory: str) -> str:
    """The date of the newest national directory (``directory``) when it does not list this
    facility: none of its own lists is that new. '' when it is listed, or for a prescriber (the
    directories list facilities only)."""
    if not directory or p.kind == "prescriber":
        return ""
    return directory if date_key(p.last_listed or "") < date_key(directory) else ""


def make_listing(p: Any, tax: Taxonomy, as_of: str | None = None, directory: str = "") -> Listing:
    """The listing of a provider, or of a database row with the provider's columns. ``as_of``: the
    newest source date, when the caller has read it (else from ``p.sources``); ``directory``: the
    newest national directory's date."""
    codes = tuple(sorted(set(p.codes.split())))
    tags = tax.tags(frozenset(codes))
    if as_of is None:
        as_of = newest_date(p.sources) if isinstance(p, Provider) else ""
    return Listing(
        id=p.id,
        public_id=p.public_id,
        path_id=path_id(p.public_id, p.name, p.city or ""),
        name=p.name,
        name2=p.name2 or "",
        street=p.street or "",
        street2=p.street2 or "",
        city=p.city or "",
        state=p.state or "",
        zip=p.zip or "",
        latitude=p.latitude,
        longitude=p.longitude,
        geo_precision=p.geo_precision,
        phones=tuple(dict(ph) for ph in p.phones or ()),
        website=p.website or "",
        codes=codes,
        status=p.status,
        updated=p.updated_at.date().isoformat(),
        as_of=as_of,
        address=address_line(p),
        labels=tuple(o.label for g in CARD_GROUPS for o in tags.get(g, ())),
        tags=tuple((g.key, tuple(o.key for o in tags[g.key])) for g in tax.groups if g.key in tags),
        kind=p.kind or "facility",
        aliases=tuple(a for a in (p.aliases or "").split("\n") if a),
        dropped_from=dropped_from(p, directory),
    )
