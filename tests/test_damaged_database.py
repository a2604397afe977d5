"""A database damaged while the box runs: every page answers 503 with the box's own page in the phone's
language (never a 500), /healthz says so, and the watchdog stops pinging so systemd restarts the box."""

import os
import socket
import sqlite3
import time

from .lazyfs_helpers import boxlocale


def _damage(db_file):
    """Overwrite the first page of every table and index, as a failing SD card does; the schema
    itself (page 1) stays readable, so only a check that reads real tables notices."""
    connection = sqlite3.connect(db_file)
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    roots = [page for (page,) in connection.execute("SELECT rootpage FROM sqlite_master WHERE rootpage > 1")]
    connection.close()
    with open(db_file, "r+b") as f:
        for page in roots:
            f.seek((page - 1) * page_size)
            f.write(os.urandom(page_size))
        f.flush()
        os.fsync(f.fileno())


def test_a_damaged_database_gives_the_box_page_with_503(tmp_path, start_box):
    data_dir = tmp_path / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    box = start_box(data_dir)
    _damage(data_dir / "boxlocale.sqlite3")
    french, english = box.session("fr"), box.session("en")
    for path in ("/", "/give/", "/books/", "/board/"):
        page = french.get(box.url + path, timeout=10)
        assert page.status_code == 503, (path, page.status_code)
        assert "ne peut pas lire ses données" in page.text and "<nav" in page.text
    page = english.get(box.url + "/give/", timeout=10)
    assert page.status_code == 503 and "cannot read its data" in page.text
    assert page.headers["Retry-After"] == "60"
    api = english.get(box.url + "/api/v1/items", timeout=10)
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    health = english.get(box.url + "/healthz", timeout=10)
    assert health.status_code == 503 and health.json()["db"] == "error"
    assert "unexpected error" not in box.output()


def test_the_watchdog_stops_pinging_when_the_database_is_damaged(tmp_path, start_box):
    data_dir = tmp_path / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    notify_path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify_path))
    listener.settimeout(5)
    # WatchdogSec=0.4 s: a ping every 0.2 s while the database reads.
    start_box(data_dir, env={"NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "400000"})

    def messages(seconds):
        seen, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                seen.append(listener.recv(4096).decode())
            except TimeoutError:
                break
        return seen

    assert "WATCHDOG=1" in messages(1.5)
    _damage(data_dir / "boxlocale.sqlite3")
    messages(0.5)  # a ping already on its way
    after = messages(1.5)
    listener.close()
    assert "WATCHDOG=1" not in after and any(m.startswith("STATUS=unhealthy") for m in after), after
