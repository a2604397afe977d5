"""``boxlocale serve`` as systemd runs it: the listening socket passed as fd 3 (socket activation) and
sd_notify over $NOTIFY_SOCKET (READY=1, then WATCHDOG=1 only while the database answers)."""

import os
import socket
import subprocess
import sys

import pytest
import requests

from .conftest import stop_process

# What systemd does before starting the service: the socket as fd 3, LISTEN_PID naming the process
# (exec keeps the pid), LISTEN_FDS=1.
ACTIVATE = """import os, sys
os.dup2(int(os.environ.pop("SOCKET_FD")), 3)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execv(sys.executable, [sys.executable, "-m", "boxlocale", *sys.argv[1:]])
"""


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(20)
    yield sock, str(path)
    sock.close()


def start_activated(tmp_path, listener, env=None):
    data_dir = tmp_path / "data"
    command = [sys.executable, "-c", ACTIVATE, "serve", "--data-dir", str(data_dir)]
    full_env = dict(os.environ, SOCKET_FD=str(listener.fileno()), **(env or {}))
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen(command, env=full_env, pass_fds=(listener.fileno(),), stdout=log,
                               stderr=subprocess.STDOUT)
    return process, data_dir




def messages(sock, until):
    """Datagrams received until one satisfies ``until``; all of them, in order."""
    received = []
    while True:
        message = sock.recv(4096).decode()
        received.append(message)
        if until(message):
            return received


def test_serve_answers_on_the_socket_systemd_passes(tmp_path, notify_socket):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    sock, path = notify_socket
    process, _data_dir = start_activated(tmp_path, listener, {"NOTIFY_SOCKET": path})
    listener.close()  # only the child holds the socket now: an answer proves it serves on it
    try:
        assert messages(sock, lambda m: "READY=1" in m)[-1] == "READY=1"
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["ok"] is True
        log = (tmp_path / "serve.log").read_text()
        assert f"listening on http://127.0.0.1:{port}/" in log
        assert "8080" not in log, "with a passed socket, serve must not open its own"
    finally:
        stop_process(process)


def test_watchdog_pings_only_while_the_database_answers(tmp_path, notify_socket):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    sock, path = notify_socket
    process, data_dir = start_activated(tmp_path, listener, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    listener.close()
    try:
        messages(sock, lambda m: m == "READY=1")
        messages(sock, lambda m: m == "WATCHDOG=1")  # healthy: it pings

        # The database breaks: its file is no longer a database.
        database = data_dir / "boxlocale.sqlite3"
        database.write_bytes(b"this is not a database" * 1000)
        for suffix in ("-wal", "-shm"):
            (data_dir / ("boxlocale.sqlite3" + suffix)).unlink(missing_ok=True)

        messages(sock, lambda m: m.startswith("STATUS=unhealthy"))
        # From one failed check to the next, no ping: systemd will restart the box.
        between = messages(sock, lambda m: m.startswith("STATUS=unhealthy"))
        assert "WATCHDOG=1" not in between
    finally:
        stop_process(process)


def test_sockets_passed_to_another_process_are_not_taken(start_box):
    """LISTEN_PID names another process (as after a fork): serve opens its own port."""
    box = start_box(env={"NOTIFY_SOCKET": "", "LISTEN_FDS": "1", "LISTEN_PID": "1"})
    assert requests.get(box.url + "/healthz", timeout=5).status_code == 200
    assert "Traceback" not in box.output()
