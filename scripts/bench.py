"""Benchmark find_providers on the national data (or N copies of it) against two SQLite baselines.

    python scripts/bench.py [--scale N] [--json] [--files K] [--repeat R] [--postgres URL]

Everything lives in a temporary folder: a throwaway app with the bundled SAMHSA files imported
(``--files K``: only the bundle's first K files), replicated ``--scale`` times with jittered
coordinates and names, and a second SQLite database holding the same rows for the baselines:

* ``fts5+rtree``: an FTS5 table over name, name2 and services text, an R*Tree over the points, then
  exact great-circle distances for the R*Tree's candidates;
* ``naive``: ``LIKE`` over the same text and the haversine formula over every row, all in SQL.

The mix (``scripts/bench_queries.json``) runs against every system, once each (``--repeat``),
after a few warm-up queries that are not in it. Our figures are whole ``find_providers`` calls
(place lookup, text, filters, facets, sorting, reading the page's rows) in a request context of
their own; the baselines get the place already resolved and compute no facets, synonyms or spelling
fixes. Texts of the combined queries recur from the text-only ones, as popular words do, so caches
keyed by text help there; the ``cold`` rows forget every remembered query before each one, so they
are a first request.

``ours`` is the Whoosh text index; with ``--postgres URL`` (a database the bench may empty) the same
data is loaded there too and ``ours-pg`` is PostgreSQL full-text search, side by side. Location-only
queries must give the very same provider ids in every system, and both text backends the very same
first page for every query, or the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from directory import create_app  # noqa: E402
from directory.bundle import load_bundle  # noqa: E402
from directory.db import db  # noqa: E402
from directory.models import Provider, bump_data_version  # noqa: E402
from directory.search.fields import services_text  # noqa: E402
from directory.search.params import SearchQuery, parse_query  # noqa: E402
from directory.search.service import find_providers, resolve_location  # noqa: E402
from directory.search.snapshot import snapshot  # noqa: E402
from directory.search.text import words_of  # noqa: E402
from directory.search.upkeep import reindex  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "bench_queries.json"
EARTH_RADIUS_MILES = 3958.7613
KINDS = ("text", "location", "combined")
BASELINES = ("fts5+rtree", "naive")
NAME_SUFFIXES = ("North", "South", "East", "West", "Annex", "Branch", "Campus", "Site", "Office")
CHECK_PAGE = 5000  # page size used to read every id of a location query through find_providers
BOUNDARY_MILES = 1e-6  # ids this close to the radius may legitimately differ (floating point)
P95_TARGET_MS = {1: 25.0, 10: 80.0}


@dataclass
class Case:
    """One query of the mix, parsed for our system and resolved for the baselines."""

    kind: str
    args: dict[str, Any]
    query: SearchQuery
    words: list[str]
    point: tuple[float, float] | None
    groups: list[frozenset[str]]  # per filtered group, the codes any of its chosen options means


# -- data ------------------------------------------------------------------------------------------
def build_app(folder: Path, database_url: str | None = None) -> Flask:
    """SQLite with the Whoosh index, or (``database_url``) PostgreSQL with its full-text search."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
            "TEXT_BACKEND": "postgresql" if database_url else "whoosh",
            "INDEX_DIR": str(folder / "index"),
            "SERVER_NAME": "localhost",
            "RATELIMIT_ENABLED": False,
        }
    )


def empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def load(
    app: Flask,
    folder: Path,
    scale: int,
    files: int | None,
    log: Callable[..., None],
    setup: dict[str, float],
    label: str,
) -> None:
    """Import the bundle into ``app``'s database, replicate it and rebuild its text index, timed."""
    with app.app_context():
        started = time.perf_counter()
        import_bundle(Path(app.config["DATA_DIR"]), folder, files, log)
        setup[f"{label}: import and index"] = time.perf_counter() - started
        if scale > 1:
            started = time.perf_counter()
            log(f"  replicated to {replicate(scale):,} providers")
            setup[f"{label}: replicate"] = time.perf_counter() - started
            started = time.perf_counter()
            log(f"  indexed {reindex():,} providers")
            setup[f"{label}: reindex"] = time.perf_counter() - started


