"""The volunteers' console under /console/: login, moderation, neighbours, posting on behalf,
settings, prints, impact figures, backups and the box clock."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from . import session  # noqa: E402

bp.before_app_request(session.load_volunteer)
bp.after_app_request(session.write_cookie)
bp.before_request(session.refuse_if_not_local)

from . import (  # noqa: E402,F401
    behalf,
    inventory_views,
    moderation_views,
    neighbourhood_views,
    prints,
    restore,
    views,
)
