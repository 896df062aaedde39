"""Security headers, CSRF, rate limits, and request logs that never contain query strings."""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
access_log = logging.getLogger("directory.access")
LIMITED_BLUEPRINTS = frozenset(
    {"api", "hsds_api"}
)  # all their endpoints; pages limit only the report form


@limiter.request_filter
def _no_limit_applies() -> bool:
    """Flask-Limiter guards the report form only: page and health reads have no limit, and the
    APIs have their own, cheaper check (``ApiLimit``). Limits set on another route would need
    this filter changed."""
    return request.blueprint in LIMITED_BLUEPRINTS or request.method in ("GET", "HEAD")


class FixedHeaders:
    """WSGI middleware: the security headers every response carries, appended to the header list
    as the response starts (werkzeug checks and stores each header it is given one by one: a
    tenth of an API answer's time). No view sets these itself."""

    def __init__(self, app: Any, headers: list[tuple[str, str]]) -> None:
        self.app, self.headers = app, headers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.extend(self.headers)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a request without the cookie (every API call,
    most page views) gets its empty session without building the signing serializer first."""

    def open_session(self, app: Flask, request):  # type: ignore[no-untyped-def, override]
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class ApiLimit:
    """``API_RATE_LIMIT`` per client address over both APIs, with the ``limits`` library that
    Flask-Limiter is built on, in the storage ``RATELIMIT_STORAGE_URI`` names. Flask-Limiter's
    own per-request bookkeeping (resolving decorators, filters and contexts) took a fifth of an
    API answer; this is one counter hit and one read."""

    def __init__(self, app: Flask) -> None:
        self.limits = parse_many(app.config["API_RATE_LIMIT"])
        self.storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self.strategy = FixedWindowRateLimiter(self.storage)

    def check(self, api: str) -> None:
        """Count this request to ``api`` (each API counts apart); past a limit, a 429 saying
        when to come back."""
        who = get_remote_address() or "unknown"
        headers: dict[str, str] = {}
        for limit in self.limits:
            allowed = self.strategy.hit(limit, api, who)
            stats = self.strategy.get_window_stats(limit, api, who)
            if not headers or not allowed:
                headers = {
                    "X-RateLimit-Limit": str(limit.amount),
                    "X-RateLimit-Remaining": str(stats.remaining),
                    "X-RateLimit-Reset": str(int(stats.reset_time)),
                }
            if not allowed:
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                headers["Retry-After"] = str(wait)
                raise TooManyRequests(response=Response(status=429, headers=headers))
        g.rate_headers = headers


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

    api_limit = ApiLimit(app)
    app.session_interface = CookieSessions()
    fixed = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        # Other sites learn nothing; our own pages learn that a visit is under way (i18n.py).
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "geolocation=(self), camera=(), microphone=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if app.config.get("HSTS"):
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    app.wsgi_app = FixedHeaders(app.wsgi_app, fixed)  # type: ignore[method-assign]

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()
        limited = current_app.config.get("RATELIMIT_ENABLED", True)
        if limited and request.blueprint in LIMITED_BLUEPRINTS:
            api_limit.check(request.blueprint)

    @app.after_request
    def headers(response):  # type: ignore[no-untyped-def]
        rate = g.get("rate_headers")
        if rate:
            response.headers.extend(rate)
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
