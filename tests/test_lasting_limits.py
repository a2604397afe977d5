"""The login lockout and the address hold of a blocked phone outlive a restart of the real ``boxlocale
serve`` (the watchdog restarts the box; a laptop must not win fresh guesses, or a blocked phone a fresh
start, by that)."""

import sqlite3
import subprocess
import sys

import pytest

from .conftest import LiveBox, csrf_token
from .helpers import submit

pytestmark = pytest.mark.slow

PASSWORD = "un mot de passe solide"


def _add_volunteer(data_dir):
    added = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "admin", "add", "Claire"],
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr


def _login(phone, password):
    form = phone.get(phone.base_url + "/console/login")
    return phone.post(phone.base_url + "/console/login", allow_redirects=False,
                      data={"name": "Claire", "password": password, "csrf_token": csrf_token(form.text)})


def _restart(box):
    box.stop()
    return LiveBox(box.data_dir)


def _post(phone, title):
    return submit(phone, "/board/new", {"kind": "info", "title": title, "body": "x"}).status_code


def _last_device_id(data_dir):
    with sqlite3.connect(data_dir / "boxlocale.sqlite3") as connection:
        return connection.execute("SELECT max(id) FROM device").fetchone()[0]


def _block(volunteer, device_id):
    page = volunteer.get(volunteer.base_url + f"/console/phones/{device_id}")
    blocked = volunteer.post(volunteer.base_url + f"/console/phones/{device_id}/block", allow_redirects=False,
                             data={"reason": "spam", "csrf_token": csrf_token(page.text)})
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(f"/console/phones/{device_id}")


def test_the_login_lockout_outlives_a_restart(start_box):
    box = start_box()
    _add_volunteer(box.data_dir)
    laptop = box.session(source="127.0.0.5")
    for n in range(5):
        assert _login(laptop, f"faux {n}").status_code == 400
    assert _login(laptop, PASSWORD).status_code == 429
    box = _restart(box)
    try:
        laptop.base_url = box.url
        assert _login(laptop, PASSWORD).status_code == 429  # still paused after the restart
        volunteer = box.session(source="127.0.0.1")
        volunteer.base_url = box.url
        assert _login(volunteer, PASSWORD).status_code == 302  # from elsewhere the volunteer logs in
    finally:
        box.stop()


def test_a_block_holds_the_address_across_restarts(start_box):
    box = start_box()
    _add_volunteer(box.data_dir)
    spammer = box.session(source="127.0.0.6")
    assert _post(spammer, "Première annonce") == 201
    spammer_id = _last_device_id(box.data_dir)
    box = _restart(box)  # the box forgot what it kept in memory: the block must still find the address
    try:
        volunteer = box.session(source="127.0.0.1")
        for phone in (spammer, volunteer):
            phone.base_url = box.url
        assert _login(volunteer, PASSWORD).status_code == 302
        _block(volunteer, spammer_id)
        spammer.cookies.clear()  # a new phone, as far as the box can tell
        assert _post(spammer, "Encore moi") == 403
        box = _restart(box)
        for phone in (spammer, volunteer):
            phone.base_url = box.url
        spammer.cookies.clear()
        assert _post(spammer, "Et encore") == 403  # the hold outlived the restart
        neighbour = box.session(source="127.0.0.7")
        assert _post(neighbour, "Fête du village") == 201  # another address posts
    finally:
        box.stop()
