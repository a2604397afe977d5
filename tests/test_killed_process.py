"""A killed process (power cut, OOM killer): every write that was answered is still there after a
restart, nothing is half-saved, and ``boxlocale check`` finds the database and photos sound."""

import signal
import subprocess
import sys
import threading
import time

import requests

from . import photo_factory
from .conftest import LiveBox
from .helpers import bearer


def test_answered_writes_survive_a_kill_9(tmp_path):
    data_dir = tmp_path / "data"
    box = LiveBox(data_dir)
    photo = photo_factory.jpeg(1200, 900, orientation=6)
    answered, stop = [], threading.Event()

    def post_items(worker):
        # A phone posts at most 10 an hour: each worker is a few phones.
        keys = [requests.post(box.url + "/api/v1/devices", timeout=10).json()["device_key"] for _ in range(4)]
        number = 0
        while not stop.is_set():
            number += 1
            try:
                created = requests.post(
                    box.url + "/api/v1/items", timeout=10,
                    headers=bearer(keys[number % len(keys)]),
                    data={"title": f"Objet {worker}-{number}", "where": "in_box"},
                    files={"photo": ("p.jpg", photo, "image/jpeg")} if number % 2 else None,
                )
            except requests.RequestException:
                return  # the box was killed under us
            if created.status_code == 201:
                answered.append(created.json()["code"])

    workers = [threading.Thread(target=post_items, args=(n,)) for n in range(3)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while len(answered) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(answered) >= 12, "the box did not answer the posts"
    box.process.send_signal(signal.SIGKILL)  # no goodbye, like a power cut
    box.process.wait()
    stop.set()
    for worker in workers:
        worker.join()
    box.log.close()

    check = subprocess.run([sys.executable, "-m", "boxlocale", "check", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    again = LiveBox(data_dir)
    try:
        for code in answered:
            item = requests.get(f"{again.url}/api/v1/items/{code}", timeout=10)
            assert item.status_code == 200, code
        listed = requests.get(again.url + "/api/v1/items?status=", timeout=10).json()
        # No half-saved item: each one with a photo has its files (check above), none lost its photos.
        for item in listed["items"]:
            for image in item["photos"]:
                assert requests.get(again.url + image["thumb_url"], timeout=10).status_code == 200
    finally:
        again.stop()
