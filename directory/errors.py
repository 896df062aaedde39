"""The project's error types, and their translation to JSON or a friendly page in one place."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException


class DirectoryError(Exception):
    """An error a client caused or should see: message, HTTP status, and the parameter at fault."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        parameter: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.parameter = parameter
        self.retry_after = retry_after  # seconds, for a 503 or 429

    def as_dict(self) -> dict[str, object]:
        return {
            "error": {"status": self.status, "message": self.message, "parameter": self.parameter}
        }


class DatabaseUnavailable(Exception):
    """The database cannot be reached, and what was asked needs it."""


class ImportRefused(Exception):
    """A file the importer will not load at all, with where and why."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


RETRY_SECONDS = 30  # what a 503 asks clients to wait while the database is away

DATABASE_AWAY = N_(
    "We cannot reach our list of treatment places right now. Please try again in a minute. "
    "Searches may still work."
)


def _render(error: DirectoryError) -> Response:
    if _wants_json():
        response = jsonify(error.as_dict())
    else:
        response = Response(render_template("error.html", error=error), mimetype="text/html")
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into JSON (API) or a page (people)."""

    @app.errorhandler(DirectoryError)
    def directory_error(error: DirectoryError):  # type: ignore[no-untyped-def]
        return _render(error)

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> Response:
        # Flask-WTF's own messages are English only: say it in the page's language.
        return _render(
            DirectoryError(_("This form has expired. Please reload the page and try again."), 400)
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        messages = {
            404: _("We could not find that page."),
            405: _("That method is not allowed here."),
            429: _("Too many requests. Please wait a moment and try again."),
        }
        message = messages.get(error.code or 500, error.description or _("Something went wrong."))
        response = _render(DirectoryError(message, error.code or 500))
        if error.code == 429 and error.response is not None:
            for header in (
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ):
                if header in error.response.headers:
                    response.headers[header] = error.response.headers[header]
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DatabaseUnavailable)
    def database_away(error: Exception):  # type: ignore[no-untyped-def]
        from .db import db

        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        app.logger.warning("database unreachable: %s", type(error).__name__)
        return _render(DirectoryError(_(DATABASE_AWAY), 503, retry_after=RETRY_SECONDS))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        from .db import db

        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(
            DirectoryError(_("Something went wrong on our side. Please try again."), 500)
        )
