"""The PostgreSQL text index: names as a ``tsvector`` with a GIN index, and
``pg_trgm`` for spelling.

Tables (made by the migration ``c3f1a9d27b54``, on PostgreSQL only)::

    search_name(provider_id PRIMARY KEY -> provider, document tsvector)  GIN index on document
    search_word(word PRIMARY KEY, uses)                                  GIN trigram index on word

``document`` holds the same analysed tokens the Whoosh index holds (``text.tokens``; weight A for
the name, B for the second name), written as a tsvector literal so PostgreSQL's own parser and
stemmer never change them. Changes are written in the import's own transaction, so every web node
sees them when it commits: nodes keep no index of their own and nothing needs a per-node reindex.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..models import Meta
from .text import Alternative, tokens
from .textindex import IndexStatus, IndexUnavailable, NameDoc

VERSION_KEY = "text_index_version"  # in the meta table: the data version the names reflect
WEIGHT = {"name": "A", "name2": "B"}
TRIGRAM_THRESHOLD = (
    0.25  # pg_trgm similarity for candidate spellings (its default, 0.3, misses short words)
)
BATCH = 1000

_UPSERT = text("""
    INSERT INTO search_name (provider_id, document) VALUES (:id, CAST(:document AS tsvector))
    ON CONFLICT (provider_id) DO UPDATE SET document = EXCLUDED.document""")
_WORDS = text("""
    INSERT INTO search_word (word, uses)
    SELECT w, count(*) FROM provider p,
           regexp_split_to_table(lower(p.name || ' ' || p.name2), '[^a-z]+') AS w
    WHERE p.status = 'active' AND length(w) > 3 GROUP BY w""")


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def document(doc: NameDoc) -> str:
    """The name's tokens as a tsvector literal, weighted by field:
    ``'cherri':1A 'hill':2A 'detox':3B``. (Weights belong to positions: a lexeme without one could
    not be told apart by field.)"""
    parts, at = [], 0
    for field, value in (("name", doc.name), ("name2", doc.name2)):
        for token in tokens(value):
            at += 1
            parts.append(f"{_lexeme(token)}:{at}{WEIGHT[field]}")
    return " ".join(parts)


def tsquery(field: str, toks: Alternative) -> str:
    """Every token in the field's weight: ``'detox':A & 'center':A``."""
    return " & ".join(f"{_lexeme(t)}:{WEIGHT[field]}" for t in toks)


class PgStage:
    """Changes already written in the session's transaction: they commit or roll back with it."""

    def commit(self) -> None:
        pass

    def cancel(self) -> None:
        pass


class PostgresIndex:
    name = "postgresql"

    def generation(self) -> str:
        return "postgresql"  # one index, in the database: snapshots follow the data version alone

    def status(self) -> IndexStatus:
        try:
            version = db.session.scalar(select(Meta.value).where(Meta.key == VERSION_KEY))
            docs = db.session.scalar(text("SELECT count(*) FROM search_name")) or 0
        except SQLAlchemyError:  # tables missing: migrations have not run
            db.session.rollback()
            return IndexStatus(False, None, 0, self.generation())
        return IndexStatus(
            version is not None, int(version) if version else None, int(docs), self.generation()
        )

    def document_ids(self) -> set[int]:
        return set(db.session.scalars(text("SELECT provider_id FROM search_name")))

    def open(self, pks: np.ndarray, vocabulary: dict[str, int]) -> PgNames:
        return PgNames(pks)

    def rebuild(self, docs: Iterable[NameDoc], version: int) -> int:
        db.session.execute(text("DELETE FROM search_name"))
        count = self._write(docs)
        self._finish(version)
        db.session.commit()
        return count

    def stage(self, docs: Iterable[NameDoc], removed: Iterable[int], version: int) -> PgStage:
        self._write(docs)
        gone = list(removed)
        if gone:
            db.session.execute(
                text("DELETE FROM search_name WHERE provider_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": gone},
            )
        self._finish(version)
        return PgStage()

    def _write(self, docs: Iterable[NameDoc]) -> int:
        count, batch = 0, []
        for doc in docs:
            batch.append({"id": doc.id, "document": document(doc)})
            if len(batch) >= BATCH:
                count += self._flush(batch)
        return count + self._flush(batch)

    @staticmethod
    def _flush(batch: list[dict[str, object]]) -> int:
        n = len(batch)
        if batch:
            db.session.execute(_UPSERT, batch)
            batch.clear()
        return n

    @staticmethod
    def _finish(version: int) -> None:
        db.session.execute(text("DELETE FROM search_word"))
        db.session.execute(_WORDS)
        # New GIN entries wait in a pending list that every search reads through until it is
        # merged (by autovacuum, some time later): merge it now, and refresh the planner's
        # statistics, so the first searches after an import use the indexes (measured: a term took
        # 3.5 ms before, 0.25 ms after).
        clean = text("SELECT gin_clean_pending_list(CAST(:i AS regclass))")
        for index in ("ix_search_name_document", "ix_search_word_trigram"):
            db.session.execute(clean, {"i": index})
        db.session.execute(text("ANALYZE search_name"))
        db.session.execute(text("ANALYZE search_word"))
        row = db.session.get(Meta, VERSION_KEY)
        if row is None:
            db.session.add(Meta(key=VERSION_KEY, value=str(version)))
        else:
            row.value = str(version)
        db.session.flush()


