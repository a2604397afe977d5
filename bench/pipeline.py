"""The photo pipeline of the box (boxlocale.photos.process_uploads) and the naive baseline."""

import io

from PIL import Image, ImageOps


def built():
    from boxlocale import photos

    return hasattr(photos, "process_uploads")


def store_photos(app, jpegs):
    """Store photos through the real pipeline; return their Photo ids ([] while it is not built)."""
    if not built() or not jpegs:
        return []
    from boxlocale import photos
    from boxlocale.db import writing

    ids = []
    with app.test_request_context():
        for n, data in enumerate(jpegs):
            processed = photos.process_uploads([_upload(data, n)], max_count=1)
            with writing():
                ids += [photo.id for photo in photos.store(processed)]
    return ids


def _upload(data, n):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=f"IMG_{n:04d}.jpg", content_type="image/jpeg")


def process_with_box(app, data):
    """One photo checked, oriented, stripped and resized twice, in memory (storing it is disk time, not CPU)."""
    from boxlocale import photos

    with app.test_request_context():
        photos.process_uploads([_upload(data, 0)], max_count=1)


def process_naively(data):
    """The same job done the first way that comes to mind, with Pillow's defaults: open, turn upright,
    resize to 1280 px and save, then resize that to a 400 px thumbnail and save it, and that to the
    200 px small picture (the box's three sizes)."""
    picture = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    display = picture.resize(_fit(picture.size, 1280))
    display.save(io.BytesIO(), "JPEG")
    thumbnail = display.resize(_fit(display.size, 400))
    thumbnail.save(io.BytesIO(), "JPEG")
    small = thumbnail.resize(_fit(thumbnail.size, 200))
    small.save(io.BytesIO(), "JPEG")


def _fit(size, longest):
    width, height = size
    scale = longest / max(width, height)
    return round(width * scale), round(height * scale)
