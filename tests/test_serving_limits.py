"""One laptop on the open wifi must not take the box's connections: the real ``boxlocale serve``."""

import socket
import threading
import time

import pytest
import requests

pytestmark = pytest.mark.slow


def _trickle(url_port, sockets, stop):
    """Open sockets that send a request line, then one header byte now and then, never finishing."""
    for _ in range(sockets):
        try:
            # From 127.0.0.2: another address than the honest phone (127.0.0.1).
            sock = socket.create_connection(("127.0.0.1", url_port), timeout=2, source_address=("127.0.0.2", 0))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: box\r\n")
        except OSError:
            continue
        threading.Thread(target=_keep_trickling, args=(sock, stop), daemon=True).start()


def _keep_trickling(sock, stop):
    with sock:
        while not stop.wait(0.5):
            try:
                sock.sendall(b"X")
            except OSError:
                return


def test_a_trickling_laptop_does_not_starve_other_phones(start_box):
    box = start_box()
    stop = threading.Event()
    try:
        _trickle(box.port, 230, stop)
        time.sleep(1.5)
        started = time.monotonic()
        for _ in range(5):
            assert requests.get(box.url + "/healthz", timeout=5).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        stop.set()
    assert "too many connections from 127.0.0.2" in box.output()


def test_a_request_that_never_finishes_its_headers_is_closed(start_box):
    box = start_box(env={"BOXLOCALE_REQUEST_HEADER_SECONDS": "2", "BOXLOCALE_CONNECTIONS_PER_ADDRESS": "0"})
    sock = socket.create_connection(("127.0.0.1", box.port), timeout=10)
    with sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: box\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 8:
            try:
                sock.sendall(b"X")
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.3)
        assert closed, "the trickled request was still open after 8 s"
        assert time.monotonic() - started < 5
    # An honest request on a fresh connection still gets its answer.
    assert requests.get(box.url + "/healthz", timeout=5).status_code == 200
