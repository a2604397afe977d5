"""JSON API v1 (see shared/API.md): the same domain functions as the pages, as JSON."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import books, devices, draws, items, mine, misc, neighbours, notices, openapi, stats, timebank  # noqa: E402,F401
