"""Time bank pages: my hours (confirm what waits, type a code), recording hours on a closed notice."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..board import rules as board_rules
from ..devices import current_actor
from ..errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from ..web import safe_next
from . import bp, rules

MOVES = {
    "confirm": (rules.confirm, _l("Confirmed: the hours count in both balances.")),
    "decline": (rules.decline, _l("Declined: the entry is cancelled.")),
    "withdraw": (rules.withdraw, _l("Withdrawn: the entry is cancelled.")),
}


@bp.app_context_processor
def timebank_context():
    def timebank_record_url(notice):
        """Where to record the hours of a closed help notice (None when it is not one)."""
        return url_for("timebank.record", notice_id=notice.id) if rules.may_record_on(notice) else None

    def hours_text(minutes):
        """Hours as the reader's language writes them (1,5 in French)."""
        return format_decimal(round(minutes / 60, 2))

    def plural_hours(minutes):
        """The whole number that picks "hour" or "hours": a part of an hour reads as plural (1.5 hours)."""
        return abs(minutes) // 60 if minutes % 60 == 0 else 2

    return {"timebank_record_url": timebank_record_url, "hours_text": hours_text, "plural_hours": plural_hours}


def _mine_page(code_errors=None, typed_code="", status=200):
    actor = current_actor()
    account = rules.account(actor.device, actor) if actor.device is not None else None
    return render_template("timebank/mine.html", account=account, errors=code_errors or {}, typed_code=typed_code,
                           limits=rules.FIELD_LIMITS), status


@bp.route("/")
def mine():
    """This phone's time bank: balance, entries waiting for its confirmation, the code form, history."""
    return _mine_page()


@bp.route("/code", methods=["POST"])
def confirm_code():
    typed = request.form.get("code", "")
    try:
        rules.confirm_by_code(typed, current_actor(create_device_if_missing=True))
    except ValidationError as error:
        return _mine_page(error.fields, typed, 400)
    except NotFound as error:
        return _mine_page({"code": error.message}, typed, 404)
    except (Conflict, Forbidden) as error:
        return _mine_page({"code": error.message}, typed, error.status)
    except RateLimited as error:
        page, status = _mine_page({"code": error.message}, typed, 429)
        return page, status, {"Retry-After": str(error.retry_after)}
    flash(_("Confirmed: the hours count in both balances."), "ok")
    return redirect(url_for("timebank.mine"), 303)


@bp.route("/<int:entry_id>/<move>", methods=["POST"])
def act(entry_id, move):
    if move not in MOVES:
        raise NotFound()
    actor = current_actor(create_device_if_missing=True)
    entry = rules.get_entry(entry_id, actor)
    do, done_message = MOVES[move]
    try:
        do(entry, actor)
    except (Conflict, Forbidden) as error:
        flash(error.message, "error")
    else:
        flash(str(done_message), "ok")
    return redirect(safe_next(request.form.get("next"), url_for("timebank.mine")), 303)


def _record_page(notice, values, errors=None, message=None, status=200):
    return render_template("timebank/record.html", notice=notice, values=values, errors=errors or {},
                           message=message, directions=rules.DIRECTIONS, limits=rules.FIELD_LIMITS), status


@bp.route("/record/<int:notice_id>", methods=["GET", "POST"])
def record(notice_id):
    """Record the hours given on a closed help notice; the other person then confirms."""
    actor = current_actor(create_device_if_missing=request.method == "POST")
    notice = board_rules.get_notice(notice_id, actor)
    if not rules.may_record_on(notice):
        raise Conflict(_("Hours can be recorded once a help notice is closed as done."))
    if request.method == "GET":
        return _record_page(notice, {"direction": "gave", "hours": "1"})
    values = {name: request.form.get(name, "") for name in ("with", "direction", "hours", "note")}
    try:
        entry, code = rules.record(notice, actor, values)
    except ValidationError as error:
        return _record_page(notice, values, error.fields, error.message, 400)
    except (Conflict, Forbidden) as error:
        return _record_page(notice, values, message=error.message, status=error.status)
    except RateLimited as error:
        page, status = _record_page(notice, values, message=error.message, status=429)
        return page, status, {"Retry-After": str(error.retry_after)}
    return render_template("timebank/recorded.html", entry=entry, code=code, notice=notice), 201
