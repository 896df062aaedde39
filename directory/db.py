"""The SQLAlchemy extension object and the schema set-up command."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(Path(__file__).resolve().parent / "migrations"))
MIGRATION_LOCK = 7_310_001  # PostgreSQL advisory lock id: one process migrates at a time


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets searches read while an import writes; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


def init_db() -> None:
    """Bring the schema up to the latest migration (PostgreSQL: under an advisory lock, so that
    several workers or nodes starting together do not race)."""
    from . import models  # noqa: F401  (registers the tables)

    if db.engine.dialect.name != "postgresql":
        _upgrade()
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            _upgrade()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()


def _upgrade() -> None:
    from alembic.migration import MigrationContext
    from flask_migrate import stamp, upgrade
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is None and "provider" in inspect(db.engine).get_table_names():
        stamp(
            revision="adfa74c9c1de"
        )  # made by create_all before migrations existed: the initial schema
    upgrade()


def init_app(app: Flask) -> None:
    """Bind the extension and the migrations; migrate on start unless AUTO_MIGRATE is off."""
    db.init_app(app)
    migrate.init_app(app, db)
    if app.config["AUTO_MIGRATE"]:
        with app.app_context():
            init_db()