def import_bundle(
    data_dir: Path, folder: Path, files: int | None, log: Callable[..., None]
) -> None:
    """Import the bundled files through ``load_bundle``; with ``files``, a manifest of only the
    first ones."""
    if files is None:
        load_bundle(data_dir, echo=log)
        return
    with (data_dir / "bundle.toml").open("rb") as f:
        entries = tomllib.load(f)["file"][:files]
    lines = []
    for e in entries:  # absolute paths, so the manifest can live in the temporary folder
        lines += ["[[file]]", f"path = {json.dumps(str(data_dir / e['path']))}"]
        lines += [f"map = {json.dumps(str(data_dir / e['map']))}"] if e.get("map") else []
        lines += [
            f"add_codes = {json.dumps(e.get('add_codes', []))}",
            f"source_date = {json.dumps(e.get('source_date', ''))}",
        ]
    (folder / "bundle.toml").write_text("\n".join(lines) + "\n")
    load_bundle(folder, echo=log)


def replicate(scale: int, seed: int = 1) -> int:
    """Add ``scale - 1`` copies of every active provider, moved 0.5-4 km and renamed; return the
    new count."""
    table = Provider.__table__
    originals = [
        dict(r._mapping)
        for r in db.session.execute(
            select(table).where(table.c.status == "active").order_by(table.c.id)
        )
    ]
    step = max((r["id"] for r in originals), default=0)
    rng = random.Random(seed)
    for k in range(1, scale):
        copies = []
        for r in originals:
            km, bearing = rng.uniform(0.5, 4.0), rng.uniform(0, 2 * math.pi)
            lat = max(-89.9, min(89.9, r["latitude"] + km * math.cos(bearing) / 111.2))
            lon = r["longitude"] + km * math.sin(bearing) / (
                111.2 * max(0.05, math.cos(math.radians(lat)))
            )
            copies.append(
                {
                    **r,
                    "id": r["id"] + k * step,
                    "public_id": f"{r['public_id']}-{k}",
                    "name": f"{r['name']} {NAME_SUFFIXES[(r['id'] + k) % len(NAME_SUFFIXES)]}",
                    "latitude": lat,
                    "longitude": (lon + 540) % 360 - 180,
                }
            )
        db.session.execute(insert(table), copies)
    bump_data_version()
    db.session.commit()
    return len(originals) * scale


def build_baselines(path: Path, tax: Any) -> sqlite3.Connection:
    """Copy every active provider into a separate SQLite database: plain rows, FTS5 and R*Tree."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE plain (id INTEGER PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL,
                            codes TEXT NOT NULL, body TEXT NOT NULL);
        CREATE VIRTUAL TABLE fts USING fts5(name, name2, services, tokenize = 'porter unicode61');
        CREATE VIRTUAL TABLE geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);
    """)
    services: dict[str, str] = {}  # codes -> services text, as the Whoosh index has it
    rows = db.session.execute(
        select(
            Provider.id,
            Provider.name,
            Provider.name2,
            Provider.codes,
            Provider.latitude,
            Provider.longitude,
        ).where(Provider.status == "active")
    )
    for r in rows:
        if r.codes not in services:
            services[r.codes] = services_text(r.codes.split(), tax)
        text = services[r.codes]
        conn.execute(
            "INSERT INTO plain VALUES (?, ?, ?, ?, ?)",
            (r.id, r.latitude, r.longitude, r.codes, f"{r.name} {r.name2} {text}"),
        )
        conn.execute(
            "INSERT INTO fts (rowid, name, name2, services) VALUES (?, ?, ?, ?)",
            (r.id, r.name, r.name2, text),
        )
        conn.execute(
            "INSERT INTO geo VALUES (?, ?, ?, ?, ?)",
            (r.id, r.latitude, r.latitude, r.longitude, r.longitude),
        )
    conn.commit()
    return conn


