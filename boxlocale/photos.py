"""Photos: stored by content hash under ``<data dir>/photos/`` with atomic writes.

``photos/<sha>.jpg`` is the display size, ``photos/<sha>.t.jpg`` the thumbnail; ``sha`` is the
SHA-256 of the display file, so ``boxlocale check`` can tell a damaged file.
"""

import hashlib
import os
from pathlib import Path

from flask import current_app

from .models import Photo


def photo_dir():
    path = Path(current_app.config["DATA_DIR"]) / "photos"
    path.mkdir(exist_ok=True)
    return path


def display_path(sha):
    return photo_dir() / f"{sha}.jpg"


def thumb_path(sha):
    return photo_dir() / f"{sha}.t.jpg"


def atomic_write(path, data):
    """Write to a temporary name, fsync, rename: a power cut leaves the old file or the new, never half."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def check_stored_photos():
    """Problems with stored photo files: missing, or not matching their hash."""
    problems = []
    for photo in Photo.select():
        display, thumb = display_path(photo.sha), thumb_path(photo.sha)
        if not display.exists():
            problems.append(f"photo {photo.sha[:12]}: display file missing")
        elif hashlib.sha256(display.read_bytes()).hexdigest() != photo.sha:
            problems.append(f"photo {photo.sha[:12]}: display file damaged")
        if not thumb.exists():
            problems.append(f"photo {photo.sha[:12]}: thumbnail missing")
    return problems
