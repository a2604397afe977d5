"""One laptop on the open wifi must not take the box's connections: the real ``boxlocale serve``."""

import re
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


def _answer(sock, limit=10):
    """Everything the box sends on ``sock`` until it closes it."""
    sock.settimeout(limit)
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_connection_over_the_cap_gets_a_short_busy_answer(start_box):
    """Over CONNECTIONS_PER_ADDRESS, the phone is told to come back (503, Retry-After) in the box's two
    languages, instead of a connection closed without a word."""
    box = start_box(env={"BOXLOCALE_CONNECTIONS_PER_ADDRESS": "3"})
    held = [socket.create_connection(("127.0.0.1", box.port), timeout=5, source_address=("127.0.0.3", 0))
            for _ in range(3)]
    try:
        time.sleep(0.3)  # the box has accepted them
        with socket.create_connection(("127.0.0.1", box.port), timeout=5, source_address=("127.0.0.3", 0)) as over:
            over.sendall(b"GET / HTTP/1.1\r\nHost: box\r\nAccept-Language: fr\r\n\r\n")
            answer = _answer(over)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ")
        assert b"\r\nRetry-After: 5\r\n" in head and b"charset=utf-8" in head
        assert int(re.search(rb"Content-Length: (\d+)", head).group(1)) == len(body) < 300
        text = body.decode()
        assert "réessayez" in text and "try again" in text
        # Another address is not concerned, and the address is served again once its connections close.
        assert requests.get(box.url + "/healthz", timeout=5).status_code == 200
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", box.port), timeout=5, source_address=("127.0.0.3", 0)) as again:
        again.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{box.port}\r\nConnection: close\r\n\r\n".encode())
        assert _answer(again).startswith(b"HTTP/1.1 200 ")
    assert "too many connections from 127.0.0.3" in box.output()
