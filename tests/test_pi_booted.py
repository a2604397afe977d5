"""The Pi for real: a Debian root (debootstrap, cached in /var/cache/boxlocale-tests) booted with
systemd as PID 1 in ``systemd-nspawn -b``, its eth0 joined to a "phone" network namespace, installed
from a wheelhouse as deploy/pi/README.md says, in the ethernet mode (no radio here).

The tests of this module run in order on one booted system, each building on the one before (a
real box's life: install, serve, crash, reboot, back up, restore, update, uninstall).
BOXLOCALE_PI_SUITE=trixie boots Debian 13 instead of 12."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from . import pi_system
from .conftest import ROOT, require, require_tool
from .test_netns_portal import UDHCPC_SCRIPT

pytestmark = [pytest.mark.booted, pytest.mark.slow]

SUITE = os.environ.get("BOXLOCALE_PI_SUITE", "bookworm")
README = ROOT / "deploy" / "pi" / "README.md"
BOX = "10.42.0.1"
CHECKOUT = "/home/pi/boxlocale"
DATA = "/var/lib/boxlocale"
WATCHDOG_HOLD = 120  # seconds the watchdog must leave a healthy box alone
# What the radio of a real Pi still has to show; nothing here can (no wifi device in a container).
RADIO_CHECKS = [
    "hotspot mode: install.sh --country FR (no --ethernet) brings up the access point on wlan0",
    "rfkill: the radio is unblocked after the install and after a reboot (rfkill list)",
    "iw reg get names the --country given (channels 12 and 13 in Europe)",
    "a phone sees the SSID, joins the open (or WPA2) wifi and gets a 10.42.0.x lease with option 114",
    "the captive sheet opens on the phone (the portal test covers it in namespaces)",
    "about 10 phones at once on the onboard radio (19 with the minimal firmware)",
]


def readme_block(after):
    """The shell block of the README that follows the text ``after``, continuation lines joined."""
    text = README.read_text()
    start = text.index("```sh", text.index(after)) + len("```sh")
    return re.sub(r"\\\n\s*", " ", text[start:text.index("```", start)])


def python_version(root):
    return pi_system.chroot(root, "python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])") \
        .stdout.strip()


def dependency_wheels(version):
    """The README's `pip download` for this machine's processor, cached per command."""
    block = readme_block("## A Pi that never sees the internet")
    line = next(line for line in block.splitlines() if "pip download" in line).split("#")[0]
    line = line.replace("aarch64", "x86_64").replace("--python-version 3.11", f"--python-version {version}")
    key = pi_system.hashlib.sha256(line.encode() + (ROOT / "requirements.txt").read_bytes()).hexdigest()[:12]
    folder = pi_system.CACHE / f"wheels-{key}"
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        words = shlex.split(line, comments=True)
        words = [sys.executable, "-m", "pip", *words[words.index("pip") + 1:]]
        words[words.index("-d") + 1] = str(folder)
        subprocess.run(words, check=True, capture_output=True, timeout=600, cwd=ROOT)
        (folder / "complete").write_text(line)
    return folder


def boxlocale_wheel(out, marker=None, version=None):
    """`pip wheel --no-deps` of this checkout, or of a copy whose pages carry ``marker`` (a new build)
    and whose version number is ``version`` (unchanged when None)."""
    source = ROOT
    if marker:
        source = out.parent / f"source-{marker}"
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", "tests",
                                                                   "bench", "*.pyc"))
        base = source / "boxlocale/templates/base.html"
        base.write_text(base.read_text().replace("</body>", f"<!-- build {marker} -->\n</body>"))
        if version:
            init = source / "boxlocale/__init__.py"
            init.write_text(re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', init.read_text()))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("boxlocale-*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)


def readme_debs(suite):
    block = readme_block("download them on a Pi with the same OS")
    lines = block.splitlines()
    title = {"bookworm": "# Bookworm:", "trixie": "# Trixie:"}[suite]
    return lines[lines.index(title) + 1].split()[2:]


class Phone:
    """The phone namespace: DHCP with busybox udhcpc, DNS with busybox nslookup, HTTP with requests."""

    def __init__(self, pi, work):
        self.pi, self.work = pi, work
        self.script = work / "udhcpc.sh"
        self.script.write_text(UDHCPC_SCRIPT)
        self.script.chmod(0o755)

    def lease(self, timeout=90):
        report = self.work / "lease.env"
        report.unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pi.in_phone("busybox", "udhcpc", "-i", "phone0", "-f", "-q", "-n", "-t", "3", "-T", "1", "-O", "114",
                             "-s", str(self.script), check=False, env=dict(os.environ, LEASE_REPORT=str(report)))
            if report.exists():
                return dict(line.split("=", 1) for line in report.read_text().splitlines())
        raise AssertionError("the phone got no DHCP lease:\n" + self.pi.run(
            "nmcli device; ip addr; journalctl -b -u NetworkManager --no-pager | grep -v modprobe | tail -40", check=False).stdout)

    def lookup(self, name, kind="A"):
        return self.pi.in_phone("busybox", "nslookup", f"-type={kind}", name, BOX, check=False)

    def python(self, code, timeout=60):
        """Python in the phone namespace with ``phone``, a requests session (no proxy), at hand."""
        prelude = "import json, requests\nphone = requests.Session()\nphone.trust_env = False\n"
        result = self.pi.in_phone(sys.executable, "-c", prelude + code, timeout=timeout, check=False, cwd=ROOT)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def get(self, path, host="box.lan", timeout=30):
        return self.python(f"""
