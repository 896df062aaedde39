"""Keep the Spanish catalog in step with the code: extract every message, merge new ones into
``directory/translations/es/LC_MESSAGES/messages.po`` (to translate), and compile it.

    .venv/bin/python scripts/translations.py           # extract, update, compile
    .venv/bin/python scripts/translations.py --check   # exit 1 if a message is missing, empty or fuzzy
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATALOGS = REPO / "directory" / "translations"
POT = CATALOGS / "messages.pot"
PYBABEL = str(Path(sys.executable).parent / "pybabel")
KEYWORDS = ["-k", "lazy_gettext", "-k", "N_"]


def run(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the data-file extractor lives in the package
    subprocess.run([PYBABEL, *args], cwd=REPO, env=env, check=True, capture_output=True)


def extract(out: Path = POT) -> None:
    run("extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output", "-o", str(out), ".")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        from tests.test_i18n import catalog_problems  # the same check the tests run

        problems = catalog_problems()
        print("\n".join(problems) or "every message is translated")
        return 1 if problems else 0
    extract()
    run("update", "-i", str(POT), "-d", str(CATALOGS), "--no-fuzzy-matching", "--ignore-obsolete")
    run("compile", "-d", str(CATALOGS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
