"""Fault drills: kill -9 during an import, searches during reindexing, a missing or corrupt index.

    .venv/bin/python scripts/faults.py kill9 [--file PATH] [--trials 10] [--seed N]
    .venv/bin/python scripts/faults.py reindex-load [--requests 2000] [--threads 4] \
[--min-reindexes 3]
    .venv/bin/python scripts/faults.py corrupt-index
    .venv/bin/python scripts/faults.py db-down [--seconds 8] [--threads 3]

Each drill builds its own instance in a temporary folder (SQLite file and index folder, \
passed to the
app as DATABASE_URL and INDEX_DIR; ``db-down`` starts a PostgreSQL server of its own there, which it
stops and starts again under load), prints what it measured, and exits 1 if anything was \
inconsistent.
Servers listen on a free port between 5200 and 5299.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIN = (
    REPO / ".venv" / "bin"
    if (REPO / ".venv" / "bin" / "python").exists()
    else Path(sys.executable).parent
)
PY = str(BIN / "python")
SHARED = REPO.parent / "shared" / "data" / "samhsa"
SAMHSA = SHARED if SHARED.exists() else REPO / "data" / "samhsa"
SEED_FILE = SAMHSA / "locator-api-2019-charlottesville.json"
NATIONAL_SU = SAMHSA / "substance-use-facilities-national.csv"
NSSATS = SAMHSA / "nssats-2017-directory-otp.csv"


# -- an instance in a folder -----------------------------------------------------------------------
@dataclass
class State:
    """What the database holds (timestamps left out, so two runs of the same import compare
    equal)."""

    providers: int
    active: int
    sources: int
    version: int
    checksum: str

    def __str__(self) -> str:
        return (
            f"{self.providers} providers ({self.active} active), {self.sources} sources, "
            f"data_version {self.version}, rows sha256 {self.checksum[:12]}"
        )


class Instance:
    """A throwaway instance: SQLite database and index folder under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.database = folder / "directory.sqlite3"
        self.index_dir = folder / "index"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "INDEX_DIR": str(self.index_dir),
            "SECRET_KEY": "faults-drill-secret",
            "PYTHONUNBUFFERED": "1",
        }

    @contextmanager
    def app(self) -> Iterator[Any]:
        """An app on this instance, inside an app context; connections closed on the way out."""
        from directory import create_app
        from directory.db import db

        application = create_app(
            {
                "DATABASE_URL": self.env["DATABASE_URL"],
                "INDEX_DIR": str(self.index_dir),
                "SECRET_KEY": self.env["SECRET_KEY"],
            }
        )
        with application.app_context():
            try:
                yield application
            finally:
                db.session.remove()
                db.engine.dispose()

    def check_isolated(self) -> None:
        """Refuse to run if the app, started as the subprocesses start it, would use another
        database."""
        out = subprocess.run(
            [
                PY,
                "-c",
                "from directory import create_app; a = create_app(); "
                "print(a.config['SQLALCHEMY_DATABASE_URI']); print(a.config['INDEX_DIR'])",
            ],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if out[-2:] != [self.env["DATABASE_URL"], str(self.index_dir)]:
            raise SystemExit(
                f"the app would not use the drill's instance ({out[-2:]}); check instance/config.py"
            )

    def save(self, to: Path) -> None:
        shutil.rmtree(to, ignore_errors=True)
        shutil.copytree(self.folder, to)

    def restore(self, frm: Path) -> None:
        shutil.rmtree(self.folder)
        shutil.copytree(frm, self.folder)

    def start_import(self, path: Path, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                [PY, "scripts/import_providers.py", str(path), "--json"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def state(self) -> State:
        with self.app():
            return db_state()

    def inspect(self, rebuild: bool) -> dict[str, Any]:
        """Database state, index health, whether the index holds exactly the active providers;
        then ensure_index."""
        from directory.search.upkeep import ensure_index, index_health

        with self.app():
            out: dict[str, Any] = {
                "state": db_state(),
                "health": index_health(),
                "ids_match": index_ids_match(),
            }
            if rebuild:
                out["rebuilt"] = ensure_index()
                out["health_after"] = index_health()
                out["ids_match_after"] = index_ids_match()
            return out


def db_state() -> State:
    """Counts and a checksum of every row of provider, provider_source and meta (but their
    timestamps)."""
    from sqlalchemy import text

    from directory.db import db
    from directory.models import Meta, Provider, ProviderSource

    h = hashlib.sha256()
    for model in (Provider, ProviderSource, Meta):
        cols = [c.name for c in model.__table__.columns if not c.name.endswith("_at")]
        rows = db.session.execute(
            text(f"SELECT {', '.join(cols)} FROM {model.__tablename__} ORDER BY 1")
        ).all()
        h.update(repr([tuple(r) for r in rows]).encode())

    def count(sql: str) -> int:
        return int(db.session.execute(text(sql)).scalar() or 0)

    version = db.session.execute(text("SELECT value FROM meta WHERE key = 'data_version'")).scalar()
    return State(
        count("SELECT count(*) FROM provider"),
        count("SELECT count(*) FROM provider WHERE status = 'active'"),
        count("SELECT count(*) FROM provider_source"),
        int(version or 0),
        h.hexdigest(),
    )


def index_ids_match() -> bool:
    """True when the index's documents are exactly the active providers."""
    from flask import current_app
    from sqlalchemy import select

    from directory.db import db
    from directory.models import Provider

    try:
        ids = current_app.extensions["text_index"].document_ids()
    except Exception:
        return False
    return ids == set(db.session.scalars(select(Provider.id).where(Provider.status == "active")))


def free_port(low: int = 5200, high: int = 5299) -> int:
    for port in random.sample(range(low, high + 1), high - low + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port between 5200 and 5299")


@contextmanager
def server(inst: Instance, log: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run gunicorn on the instance the way `make run` does; yield its base URL once /readyz
    answers."""
    import requests

    port = free_port()
    env = {**inst.env, **(extra_env or {})}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log}")
            time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- kill -9 during an import ----------------------------------------------------------------------
@dataclass
class Trial:
    delay: float
    finished: bool  # the import ended before the kill
    db: str  # "before" | "after" | "neither"
    in_step: bool  # index in step with the database right after the kill
    ids_match: bool
    rebuilt: bool
    in_step_after: bool
    ids_match_after: bool

    @property
    def consistent(self) -> bool:
        return self.db in ("before", "after") and self.in_step_after and self.ids_match_after


def kill9_drill(
    file: Path, fractions: list[float], work: Path, echo: Callable[[str], None] = print
) -> list[Trial]:
    """Import ``file`` once to learn the end state, then kill -9 fresh imports at ``fractions`` of
    its duration."""
    inst = Instance(work / "live")
    inst.check_isolated()
    with inst.app():
        from directory.loader import import_file

        import_file(SEED_FILE)  # the "before" state has data in it
    pristine = work / "pristine"
    inst.save(pristine)
    before = inst.state()
    started = time.perf_counter()
    proc = inst.start_import(file, work / "reference.log")
    if proc.wait() != 0:
        raise SystemExit(f"the uninterrupted import failed: see {work / 'reference.log'}")
    duration = time.perf_counter() - started
    summary = json.loads((work / "reference.log").read_text().strip().splitlines()[-1])
    after = inst.state()
    echo(
        f"file: {file.name}; uninterrupted import: {duration:.2f} s wall "
        f"(import itself {summary['seconds']} s), "
        f"{summary['rows']} rows, {summary['added']} added, {summary['merged']} merged"
    )
    echo(f"  before: {before}")
    echo(f"  after:  {after}")
    trials = []
    for i, fraction in enumerate(fractions, 1):
        inst.restore(pristine)
        delay = fraction * duration
        proc = inst.start_import(file, work / f"trial-{i}.log")
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        seen = inst.inspect(rebuild=True)
        state = seen["state"]
        which = "before" if state == before else "after" if state == after else "neither"
        t = Trial(
            delay,
            finished,
            which,
            seen["health"]["in_step"],
            seen["ids_match"],
            seen["rebuilt"],
            seen["health_after"]["in_step"],
            seen["ids_match_after"],
        )
        trials.append(t)
        ids_note = (
            "" if t.ids_match == t.in_step else f" (ids {'match' if t.ids_match else 'differ'})"
        )
        echo(
            f"  trial {i:2}: kill at {delay:5.2f} s ({fraction:4.0%})"
            f"{' (already finished)' if finished else ''}: "
            f"database {which.upper()}; index {'in step' if t.in_step else 'OUT OF STEP'}"
            f"{ids_note}; "
            f"ensure_index {'rebuilt it' if t.rebuilt else 'left it'} -> "
            f"{'in step' if t.in_step_after and t.ids_match_after else 'STILL OUT OF STEP'}"
            f"{'' if t.consistent else '  <-- INCONSISTENT'}"
        )
        if which == "neither":
            echo(f"           database now: {state}")
    return trials


def cmd_kill9(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    # One random point in each of ``trials`` equal slices of the import, so kills cover all of it.
    fractions = [(i + rng.random()) / args.trials for i in range(args.trials)]
    with tempfile.TemporaryDirectory(prefix="faults-kill9-") as tmp:
        trials = kill9_drill(Path(args.file), fractions, Path(tmp))
    bad = sum(not t.consistent for t in trials)
    outcomes = Counter(f"{t.db}{', index rebuilt' if t.rebuilt else ''}" for t in trials)
    print(f"outcomes: {dict(outcomes)}")
    print(f"inconsistent outcomes: {bad} of {len(trials)}")
    return 1 if bad else 0


# -- searches while reindexing ---------------------------------------------------------------------
PLACES = [
    "35007",
    "Waterbury, CT",
    "Charlottesville, VA",
    "Los Angeles, CA",
    "10001",
    "60601",
    "Seattle, WA",
    "Texas",
    "Alabaster, AL",
    "22902",
]
WORDS = [
    "methadone",
    "detox",
    "counseling",
    "recovery",
    "center",
    "buprenorphine",
    "alcohol",
    "teen",
    "veterans",
    "spanish",
    "hope",
    "treatment",
    "mental health",
    "residential",
]
TYPES = ["outpatient", "inpatient", "detox", "dual-diagnosis"]


def search_urls(rng: random.Random, count: int) -> list[tuple[str, dict[str, str]]]:
    """Mixed page and API searches: text, place, type, and their combinations."""
    out = []
    for _ in range(count):
        params: dict[str, str] = {}
        kind = rng.choice(("q", "near", "q+near", "q+near+type", "near+type"))
        if "q" in kind:
            params["q"] = rng.choice(WORDS)
        if "near" in kind:
            params["near"] = rng.choice(PLACES)
        if "type" in kind:
            params["type"] = rng.choice(TYPES)
        out.append((rng.choice(("/search", "/api/v1/providers")), params))
    return out


def load_under_reindex(
    base: str,
    inst: Instance,
    total: int,
    threads: int,
    min_reindexes: int,
    seed: int,
    work: Path,
    max_seconds: float = 900,
) -> dict[str, Any]:
    """Send ``total`` searches from ``threads`` threads while scripts/reindex.py runs again and
    again."""
    import requests

    rng = random.Random(seed)
    urls = search_urls(rng, total)
    stop = threading.Event()
    reindexes: list[tuple[int, float]] = []

    def reindex_loop() -> None:
        with (work / "reindex.log").open("ab") as log:
            while not stop.is_set():
                t = time.perf_counter()
                rc = subprocess.run(
                    [PY, "scripts/reindex.py"],
                    cwd=REPO,
                    env=inst.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ).returncode
                reindexes.append((rc, time.perf_counter() - t))

    lock = threading.Lock()
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    latencies: list[float] = []
    fallback = 0
    position = 0

    def client() -> None:
        nonlocal position, fallback
        session = requests.Session()
        while True:
            with lock:
                done = position >= total and len(reindexes) >= min_reindexes
                if done or stop.is_set():
                    return
                path, params = urls[position % len(urls)]
                position += 1
            t = time.perf_counter()
            try:
                r = session.get(base + path, params=params, timeout=60)
                status, body = str(r.status_code), r.text
            except requests.RequestException as e:
                status, body = type(e).__name__, ""
            elapsed = time.perf_counter() - t
            with lock:
                statuses[status] += 1
                latencies.append(elapsed)
                if status != "200":
                    failures.append(f"{status} {path} {params}")
                if "being repaired" in body:
                    fallback += 1

    reindexer = threading.Thread(target=reindex_loop, daemon=True)
    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    reindexer.start()
    for w in workers:
        w.start()
    deadline = started + max_seconds
    for w in workers:
        w.join(max(0.0, deadline - time.perf_counter()))
    stop.set()
    for w in workers:
        w.join()
    reindexer.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": sum(statuses.values()),
        "seconds": elapsed,
        "statuses": dict(statuses),
        "failures": failures,
        "fallback": fallback,
        "reindexes": reindexes,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "max": latencies[-1] if latencies else 0.0,
    }


def cmd_reindex_load(args: argparse.Namespace) -> int:
    from directory.bundle import load_bundle

    with tempfile.TemporaryDirectory(prefix="faults-reindex-") as tmp:
        work = Path(tmp)
        inst = Instance(work / "live")
        inst.check_isolated()
        t = time.perf_counter()
        with inst.app() as app:
            load_bundle(Path(app.config["DATA_DIR"]), echo=lambda *_: None)
        print(f"loaded the national bundle in {time.perf_counter() - t:.0f} s: {inst.state()}")
        # The API's per-client rate limit would answer most of these with 429: lift it for
        # the drill.
        with server(inst, work / "gunicorn.log", {"API_RATE_LIMIT": "1000000 per minute"}) as base:
            print(
                f"gunicorn on {base}; {args.threads} client threads; scripts/reindex.py in a loop"
            )
            r = load_under_reindex(
                base, inst, args.requests, args.threads, args.min_reindexes, args.seed, work
            )
        log = (work / "gunicorn.log").read_text(errors="replace")
        worker_errors = log.count("Traceback") + log.count("WORKER TIMEOUT")
        health = inst.inspect(rebuild=False)
    ok_reindexes = sum(1 for rc, _ in r["reindexes"] if rc == 0)
    print(
        f"requests: {r['requests']} in {r['seconds']:.1f} s "
        f"({r['requests'] / r['seconds']:.0f}/s); "
        f"statuses: {r['statuses']}"
    )
    print(
        f"latency: p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
        f"max {r['max'] * 1000:.0f} ms"
    )
    print(
        f"reindex runs: {len(r['reindexes'])} ({ok_reindexes} exit 0), "
        f"{', '.join(f'{s:.1f}' for _, s in r['reindexes'])} s each"
    )
    print(f"name-only fallback answers (index unavailable): {r['fallback']}")
    print(f"tracebacks or worker timeouts in the server log: {worker_errors}")
    print(
        "index after the drill: "
        f"{'in step' if health['health']['in_step'] and health['ids_match'] else 'OUT OF STEP'}"
    )
    for f in r["failures"][:20]:
        print(f"  failed: {f}")
    failures = len(r["failures"]) + (len(r["reindexes"]) - ok_reindexes)
    print(f"failures: {failures}")
    return 1 if failures or r["fallback"] or not health["health"]["in_step"] else 0


# -- a missing or corrupt index --------------------------------------------------------------------
def _live(inst: Instance) -> Path:
    return inst.index_dir / (inst.index_dir / "CURRENT").read_text().strip()


def _garble(path: Path) -> None:
    path.write_bytes(os.urandom(max(64, path.stat().st_size)))


def _each_live_file(action: Callable[[Path], None], toc: bool | None) -> Callable[[Instance], None]:
    """Apply ``action`` to the live generation's files: only TOCs (True), all but TOCs (False), or
    all (None)."""

    def run(inst: Instance) -> None:
        for path in sorted(_live(inst).iterdir()):
            if toc is None or (path.suffix == ".toc") == toc:
                action(path)

    return run


BREAKS: dict[str, Callable[[Instance], None]] = {
    "CURRENT file deleted": lambda inst: (inst.index_dir / "CURRENT").unlink(),
    "live generation folder deleted": lambda inst: shutil.rmtree(_live(inst)),
    "INDEX_DIR deleted": lambda inst: shutil.rmtree(inst.index_dir),
    "files of the live generation deleted": _each_live_file(Path.unlink, None),
    "TOC garbled": _each_live_file(_garble, True),
    "segment files garbled": _each_live_file(_garble, False),
    "segment files truncated to 0 bytes": _each_live_file(
        lambda p: p.write_bytes(b"") and None, False
    ),
}
LOCATION_URLS = [
    "/search?near=35007",
    "/api/v1/providers?near=Alabaster,+AL&type=outpatient",
    "/api/v1/providers?lat=38.03&lon=-78.47&radius=50",
    "/search?near=Virginia&type=detox",
]
TEXT_URLS = [
    "/search?q=methadone",
    "/api/v1/providers?q=methadone&near=35007",
    "/api/v1/providers?q=shelby",
    "/search?q=region+ten&near=22902",
]


def fetch(url: str) -> tuple[str, str]:
    """(status, body) of a GET; the status is the exception's name when there is no response."""
    import requests

    try:
        r = requests.get(url, timeout=60)
    except requests.RequestException as e:
        return type(e).__name__, ""
    return str(r.status_code), r.text


def probe(base: str, urls: list[str], repeat: int = 4) -> tuple[Counter[str], int]:
    """Status counts of ``urls``, each asked ``repeat`` times (to reach every worker), and fallback
    answers."""
    statuses: Counter[str] = Counter()
    fallback = 0
    for url in urls:
        for _ in range(repeat):
            status, body = fetch(base + url)
            statuses[status] += 1
            fallback += "being repaired" in body
    return statuses, fallback


def corrupt_drill(
    base: str,
    inst: Instance,
    breaks: dict[str, Callable[[Instance], None]],
    echo: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Break the index each way in turn; check health, location-only and text searches; then
    ensure_index."""
    results = []
    for name, breaker in breaks.items():
        breaker(inst)
        time.sleep(1.2)  # workers re-check the live generation every 0.5 s
        health, body = fetch(base + "/healthz")
        in_step = json.loads(body)["index"]["in_step"] if body else None
        loc, _ = probe(base, LOCATION_URLS)
        text, fallback = probe(base, TEXT_URLS)
        seen = inst.inspect(rebuild=True)
        time.sleep(1.2)
        health2, _ = fetch(base + "/healthz")
        text2, fallback2 = probe(base, TEXT_URLS)
        r = {
            "break": name,
            "health": health,
            "in_step": in_step,
            "location": loc,
            "text": text,
            "fallback": fallback,
            "rebuilt": seen["rebuilt"],
            "health_after": health2,
            "in_step_after": seen["health_after"]["in_step"] and seen["ids_match_after"],
            "text_after": text2,
            "fallback_after": fallback2,
        }
        r["ok"] = (
            r["health"] == "503"
            and r["in_step"] is False
            and set(loc) == {"200"}
            and r["rebuilt"]
            and r["health_after"] == "200"
            and r["in_step_after"]
            and set(text2) == {"200"}
            and not fallback2
        )
        results.append(r)
        echo(
            f"  {name}:\n    /healthz {r['health']} (in_step {r['in_step']}); "
            f"location-only searches {dict(loc)}; "
            f"text searches {dict(text)}, {fallback} of them name-only fallback\n"
            f"    ensure_index() {'rebuilt' if r['rebuilt'] else 'did NOT rebuild'}; "
            f"then /healthz {r['health_after']}, "
            f"text searches {dict(text2)}{'' if r['ok'] else '  <-- FAILED'}"
        )
    return results


def cmd_corrupt_index(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="faults-corrupt-") as tmp:
        work = Path(tmp)
        inst = Instance(work / "live")
        inst.check_isolated()
        with inst.app():
            from directory.loader import import_file

            import_file(NSSATS)
            import_file(SEED_FILE)
        print(f"instance: {inst.state()}")
        with server(inst, work / "gunicorn.log") as base:
            print(f"gunicorn on {base}")
            loc, _ = probe(base, LOCATION_URLS)
            text, _ = probe(base, TEXT_URLS)
            print(f"  healthy: location-only searches {dict(loc)}, text searches {dict(text)}")
            results = corrupt_drill(base, inst, BREAKS)
        log = (work / "gunicorn.log").read_text(errors="replace")
    text_500 = sum(n for r in results for status, n in r["text"].items() if status != "200")
    print(
        f"text searches not answered 200 while the index was broken: {text_500} of "
        f"{sum(sum(r['text'].values()) for r in results)}"
    )
    crashes = [
        line for line in log.splitlines() if "was sent SIG" in line or "exited with code" in line
    ]
    print(
        f"worker crashes in the server log: {len(crashes)}"
        f"{': ' + crashes[0].strip() if crashes else ''}"
    )
    failed = [r["break"] for r in results if not r["ok"]]
    print(
        f"failed scenarios: {len(failed)} of {len(results)}"
        f"{': ' + ', '.join(failed) if failed else ''}"
    )
    return 1 if failed else 0


# -- the database goes away under load -------------------------------------------------------------
def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise SystemExit(f"no PostgreSQL server programs ({name}) under /usr/lib/postgresql")
    return str(found[-1])


class PrivatePostgres:
    """A PostgreSQL server of the drill's own, in a folder, on a free port: stopped and started at
    will without touching the server other tests use. As root, it runs as the ``postgres`` user."""

    def __init__(self) -> None:
        # A folder of its own right under the temporary directory: the server's user must reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="directory-pg-"))
        self.data, self.port = self.folder / "pgdata", free_port(5300, 5399)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete its folder."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


DOWN_URLS = {  # what a visitor asks for, by what it needs
    "search page": "/search?near=22902&type=outpatient",
    "search API": "/api/v1/providers?near=Charlottesville,+VA&radius=50",
    "text search API": "/api/v1/providers?q=region+ten",
    "home": "/",
    "guide": "/guides/detox",
    "provider page": "/providers/{pid}",
    "provider API": "/api/v1/providers/{pid}",
}
NEEDS_DATABASE = {"provider page", "provider API"}


def db_down_drill(
    work: Path, seconds: float = 8.0, threads: int = 3, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """Serve an instance on a PostgreSQL server of its own; stop the server under load, then
    start it. While it is down, searches and pages that need nothing more answer 200 (with a
    notice), the rest 503 with Retry-After, never 500; once it is back, everything answers 200
    without a restart."""
    import requests

    pg = PrivatePostgres()
    pg.start()
    inst = Instance(work / "live")
    inst.env["DATABASE_URL"] = pg.url
    try:
        with inst.app():
            from directory.loader import import_file
            from directory.search.upkeep import ensure_index

            import_file(SEED_FILE)
            ensure_index()
            from directory.db import db
            from directory.models import Provider

            pid = db.session.scalars(select_public_ids(Provider)).first()
            db.session.remove()
            db.engine.dispose()
        urls = {k: v.format(pid=pid) for k, v in DOWN_URLS.items()}
        with server(inst, work / "gunicorn.log", {"API_RATE_LIMIT": "100000 per minute"}) as base:
            phases: dict[str, dict[str, Counter[str]]] = {}
            retry_after: set[str] = set()
            notices = 0

            def load(phase: str, until: float) -> None:
                nonlocal notices
                counts = phases.setdefault(phase, {k: Counter() for k in urls})
                session = requests.Session()
                while time.monotonic() < until:
                    for kind, url in urls.items():
                        try:
                            r = session.get(base + url, timeout=20)
                        except requests.RequestException as e:
                            counts[kind][type(e).__name__] += 1
                            continue
                        counts[kind][str(r.status_code)] += 1
                        if r.status_code == 503:
                            retry_after.add(r.headers.get("Retry-After", ""))
                        if phase == "down" and r.status_code == 200 and "reconnecting" in r.text:
                            notices += 1

            def run(phase: str, length: float) -> None:
                until = time.monotonic() + length
                workers = [
                    threading.Thread(target=load, args=(phase, until)) for _ in range(threads)
                ]
                for w in workers:
                    w.start()
                for w in workers:
                    w.join()

            run("before", 2.0)
            pg.stop()
            health_down = fetch(base + "/healthz")[0]
            run("down", seconds)
            pg.start()
            time.sleep(1.5)  # workers ask whether the database answers once a second
            health_back = fetch(base + "/healthz")[0]
            run("back", 3.0)
        log = (work / "gunicorn.log").read_text(errors="replace")
    finally:
        pg.remove()
    result = {
        "phases": {ph: {k: dict(c) for k, c in by.items()} for ph, by in phases.items()},
        "health_down": health_down,
        "health_back": health_back,
        "retry_after": sorted(retry_after),
        "notices_while_down": notices,
        "tracebacks": log.count("Traceback"),
    }
    down = phases["down"]
    result["ok"] = (
        all(set(c) == {"200"} for c in phases["before"].values())
        and all(set(c) == {"200"} for k, c in down.items() if k not in NEEDS_DATABASE)
        and all(set(c) == {"503"} for k, c in down.items() if k in NEEDS_DATABASE)
        and all(set(c) == {"200"} for c in phases["back"].values())
        and health_down == "503"
        and health_back == "200"
        and notices > 0
        # every 503 says when to come back (the API's limiter may name its own, later, window end)
        and all(v.isdigit() and int(v) >= 30 for v in retry_after)
        and bool(retry_after)
    )
    for phase, by in result["phases"].items():
        echo(f"  {phase}: " + "; ".join(f"{k} {dict(v)}" for k, v in by.items()))
    echo(
        f"  /healthz while down {health_down}, after {health_back}; "
        f"Retry-After {sorted(retry_after)}; "
        f"{notices} answers while down carried the notice; {result['tracebacks']} tracebacks logged"
    )
    return result


def select_public_ids(model: Any) -> Any:
    from sqlalchemy import select

    return select(model.public_id).where(model.status == "active").order_by(model.id)


def cmd_db_down(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="faults-db-down-") as tmp:
        result = db_down_drill(Path(tmp), args.seconds, args.threads)
    print("PASS" if result["ok"] else "FAIL")
    return 0 if result["ok"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="drill", required=True)
    k = sub.add_parser(
        "kill9", help="kill -9 an import at random points; the database is before or after"
    )
    k.add_argument("--file", default=str(NATIONAL_SU))
    k.add_argument("--trials", type=int, default=10)
    k.add_argument("--seed", type=int, default=None)
    r = sub.add_parser(
        "reindex-load", help="searches from several threads while scripts/reindex.py loops"
    )
    r.add_argument("--requests", type=int, default=2000)
    r.add_argument("--threads", type=int, default=4)
    r.add_argument("--min-reindexes", type=int, default=3)
    r.add_argument("--seed", type=int, default=1)
    sub.add_parser(
        "corrupt-index", help="delete or garble the live index: health, searches, ensure_index"
    )
    d = sub.add_parser(
        "db-down", help="stop PostgreSQL under load, then start it: 200s, 503s, recovery"
    )
    d.add_argument("--seconds", type=float, default=8.0)
    d.add_argument("--threads", type=int, default=3)
    args = parser.parse_args()
    return {
        "db-down": cmd_db_down,
        "kill9": cmd_kill9,
        "reindex-load": cmd_reindex_load,
        "corrupt-index": cmd_corrupt_index,
    }[args.drill](args)


if __name__ == "__main__":
    sys.exit(main())
