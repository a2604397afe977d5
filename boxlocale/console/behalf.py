"""Posting for a neighbour without a phone: an offer, a wanted item or a notice, marked as posted by
the centre, through the give-box's and the noticeboard's own rules."""

from flask import current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import photos
from ..audit import write_audit
from ..board import rules as board_rules
from ..db import writing
from ..devices import Actor
from ..errors import TooLarge, UnsupportedMedia, ValidationError
from ..giveaway import rules as giveaway_rules
from . import bp
from .session import requires

ITEM_FIELDS = ("kind", "title", "description", "category", "condition", "where", "location_note", "contact",
               "pseudonym")
NOTICE_FIELDS = ("kind", "category", "title", "body", "starts_at", "ends_at", "place", "destination", "seats",
                 "contact", "pseudonym")


def check_consent(form):
    """The neighbour must have agreed to the contact shown: no post on behalf without one."""
    errors = {}
    if not form.get("contact", "").strip():
        errors["contact"] = _l("A way to reach the neighbour (phone, address, \"ask at the centre\"), please.")
    if form.get("agreed") != "1":
        errors["agreed"] = _l("Please check that the neighbour agreed to what is shown.")
    if errors:
        raise ValidationError(fields=errors)


def _centre():
    """The acting volunteer, without their own phone: the post belongs to nobody's phone."""
    return Actor(device=None, volunteer=g.volunteer)


@bp.route("/behalf/item", methods=["GET", "POST"])
@requires("admin")
def behalf_item():
    values = {name: request.form.get(name, "") for name in ITEM_FIELDS}
    values["kind"] = values["kind"] if values["kind"] in ("offer", "wanted") else request.args.get("kind", "offer")
    errors, status = {}, 200
    if request.method == "POST":
        try:
            check_consent(request.form)
            processed = photos.process_uploads(request.files.getlist("photo"),
                                               current_app.config["MAX_PHOTOS_PER_ITEM"])
            with writing():  # the post and its audit line are saved together, or neither
                item, token = giveaway_rules.post_item(_centre(), values, processed, on_behalf=True)
                write_audit("post_on_behalf", f"item:{item.code}", item.title, volunteer=g.volunteer)
        except (UnsupportedMedia, TooLarge) as error:
            errors, status = {"photo": error.message}, error.status
        except ValidationError as error:
            errors, status = error.fields or {"title": error.message}, 400
        else:
            return render_template("console/behalf_done.html", title=item.title, hidden=item.hidden,
                                   url=url_for("giveaway.item", code=item.code),
                                   manage_url=url_for("giveaway.manage", code=item.code, token=token))
    return render_template("console/behalf_item.html", values=values, errors=errors,
                           categories=giveaway_rules.enabled_categories(), conditions=giveaway_rules.CONDITIONS,
                           places=giveaway_rules.PLACES, limits=giveaway_rules.FIELD_LIMITS,
                           max_photos=current_app.config["MAX_PHOTOS_PER_ITEM"]), status


@bp.route("/behalf/notice", methods=["GET", "POST"])
@requires("admin")
def behalf_notice():
    values = {name: request.form.get(name, "") for name in NOTICE_FIELDS}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            check_consent(request.form)
            with writing():
                notice, token = board_rules.post_notice(_centre(), values, on_behalf=True)
                write_audit("post_on_behalf", f"notice:{notice.id}", notice.title, volunteer=g.volunteer)
        except ValidationError as error:
            errors, status = error.fields or {"title": error.message}, 400
        else:
            return render_template("console/behalf_done.html", title=notice.title, hidden=notice.hidden,
                                   url=url_for("board.notice", notice_id=notice.id),
                                   manage_url=url_for("board.manage", notice_id=notice.id, token=token))
    return render_template("console/behalf_notice.html", values=values, errors=errors,
                           kinds=board_rules.KINDS, categories=board_rules.NOTICE_CATEGORIES,
                           limits=board_rules.FIELD_LIMITS, seats_max=board_rules.SEATS_MAX), status
