"""A full SD card: the real server on a tiny real filesystem (tmpfs) that fills up. Every write is
refused with 507 and a clear message, nothing is half-saved, and the box works again once there is room."""

import os

import pytest

from . import photo_factory
from .conftest import LiveBox, csrf_token


@pytest.fixture
def small_disk(small_filesystem):
    """A 6 MB filesystem of its own."""
    return small_filesystem("6m")


def fill(folder):
    """Fill the filesystem to the last byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 512, 1):
            try:
                while os.write(fd, b"\0" * chunk):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def offer(phone, url, title, photo=None):
    form = phone.get(url + "/give/offer").text
    data = {"csrf_token": csrf_token(form), "title": title, "category": "maison", "condition": "good",
            "where": "in_box", "description": "Bon état"}
    files = {"photo": ("photo.jpg", photo, "image/jpeg")} if photo else None
    return phone.post(url + "/give/offer", data=data, files=files, timeout=30)


def item_count(box):
    api = box.session().get(box.url + "/api/v1/items?status=", timeout=10).json()
    return len(api["items"])


def test_a_full_disk_refuses_writes_cleanly_and_recovers(small_disk, tmp_path):
    box = LiveBox(small_disk / "data", env={"BOXLOCALE_MIN_FREE_DISK_MB": "1"}, log_dir=tmp_path)
    try:
        phone = box.session(language="fr")
        photo = photo_factory.jpeg(1600, 1200, orientation=6, quality=85)
        assert offer(phone, box.url, "Lampe de chevet").status_code == 200
        photos_before = sorted(os.listdir(small_disk / "data" / "photos")) if (small_disk / "data" / "photos").exists() else []

        filler = fill(small_disk)
        with_photo = offer(phone, box.url, "Table basse en chêne", photo)
        assert with_photo.status_code == 507, with_photo.status_code
        assert "mémoire de la box est pleine" in with_photo.text and "Traceback" not in with_photo.text
        text_only = offer(phone, box.url, "Tabouret de bar")
        assert text_only.status_code == 507
        api = phone.post(box.url + "/api/v1/devices", timeout=10)
        assert api.status_code == 507 and api.json()["error"]["code"] == "storage_full"
        # Reading still works, and the refused posts left nothing: no row, no photo file.
        assert phone.get(box.url + "/give/", timeout=10).status_code == 200
        assert box.session().get(box.url + "/healthz", timeout=10).status_code == 503
        assert item_count(box) == 1
        photos_now = sorted(p for p in os.listdir(small_disk / "data" / "photos") if not p.startswith("."))
        assert photos_now == photos_before

        filler.unlink()
        assert offer(phone, box.url, "Table basse en chêne", photo).status_code == 200
        assert item_count(box) == 2
    finally:
        box.stop()
    assert "Traceback" not in box.output()
