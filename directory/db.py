"""The SQLAlchemy extension object and the schema set-up command."""
from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


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
    """Create any missing tables."""
    from . import models  # noqa: F401  (registers the tables)

    db.create_all()


def init_app(app: Flask) -> None:
    """Bind the extension and create tables on first use."""
    db.init_app(app)
    with app.app_context():
        init_db()
