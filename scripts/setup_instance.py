"""Prepare the instance folder for `make run`: a local secret key, then the bundled data and index.

First run: imports every bundled SAMHSA file and builds the search index. Later runs: only checks
that the index is in step with the database (and rebuilds it if not), so they start in seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory import create_app  # noqa: E402
from directory.config import ensure_instance_config  # noqa: E402


def main() -> None:
    ensure_instance_config(Path(__file__).resolve().parent.parent / "instance")
    app = create_app()
    from sqlalchemy import func, select

    from directory.bundle import load_bundle, missing_bundle_sources
    from directory.db import db
    from directory.models import Provider
    from directory.search.upkeep import ensure_index

    with app.app_context():
        started = time.perf_counter()
        if not db.session.scalar(select(func.count()).select_from(Provider)):
            print(
                "First run: importing the bundled SAMHSA and state data "
                "(about a minute and a half)…",
                flush=True,
            )
            load_bundle(Path(app.config["DATA_DIR"]))
        else:
            missing = missing_bundle_sources(Path(app.config["DATA_DIR"]))
            if missing:
                print(
                    f"Note: this instance lacks {len(missing)} of the bundled files "
                    f"({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}). "
                    "Import them with `.venv/bin/flask --app wsgi directory load-bundle` "
                    "(files already imported are left unchanged).",
                    flush=True,
                )
            if ensure_index():
                print("The search index was missing or out of date: rebuilt it.")
        count = db.session.scalar(
            select(func.count()).select_from(Provider).where(Provider.status == "active")
        )
        print(
            f"Ready: {count:,} providers ({time.perf_counter() - started:.1f} s). "
            f"Serving on http://127.0.0.1:{__import__('os').environ.get('PORT', '5000')}",
            flush=True,
        )


if __name__ == "__main__":
    main()
