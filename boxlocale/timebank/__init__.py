"""The time bank (SEL): hours of help between neighbours, confirmed by both, with a balance each."""

from flask import Blueprint

bp = Blueprint("timebank", __name__, url_prefix="/timebank")

from . import views  # noqa: E402,F401
