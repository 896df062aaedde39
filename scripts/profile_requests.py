#!/usr/bin/env python3
"""Where a request's time goes: the load test's URL mix, run in one process under cProfile.

    python scripts/profile_requests.py [--instance DIR] [--count 400] [--kind api|page|all]

The URLs are the load test's (``scripts/loadtest_urls.py``: hand-picked ones and ``--count`` drawn
from the data, the same seed giving the same URLs), split into JSON API calls and pages. Each is
requested once to warm the caches, then again under the profiler; it prints the mean time a
request takes in this process and the functions with the most cumulative and own time. The data
is the bundle, imported into ``--instance DIR`` (kept for the next run) or a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_queries import make_app  # noqa: E402
from loadtest_urls import urls  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instance", type=Path, help="a folder to keep the imported data in")
    ap.add_argument("--count", type=int, default=400, help="URLs drawn from the data")
    ap.add_argument("--kind", choices=["api", "page", "all"], default="all")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    folder = args.instance or Path(tempfile.mkdtemp(prefix="profile-"))
    app = make_app(folder)
    app.config["RATELIMIT_ENABLED"] = False
    mix = urls(app, args.count, args.seed)
    kinds = {"api": [u for u in mix if u.startswith("/api/")]}
    kinds["page"] = [u for u in mix if not u.startswith("/api/")]
    kinds["all"] = mix
    chosen = kinds[args.kind]
    client = app.test_client()
    for url in chosen:  # warm: snapshot, index, compiled templates, remembered readings
        client.get(url)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    statuses: dict[int, int] = {}
    for url in chosen:
        status = client.get(url).status_code
        statuses[status] = statuses.get(status, 0) + 1
    profile.disable()
    elapsed = time.perf_counter() - start
    print(
        f"{len(chosen)} {args.kind} requests, {elapsed / len(chosen) * 1000:.2f} ms each under "
        f"the profiler; statuses {statuses}"
    )
    stats = pstats.Stats(profile)
    for key in ("cumulative", "tottime"):
        print(f"\n--- by {key} ---")
        stats.sort_stats(key).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
