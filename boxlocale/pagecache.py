"""The shared pages: what most phones read the same way, rendered once and served before Flask runs.

At a village fête 150 phones open the same few pages within minutes; a Pi 3 core renders a page in tens
of milliseconds. A page is *shared* when it has nothing of its own for the phone asking: no message
waiting for it (a flash), nothing "mine" (the phone did not post the item, book or notice, does not hold
it reserved), no console session, no manage link. Such a phone gets the page as it was last rendered, as
long as nothing was written since (``db.generation``) and it is at most MAX_AGE seconds old by the box
clock (lapses follow the clock).

Forms stay protected: a page is stored with a placeholder where each form's CSRF token goes, and the
token of the phone asking (from its own signed session cookie) is filled in when it is served. A phone
with no token yet is served by Flask, which gives it one; every later page is shared.

``SharedPages`` is a WSGI layer in front of Flask: a hit costs a dict lookup, a cookie check and the
write of the bytes (gzipped once, when the page is stored, for phones that accept it); a repeat view
with the same validator is a 304. ``cached_page`` decorates the views whose page depends only on their
URL, the language, whether the phone has a device key, the data and the clock: it renders and stores.
Views say who a page is personal to with ``personal_to``.

A page may have a part of its own for each phone with a device key (the home page's "since your last
visit", ``own_part``): it is stored as rendered for a phone whose part is empty, and served to a phone
only while its own part is known to be empty: no write to the tables the part reads since it was read
empty, and not past the moment the clock alone may fill it. A phone with something of its own gets
its page from Flask, never stored.

Pages rendered by Flask take turns (``in_turns``). Python runs one thread at a time anyway, and every
SQLite call lets it go: threads rendering side by side hand it to each other at each row read, which
cost a fresh render about a third more CPU under four connections (README, Figures). A view waits for
its turn at most TURN_SECONDS, then runs beside the others: a slow view (a backup download) cannot hold
the rest. Shared pages and posts do not take turns: a shared page is short, and a post's photo work
and its wait for the write lock run outside the interpreter.
"""

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from datetime import timedelta
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from . import clock, db
from .devices import COOKIE as DEVICE_COOKIE
from .devices import hash_key
from .i18n import LANG_COOKIE, language_for

MAX_AGE = timedelta(seconds=20)
# A fête reads about 400 (the newest items', books' and notices' pages, in two languages, with a device key
# or without); pages are 4-30 KB (and a gzipped copy): a few MB, 20 MB at the very most.
MAX_ENTRIES = 1024
SESSION_COOKIE = "session"
# The only cookies a shared page may be served with; any other (console, manage link) goes to Flask.
SHAREABLE_COOKIES = {LANG_COOKIE, SESSION_COOKIE, DEVICE_COOKIE}
TOKEN_FIELD = "csrf_token"
# What a stored page holds where a form's token goes (never a valid token: it has no signature).
TOKEN_PLACEHOLDER = "@@csrf-token-of-this-phone@@"
_PLACEHOLDER_BYTES = TOKEN_PLACEHOLDER.encode()
# A request with one of these (the API's bearer key, an item's manage token) is a phone's own.
_PERSONAL_REQUEST_HEADERS = {"HTTP_AUTHORIZATION", "HTTP_X_MANAGE_TOKEN"}
# Remembered: a phone's session cookie read (RememberedSessions) and its signed token, so a page costs no
# signature work on the next views. Bounded.
MAX_PHONES = 2048
MAX_REMEMBERED_HEADER = 1024  # a phone's cookies are about 300 bytes; a made-up flood is not kept
# Headers of the rendered response that belong to that one phone, never to a stored page.
_PERSONAL_HEADERS = {"set-cookie", "content-length", "etag", "content-encoding"}


