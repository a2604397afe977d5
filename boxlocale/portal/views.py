import shutil

from flask import current_app, jsonify, redirect, render_template, request

from ..board import rules as board_rules
from ..books import rules as books_rules
from ..db import database
from ..giveaway import rules as giveaway_rules
from ..i18n import LANG_COOKIE, LANGUAGES
from . import bp

NEWS_PER_DOMAIN = 4


@bp.route("/")
def home():
    news = (
        giveaway_rules.latest(NEWS_PER_DOMAIN)
        + books_rules.latest(NEWS_PER_DOMAIN)
        + board_rules.latest(NEWS_PER_DOMAIN)
    )
    news.sort(key=lambda entry: entry["when"], reverse=True)
    return render_template("portal/home.html", news=news[: NEWS_PER_DOMAIN * 2])


def safe_next(target):
    """Only paths on this box: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


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
        database.execute_sql("SELECT 1").fetchone()
        db_state = "ok"
    except Exception as error:  # the check must answer, whatever the database does
        current_app.logger.error("health check: database error: %s", error)
        db_state = "error"
    ok = db_state == "ok" and free_mb >= current_app.config["MIN_FREE_DISK_MB"]
    response = jsonify({"ok": ok, "db": db_state, "disk_free_mb": free_mb})
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
