#!/usr/bin/env python3
"""Print search URLs for the load test: the hand-picked ones in scripts/loadtest_urls.txt, then
COUNT more drawn from the loaded data, so that caches see a realistic spread of places and words.

Places are the ZIP codes and "City, ST" of randomly chosen active providers (busy areas come up as
often as they hold places); words, filters, radii, sorting and pages are drawn from lists of what
people ask for. Six in ten are pages, four in ten API calls. The same seed gives the same URLs.

    scripts/loadtest_urls.py --count 2000 --seed 1 > urls.txt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402

from directory import create_app  # noqa: E402
from directory.db import db  # noqa: E402
from directory.models import Provider  # noqa: E402

WORDS = [
    "detox",
    "suboxone",
    "methadone",
    "alcohol",
    "teens",
    "spanish",
    "veterans",
    "rehab",
    "outpatient",
    "dual diagnosis",
    "medicaid",
    "women",
    "residential",
    "naltrexone",
    "counseling",
    "opioid",
    "detoks",
    "subxone",
    "mental health",
    "sliding fee",
    "pregnant",
    "buprenorphine",
    "telehealth",
]
RADII = [5, 10, 25, 25, 25, 50, 100]


def urls(app: Flask, count: int, seed: int) -> list[str]:
    """``count`` search URLs drawn from ``app``'s active providers."""
    rnd = random.Random(seed)
    with app.app_context():
        places = db.session.execute(
            select(Provider.zip, Provider.city, Provider.state)
            .where(Provider.status == "active")
            .order_by(Provider.id)
        ).all()
        tax = app.extensions["taxonomy"]
        filters = [
            (g.key, o.key)
            for g in tax.groups
            if g.key in ("type", "setting", "payment", "age")
            for o in g.options
        ]
    out = []
    for _ in range(count):
        zip5, city, state = rnd.choice(places)
        params: list[tuple[str, object]] = []
        if rnd.random() < 0.4:
            params.append(("q", rnd.choice(WORDS)))
        params.append(
            ("near", zip5[:5] if rnd.random() < 0.7 or not city else f"{city.title()}, {state}")
        )
        if rnd.random() < 0.5:
            params.append(("radius", rnd.choice(RADII)))
        for _ in range(rnd.choice([0, 0, 1, 1, 2])):
            params.append(rnd.choice(filters))
        if rnd.random() < 0.1:
            params.append(("sort", rnd.choice(["name", "distance"])))
        if rnd.random() < 0.1:
            params.append(("page", 2))
        path = "/api/v1/providers" if rnd.random() < 0.4 else "/search"
        out.append(f"{path}?{urlencode(params)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--count", type=int, default=2000, help="URLs drawn from the data (default 2000)"
    )
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    fixed = [
        line.strip()
        for line in (ROOT / "scripts" / "loadtest_urls.txt").read_text().splitlines()
        if line.strip()
    ]
    print("\n".join(fixed + urls(create_app(), args.count, args.seed)))


if __name__ == "__main__":
    main()