class PgNames:
    """A ``NameLookup`` that asks the database; what it learns is kept for the snapshot's life."""

    def __init__(self, pks: np.ndarray) -> None:
        self.pks = pks
        self._known: dict[str, bool] = {}

    def _query(self, sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        try:
            return [tuple(r) for r in db.session.execute(text(sql), params)]
        except SQLAlchemyError as e:
            db.session.rollback()
            raise IndexUnavailable(f"{type(e).__name__}") from e

    def rows(self, requests: Sequence[tuple[str, Alternative]]) -> list[np.ndarray]:
        if not requests:
            return []
        # Each request's ids come back as one string of 4-byte integers: thousands of ids cost a
        # third of what as many rows did.
        parts = [
            f"SELECT {k} AS k, string_agg(int4send(provider_id), ''::bytea) FROM search_name "
            f"WHERE document @@ CAST(:q{k} AS tsquery)"
            for k in range(len(requests))
        ]
        params = {f"q{k}": tsquery(field, toks) for k, (field, toks) in enumerate(requests)}
        found = [np.empty(0, dtype=np.int64) for _ in requests]
        for k, ids in self._query(" UNION ALL ".join(parts), params):
            if ids:
                as_bytes = bytes(ids)  # type: ignore[call-overload]
                found[int(k)] = np.frombuffer(as_bytes, dtype=">i4").astype(np.int64)  # type: ignore[call-overload]
        out = []
        for pks in found:
            if not len(pks) or not len(self.pks):
                out.append(np.empty(0, dtype=np.int64))
                continue
            idx = np.minimum(np.searchsorted(self.pks, pks), len(self.pks) - 1)
            out.append(np.unique(idx[self.pks[idx] == pks]))
        return out

    def forget(self) -> None:
        self._known.clear()

    def has(self, token: str) -> bool:
        if token not in self._known:
            sql = "SELECT EXISTS (SELECT 1 FROM search_name WHERE document @@ CAST(:q AS tsquery))"
            self._known[token] = bool(self._query(sql, {"q": _lexeme(token)})[0][0])
        return self._known[token]

    def near_words(self, word: str, limit: int) -> list[tuple[str, int]]:
        self._query(
            "SELECT set_config('pg_trgm.similarity_threshold', :t, true)",
            {"t": str(TRIGRAM_THRESHOLD)},
        )
        found = self._query(
            "SELECT word, uses FROM search_word WHERE word % :w "
            "ORDER BY similarity(word, :w) DESC LIMIT 20",
            {"w": word},
        )
        return [
            (str(w), int(n))
            for w, n in found  # type: ignore[call-overload]
            if Levenshtein.distance(word, str(w)) <= limit
        ][:8]
