"""Languages: French first, English second."""

import functools

from babel import Locale
from flask import has_request_context, request
from flask_babel import Babel
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from . import settings

LANGUAGES = ("fr", "en")
LANG_COOKIE = "lang"
# Parsed once: Flask-Babel takes a Locale as it is, and parsing one on every request costs.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale():
    """The phone's choice (remembered in a cookie), then its Accept-Language, then the box's default
    (also outside a request: rules and the command line run without one)."""
    if not has_request_context():
        return _LOCALES.get(settings.get("default_language"), _LOCALES["fr"])
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen not in LANGUAGES or request.path.startswith("/api/"):
        chosen = _best_language(request.headers.get("Accept-Language", "")) or settings.get("default_language")
    return _LOCALES.get(chosen, chosen)


@functools.lru_cache(maxsize=256)
def _best_language(header):
    """The best of our languages for an Accept-Language header (phones send a handful of distinct ones)."""
    return parse_accept_header(header, LanguageAccept).best_match(LANGUAGES)


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "fr")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    Babel(app, locale_selector=select_locale)
