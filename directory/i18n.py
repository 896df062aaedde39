"""English and Spanish: the language of a page comes from its address, ``/es/…`` for Spanish.

A small WSGI layer moves a leading ``/es`` from the path into the script root, so every view, every
``url_for`` and every form keeps working unchanged and every link a Spanish page makes stays
Spanish. Flask-Babel translates with the catalogs in ``directory/translations`` (compiled when
installing). The browser's ``Accept-Language`` decides only where a visit starts: the bare home page
``/``, asked for from outside the site, sends Spanish readers to ``/es/``. Nothing is remembered in
a cookie. The JSON API answers in English; its labels follow ``lang`` or ``Accept-Language`` when
asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup

from .errors import DirectoryError

LANGUAGES = ("en", "es")
NAMES = {"en": "English", "es": "Español"}  # each in its own language, for the switch link
PREFIX = "/es"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
API_BLUEPRINTS = ("api", "hsds_api")


class LanguagePrefix:
    """WSGI middleware: ``/es/search`` is the view ``/search`` with the script root ending in
    ``/es``."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            environ["directory.lang"] = "es"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
            environ["PATH_INFO"] = path[len(PREFIX) :] or "/"
        return self.app(environ, start_response)


def page_language() -> str:
    """The language of the page being served, from its address."""
    return str(request.environ.get("directory.lang", "en")) if has_request_context() else "en"


def api_language() -> str:
    """The language an API caller asks labels in: ``lang``, else ``Accept-Language``, else
    English."""
    asked = str(request.args.get("lang") or "").strip().lower()
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def check_lang_parameter() -> None:
    """A ``lang`` the API cannot answer in is a 400 that names it."""
    asked = str(request.args.get("lang") or "").strip().lower()
    if asked and asked not in LANGUAGES:
        raise DirectoryError(f"'lang' must be one of: {', '.join(LANGUAGES)}.", 400, "lang")


# Parsed once: Flask-Babel parses what the selector returns on every request, and parsing a name
# looks for babel's locale file on disk.
LOCALES = {lang: Locale.parse(lang) for lang in LANGUAGES}


def select_locale() -> Locale:
    if not has_request_context():  # scripts and tests calling the service directly
        return LOCALES["en"]
    if request.blueprint in API_BLUEPRINTS and request.endpoint != "api.docs":
        return LOCALES[api_language()]
    return LOCALES[page_language()]


def current_language() -> str:
    return str(get_locale() or "en")


def site_root() -> str:
    """The script root without the language prefix (where the site is mounted)."""
    root = request.script_root
    return root[: -len(PREFIX)] if page_language() == "es" else root


def url_in(lang: str, full_path: str | None = None) -> str:
    """This page (path and query) in another language."""
    path = full_path if full_path is not None else request.full_path
    path = path[:-1] if path.endswith("?") else path
    return site_root() + (PREFIX if lang == "es" else "") + path


def came_from_outside() -> bool:
    """True when the request did not follow a link of this site (the first page of a visit)."""
    referrer = request.referrer
    return not referrer or urlsplit(referrer).netloc != request.host


def preferred_language() -> str:
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def alternates() -> Iterable[tuple[str, str]]:
    """(hreflang, address) of this page in each language, and x-default. Root-relative: a page
    names no other host, not even its own."""
    for lang in LANGUAGES:
        yield lang, url_in(lang)
    yield "x-default", url_in("en")


def _translations() -> Any:
    """This request's catalog, looked up once (Flask-Babel looks it up on every message)."""
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def _gettext(message: str) -> str:
    return str(_translations().gettext(message))


def _page_gettext(message: str, **variables: Any) -> Markup:
    return Markup(_translations().gettext(message)) % variables


def _ngettext(singular: str, plural: str, n: int) -> str:
    return str(_translations().ngettext(singular, plural, n))


def init_app(app: Flask) -> None:
    """Translate with Flask-Babel, read the language from the address, offer the other language."""
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    # Templates ask for a few hundred messages a page: the same catalog, fetched once per request.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    # `_()` is the one templates call most (about eighty a page). Jinja's alias for it resolves
    # `gettext` and calls through the context three times a message; this is the same newstyle
    # rule (the message is markup, always formatted, its variables escaped) in one call.
    app.jinja_env.globals["_"] = _page_gettext
    # Words of the data files (filter labels, source names; i18n_extract.py): `{{ o.label|t }}`.
    app.jinja_env.filters["t"] = _gettext
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]

    @app.context_processor
    def language() -> dict[str, Any]:
        lang = page_language() if request else "en"
        other = "en" if lang == "es" else "es"
        return {
            "lang": lang,
            "other_lang": other,
            "other_lang_name": NAMES[other],
            "other_lang_url": url_in(other),
            "alternates": list(alternates()),
        }

    @app.before_request
    def api_lang() -> None:
        if request.blueprint in API_BLUEPRINTS:
            check_lang_parameter()

    @app.after_request
    def content_language(response: Any) -> Any:
        if request.blueprint not in API_BLUEPRINTS:
            response.headers["Content-Language"] = page_language()
        return response
