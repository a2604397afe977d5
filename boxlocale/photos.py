"""Photos: checked, oriented, stripped, resized, then stored by content hash with atomic writes.

Two steps, so a refused post leaves nothing behind:

- ``process_uploads(files, max_count)`` runs BEFORE the write transaction: every check, decode and
  resize happens in memory, one photo decoded at a time in the process (a Pi Zero 2 W has 512 MB).
- ``store(processed)`` runs INSIDE ``with writing():``: files written atomically (temp, fsync, rename),
  deduplicated by hash; if the transaction fails, the files it wrote are removed.

``photos/<sha>.jpg`` is the display size, ``photos/<sha>.t.jpg`` the thumbnail, ``photos/<sha>.s.jpg``
the small picture of listings (twenty of them cross the wifi on every listing page); ``sha`` is the
SHA-256 of the display file, so ``boxlocale check`` can tell a damaged file.
"""

import functools
import hashlib
import io
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l

from . import clock
from .db import on_rollback
from .errors import TooLarge, UnsupportedMedia, ValidationError
from .files import LEFTOVER_AGE_SECONDS, atomic_write
from .models import Photo

DISPLAY_SIZE = 1280
THUMB_SIZE = 400
# Listings show pictures at 96 CSS px: 200 px is sharp on a 2x screen, a few KB each.
SMALL_SIZE = 200
SMALL_QUALITY = 60
THUMB_MAX_BYTES = 30 * 1024
# Thumbnails are shown smaller than their pixels (a listing card), so a low quality does not show,
# and twenty of them cross a crowded wifi. Below 35 a 400 px book cover turns blocky.
THUMB_TARGET_BYTES = 9 * 1024
THUMB_QUALITIES = (50, 35)  # two encodes at most
DISPLAY_QUALITY = 80
FORMATS = ["JPEG", "PNG", "WEBP"]
# The name is the content, so it never changes; but a volunteer may hide what shows it: private (no
# shared cache keeps it) and a day, not a year.
CACHE_CONTROL = "private, max-age=86400, immutable"
_NAME = re.compile(r"^([0-9a-f]{64})(\.[ts])?\.jpg$")

_decode_lock = threading.Lock()


@dataclass
class Processed:
    """A photo ready to store: the display and thumbnail JPEG bytes and their sizes."""

    sha: str
    display: bytes
    thumb: bytes
    small: bytes
    width: int
    height: int
    thumb_width: int
    thumb_height: int


