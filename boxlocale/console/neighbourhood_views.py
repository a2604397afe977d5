"""Console pages for what neighbours do among themselves: the time bank's corrections, and the cards
with a one-time code that volunteers put in letterboxes."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..devices import Actor
from ..errors import Conflict, ValidationError
from ..people import vouching
from ..timebank import rules as timebank
from . import bp
from .session import requires


def _volunteer():
    return Actor(device=None, volunteer=g.volunteer)


@bp.route("/timebank")
@requires("moderate")
def timebank_entries():
    entries, actor = timebank.recent_entries(), _volunteer()
    return render_template("console/timebank.html", entries=entries,
                           moves={entry.id: timebank.allowed_moves(entry, actor) for entry in entries},
                           limit=timebank.limit_minutes(), limits=timebank.FIELD_LIMITS)


@bp.route("/timebank/<int:entry_id>", methods=["POST"])
@requires("moderate")
def timebank_fix(entry_id):
    """Correct the hours of an entry, or cancel it (both in the audit log)."""
    actor = _volunteer()
    entry = timebank.get_entry(entry_id, actor)
    reason = request.form.get("reason", "")
    try:
        if request.form.get("action") == "cancel":
            timebank.cancel(entry, actor, reason)
            flash(_("The entry is cancelled."), "ok")
        else:
            timebank.correct(entry, actor, request.form.get("hours"), reason)
            flash(_("The hours are corrected."), "ok")
    except (ValidationError, Conflict) as error:
        flash(str((error.fields or {}).get("hours") or error.message), "error")
    return redirect(url_for("console.timebank_entries"), 303)


@bp.route("/letterbox", methods=["GET", "POST"])
@requires("moderate")
def letterbox_cards():
    """Print cards with one-time codes for the letterboxes of a street."""
    values, errors, status = {"street": "", "address": "", "count": "1"}, {}, 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in values}
        try:
            made = vouching.make_letterbox_codes(_volunteer(), values["street"], values["count"])
        except ValidationError as error:
            errors, status = error.fields, 400
        else:
            # The address is printed on the card and never stored.
            return render_template("console/letterbox_cards.html", codes=made, street=values["street"].strip(),
                                   address=" ".join(values["address"].split())[:vouching.ADDRESS_MAX])
    return render_template("console/letterbox.html", values=values, errors=errors,
                           cards_max=vouching.CARDS_MAX, limits=vouching.FIELD_LIMITS), status
