"""The whole captive portal with real processes in network namespaces: a "box" namespace runs the
real dnsmasq with the project's own drop-in (deploy/pi/dnsmasq-boxlocale.conf, filled in as
install.sh does, only the interface name differs) on the command line NetworkManager gives it,
the project's nftables rules, and ``boxlocale serve``; a "phone" namespace joined by a veth pair gets
a DHCP lease (busybox udhcpc), resolves names through the box and walks the two steps.
No packet leaves the two namespaces; both are deleted even when the test fails."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from boxlocale.config import DEFAULTS

from .conftest import ROOT, csrf_token, require, require_tool, stop_process

BOX_ADDRESS = "10.42.0.1"
HOST_NAME = "box.lan"
ANDROID_UA = "Dalvik/2.1.0 (Linux; U; Android 13; SM-A136B Build/TP1A.220624.014)"
IOS_UA = "CaptiveNetworkSupport-481.0.1 wispr"
APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"

# udhcpc calls this on its events: configure the phone's interface and report the lease.
UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
    env | grep -E '^(ip|mask|router|dns|opt114|lease)=' > "$LEASE_REPORT"
    ;;
esac
exit 0
"""


def sh(*command, check=True):
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)


def in_ns(ns, *command, **kwargs):
    return sh("ip", "netns", "exec", ns, *command, **kwargs)


@pytest.fixture
def namespaces():
    """Two fresh namespaces ("box", "phone") joined by a veth pair; always deleted afterwards."""
    require(os.geteuid() == 0, "network namespaces need root (CI runs as root)")
    ip = require_tool("ip")
    suffix = f"{os.getpid() % 100000}"
    box, phone = f"blbox{suffix}", f"blphone{suffix}"
    box_if, phone_if = f"blb{suffix}", f"blp{suffix}"
    made = []
    try:
        for ns in (box, phone):
            result = subprocess.run([ip, "netns", "add", ns], capture_output=True, text=True)
            require(result.returncode == 0, f"cannot create a network namespace: {result.stderr.strip()}")
            made.append(ns)
            in_ns(ns, "ip", "link", "set", "lo", "up")
        sh(ip, "link", "add", box_if, "netns", box, "type", "veth", "peer", "name", phone_if, "netns", phone)
        in_ns(box, "ip", "addr", "add", f"{BOX_ADDRESS}/24", "dev", box_if)
        in_ns(box, "ip", "link", "set", box_if, "up")
        in_ns(phone, "ip", "link", "set", phone_if, "up")
        yield {"box": box, "phone": phone, "box_if": box_if, "phone_if": phone_if}
    finally:
        for ns in made:
            for pid in subprocess.run([ip, "netns", "pids", ns], capture_output=True, text=True).stdout.split():
                subprocess.run(["kill", "-9", pid], capture_output=True)
            subprocess.run([ip, "netns", "del", ns], capture_output=True)


def render(template, interface):
    """The project's template filled in exactly as install.sh does."""
    return (ROOT / "deploy" / "pi" / template).read_text().replace("@BOX_ADDRESS@", BOX_ADDRESS) \
        .replace("@HOST_NAME@", HOST_NAME).replace("@INTERFACE@", interface) \
        .replace("@CONNECTIONS_PER_ADDRESS@", str(DEFAULTS["CONNECTIONS_PER_ADDRESS"]))


