"""Measure how the search box understands natural queries, in English and Spanish.

    python scripts/bench_queries.py [--split tune|holdout|all] [--instance DIR] [--names N] [--json]

The queries are ``tests/data/natural-queries.toml`` (``q``, ``lang``, ``near``, ``needs = {group =
[option keys]}``, ``substance``, ``split``), each with the need it states; the spelling words are
``tests/data/spelling-words.txt`` (``word<TAB>lang``). It prints:

* **dead ends**: queries that show nothing although places meeting the need exist within 25 miles;
* **first ten meet the need**: the share of the first ten results that have every stated option
  (any option of a group will do) and, with a substance, treat substance use;
* **words vs filter reach**: of the places the stated filters find, the share the words find;
* **real words corrected**: correctly spelled words the search box changed;
* **names found**: providers found in the first ten by their name near their ZIP;
* **understanding time**: what reading the words costs a query (place and needs), with nothing
  cached, and for a new text in a running server (its words' analyses already made).

Everything runs in a throwaway app with the bundled data imported (a few minutes), or in
``--instance DIR``, a folder an earlier run (or the tests' ``make_app``) filled and kept.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402

from directory import create_app  # noqa: E402
from directory.bundle import load_bundle  # noqa: E402
from directory.listing import Listing  # noqa: E402
from directory.search.needs import SUBSTANCE_CODES, common_words  # noqa: E402
from directory.search.params import SearchQuery, parse_query  # noqa: E402
from directory.search.place import understand  # noqa: E402
from directory.search.service import _named as named  # noqa: E402
from directory.search.service import find_providers  # noqa: E402
from directory.search.snapshot import snapshot  # noqa: E402
from directory.search.text import _tokens as analysed_words  # noqa: E402
from directory.search.understand import read_needs, vocabulary  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
RADIUS = 25.0
FIRST = 10


def make_app(folder: Path) -> Flask:
    """An app on ``folder`` (its database and index), with the bundled data imported once."""
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{folder / 'test.sqlite3'}",
            "INDEX_DIR": str(folder / "index"),
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        if not len(snapshot().catalog):
            print("importing the bundled data (a few minutes)…", file=sys.stderr)
            load_bundle(Path(app.config["DATA_DIR"]), echo=lambda *_: None)
    return app


def search(app: Flask, lang: str, args: dict[str, Any]) -> Any:
    with app.test_request_context("/es/search" if lang == "es" else "/search"):
        return find_providers(parse_query(args, app.extensions["taxonomy"], app.config))


def every_id(app: Flask, lang: str, args: dict[str, Any]) -> tuple[set[int], Any]:
    """Every provider a search finds (all its pages), and its first page."""
    first = search(app, lang, {**args, "per_page": 100})
    ids = {h.listing.id for h in first.hits}
    for page in range(2, min(first.pages, 30) + 1):
        ids |= {
            h.listing.id for h in search(app, lang, {**args, "per_page": 100, "page": page}).hits
        }
    return ids, first


def meets(listing: Listing, needs: dict[str, list[str]], substance: bool) -> bool:
    tags = dict(listing.tags)
    if any(not set(options) & set(tags.get(group, ())) for group, options in needs.items()):
        return False
    return not substance or bool(set(SUBSTANCE_CODES) & set(listing.codes))


def stated_filters(app: Flask, row: dict[str, Any], by_id: dict[int, Listing]) -> set[int]:
    """What the stated need finds near the row's place with the filters alone."""
    args: dict[str, Any] = {"near": row.get("near", ""), "radius": RADIUS, **row.get("needs", {})}
    ids, _ = every_id(app, row.get("lang", "en"), args)
    if row.get("substance"):
        ids = {i for i in ids if set(SUBSTANCE_CODES) & set(by_id[i].codes)}
    return ids


