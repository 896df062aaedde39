"""Two app nodes on one PostgreSQL server: with Whoosh each keeps its own text index (and catches up
with a reindex); with PostgreSQL full-text search they share the database's and need nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from directory.db import db
from directory.loader import import_file
from directory.search.params import parse_query
from directory.search.service import find_providers
from directory.search.snapshot import CHECK_SECONDS
from directory.search.upkeep import index_health, reindex
from tests.conftest import SAMHSA, _reset_postgres, make_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def nodes(tmp_path: Path) -> Any:
    """Two apps on the test database; their connections closed afterwards."""
    made: list[Flask] = []

    def make(name: str, backend: str) -> Flask:
        app = make_app(
            tmp_path / name,
            database_url=_database() if not made else url_of(made[0]),
            TEXT_BACKEND=backend,
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def url_of(app: Flask) -> str:
    return str(app.config["DATABASE_URL"])


def _database() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the tests with `make test`")
    _reset_postgres(url)
    return url


def search(app, **args):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))


def test_whoosh_nodes_see_an_import_on_another_node_after_their_reindex(nodes: Any) -> None:
    node_a, node_b = nodes("a", "whoosh"), nodes("b", "whoosh")
    with node_b.app_context():
        reindex()
        assert index_health()["in_step"]

    with node_a.app_context():
        report = import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        assert report.added > 0 and index_health()["in_step"]

    # Location and filters read the shared database: node B sees the import at once.
    assert search(node_b, near="22902").total == search(node_a, near="22902").total > 0
    with node_b.app_context():
        health = index_health()
        assert not health["in_step"] and health["index_documents"] == 0  # its text index is behind
    assert node_b.test_client().get("/healthz").status_code == 503
    # Its names are not known yet (the words are left out, and said so, rather than matched).
    behind = search(node_b, q="Mohr Center")
    assert "mohr" in [w.lower() for w in behind.dropped]

    with node_b.app_context():
        reindex()
        assert index_health()["in_step"]
    assert node_b.test_client().get("/healthz").status_code == 200
    on_b, on_a = search(node_b, q="Mohr Center"), search(node_a, q="Mohr Center")
    assert on_b.total == on_a.total > 0 and not on_b.dropped
    assert "Mohr" in on_b.hits[0].listing.name + on_b.hits[0].listing.name2


def test_postgresql_nodes_see_an_import_on_another_node_at_once(nodes: Any, tmp_path: Path) -> None:
    node_a, node_b = nodes("a", "postgresql"), nodes("b", "postgresql")
    assert search(node_b, q="Mohr Center").total == 0
    with node_a.app_context():
        assert import_file(SAMHSA / "locator-api-2019-charlottesville.json").added > 0
    with node_b.app_context():
        assert index_health()["in_step"]  # nothing to catch up: the index is the database's
    assert node_b.test_client().get("/healthz").status_code == 200
    time.sleep(CHECK_SECONDS)  # node B asks the database whether the data moved once a second
    assert search(node_b, q="Mohr Center").total == search(node_a, q="Mohr Center").total > 0
    assert not (tmp_path / "b" / "index").exists()  # no index files on the node
