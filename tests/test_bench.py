"""scripts/bench.py: a tiny run (four bundle files, two copies) produces every figure and passes
its check; scripts/loadtest_urls.py: the load test's URL mix is repeatable and every URL in it
answers 200.

This proves the scripts work, not how fast anything is: no timing is asserted.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{path.stem}_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def load_bench() -> ModuleType:
    return load_script(SCRIPT)


def test_load_test_urls_are_repeatable_varied_and_all_answer(national_app: Flask) -> None:
    mix = load_script(SCRIPT.parent / "loadtest_urls.py")
    drawn = mix.urls(national_app, 300, seed=3)
    assert drawn == mix.urls(national_app, 300, seed=3) != mix.urls(national_app, 300, seed=4)
    fixed = [u for u in (SCRIPT.parent / "loadtest_urls.txt").read_text().splitlines() if u]
    api = sum(u.startswith("/api/") for u in drawn)
    assert 0.25 < api / len(drawn) < 0.55 and len(set(drawn)) > 250
    assert (
        sum("q=" in u for u in drawn) > 60 and sum("%2C+" in u for u in drawn) > 30
    )  # words; "City, ST"
    client = national_app.test_client()
    statuses = {u: client.get(u).status_code for u in fixed + drawn}
    assert {
        u: s for u, s in statuses.items() if s != 200
    } == {}  # wrk counts anything else as an error


def test_query_mix_is_large_and_varied() -> None:
    mix = json.loads((SCRIPT.parent / "bench_queries.json").read_text())
    queries = mix["queries"]
    assert len(queries) >= 200
    measured = {json.dumps(q["args"], sort_keys=True) for q in queries}
    assert not measured & {json.dumps(w["args"], sort_keys=True) for w in mix["warmup"]}
    kinds = {q["kind"] for q in queries}
    assert kinds == {"text", "location", "combined"}
    for q in queries:
        args = q["args"]
        has_place = "near" in args or "lat" in args
        assert bool(args.get("q")) == (q["kind"] != "location")
        assert has_place == (q["kind"] != "text")
        if q["kind"] == "combined":
            assert set(args) - {"q", "near", "lat", "lon", "radius"}, f"no filter in {args}"


def test_great_circle_boxes_hold_the_circle() -> None:
    bench = load_bench()
    import numpy as np

    # Points 99.9 miles due north, east and across the antimeridian stay inside the boxes.
    for lat, lon in [(40.75, -74.0), (64.8, -147.7), (52.0, 179.9)]:
        found = []
        for bearing in range(0, 360, 15):
            d = 99.9 / bench.EARTH_RADIUS_MILES
            b, p1, l1 = np.radians(bearing), np.radians(lat), np.radians(lon)
            p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(b))
            l2 = l1 + np.arctan2(
                np.sin(b) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2)
            )
            plat, plon = float(np.degrees(p2)), (float(np.degrees(l2)) + 540) % 360 - 180
            assert bench.great_circle(lat, lon, np.array([plat]), np.array([plon]))[
                0
            ] == pytest.approx(99.9)
            found.append(
                any(
                    lo <= plat <= hi and w <= plon <= e
                    for lo, hi, w, e in bench.boxes(lat, lon, 100)
                )
            )
        assert all(found), (lat, lon)


@pytest.mark.postgres
def test_small_run_checks_ids_both_backends_and_reports_every_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the tests with `make test`")
    bench = load_bench()
    status = bench.main(["--files", "4", "--scale", "2", "--json", "--postgres", url])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0
    assert result["check"]["passed"], result["check"]["problems"]
    assert result["check"]["queries"] == result["kinds"]["location"]
    assert result["check"]["ids_compared"] > 0
    # Whoosh and PostgreSQL full-text search: the same totals and first pages on every query.
    agree = result["backends_agree"]
    assert agree["passed"] and agree["queries"] == result["queries"], agree["problems"][:3]
    assert result["providers"] > 2000  # two copies of the first four files
    systems = ("ours", "ours cold", "ours-pg", "ours-pg cold", "fts5+rtree", "naive")
    assert set(result["latency_ms"]) == set(systems)
    for system in systems:
        for kind in ("text", "location", "combined", "all"):
            figures = result["latency_ms"][system][kind]
            assert figures["n"] == (result["queries"] if kind == "all" else result["kinds"][kind])
            assert 0 < figures["p50"] <= figures["p95"] <= figures["p99"]
    assert {t["what"] for t in result["targets"]} and all(
        "measured" in t for t in result["targets"]
    )
