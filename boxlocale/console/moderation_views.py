"""Console pages for moderation: the queue, hide / restore / delete, phones, verified neighbours."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Conflict, ValidationError
from ..web import safe_next
from . import bp, moderation
from .session import requires

ACTIONS = {
    "hide": (moderation.hide, _l("Hidden.")),
    "restore": (moderation.restore, _l("Shown again.")),
    "resolve": (moderation.resolve, _l("Reports closed; the post stays as it is.")),
    "keep_hidden": (moderation.keep_hidden, _l("It stays hidden.")),
}


@bp.route("/moderation")
@requires("moderate")
def queue():
    show_hidden = request.args.get("view") == "hidden"
    return render_template(
        "console/moderation.html", show_hidden=show_hidden,
        entries=[] if show_hidden else moderation.queue(),
        hidden=moderation.hidden_posts() if show_hidden else [],
        blocked=moderation.blocked_devices(),
    )


@bp.route("/moderation/act", methods=["POST"])
@requires("moderate")
def act():
    action = request.form.get("action")
    if action not in ACTIONS:
        abort(400)
    function, message = ACTIONS[action]
    try:
        function(request.form.get("target", ""), request.form.get("note", "").strip())
    except Conflict as error:
        flash(str(error.message), "error")
    else:
        flash(str(message))
    return redirect(safe_next(request.form.get("back") or url_for("console.queue")))


@bp.route("/moderation/delete", methods=["GET", "POST"])
@requires("moderate")
def delete():
    target = request.values.get("target", "")
    post = moderation.post(target)
    if request.method == "POST" and request.form.get("confirm") == "1":
        moderation.delete(post.target, request.form.get("note", "").strip())
        flash(_("Deleted for good."))
        return redirect(url_for("console.queue"))
    return render_template("console/delete.html", post=post)


@bp.route("/phones/<int:device_id>")
@requires("moderate")
def phone(device_id):
    return render_template("console/phone.html", phone=moderation.device(device_id),
                           posts=moderation.author_posts(device_id), errors={})


@bp.route("/phones/<int:device_id>/block", methods=["POST"])
@requires("moderate")
def block(device_id):
    try:
        moderation.block(device_id, request.form.get("reason"))
    except ValidationError as error:
        return render_template("console/phone.html", phone=moderation.device(device_id),
                               posts=moderation.author_posts(device_id), errors=error.fields,
                               reason=request.form.get("reason", "")), 400
    flash(_("This phone can no longer post."))
    return redirect(url_for("console.phone", device_id=device_id))


@bp.route("/phones/<int:device_id>/unblock", methods=["POST"])
@requires("moderate")
def unblock(device_id):
    moderation.unblock(device_id)
    flash(_("This phone may post again."))
    return redirect(url_for("console.phone", device_id=device_id))


@bp.route("/neighbours", methods=["GET", "POST"])
@requires("moderate")
def neighbours():
    errors, typed, status = {}, "", 200
    if request.method == "POST":
        typed = request.form.get("pseudonym", "")
        try:
            moderation.verify(typed, g.volunteer)
        except (ValidationError, Conflict) as error:
            errors = error.fields or {"pseudonym": error.message}
            status = 400
        else:
            flash(_("%(name)s is now a verified neighbour.", name=typed.strip()))
            return redirect(url_for("console.neighbours"))
    return render_template("console/neighbours.html", verified=moderation.verified_devices(), errors=errors,
                           ways=moderation.vouching.WAYS,
                           typed=typed), status


@bp.route("/phones/<int:device_id>/unverify", methods=["POST"])
@requires("moderate")
def unverify(device_id):
    moderation.unverify(device_id)
    flash(_("The badge is removed."))
    return redirect(safe_next(request.form.get("back") or url_for("console.neighbours")))
