"""Languages: French first, English second."""

import functools

import flask_babel
from babel import Locale
from flask import g, has_app_context, has_request_context, request
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
    chosen = language_for(request.cookies.get(LANG_COOKIE), request.headers.get("Accept-Language", ""),
                          request.path)
    return _LOCALES.get(chosen, chosen)


def language_for(cookie, accept_language, path):
    """The language code of a request, from its cookie, Accept-Language header and path (the API
    ignores the cookie). Plain values, so the shared pages' WSGI layer asks it before Flask runs."""
    if cookie in LANGUAGES and not path.startswith("/api/"):
        return cookie
    return _best_language(accept_language) or settings.get("default_language")


@functools.lru_cache(maxsize=256)
def _best_language(header):
    """The best of our languages for an Accept-Language header (phones send a handful of distinct ones)."""
    return parse_accept_header(header, LanguageAccept).best_match(LANGUAGES)


class _RequestDomain(flask_babel.Domain):
    """Flask-Babel's domain, with this request's translations looked up once: Flask-Babel looks them up
    again on every call (5 µs, and a page makes 40 to 100 calls: templates, views, lazy labels). They
    are kept where Flask-Babel keeps a request's translations (``babel_translations`` of its context),
    which its ``force_locale`` and ``refresh`` empty and put back."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        translations = getattr(g.get("_flask_babel"), "babel_translations", None)
        if translations is None:
            translations = super().get_translations()
            flask_babel._get_current_context().babel_translations = translations
        return translations


_DOMAIN = _RequestDomain()  # holds no request's state: one for every app


def _catalog():
    """The templates' translations: this request's, remembered by the domain."""
    return _DOMAIN.get_translations()


# Flask-Babel's own: it empties the request's remembered translations on the way in and puts them back.
force_locale = flask_babel.force_locale


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "fr")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = _DOMAIN  # gettext, lazy_gettext and the templates' callables use it
    # The same callables as Flask-Babel's, on the translations remembered for the request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
