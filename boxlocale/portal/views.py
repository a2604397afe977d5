import shutil
from datetime import datetime
from typing import NamedTuple

from flask import current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import settings
from ..board import rules as board_rules
from ..books import rules as books_rules
from ..db import read_every_table
from ..devices import current_device
from ..giveaway import rules as giveaway_rules
from ..i18n import LANG_COOKIE, LANGUAGES
from ..pagecache import cached_page, own_part
from ..people import mine
from ..web import path_for, paths_for, safe_next
from . import bp, captive

NEWS_PER_DOMAIN = 4


@bp.route("/")
@cached_page
def home():
    item_path, book_path = paths_for("giveaway.item", "code"), paths_for("books.book", "code")
    give_box, books, board = str(_l("Give-box")), str(_l("Books")), str(_l("Noticeboard"))
    news = (
        [News(item.title, item_path(item.code), give_box, item.created_at)
         for item in giveaway_rules.latest(NEWS_PER_DOMAIN)]
        + [News(book.title, book_path(book.code), books, book.created_at)
           for book in books_rules.latest(NEWS_PER_DOMAIN)]
        + [News(notice.title, path_for("board.notice", notice_id=notice.id), board, notice.created_at)
           for notice in board_rules.latest(NEWS_PER_DOMAIN)]
    )
    news.sort(key=lambda entry: entry.when, reverse=True)
    device = current_device()
    # "Since your last visit" is this phone's own: a phone with news gets its own page, one with none
    # the page stored for phones with a key (never one stored with another phone's news).
    since_last_visit = own_part(device, mine.NEWS_TABLES, mine.NEWS_NEW_ROWS_KEPT,
                                lambda: mine.news_and_next_change(device)) if device is not None else []
    return render_template("portal/home.html", news=tuple(news[: NEWS_PER_DOMAIN * 2]),
                           since_last_visit=since_last_visit)


KIOSK_REFRESH_SECONDS = 60
KIOSK_ROWS = 6


@bp.route("/kiosk")
@cached_page
def kiosk():
    """For an old tablet in the village hall: large type, read-only, what is new; it reloads itself
    (a meta refresh: no script needed) and, having no cookie, is served from the shared page."""
    return render_template(
        "portal/kiosk.html", refresh=KIOSK_REFRESH_SECONDS, items=giveaway_rules.latest(KIOSK_ROWS),
        upcoming=board_rules.upcoming(KIOSK_ROWS), notices=board_rules.latest(KIOSK_ROWS),
        books=books_rules.latest(KIOSK_ROWS), box_url=f"http://{settings.get('host_name')}/",
    )


class News(NamedTuple):
    """One line of "what is new": plain values, so the list is remembered by what it shows."""

    title: str
    url: str
    label: str
    when: datetime


@bp.route("/lang/<code>")
def set_language(code):
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
def healthz():
    free_mb = shutil.disk_usage(current_app.config["DATA_DIR"]).free // (1024 * 1024)
    try:
        read_every_table()
        db_state = "ok"
    except Exception as error:  # the check must answer, whatever the database does
        current_app.logger.error("health check: database error: %s", error)
        db_state = "error"
    ok = db_state == "ok" and free_mb >= current_app.config["MIN_FREE_DISK_MB"]
    response = jsonify({"ok": ok, "db": db_state, "disk_free_mb": free_mb})
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


# The captive portal (see captive.py): probe answers, the welcome page, the redirect to the box's name.

def _portal_state():
    return captive.portal_state(current_app)


def _phone_is_online():
    mode = settings.get("portal_mode")
    if mode == "always_online":
        return True
    if mode == "always_portal":
        return False
    return _portal_state().has_entered(request.remote_addr)


def _welcome_url():
    return f"http://{settings.get('host_name')}{url_for('portal.welcome')}"


def _no_store(response):
    # A cached "online" answer would outlive the phone's tap (or its new lease).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def captive_portal():
    """Probes get their answer; a name that is not the box's is sent to the box's name."""
    online = captive.ONLINE_ANSWERS.get(request.path)
    if online is not None:
        if not _phone_is_online():
            return _no_store(redirect(_welcome_url(), 302))
        status, body, mimetype = online
        return _no_store(current_app.response_class(body, status=status, mimetype=mimetype))
    box_host = settings.get("host_name")
    if captive.served_as_is(request.host, box_host):
        return None
    if request.path == captive.WINDOWS_PORTAL_PATH:
        target = f"http://{box_host}/" if _phone_is_online() else _welcome_url()
        return _no_store(redirect(target, 302))
    return _no_store(redirect(f"http://{box_host}/", 302))


@bp.route("/welcome", methods=["GET", "POST"])
def welcome():
    """The page the sign-in sheet opens on; its one button lets the phone's probes say "online"."""
    if request.method == "POST":
        _portal_state().enter(request.remote_addr)
        return _no_store(redirect(url_for("portal.home"), 303))
    box_url = f"http://{settings.get('host_name')}/"
    return _no_store(make_response(render_template("portal/welcome.html", box_url=box_url)))


@bp.route("/.well-known/captive-portal")
def captive_portal_api():
    """RFC 8908: announced in DHCP option 114 (RFC 8910). Phones mostly ignore it offline."""
    box = f"http://{settings.get('host_name')}"
    body = {"captive": not _phone_is_online(), "user-portal-url": _welcome_url(), "venue-info-url": box + "/"}
    response = jsonify(body)
    response.mimetype = "application/captive+json"
    return _no_store(response)
