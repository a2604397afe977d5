"""Cards rendered once: a listing shows the same cards view after view, and a card's HTML depends only on
the values it shows, the language, the year (dates show it when it is not this one) and the box's mount
point. A template wraps a card in ``{% call remembered("name", value, ...) %}…{% endcall %}`` naming
every value the card shows; the key is those values themselves, so nothing ever needs forgetting.
A listing's search and filters are remembered the same way (``remembered_unless`` a search's words).
Never a part with a form token in it: a token is each phone's own."""

from flask import request
from flask_babel import get_locale

from .formatting import this_year

MAX_FRAGMENTS = 4096  # cards of a few KB at most: a few MB; a box shows far fewer distinct cards

_fragments = {}


def remembered(*values, caller):
    """The card's HTML for these values, rendered by ``caller`` the first time."""
    return _remembered(_request_key(), values, caller)


def _remembered(request_key, values, caller):
    key = (*request_key, *values)
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


def page_callables():
    """``remembered`` and ``remembered_unless`` for one page's render (a context processor): the
    request's part of the key read once for the page (in the page's language, force_locale's too), not
    from ``g`` for each of its 20 cards."""
    page_key = []

    def remembered_here(*values, caller):
        if not page_key:
            page_key.append(_request_key())
        return _remembered(page_key[0], values, caller)

    def remembered_unless_here(typed, *values, caller):
        return caller() if typed else remembered_here(*values, caller=caller)

    return {"remembered": remembered_here, "remembered_unless": remembered_unless_here}


def _request_key():
    """What every card of this request shares in its key (a page's render reads it once: page_callables)."""
    return str(get_locale()), this_year(), request.script_root


def clear():
    """Forget every card (tests start each app from nothing)."""
    _fragments.clear()


def init_app(app):
    app.jinja_env.globals["remembered"] = remembered
    app.jinja_env.globals["remembered_unless"] = remembered_unless
