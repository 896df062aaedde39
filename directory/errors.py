"""The project's error types, and their translation to JSON or a friendly page in one place."""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class DirectoryError(Exception):
    """An error a client caused or should see: a message, an HTTP status, and the parameter at fault."""

    def __init__(self, message: str, status: int = 400, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.parameter = parameter

    def as_dict(self) -> dict[str, object]:
        return {"error": {"status": self.status, "message": self.message, "parameter": self.parameter}}


class ImportRefused(Exception):
    """A file the importer will not load at all, with where and why."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(error: DirectoryError) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(error.as_dict()), error.status
    return render_template("error.html", error=error), error.status


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into JSON (API) or a page (people)."""

    @app.errorhandler(DirectoryError)
    def directory_error(error: DirectoryError):  # type: ignore[no-untyped-def]
        return _render(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        messages = {404: "We could not find that page.", 405: "That method is not allowed here.",
                    429: "Too many requests. Please wait a moment and try again."}
        message = messages.get(error.code or 500, error.description or "Something went wrong.")
        response = _render(DirectoryError(message, error.code or 500))
        if error.code == 429 and error.response is not None:
            resp = app.make_response(response)
            for header in ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                if header in error.response.headers:
                    resp.headers[header] = error.response.headers[header]
            return resp
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        from .db import db

        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(DirectoryError("Something went wrong on our side. Please try again.", 500))