class Entry:
    """One stored page: its bytes (and gzipped copy), headers, validator and who must not get it."""

    __slots__ = ("generation", "tables", "new_rows_kept", "stored_at", "status", "headers", "body", "gzipped",
                 "etag", "has_token", "personal", "own_part")

    def __init__(self, generation, tables, new_rows_kept, stored_at, status, headers, body, personal,
                 own_part=None):
        self.generation, self.tables, self.new_rows_kept = generation, tables, new_rows_kept
        self.stored_at, self.status = stored_at, status
        self.headers = [(name, value) for name, value in headers if name.lower() not in _PERSONAL_HEADERS]
        self.headers.append(("Vary", "Accept-Encoding, Cookie"))
        self.body = body
        self.has_token = _PLACEHOLDER_BYTES in body
        # A page carrying tokens is different for each phone: compressed as it is served.
        self.gzipped = None if self.has_token else gzip.compress(body, compresslevel=6, mtime=0)
        self.etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        self.personal = frozenset(personal)
        self.own_part = own_part  # (tables, new_rows_kept) of the phone's own part, or None

    def served_to(self, device_key):
        """May a phone with this device key (None: without one) have this page?"""
        if not device_key:
            return True
        key_hash = hash_key(device_key)
        return key_hash not in self.personal and (self.own_part is None or _known_empty(self.own_part, key_hash))

    def fresh(self, now):
        return (self.generation == db.generation(self.tables, self.new_rows_kept)
                and timedelta(0) <= now - self.stored_at < MAX_AGE)


# The tables each part's pages show: a new notice keeps the give-box's and the shelf's pages.
GIVE_BOX_TABLES = ("item", "item_photo", "photo", "device", "setting", "draw", "draw_entry")
BOOK_TABLES = ("book", "journal_entry", "photo", "device", "setting", "net_box", "net_origin")
BOARD_TABLES = ("notice", "reply", "device", "setting", "net_box", "net_origin", "time_entry")
# A page of one item, book or notice is not changed by another one being posted (nor by a new phone):
# only a change to existing rows of these tables renders it afresh. Rows under it (replies, journal
# entries, photos) are other tables: any write there still counts.
ONE_ITEM_KEEPS = ("item", "item_photo", "photo", "device")  # photos are added only with their new item
ONE_BOOK_KEEPS = ("book", "device")
ONE_NOTICE_KEEPS = ("notice", "device")

_entries = OrderedDict()
_lock = threading.Lock()
# (own part, device key hash) -> (the part's generation when it was read empty, the moment the clock
# alone may fill it, or None). Bounded like the phones' sessions.
_empty_parts = {}


def _known_empty(part, key_hash):
    known = _empty_parts.get((part, key_hash))
    return (known is not None and known[0] == db.generation(*part)
            and (known[1] is None or clock.now() < known[1]))


def _lookup(key):
    now = clock.now()
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry.fresh(now):
            _entries.move_to_end(key)
            return entry
    return None


def _store(key, entry):
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def clear():
    """Forget every page (tests start each app from nothing)."""
    with _lock:
        _entries.clear()
        _empty_parts.clear()


def stats():
    """Counts since the start (the benchmark reads them from its own process)."""
    return dict(_counts)


_counts = {"shared": 0, "not_modified": 0, "to_flask": 0}


# Tokens: the signed form of a phone's raw session token, as Flask-WTF's generate_csrf makes it.


def _token_serializer(app):
    return URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, salt="wtf-csrf-token")


def _filled(body, signed_token):
    return body.replace(_PLACEHOLDER_BYTES, signed_token.encode())


def _etag(entry, signed_token):
    if not entry.has_token:
        return f'"{entry.etag}"'
    return f'"{entry.etag}-{hashlib.blake2b(signed_token.encode(), digest_size=6).hexdigest()}"'


def _accepts_gzip(header):
    return any(part.split(";")[0].strip() == "gzip" and "q=0" not in part.replace(" ", "").split(";", 1)[-1]
               for part in header.split(","))


def _etag_matches(header, etag):
    return header == "*" or etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


# A few fresh renders on a Pi (10-25 ms each): past this a waiting view runs beside the others.
TURN_SECONDS = 0.1
_turn = threading.Lock()


def in_turns(wsgi_app):
    """``wsgi_app`` with its GET and HEAD requests one at a time (module docstring)."""

    def served_in_turn(environ, start_response):
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return wsgi_app(environ, start_response)
        my_turn = _turn.acquire(timeout=TURN_SECONDS)
        try:
            return wsgi_app(environ, start_response)
        finally:
            if my_turn:
                _turn.release()

    return served_in_turn


