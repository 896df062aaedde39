"""Security headers, CSRF, rate limits, and request logs that never contain query strings."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
access_log = logging.getLogger("directory.access")
LIMITED_BLUEPRINTS = frozenset(
    {"api", "hsds_api"}
)  # all their endpoints; pages limit only the report form


@limiter.request_filter
def _no_limit_applies() -> bool:
    """Skip the limiter's per-request bookkeeping (a fifth of a page's time) where no limit is set:
    page and health reads. Limits set on such a route would need this filter changed."""
    return request.method in ("GET", "HEAD") and request.blueprint not in LIMITED_BLUEPRINTS


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Wire CSRF, the limiter, headers on every response, and one private log line per request."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def headers(response):  # type: ignore[no-untyped-def]
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        # Other sites learn nothing; our own pages learn that a visit is under way (i18n.py).
        h["Referrer-Policy"] = "same-origin"
        h["X-Frame-Options"] = "DENY"
        h["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("HSTS"):
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Search terms and places are private: the log keeps the path only, never the query string.
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                json.dumps(
                    {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round(
                            (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
                        ),
                        "bytes": response.calculate_content_length(),
                    }
                )
            )
        return response