class Processes:
    def __init__(self):
        self.running = []

    def start(self, command, log_path, **kwargs):
        log = open(log_path, "wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.running.append((process, log))
        return process

    def stop_all(self):
        for process, log in reversed(self.running):
            stop_process(process)
            log.close()


@pytest.fixture
def processes():
    started = Processes()
    yield started
    started.stop_all()


def wait_for(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Phone:
    """The phone agent (tests/netns_phone.py) running inside the phone namespace."""

    def __init__(self, ns, dns_server):
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, str(ROOT / "tests" / "netns_phone.py"), dns_server],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def resolve(self, name):
        return self.ask(do="resolve", name=name)["address"]

    def get(self, host, path, user_agent=ANDROID_UA):
        return self.ask(do="http", host=host, path=path, user_agent=user_agent)

    def post(self, host, path, data):
        return self.ask(do="http", method="POST", host=host, path=path, data=data)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def test_a_phone_joins_the_box_and_walks_the_two_steps(namespaces, processes, tmp_path):
    dnsmasq = require_tool("dnsmasq")
    nft = require_tool("nft")
    require_tool("busybox")
    box, phone, box_if, phone_if = (namespaces[k] for k in ("box", "phone", "box_if", "phone_if"))

    # The box: nftables rules, dnsmasq as NetworkManager starts it (shared mode), boxlocale.
    nft_file = tmp_path / "dns-redirect.nft"
    nft_file.write_text(render("dns-redirect.nft", box_if))
    in_ns(box, nft, "-f", str(nft_file))
    conf_dir = tmp_path / "dnsmasq-shared.d"
    conf_dir.mkdir()
    (conf_dir / "boxlocale.conf").write_text(render("dnsmasq-boxlocale.conf", box_if))
    leases = tmp_path / "dnsmasq.leases"
    processes.start(
        ["ip", "netns", "exec", box, dnsmasq, "--conf-file=/dev/null", "--no-hosts", "--keep-in-foreground",
         "--bind-interfaces", "--except-interface=lo", "--clear-on-reload", "--strict-order",
         f"--listen-address={BOX_ADDRESS}", "--dhcp-range=10.42.0.10,10.42.0.254,3600",
         f"--dhcp-option=option:router,{BOX_ADDRESS}", f"--dhcp-leasefile={leases}",
         f"--pid-file={tmp_path / 'dnsmasq.pid'}", f"--conf-dir={conf_dir}", "--user=root", "--log-dhcp",
         "--log-facility=-"],
        tmp_path / "dnsmasq.log",
    )
    data_dir = tmp_path / "data"
    env = dict(os.environ, BOXLOCALE_LEASES_FILE=str(leases))
    processes.start(
        ["ip", "netns", "exec", box, sys.executable, "-m", "boxlocale", "serve", "--host", "0.0.0.0",
         "--port", "80", "--data-dir", str(data_dir)],
        tmp_path / "serve.log", env=env, cwd=ROOT,
    )

    def box_ready():
        opener = ("import urllib.request as u; u.build_opener(u.ProxyHandler({}))"
                  f".open('http://{BOX_ADDRESS}/healthz', timeout=1)")
        result = in_ns(box, sys.executable, "-c", opener, check=False)
        return result.returncode == 0
    try:
        wait_for(box_ready, "boxlocale serve in the box namespace")
    except AssertionError:
        raise AssertionError((tmp_path / "serve.log").read_text()) from None

    # The phone joins: a DHCP lease, asking for option 114 as Android 11+ and iOS 14+ do.
    script = tmp_path / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    report = tmp_path / "lease.env"
    joined = subprocess.run(
        ["ip", "netns", "exec", phone, "busybox", "udhcpc", "-i", phone_if, "-f", "-q", "-n", "-t", "5",
         "-T", "1", "-O", "114", "-s", str(script)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, LEASE_REPORT=str(report)),
    )
    assert joined.returncode == 0, joined.stderr + (tmp_path / "dnsmasq.log").read_text()
    lease = dict(line.split("=", 1) for line in report.read_text().splitlines())
    assert lease["router"] == BOX_ADDRESS and lease["dns"].split()[0] == BOX_ADDRESS
    assert lease["ip"].startswith("10.42.0.")
    portal_api = f"http://{HOST_NAME}/.well-known/captive-portal"
    assert bytes.fromhex(lease["opt114"]).decode() == portal_api, "DHCP option 114 must announce the portal"
    assert lease["ip"] in leases.read_text()

    phone_agent = Phone(phone, lease["dns"].split()[0])
    try:
        for name in ("connectivitycheck.gstatic.com", "captive.apple.com", "une-adresse-quelconque.example"):
            assert phone_agent.resolve(name) == BOX_ADDRESS, name
            # AAAA: an empty answer (NOERROR) that the phone's resolver accepts, never REFUSED.
            aaaa = in_ns(phone, "busybox", "nslookup", "-type=AAAA", name, BOX_ADDRESS, check=False)
            assert aaaa.returncode == 0 and "REFUSED" not in aaaa.stdout and "Address:" not in \
                aaaa.stdout.split("Non-authoritative answer:")[-1], aaaa.stdout
        # TEST-NET-2: an address that exists nowhere; the phone's packets go to the box only.
        stray = in_ns(phone, "busybox", "nslookup", "captive.apple.com", "198.51.100.53", check=False).stdout
        assert f"Address: {BOX_ADDRESS}" in stray, "a hard-coded resolver must be answered by the box"

        # Step one: the probes see a portal; the sheet opens on the welcome page.
        android = phone_agent.get("connectivitycheck.gstatic.com", "/generate_204")
        assert android["status"] == 302 and android["location"] == f"http://{HOST_NAME}/welcome"
        apple = phone_agent.get("captive.apple.com", "/hotspot-detect.html", IOS_UA)
        assert apple["status"] == 302
        welcome = phone_agent.get(HOST_NAME, "/welcome")
        assert welcome["status"] == 200 and "Entrer dans la Box" in welcome["body"]
        elsewhere = phone_agent.get("www.lemonde.fr", "/international/")
        assert elsewhere["status"] == 302 and elsewhere["location"] == f"http://{HOST_NAME}/"

        # The tap on "Entrer dans la Box".
        tapped = phone_agent.post(HOST_NAME, "/welcome", {"csrf_token": csrf_token(welcome["body"])})
        assert tapped["status"] == 303

        # Step two: the exact "online" answers, so the phone stays on the wifi.
        android = phone_agent.get("connectivitycheck.gstatic.com", "/generate_204")
        assert android["status"] == 204 and android["body"] == ""
        apple = phone_agent.get("captive.apple.com", "/hotspot-detect.html", IOS_UA)
        assert apple["status"] == 200 and apple["body"] == APPLE_SUCCESS
        windows = phone_agent.get("www.msftconnecttest.com", "/connecttest.txt", "Microsoft NCSI")
        assert windows["status"] == 200 and windows["body"] == "Microsoft Connect Test"
        home = phone_agent.get(HOST_NAME, "/")
        assert home["status"] == 200
    finally:
        phone_agent.close()

    # No way out of the two namespaces: the box knows only the phone's link.
    assert in_ns(box, "ip", "-4", "route").stdout.split("\n")[0].startswith("10.42.0.0/24 dev " + box_if)
    assert len(in_ns(box, "ip", "-4", "route").stdout.strip().splitlines()) == 1
    assert re.search(r"DHCPACK\(" + re.escape(box_if), (tmp_path / "dnsmasq.log").read_text())
