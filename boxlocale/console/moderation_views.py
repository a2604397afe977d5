"""Console pages for moderation: the queue, hide / restore / delete, phones, verified neighbours."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from ..devices import current_actor
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

# The public page of each kind of post: (endpoint, the name of its key).
PUBLIC_PAGES = {"item": ("giveaway.item", "code"), "book": ("books.book", "code"),
                "journal": ("books.book", "code"), "notice": ("board.notice", "notice_id"),
                "reply": ("board.notice", "notice_id"), "item_reply": ("giveaway.item", "code")}


@bp.app_template_global()
def post_moves(post):
    """The moves the volunteer may make on a post (the console's templates show those buttons)."""
    return moderation.allowed_moves(post, current_actor())


@bp.app_template_global()
def public_url(post):
    """The public page of a post (the console's templates link to it), None when its domain has none."""
    endpoint, key = PUBLIC_PAGES[post.kind]
    try:
        return url_for(endpoint, **{key: post.page_key})
    except BuildError:
        return None


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
    target, note, actor = request.form.get("target", ""), request.form.get("note", "").strip(), current_actor()
    try:
        # Reports are closed by their target: the reported post may be gone.
        function(target if action == "resolve" else moderation.get_post(target, actor), actor, note)
    except Conflict as error:
        flash(str(error.message), "error")
    else:
        flash(str(message))
    return redirect(safe_next(request.form.get("back") or url_for("console.queue")))


@bp.route("/moderation/delete", methods=["GET", "POST"])
@requires("moderate")
def delete():
    actor = current_actor()
    post = moderation.get_post(request.values.get("target", ""), actor)
    if request.method == "POST" and request.form.get("confirm") == "1":
        moderation.delete(post, actor, request.form.get("note", "").strip())
        flash(_("Deleted for good."))
        return redirect(url_for("console.queue"))
    return render_template("console/delete.html", post=post)


@bp.route("/phones/<int:device_id>")
@requires("moderate")
def phone(device_id):
    return render_template("console/phone.html", phone=moderation.get_phone(device_id, current_actor()),
                           posts=moderation.author_posts(device_id), errors={})


@bp.route("/phones/<int:device_id>/block", methods=["POST"])
@requires("moderate")
def block(device_id):
    actor = current_actor()
    phone = moderation.get_phone(device_id, actor)
    try:
        moderation.block(phone, actor, request.form.get("reason"))
    except ValidationError as error:
        return render_template("console/phone.html", phone=phone,
                               posts=moderation.author_posts(device_id), errors=error.fields,
                               reason=request.form.get("reason", "")), 400
    flash(_("This phone can no longer post."))
    return redirect(url_for("console.phone", device_id=device_id))


@bp.route("/phones/<int:device_id>/unblock", methods=["POST"])
@requires("moderate")
def unblock(device_id):
    actor = current_actor()
    moderation.unblock(moderation.get_phone(device_id, actor), actor)
    flash(_("This phone may post again."))
    return redirect(url_for("console.phone", device_id=device_id))


@bp.route("/neighbours", methods=["GET", "POST"])
@requires("moderate")
def neighbours():
    errors, typed, status = {}, "", 200
    if request.method == "POST":
        typed = request.form.get("pseudonym", "")
        try:
            moderation.verify(moderation.find_pseudonym(typed), current_actor())
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
    actor = current_actor()
    moderation.unverify(moderation.get_phone(device_id, actor), actor)
    flash(_("The badge is removed."))
    return redirect(safe_next(request.form.get("back") or url_for("console.neighbours")))