# -- the baselines ---------------------------------------------------------------------------------
def great_circle(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Haversine distance in miles, written separately from the catalog's so the check is
    independent."""
    phi, phis = math.radians(lat), np.radians(lats)
    h = (
        np.sin((phis - phi) / 2) ** 2
        + math.cos(phi) * np.cos(phis) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def boxes(lat: float, lon: float, miles: float) -> list[tuple[float, float, float, float]]:
    """Latitude/longitude boxes (split at the antimeridian) holding every point within ``miles``."""
    d = miles / EARTH_RADIUS_MILES
    lo, hi = lat - math.degrees(d), lat + math.degrees(d)
    if lo <= -90 or hi >= 90:
        return [(max(lo, -90.0), min(hi, 90.0), -180.0, 180.0)]
    dlon = math.degrees(math.asin(min(1.0, math.sin(d) / math.cos(math.radians(lat))))) + 1e-6
    west, east = lon - dlon, lon + dlon
    if west < -180:
        return [(lo, hi, west + 360, 180.0), (lo, hi, -180.0, east)]
    if east > 180:
        return [(lo, hi, west, 180.0), (lo, hi, -180.0, east - 360)]
    return [(lo, hi, west, east)]


def passes(codes: str, groups: list[frozenset[str]]) -> bool:
    have = set(codes.split())
    return all(have & g for g in groups)


def fts_match(words: list[str]) -> str:
    return " ".join(f'"{w}"' for w in words)


def fts_rtree(conn: sqlite3.Connection, case: Case) -> list[int]:
    """Ids in result order: FTS5 for text (best bm25 first), R*Tree then exact distance for a
    place."""
    if case.point is None:
        rows = conn.execute(
            "SELECT p.id, p.codes FROM fts JOIN plain p ON p.id = fts.rowid "
            "WHERE fts MATCH ? ORDER BY rank",
            (fts_match(case.words),),
        ).fetchall()
        return [i for i, codes in rows if passes(codes, case.groups)]
    lat, lon = case.point
    sql = (
        "SELECT p.id, p.lat, p.lon, p.codes FROM geo JOIN plain p ON p.id = geo.id "
        "WHERE geo.max_lat >= ? AND geo.min_lat <= ? AND geo.max_lon >= ? AND geo.min_lon <= ?"
    )
    rows = []
    for box in boxes(lat, lon, case.query.radius):
        if case.words:
            rows += conn.execute(
                sql + " AND p.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)",
                (*box, fts_match(case.words)),
            ).fetchall()
        else:
            rows += conn.execute(sql, box).fetchall()
    rows = [r for r in rows if passes(r[3], case.groups)]
    if not rows:
        return []
    ids = np.array([r[0] for r in rows])
    dist = great_circle(lat, lon, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
    keep = dist <= case.query.radius
    return ids[keep][np.argsort(dist[keep], kind="stable")].tolist()


HAVERSINE_SQL = (
    "2 * 3958.7613 * asin(min(1.0, sqrt(power(sin(radians(lat - :lat) / 2), 2) + "
    "cos(radians(:lat)) * cos(radians(lat)) * power(sin(radians(lon - :lon) / 2), 2))))"
)


def naive(conn: sqlite3.Connection, case: Case) -> list[int]:
    """Ids in result order: LIKE over all text, haversine over all rows, in one scan of the
    table."""
    like = " AND ".join(f"body LIKE :w{i}" for i in range(len(case.words))) or "1"
    params: dict[str, Any] = {f"w{i}": f"%{w}%" for i, w in enumerate(case.words)}
    if case.point is None:
        rows = conn.execute(f"SELECT id, codes FROM plain WHERE {like}", params).fetchall()
    else:
        params.update(lat=case.point[0], lon=case.point[1], radius=case.query.radius)
        rows = conn.execute(
            f"SELECT id, codes FROM (SELECT id, codes, {HAVERSINE_SQL} AS dist FROM plain "
            f"WHERE {like}) WHERE dist <= :radius ORDER BY dist",
            params,
        ).fetchall()
    return [i for i, codes in rows if passes(codes, case.groups)]


# -- running ---------------------------------------------------------------------------------------
def prepare(app: Flask, mix: list[dict[str, Any]]) -> list[Case]:
    tax = app.extensions["taxonomy"]
    codes = {(o.group, o.key): frozenset(o.codes) for o in tax.options}
    cases = []
    with app.test_request_context():
        for item in mix:
            q = parse_query(item["args"], tax, app.config)
            place, _, error = resolve_location(q)
            if error or (place is not None and place.precision == "state"):
                raise SystemExit(
                    f"bench query {item['args']} needs one place that is not a state ({error})"
                )
            groups = [
                frozenset().union(*(codes[(g, o)] for o in opts)) for g, opts in q.filters.items()
            ]
            cases.append(
                Case(
                    item["kind"],
                    item["args"],
                    q,
                    words_of(q.q),
                    (place.latitude, place.longitude) if place else None,
                    groups,
                )
            )
    return cases


def ours(app: Flask, cold: bool = False) -> Callable[[Case], int]:
    """One search in a request context of its own; ``cold``: with no query remembered."""

    def run(case: Case) -> int:
        with app.test_request_context():  # a request's own database session, as in the views
            if cold:
                snapshot().text.forget()
            return find_providers(case.query).total

    return run


def first_pages(app: Flask, cases: list[Case]) -> list[tuple[int, list[str]]]:
    """Each query's total and first page of public ids (the same in both databases), in order."""
    out = []
    for c in cases:
        with app.test_request_context():
            res = find_providers(c.query)
            out.append((res.total, [h.listing.public_id for h in res.hits]))
    return out


def backends_agree(whoosh: Flask, pg: Flask, cases: list[Case]) -> dict[str, Any]:
    """Both text backends give the same total and the same first page, in the same order."""
    differ = [
        {"args": c.args, "whoosh": a, "postgresql": b}
        for c, a, b in zip(cases, first_pages(whoosh, cases), first_pages(pg, cases))
        if a != b
    ]
    return {"passed": not differ, "queries": len(cases), "problems": differ}


def measure(
    system: Callable[[Case], Any], warmup: list[Case], cases: list[Case], repeat: int
) -> dict[str, list[float]]:
    """Milliseconds per query, by kind, after the (unmeasured) warm-up queries."""
    for c in warmup:
        system(c)
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    for _ in range(repeat):
        for c in cases:
            started = time.perf_counter()
            system(c)
            samples[c.kind].append((time.perf_counter() - started) * 1000)
    return samples


def percentiles(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    groups = {**samples, "all": [x for k in KINDS for x in samples[k]]}
    return {
        k: {"n": len(v), **{f"p{p}": round(float(np.percentile(v, p)), 3) for p in (50, 95, 99)}}
        for k, v in groups.items()
        if v
    }


def our_ids(app: Flask, query: SearchQuery) -> tuple[int, set[int]]:
    """Every provider id find_providers gives for a query, page by page, and the total it
    reports."""
    ids: set[int] = set()
    page = 1
    while True:
        with app.test_request_context():
            res = find_providers(query.with_(page=page, per_page=CHECK_PAGE))
            ids.update(h.listing.id for h in res.hits)
        if page >= res.pages:
            return res.total, ids
        page += 1


def check(app: Flask, conn: sqlite3.Connection, cases: list[Case]) -> dict[str, Any]:
    """Location-only queries: our ids must equal both baselines' (except points on the boundary)."""
    problems, checked, compared = [], 0, 0
    for c in (c for c in cases if c.kind == "location"):
        checked += 1
        total, mine = our_ids(app, c.query)
        compared += len(mine)
        for name, fn in (("fts5+rtree", fts_rtree), ("naive", naive)):
            theirs = fn(conn, c)
            differ = sorted(mine.symmetric_difference(theirs))
            if differ:
                coords = conn.execute(
                    f"SELECT lat, lon FROM plain WHERE id IN ({','.join(map(str, differ))})"
                ).fetchall()
                assert c.point is not None
                dist = great_circle(
                    *c.point, np.array([p[0] for p in coords]), np.array([p[1] for p in coords])
                )
                differ = [] if np.all(np.abs(dist - c.query.radius) <= BOUNDARY_MILES) else differ
            if differ or total != len(mine) or len(theirs) != len(set(theirs)):
                problems.append(
                    {
                        "args": c.args,
                        "baseline": name,
                        "ours": total,
                        "theirs": len(theirs),
                        "differing_ids": differ[:10],
                    }
                )
    return {
        "passed": not problems and checked > 0,
        "queries": checked,
        "ids_compared": compared,
        "problems": problems,
    }


def targets(scale: int, lat: dict[str, dict[str, dict[str, float]]]) -> list[dict[str, Any]]:
    ours_all, ours_loc = lat["ours"]["all"]["p95"], lat["ours"]["location"]["p95"]
    cold, fts = lat["ours cold"]["text"], lat["fts5+rtree"]["text"]
    return [
        {
            "what": "text p95 (scale 10)",
            "target": "<= 20 ms",
            "measured": f"{lat['ours']['text']['p95']:.1f} ms",
            "ok": lat["ours"]["text"]["p95"] <= 20,
            "applies": scale >= 10,
        },
        {
            "what": "first request of a text query vs fts5, p50 and p95",
            "target": "<= 1x",
            "measured": f"{cold['p50'] / fts['p50']:.2f}x, {cold['p95'] / fts['p95']:.2f}x",
            "ok": cold["p50"] <= fts["p50"] and cold["p95"] <= fts["p95"],
            "applies": True,
        },
        {
            "what": "p95 over the whole mix, facets included",
            "target": f"<= {P95_TARGET_MS.get(scale, 80.0):g} ms",
            "measured": f"{ours_all:.1f} ms",
            "ok": ours_all <= P95_TARGET_MS.get(scale, 80.0),
            "applies": scale in P95_TARGET_MS,
        },
        {
            "what": "location-only p95 vs fts5+rtree p95",
            "target": "<= 2x",
            "measured": f"{ours_loc / lat['fts5+rtree']['location']['p95']:.2f}x",
            "ok": ours_loc <= 2 * lat["fts5+rtree"]["location"]["p95"],
            "applies": True,
        },
        {
            "what": "naive p95 / our p95 over the whole mix",
            "target": ">= 20x (scale 10)",
            "measured": f"{lat['naive']['all']['p95'] / ours_all:.1f}x",
            "ok": lat["naive"]["all"]["p95"] >= 20 * ours_all,
            "applies": scale >= 10,
        },
    ]


def ratios(lat: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    out = {}
    for k in lat["ours"]:
        for p in ("p50", "p95", "p99"):
            o = max(lat["ours"][k][p], 1e-9)
            out.setdefault(k, {})[f"ours/fts5+rtree {p}"] = round(
                o / max(lat["fts5+rtree"][k][p], 1e-9), 2
            )
            out[k][f"naive/ours {p}"] = round(lat["naive"][k][p] / o, 2)
    return out


def report(r: dict[str, Any]) -> None:
    print(
        f"search bench: scale {r['scale']}, {r['providers']:,} providers, "
        f"{r['queries']} queries x {r['repeat']} "
        f"({', '.join(f'{n} {k}' for k, n in r['kinds'].items())}); "
        f"load {r['load_before']} -> {r['load_after']} on {r['cpus']} CPUs"
    )
    print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["setup_seconds"].items()))
    columns, ps = (*KINDS, "all"), ("p50", "p95", "p99")
    print(f"\n{'ms':<20}" + "".join(f"{k:>27}" for k in columns))
    print(f"{'':<20}" + "".join(f"{p:>9}" for p in ps) * len(columns))
    for s in r["latency_ms"]:
        print(
            f"{s:<20}" + "".join(f"{r['latency_ms'][s][k][p]:>9.2f}" for k in columns for p in ps)
        )
    for name in ("ours/fts5+rtree", "naive/ours"):
        print(
            f"{name + ' (x)':<20}"
            + "".join(f"{r['ratios'][k][f'{name} {p}']:>9.2f}" for k in columns for p in ps)
        )
    print("\ntargets")
    for t in r["targets"]:
        status = ("PASS" if t["ok"] else "MISS") if t["applies"] else "n/a "
        print(f"  {status}  {t['what']:<45} target {t['target']:<20} measured {t['measured']}")
    c = r["check"]
    print(
        f"\ncheck: location-only ids equal in every system on {c['queries']} queries "
        f"({c['ids_compared']:,} ids): "
        f"{'PASS' if c['passed'] else 'FAIL'}"
    )
    for p in c["problems"][:10]:
        print(f"  {p}")
    agree = r.get("backends_agree")
    if agree:
        print(
            f"check: Whoosh and PostgreSQL give the same total and first page on all "
            f"{agree['queries']} queries: {'PASS' if agree['passed'] else 'FAIL'}"
        )
        for p in agree["problems"][:10]:
            print(f"  {p}")


def run(
    scale: int = 1,
    files: int | None = None,
    repeat: int = 1,
    queries: Path = QUERIES,
    log: Callable[..., None] = print,
    postgres: str | None = None,
) -> dict[str, Any]:
    """Build everything in a temporary folder, measure every system and check them; return the
    figures."""
    mix = json.loads(queries.read_text())
    setup: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        apps = {"ours": build_app(folder)}
        if postgres:
            empty_postgres(postgres)
            (folder / "pg").mkdir()
            apps["ours-pg"] = build_app(folder / "pg", postgres)
        for label, app in apps.items():
            log(f"{label}:")
            load(app, folder, scale, files, log, setup, label)
        with apps["ours"].app_context():
            started = time.perf_counter()
            conn = build_baselines(
                folder / "baselines.sqlite3", apps["ours"].extensions["taxonomy"]
            )
            setup["baselines"] = time.perf_counter() - started
        try:
            providers = conn.execute("SELECT count(*) FROM plain").fetchone()[0]
            warmup, cases = (
                prepare(apps["ours"], mix["warmup"]),
                prepare(apps["ours"], mix["queries"]),
            )
            load_before = [round(x, 2) for x in os.getloadavg()]
            samples = {}
            for label, app in apps.items():
                samples[label] = measure(ours(app), warmup, cases, repeat)
                samples[f"{label} cold"] = measure(ours(app, cold=True), warmup, cases, 1)
            samples["fts5+rtree"] = measure(lambda c: fts_rtree(conn, c), warmup, cases, repeat)
            samples["naive"] = measure(lambda c: naive(conn, c), warmup, cases, repeat)
            load_after = [round(x, 2) for x in os.getloadavg()]
            log("  checking location-only results")
            result_check = check(apps["ours"], conn, cases)
            # The databases number providers apart: PostgreSQL is checked against Whoosh by
            # public id.
            agree = backends_agree(apps["ours"], apps["ours-pg"], cases) if postgres else None
        finally:
            conn.close()
            for app in apps.values():
                with app.app_context():
                    db.engine.dispose()
    lat = {s: percentiles(v) for s, v in samples.items()}
    return {
        "scale": scale,
        "files": files,
        "providers": providers,
        "queries": len(cases),
        "repeat": repeat,
        "kinds": {k: sum(c.kind == k for c in cases) for k in KINDS},
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": load_after,
        "setup_seconds": {k: round(v, 1) for k, v in setup.items()},
        "latency_ms": lat,
        "ratios": ratios(lat),
        "targets": targets(scale, lat),
        "check": result_check,
        "backends_agree": agree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=int, default=1, help="copies of the national data (default 1)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with every figure"
    )
    parser.add_argument(
        "--files", type=int, help="import only the bundle's first FILES files (quick runs)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the mix this many times per system (later passes find our caches warm)",
    )
    parser.add_argument(
        "--queries", type=Path, default=QUERIES, help="the query mix (default: %(default)s)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure PostgreSQL full-text search on this database (it is emptied first)",
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or args.repeat < 1:
        parser.error("--scale and --repeat must be at least 1")
    result = run(
        args.scale,
        args.files,
        args.repeat,
        args.queries,
        log=lambda *a: print(*a, file=sys.stderr, flush=True),
        postgres=args.postgres,
    )
    if args.json:
        print(json.dumps(result))
    else:
        report(result)
    agree = result["backends_agree"]
    return 0 if result["check"]["passed"] and (agree is None or agree["passed"]) else 1


if __name__ == "__main__":
    sys.exit(main())
