#!/usr/bin/env python3
"""The app beside a Datasette peer serving the same rows, in one run: requests/s, p99 and server
CPU per request for each kind of search, and the ratios the serving-cost targets are written in.

    python scripts/peer_loadtest.py [--instance DIR] [--duration 30s] [--rounds 1] [--kinds ...]

The peer is what a team would stand up in an afternoon: every active provider's row copied into one
SQLite file with ``sqlite-utils`` (name, address, phone, the services text the app indexes), an FTS5
table over name, second name and services (porter stemming), an index on (lat, lon), and three
canned queries served by Datasette (one process): ``text`` (FTS5, best rank first), ``near`` (a
bounding box on the index, then the haversine distance in SQL, nearest first) and ``text_near``
(both). It is handed coordinates and the box already worked out, and returns one page of rows: no
counts, filters, spelling fixes or facets. The app gets what a person types (a ZIP code, words)
and answers in full through its JSON API (``/api/v1/providers``), with gunicorn on its own config.

Kinds, each with URLs the same seed always draws from the data:

* ``text``: 40 texts (words people type, names of places);
* ``location``: 40 places (ZIP codes of providers), 5 to 50 miles;
* ``combined``: the 40 texts at the 40 places;
* ``distinct``: 1,500 different texts drawn from providers' names, so no remembered answer helps;
* ``page``: the app's search page for the combined URLs, beside its own JSON answer.

For each kind, ``wrk -t2 -c32`` runs against one server, then the other (``--rounds`` alternates
the pair again); CPU is the server processes' user + system time read from ``/proc`` before and
after. The peer's virtual environment (``.venv-peer``, from scripts/peer-requirements.txt) is made
on first use. The data is the bundle, imported into ``--instance DIR`` (kept for the next run) or a
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_queries import make_app  # noqa: E402
from sqlalchemy import select  # noqa: E402

from directory.db import db  # noqa: E402
from directory.geocode import gazetteer  # noqa: E402
from directory.models import Provider  # noqa: E402
from directory.search.fields import services_text  # noqa: E402
from directory.search.text import words_of  # noqa: E402

PEER_VENV = ROOT / ".venv-peer"
APP_PORT, PEER_PORT = 5411, 5412
PAGE = 20  # rows a page holds, in both
TEXTS = [
    "detox", "suboxone", "methadone", "alcohol", "teens", "veterans", "rehab", "outpatient",
    "dual diagnosis", "medicaid", "women", "residential", "naltrexone", "counseling", "opioid",
    "mental health", "pregnant", "buprenorphine", "telehealth", "recovery center", "hope",
    "behavioral health", "family services", "treatment center", "addiction", "halfway house",
    "salvation army", "community health", "clinic", "spanish", "methadone clinic", "intensive",
    "youth", "sober living", "psychiatric", "hospital", "women and children", "crisis", "adult",
    "men",
]  # fmt: skip
RADII = (5, 10, 25, 50)
CLK = os.sysconf("SC_CLK_TCK")


@dataclass
class Reading:
    requests: int
    rps: float
    p99_ms: float
    errors: int
    cpu_ms: float  # server CPU per request

    @property
    def row(self) -> str:
        return (
            f"{self.rps:8.0f} req/s  p99 {self.p99_ms:6.1f} ms  "
            f"CPU {self.cpu_ms:5.2f} ms/req  errors {self.errors}"
        )


# -- the peer --------------------------------------------------------------------------------------
def peer_venv() -> Path:
    if not (PEER_VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(PEER_VENV / "bin/pip"), "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(ROOT / "scripts/peer-requirements.txt")], check=True)
        (PEER_VENV / ".installed").touch()
    return PEER_VENV / "bin"


def build_peer(app, folder: Path, bin_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    """The peer's SQLite file, made with sqlite-utils from the app's active providers."""
    path = folder / "peer.db"
    if path.exists():
        path.unlink()
    tax = app.extensions["taxonomy"]
    rows = folder / "peer-rows.jsonl"
    services: dict[str, str] = {}
    with app.app_context(), rows.open("w") as out:
        for r in db.session.execute(
            select(
                Provider.id, Provider.name, Provider.name2, Provider.street, Provider.city,
                Provider.state, Provider.zip, Provider.phones, Provider.website,
                Provider.latitude, Provider.longitude, Provider.codes,
            ).where(Provider.status == "active")
        ):  # fmt: skip
            if r.codes not in services:
                services[r.codes] = services_text(r.codes.split(), tax)
            row = {
                "id": r.id, "name": r.name, "name2": r.name2, "street": r.street, "city": r.city,
                "state": r.state, "zip": r.zip, "phone": (r.phones or [""])[0],
                "website": r.website, "lat": r.latitude, "lon": r.longitude,
                "services": services[r.codes],
            }  # fmt: skip
            out.write(json.dumps(row) + "\n")
    su = str(bin_dir / "sqlite-utils")
    subprocess.run(
        [su, "insert", str(path), "providers", str(rows), "--nl", "--pk", "id"], check=True
    )
    subprocess.run(
        [su, "enable-fts", str(path), "providers", "name", "name2", "services",
         "--tokenize", "porter", "--fts5"],
        check=True,
    )  # fmt: skip
    subprocess.run([su, "create-index", str(path), "providers", "lat", "lon"], check=True)
    subprocess.run([su, "optimize", str(path)], check=True)
    return path


COLUMNS = (
    "p.id, p.name, p.name2, p.street, p.city, p.state, p.zip, p.phone, p.website, p.lat, p.lon"
)
MILES = (
    "7917.5 * asin(sqrt(pow(sin(radians(p.lat - :lat) / 2), 2) + cos(radians(:lat)) * "
    "cos(radians(p.lat)) * pow(sin(radians(p.lon - :lon) / 2), 2)))"
)
BOX = "p.lat BETWEEN :south AND :north AND p.lon BETWEEN :west AND :east"
CANNED = {
    "text": f"SELECT {COLUMNS} FROM providers_fts f JOIN providers p ON p.id = f.rowid "
    f"WHERE providers_fts MATCH :q ORDER BY f.rank LIMIT {PAGE}",
    "near": f"SELECT {COLUMNS}, {MILES} AS miles FROM providers p WHERE {BOX} "
    f"AND miles <= CAST(:miles AS REAL) ORDER BY miles LIMIT {PAGE}",
    "text_near": f"SELECT {COLUMNS}, {MILES} AS miles FROM providers p WHERE {BOX} "
    "AND p.id IN (SELECT rowid FROM providers_fts WHERE providers_fts MATCH :q) "
    f"AND miles <= CAST(:miles AS REAL) ORDER BY miles LIMIT {PAGE}",
}


def peer_metadata(folder: Path) -> Path:
    path = folder / "peer-metadata.json"
    queries = {name: {"sql": sql} for name, sql in CANNED.items()}
    path.write_text(json.dumps({"databases": {"peer": {"queries": queries}}}, indent=2))
    return path


# -- the questions ---------------------------------------------------------------------------------
def fts_words(text: str) -> str:
    return " ".join(f'"{w}"' for w in words_of(text))


def box(lat: float, lon: float, miles: float) -> dict[str, float]:
    import math

    dlat = miles / 69.05
    dlon = miles / (69.17 * max(0.05, math.cos(math.radians(lat))))
    return {"south": lat - dlat, "north": lat + dlat, "west": lon - dlon, "east": lon + dlon}


def questions(app, seed: int = 1) -> dict[str, tuple[list[str], list[str]]]:  # type: ignore[no-untyped-def]
    """For each kind, (app URLs, peer URLs), asking the same things in the same order."""
    rnd = random.Random(seed)
    with app.app_context():
        providers = db.session.execute(
            select(Provider.zip, Provider.name, Provider.name2)
            .where(Provider.status == "active")
            .order_by(Provider.id)
        ).all()
    zips = gazetteer().zips
    places = []
    while len(places) < 40:
        z = rnd.choice(providers).zip[:5]
        if z in zips and z not in {p[0] for p in places}:
            places.append((z, zips[z].latitude, zips[z].longitude, rnd.choice(RADII)))
    api, peer = "/api/v1/providers?", "/peer/"
    out: dict[str, tuple[list[str], list[str]]] = {}
    out["text"] = (
        [api + urlencode({"q": t}) for t in TEXTS],
        [peer + "text.json?" + urlencode({"q": fts_words(t)}) for t in TEXTS],
    )
    out["location"] = (
        [api + urlencode({"near": z, "radius": r}) for z, _, _, r in places],
        [
            peer + "near.json?" + urlencode({"lat": la, "lon": lo, "miles": r, **box(la, lo, r)})
            for _, la, lo, r in places
        ],
    )
    pairs = list(zip(TEXTS, places))
    out["combined"] = (
        [api + urlencode({"q": t, "near": z, "radius": r}) for t, (z, _, _, r) in pairs],
        [
            peer
            + "text_near.json?"
            + urlencode({"q": fts_words(t), "lat": la, "lon": lo, "miles": r, **box(la, lo, r)})
            for t, (_, la, lo, r) in pairs
        ],
    )
    distinct: list[str] = []
    seen: set[str] = set()
    while len(distinct) < 1500:
        r = rnd.choice(providers)
        words = [w for w in words_of(f"{r.name} {r.name2}") if len(w) > 2 and w.isalpha()]
        if not words:
            continue
        k = rnd.randint(0, len(words) - 1)
        text = " ".join(words[k : k + rnd.choice((1, 1, 2))])
        if text not in seen:
            seen.add(text)
            distinct.append(text)
    out["distinct"] = (
        [api + urlencode({"q": t}) for t in distinct],
        [peer + "text.json?" + urlencode({"q": fts_words(t)}) for t in distinct],
    )
    out["page"] = (
        ["/search?" + u.split("?", 1)[1] for u in out["combined"][0]],
        out["combined"][0],  # the page's peer is its own JSON answer
    )
    return out


# -- measuring -------------------------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            children = (task / "children").read_text().split()
            todo += [int(c) for c in children]
    return out


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK


def wrk(port: int, urls: list[str], duration: str, folder: Path, pid: int) -> Reading:
    listing = folder / f"urls-{port}.txt"
    listing.write_text("\n".join(urls) + "\n")
    before = cpu_seconds(pid)
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}", "--timeout", "10s",
         "-s", str(ROOT / "scripts/loadtest.lua"), f"http://127.0.0.1:{port}", "--", str(listing)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    used = cpu_seconds(pid) - before
    found = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
    requests = int(found["requests"])
    return Reading(
        requests,
        float(found["rps"]),
        float(found["p99_ms"]),
        int(found["errors"]),
        used / max(1, requests) * 1000,
    )


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {url}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"not ready: {url}")


def warm(port: int, urls: list[str]) -> None:
    for u in urls:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{u}", timeout=30).read()
        except OSError as e:
            raise SystemExit(f"{u} failed while warming: {e}") from e


def start_app(folder: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'test.sqlite3'}",
        "INDEX_DIR": str(folder / "index"),
        "SECRET_KEY": "peer-loadtest",
        "API_RATE_LIMIT": "1000000 per second",  # wrk is one address
        "WEB_CONCURRENCY": str(workers),
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{APP_PORT}", "wsgi:app"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def start_peer(folder: Path, bin_dir: Path, db_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(bin_dir / "datasette"), "serve", str(db_path), "--immutable", str(db_path),
         "--metadata", str(peer_metadata(folder)), "--host", "127.0.0.1",
         "--port", str(PEER_PORT), "--setting", "sql_time_limit_ms", "10000"],
        stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instance", type=Path, help="a folder to keep the imported data in")
    ap.add_argument("--duration", default="30s", help="wrk's run per kind and server")
    ap.add_argument("--rounds", type=int, default=1, help="alternate each pair this many times")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    ap.add_argument(
        "--kinds", nargs="+", default=["text", "location", "combined", "distinct", "page"]
    )
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    folder = args.instance or Path(tempfile.mkdtemp(prefix="peer-"))
    app = make_app(folder)
    bin_dir = peer_venv()
    db_path = build_peer(app, folder, bin_dir)
    asked = questions(app)
    servers = {"app": start_app(folder, args.workers), "peer": start_peer(folder, bin_dir, db_path)}
    try:
        wait_ready(f"http://127.0.0.1:{APP_PORT}/readyz", servers["app"])
        wait_ready(f"http://127.0.0.1:{PEER_PORT}/peer.json", servers["peer"])
        print(
            f"wrk -t2 -c32 -d{args.duration} per kind and server; app: {args.workers} gunicorn "
            f"workers, peer: Datasette, one process; {os.cpu_count()} cores"
        )
        results: dict[str, dict[str, list[Reading]]] = {}
        for kind in args.kinds:
            app_urls, peer_urls = asked[kind]
            # The page's yardstick is the app's own JSON answer, on the app's port.
            other = ("app", APP_PORT) if kind == "page" else ("peer", PEER_PORT)
            for _ in range(2):  # every worker's remembered answers, as in steady serving
                warm(APP_PORT, app_urls)
            warm(other[1], peer_urls)
            got: dict[str, list[Reading]] = {"app": [], "other": []}
            for _ in range(args.rounds):
                got["app"].append(
                    wrk(APP_PORT, app_urls, args.duration, folder, servers["app"].pid)
                )
                got["other"].append(
                    wrk(other[1], peer_urls, args.duration, folder, servers[other[0]].pid)
                )
            results[kind] = got
            report(kind, got)
    finally:
        for p in servers.values():
            p.send_signal(signal.SIGTERM)
        for p in servers.values():
            p.wait(timeout=30)
    return 0


def report(kind: str, got: dict[str, list[Reading]]) -> None:
    label = "json" if kind == "page" else "peer"
    for k, (a, b) in enumerate(zip(got["app"], got["other"])):
        print(f"{kind:9} round {k + 1}  app  {a.row}")
        print(f"{kind:9} round {k + 1}  {label} {b.row}")
        if kind == "page":
            print(f"{kind:9} round {k + 1}  page / json CPU per request {a.cpu_ms / b.cpu_ms:.2f}x")
        else:
            print(
                f"{kind:9} round {k + 1}  app / peer: CPU per request {a.cpu_ms / b.cpu_ms:.2f}x, "
                f"req/s {a.rps / b.rps:.2f}x, p99 {a.p99_ms / b.p99_ms:.2f}x"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
