"""A small in-memory cache of the pages everyone reads the same way: the home page and the listings.

At a village fête 150 phones open the same few pages within minutes; a Pi 3 core renders a listing in
tens of milliseconds. A phone that carries no cookie but its language choice (it has never posted,
holds no form, no message waits for it) gets the page as it was last rendered for such a phone, as
long as nothing was written since (``db.generation``) and it is at most MAX_AGE seconds old by the
box clock (lapses follow the clock). Phones with cookies always get a freshly rendered page.
"""

import threading
from collections import OrderedDict
from datetime import timedelta
from functools import wraps

from flask import make_response, request, session
from flask_babel import get_locale

from . import clock, db
from .i18n import LANG_COOKIE

MAX_AGE = timedelta(seconds=20)
MAX_ENTRIES = 64  # pages are 10-30 KB: a few hundred KB of memory at most

_entries = OrderedDict()
_lock = threading.Lock()


def clear():
    """Forget every page (tests start each app from nothing)."""
    with _lock:
        _entries.clear()


def _cacheable():
    return request.method == "GET" and set(request.cookies) <= {LANG_COOKIE}


def cached_page(view):
    """Decorate a view whose page depends only on its URL, the language, the data and the clock."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()))
        generation, now = db.generation(), clock.now()
        with _lock:
            entry = _entries.get(key)
            if entry and entry[0] == generation and timedelta(0) <= now - entry[1] < MAX_AGE:
                _entries.move_to_end(key)
                body, status, headers = entry[2]
                return make_response(body, status, headers)
        response = make_response(view(*args, **kwargs))
        # A page that made a CSRF token (a form) or any cookie belongs to this phone alone.
        fresh_session = session.modified or "Set-Cookie" in response.headers
        if response.status_code == 200 and not fresh_session and not response.is_streamed:
            page = (response.get_data(), response.status_code, list(response.headers.items()))
            with _lock:
                _entries[key] = (generation, now, page)
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        return response

    return wrapper
