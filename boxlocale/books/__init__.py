from flask import Blueprint

bp = Blueprint("books", __name__, url_prefix="/books")

from . import views  # noqa: E402,F401
