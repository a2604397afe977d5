"""Console pages of the weekly inventory: at the box, tick what is there, add what is not listed."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import photos
from ..devices import Actor
from ..errors import TooLarge, UnsupportedMedia, ValidationError
from ..giveaway import inventory
from ..giveaway import rules as giveaway_rules
from . import bp
from .session import requires


def _volunteer():
    return Actor(device=None, volunteer=g.volunteer)


def _added_codes():
    return [code for code in request.values.get("added", "").split(",") if code.strip()][:100]


def _page(errors=None, values=None, status=200):
    items = inventory.in_the_box()
    added = _added_codes()
    return render_template(
        "console/inventory.html", items=items, thumbs=giveaway_rules.first_photos(items), added=added,
        errors=errors or {}, values=values or {}, categories=giveaway_rules.enabled_categories(),
        history=inventory.history(), weekly=inventory.weekly(), title_max=giveaway_rules.TITLE_MAX,
    ), status


@bp.route("/inventory", methods=["GET", "POST"])
@requires("moderate")
def inventory_page():
    """GET: the list to tick. POST: the inventory is done; what was not ticked closes as taken."""
    if request.method == "GET":
        return _page()
    try:
        box_photo = photos.process_uploads(request.files.getlist("box_photo"), 1)
        done = inventory.record(_volunteer(), request.form.getlist("listed"), request.form.getlist("seen"),
                                _added_codes(), box_photo[0] if box_photo else None)
    except (UnsupportedMedia, TooLarge) as error:
        return _page({"box_photo": error.message}, status=error.status)
    except ValidationError as error:
        return _page({"box_photo": error.message}, status=400)
    flash(_("Inventory saved: %(seen)s, %(gone)s, %(added)s.",
            seen=ngettext("%(num)d still there", "%(num)d still there", done.seen),
            gone=ngettext("%(num)d gone (counted as taken)", "%(num)d gone (counted as taken)", done.gone),
            added=ngettext("%(num)d added", "%(num)d added", done.added)), "ok")
    return redirect(url_for("console.inventory_page") + "#history", 303)


@bp.route("/inventory/add", methods=["POST"])
@requires("moderate")
def inventory_add():
    """The quick form: something is in the box but not listed (photo optional)."""
    values = {name: request.form.get(name, "") for name in ("title", "category")}
    try:
        processed = photos.process_uploads(request.files.getlist("photo"), 1)
        item = inventory.add_found(_volunteer(), values, processed)
    except (UnsupportedMedia, TooLarge) as error:
        return _page({"photo": error.message}, values, error.status)
    except ValidationError as error:
        return _page(error.fields or {"title": error.message}, values, 400)
    added = ",".join([*_added_codes(), item.code])
    flash(_("Added: %(title)s. It is ticked in the list below.", title=item.title), "ok")
    return redirect(url_for("console.inventory_page", added=added) + "#list", 303)
