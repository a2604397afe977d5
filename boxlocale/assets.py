"""Static files under URLs that carry their content hash, so phones cache them for good
(a second visit re-downloads no CSS or icon)."""

import hashlib
from pathlib import Path

from flask import abort, send_from_directory

IMMUTABLE = "public, max-age=31536000, immutable"


def static_dir():
    """The installed wheel carries static/ inside the package; a checkout has it beside it."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "static", here.parent / "static"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("static/ folder not found")


def _hash_files(root):
    hashes = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            hashes[path.relative_to(root).as_posix()] = digest
    return hashes


def init_app(app):
    root = static_dir()
    hashes = _hash_files(root)

    def static_url(filename):
        return f"/static/{hashes[filename]}/{filename}"

    @app.route("/static/<digest>/<path:filename>")
    def static_file(digest, filename):
        if filename not in hashes:
            abort(404)
        response = send_from_directory(root, filename, max_age=0)
        if digest == hashes[filename]:
            response.headers["Cache-Control"] = IMMUTABLE
        else:  # an old page asking for an old version: serve the current one, do not pin it
            response.headers["Cache-Control"] = "no-cache"
        return response

    app.jinja_env.globals["static_url"] = static_url
    from .photos import input_attributes

    app.jinja_env.globals["photo_input_attributes"] = input_attributes
    app.extensions["static_hashes"] = hashes
