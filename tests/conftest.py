"""Fixtures: a throwaway app (SQLite, or PostgreSQL if a test asks) and one with the national data.

``app``           empty database and index in a temporary folder (SQLite).
``db_app``        the same, parametrised over SQLite and the real PostgreSQL server
                  (TEST_DATABASE_URL).
``national_app``  session-wide: every bundled SAMHSA file imported once (~25,000 providers),
                  read-only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from directory import create_app

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
SAMHSA = SHARED / "samhsa" if (SHARED / "samhsa").exists() else REPO / "data" / "samhsa"
HSDS = SHARED / "hsds"
DATA = Path(__file__).resolve().parent / "data"


def make_app(folder: Path, database_url: str | None = None, **extra: Any) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'test.sqlite3'}",
        "INDEX_DIR": str(folder / "index"),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if request.param == "sqlite":
        yield make_app(tmp_path)
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "TEST_DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL"
        )
    _reset_postgres(url)
    application = make_app(tmp_path, database_url=url)
    yield application
    from directory.db import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def national_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from directory.bundle import load_bundle

    application = make_app(tmp_path_factory.mktemp("national"))
    with application.app_context():
        load_bundle(Path(application.config["DATA_DIR"]), echo=lambda *_: None)
    return application


@pytest.fixture
def national(national_app: Flask) -> Iterator[Flask]:
    """The national app inside an app context."""
    with national_app.app_context():
        yield national_app


def _database_beside(url: str, name: str) -> str:
    """A database of its own on the test server (made if missing, emptied), for a session fixture
    that the per-test schema resets of the test database must not touch."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    other = make_url(url).set(database=name).render_as_string(hide_password=False)
    _reset_postgres(other)
    return other


@pytest.fixture(scope="session")
def national_pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The national data on the real PostgreSQL server, searched with its full-text search."""
    from directory.bundle import load_bundle
    from directory.db import db

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the tests with `make test`")
    application = make_app(
        tmp_path_factory.mktemp("national-pg"),
        database_url=_database_beside(url, "directory_national"),
        TEXT_BACKEND="postgresql",
    )
    with application.app_context():
        load_bundle(Path(application.config["DATA_DIR"]), echo=lambda *_: None)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(national_app: Flask) -> Any:
    return national_app.test_client()
