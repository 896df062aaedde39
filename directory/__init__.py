"""Treatment-center directory: find addiction care nearby and learn what kind of care fits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .config import REPO_ROOT, defaults, from_environment


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: defaults, ``instance/config.py``, the environment (or ``config``),
    each part."""
    app = Flask(
        __name__, instance_relative_config=True, template_folder=str(REPO_ROOT / "templates")
    )
    # Block tags leave no blank lines or indentation behind: 5 % less HTML on a results page, the
    # same words (checked page by page when this was turned on).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.from_mapping(defaults())
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(from_environment())
    else:
        app.config.from_mapping({**from_environment(), **config})
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        app.config["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'directory.sqlite3'}"
    )
    app.config.setdefault("INDEX_DIR", None)
    app.config["INDEX_DIR"] = app.config["INDEX_DIR"] or str(Path(app.instance_path) / "index")
    if not app.config["SECRET_KEY"] and not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set: set it in the environment or instance/config.py "
            "(`make run` writes one for local use)."
        )

    from . import cli, db, errors, geocode, i18n, security, views
    from .search import snapshot
    from .search.textindex import make_text_index
    from .taxonomy import load_taxonomy

    app.extensions["taxonomy"] = load_taxonomy(Path(app.config["DATA_DIR"]))
    app.extensions["text_index"] = make_text_index(app)
    db.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    geocode.init_app(app)
    snapshot.init_app(app)
    security.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    return app