r = phone.get("http://{BOX}{path}", headers={{"Host": "{host}"}}, allow_redirects=False, timeout={timeout})
print(json.dumps({{"status": r.status_code, "body": r.text, "location": r.headers.get("Location")}}))""",
                           timeout=timeout + 30)


@pytest.fixture(scope="module")
def pi(tmp_path_factory):
    require(os.geteuid() == 0, "booting a Debian system needs root (CI runs as root)")
    for tool in ("debootstrap", "systemd-nspawn", "nsenter", "busybox", "ip"):
        require_tool(tool)
    started = time.monotonic()
    work = tmp_path_factory.mktemp(f"pi-{SUITE}")
    root = pi_system.build_root(SUITE)
    built = time.monotonic()
    version = python_version(root)

    # The checkout with its wheelhouse, as the README says, copied in as from a USB stick.
    wheelhouse = work / "wheelhouse"
    shutil.copytree(dependency_wheels(version), wheelhouse, ignore=shutil.ignore_patterns("complete"))
    boxlocale_wheel(wheelhouse)
    shutil.copytree(pi_system.download_debs(SUITE, readme_debs(SUITE)), wheelhouse / "debs",
                    ignore=shutil.ignore_patterns("complete"))

    booted = pi_system.BootedPi(SUITE, work)
    try:
        booted.prepare(root)
        checkout = booted.path(CHECKOUT)
        for part in ("deploy", "systemd"):
            shutil.copytree(ROOT / part, checkout / part)
        shutil.copytree(wheelhouse, checkout / "wheelhouse")
        pi_uid = next(line.split(":")[2] for line in booted.path("/etc/passwd").read_text().splitlines()
                      if line.startswith("pi:"))
        subprocess.run(["chown", "-R", f"{pi_uid}:{pi_uid}", str(checkout)], check=True)
        booted.boot()
        booted.work_dir, booted.phone = work, Phone(booted, work)
        booted.wheelhouse = wheelhouse
        booted.timings = {"root": built - started, "ready": time.monotonic() - started}
        yield booted
    finally:
        booted.shutdown()
        print(f"\nDebian {SUITE} booted test: root {booted.__dict__.get('timings', {}).get('root', 0):.0f} s "
              f"(cached or built), whole module {time.monotonic() - started:.0f} s")
        print("Still to check on a real Pi's radio (hotspot mode):\n  - " + "\n  - ".join(RADIO_CHECKS))


def install(pi, *options, check=True):
    """The README's install command, as the user pi from the checkout."""
    command = "sudo deploy/pi/install.sh --country FR " + " ".join(shlex.quote(o) for o in options)
    return pi.run(f"cd {CHECKOUT} && {command} 2>&1", user="pi", check=check, timeout=600)


def show(pi, unit, prop):
    return pi.run(f"systemctl show -p {prop} --value {unit}").stdout.strip()


