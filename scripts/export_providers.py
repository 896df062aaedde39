"""Same as `flask --app wsgi directory export …`.

Run `python scripts/export_providers.py --help` for its options.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.cli import run_command  # noqa: E402

if __name__ == "__main__":
    run_command("export", sys.argv[1:])
