"""The search snapshot: built once per data version and index generation, swapped whole, and
holding no open file of the index (``directory/search/snapshot.py``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask

from directory.loader import import_file
from directory.search.snapshot import CHECK_SECONDS, snapshot
from directory.search.upkeep import reindex

from .conftest import SAMHSA


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_open_files_stay_flat_over_many_snapshots_and_rebuilds(app: Flask) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    index = app.extensions["text_index"]
    with app.test_request_context():
        first = snapshot()
        assert first.text.match("region ten") is not None
        before = open_files()
        seen = {first.generation}
        for _ in range(30):
            reindex()  # a new index generation: the next request builds a new snapshot from it
            snap = snapshot()
            seen.add(snap.generation)  # a new snapshot of each new index generation
            assert snap.text.match("mohr center").rows.size == 1
            index.status()
            index.document_ids()
        assert open_files() <= before  # every reader and file was closed on the way
    assert len(seen) == 31


def test_a_snapshot_in_use_keeps_answering_after_a_new_one_replaces_it(app: Flask) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    with app.test_request_context():
        old = snapshot()
        reindex()
        new = snapshot()
        assert new is not old and new.generation != old.generation
        # The old one is whole on its own: a request that started with it finishes with it.
        assert (
            old.text.match("mohr center").rows.tolist()
            == new.text.match("mohr center").rows.tolist()
        )
        assert old.listings == new.listings


def test_a_snapshot_is_rebuilt_for_a_new_data_version(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    with app.test_request_context():
        old = snapshot()
    with app.app_context():
        import_file(SAMHSA / "nssats-2017-directory-otp.csv")
    time.sleep(CHECK_SECONDS)  # a process looks at the database's data version once a second
    with app.test_request_context():
        new = snapshot()
    assert new.version == old.version + 1 and len(new.listings) > len(old.listings)
