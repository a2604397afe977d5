"""Two real Syncthing processes on loopback carry one box's network folder to another box: the folder
is plain immutable files, so any sync engine can carry it."""

import secrets
import subprocess
import time
from pathlib import Path

from boxlocale.books import rules as books
from boxlocale.models import Book

from .books_factory import write
from .conftest import free_port, require_tool, stop_process
from .network_helpers import at, cli, join, make_box, villager

CONFIG = """<configuration version="36">
  <folder id="boxnet" label="boxnet" path="{folder}" type="sendreceive" rescanIntervalS="1"
          fsWatcherEnabled="false" ignorePerms="true">
    <device id="{me}"></device>
    <device id="{peer}"></device>
  </folder>
  <device id="{me}" name="me" compression="metadata"><address>dynamic</address></device>
  <device id="{peer}" name="peer" compression="metadata"><address>tcp://127.0.0.1:{peer_port}</address></device>
  <gui enabled="true" tls="false"><address>127.0.0.1:{gui_port}</address><apikey>{api_key}</apikey></gui>
  <options>
    <listenAddress>tcp://127.0.0.1:{port}</listenAddress>
    <globalAnnounceEnabled>false</globalAnnounceEnabled>
    <localAnnounceEnabled>false</localAnnounceEnabled>
    <relaysEnabled>false</relaysEnabled>
    <natEnabled>false</natEnabled>
    <urAccepted>-1</urAccepted>
    <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
    <crashReportingEnabled>false</crashReportingEnabled>
    <startBrowser>false</startBrowser>
  </options>
</configuration>
"""


class Syncthing:
    def __init__(self, program, home, folder):
        self.program, self.home, self.folder = program, Path(home), Path(folder)
        self.home.mkdir(parents=True)
        self.folder.mkdir(parents=True)
        (self.folder / ".stfolder").mkdir()
        subprocess.run([program, "generate", f"--home={home}"], check=True, capture_output=True, timeout=60)
        self.device_id = subprocess.run([program, f"--home={home}", "--device-id"], check=True,
                                        capture_output=True, text=True, timeout=60).stdout.strip()
        self.port = free_port()

    def start(self, peer):
        (self.home / "config.xml").write_text(CONFIG.format(
            folder=self.folder, me=self.device_id, peer=peer.device_id, peer_port=peer.port, port=self.port,
            gui_port=free_port(), api_key=secrets.token_hex(16)))
        self.log = open(self.home / "syncthing.log", "wb")
        env = {"STNODEFAULTFOLDER": "1", "STNOUPGRADE": "1", "HOME": str(self.home), "PATH": "/usr/bin:/bin"}
        self.process = subprocess.Popen([self.program, "serve", f"--home={self.home}", "--no-browser",
                                         "--no-restart", "--no-upgrade"], stdout=self.log,
                                        stderr=subprocess.STDOUT, env=env)

    def stop(self):
        stop_process(self.process)
        self.log.close()


def _wait_for(condition, what, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"Syncthing did not carry {what} within {seconds} s")


def _segments(folder):
    """Name and size of each segment (Syncthing writes a file under a temporary name, then renames it)."""
    return sorted((p.name, p.stat().st_size) for p in Path(folder).rglob("*.jsonl"))


def test_two_syncthing_processes_carry_a_box_folder_to_another(tmp_path):
    program = require_tool("syncthing")
    a, b = make_box(tmp_path, "Chavenay", "CHV"), make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    with at(a):
        code = books.register(villager(), {"title": "Germinal"})[0].code
    one, two = Syncthing(program, tmp_path / "st-a", tmp_path / "folder-a"), Syncthing(
        program, tmp_path / "st-b", tmp_path / "folder-b")
    one.start(two)
    two.start(one)
    try:
        cli(a, "sync", str(one.folder))
        _wait_for(lambda: _segments(two.folder) == _segments(one.folder) != [], "A's segments to B")
        cli(b, "sync", str(two.folder))
        with at(b):
            assert Book.get(Book.code == code).title == "Germinal"
        with at(b):
            write(Book.get(Book.code == code), "caught", actor=villager(), where="Feurs")
        cli(b, "sync", str(two.folder))
        _wait_for(lambda: _segments(one.folder) == _segments(two.folder), "B's segments back to A")
        cli(a, "sync", str(one.folder))
        with at(a):
            assert Book.get(Book.code == code).catches == 1
    finally:
        one.stop()
        two.stop()
