"""Fast fault drills (the long ones are ``scripts/faults.py``): kill -9 mid-import, a broken index,
reindex under load.

Each leaves the database either as it was or fully imported, and the index in step or rebuilt by
``ensure_index()`` (what ``make run`` calls at start).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask

from directory.loader import import_file
from directory.search.upkeep import ensure_index, index_health

from .conftest import REPO, SAMHSA, make_app


def _load_faults() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scripts_faults", REPO / "scripts" / "faults.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


faults = _load_faults()


def test_kill9_mid_import_leaves_the_database_before_or_after(tmp_path: Path) -> None:
    # Late in the run: past the interpreter's start, while rows are parsed, written and committed.
    trials = faults.kill9_drill(
        SAMHSA / "nssats-2017-directory-otp.csv", [0.55, 0.8, 0.95], tmp_path, echo=lambda *_: None
    )
    assert [t.consistent for t in trials] == [True, True, True], trials


BROKEN = [
    "CURRENT file deleted",
    "live generation folder deleted",
    "TOC garbled",
    "segment files garbled",
]


@pytest.mark.parametrize("how", BROKEN)
def test_a_broken_index_is_reported_searched_around_and_rebuilt(
    app: Flask, tmp_path: Path, how: str
) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    faults.BREAKS[how](faults.Instance(tmp_path))
    fresh = make_app(tmp_path)  # as a worker started after the damage sees it (no searcher cached)
    client = fresh.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["index"]["in_step"] is False
    near = client.get("/api/v1/providers?near=Charlottesville,+VA&type=outpatient")
    assert near.status_code == 200 and near.json["total"] > 0
    assert client.get("/search?near=22902").status_code == 200
    text = client.get("/api/v1/providers?q=region+ten&near=22902")
    assert (
        text.status_code == 200 and text.json["total"] > 0
    )  # names still match while the index is down
    with fresh.app_context():
        assert ensure_index() is True
        assert index_health()["in_step"]
    assert client.get("/healthz").status_code == 200


# Run in a child process: a reader that maps the files would die of SIGBUS here, taking
# pytest with it.
TRUNCATE_UNDER_LIVE_READER = """
from directory.search.service import warm_up
from tests.conftest import make_app
app = make_app(folder)
with app.app_context():
    client = app.test_client()
    with app.test_request_context("/"):
        warm_up()  # the worker's snapshot holds the names it read from the index
    assert client.get("/api/v1/providers?q=region+ten").status_code == 200
    faults.BREAKS["segment files truncated to 0 bytes"](faults.Instance(folder))
    later = make_app(folder).test_client()  # a worker that starts after the damage
    for words in ["fluvanna", "orchard", "staunton"]:  # words of names
        for c in (client, later):
            r = c.get("/api/v1/providers?q=" + words)
            print(
                r.status_code, r.json["total"] > 0, "being repaired" in " ".join(r.json["notices"])
            )
"""


def test_segment_files_cut_to_nothing_under_a_live_reader_do_not_kill_it(
    app: Flask, tmp_path: Path
) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
    setup = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); from pathlib import Path; "
        f"from tests.test_faults import faults; folder = Path({str(tmp_path)!r})\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", setup + TRUNCATE_UNDER_LIVE_READER],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    # The live worker answers in full from memory; a worker started later answers from names,
    # and says so.
    assert child.stdout.split("\n")[:6] == ["200 True False", "200 True True"] * 3


def test_searches_keep_answering_while_reindex_runs(tmp_path: Path) -> None:
    inst = faults.Instance(tmp_path / "live")
    with inst.app():
        import_file(SAMHSA / "nssats-2017-directory-otp.csv")
    with faults.server(
        inst, tmp_path / "gunicorn.log", {"API_RATE_LIMIT": "100000 per minute"}
    ) as base:
        r = faults.load_under_reindex(
            base, inst, total=150, threads=3, min_reindexes=2, seed=3, work=tmp_path, max_seconds=40
        )
    assert r["failures"] == [] and r["requests"] >= 150
    assert len(r["reindexes"]) >= 2 and all(rc == 0 for rc, _ in r["reindexes"])
    assert r["fallback"] == 0  # the swap is atomic: no search ever found the index missing


@pytest.mark.postgres
def test_searches_keep_answering_while_the_database_is_away_and_all_recovers(
    tmp_path: Path,
) -> None:
    # A PostgreSQL server of the test's own, stopped under load from three clients, then started.
    r = faults.db_down_drill(tmp_path, seconds=4, threads=2, echo=lambda *_: None)
    down = r["phases"]["down"]
    assert (
        set(down["search page"]) == set(down["text search API"]) == set(down["home"]) == {"200"}
    ), r
    assert set(down["provider page"]) == set(down["provider API"]) == {"503"}, r
    assert (
        r["health_down"] == "503" and r["health_back"] == "200" and r["notices_while_down"] > 0
    ), r
    assert all(set(c) == {"200"} for c in r["phases"]["back"].values()), r  # no restart needed
    assert r["ok"] and r["tracebacks"] == 0, r
