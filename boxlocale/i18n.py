"""Languages: French first, English second."""

import functools

import flask_babel
from babel import Locale
from flask import g, has_app_context, has_request_context, request
from flask_babel import Babel
from markupsafe import Markup
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


def template_callables():
    """``_`` and ``ngettext`` for a page's templates (a context processor): the functions of this
    request's language, made once per language. Jinja's own path to a translation passes through five
    calls for each ``_()`` (a page makes 20 to 40), measured at 70,000 instructions a call; these
    look each text up once per process and do what Jinja's new-style gettext does (the translation
    as Markup, then ``%`` with the escaped values, always). Macros imported without the page's
    context get them through the environment's globals (``init_app``)."""
    translations = _catalog()
    callables = _template_callables.get(id(translations))
    if callables is None or callables[0] is not translations:
        if len(_template_callables) >= 16:  # never more than a few languages: only a bound
            _template_callables.clear()
        callables = _template_callables[id(translations)] = (translations, _made_callables(translations))
    return callables[1]


_template_callables = {}  # id of a language's translations -> (them, their callables): a few entries


def _made_callables(translations):
    texts = {}

    def gettext(string, /, **variables):  # positional only: a template may pass any name
        text = texts.get(string)
        if text is None:
            text = texts[string] = Markup(translations.ugettext(string))
        return text % variables

    def ngettext(singular, plural, count, /, **variables):
        variables.setdefault("num", count)
        return Markup(translations.ungettext(singular, plural, count)) % variables

    return {"_": gettext, "ngettext": ngettext}


def _imported_gettext(string, /, **variables):
    return template_callables()["_"](string, **variables)


def _imported_ngettext(singular, plural, count, /, **variables):
    return template_callables()["ngettext"](singular, plural, count, **variables)


def labels(choices):
    """{value: its label in this request's language} of a constant list of (value, lazy label), made
    once per language: a page's filters show a dozen labels, each a Flask-Babel lookup when made."""
    translations = _catalog()
    key = (id(translations), id(choices))
    made = _labels.get(key)
    if made is None or made[0] is not choices or made[1] is not translations:
        if len(_labels) >= 256:  # a few lists in a few languages: only a bound
            _labels.clear()
        made = _labels[key] = (choices, translations, {value: str(label) for value, label in choices})
    return made[2]


_labels = {}  # (id of a language's translations, id of a list) -> (the list, them, its labels): a few


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
    # Macros imported without the page's context (``{% import "macros.html" as macros %}``) see only
    # the globals: there, ``_`` and ``ngettext`` are this request's callables too, not Jinja's path
    # (five calls for each text, measured at twice these).
    app.jinja_env.globals.update(_=_imported_gettext, ngettext=_imported_ngettext)
