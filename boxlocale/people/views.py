"""Pages of people and trust: a neighbour's page, reporting something, saying thank you."""

from urllib.parse import urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..devices import current_actor, set_key_cookie
from ..errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from ..timebank import rules as timebank
from ..web import safe_next
from . import bp, mine, rules, vouching


@bp.app_template_global()
def reason_text(reason):
    """A report's reason in the reader's language (the console's queue)."""
    return rules.reason_text(reason)


@bp.route("/people/<pseudonym>")
def profile(pseudonym):
    """A neighbour's page: member since, verified badge, thanks received, notices and items given."""
    actor = current_actor()
    device = rules.get_neighbour(pseudonym, actor)
    return render_template("people/profile.html", **rules.profile(device), time_account=timebank.account(device, actor),
                           badge=vouching.badge(device), vouch_moves=vouching.allowed_moves(device, actor))


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
    values, errors = {"reason": "", "preset": ""}, {}
    if request.method == "POST":
        values = {"reason": request.form.get("reason", ""), "preset": request.form.get("preset", "")}
        try:
            _flag, hidden = rules.report(target, actor, values["reason"], preset=values["preset"] or "other")
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
        back=_back(), reason_max=rules.REASON_MAX, reasons=rules.REPORT_REASONS,
    ), status


@bp.route("/thanks", methods=["POST"])
def thanks():
    """Say thank you to a giver or a poster, then go back to the page the button was on."""
    try:
        actor = current_actor(create_device_if_missing=True)
        thanked = rules.thank(rules.get_target(request.form.get("target", ""), actor), actor)
    except (Conflict, Forbidden) as error:
        flash(error.message, "info")
    except (ValidationError, NotFound):
        abort(404)
    else:
        flash(_("Thank you sent. It warms the heart!"), "ok")
        # base.html shows the one-tap questions: "<thanks id>:<question>,<question>"
        flash(f"{thanked.id}:{','.join(rules.thanks_questions(thanked))}", "thanks-ask")
    return redirect(_back(), code=303)


# --- My posts, the recovery code, since the last visit -------------------------------------------


@bp.route("/mine")
def my_posts():
    """What this phone posted and reserved, with its buttons; the recovery code."""
    posts = mine.my_posts(current_actor())
    return render_template("people/mine.html", posts=posts, recovery_code=None)


@bp.route("/mine/recovery", methods=["POST"])
def make_recovery_code():
    """A new recovery code for this phone, shown once on the page to write down."""
    actor = current_actor()
    if actor.device is None:
        return redirect(url_for("people.my_posts"), code=303)
    code = mine.new_recovery_code(actor)
    response = make_response(render_template("people/mine.html", posts=mine.my_posts(actor), recovery_code=code))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/mine/recover", methods=["GET", "POST"])
def recover():
    """Type the code written down on the other phone: its posts come to this one."""
    values, errors = {"code": request.form.get("code", "")}, {}
    if request.method == "POST":
        try:
            _device, key = mine.recover(values["code"], request.remote_addr)
        except ValidationError as error:
            errors = error.fields
        else:
            flash(_("Welcome back: your posts are on this phone now."), "ok")
            response = redirect(url_for("people.my_posts"), code=303)
            set_key_cookie(response, key)
            return response
    return render_template("people/recover.html", values=values, errors=errors), 400 if errors else 200


@bp.route("/seen", methods=["POST"])
def seen():
    """The person has read "since your last visit": the next list starts from now."""
    actor = current_actor()
    if actor.device is not None:
        mine.mark_seen(actor.device)
    return redirect(_back(), code=303)


@bp.route("/thanks/<int:thanks_id>/answer", methods=["POST"])
def thanks_answer(thanks_id):
    """One tap: "Did you meet someone new?" or "Would you otherwise have bought it?"."""
    actor = current_actor()
    thanks = rules.get_thanks(thanks_id, actor)
    rules.answer_thanks(thanks, actor, request.form.get("met_someone_new"), request.form.get("would_have_bought"))
    flash(_("Thank you for your answer."), "ok")
    return redirect(_back(), code=303)


@bp.route("/people/<pseudonym>/vouch", methods=["POST"])
def vouch(pseudonym):
    """A verified neighbour vouches for this one (or takes the vouch back: ``undo``)."""
    actor = current_actor(create_device_if_missing=True)
    device = vouching.get_neighbour(pseudonym, actor)
    try:
        if request.form.get("undo"):
            vouching.unvouch(device, actor)
            flash(_("Your vouch is taken back."), "ok")
        else:
            vouching.vouch(device, actor)
            flash(_("Thank you: you vouch for %(name)s.", name=device.pseudonym), "ok")
    except (Forbidden, Conflict) as error:
        flash(error.message, "error")
    return redirect(url_for("people.profile", pseudonym=device.pseudonym), code=303)


@bp.route("/letterbox", methods=["GET", "POST"])
def letterbox():
    """Type the code of the card found in one's letterbox: the verified neighbour badge."""
    values, errors, message, status = {"code": "", "pseudonym": "", "show_street": ""}, {}, None, 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in values}
        actor = current_actor(create_device_if_missing=True)
        try:
            device = vouching.redeem_letterbox_code(values["code"], actor, values["pseudonym"],
                                                    bool(values["show_street"]))
        except ValidationError as error:
            errors, status = error.fields, 400
        except (NotFound, Conflict) as error:
            errors, status = {"code": error.message}, error.status
        except RateLimited as error:
            errors, status = {"code": error.message}, 429
        else:
            flash(_("Welcome, verified neighbour! The badge now shows next to your pseudonym."), "ok")
            return redirect(url_for("people.profile", pseudonym=device.pseudonym), code=303)
    return render_template("people/letterbox.html", values=values, errors=errors, message=message,
                           code_length=vouching.LETTERBOX_CODE_LENGTH, limits=vouching.FIELD_LIMITS), status
