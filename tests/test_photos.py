"""The photo pipeline: camera-like JPEGs, fakes, bombs, truncated and empty files; storage and serving."""

import hashlib
import io
import random

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from boxlocale import photos
from boxlocale.check import run_checks
from boxlocale.db import writing
from boxlocale.errors import TooLarge, UnsupportedMedia, ValidationError
from boxlocale.models import Photo

from . import photo_factory


@pytest.fixture
def ctx(app, db):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield app


def upload(data, filename="photo.jpg", mimetype="image/jpeg"):
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=mimetype)


def test_a_12_megapixel_phone_photo_is_turned_upright_stripped_and_resized(ctx):
    [done] = photos.process_uploads([upload(photo_factory.camera_jpeg())], 3)
    # Orientation 6: stored 4000x3000 on its side, shown 3000x4000 upright → 960x1280.
    assert (done.width, done.height) == (960, 1280)
    display = Image.open(io.BytesIO(done.display))
    assert display.size == (960, 1280) and display.format == "JPEG"
    # The red marker was top-left of the stored pixels: upright, it is top-right.
    assert display.getpixel((display.width - 20, 20))[0] > 150
    assert display.getpixel((20, 20))[0] < 150 or display.getpixel((20, 20))[1] > 150
    # Nothing of the EXIF remains (GPS, camera, orientation); the colour profile does.
    for data in (done.display, done.thumb):
        image = Image.open(io.BytesIO(data))
        assert "exif" not in image.info and not image.getexif()
        assert image.info.get("icc_profile") == photo_factory.srgb_profile()
        assert b"Fairphone" not in data and b"GPS" not in data
    thumb = Image.open(io.BytesIO(done.thumb))
    assert max(thumb.size) <= 400 and (done.thumb_width, done.thumb_height) == thumb.size
    assert len(done.thumb) <= 30 * 1024
    assert done.sha == hashlib.sha256(done.display).hexdigest()


def test_the_jpeg_decoder_is_asked_for_a_reduced_size_before_pixels_load(ctx, monkeypatch):
    """draft() before exif_transpose: a 12 MP photo is decoded at half size, never whole."""
    from PIL import JpegImagePlugin

    decoded_sizes = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spying_load(self):
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spying_load)
    photos.process_one(io.BytesIO(photo_factory.camera_jpeg()))
    assert decoded_sizes[0] == (2000, 1500)  # the first load decodes: at half size, not 4000x3000


@pytest.mark.parametrize("maker, name", [
    (lambda: photo_factory.png(640, 480, "RGBA"), "transparent.png"),
    (lambda: photo_factory.png(640, 480, "P"), "palette.png"),
    (lambda: photo_factory.png(640, 480, "I;16"), "sixteen-bit.png"),
    (lambda: photo_factory.png(640, 480, "L"), "grey.png"),
    (lambda: photo_factory.webp(640, 480), "photo.webp"),
    (lambda: photo_factory.png(300, 200), "wrong-extension.jpg"),  # the content decides, not the name
    (lambda: photo_factory.jpeg(200, 100, icc=False), "small.jpg"),
])
def test_png_webp_and_small_photos_become_jpegs(ctx, maker, name):
    [done] = photos.process_uploads([upload(maker(), name)], 3)
    assert Image.open(io.BytesIO(done.display)).format == "JPEG"
    assert Image.open(io.BytesIO(done.display)).mode in ("RGB", "L")
    assert max(done.width, done.height) <= 1280


@pytest.mark.parametrize("data, name", [
    (b"GIF89a not really", "photo.jpg"),
    (b"<html><script>alert(1)</script></html>", "photo.jpg"),
    (b"%PDF-1.4\n" + b"x" * 500, "doc.pdf"),
    (photo_factory.gif(), "anim.gif"),  # a real image, but not a format the box takes
])
def test_what_is_not_a_photo_is_refused_with_415(ctx, data, name):
    with pytest.raises(UnsupportedMedia) as refused:
        photos.process_uploads([upload(data, name)], 3)
    assert refused.value.status == 415


