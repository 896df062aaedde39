"""Two app nodes on one PostgreSQL server: with Whoosh each keeps its own text index (and catches up
with a reindex); with PostgreSQL full-text search they share the database's and need nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from directory.loader import import_file
from directory.search.params import parse_query
from directory.search.service import find_providers
from directory.search.snapshot import CHECK_SECONDS
from directory.search.upkeep import index_health, reindex
from tests.conftest import SAMHSA, _reset_postgres, make_app

pytestmark = pytest.mark.postgres


def _database() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the tests with `make test`")
    _reset_postgres(url)
    return url


def search(app, **args):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))


def test_whoosh_nodes_see_an_import_on_another_node_after_their_reindex(tmp_path: Path) -> None:
    url = _database()
    node_a = make_app(tmp_path / "a", database_url=url, TEXT_BACKEND="whoosh")
    node_b = make_app(tmp_path / "b", database_url=url, TEXT_BACKEND="whoosh")
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
    assert search(node_b, q="Mohr Center").total == 0

    with node_b.app_context():
        reindex()
        assert index_health()["in_step"]
    assert node_b.test_client().get("/healthz").status_code == 200
    assert search(node_b, q="Mohr Center").total == search(node_a, q="Mohr Center").total > 0


def test_postgresql_nodes_see_an_import_on_another_node_at_once(tmp_path: Path) -> None:
    url = _database()
    node_a = make_app(tmp_path / "a", database_url=url, TEXT_BACKEND="postgresql")
    node_b = make_app(tmp_path / "b", database_url=url, TEXT_BACKEND="postgresql")
    assert search(node_b, q="Mohr Center").total == 0
    with node_a.app_context():
        assert import_file(SAMHSA / "locator-api-2019-charlottesville.json").added > 0
    with node_b.app_context():
        assert index_health()["in_step"]  # nothing to catch up: the index is the database's
    assert node_b.test_client().get("/healthz").status_code == 200
    time.sleep(CHECK_SECONDS)  # node B asks the database whether the data moved once a second
    assert search(node_b, q="Mohr Center").total == search(node_a, q="Mohr Center").total > 0
    assert not (tmp_path / "b" / "index").exists()  # no index files on the node
