"""JSON API v1 (see shared/API.md): the same domain functions as the pages, as JSON."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import books, devices, items, mine, misc, notices, openapi, stats  # noqa: E402,F401
