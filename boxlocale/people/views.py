from flask import render_template

from ..models import Device
from . import bp


@bp.route("/people/<pseudonym>")
def profile(pseudonym):
    """A neighbour's page (the board engineer completes it: thanks received, posts, member since)."""
    device = Device.get_or_none(Device.pseudonym == pseudonym)
    return render_template("people/profile.html", pseudonym=pseudonym, device=device)
