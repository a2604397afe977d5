from flask import Blueprint

bp = Blueprint("giveaway", __name__, url_prefix="/give")

from . import views  # noqa: E402,F401
