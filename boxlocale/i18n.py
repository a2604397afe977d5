"""Languages: French first, English second."""

from flask import request
from flask_babel import Babel

from . import settings

LANGUAGES = ("fr", "en")
LANG_COOKIE = "lang"


def select_locale():
    """The phone's choice (remembered in a cookie), then its Accept-Language, then the box's default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES and not request.path.startswith("/api/"):
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or settings.get("default_language")


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "fr")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    Babel(app, locale_selector=select_locale)