@functools.cache
def _heif_formats():
    """HEIC/HEIF only when pillow-heif is installed (it is optional)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return []
    register_heif_opener()
    return ["HEIF"]


def _looks_like_heic(head):
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


def process_uploads(file_storages, max_count):
    """Check and prepare uploaded photos (werkzeug FileStorage objects); empty file inputs are skipped.

    Raises ValidationError (too many), UnsupportedMedia (415) or TooLarge (413). Writes nothing.
    """
    files = [f for f in file_storages if f is not None and (f.filename or _size(f))]
    if len(files) > max_count:
        raise ValidationError(
            _l("%(count)d photos at most, please.", count=max_count),
            fields={"photo": _l("%(count)d photos at most, please.", count=max_count)},
        )
    return [process_one(f.stream) for f in files]


def _size(file_storage):
    stream = file_storage.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def process_one(stream):
    """One photo (a binary file object) → Processed. Decodes under the process-wide lock."""
    from PIL import Image, UnidentifiedImageError

    head = stream.read(32)
    stream.seek(0)
    if not head:
        raise UnsupportedMedia(_l("This file is empty. Please choose the photo again."))
    formats = FORMATS + _heif_formats()
    if _looks_like_heic(head) and "HEIF" not in formats:
        raise UnsupportedMedia(
            _l("This photo is in the iPhone HEIC format, which the box cannot read. Please take the photo "
               "from this page, or set the camera to \"Most Compatible\" (JPEG).")
        )
    max_pixels = current_app.config["PHOTO_MAX_PIXELS"]
    budget = current_app.config["PHOTO_DECODE_BUDGET_MB"] * 1024 * 1024
    with _decode_lock:
        try:
            with Image.open(stream, formats=formats) as image:  # reads the header only
                if image.width * image.height > max_pixels:
                    raise _too_many_pixels()
                _draft(image)
                if decoded_bytes(image) > budget:
                    raise _too_many_pixels()
                return _prepare(image)
        except Image.DecompressionBombError:
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, SyntaxError):
            raise UnsupportedMedia() from None
        except (OSError, ValueError, EOFError):  # truncated or damaged data
            raise UnsupportedMedia(_l("This photo is damaged or incomplete. Please try another one.")) from None


def decoded_bytes(image):
    """The memory the pixels will take once decoded, from the header alone (after ``draft``).

    Pillow keeps a pixel of a multi-band mode (RGB, RGBA, CMYK...) in 4 bytes, L and P in 1; a
    palette image is also converted to RGBA while it is prepared (one more copy)."""
    mode = image.mode
    if mode in ("1", "L", "P"):
        per_pixel = 1 + (4 if mode == "P" or "transparency" in image.info else 0)
    elif mode.startswith("I;16"):
        per_pixel = 2
    else:
        per_pixel = 4
    return image.width * image.height * per_pixel


def _draft(image):
    """Let the JPEG decoder decode at 1/2, 1/4 or 1/8 scale (far less memory and CPU for a 12 MP
    photo). Must come before anything loads the pixels."""
    if image.format == "JPEG":
        ratio = DISPLAY_SIZE / max(image.size)
        if ratio < 1:
            image.draft("RGB", (max(1, int(image.width * ratio)), max(1, int(image.height * ratio))))


def _too_many_pixels():
    return TooLarge(_l("This picture has too many pixels for the box. Please send an ordinary photo."))


def _prepare(image):
    from PIL import ImageOps

    icc = image.info.get("icc_profile")
    if image.mode == "CMYK":
        icc = None  # a CMYK profile does not describe the RGB pixels we write
    if image.mode == "P":
        image = image.convert("RGBA")  # a palette image would be resized with the nearest pixel only
    # Turned upright after the resize: the same result, on a quarter of the pixels. The resized copy
    # keeps the EXIF that says which way; the JPEG we write carries none of it.
    upright = _to_rgb(ImageOps.exif_transpose(_shrink(image, DISPLAY_SIZE, reducing_gap=2.0)))
    display = _encode(upright, DISPLAY_QUALITY, icc)
    # From the display image, not the original: a tenth of the pixels. An exact 3x3 average first
    # (reduce), then a short resample: as sharp at 400 px, a third of the CPU.
    thumb_image, thumb = _thumbnail(_shrink(upright, THUMB_SIZE, reducing_gap=1.0), icc)
    small = _encode(_shrink(thumb_image, SMALL_SIZE, reducing_gap=None), SMALL_QUALITY, icc, progressive=True)
    return Processed(
        sha=hashlib.sha256(display).hexdigest(),
        display=display,
        thumb=thumb,
        small=small,
        width=upright.width,
        height=upright.height,
        thumb_width=thumb_image.width,
        thumb_height=thumb_image.height,
    )


def _shrink(image, longest, reducing_gap):
    """The image with its long side at most ``longest`` px (aspect kept); a smaller one as it is."""
    from PIL import Image

    scale = longest / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # BOX (the average of the pixels each new pixel covers): after the JPEG decoder's own halving the
    # shrink is only ~1.6x, where it looks the same as LANCZOS (PSNR ~38 dB against LANCZOS from the
    # full-size photo) for a third of LANCZOS's CPU and two thirds of BILINEAR's.
    return image.resize(size, Image.Resampling.BOX, reducing_gap=reducing_gap)


def _to_rgb(image):
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _encode(image, quality, icc, progressive=False):
    """JPEG bytes without any metadata (no exif= : GPS and the rest are gone), keeping the colour profile."""
    buffer = io.BytesIO()
    options = {"quality": quality, "optimize": True, "progressive": progressive}
    if icc:
        options["icc_profile"] = icc
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _thumbnail(image, icc):
    """The best quality that fits THUMB_TARGET_BYTES, else the lowest; smaller still if over 30 KB."""
    for quality in THUMB_QUALITIES:
        # Progressive: a few percent smaller, and thumbnails cross the wifi twenty to a listing.
        data = _encode(image, quality, icc, progressive=True)
        if len(data) <= THUMB_TARGET_BYTES:
            return image, data
    if len(data) > THUMB_MAX_BYTES and max(image.size) > 64:  # only pure noise gets here
        return _thumbnail(_shrink(image, int(max(image.size) * 0.8), reducing_gap=None), icc)
    return image, data


# Storage


def photo_dir():
    path = Path(current_app.config["DATA_DIR"]) / "photos"
    path.mkdir(exist_ok=True)
    return path


def small_path(sha):
    return photo_dir() / f"{sha}.s.jpg"


def display_path(sha):
    return photo_dir() / f"{sha}.jpg"


def thumb_path(sha):
    return photo_dir() / f"{sha}.t.jpg"


def store(processed_list):
    """Save processed photos (call inside ``with writing():``); return their Photo rows, in order.

    The same photo twice is stored once. Files written here are removed if the transaction fails.
    """
    photos = []
    for processed in processed_list:
        photo = Photo.get_or_none(Photo.sha == processed.sha)
        if photo is None:
            photo = Photo.create(
                sha=processed.sha, width=processed.width, height=processed.height,
                thumb_width=processed.thumb_width, thumb_height=processed.thumb_height,
                bytes=len(processed.display), thumb_bytes=len(processed.thumb), created_at=clock.now(),
            )
            _write_new(display_path(processed.sha), processed.display)
            _write_new(thumb_path(processed.sha), processed.thumb)
            _write_new(small_path(processed.sha), processed.small)
        else:  # already stored: only mend a file that went missing (and keep it whatever happens)
            for path, data in ((display_path(photo.sha), processed.display), (thumb_path(photo.sha), processed.thumb),
                               (small_path(photo.sha), processed.small)):
                if not path.exists():
                    atomic_write(path, data)
        photos.append(photo)
    return photos


def _write_new(path, data):
    if path.exists():  # left by an earlier refused post that could not clean up: same bytes, same name
        return
    on_rollback(lambda: path.unlink(missing_ok=True))
    atomic_write(path, data)


def check_stored_photos():
    """Problems with stored photo files: missing, or not matching their hash or size."""
    problems = []
    for photo in Photo.select():
        display, thumb = display_path(photo.sha), thumb_path(photo.sha)
        if not display.exists():
            problems.append(f"photo {photo.sha[:12]}: display file missing")
        elif hashlib.sha256(display.read_bytes()).hexdigest() != photo.sha:
            problems.append(f"photo {photo.sha[:12]}: display file damaged")
        if not thumb.exists():
            problems.append(f"photo {photo.sha[:12]}: thumbnail missing")
        elif thumb.stat().st_size != photo.thumb_bytes:
            problems.append(f"photo {photo.sha[:12]}: thumbnail damaged")
        if not small_path(photo.sha).exists():
            problems.append(f"photo {photo.sha[:12]}: small picture missing")
    return problems


def orphan_photo_files():
    """Photo files no photo row knows: written by a post that a power cut (or a kill) stopped before
    its transaction committed. Files younger than a minute may belong to a post in progress: skipped."""
    known = {sha for (sha,) in Photo.select(Photo.sha).tuples()}
    limit = time.time() - LEFTOVER_AGE_SECONDS
    orphans = []
    for entry in os.scandir(photo_dir()):
        match = _NAME.match(entry.name)
        if match and match.group(1) not in known and entry.stat().st_mtime < limit:
            orphans.append(Path(entry.path))
    return sorted(orphans)


# Showing and serving


def photo_url(photo):
    return f"/photos/{photo.sha}.jpg"


def thumb_url(photo):
    return f"/photos/{photo.sha}.t.jpg"


def small_url(photo):
    return f"/photos/{photo.sha}.s.jpg"


def small_size(photo):
    """(width, height) of the small picture: the thumbnail's shape at SMALL_SIZE px at most."""
    scale = min(1, SMALL_SIZE / max(photo.thumb_width, photo.thumb_height))
    return max(1, round(photo.thumb_width * scale)), max(1, round(photo.thumb_height * scale))


