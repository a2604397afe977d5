"""Shared fixtures: an app on a real SQLite file, and the real ``boxlocale serve`` on a loopback port."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests

from boxlocale import clock, create_app

ROOT = Path(__file__).resolve().parent.parent
# CI sets this: a system program a test needs (chromium, dnsmasq, ...) missing is then a failure.
REQUIRE_ALL = os.environ.get("BOXLOCALE_REQUIRE_ALL") == "1"


def require_tool(name):
    """Path of a system program a test needs; skip without it locally, fail in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    return path


def require(condition, message):
    """Like require_tool for any precondition of the machine (root, network namespaces, ...)."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def app(data_dir):
    """The app on a real SQLite file; synchronous=OFF (durability is tested on the live server and
    under LazyFS, not here), and no process state left over from another test."""
    from .helpers import reset_process_state

    reset_process_state()
    application = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False, "TESTING": True,
                              "SQLITE_SYNCHRONOUS": "off"})
    yield application
    reset_process_state()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def frozen_clock(app):
    """The box clock pinned to 2026-11-22 12:00 UTC; move it with clock.advance(hours=...)."""
    clock.freeze(datetime(2026, 11, 22, 12, 0, 0))
    yield clock
    clock.freeze(None)


@pytest.fixture
def db(app):
    """An open connection for tests that use the models directly."""
    from boxlocale.db import close_connection, database

    with app.app_context():
        database.connect(reuse_if_open=True)
        yield database
        close_connection()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html):
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html if isinstance(html, str) else html.decode())
    assert match, "no CSRF token in the page"
    return match.group(1)


def stop_process(process, timeout=10):
    """Ask a process to stop (SIGTERM), kill it if it has not after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Requests sent from a chosen local address (any 127.x.y.z reaches a box on loopback)."""

    def __init__(self, source):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class LiveBox:
    """A real ``boxlocale serve`` process."""

    def __init__(self, data_dir, extra_args=(), env=None, host="127.0.0.1", program=None, cwd=None,
                 log_dir=None):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.host = host
        self.url = f"http://{host}:{self.port}"
        self.log_path = Path(log_dir or self.data_dir.parent) / f"serve-{self.port}.log"
        program = program or [sys.executable, "-m", "boxlocale"]
        command = [*program, "serve", "--host", host, "--port", str(self.port),
                   "--data-dir", str(self.data_dir), *extra_args]
        full_env = dict(os.environ, **(env or {}))
        self.started_at = time.monotonic()
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                        cwd=cwd)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"boxlocale serve exited:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    self.ready_after = time.monotonic() - self.started_at
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"boxlocale serve did not answer:\n{self.log_path.read_text()}")

    def session(self, language="fr", source=None):
        """A phone: its own cookies, a French (or English) phone by default. ``source``: the phone's
        own loopback address (127.0.0.2, ...) for what the box counts per address."""
        phone = requests.Session()
        phone.headers["Accept-Language"] = language
        phone.base_url = self.url  # helpers.submit posts its forms here
        if source:
            phone.mount("http://", SourceAddressAdapter(source))
        return phone

    def stop(self):
        stop_process(self.process)
        self.log.close()

    def output(self):
        return self.log_path.read_text()


@pytest.fixture
def small_filesystem(tmp_path):
    """Factory: small_filesystem("6m") -> the mount point of a tmpfs of that size (a small SD card; root
    can mount one, CI runs as root), unmounted at the end."""
    mounted_points = []

    def mount(size):
        require(os.geteuid() == 0, "mounting a small filesystem needs root")
        point = tmp_path / f"sd-{len(mounted_points)}"
        point.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                                 capture_output=True, text=True)
        require(mounted.returncode == 0, f"cannot mount a tmpfs here: {mounted.stderr}")
        mounted_points.append(point)
        return point

    yield mount
    for point in mounted_points:
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def start_box(tmp_path):
    """Factory: start_box(data_dir=None, extra_args=(), env=None) -> LiveBox, stopped at the end."""
    boxes = []

    def start(data_dir=None, extra_args=(), env=None, **kwargs):
        if data_dir is None:
            data_dir = tmp_path / f"box{len(boxes)}"
            data_dir.mkdir()
        box = LiveBox(data_dir, extra_args, env, **kwargs)
        boxes.append(box)
        return box

    yield start
    for box in boxes:
        box.stop()


@pytest.fixture
def live_box(start_box):
    return start_box()
