"""The schema comes from migrations (on SQLite and real PostgreSQL) and matches the models."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, text

from directory.db import db, init_db


def test_migrations_build_the_models_schema(db_app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "provider",
            "provider_source",
            "problem_report",
            "meta",
            "alembic_version",
        } <= tables
        with db.engine.connect() as conn:
            # PostgreSQL's full-text tables live outside the models (search/pg_index.py).
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, kind, parent: (
                        not (kind == "table" and name in ("search_name", "search_word"))
                    )
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == []


def test_migrating_again_is_a_no_op(db_app: Flask) -> None:
    with db_app.app_context():
        before = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        init_db()
        assert (
            db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == before
        )