def wait_until(check, what, timeout=60, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def test_hotspot_mode_without_a_radio_stops_before_writing_anything(pi):
    result = install(pi, "--wheelhouse", "wheelhouse", check=False)
    assert result.returncode != 0 and "no wifi interface wlan0" in result.stdout, result.stdout
    for path in ("/etc/NetworkManager/system-connections/boxlocale.nmconnection",
                 "/etc/systemd/system/boxlocale.service", "/opt/boxlocale"):
        assert not pi.path(path).exists(), f"{path} was written by a hotspot install that failed"


def test_install_from_the_wheelhouse_as_the_readme_says(pi):
    started = time.monotonic()
    result = install(pi, "--ethernet", "--wheelhouse", "wheelhouse")
    pi.timings["install"] = time.monotonic() - started
    assert "http://box.lan/" in result.stdout
    # The packages a Pi without internet lacked came from wheelhouse/debs, and none is missing.
    missing = pi.run("for p in python3-venv iw rfkill; do dpkg-query -W -f='${Status}\\n' $p; done").stdout
    assert missing.split("\n")[:3] == ["install ok installed"] * 3, missing
    assert pi.run(f"{'/opt/boxlocale/venv/bin/python'} -c 'import sys; print(sys.version)'").stdout
    # The app's own host name setting says what the installer printed.
    assert pi.run(f"runuser -u boxlocale -- /opt/boxlocale/venv/bin/boxlocale --data-dir {DATA} host-name"
                  ).stdout.strip() == "box.lan"
    again = install(pi, "--ethernet", "--wheelhouse", "wheelhouse")
    assert "wrote" not in again.stdout and "run  " not in again.stdout, again.stdout


def test_the_phone_gets_a_lease_with_option_114_and_resolves_a_and_aaaa(pi):
    lease = pi.phone.lease()
    assert lease["ip"].startswith("10.42.0.") and lease["router"] == BOX and lease["dns"].split()[0] == BOX
    assert bytes.fromhex(lease["opt114"]).decode() == "http://box.lan/.well-known/captive-portal"
    for name in ("box.lan", "connectivitycheck.gstatic.com"):
        a = pi.phone.lookup(name)
        assert a.returncode == 0 and f"Address: {BOX}" in a.stdout, a.stdout
        aaaa = pi.phone.lookup(name, "AAAA")
        assert aaaa.returncode == 0 and "REFUSED" not in aaaa.stdout, aaaa.stdout


def test_the_socket_answers_on_port_80_and_starts_the_service(pi):
    assert pi.run("systemctl is-active boxlocale.socket").stdout.strip() == "active"
    assert pi.run("systemctl is-active boxlocale.service", check=False).stdout.strip() == "inactive"
    home = pi.phone.get("/")
    assert home["status"] == 200 and "Box" in home["body"]
    health = pi.phone.get("/healthz")
    assert health["status"] == 200 and json.loads(health["body"])["ok"] is True
    assert pi.run("systemctl is-active boxlocale.service").stdout.strip() == "active"
    pi.watched_pid, pi.watched_since = show(pi, "boxlocale.service", "MainPID"), time.monotonic()
    assert pi.run(f"stat -c %a {DATA}").stdout.strip() == "750"


def test_a_photo_upload_under_the_hardened_unit(pi):
    posted = pi.phone.python("""
import re
from tests import photo_factory
from tests.conftest import csrf_token
url = "http://10.42.0.1"
form = phone.get(url + "/give/offer", headers={"Host": "box.lan"}, timeout=30).text
fields = {"csrf_token": csrf_token(form), "title": "Vélo enfant 16 pouces", "category": "enfants",
          "condition": "good", "where": "in_box", "description": "Rouge"}
r = phone.post(url + "/give/offer", data=fields, headers={"Host": "box.lan"}, timeout=60,
               files={"photo": ("IMG_2041.jpg", photo_factory.camera_jpeg(), "image/jpeg")})
code = re.search(r'href="/give/(\\w+)/manage/', r.text)
print(json.dumps({"status": r.status_code, "code": code and code.group(1)}))""", timeout=120)
    assert posted["status"] == 200 and posted["code"], posted
    pi.item = posted["code"]
    photos = pi.run(f"find {DATA}/photos -type f -name '*.jpg' | wc -l").stdout.strip()
    assert int(photos) >= 3, "the photo, its display and its small picture"
    assert pi.phone.get(f"/give/{pi.item}")["status"] == 200


def test_the_first_volunteer_as_the_readme_says(pi):
    line = re.search(r"create the first volunteer: `([^`]+)`", README.read_text()).group(1)
    added = pi.run(f"cd /home/pi && echo 'un mot de passe long' | {line}", user="pi")
    assert "volunteer Marie added" in added.stdout


def test_the_watchdog_holds_for_two_minutes_then_fires_on_a_frozen_process(pi):
    time.sleep(max(0, WATCHDOG_HOLD - (time.monotonic() - pi.watched_since)))
    assert show(pi, "boxlocale.service", "MainPID") == pi.watched_pid
    assert show(pi, "boxlocale.service", "NRestarts") == "0"
    assert pi.phone.get("/healthz")["status"] == 200

    pi.run(f"kill -STOP {pi.watched_pid}")
    frozen = time.monotonic()
    new_pid = wait_until(lambda: (pid := show(pi, "boxlocale.service", "MainPID")) not in ("0", pi.watched_pid)
                         and pid, "systemd to restart the frozen service", timeout=75)
    assert time.monotonic() - frozen >= 25, "the watchdog fired before its 30 s"
    log = pi.run("journalctl -b -u boxlocale.service --no-pager").stdout
    assert "Watchdog timeout" in log, log[-2000:]
    wait_until(lambda: pi.phone.get("/healthz")["status"] == 200, "the restarted service")
    pi.watched_pid = new_pid


def test_systemctl_kill_9_restarts_it_with_the_data(pi):
    pi.run("systemctl kill -s KILL boxlocale.service")
    wait_until(lambda: show(pi, "boxlocale.service", "MainPID") not in ("0", pi.watched_pid), "a new process")
    wait_until(lambda: pi.phone.get(f"/give/{pi.item}")["status"] == 200, "the item after kill -9")


def test_the_backup_service_and_timer(pi):
    pi.run("systemctl start boxlocale-backup.service", timeout=180)
    archives = pi.run(f"ls {DATA}/backups").stdout.split()
    assert len(archives) == 1, archives
    pi.archive = archives[0]
    # The backup unit's StateDirectory= must not open the data dir to everyone.
    assert pi.run(f"stat -c %a {DATA}").stdout.strip() == "750"
    assert pi.run("systemctl is-active boxlocale-backup.timer").stdout.strip() == "active"
    assert show(pi, "boxlocale-backup.timer", "NextElapseUSecRealtime"), "the timer has a next run"


def test_a_reboot_keeps_everything(pi):
    started = time.monotonic()
    pi.reboot()
    pi.timings["reboot"] = time.monotonic() - started
    assert pi.run("systemctl is-active boxlocale.socket boxlocale-dns-redirect.service").stdout.split() == \
        ["active", "active"]
    wait_until(lambda: pi.phone.get(f"/give/{pi.item}")["status"] == 200, "the item after the reboot", timeout=90)
    assert pi.run(f"stat -c %a {DATA}").stdout.strip() == "750"


def test_restore_on_the_booted_system_as_the_readme_says(pi):
    # Something written after the backup, that the restore takes back.
    later = pi.phone.python("""
from tests.conftest import csrf_token
url = "http://10.42.0.1"
form = phone.get(url + "/give/offer", headers={"Host": "box.lan"}, timeout=30).text
fields = {"csrf_token": csrf_token(form), "title": "Poussette après la sauvegarde", "category": "enfants",
          "condition": "good", "where": "in_box", "description": ""}
r = phone.post(url + "/give/offer", data=fields, headers={"Host": "box.lan"}, timeout=60)
print(json.dumps({"status": r.status_code}))""")
    assert later["status"] == 200
    assert "Poussette après la sauvegarde" in pi.phone.get("/give/")["body"]
    block = readme_block("To restore an archive").replace(
        "/var/lib/boxlocale/backups/ARCHIVE", f"/var/lib/boxlocale/backups/{pi.archive}")
    restored = pi.run(f"cd /home/pi && set -e\n{block}", user="pi")
    assert "restored into /var/lib/boxlocale" in restored.stdout + restored.stderr, restored
    listing = pi.phone.get("/give/")["body"]
    assert "Poussette après la sauvegarde" not in listing and "Vélo enfant 16 pouces" in listing
    assert pi.run(f"stat -c %U {DATA}/boxlocale.sqlite3").stdout.strip() == "boxlocale"
    assert pi.run(f"runuser -u boxlocale -- /opt/boxlocale/venv/bin/boxlocale --data-dir {DATA} check").returncode == 0


def test_a_new_version_and_a_rebuilt_same_version_both_take_effect(pi):
    checkout_wheels = pi.path(f"{CHECKOUT}/wheelhouse")
    for marker, version in (("v-new", "99.0.0"), ("v-same", None)):
        boxlocale_wheel(checkout_wheels, marker=marker, version=version or "99.0.0")
        if version is None:  # the same version number as the one installed, other code
            assert len(list(checkout_wheels.glob("boxlocale-99.0.0-*.whl"))) == 1
        result = install(pi, "--ethernet", "--wheelhouse", "wheelhouse")
        assert "systemctl try-restart boxlocale.service" in result.stdout, result.stdout
        wait_until(lambda m=marker: f"<!-- build {m} -->" in pi.phone.get("/")["body"], f"the page of build {marker}")
        installed = pi.run("/opt/boxlocale/venv/bin/pip show boxlocale").stdout
        assert "Version: 99.0.0" in installed


def test_a_changed_host_name_reaches_dhcp_dns_and_the_app(pi):
    result = install(pi, "--ethernet", "--wheelhouse", "wheelhouse", "--host-name", "boite.lan")
    assert "http://boite.lan/" in result.stdout
    assert "nmcli connection up boxlocale" in result.stdout, result.stdout
    lease = wait_until(lambda: (lease := pi.phone.lease()) and
                       bytes.fromhex(lease["opt114"]).decode().startswith("http://boite.lan/") and lease,
                       "option 114 naming boite.lan", timeout=120)
    assert bytes.fromhex(lease["opt114"]).decode() == "http://boite.lan/.well-known/captive-portal"
    home = pi.phone.get("/", host="boite.lan")
    assert home["status"] == 200, home  # not redirected to http://box.lan/
    assert pi.phone.get("/", host="www.example.org")["location"] == "http://boite.lan/"


def test_uninstall_keeps_the_data_and_gives_the_port_back(pi):
    # The phone side plays the home router now: it serves DHCP on the cable, as before the box.
    pi.in_phone("ip", "addr", "add", "192.168.77.1/24", "dev", "phone0")
    router = subprocess.Popen(
        ["ip", "netns", "exec", pi.phone_ns, require_tool("dnsmasq"), "--conf-file=/dev/null", "--keep-in-foreground",
         "--port=0", "--bind-interfaces", "--interface=phone0", "--except-interface=lo",
         "--dhcp-range=192.168.77.10,192.168.77.50,600", f"--dhcp-leasefile={pi.work_dir / 'router.leases'}",
         f"--pid-file={pi.work_dir / 'router.pid'}", "--user=root", "--log-facility=-"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = pi.run(f"cd {CHECKOUT} && sudo deploy/pi/uninstall.sh 2>&1", user="pi", timeout=180)
        assert "kept       /var/lib/boxlocale" in result.stdout
        assert pi.run(f"ls {DATA}/boxlocale.sqlite3 && ls {DATA}/backups | wc -l").returncode == 0
        assert not pi.path("/opt/boxlocale").exists()
        address = wait_until(
            lambda: re.search(r"inet (192\.168\.77\.\d+)/", pi.run("ip -4 addr show eth0").stdout),
            "eth0 to get an address from the home router after the uninstall", timeout=90)
        assert pi.in_phone("busybox", "ping", "-c", "1", "-W", "5", address.group(1), check=False).returncode == 0
    finally:
        router.terminate()
        router.wait(timeout=10)
    print(f"\ntimings (s): {', '.join(f'{k} {v:.0f}' for k, v in pi.timings.items())}")
