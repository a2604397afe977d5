from flask import Blueprint

# No url_prefix: the shelf lives under /books/, and the labels' short URLs are /b/<full code>.
bp = Blueprint("books", __name__)

from . import views  # noqa: E402,F401
