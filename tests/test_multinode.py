"""Two app nodes on one PostgreSQL server, each with its own search index."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from directory.cli import index_health, reindex
from directory.loader import import_file
from directory.search.params import parse_query
from directory.search.service import find_providers
from tests.conftest import SAMHSA, _reset_postgres, make_app

pytestmark = pytest.mark.postgres


def test_an_import_on_one_node_is_seen_by_the_other_after_its_reindex(tmp_path: Path) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the tests with `make test`")
    _reset_postgres(url)
    node_a = make_app(tmp_path / "a", database_url=url)
    node_b = make_app(tmp_path / "b", database_url=url)
    with node_b.app_context():
        reindex()
        assert index_health()["in_step"]

    with node_a.app_context():
        report = import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        assert report.added > 0 and index_health()["in_step"]

    def search(app, **args):  # type: ignore[no-untyped-def]
        with app.test_request_context():
            return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))

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
