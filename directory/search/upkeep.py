"""Keeping the text index in step with the database: full rebuilds, an import's changes, health.

The CLI, the health view, gunicorn's start-up hook and the scripts all call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select

from ..db import db
from ..models import Provider, active_in_batches, data_version
from .textindex import NameDoc, Staged, text_index


def name_doc(p: Any) -> NameDoc:
    """A provider (or a row with its columns) as the text index holds it: the name, then every
    other name it is known by (second name, former names, the names other sources give)."""
    others = [p.name2 or "", *(p.aliases or "").split("\n")]
    return NameDoc(
        p.id,
        p.name,
        "\n".join(o for o in others if o),
        p.codes or "",
        (p.city or "", p.county or "", p.state or "", p.zip or ""),
    )


DOC_COLUMNS = (
    Provider.id,
    Provider.name,
    Provider.name2,
    Provider.aliases,
    Provider.codes,
    Provider.city,
    Provider.county,
    Provider.state,
    Provider.zip,
)


def active_docs(batch: int = 5000) -> Iterator[NameDoc]:
    """Every active provider as the text index holds it, in primary-key order."""
    return (name_doc(r) for r in active_in_batches(DOC_COLUMNS, batch))


def reindex() -> int:
    """Rebuild the text index from the database (aside, swapped in atomically); return documents
    indexed."""
    return text_index().rebuild(active_docs(), data_version())


def stage_changes(changed: Iterable[Any], version: int) -> Staged:
    """Stage the text index changes of an import's providers (active ones in, retired ones out)."""
    docs, removed = [], []
    for p in changed:
        if p.status == "active":
            docs.append(name_doc(p))
        else:
            removed.append(p.id)
    return text_index().stage(docs, removed, version)


def index_health() -> dict[str, Any]:
    """Compare the text index with the database: present, same version, same count."""
    status = text_index().status()
    active = (
        db.session.scalar(
            select(func.count()).select_from(Provider).where(Provider.status == "active")
        )
        or 0
    )
    version = data_version()
    return {
        "backend": text_index().name,
        "present": status.present,
        "index_version": status.version,
        "database_version": version,
        "index_documents": status.documents,
        "database_providers": active,
        "in_step": status.present and status.version == version and status.documents == active,
    }


def ensure_index() -> bool:
    """Rebuild the index when it is missing, corrupt or out of step with the database; True if
    rebuilt."""
    if index_health()["in_step"]:
        return False
    reindex()
    return True