def as_json(photo):
    return {"url": photo_url(photo), "thumb_url": thumb_url(photo), "width": photo.width, "height": photo.height}


def is_shown(sha):
    """True when a photo belongs to something anyone may see (an item or a book not hidden)."""
    from .models import Book, Item, ItemPhoto

    photo = Photo.get_or_none(Photo.sha == sha)
    if photo is None:
        return False
    on_item = (ItemPhoto.select().join(Item)
               .where(ItemPhoto.photo == photo, Item.hidden == False).exists())  # noqa: E712
    return on_item or Book.select().where(Book.cover == photo, Book.hidden == False).exists()  # noqa: E712


def referenced_by(record):
    """The photos an item or a book shows (to remove with it when it is deleted for good)."""
    from .models import Book, ItemPhoto

    if isinstance(record, Book):
        return [record.cover_id] if record.cover_id else []
    if hasattr(record, "item_photos"):
        return [link.photo_id for link in ItemPhoto.select(ItemPhoto.photo).where(ItemPhoto.item == record)]
    return []


def forget_unreferenced(photo_ids):
    """Delete the Photo rows nothing uses any more (inside the write); return their shas, whose files
    ``remove_files`` deletes once the transaction is committed."""
    from .models import Book, Inventory, ItemPhoto

    gone = []
    for photo in Photo.select().where(Photo.id.in_(list(photo_ids))):
        used = (ItemPhoto.select().where(ItemPhoto.photo == photo).exists()
                or Book.select().where(Book.cover == photo).exists()
                or Inventory.select().where(Inventory.photo == photo).exists())  # the same picture as the box's
        if not used:
            gone.append(photo.sha)
            photo.delete_instance()
    return gone


