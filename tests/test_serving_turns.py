"""Pages rendered by Flask take turns (pagecache.in_turns), served by waitress with the box's threads:
never two GETs in the app at once, a slow one holds the others for at most TURN_SECONDS, and posts do
not wait."""

import http.client
import threading
import time

import pytest
from waitress import create_server

from boxlocale import pagecache

SLOW_SECONDS = 4
TURN_SECONDS = 1.0  # longer than the box's, so that a wait for a turn shows in the timings


class Recorder:
    """A WSGI app that notes how many GET requests run in it at once. /slow sleeps, /fast works a bit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = self.most_at_once = 0

    def __call__(self, environ, start_response):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(SLOW_SECONDS if environ["PATH_INFO"] == "/slow" else 0.02)
        finally:
            with self.lock:
                self.running -= 1
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(pagecache, "TURN_SECONDS", TURN_SECONDS)
    app = Recorder()
    waitress_server = create_server(pagecache.in_turns(app), host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=waitress_server.run, daemon=True)
    thread.start()
    yield app, waitress_server.effective_port
    waitress_server.close()
    thread.join(timeout=5)


def _ask(port, method, path, answers):
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=b"x" if method == "POST" else None)
    answers.append((path, method, connection.getresponse().status, time.monotonic() - started))
    connection.close()


def _all_at_once(port, requests):
    answers = []
    threads = [threading.Thread(target=_ask, args=(port, method, path, answers)) for method, path in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_page_views_run_one_at_a_time(server):
    app, port = server
    answers = _all_at_once(port, [("GET", "/fast")] * 5)
    assert [status for *_, status, _ in answers] == [200] * 5
    assert app.most_at_once == 1


def test_a_slow_view_holds_the_others_only_for_their_turn(server):
    app, port = server
    slow = threading.Thread(target=_ask, args=(port, "GET", "/slow", []))
    slow.start()
    time.sleep(0.3)  # the slow view has its turn
    answers = _all_at_once(port, [("GET", "/fast")] * 3)
    slow.join()
    # Each waited for its turn, then, the turn not coming, ran without it
    assert all(status == 200 and TURN_SECONDS - 0.1 < seconds < SLOW_SECONDS - 0.5 for *_, status, seconds in answers)
    assert app.most_at_once >= 2  # they ran beside the slow one once their wait was over


def test_posts_do_not_wait_for_a_turn(server):
    app, port = server
    slow = threading.Thread(target=_ask, args=(port, "GET", "/slow", []))
    slow.start()
    time.sleep(0.3)
    answers = _all_at_once(port, [("POST", "/fast")])
    slow.join()
    assert answers[0][2] == 200 and answers[0][3] < TURN_SECONDS - 0.2
    assert app.most_at_once == 2