def test_truncated_photo_is_refused_clearly(ctx):
    data = photo_factory.jpeg(1600, 1200)
    with pytest.raises(UnsupportedMedia) as refused:
        photos.process_uploads([upload(data[: len(data) // 2])], 3)
    assert "damaged" in str(refused.value.message)


def test_zero_byte_file_is_refused_but_an_empty_file_input_is_skipped(ctx):
    with pytest.raises(UnsupportedMedia) as refused:
        photos.process_uploads([upload(b"", "photo.jpg")], 3)
    assert "empty" in str(refused.value.message)
    assert photos.process_uploads([upload(b"", "")], 3) == []  # the form's file input left blank


def test_decompression_bomb_is_refused_with_413(ctx):
    bomb = photo_factory.bomb_png()
    assert len(bomb) < 100_000  # tiny on the wire, 400 megapixels once decoded
    with pytest.raises(TooLarge) as refused:
        photos.process_uploads([upload(bomb, "bomb.png")], 3)
    assert refused.value.status == 413 and "pixels" in str(refused.value.message)


def test_pixel_limit_is_a_setting(app, db):
    app.config["PHOTO_MAX_PIXELS"] = 100 * 100
    with app.test_request_context(), pytest.raises(TooLarge):
        photos.process_uploads([upload(photo_factory.jpeg(200, 100))], 3)


def test_heic_without_pillow_heif_gets_a_clear_message_in_the_users_language(app, db):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        with pytest.raises(UnsupportedMedia) as refused:
            photos.process_uploads([upload(photo_factory.heic_header(), "IMG_0001.HEIC", "image/heic")], 3)
        assert "HEIC" in str(refused.value.message) and "Le plus compatible" in str(refused.value.message)


def test_more_photos_than_allowed_is_a_validation_error(ctx):
    files = [upload(photo_factory.jpeg(64, 48, seed=n)) for n in range(4)]
    with pytest.raises(ValidationError) as refused:
        photos.process_uploads(files, 3)
    assert "photo" in refused.value.fields


def test_store_writes_both_files_once_and_check_is_happy(ctx):
    done = photos.process_one(io.BytesIO(photo_factory.jpeg(800, 600)))
    with writing():
        [first] = photos.store([done])
    with writing():
        [again] = photos.store([done])  # the same photo again: the same row, no new file
    assert first.id == again.id and Photo.select().count() == 1
    assert photos.display_path(done.sha).read_bytes() == done.display
    assert photos.thumb_path(done.sha).read_bytes() == done.thumb
    assert photos.small_path(done.sha).read_bytes() == done.small
    assert not [p for p in photos.photo_dir().iterdir() if p.name.endswith(".tmp")]
    assert run_checks() == []
    photos.thumb_path(done.sha).write_bytes(done.thumb[:100])
    assert any("thumbnail damaged" in problem for problem in run_checks())
    photos.small_path(done.sha).unlink()
    assert any("small picture missing" in problem for problem in run_checks())


def test_a_failed_transaction_leaves_no_file_and_no_row(ctx):
    done = photos.process_one(io.BytesIO(photo_factory.jpeg(800, 600, seed=3)))
    with pytest.raises(RuntimeError), writing():
        photos.store([done])
        assert photos.display_path(done.sha).exists()
        raise RuntimeError("the item could not be saved")
    assert not photos.display_path(done.sha).exists() and not photos.thumb_path(done.sha).exists()
    assert not photos.small_path(done.sha).exists()
    assert Photo.select().count() == 0


def test_a_failed_transaction_keeps_the_files_of_a_photo_stored_before(ctx):
    done = photos.process_one(io.BytesIO(photo_factory.jpeg(800, 600, seed=4)))
    with writing():
        photos.store([done])
    with pytest.raises(RuntimeError), writing():
        photos.store([done])
        raise RuntimeError("refused")
    assert photos.display_path(done.sha).exists() and photos.thumb_path(done.sha).exists()


def test_photos_are_served_with_private_immutable_cache_headers(app, client, db):
    from boxlocale.models import ItemPhoto

    from .console_helpers import item

    with app.test_request_context():
        done = photos.process_one(io.BytesIO(photo_factory.jpeg(800, 600, seed=5)))
        with writing():
            [photo] = photos.store([done])
            ItemPhoto.create(item=item(), photo=photo)
        display_url, thumb_url = photos.photo_url(photo), photos.thumb_url(photo)
        assert photos.as_json(photo) == {"url": display_url, "thumb_url": thumb_url, "width": 800, "height": 600}
    for url, data in ((display_url, done.display), (thumb_url, done.thumb), (photos.small_url(photo), done.small)):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data == data
        assert response.headers["Cache-Control"] == "private, max-age=86400, immutable"
    for bad in ("/photos/../secret_key", "/photos/abc.jpg", "/photos/" + "0" * 64 + ".jpg", "/photos/boxlocale.sqlite3"):
        assert client.get(bad).status_code == 404, bad


def test_the_display_of_a_12_megapixel_photo_keeps_1280_px_and_the_thumbnail_400(ctx):
    [done] = photos.process_uploads([upload(photo_factory.camera_jpeg())], 3)
    assert max(done.width, done.height) == 1280  # not shrunk further to save CPU or bytes
    assert (done.thumb_width, done.thumb_height) == (300, 400)
    assert len(done.thumb) <= photos.THUMB_TARGET_BYTES
    # The listings' small picture: the same shape at 200 px, a few KB (twenty per listing page).
    with Image.open(io.BytesIO(done.small)) as small:
        assert small.size == (150, 200) and not small.getexif()
    assert len(done.small) <= 8 * 1024


def test_even_pure_noise_gets_a_thumbnail_under_30_kb(ctx):
    # Random bytes at the thumbnail's own size: nothing averages them out, 45 KB at the lowest quality.
    noise = Image.frombytes("RGB", (400, 400), random.Random(1).randbytes(400 * 400 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    [done] = photos.process_uploads([upload(buffer.getvalue(), "noise.png")], 3)
    assert len(done.thumb) <= photos.THUMB_MAX_BYTES
    assert Image.open(io.BytesIO(done.thumb)).size == (done.thumb_width, done.thumb_height) < (400, 400)


def test_a_palette_image_is_resized_smoothly_not_with_the_nearest_pixel(ctx):
    # Alternating black and white columns: averaged, they are grey; the nearest pixel keeps black or white.
    stripes = Image.new("P", (2560, 100))
    stripes.putpalette([0, 0, 0, 255, 255, 255])
    stripes.putdata([x % 2 for _ in range(100) for x in range(2560)])
    buffer = io.BytesIO()
    stripes.save(buffer, "PNG")
    [done] = photos.process_uploads([upload(buffer.getvalue(), "stripes.png")], 3)
    grey = Image.open(io.BytesIO(done.display)).convert("L").getpixel((640, 25))
    assert 90 < grey < 170
