"""What every response gets: security headers, the request log line, error pages and JSON errors."""

import logging
import sqlite3
import time
from collections import ChainMap
from types import BuiltinFunctionType, FunctionType, MethodType
from urllib.parse import urlsplit

import markupsafe
from flask import (
    Request,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.templating import Environment
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Context, Macro
from peewee import DatabaseError, IntegrityError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .devices import is_api_request, set_device_cookie
from .errors import DomainError, StorageFull

log = logging.getLogger("boxlocale.request")

# No remote host anywhere: the box has no internet and phones must not try to reach it.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))

HTTP_MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    401: _l("This needs a device key."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist: the link or the code may be wrong."),
    405: _l("This page cannot be used that way."),
    413: _l("This is too large for the box (photos: 25 MB at most in all)."),
    429: _l("That is a lot in a short time: please wait a little and try again."),
    500: _l("Something went wrong in the box. Nothing you did: please try again."),
    503: _l("The box is busy or starting: please try again in a moment."),
    507: _l("The box's memory is full: nothing was saved. Please tell a volunteer."),
}
DAMAGED_MESSAGE = _l("The box cannot read its data right now. Please tell a volunteer: nothing you did caused it.")
HTTP_CODES = {
    400: "validation", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media", 429: "rate_limited", 500: "internal",
    503: "unavailable", 507: "storage_full",
}


def log_request(method, path, status, elapsed_ms, cpu_ms, how="rendered"):
    """The request log line (journald on the Pi). ``how``: "rendered" by Flask or "shared" (a stored page
    served before Flask runs); the benchmark reads these lines."""
    log.info("%s %s %s %.1fms cpu %.2fms %s", method, path, status, elapsed_ms, cpu_ms, how)


# Request lines are written a batch at a time: written alone, each costs a system call and wakes the
# reader (journald on the Pi) for every view, measured at a fifth of a shared page's whole cost. A batch
# waits for at most this many lines or seconds (checked at the next line: an idle box writes what it
# holds at its next view, or when it stops).
LINES_HELD = 64
SECONDS_HELD = 1.0


class RequestLines(logging.StreamHandler):
    """The request log's handler: its lines held, then written in one go."""

    def __init__(self, stream):
        super().__init__(stream)
        self.held, self.held_since = [], 0.0

    def emit(self, record):  # under the handler's lock (Handler.handle)
        try:
            line = self.format(record)
        except Exception:  # logging's own rule: a bad line never breaks the request
            self.handleError(record)
            return
        now = time.monotonic()
        if not self.held:
            self.held_since = now
        self.held.append(line)
        if len(self.held) >= LINES_HELD or now - self.held_since >= SECONDS_HELD:
            self.flush()

    def flush(self):
        with self.lock:
            if self.held:
                lines, self.held = self.held, []
                self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()


def hold_request_lines(stream, formatter):
    """``boxlocale serve``: request lines go to ``stream`` in batches (logging.shutdown writes the last)."""
    handler = RequestLines(stream)
    handler.setFormatter(formatter)
    log.addHandler(handler)
    log.propagate = False


def safe_next(target, default="/"):
    """Only paths on this box: never an open redirect, never a header that cannot be sent.

    Browsers drop tabs and line breaks from a URL (``/%09/evil`` becomes ``//evil``, another host)
    and read a backslash as ``/``, so any control character, space or backslash refuses the target."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch <= " " or ch in "\\\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def error_response(status, message, code=None, fields=None, retry_after=None):
    """The one place errors become a response: JSON under /api, a page in the user's language elsewhere."""
    code = code or HTTP_CODES.get(status, "error")
    if is_api_request():
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = {name: str(text) for name, text in fields.items()}
        response = jsonify(body)
    else:
        response = make_response(
            render_template("errors/error.html", status=status, message=message, fields=fields or {})
        )
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


class _TemplateGlobals(ChainMap):
    """A template's globals (Jinja's ChainMap over the environment's), whose keys are read in one go:
    every ``{% import %}`` takes them from the page's names (Jinja's ``_get_default_module``), and a
    ChainMap answered that one name at a time in Python, measured at 200,000 instructions an import
    (a page makes two or three)."""

    def keys(self):
        merged = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()

    def __getitem__(self, key):
        # Every render copies the globals into the page's names, a name at a time: ChainMap's own
        # lookup raised and caught a KeyError in the template's own (empty) globals for each one.
        for mapping in self.maps:
            if key in mapping:
                return mapping[key]
        return self.__missing__(key)


# What templates call that takes nothing from Jinja (no pass_context): functions, methods, macros.
_PLAIN_CALLABLES = {FunctionType, BuiltinFunctionType, MethodType, Macro}


class _TemplateContext(Context):
    """Jinja's context, whose ``call`` (every call a template makes: ``_()``, ``url_for``, macros, a
    dict's ``get``) goes straight to what takes nothing from Jinja: Jinja's own looked twice for what
    the callable wants passed and emptied its loop arguments first, a call's cost ten times over."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own names: a template may pass any)
        if type(__obj) not in _PLAIN_CALLABLES or getattr(__obj, "jinja_pass_arg", None) is not None:
            return Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


# markupsafe's escaping itself (in C), without the Markup wrapped around each result: what a template
# writes out is only ever joined into the page, where a Markup and its text make the same bytes.
_escape_text = getattr(markupsafe, "_escape_inner", None)


def _output_escape(value):
    """What a template writes out, escaped as markupsafe.escape does it."""
    if type(value) is str and _escape_text is not None:
        return _escape_text(value)
    return markupsafe.escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code for a template, whose ``{{ ... }}`` outputs are escaped by ``_output_escape``: Jinja's
    own made a Markup of each one (a Python ``__new__``), a page's 80 to 200 outputs."""

    def visit_Template(self, node, frame=None):
        super().visit_Template(node, frame)
        self.writeline("escape = environment.output_escape")  # the module's name, used only for outputs


class TemplateEnvironment(Environment):
    """Flask's template environment, with ``_TemplateGlobals``, ``_TemplateContext`` and
    ``_CodeGenerator`` (create_app sets it before any template)."""

    context_class = _TemplateContext
    code_generator_class = _CodeGenerator
    output_escape = staticmethod(_output_escape)

    def make_globals(self, d):
        return _TemplateGlobals({} if d is None else d, self.globals)


URLS_REMEMBERED = 4096  # a box's pages link a few thousand distinct paths (pseudonyms, notices, items)
_HOST_ARGUMENTS = {"_external", "_scheme"}  # a URL with the host depends on the request's Host header


def remembering_url_for():
    """Templates' url_for: a path built once per endpoint and arguments (the menu, the listings, each
    card's author link); a path depends only on them and the box's mount point."""
    built = {}

    def template_url_for(endpoint, **values):
        if not has_request_context() or _HOST_ARGUMENTS & values.keys():
            return url_for(endpoint, **values)
        try:
            key = (endpoint, request.blueprint if endpoint.startswith(".") else None, request.script_root,
                   *values.items())  # in their order: the query string keeps it
            url = built.get(key)
        except TypeError:  # an argument that is not a plain value (a list): built each time
            return url_for(endpoint, **values)
        if url is None:
            if len(built) >= URLS_REMEMBERED:
                built.clear()
            url = built[key] = url_for(endpoint, **values)
        return url

    return template_url_for


def path_for(endpoint, **values):
    """A path, as the templates' url_for builds it (remembered): for JSON that links each row."""
    return current_app.jinja_env.globals["url_for"](endpoint, **values)


_PATH_SLOT = "PATHSLOT0"  # what ``paths_for`` builds a path around: letters and digits, never escaped


def paths_for(endpoint, name, **values):
    """``path_for`` for many rows told apart by one argument ``name`` (an item's code): the path built
    once, then each row's put together around its value (a value a URL would escape: built itself)."""
    built = path_for(endpoint, **values, **{name: _PATH_SLOT})
    head, _, tail = built.partition(_PATH_SLOT)
    pieced = built.count(_PATH_SLOT) == 1  # else (a converter that changes the value) each path is built

    def path(value):
        if pieced and type(value) is str and value.isascii() and value.isalnum():
            return head + value + tail
        return path_for(endpoint, **values, **{name: value})

    return path


# SQLite's integers are 64-bit: an id beyond them is a page that does not exist, not a crash.
SQLITE_INT_MAX = 2**63 - 1


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, 0 to 2^63 - 1 (else 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", SQLITE_INT_MAX)
        super().__init__(map, *args, **kwargs)


def _has_nul():
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        return True
    if any("\x00" in value for value in request.args.values()):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype == "application/json":
            return b"\\u0000" in request.get_data(cache=True)
        return any("\x00" in value for value in request.form.values())
    return False


class _Values(ImmutableMultiDict):
    """A request's arguments, form and cookies, whose ``get`` of a name that is not there returns the
    default at once: werkzeug's looked it up by ``[]``, which made and raised an HTTP error (a 400
    "bad request key") for it to catch, about ten a page (a filter not chosen, a cookie not set)."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's own argument name)
        if key not in self:
            return default
        return super().get(key, default, type)


class BoxRequest(Request):
    """Flask's request, whose body limit is MAX_CONTENT_LENGTH but on the console's restore route, where
    an admin may send a backup of up to its own limit (console/restore.py). Decided when the body is
    first read, whichever hook reads it (the NUL-byte check, the CSRF check, the view). Its arguments,
    form and cookies are ``_Values``."""

    parameter_storage_class = _Values
    dict_storage_class = _Values

    def _body_limit(self):
        if self._max_content_length is None and self.method == "POST":
            from .console import restore

            if self.path == restore.UPLOAD_PATH and restore.may_upload_a_backup():
                self._max_content_length = restore.UPLOAD_LIMIT
        return Request.max_content_length.fget(self)

    max_content_length = property(_body_limit, Request.max_content_length.fset)

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        """A backup upload's file is parsed into the data dir, not /tmp (memory on Debian 13)."""
        from .console import restore

        if self._max_content_length == restore.UPLOAD_LIMIT:
            import tempfile

            return tempfile.TemporaryFile("rb+", dir=current_app.config["DATA_DIR"])
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


def init_app(app):
    app.request_class = BoxRequest
    # Before any blueprint adds its routes.
    app.url_map.converters["int"] = RowIdConverter
    app.jinja_env.globals["url_for"] = remembering_url_for()

    @app.before_request
    def start_timer():
        g.started, g.cpu_started = time.perf_counter(), time.thread_time()

    @app.before_request
    def refuse_nul_bytes():
        # No one types a NUL byte: it only breaks searches (FTS5) and truncates text in SQLite.
        if _has_nul():
            return error_response(400, HTTP_MESSAGES[400])

    @app.after_request
    def finish(response):
        # A view's own header stays (a manage link's Referrer-Policy). Looked up in one pass: werkzeug's
        # setdefault raises and catches an exception for each header missing (four on every page).
        present = {name.lower() for name, _ in response.headers.items()}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        if "cache-control" not in present and response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store" if request.method != "GET" else "no-cache"
        set_device_cookie(response)
        if app.config.get("LOG_REQUESTS"):
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            cpu = (time.thread_time() - g.get("cpu_started", time.thread_time())) * 1000
            log_request(request.method, request.path, response.status_code, elapsed, cpu)
        return response

    @app.errorhandler(DomainError)
    def domain_error(error):
        return error_response(
            error.status, error.message, error.code, error.fields, getattr(error, "retry_after", None)
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400, _("This form has expired (or came from elsewhere). Please go back, reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code or 500
        retry_after = error.response.headers.get("Retry-After") if error.response else None
        return error_response(status, HTTP_MESSAGES.get(status, error.description), retry_after=retry_after)

    @app.errorhandler(OperationalError)
    def database_error(error):
        if "full" in str(error).lower():
            return domain_error(StorageFull())
        app.logger.exception("database error")
        return error_response(503, HTTP_MESSAGES[503])

    @app.errorhandler(OverflowError)
    def number_too_large(error):
        # Only a typed number gets here (a page or an id beyond what SQLite stores): bad input.
        return error_response(400, HTTP_MESSAGES[400])

    @app.errorhandler(DatabaseError)
    @app.errorhandler(sqlite3.DatabaseError)  # the few places that read SQLite without peewee
    def damaged_database(error):
        """A database damaged under the running box ("disk image is malformed"): the box's own page,
        503 (the health check says so too, and the watchdog stops pinging)."""
        if isinstance(error, (IntegrityError, sqlite3.IntegrityError)):  # a bug, not damage
            return unexpected(error)
        if isinstance(error, sqlite3.OperationalError):
            return database_error(error)
        app.logger.error("the database cannot be read on %s %s: %s", request.method, request.path, error)
        return error_response(503, DAMAGED_MESSAGE, retry_after=60)

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, OSError) and error.errno == 28:  # ENOSPC
            return domain_error(StorageFull())
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, HTTP_MESSAGES[500])