def remove_files(shas):
    for sha in shas:
        for path in (display_path(sha), thumb_path(sha), small_path(sha)):
            path.unlink(missing_ok=True)


def init_app(app):
    """Serve ``/photos/<sha>.jpg``, ``.t.jpg`` and ``.s.jpg``: only what is shown (volunteers see all)."""

    @app.route("/photos/<name>")
    def photo_file(name):
        from flask import g

        match = _NAME.match(name)
        if not match:
            abort(404)
        path = photo_dir() / name
        if not path.is_file() or (g.get("volunteer") is None and not is_shown(match.group(1))):
            abort(404)
        response = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True, etag=False)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response

    app.jinja_env.globals["photo_url"] = photo_url
    app.jinja_env.globals["thumb_url"] = thumb_url
    app.jinja_env.globals["small_url"] = small_url
    app.jinja_env.globals["small_size"] = small_size


def input_attributes(multiple=False):
    """The attributes of a photo field for the optional script (static/js/photos.js) that shrinks
    photos in the phone before they cross the wifi: the display size, the request limit, its words."""
    from flask import current_app
    from flask_babel import gettext as _

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return {
        "accept": "image/jpeg,image/png,image/webp", "multiple": multiple, "data-shrink": DISPLAY_SIZE,
        "data-max-bytes": limit - 64 * 1024,  # room for the form's other fields
        "data-working": _("Making the photo lighter for the wifi…"),
        "data-ready": _("Ready to send: %s MB in all."),
        "data-too-large": _("These photos are too large for the box even made lighter: choose fewer."),
    }
