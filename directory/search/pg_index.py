"""The PostgreSQL text index: names as a ``tsvector`` with a GIN index, and
``pg_trgm`` for spelling.

Tables (made by the migration ``c3f1a9d27b54``, on PostgreSQL only)::

    search_name(provider_id PRIMARY KEY -> provider, document tsvector)  GIN index on document
    search_word(word PRIMARY KEY, uses)                                  GIN trigram index on word

``document`` holds every searchable field's analysed tokens, each as a lexeme with its field's
mark: ``n:`` the name, ``m:`` the other names (``text.tokens``, as the Whoosh index holds them), and
the facts the snapshot matches from the catalog (``fields.py``, the same words): ``s:`` services,
``p:`` place, ``c:`` codes. It is written as a tsvector literal, so PostgreSQL's own parser and
stemmer never change it. With every field in one document and no weights, one GIN lookup answers
a whole text query (each concept in some field, and some name among them) with no recheck, and a
search ships back only the ids it shows. Changes are written in the import's own transaction, so
every web node sees them when it commits: nodes keep no index of their own and nothing needs a
per-node reindex. ``FORMAT_KEY`` names this layout and the taxonomy it read: a document of another
one is rebuilt at start-up (``ensure_index``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
from flask import current_app
from rapidfuzz.distance import Levenshtein
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..models import Meta
from ..taxonomy import Taxonomy
from .fields import Analyser, place_text, services_text
from .text import Alternative, tokens
from .textindex import IndexStatus, IndexUnavailable, NameDoc

VERSION_KEY = "text_index_version"  # in the meta table: the data version the names reflect
FORMAT_KEY = "text_index_format"  # in the meta table: the document layout and taxonomy it reflects
LAYOUT = "fields-2"
MARK = {"name": "n", "name2": "m", "services": "s", "place": "p", "codes": "c"}
TRIGRAM_THRESHOLD = (
    0.25  # pg_trgm similarity for candidate spellings (its default, 0.3, misses short words)
)
BATCH = 1000
FLAG_BITS = 62  # requests whose matches one 64-bit integer per row carries

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


def _marked(field: str, token: str) -> str:
    return _lexeme(f"{MARK[field]}:{token}")


def layout(tax: Taxonomy) -> str:
    """This layout and a fingerprint of the words services are searched by (taxonomy labels)."""
    words = sorted(tax.code_names.items()), [(o.key, o.label) for o in tax.options]
    return f"{LAYOUT}:{hashlib.sha256(repr(words).encode()).hexdigest()[:16]}"


class Documents:
    """Name documents as tsvector literals: ``'n:cherri' 'n:hill' 'm:detox' 's:detox' 'c:dt'``.
    Services and places are analysed as ``fields.grouped_fields`` does, once per code set and
    place."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax, self.analyse = tax, Analyser()
        self._facts: dict[tuple[str, tuple[str, str, str, str]], list[str]] = {}

    def __call__(self, doc: NameDoc) -> str:
        lexemes = {_marked("name", t) for t in tokens(doc.name)}
        lexemes |= {_marked("name2", t) for t in tokens(doc.name2)}
        facts = self._facts.get((doc.codes, doc.place))
        if facts is None:
            code_set = frozenset(doc.codes.split())
            services = self.analyse(services_text(code_set, self.tax))
            found = {_marked("services", t) for t in services}
            found |= {_marked("codes", c.lower()) for c in code_set}
            found |= {_marked("place", t) for t in self.analyse(place_text(*doc.place))}
            facts = self._facts[(doc.codes, doc.place)] = sorted(found)
        return " ".join(sorted(lexemes)) + " " + " ".join(facts)


def tsquery(field: str, toks: Alternative) -> str:
    """Every token in the field: ``'n:detox' & 'n:center'``."""
    return " & ".join(_marked(field, t) for t in toks)


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
            written = db.session.scalar(select(Meta.value).where(Meta.key == FORMAT_KEY))
            docs = db.session.scalar(text("SELECT count(*) FROM search_name")) or 0
        except SQLAlchemyError:  # tables missing: migrations have not run
            db.session.rollback()
            return IndexStatus(False, None, 0, self.generation())
        present = version is not None and written == layout(_taxonomy())
        return IndexStatus(present, int(version) if version else None, int(docs), self.generation())

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
        document = Documents(_taxonomy())
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
        for key, value in ((VERSION_KEY, str(version)), (FORMAT_KEY, layout(_taxonomy()))):
            row = db.session.get(Meta, key)
            if row is None:
                db.session.add(Meta(key=key, value=value))
            else:
                row.value = value
        db.session.flush()


def _taxonomy() -> Taxonomy:
    return current_app.extensions["taxonomy"]  # type: ignore[no-any-return]


