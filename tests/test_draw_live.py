"""A fair draw over real HTTP (``boxlocale serve``, its waitress threads): sixteen phones join at once,
the box's clock is set past the window, and sixteen phones open the draw at once. One draw happens
(one seed, one order, one reservation), whoever's request came first."""

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from boxlocale.config import load_config

from .helpers import bearer, submit

PHONES = 16
PASSWORD = "un mot de passe solide"


def api_phone(box, number):
    """A phone with its own device key and its own address (the limits count per address too)."""
    phone = box.session(language="en", source=f"127.0.0.{10 + number}")
    key = phone.post(box.url + "/api/v1/devices").json()["device_key"]
    phone.headers.update(bearer(key))
    return phone


def all_at_once(phones, call):
    """``call(phone)`` from every phone at the same moment; the answers in the phones' order."""
    start = threading.Barrier(len(phones))
    answers = [None] * len(phones)

    def run(number):
        start.wait()
        answers[number] = call(phones[number])

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def set_the_clock_ahead(box, ahead):
    """A volunteer logs in and sets the box's clock as a phone without script does (typed by hand)."""
    added = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(box.data_dir), "admin", "add",
                            "Claire"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    console = box.session()
    assert submit(console, "/console/login", {"name": "Claire", "password": PASSWORD}).status_code == 302
    moment = datetime.now(ZoneInfo(load_config({"DATA_DIR": str(box.data_dir)})["TIMEZONE"])) + ahead
    answer = submit(console, "/console/clock", {"phone_time": moment.strftime("%Y-%m-%dT%H:%M"),
                                                "phone_epoch_ms": ""})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/clock"), answer.text


def test_sixteen_phones_join_then_open_the_draw_at_once_and_it_is_drawn_once(live_box):
    giver = api_phone(live_box, 0)
    item = giver.post(live_box.url + "/api/v1/items", json={"title": "Vélo enfant", "draw": True}).json()
    draw_url = f"{live_box.url}/api/v1/items/{item['code']}/draw"
    phones = [api_phone(live_box, number) for number in range(1, PHONES + 1)]

    joined = all_at_once(phones, lambda phone: phone.post(draw_url + "/interested",
                                                          json={"word": f"Voisin {phones.index(phone) + 1}"},
                                                          timeout=30))
    assert [answer.status_code for answer in joined] == [200] * PHONES
    assert giver.get(draw_url).json()["count"] == PHONES  # each phone once

    set_the_clock_ahead(live_box, timedelta(hours=25))
    seen = all_at_once(phones, lambda phone: phone.get(draw_url, timeout=30))
    assert [answer.status_code for answer in seen] == [200] * PHONES
    draws = [answer.json() for answer in seen]
    assert {draw["seed"] for draw in draws} != {None} and len({draw["seed"] for draw in draws}) == 1
    orders = {tuple((entry["number"], entry["rank"]) for entry in draw["entries"]) for draw in draws}
    assert len(orders) == 1 and sorted(rank for _number, rank in next(iter(orders))) == list(range(PHONES))
    winners = [number for number, draw in enumerate(draws) if draw["i_won"]]
    assert len(winners) == 1
    for number, phone in enumerate(phones):
        held = phone.get(f"{live_box.url}/api/v1/items/{item['code']}").json()
        assert held["status"] == "reserved" and held["reserved_by_me"] is (number == winners[0])
