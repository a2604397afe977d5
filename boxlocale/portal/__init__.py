"""Home page, language switch, health check (and, later, the captive-portal probe answers)."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import views  # noqa: E402,F401
