"""Home page, language switch, health check, and the captive portal (probe answers, welcome page)."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import views  # noqa: E402,F401
