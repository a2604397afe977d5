"""Cards rendered once: a listing shows the same cards view after view, and a card's HTML depends only on
the values it shows, the language, the year (dates show it when it is not this one) and the box's mount
point. A template wraps a card in ``{% call remembered("name", value, ...) %}…{% endcall %}`` naming
every value the card shows; the key is those values themselves, so nothing ever needs forgetting.
A listing's search and filters are remembered the same way (``remembered_unless`` a search's words).
Never a part with a form token in it: a token is each phone's own."""

from flask import g, request
from flask_babel import get_locale

from .formatting import this_year

MAX_FRAGMENTS = 4096  # cards of a few KB at most: a few MB; a box shows far fewer distinct cards

_fragments = {}


def remembered(*values, caller):
    """The card's HTML for these values, rendered by ``caller`` the first time."""
    key = (*_request_key(), *values)
    try:
        html = _fragments.get(key)
    except TypeError:  # a value that is not a plain one: rendered each time
        return caller()
    if html is None:
        if len(_fragments) >= MAX_FRAGMENTS:
            _fragments.clear()
        html = _fragments[key] = caller()
    return html


def remembered_unless(typed, *values, caller):
    """``remembered``, unless ``typed`` (what a person typed or made up: words, an unknown filter, which
    would make keys without end): then rendered each time."""
    return caller() if typed else remembered(*values, caller=caller)


def _request_key():
    """What every card of this request shares in its key, read once per request (a listing has 20 cards;
    listings are never rendered under force_locale)."""
    key = g.get("fragment_key")
    if key is None:
        key = g.fragment_key = (str(get_locale()), this_year(), request.script_root)
    return key


def clear():
    """Forget every card (tests start each app from nothing)."""
    _fragments.clear()


def init_app(app):
    app.jinja_env.globals["remembered"] = remembered
    app.jinja_env.globals["remembered_unless"] = remembered_unless