def _ids(packed: object) -> np.ndarray:
    """Provider ids sent back as one string of 4-byte integers (thousands of ids cost a third of
    what as many rows did)."""
    if not packed:
        return np.empty(0, dtype=np.int64)
    return np.frombuffer(bytes(packed), dtype=">i4").astype(np.int64)  # type: ignore[call-overload]


class PgNames:
    """A ``NameLookup`` that asks the database; what it learns is kept for the snapshot's life."""

    def __init__(self, pks: np.ndarray) -> None:
        self.pks = pks
        self._known: dict[str, bool] = {}
        self._counts: dict[str, int] = {}  # documents matching a request's tsquery (its df)

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
            found[int(k)] = _ids(ids)
        return [self._rows_of(pks) for pks in found]

    def _rows_of(self, pks: np.ndarray) -> np.ndarray:
        """The sorted catalog rows of these provider ids (ids the catalog lacks left out)."""
        if not len(pks) or not len(self.pks):
            return np.empty(0, dtype=np.int64)
        idx = np.minimum(np.searchsorted(self.pks, pks), len(self.pks) - 1)
        return np.unique(idx[self.pks[idx] == pks])

    def forget(self) -> None:
        self._known.clear()
        self._counts.clear()

    def has(self, token: str) -> bool:
        if token not in self._known:
            sql = "SELECT EXISTS (SELECT 1 FROM search_name WHERE document @@ CAST(:q AS tsquery))"
            either = f"{_marked('name', token)} | {_marked('name2', token)}"
            self._known[token] = bool(self._query(sql, {"q": either})[0][0])
        return self._known[token]

    def naming(self, toks: Sequence[str]) -> np.ndarray:
        if not toks:
            return np.empty(0, dtype=np.int64)
        q = " & ".join(f"({_marked('name', t)} | {_marked('name2', t)})" for t in toks)
        sql = (
            "SELECT string_agg(int4send(provider_id), ''::bytea) FROM search_name "
            "WHERE document @@ CAST(:q AS tsquery)"
        )
        return self._rows_of(_ids(self._query(sql, {"q": q})[0][0]))

    def evaluate(
        self,
        requests: Sequence[tuple[str, Alternative]],
        concepts: Sequence[Sequence[tuple[str, Alternative]]],
    ) -> tuple[list[int], np.ndarray, list[np.ndarray]]:
        """A whole text query in one statement. ``concepts``: for each, the (field, tokens) that
        may satisfy it; ``requests``: the name ones, whose matches score. Returns each request's
        document count (its df), the sorted rows that satisfy every concept *and* match some
        request (rows that match by services or place alone the snapshot finds itself), and for
        each request which of those rows it matches."""
        queries = [tsquery(f, toks) for f, toks in requests]
        each = [" | ".join(f"({tsquery(f, toks)})" for f, toks in parts) for parts in concepts]
        full = " & ".join(f"({c})" for c in [*each, " | ".join(f"({q})" for q in queries)])
        params: dict[str, object] = {"full": full}
        unknown = sorted({q for q in queries if q not in self._counts})
        counts = []
        for k, q in enumerate(unknown):
            params[f"c{k}"] = q
            counts.append(
                f"(SELECT count(*) FROM search_name WHERE document @@ CAST(:c{k} AS tsquery))"
            )
        flags = []
        for start in range(0, len(queries), FLAG_BITS):
            bits = []
            for k in range(start, min(start + FLAG_BITS, len(queries))):
                params[f"q{k}"] = queries[k]
                bits.append(f"((document @@ CAST(:q{k} AS tsquery))::int::int8 << {k - start})")
            flags.append(f"string_agg(int8send({' | '.join(bits)}), ''::bytea)")
        sql = (
            f"SELECT ARRAY[{', '.join(counts) or 'NULL'}]::int8[], m.* FROM (SELECT "
            f"string_agg(int4send(provider_id), ''::bytea), {', '.join(flags)} FROM search_name "
            "WHERE document @@ CAST(:full AS tsquery)) m"
        )
        found = self._query(sql, params)[0]
        for q, n in zip(unknown, found[0] or []):
            self._counts[q] = int(n)
        pks = _ids(found[1])
        bits = [
            np.frombuffer(bytes(b), dtype=">i8").astype(np.int64) if b else np.empty(0, np.int64)  # type: ignore[call-overload]
            for b in found[2:]
        ]
        # Rows in catalog order; ids the catalog lacks (written since it was built) left out.
        order = np.argsort(pks, kind="stable")
        pks = pks[order]
        idx = np.minimum(np.searchsorted(self.pks, pks), max(len(self.pks) - 1, 0))
        keep = self.pks[idx] == pks if len(self.pks) else np.zeros(len(pks), dtype=bool)
        rows = idx[keep]
        columns = [b[order][keep] for b in bits] if len(pks) else []
        matched = [
            rows[(columns[k // FLAG_BITS] >> (k % FLAG_BITS)) & 1 == 1] if columns else rows
            for k in range(len(queries))
        ]
        return [self._counts[q] for q in queries], rows, matched

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
