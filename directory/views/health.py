"""Health and readiness checks for load balancers and admins."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..search.snapshot import snapshot
from ..search.upkeep import index_health

bp = Blueprint("health", __name__)


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Database reachable, and the text index present and in step with it."""
    database = _database_answers()
    index = index_health() if database else {"in_step": False}
    ok = database and index["in_step"]
    return jsonify(
        {"status": "ok" if ok else "degraded", "database": database, "index": index}
    ), 200 if ok else 503


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    """Ready to serve searches: the database answers and a snapshot is loaded."""
    if not _database_answers():
        return jsonify({"ready": False}), 503
    return jsonify({"ready": True, "providers": len(snapshot().catalog)})
