"""The seam between search and a full-text engine: a small protocol with two implementations.

A text index keeps providers' names (the free text; services and places are matched from the
catalog, see ``fields.py``), analysed with ``text.tokens``. It is written with the database: a full
``rebuild`` aside, or ``stage`` inside an import's transaction. Each snapshot ``open``s a
``NameLookup`` bound to its catalog rows, and asks it for rows only: no engine object leaves
this seam.

* ``whoosh_index.WhooshIndex``: a Whoosh index on local disk; a lookup holds the postings in memory.
* ``pg_index.PostgresIndex``: a ``tsvector`` column with a GIN index, and ``pg_trgm`` for spelling,
  in the database itself, so web nodes hold no index of their own. Its documents hold the facts
  too (``NameDoc.codes`` and ``place``), so its lookup answers a whole query in one statement
  (``AnswersWhole``) instead of sending back every row of each word.

``TEXT_BACKEND`` chooses: ``auto`` (PostgreSQL full-text search on PostgreSQL, else Whoosh).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from flask import Flask, current_app

from .text import Alternative


class IndexUnavailable(Exception):
    """The text index is missing or unreadable (``directory reindex`` rebuilds it)."""


@dataclass(frozen=True)
class NameDoc:
    """What the text index holds of one active provider."""

    id: int
    name: str
    name2: str
    # The facts matched from the catalog (``fields.py``), for an index that answers a whole query
    # itself (PostgreSQL): the provider's codes, space-joined, and (city, county, state, ZIP).
    codes: str = ""
    place: tuple[str, str, str, str] = ("", "", "", "")


@dataclass(frozen=True)
class IndexStatus:
    present: bool
    version: int | None  # the data version it reflects
    documents: int
    generation: str


class NameLookup(Protocol):
    """Names of one snapshot's catalog rows, as the text index has them."""

    def rows(self, requests: Sequence[tuple[str, Alternative]]) -> list[np.ndarray]:
        """For each (field, tokens), the sorted catalog rows whose field holds every token."""

    def has(self, token: str) -> bool:
        """Whether any name holds this token."""

    def naming(self, toks: Sequence[str]) -> np.ndarray:
        """The sorted rows whose name or second name holds each of ``toks`` (either field for
        each)."""

    def near_words(self, word: str, limit: int) -> list[tuple[str, int]]:
        """Words of names within ``limit`` edits of ``word``, with how many names use them."""

    def forget(self) -> None:
        """Drop anything learnt since it was opened."""


@runtime_checkable
class AnswersWhole(Protocol):
    """A lookup that answers a whole text query itself (``pg_index.PgNames.evaluate``)."""

    def evaluate(
        self,
        requests: Sequence[tuple[str, Alternative]],
        concepts: Sequence[Sequence[tuple[str, Alternative]]],
    ) -> tuple[list[int], np.ndarray, list[np.ndarray]]: ...


class Staged(Protocol):
    """Index changes made alongside an import's database transaction."""

    def commit(self) -> None: ...

    def cancel(self) -> None: ...


class TextIndex(Protocol):
    name: str

    def generation(self) -> str:
        """Changes whenever the index is rebuilt (a snapshot built from an older one reloads)."""

    def status(self) -> IndexStatus: ...

    def document_ids(self) -> set[int]:
        """The provider ids the index holds."""

    def open(self, pks: np.ndarray, vocabulary: dict[str, int]) -> NameLookup:
        """A lookup over the catalog rows ``pks`` (sorted primary keys); raises IndexUnavailable."""

    def rebuild(self, docs: Iterable[NameDoc], version: int) -> int:
        """Index every document afresh; return how many."""

    def stage(self, docs: Iterable[NameDoc], removed: Iterable[int], version: int) -> Staged:
        """Add or replace ``docs`` and drop ``removed`` provider ids, as of ``version``."""


def make_text_index(app: Flask) -> TextIndex:
    """The backend the configuration asks for."""
    choice = app.config["TEXT_BACKEND"]
    on_postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if choice == "auto":
        choice = "postgresql" if on_postgres else "whoosh"
    if choice == "postgresql":
        if not on_postgres:
            raise ValueError(
                "TEXT_BACKEND=postgresql needs DATABASE_URL to be a PostgreSQL database"
            )
        from .pg_index import PostgresIndex

        return PostgresIndex()
    if choice == "whoosh":
        from pathlib import Path

        from .whoosh_index import WhooshIndex

        return WhooshIndex(Path(app.config["INDEX_DIR"]))
    raise ValueError(f"TEXT_BACKEND must be auto, whoosh or postgresql, not {choice!r}")


def text_index() -> TextIndex:
    return current_app.extensions["text_index"]  # type: ignore[no-any-return]
