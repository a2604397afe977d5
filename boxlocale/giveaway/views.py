from flask import render_template
from flask_babel import lazy_gettext as _l

from . import bp


@bp.route("/")
def index():
    return render_template("coming_soon.html", heading=_l("Give-box"))