def run_queries(app: Flask, rows: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    dead, possible, met, shown, reach = [], 0, 0, 0, []
    named, names_missed = 0, []
    with app.test_request_context():
        by_id = {listing.id: listing for listing in snapshot().listings}
    for row in rows:
        lang = row.get("lang", "en")
        args = {"q": row["q"], "near": row.get("near", ""), "radius": RADIUS}
        wanted = stated_filters(app, row, by_id)
        found, res = every_id(app, lang, args)
        share = None
        if wanted:
            possible += 1
            if res.total == 0:
                dead.append(row["q"])
            share = len(found & wanted) / len(wanted)
            reach.append(share)
        first = res.hits[:FIRST]
        if row.get("name"):  # the query names a provider: it must be in the first ten
            named += 1
            wanted_name = " ".join(row["name"].lower().split())
            if not any(wanted_name in f"{h.listing.name} {h.listing.name2}".lower() for h in first):
                names_missed.append(row["q"])
        ok = [meets(h.listing, row.get("needs", {}), bool(row.get("substance"))) for h in first]
        met, shown = met + sum(ok), shown + len(ok)
        if verbose and (share is not None and share < 0.95 or sum(ok) < len(ok) or not first):
            u = res.understood.as_dict() if res.understood else {}
            print(
                f"  {row['q']!r} ({lang}, {row.get('near')}): {res.total} found, "
                f"{len(wanted)} by filters, reach {share}, first ten {sum(ok)}/{len(ok)}; "
                f"read {[(n['group'], n['option']) for n in u.get('needs', [])]} "
                f"names {u.get('name_words')} ignored {u.get('ignored')}; "
                f"wanted {row.get('needs')}",
                file=sys.stderr,
            )
    return {
        "queries": len(rows),
        "spanish": sum(r.get("lang") == "es" for r in rows),
        "with_care_within_25_miles": possible,
        "dead_ends": dead,
        "dead_end_rate": len(dead) / possible if possible else 0.0,
        "first_ten_meet_need": met / shown if shown else 1.0,
        "reach_mean": statistics.fmean(reach) if reach else 1.0,
        "reach_below_95": sum(r < 0.95 for r in reach),
        "named_queries": named,
        "named_missed": names_missed,
    }


def run_words(app: Flask, path: Path) -> dict[str, Any]:
    corrected = []
    words = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
    for word, lang in ((w.strip(), lg.strip()) for w, lg, *_ in words if not w.startswith("#")):
        res = search(app, lang, {"q": word})
        if res.did_you_mean:
            corrected.append(f"{word} → {res.did_you_mean}")
    return {"words": len(words), "corrected": corrected}


def run_names(app: Flask, n: int) -> dict[str, Any]:
    with app.test_request_context():
        listings = [x for x in snapshot().listings if x.zip]
    sample = random.Random(20).sample(listings, min(n, len(listings)))
    missed = []
    for listing in sample:
        res = search(app, "en", {"q": listing.name, "near": listing.zip})
        if listing.id not in {h.listing.id for h in res.hits[:FIRST]}:
            missed.append(f"{listing.name} ({listing.zip})")
    return {"names": len(sample), "missed": missed}


def time_understanding(
    app: Flask, rows: list[dict[str, Any]], cold: bool = True
) -> dict[str, float]:
    """Reading the words of each query (place, needs, whether they name a listing) as
    ``find_providers`` does before it searches, no reading of the text remembered. ``cold``: every
    word analysed afresh too; else words keep the analysis a running server has already made of
    them (the other queries' words), as for a new text in steady serving."""
    times = []
    with app.test_request_context():
        snap = snapshot()
        common_words()
        memo = vocabulary(snap)._memo
        for row in rows * 3:
            memo.clear()
            if cold:
                analysed_words.cache_clear()
            q = SearchQuery(q=row["q"], near=row.get("near", ""))
            start = time.perf_counter()
            q, _ = understand(q)
            q, understood = read_needs(q, snap, row.get("lang", "en"))
            named(snap, understood)  # the rows shown first, as find_providers orders them
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"mean_ms": statistics.fmean(times), "p95_ms": times[int(len(times) * 0.95)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["tune", "holdout", "all"], default="tune")
    parser.add_argument("--queries", type=Path, default=DATA / "natural-queries.toml")
    parser.add_argument("--words", type=Path, default=DATA / "spelling-words.txt")
    parser.add_argument("--instance", type=Path, help="a folder to keep the imported data in")
    parser.add_argument("--names", type=int, default=200, help="providers to look up by name")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print each query that misses")
    args = parser.parse_args()
    with args.queries.open("rb") as f:
        raw = tomllib.load(f)
    rows = [
        r for r in raw.get("query", raw.get("queries", [])) if args.split in ("all", r.get("split"))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(args.instance or Path(tmp))
        report = {
            "split": args.split,
            **run_queries(app, rows, args.verbose),
            **run_words(app, args.words),
            **run_names(app, args.names),
            "understanding": time_understanding(app, rows),
            "understanding_new_text": time_understanding(app, rows, cold=False),
        }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"split {report['split']}: {report['queries']} queries ({report['spanish']} Spanish)")
    print(
        f"dead ends: {len(report['dead_ends'])} of {report['with_care_within_25_miles']} "
        f"with care within 25 miles ({report['dead_end_rate']:.1%})"
    )
    for q in report["dead_ends"]:
        print(f"  dead end: {q}")
    print(f"first ten meet the need: {report['first_ten_meet_need']:.1%}")
    print(
        f"words vs filter reach: mean {report['reach_mean']:.1%}, "
        f"{report['reach_below_95']} queries under 95%"
    )
    print(f"real words corrected: {len(report['corrected'])} of {report['words']}")
    for c in report["corrected"]:
        print(f"  corrected: {c}")
    found = report["named_queries"] - len(report["named_missed"])
    print(f"queries naming a provider: {found} of {report['named_queries']} found in the first ten")
    for q in report["named_missed"]:
        print(f"  name missed: {q}")
    print(
        f"names found (sampled listings, by name near their ZIP): "
        f"{report['names'] - len(report['missed'])} of {report['names']}"
    )
    for m in report["missed"][:20]:
        print(f"  missed: {m}")
    t, w = report["understanding"], report["understanding_new_text"]
    print(f"understanding, cold: mean {t['mean_ms']:.3f} ms, p95 {t['p95_ms']:.3f} ms per query")
    print(
        f"understanding, a new text in a running server: mean {w['mean_ms']:.3f} ms, "
        f"p95 {w['p95_ms']:.3f} ms per query"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
