"""List the guides' time-sensitive statements (rules with dates, drug-supply facts, agency names,
limits) with the day each must be checked again, soonest first. They are listed in
``data/guides/time-sensitive.toml``; each quote there must still be in its guide, and every
paragraph of a guide (English or Spanish) that names a year must hold one of its guide's quotes.

    .venv/bin/python scripts/time_sensitive.py                      # the table
    .venv/bin/python scripts/time_sensitive.py --overdue            # exit 1 if a date has passed
    .venv/bin/python scripts/time_sensitive.py --today 2027-07-01   # as seen on another day

Exit 2 when the list is wrong: a quote no longer in its guide, an unknown guide, or a year-dated
paragraph no quote covers.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.guides import GUIDES_DIR, parse_guide  # noqa: E402

LIST = GUIDES_DIR / "time-sensitive.toml"
KINDS = {"rule", "drug-supply", "agency", "limit", "history"}
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class Statement:
    guide: str  # "medication", or "es/medication" for the Spanish guide
    quote: str
    topic: str
    kind: str
    recheck: date


def load_statements(path: Path = LIST) -> list[Statement]:
    """Read the list; a missing key, an unknown kind or a recheck that is not a date is an error."""
    with path.open("rb") as f:
        rows = tomllib.load(f).get("statement", [])
    statements = []
    for i, row in enumerate(rows, 1):
        missing = {"guide", "quote", "topic", "kind", "recheck"} - set(row)
        if missing:
            raise ValueError(f"{path.name}: statement {i} lacks {', '.join(sorted(missing))}")
        if row["kind"] not in KINDS:
            raise ValueError(f"{path.name}: statement {i} has unknown kind {row['kind']!r}")
        if not isinstance(row["recheck"], date):
            raise ValueError(f"{path.name}: statement {i} recheck must be a date, like 2027-06-01")
        statements.append(Statement(**{k: row[k] for k in Statement.__dataclass_fields__}))
    return statements


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def guide_bodies(guides_dir: Path = GUIDES_DIR) -> dict[str, str]:
    """Every guide's body (without its sources), keyed the way the list names guides."""
    paths = sorted(guides_dir.glob("*.md")) + sorted(guides_dir.glob("es/*.md"))
    return {
        (f"es/{p.stem}" if p.parent.name == "es" else p.stem): parse_guide(p).body_markdown
        for p in paths
    }


def paragraphs(body: str) -> list[str]:
    """Paragraphs and list items, each on one line."""
    parts = re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)", body)
    return [squash(p).strip() for p in parts if p.strip()]


def problems(statements: list[Statement], bodies: dict[str, str]) -> list[str]:
    """What is wrong with the list: quotes gone from their guide, and year-dated paragraphs no
    quote covers."""
    out = []
    quotes: dict[str, list[str]] = {}
    for s in statements:
        if s.guide not in bodies:
            out.append(f"{s.guide}: no such guide (quote {s.quote!r})")
            continue
        if squash(s.quote) not in squash(bodies[s.guide]):
            out.append(f"{s.guide}: quote no longer in the guide: {s.quote!r}")
        quotes.setdefault(s.guide, []).append(squash(s.quote))
    for guide, body in bodies.items():
        for para in paragraphs(body):
            if YEAR.search(para) and not any(q in para for q in quotes.get(guide, [])):
                out.append(f"{guide}: names a year but is not listed: {para[:90]!r}")
    return out


def table(statements: list[Statement], today: date) -> str:
    lines = [f"{'recheck':<10}  {'status':<12}  {'guide':<26}  topic"]
    for s in sorted(statements, key=lambda s: (s.recheck, s.guide)):
        days = (s.recheck - today).days
        status = "OVERDUE" if days < 0 else f"in {days} days"
        lines.append(f"{s.recheck.isoformat():<10}  {status:<12}  {s.guide:<26}  {s.topic}")
        lines.append(f"{'':<10}  {'':<12}  {'':<26}  “{s.quote}”")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--overdue", action="store_true", help="exit 1 if a recheck date has passed"
    )
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    statements = load_statements()
    print(table(statements, args.today))
    wrong = problems(statements, guide_bodies())
    if wrong:
        print("\nThe list needs fixing:\n" + "\n".join(f"  {w}" for w in wrong), file=sys.stderr)
        return 2
    overdue = [s for s in statements if s.recheck < args.today]
    if overdue:
        print(f"\n{len(overdue)} statement(s) overdue for a check.", file=sys.stderr)
        if args.overdue:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
