"""Configuration keys, each with its default and a one-line description.

Every key can be set in ``instance/config.py`` or as an environment variable of the same name
(``DATABASE_URL=... make run``); the environment wins. The README's configuration table is checked
against this list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: list[Setting] = [
    Setting(
        "SECRET_KEY",
        None,
        "Signs sessions and CSRF tokens; required outside debug/testing "
        "(`make run` makes one in the instance folder).",
    ),
    Setting(
        "DATABASE_URL", None, "SQLAlchemy URL; empty means SQLite at `instance/directory.sqlite3`."
    ),
    Setting(
        "AUTO_MIGRATE",
        True,
        "Apply database migrations at start (off: run `flask --app wsgi db upgrade` yourself).",
    ),
    Setting(
        "TEXT_BACKEND",
        "auto",
        "Full-text engine: `whoosh` (index files in INDEX_DIR), `postgresql` (full-text search "
        "in the database: nodes keep no index of their own), or `auto` (postgresql on PostgreSQL, "
        "else whoosh).",
    ),
    Setting(
        "INDEX_DIR", None, "Folder of the Whoosh full-text index; empty means `instance/index`."
    ),
    Setting(
        "DATA_DIR",
        str(DATA_DIR),
        "Folder holding the taxonomy, synonyms, guides and bundled SAMHSA files.",
    ),
    Setting(
        "GEOCODER",
        "offline",
        "`offline` (bundled ZIP gazetteer, no network) or `nominatim` "
        "(online, for street addresses).",
    ),
    Setting(
        "GEOCODER_USER_AGENT",
        "treatment-directory",
        "User agent sent to the online geocoder, when one is chosen.",
    ),
    Setting(
        "GEOCODER_MIN_DELAY",
        1.0,
        "Seconds between online geocoder calls (Nominatim's usage policy asks for 1).",
    ),
    Setting("DEFAULT_RADIUS", 25, "Search radius in miles when a place is given without one."),
    Setting("MAX_RADIUS", 250, "Largest radius in miles a search may ask for."),
    Setting("PER_PAGE", 20, "Results per page by default."),
    Setting("MAX_PER_PAGE", 100, "Largest `per_page` a client may ask for."),
    Setting("MAX_QUERY_LENGTH", 200, "Longest free-text query accepted, in characters."),
    Setting(
        "CORS_ORIGINS",
        "*",
        "Origins allowed to read the JSON API (read-only CORS); empty turns CORS off.",
    ),
    Setting("API_RATE_LIMIT", "120 per minute", "Rate limit per client address on the JSON API."),
    Setting(
        "REPORT_RATE_LIMIT",
        "5 per hour",
        "Rate limit per client address on the report-a-problem form.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live (`redis://...` when several processes must share them).",
    ),
    Setting(
        "TRUST_PROXY",
        False,
        "Trust one reverse proxy's X-Forwarded-* headers (client address, HTTPS).",
    ),
    Setting("HSTS", False, "Send Strict-Transport-Security (turn on when served over HTTPS)."),
]


def _coerce(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of the setting's default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def defaults() -> dict[str, Any]:
    """Return every setting's default."""
    return {s.name: s.default for s in SETTINGS}


def from_environment() -> dict[str, Any]:
    """Return the settings given as environment variables (they win over instance/config.py)."""
    return {
        s.name: _coerce(os.environ[s.name], s.default) for s in SETTINGS if os.environ.get(s.name)
    }


def ensure_instance_config(instance: Path) -> Path:
    """Create ``instance/config.py`` with a random SECRET_KEY for local use, if there is none yet.

    The web forms need a key; `make run` and the admin scripts call this so neither needs setting up
    by hand.
    """
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    config = instance / "config.py"
    if not config.exists():
        config.write_text(
            "# Written for local use by `make run` or an admin script. Set SECRET_KEY yourself in "
            f"production.\nSECRET_KEY = {secrets.token_hex(32)!r}\n"
        )
    return config
