"""Blueprints by audience: pages for people, the JSON API, HSDS, and health checks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api, health, hsds_api, web

    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(hsds_api.bp)
    app.register_blueprint(health.bp)
