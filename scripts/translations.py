"""Keep the Spanish catalog in step with the code: extract every message, merge new ones into
``directory/translations/es/LC_MESSAGES/messages.po`` (to translate), and compile it.

    # extract, update, compile
    .venv/bin/python scripts/translations.py
    # exit 1 if a message is missing, empty or fuzzy
    .venv/bin/python scripts/translations.py --check
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
CATALOGS = REPO / "directory" / "translations"
POT = CATALOGS / "messages.pot"
PYBABEL = str(Path(sys.executable).parent / "pybabel")
KEYWORDS = ["-k", "lazy_gettext", "-k", "N_"]


def run(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the data-file extractor lives in the package
    subprocess.run([PYBABEL, *args], cwd=REPO, env=env, check=True, capture_output=True)


def extract(out: Path = POT) -> None:
    run(
        "extract",
        "-F",
        "babel.cfg",
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "-o",
        str(out),
        ".",
    )


PO = CATALOGS / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog_problems() -> list[str]:
    """Every message the code, templates and data files use must have a Spanish translation that is
    not empty, not fuzzy, and keeps the same placeholders and markup."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        with pot.open("rb") as f:
            wanted = read_po(f)
    with PO.open("rb") as f:
        catalog = read_po(f, locale="es")
    problems = []
    for message in wanted:
        if not message.id:
            continue
        found = catalog.get(message.id)
        key = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(f"missing: {key!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(strings):
            problems.append(f"empty: {key!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for s in strings:
            if set(PLACEHOLDER.findall(s)) - set(PLACEHOLDER.findall(" ".join(ids))):
                problems.append(f"placeholders differ: {key!r}")
            if sorted(re.findall(r"</?(\w+)", s)) != sorted(re.findall(r"</?(\w+)", ids[0])):
                problems.append(f"markup differs: {key!r}")
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = catalog_problems()  # the same check tests/test_i18n.py runs
        print("\n".join(problems) or "every message is translated")
        return 1 if problems else 0
    extract()
    run("update", "-i", str(POT), "-d", str(CATALOGS), "--no-fuzzy-matching", "--ignore-obsolete")
    run("compile", "-d", str(CATALOGS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
