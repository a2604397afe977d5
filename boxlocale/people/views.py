"""Pages of people and trust: a neighbour's page, reporting something, saying thank you."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _

from ..devices import current_actor
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..web import safe_next
from . import bp, rules


@bp.route("/people/<pseudonym>")
def profile(pseudonym):
    """A neighbour's page: member since, verified badge, thanks received, notices and items given."""
    return render_template("people/profile.html", **rules.profile(rules.get_neighbour(pseudonym, current_actor())))


def _back():
    """Where to go after a form: the ``next`` field or the page the form was on, on this box only."""
    target = request.values.get("next") or ""
    if not target and request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(target)


@bp.route("/report", methods=["GET", "POST"])
def report():
    """GET: a short form (what is wrong?). POST: record the report and confirm calmly."""
    actor = current_actor(create_device_if_missing=request.method == "POST")
    try:
        target = rules.get_target(request.values.get("target", ""), actor)
    except ValidationError:
        abort(404)
    if "report" not in rules.allowed_moves(target, actor) and request.method == "GET":
        return render_template("people/report_done.html", already_hidden=True, back=_back())
    values, errors = {"reason": ""}, {}
    if request.method == "POST":
        values["reason"] = request.form.get("reason", "")
        try:
            _flag, hidden = rules.report(target, actor, values["reason"])
        except ValidationError as error:
            errors = error.fields
        except Conflict as error:
            return render_template("people/report_done.html", message=error.message, back=_back())
        else:
            return render_template("people/report_done.html", hidden=hidden, back=_back())
    status = 400 if errors else 200
    return render_template(
        "people/report.html", target=target.key, kind=target.kind,
        described=rules.describe_target(target.kind, target.record), values=values, errors=errors,
        back=_back(), reason_max=rules.REASON_MAX,
    ), status


@bp.route("/thanks", methods=["POST"])
def thanks():
    """Say thank you to a giver or a poster, then go back to the page the button was on."""
    try:
        actor = current_actor(create_device_if_missing=True)
        rules.thank(rules.get_target(request.form.get("target", ""), actor), actor)
    except (Conflict, Forbidden) as error:
        flash(error.message, "info")
    except (ValidationError, NotFound):
        abort(404)
    else:
        flash(_("Thank you sent. It warms the heart!"), "ok")
    return redirect(_back(), code=303)
