"""A family's call list: the places they mean to call, named by public ids in the address.

The server keeps nothing: ``/list?ids=a,b,c`` names the places, and everything a family writes about
their calls stays in the browser (``static/calllist.js``). Without JavaScript the list rides along
in the address: a search keeps it in ``list``, and every card's save link adds its own id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from .errors import DirectoryError
from .listing import Listing
from .search.snapshot import Snapshot, snapshot
from .taxonomy import Taxonomy

MAX_PLACES = 30  # a call list longer than this is no longer a list of calls
COMPARE = (2, 4)  # how many places fit side by side
COMPARE_GROUPS = ("type", "payment", "medication")  # the table's rows, before phone and distance
_ID = re.compile(r"^[a-z0-9]{1,16}$")  # a provider's public id (models.Provider.public_id)


def parse_ids(args: Mapping[str, Any], name: str, strict: bool = True) -> list[str]:
    """The ids in ``name`` (comma-separated, or repeated), in order, each once; a 400 naming the
    parameter when one is not an id or there are more than MAX_PLACES. ``strict=False`` drops
    what is wrong instead (for the count in the navigation)."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
    ids: list[str] = []
    for value in values:
        for raw in str(value).split(","):
            item = raw.strip().lower()
            if not item:
                continue
            if not _ID.match(item):
                if not strict:
                    continue
                raise DirectoryError(
                    _(
                        "'%(name)s' must be listing ids separated by commas; %(value)s is not one.",
                        name=name,
                        value=repr(raw.strip()[:40]),
                    ),
                    400,
                    name,
                )
            if item not in ids:
                ids.append(item)
    if len(ids) > MAX_PLACES:
        if not strict:
            return ids[:MAX_PLACES]
        raise DirectoryError(
            _("'%(name)s' can name at most %(limit)s places.", name=name, limit=MAX_PLACES),
            400,
            name,
        )
    return ids


def _by_public_id(snap: Snapshot) -> dict[str, Listing]:
    return {listing.public_id: listing for listing in snap.listings}


def find_places(ids: list[str]) -> tuple[list[Listing], list[str]]:
    """The listed places these ids name, in the list's order, and the ids no longer listed."""
    listed = snapshot().lazily("calllist.by_public_id", _by_public_id)
    found = [listed[i] for i in ids if i in listed]
    return found, [i for i in ids if i not in listed]


def joined(ids: list[str], add: str | None = None, drop: str | None = None) -> str:
    """The ``ids`` parameter's value for this list with one id added or left out."""
    out = [i for i in ids if i != drop]
    if add and add not in out:
        out.append(add)
    return ",".join(out)


@dataclass(frozen=True)
class Compared:
    places: list[Listing]
    rows: list[tuple[str, list[list[str]]]]  # (group label, each place's option labels)
    problem: str  # why nothing is compared ('' when the table stands)


def compare(places: list[Listing], chosen: list[str], tax: Taxonomy) -> Compared:
    """The places chosen to stand side by side (2 to 4 of the list), with their labels per group;
    labels are the taxonomy's English, for the template to translate."""
    if not chosen:
        return Compared([], [], "")
    unknown = [i for i in chosen if i not in {p.public_id for p in places}]
    if unknown:
        raise DirectoryError(
            _("'%(name)s' names a place that is not on this list.", name="compare"), 400, "compare"
        )
    low, high = COMPARE
    if not low <= len(chosen) <= high:
        return Compared([], [], _("Choose 2 to 4 places to compare."))
    side = [p for i in chosen for p in places if p.public_id == i]
    rows = []
    for key in COMPARE_GROUPS:
        group = tax.group(key)
        if group is None:
            continue
        cells = []
        for p in side:
            keys = dict(p.tags).get(key, ())
            cells.append([o.label for k in keys if (o := group.option(k)) is not None])
        rows.append((group.label, cells))
    return Compared(side, rows, "")
