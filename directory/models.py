"""Database tables: providers, the source records they were built from, reports, and metadata."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def slugify(text: str) -> str:
    """Return a lowercase, hyphenated ASCII form of ``text`` for URLs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "provider"


def path_id(public_id: str, name: str, city: str) -> str:
    """A provider's address on the site: its permanent id, then words a reader recognises."""
    return f"{public_id}-{slugify(f'{name} {city}')}"


def public_id_of(path_id: str) -> str:
    """The permanent id at the start of a provider's address ('k3j4h5g6f7-hope-house-austin')."""
    return path_id.split("-", 1)[0].lower()


def provider_by_path_id(path_id: str) -> Provider | None:
    """The provider a page address or API id names (retired ones too), or None."""
    return db.session.scalar(select(Provider).where(Provider.public_id == public_id_of(path_id)))


class Provider(db.Model):  # type: ignore[name-defined]
    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(
        String(16), unique=True
    )  # permalink id; survives re-imports
    name: Mapped[str] = mapped_column(String(300))
    name2: Mapped[str] = mapped_column(String(300), default="")
    street: Mapped[str] = mapped_column(String(300), default="")
    street2: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    county: Mapped[str] = mapped_column(String(120), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    geo_precision: Mapped[str] = mapped_column(String(10), default="exact")  # exact | zip | city
    phones: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list
    )  # [{"number", "ext", "kind"}]
    website: Mapped[str] = mapped_column(String(500), default="")
    codes: Mapped[str] = mapped_column(
        Text, default=""
    )  # SAMHSA service codes, space-separated, sorted
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | retired
    kind: Mapped[str] = mapped_column(
        String(12), default="facility", server_default="facility"
    )  # facility | prescriber (a clinician who prescribes buprenorphine)
    aliases: Mapped[str] = mapped_column(
        Text, default="", server_default=""
    )  # other names its sources gave, one per line (searchable, "also listed as")
    last_listed: Mapped[str] = mapped_column(
        String(20), default="", server_default=""
    )  # the newest date of a list of its own that names it ("2024")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    sources: Mapped[list[ProviderSource]] = relationship(
        back_populates="provider", order_by="ProviderSource.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_provider_status", "status"),)

    @property
    def code_set(self) -> set[str]:
        return set(self.codes.split())

    @property
    def slug(self) -> str:
        return slugify(f"{self.name} {self.city}")

    @property
    def path_id(self) -> str:
        return path_id(self.public_id, self.name, self.city)


class ProviderSource(db.Model):  # type: ignore[name-defined]
    """One record of one imported file, linked to the provider it became or merged into."""

    __tablename__ = "provider_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(200))  # the source's name, usually the file's stem
    record_key: Mapped[str] = mapped_column(String(200))  # the record's id in that source
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(
        JSON
    )  # the normalised record, for re-deriving the provider
    line: Mapped[int] = mapped_column(Integer, default=0)
    source_date: Mapped[str] = mapped_column(String(20), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | retired

    provider: Mapped[Provider] = relationship(back_populates="sources")

    __table_args__ = (UniqueConstraint("source", "record_key", name="uq_source_record"),)


class ProblemReport(db.Model):  # type: ignore[name-defined]
    """A visitor's report that a listing is wrong, kept for admins (`directory reports`)."""

    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed


class Meta(db.Model):  # type: ignore[name-defined]
    """Small key/value facts about the data, such as ``data_version`` (bumped by every import)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def data_version() -> int:
    """Read the data version from the database (not from the session's cache)."""
    value = db.session.scalar(select(Meta.value).where(Meta.key == "data_version"))
    return int(value) if value else 0


def bump_data_version() -> int:
    """Increase the data version inside the current transaction and return it."""
    row = db.session.get(Meta, "data_version")
    if row is None:
        row = Meta(key="data_version", value="0")
        db.session.add(row)
    row.value = str(int(row.value) + 1)
    return int(row.value)


DIRECTORY_DATE = "directory_date"  # Meta key: the date of the newest national directory imported


def directory_date() -> str:
    """The date of the newest national directory imported ('' when none is)."""
    return db.session.scalar(select(Meta.value).where(Meta.key == DIRECTORY_DATE)) or ""


def note_directory(as_of: str) -> None:
    """Record, in the current transaction, that a national directory of ``as_of`` was imported."""
    row = db.session.get(Meta, DIRECTORY_DATE)
    if row is None:
        db.session.add(Meta(key=DIRECTORY_DATE, value=as_of))
    elif (row.value or "0000") < as_of:
        row.value = as_of


def active_in_batches(columns: Any, batch: int) -> Iterator[Any]:
    """Every active provider, in primary-key order, read ``batch`` at a time by key (never OFFSET):
    ``columns`` is the model (ORM objects) or a tuple of its columns (rows)."""
    orm = columns is Provider
    entity = (columns,) if orm else tuple(columns)
    last = 0
    while True:
        rows = db.session.execute(
            select(*entity)
            .where(Provider.status == "active", Provider.id > last)
            .order_by(Provider.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        items = [r[0] for r in rows] if orm else rows
        yield from items
        last = items[-1].id


def iter_active(batch: int = 2000) -> Iterator[Provider]:
    """Yield each active provider in primary-key order, a batch at a time (forgotten after each)."""
    for i, provider in enumerate(active_in_batches(Provider, batch), start=1):
        yield provider
        if i % batch == 0:
            db.session.expunge_all()
