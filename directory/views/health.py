"""Health and readiness checks for load balancers and admins."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Database reachable, and the index present and in step with it."""
    from ..cli import index_health

    try:
        db.session.execute(text("SELECT 1"))
        database = True
    except Exception:
        db.session.rollback()
        database = False
    index = index_health() if database else {"in_step": False}
    ok = database and index["in_step"]
    return jsonify({"status": "ok" if ok else "degraded", "database": database, "index": index}), 200 if ok else 503


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    """Ready to serve searches: the database answers and an index exists (even if a rebuild is due)."""
    from ..search.service import catalog

    try:
        db.session.execute(text("SELECT 1"))
        providers = len(catalog())
    except Exception:
        db.session.rollback()
        return jsonify({"ready": False}), 503
    return jsonify({"ready": True, "providers": providers})
