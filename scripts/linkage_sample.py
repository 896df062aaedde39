"""Draw candidate pairs for record linkage from the real files, for hand-checking.

    .venv/bin/python scripts/linkage_sample.py OUT.csv [--pairs 260] [--seed 11]

Reads every file the bundle lists (without writing anything), finds pairs of records from
different files that share a phone, a street number and ZIP, or lie within 400 m of each other,
and draws a sample spread evenly over kinds of evidence (shared phone or not, same street
number or not, distance, name similarity), so easy and hard cases are both there. Pairs within
one file are drawn only when they share a phone (one organisation's programs often do). The
`same` column is left empty: a person fills it in (yes / no) by reading each pair, without
looking at what the matcher decides.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory import create_app  # noqa: E402
from directory.geo import metres_between as metres  # noqa: E402
from directory.importers import parse  # noqa: E402
from directory.importers.record import validate  # noqa: E402
from directory.linkage import Linker, Site, name_similarity  # noqa: E402
from directory.loader import site_of  # noqa: E402

FIELDS = (
    "source",
    "line",
    "name",
    "name2",
    "street",
    "city",
    "state",
    "zip",
    "phones",
    "latitude",
    "longitude",
    "exact",
)


def records(data_dir: Path):  # type: ignore[no-untyped-def]
    with (data_dir / "bundle.toml").open("rb") as f:
        manifest = tomllib.load(f)
    from flask import current_app

    tax = current_app.extensions["taxonomy"]
    for entry in manifest["file"]:
        path = data_dir / entry["path"]
        options = {
            "map": data_dir / entry["map"] if entry.get("map") else None,
            "add_codes": entry.get("add_codes", []),
            "source_date": entry.get("source_date", ""),
        }
        _, rows = parse(path, "auto", options)
        for raw in rows:
            if raw.skip:
                continue
            r, _ = validate(raw, tax)
            if r is not None:
                yield path.stem, r


def stratum(a: Site, b: Site) -> tuple[bool, bool, int, int]:
    apart = metres(a.latitude, a.longitude, b.latitude, b.longitude) if a.exact and b.exact else -1
    return (
        bool(set(a.phones) & set(b.phones)),
        bool(a.number and a.number == b.number),
        -1 if apart < 0 else (0 if apart < 50 else 1 if apart < 150 else 2),
        int(name_similarity(a, b) // 25),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--pairs", type=int, default=260)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "INDEX_DIR": str(folder / "index"),
        }
    )
    with app.app_context():
        recs = list(records(Path(app.config["DATA_DIR"])))
    linker = Linker()
    strata: dict[tuple[bool, bool, int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, (source, r) in enumerate(recs):
        s = site_of(r)
        for j, other in linker.candidates(s):
            # Pairs across files, and pairs within one file that share a phone (one organisation's
            # programs often do, and must stay apart).
            if recs[j][0] != source or set(s.phones) & set(other.phones):
                strata[stratum(s, other)].append((j, i))
        linker.add(i, s)
    rng = random.Random(args.seed)
    chosen: list[tuple[int, int]] = []
    keys = sorted(strata)
    for pairs in strata.values():
        rng.shuffle(pairs)
    while len(chosen) < args.pairs and any(strata[k] for k in keys):
        for k in keys:
            if strata[k] and len(chosen) < args.pairs:
                chosen.append(strata[k].pop())
    with args.out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            ["pair", *(f"a_{k}" for k in FIELDS), *(f"b_{k}" for k in FIELDS), "same", "note"]
        )
        for n, (i, j) in enumerate(chosen, 1):
            row: list[object] = [n]
            for idx in (i, j):
                source, r = recs[idx]
                row += [
                    source,
                    r.line,
                    r.name,
                    r.name2,
                    r.street,
                    r.city,
                    r.state,
                    r.zip,
                    " ".join(p["number"] for p in r.phones),
                    r.latitude,
                    r.longitude,
                    int(r.geo_precision == "exact"),
                ]
            w.writerow(row + ["", ""])
    print(
        f"{len(recs):,} records, {sum(len(v) for v in strata.values()):,} candidate pairs "
        f"left after drawing {len(chosen)} from {len(keys)} strata; wrote {args.out}"
    )


if __name__ == "__main__":
    main()
