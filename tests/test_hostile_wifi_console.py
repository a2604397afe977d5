"""A hostile laptop on the open wifi against redirects and the volunteers' console."""

import subprocess
import sys
import threading

import pytest
import requests

from boxlocale import settings
from boxlocale.console import accounts, session

from .conftest import csrf_token
from .console_helpers import PASSWORD, add_volunteer, login, post

HOSTILE_NEXT = ["/%09/10.0.0.66/x", "/\t/10.0.0.66/x", "/\r\n/10.0.0.66/x", "/\n/evil", "//evil",
                "/\\evil", "http://evil/", " /x", "/x\r\nSet-Cookie: a=b", "/ /evil"]



def _location(response):
    return response.headers.get("Location", "")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_values_stay_on_the_box(app, client, target):
    add_volunteer(app)
    from urllib.parse import quote, unquote

    encoded = quote(unquote(target), safe="/")
    logged = login(client, query_string=f"next={encoded}")
    assert logged.status_code == 302 and _location(logged) == "/console/"
    switched = client.get(f"/lang/en?next={encoded}")
    assert switched.status_code == 302 and _location(switched) == "/"


def test_thanks_and_report_links_stay_on_the_box(app, client, db):
    from .console_helpers import device, item

    giver = device("Marcel")
    thing = item(giver)
    page = client.get("/report", query_string={"target": f"item:{thing.code}", "next": "/\t/10.0.0.66/x"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "\t/10.0.0.66" not in html and "//10.0.0.66" not in html  # the "back" link
    token = csrf_token(html)
    thanked = client.post("/thanks", data={"target": f"item:{thing.code}", "next": "/\r\n/10.0.0.66/x",
                                           "csrf_token": token})
    assert thanked.status_code == 303 and _location(thanked) == "/"


def test_a_good_next_is_kept(app, client):
    add_volunteer(app)
    logged = login(client, query_string={"next": "/console/settings?tab=a"})
    assert _location(logged) == "/console/settings?tab=a"


def test_the_lockout_is_per_name_and_address_so_a_guesser_cannot_lock_the_volunteer_out(app, client):
    add_volunteer(app)
    laptop = {"REMOTE_ADDR": "10.42.0.66"}
    for n in range(8):
        login(client, password=f"wrong {n}", environ_base=laptop)
    assert login(client, environ_base=laptop).status_code == 429  # the guesser is paused
    assert login(client, environ_base={"REMOTE_ADDR": "10.42.0.12"}).status_code == 302  # Claire is not


def test_one_address_trying_many_names_is_paused_too(app, client):
    add_volunteer(app)
    for n in range(accounts.FREE_FAILURES_PER_ADDRESS):
        assert login(client, name=f"guess{n}", password="x" * 8).status_code == 400
    assert login(client).status_code == 429


def test_ethernet_mode_the_phones_network_is_never_local(app, client, monkeypatch):
    # In --ethernet mode the phones come through the wired port: `ip addr` shows eth0 in their network.
    import ipaddress
    import time

    add_volunteer(app)
    monkeypatch.setattr(session, "_networks_cache", (time.monotonic(), [ipaddress.ip_network("10.42.0.0/24")]))
    with app.app_context():
        settings.save({"console_local_only": True})
    phone = {"REMOTE_ADDR": "10.42.0.23"}
    assert client.get("/console/login", environ_base=phone).status_code == 200  # without the setting below
    app.config["PHONE_NETWORK"] = "10.42.0.0/24"
    assert client.get("/console/login", environ_base=phone).status_code == 403
    assert client.get("/console/login").status_code == 200  # the box itself


# --- the real server ---------------------------------------------------------------------------

def _add_volunteer_by_command(data_dir):
    subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "admin", "add", "Claire"],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)


def _live_login(box, password=PASSWORD):
    phone = box.session()
    token = csrf_token(phone.get(box.url + "/console/login").text)
    answer = phone.post(box.url + "/console/login", data={"name": "Claire", "password": password,
                                                           "csrf_token": token}, allow_redirects=False)
    return phone, answer


@pytest.mark.slow
def test_a_session_ended_by_logging_out_stays_ended_after_a_restart(start_box, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _add_volunteer_by_command(data_dir)
    box = start_box(data_dir)
    phone, answer = _live_login(box)
    assert answer.status_code == 302
    stolen = phone.cookies.get(session.COOKIE)
    token = csrf_token(phone.get(box.url + "/console/").text)
    assert phone.post(box.url + "/console/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
    box.stop()
    box = start_box(data_dir)
    thief = requests.Session()
    thief.cookies.set(session.COOKIE, stolen)
    assert thief.get(box.url + "/console/", allow_redirects=False).status_code == 302


@pytest.mark.slow
def test_parallel_guesses_check_at_most_the_free_failures(start_box, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _add_volunteer_by_command(data_dir)
    box = start_box(data_dir, env={"BOXLOCALE_CONNECTIONS_PER_ADDRESS": "0"})  # 24 phones, one address
    prepared = []
    for n in range(24):
        phone = box.session()
        prepared.append((phone, csrf_token(phone.get(box.url + "/console/login").text), f"wrong {n}"))
    statuses = []
    barrier = threading.Barrier(len(prepared))

    def guess(phone, token, password):
        barrier.wait()
        answer = phone.post(box.url + "/console/login", data={"name": "Claire", "password": password,
                                                               "csrf_token": token}, allow_redirects=False)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=args) for args in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 24
    assert statuses.count(400) == accounts.FREE_FAILURES  # passwords actually checked
    assert statuses.count(429) == 24 - accounts.FREE_FAILURES


def test_post_helper_still_works(app, client):
    add_volunteer(app)
    login(client)
    assert post(client, "/console/logout").status_code == 302
