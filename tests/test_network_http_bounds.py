"""Sync over HTTP is bounded: answers and requests come in pages of at most sync.PAGE_EVENTS events and
sync.PAGE_BYTES bytes, so a hostile or broken peer cannot exhaust a box's memory (real `boxlocale
serve` on loopback, a real hostile HTTP server in a thread)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from boxlocale.devices import Actor
from boxlocale.models import Book, NetEvent
from boxlocale.network import log, sync

from .network_helpers import at, digest, join, make_box


def register_many(box, count, title):
    from boxlocale.books import rules as books
    from boxlocale.db import writing

    volunteer = Actor(volunteer=object())
    with at(box):
        with writing():
            for number in range(count):
                books.register(volunteer, {"title": f"{title} {number}", "author": "Anonyme"})


def test_more_than_a_page_each_way_travels_in_pages(tmp_path, start_box):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    register_many(a, 2 * sync.PAGE_EVENTS + 50, "Roman")  # three pages to pull
    register_many(b, sync.PAGE_EVENTS + 20, "Essai")  # two pages to push
    served = start_box(a)
    with at(b):
        report = sync.sync_http(served.url)
        assert report.problems == []
        assert report.came >= 2 * sync.PAGE_EVENTS + 50
        assert report.went >= sync.PAGE_EVENTS + 20
        assert Book.select().where(Book.title.startswith("Roman")).count() == 2 * sync.PAGE_EVENTS + 50
        again = sync.sync_http(served.url)
        assert again.came == 0 and again.went == 0 and again.problems == []
    served.stop()
    with at(a):
        assert Book.select().where(Book.title.startswith("Essai")).count() == sync.PAGE_EVENTS + 20
    assert digest(a) == digest(b)


class Hostile(BaseHTTPRequestHandler):
    """Claims to be an admitted box, then answers a pull with far more bytes than a page."""

    claimed_key = ""

    def do_GET(self):
        self._answer(json.dumps({"box": self.claimed_key, "nonce": "n" * 32}).encode())

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        chunk = b" " * (1024 * 1024)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(chunk) * (sync.PAGE_BYTES // len(chunk) + 8)))
        self.end_headers()
        try:
            for _ in range(sync.PAGE_BYTES // len(chunk) + 8):
                self.wfile.write(chunk)
        except OSError:
            pass  # the box hung up: what this test wants

    def _answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_answer_larger_than_a_page_is_refused_and_nothing_is_imported(tmp_path):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    with at(a):
        Hostile.claimed_key = log.self_key()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with at(b):
            before = NetEvent.select().count()
            report = sync.sync_http(f"http://127.0.0.1:{server.server_address[1]}")
            assert any("larger than" in problem for problem in report.problems), report.problems
            assert report.came == 0 and NetEvent.select().count() == before
    finally:
        server.shutdown()


def test_the_server_refuses_a_push_beyond_a_page(tmp_path, start_box):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    served = start_box(a)
    too_big = requests.post(served.url + "/network/v1/push", data=b"x" * (sync.PAGE_BYTES + 1), timeout=30)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    with at(b):
        server_key = requests.get(served.url + "/network/v1/challenge", timeout=5).json()["box"]
        nonce = requests.get(served.url + "/network/v1/challenge", timeout=5).json()["nonce"]
        records = [{"h": "{}", "s": "00", "p": None}] * (sync.PAGE_EVENTS + 1)
        body = json.dumps({"from": log.self_key(), "to": server_key, "nonce": nonce, "events": records}).encode()
        answer = requests.post(served.url + "/network/v1/push", data=body, timeout=30,
                               headers={sync.SIGNATURE_HEADER: sync.sign_body(body)})
    assert answer.status_code == 413
    assert f"at most {sync.PAGE_EVENTS} events" in answer.json()["error"]["message"]


def test_the_flood_limit_counts_each_pushing_box_and_address_over_an_hour_not_a_page(tmp_path, start_box):
    """Pages hold at most PAGE_EVENTS events, so a limit per page never stops a flood: the real
    server counts what each box, and each address, pushed in the last hour. Feurs' second page would
    go over: refused whole, with Retry-After. Lyon then pushes from the same address: refused too."""
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    c = make_box(tmp_path, "Lyon", "LYS")
    join(a, b)
    join(a, c)
    limit = sync.PAGE_EVENTS + 100
    register_many(b, sync.PAGE_EVENTS + 150, "Essai")
    register_many(c, 120, "Poeme")
    served = start_box(a, env={"BOXLOCALE_NETWORK_PUSH_EVENTS_PER_HOUR": str(limit)})
    with at(b):
        report = sync.sync_http(served.url)
    assert report.went == sync.PAGE_EVENTS
    assert any("too many events pushed" in problem for problem in report.problems), report.problems
    with at(c):
        refused = sync.sync_http(served.url)
        assert refused.went == 0 and any("too many events pushed" in p for p in refused.problems)
        server_key = requests.get(served.url + "/network/v1/challenge", timeout=5).json()["box"]
        nonce = requests.get(served.url + "/network/v1/challenge", timeout=5).json()["nonce"]
        records = [log.as_event(row).record() for row in
                   NetEvent.select().where(NetEvent.box == log.self_key()).limit(200)]
        body = json.dumps({"from": log.self_key(), "to": server_key, "nonce": nonce, "events": records}).encode()
        answer = requests.post(served.url + "/network/v1/push", data=body, timeout=30,
                               headers={sync.SIGNATURE_HEADER: sync.sign_body(body)})
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert answer.json()["error"]["code"] == "rate_limited"
    served.stop()
    with at(a):
        assert Book.select().where(Book.title.startswith("Essai")).count() < sync.PAGE_EVENTS
        assert not Book.select().where(Book.title.startswith("Poeme")).exists()
