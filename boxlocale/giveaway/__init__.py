from flask import Blueprint

bp = Blueprint("giveaway", __name__, url_prefix="/give")

from . import draws, views  # noqa: E402,F401

# Draws settle at the first request after their window, inside the write lock: no background job.
bp.before_app_request(draws.settle_if_due)
