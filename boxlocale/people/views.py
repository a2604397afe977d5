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
    page = rules.profile(pseudonym)
    if page is None:
        abort(404)
    return render_template("people/profile.html", **page)


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
    target = request.values.get("target", "")
    try:
        kind, record = rules.find_target(target)
    except ValidationError:
        abort(404)
    if record.hidden and request.method == "GET":
        return render_template("people/report_done.html", already_hidden=True, back=_back())
    described = rules.describe_target(kind, record)
    values, errors = {"reason": ""}, {}
    if request.method == "POST":
        values["reason"] = request.form.get("reason", "")
        try:
            _flag, hidden = rules.report(current_actor(create_device_if_missing=True), target, values["reason"])
        except ValidationError as error:
            errors = error.fields
        except Conflict as error:
            return render_template("people/report_done.html", message=error.message, back=_back())
        else:
            return render_template("people/report_done.html", hidden=hidden, back=_back())
    status = 400 if errors else 200
    return render_template(
        "people/report.html", target=target, kind=kind, described=described, values=values,
        errors=errors, back=_back(),
    ), status


@bp.route("/thanks", methods=["POST"])
def thanks():
    """Say thank you to a giver or a poster, then go back to the page the button was on."""
    try:
        rules.thank(current_actor(create_device_if_missing=True), request.form.get("target", ""))
    except (Conflict, Forbidden) as error:
        flash(error.message, "info")
    except (ValidationError, NotFound):
        abort(404)
    else:
        flash(_("Thank you sent. It warms the heart!"), "ok")
    return redirect(_back(), code=303)