class SharedPages:
    """WSGI layer: serve a stored shared page without running Flask; everything else goes to Flask."""

    def __init__(self, app):
        self.app = app
        self.next = in_turns(app.wsgi_app)
        self.sessions = app.session_interface
        self.log_requests = app.config.get("LOG_REQUESTS")
        self.cookie_headers = {}

    def __call__(self, environ, start_response):
        started, cpu_started = time.perf_counter(), time.thread_time()
        served = self._shared(environ, start_response)
        if served is None:
            _counts["to_flask"] += 1  # counts are approximate under threads: only a figure
            return self.next(environ, start_response)
        if self.log_requests:
            from .web import log_request

            log_request("GET", environ["PATH_INFO"], served[0], (time.perf_counter() - started) * 1000,
                        (time.thread_time() - cpu_started) * 1000, "shared")
        return served[1]

    def _shared(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or not _entries or _PERSONAL_REQUEST_HEADERS & environ.keys():
            return None
        cookies = self._cookies(environ.get("HTTP_COOKIE"))
        if not cookies.keys() <= SHAREABLE_COOKIES or not self._served_as_is(environ):
            return None
        device_key = _device_key(cookies, environ["PATH_INFO"])
        language = language_for(cookies.get(LANG_COOKIE), environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                                environ["PATH_INFO"])
        query = environ.get("QUERY_STRING", "")
        key = (environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"] + "?" + query, language, bool(device_key))
        entry = _lookup(key)
        if entry is None or not entry.served_to(device_key):
            return None
        raw_token = self._raw_token(cookies.get(SESSION_COOKIE))
        if raw_token is False or (entry.has_token and raw_token is None):
            return None  # a message waits for this phone, or it needs its first token: Flask
        signed = self.sessions.signed_token(raw_token) if entry.has_token else ""
        etag = _etag(entry, signed)
        headers = [*entry.headers, ("ETag", etag)]
        if _etag_matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
            _counts["not_modified"] += 1
            start_response("304 Not Modified", headers)
            return 304, [b""]
        if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body = entry.gzipped or gzip.compress(_filled(entry.body, signed), compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        else:
            body = _filled(entry.body, signed) if entry.has_token else entry.body
        headers.append(("Content-Length", str(len(body))))
        _counts["shared"] += 1
        start_response(f"{entry.status} OK", headers)
        return entry.status, [body]

    def _cookies(self, header):
        """The cookies of a Cookie header, parsed once per phone (a phone sends the same header on every
        view until a cookie changes). Never changed by the caller: the same dict serves every view."""
        if not header:
            return {}
        cookies = self.cookie_headers.get(header)
        if cookies is None:
            cookies = dict(parse_cookie(header))
            if len(header) <= MAX_REMEMBERED_HEADER:
                _remember(self.cookie_headers, header, cookies)
        return cookies

    def _served_as_is(self, environ):
        from . import settings
        from .portal import captive

        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        return captive.served_as_is(host, settings.get("host_name"))

    def _raw_token(self, cookie):
        """The phone's raw CSRF token; None without a session; False when its session holds anything
        else (a flash message waiting) or does not verify."""
        if not cookie:
            return None
        data = self.sessions.data_of(cookie)
        return data.get(TOKEN_FIELD) if data is not None and data.keys() <= {TOKEN_FIELD} else False


class RememberedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each phone's cookie verified once: a phone sends the same cookie
    (its form token) on every view, and Flask built a serializer and checked the signature on each one
    (a tenth of a hello world's whole cost). A cookie is remembered with the moment it was signed, so it
    expires exactly when Flask would refuse it; only sessions of plain texts are remembered (each
    request gets its own copy, and a text cannot be changed in place). Shared pages read the same."""

    def __init__(self, app):
        self.serializer_of_app = self.get_signing_serializer(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.known = {}  # cookie -> (its data, when it was signed: seconds)
        self.tokens = _token_serializer(app)
        self.signed_tokens = {}  # raw token -> signed token
        if app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
            raise RuntimeError("pages reuse a phone's signed token: it must not expire")

    def open_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        data = self.data_of(cookie) if cookie else None
        return self.session_class(data or ())  # Flask's own answer to a cookie that does not verify

    def data_of(self, cookie):
        """The data of a session cookie, or None when it does not verify (or has expired)."""
        known = self.known.get(cookie)
        if known is not None and int(time.time()) - known[1] <= self.max_age:
            return known[0]
        try:
            data, signed_at = self.serializer_of_app.loads(cookie, max_age=self.max_age, return_timestamp=True)
        except BadSignature:
            return None
        if isinstance(data, dict) and all(type(value) is str for value in data.values()) \
                and len(cookie) <= MAX_REMEMBERED_HEADER:
            _remember(self.known, cookie, (data, int(signed_at.timestamp())))
        return data

    def signed_token(self, raw_token):
        """The signed form of a raw token, as generate_csrf makes it (valid for as long as the session:
        WTF_CSRF_TIME_LIMIT is None), made once per phone."""
        signed = self.signed_tokens.get(raw_token)
        if signed is None:
            signed = self.tokens.dumps(raw_token)
            _remember(self.signed_tokens, raw_token, signed)
        return signed


def form_token():
    """The templates' ``csrf_token()``: Flask-WTF's generate_csrf, with the phone's token signed once per
    phone (``signed_token``), not on every page with a form."""
    from flask_wtf.csrf import generate_csrf

    # A page makes one to six forms: the token is read from ``g`` once made (where generate_csrf keeps
    # it too), not through generate_csrf's reading of the config each time.
    token = g.get(TOKEN_FIELD)  # a page being stored has its placeholder there (cached_page)
    if token is None:
        raw_token = session.get(TOKEN_FIELD)
        if raw_token:
            token = g.csrf_token = current_app.session_interface.signed_token(raw_token)
        else:
            token = generate_csrf()  # the phone's first token, in its session
    return token


def _remember(memory, key, value):
    if len(memory) >= MAX_PHONES:
        memory.clear()  # a fête has 150 phones: this happens only under a flood of made-up cookies
    memory[key] = value


# Inside Flask: render, store, and say whom a page is personal to.


def _device_key(cookies, path):
    """The phone's device key as the page sees it: the API takes its key from the bearer header only."""
    return None if path.startswith("/api/") else cookies.get(DEVICE_COOKIE)


def _shareable_request():
    if request.method != "GET" or not request.cookies.keys() <= SHAREABLE_COOKIES:
        return False
    if any(request.headers.get(name[5:].replace("_", "-")) for name in _PERSONAL_REQUEST_HEADERS):
        return False
    if g.get("volunteer") is not None:
        return False
    return session.keys() <= {TOKEN_FIELD}  # a flash waiting: this page is this phone's


def _key():
    return (request.script_root + request.path + "?" + request.query_string.decode("latin-1"),
            str(get_locale()), bool(_device_key(request.cookies, request.path)))


def not_shared():
    """Say that this page is this phone's own whoever it is (e.g. an item with a draw: each entrant
    reads its own outcome): it is not stored."""
    g.page_is_personal = True


def personal_to(*device_ids):
    """Say that this page differs for these devices (who posted it, holds it reserved, took it):
    the stored page is never served to them, and a page rendered for one of them is not stored."""
    from .devices import current_device
    from .models import Device

    if "shared_render" not in g:
        return  # not a page being stored
    ids = {device_id for device_id in device_ids if device_id is not None}
    device = current_device()
    if device is not None and device.id in ids:
        g.page_is_personal = True
    g.page_personal_hashes = (
        {row.key_hash for row in Device.select(Device.key_hash).where(Device.id.in_(ids))} if ids else set()
    )


def own_part(device, tables, new_rows_kept, read):
    """The part of this page that is this phone's own (``device``: its Device), read by ``read()`` ->
    (rows, the moment the clock alone may add rows, or None). ``tables`` (and ``new_rows_kept``, as in
    ``cached_page``): every table ``read`` reads. With rows the page is this phone's own; empty, the
    page is stored and this phone gets the stored page until a write to those tables or that moment.
    Returns the rows."""
    part = (tuple(tables), tuple(new_rows_kept))
    generation = db.generation(*part)  # before reading: a write while it reads makes the mark stale
    rows, until = read()
    g.page_own_part = part
    if rows:
        not_shared()
        _empty_parts.pop((part, device.key_hash), None)
    else:
        g.page_empty_part = (device.key_hash, generation, until)
    return rows


def cached_page(view=None, tables=None, new_rows_kept=()):
    """Decorate a view whose page depends only on its URL, the language, whether the phone has a device
    key, the data and the clock (and on who the page is ``personal_to``). ``tables``: the only tables
    the page shows (a write elsewhere keeps it); None: any write renders it afresh. ``new_rows_kept``:
    those of ``tables`` where only a change to existing rows matters (the page of one notice and a new
    notice). The page is stored by ``finish_shared``, once every after-request hook has given it its
    headers."""
    if view is None:
        return lambda view: cached_page(view, tables, new_rows_kept)
    tables = tuple(tables) if tables else None
    new_rows_kept = tuple(new_rows_kept)
    if new_rows_kept and not (tables and set(new_rows_kept) <= set(tables)):
        raise ValueError("new_rows_kept must be some of the page's tables")

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _shareable_request():
            return view(*args, **kwargs)
        key = _key()
        entry = _lookup(key)
        device_key = _device_key(request.cookies, request.path)
        if entry is not None and entry.served_to(device_key):
            g.shared_entry = entry
            return make_response(entry.body, entry.status)
        g.shared_render = (key, tables, new_rows_kept, db.generation(tables, new_rows_kept), clock.now())
        # A token made earlier in this app context (tests run requests inside one) is put back after.
        g.token_before_render = g.pop("csrf_token", None)
        g.csrf_token = TOKEN_PLACEHOLDER  # what generate_csrf() returns while the page renders
        return view(*args, **kwargs)

    wrapper.shared_tables, wrapper.new_rows_kept = tables, new_rows_kept
    return wrapper


def finish_shared(response):
    """after_request, last of all: store a shared page as rendered; fill in this phone's token; add the
    validator (a 304 for a repeat view) and gzip."""
    entry, render = g.pop("shared_entry", None), g.pop("shared_render", None)
    if entry is None and render is None:
        return response
    g.pop("csrf_token", None)
    if g.get("token_before_render"):
        g.csrf_token = g.pop("token_before_render")
    if entry is None:
        key, tables, new_rows_kept, generation, now = render
        body = response.get_data() if not response.is_streamed else b""
        entry = Entry(generation, tables, new_rows_kept, now, response.status_code, list(response.headers.items()),
                      body, g.get("page_personal_hashes", ()), g.get("page_own_part"))
        if _storable(response):
            _store(key, entry)
        empty = g.pop("page_empty_part", None)
        if empty is not None and response.status_code == 200:
            key_hash, part_generation, until = empty
            _remember(_empty_parts, (entry.own_part, key_hash), (part_generation, until))
    else:
        response = current_app.response_class(entry.body, entry.status, headers=entry.headers)
    if response.is_streamed:
        return response
    signed = form_token() if entry.has_token else ""
    body = _filled(entry.body, signed) if entry.has_token else entry.body
    response.set_etag(_etag(entry, signed).strip('"'))
    if _accepts_gzip(request.headers.get("Accept-Encoding", "")):
        body = entry.gzipped if entry.gzipped is not None and body is entry.body else gzip.compress(
            body, compresslevel=6, mtime=0)
        response.headers["Content-Encoding"] = "gzip"
    response.set_data(body)
    response.vary.add("Accept-Encoding")
    return response.make_conditional(request)


def _storable(response):
    return (response.status_code == 200 and not response.is_streamed and not g.get("page_is_personal")
            and "Set-Cookie" not in response.headers and session.keys() <= {TOKEN_FIELD}
            and bool(_device_key(request.cookies, request.path)) == _has_valid_device())


def _has_valid_device():
    from .devices import current_device

    return current_device() is not None


def init_app(app):
    """Register before web.init_app: after-request hooks run last-registered first, so this one runs
    after the security headers are set."""
    app.after_request(finish_shared)
    app.session_interface = RememberedSessions(app)
    app.jinja_env.globals["csrf_token"] = form_token  # the page's context gets it from box_context
    app.wsgi_app = SharedPages(app)
