"""Photos that would not fit a Pi Zero 2 W's memory are refused from their header, before decoding;
a phone over its limit is refused before anything is decoded. The real ``boxlocale serve``."""

import io

import pytest
from PIL import Image

from boxlocale import photos, settings
from boxlocale.errors import TooLarge

from . import photo_factory
from .conftest import csrf_token

MB = 1024 * 1024


def lossless_webp_bomb():
    """7000x7000 lossless WebP: about 2 KB on the wire, 196 MB once decoded."""
    buffer = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 30, 30)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def png_bomb():
    """7000x7000 RGBA PNG (49 megapixels, under the pixel cap): under 200 KB, 196 MB once decoded."""
    buffer = io.BytesIO()
    Image.new("RGBA", (7000, 7000), (30, 200, 30, 128)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _peak_rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _offer(phone, url, name, data):
    form = phone.get(url + "/give/offer").text
    fields = {"csrf_token": csrf_token(form), "title": "Lampe", "category": "maison", "condition": "good",
              "where": "in_box"}
    return phone.post(url + "/give/offer", data=fields, files={"photo": (name, data, "image/png")}, timeout=60)


@pytest.mark.slow
def test_decoding_bombs_are_refused_early_and_the_server_stays_small(start_box):
    webp, png = lossless_webp_bomb(), png_bomb()
    assert len(webp) < 10_000 and len(png) < 250_000
    box = start_box()
    phone = box.session()
    assert _offer(phone, box.url, "x.jpg", photo_factory.jpeg(1600, 1200)).status_code == 200
    before = _peak_rss_mb(box.process.pid)
    for name, data in (("bomb.webp", webp), ("bomb.png", png)):
        refused = _offer(phone, box.url, name, data)
        assert refused.status_code == 413, name
        assert "trop de pixels" in refused.text
    peak = _peak_rss_mb(box.process.pid)
    assert peak < 120, f"peak RSS {peak:.0f} MB (it was {before:.0f} MB before the bombs)"


def test_the_budget_is_computed_from_the_header(app):
    with app.test_request_context():
        with pytest.raises(TooLarge):
            photos.process_one(io.BytesIO(lossless_webp_bomb()))
        # A 12-megapixel camera JPEG decodes at a reduced scale, well inside the budget.
        done = photos.process_one(io.BytesIO(photo_factory.camera_jpeg()))
        assert max(done.width, done.height) == photos.DISPLAY_SIZE


def test_a_phone_over_its_limit_gets_its_429_before_any_decoding(app, client):
    with app.app_context():
        settings.save({"posts_per_hour": 1})
    from .test_giveaway_pages import post_offer

    assert post_offer(client).status_code == 200
    # Not a photo at all: decoding first would answer 415; the limit comes first.
    refused = post_offer(client, photos=[(b"not a photo" * 1000, "x.jpg")], title="Autre chose")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
