"""nftables on the Pi caps open connections per phone address (deploy/pi/dns-redirect.nft, `ct count`,
filled in with the app's CONNECTIONS_PER_ADDRESS): the real rules and the real ``boxlocale serve`` in a
"box" namespace, a laptop in a "phone" one."""

import subprocess
import sys
import time

import pytest

from boxlocale.config import DEFAULTS

from .conftest import require_tool, stop_process
from .test_netns_portal import BOX_ADDRESS, in_ns, namespaces, render  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

PROBE = """
import sys, urllib.request
try:
    print(urllib.request.urlopen(f"http://{sys.argv[1]}/healthz", timeout=2).status)
except OSError:
    print(0)
"""
OPEN_MANY = """
import socket, sys, time
held, refused = [], 0
for _ in range(int(sys.argv[2])):
    try:
        held.append(socket.create_connection((sys.argv[1], 80), timeout=3))
    except OSError:
        refused += 1
print(len(held), refused)
"""


def test_nftables_caps_connections_per_address(namespaces, tmp_path):  # noqa: F811
    require_tool("nft")
    box, phone = namespaces["box"], namespaces["phone"]
    rules = tmp_path / "rules.nft"
    rules.write_text(render("dns-redirect.nft", namespaces["box_if"]))
    in_ns(box, "nft", "-f", str(rules))
    in_ns(phone, "ip", "addr", "add", "10.42.0.50/24", "dev", namespaces["phone_if"])
    data = tmp_path / "data"
    data.mkdir()
    server = subprocess.Popen(
        ["ip", "netns", "exec", box, sys.executable, "-m", "boxlocale", "serve", "--host", "0.0.0.0",
         "--port", "80", "--data-dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"BOXLOCALE_CONNECTIONS_PER_ADDRESS": "0", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            probe = in_ns(phone, sys.executable, "-c", PROBE, BOX_ADDRESS, check=False)
            if probe.stdout.strip() == "200":
                break
            time.sleep(0.2)
        cap = DEFAULTS["CONNECTIONS_PER_ADDRESS"]  # the app's own constant: install.sh writes it in the rule
        held, refused = map(int, in_ns(phone, sys.executable, "-c", OPEN_MANY, BOX_ADDRESS, str(cap + 16)
                                       ).stdout.split())
        assert (held, refused) == (cap, 16)
    finally:
        stop_process(server)
