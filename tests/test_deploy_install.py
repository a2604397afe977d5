"""The Pi install: systemd units that verify and are hardened (exposure <= 1.5), scripts that pass
shellcheck, and install.sh / uninstall.sh run against a fake root folder."""

import os
import re
import shutil
import subprocess

import pytest

from boxlocale.config import DEFAULTS

from .conftest import ROOT, require_tool

PI = ROOT / "deploy" / "pi"
UNITS = ["boxlocale.socket", "boxlocale.service", "boxlocale-backup.service", "boxlocale-backup.timer"]
SERVICES = ["boxlocale.service", "boxlocale-backup.service"]
SCRIPTS = [PI / "install.sh", PI / "uninstall.sh", PI / "nightly-backup.sh"]
EXPECTED_FILES = [
    "etc/systemd/system/boxlocale.socket", "etc/systemd/system/boxlocale.service",
    "etc/systemd/system/boxlocale-backup.service", "etc/systemd/system/boxlocale-backup.timer",
    "etc/systemd/system/boxlocale-dns-redirect.service", "opt/boxlocale/bin/boxlocale-nightly-backup",
    "opt/boxlocale/README.md", "etc/boxlocale/boxlocale.env", "etc/boxlocale/dns-redirect.nft",
    "etc/NetworkManager/dnsmasq-shared.d/boxlocale.conf",
    "etc/NetworkManager/system-connections/boxlocale.nmconnection", "etc/systemd/journald.conf.d/boxlocale.conf",
]
# The network of boxes: a stick labelled BOXNET runs its own unit, started by a udev rule.
BOXNET_FILES = ["etc/systemd/system/boxlocale-boxnet@.service", "etc/udev/rules.d/99-boxlocale-boxnet.rules"]


def install(root, *options):
    result = subprocess.run(["bash", str(PI / "install.sh"), "--country", "FR", "--root", str(root), *options],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def snapshot(root):
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def fake_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return root


def test_dry_run_lists_every_file_and_writes_nothing(fake_root):
    output = install(fake_root, "--dry-run")
    for path in EXPECTED_FILES:
        assert re.search(rf"^would write /{re.escape(path)} \(new", output, re.M), path
    assert list(fake_root.iterdir()) == []


def test_install_writes_the_files_and_a_second_run_changes_nothing(fake_root):
    install(fake_root, "--ssid", "BoxLocale-Chavenay", "--password", "chavenay2026", "--host-name", "boite.lan")
    for path in EXPECTED_FILES:
        assert (fake_root / path).is_file(), path
    connection = (fake_root / EXPECTED_FILES[10]).read_text()
    assert "mode=ap" in connection and "ssid=BoxLocale-Chavenay" in connection
    assert "psk=chavenay2026" in connection and "method=shared" in connection
    assert "address1=10.42.0.1/24" in connection
    assert oct((fake_root / EXPECTED_FILES[10]).stat().st_mode & 0o777) == "0o600"
    dns = (fake_root / EXPECTED_FILES[9]).read_text()
    assert "address=/#/10.42.0.1" in dns and 'dhcp-option=114,"http://boite.lan/.well-known/captive-portal"' in dns
    assert "BOXLOCALE_LEASES_FILE=/var/lib/NetworkManager/dnsmasq-wlan0.leases" in \
        (fake_root / "etc/boxlocale/boxlocale.env").read_text()
    assert (fake_root / "opt/boxlocale/bin/boxlocale-nightly-backup").stat().st_mode & 0o111
    assert "Storage=volatile" in (fake_root / EXPECTED_FILES[-1]).read_text()

    before = snapshot(fake_root)
    again = install(fake_root, "--ssid", "BoxLocale-Chavenay", "--password", "chavenay2026",
                    "--host-name", "boite.lan")
    assert "nothing to change" in again and "wrote" not in again
    assert snapshot(fake_root) == before
    dry = install(fake_root, "--ssid", "BoxLocale-Chavenay", "--password", "chavenay2026",
                  "--host-name", "boite.lan", "--dry-run")
    assert "would write" not in dry and "nothing to change" in dry


def test_a_changed_option_changes_only_what_it_touches(fake_root):
    install(fake_root)
    changed = install(fake_root, "--channel", "11", "--dry-run")
    assert re.findall(r"^would write (\S+)", changed, re.M) == [
        "/etc/NetworkManager/system-connections/boxlocale.nmconnection"]


def test_a_second_run_knows_what_it_changed_to_restart_it(fake_root):
    """What put writes is noted as changed (it must not run in a pipe's subshell), so a live run
    restarts what needs it: the network for a new host name, the app for a new environment."""
    install(fake_root)
    renamed = install(fake_root, "--host-name", "boite.lan")
    assert re.search(r"^changed +network$", renamed, re.M), renamed
    moved = install(fake_root, "--host-name", "boite.lan", "--interface", "eth1", "--ethernet")
    assert set(re.search(r"^changed +(.*)$", moved, re.M).group(1).split()) == {"app", "firewall", "network"}


def test_the_host_name_command_sets_what_the_app_serves(tmp_path):
    """install.sh --host-name runs `boxlocale host-name NAME`: the app then redirects to that name."""
    import sys

    from boxlocale import create_app, settings

    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "host-name"]
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip() == "box.lan"
    subprocess.run([*command, "Boite.lan"], capture_output=True, check=True)
    refused = subprocess.run([*command, "pas un nom"], capture_output=True, text=True)
    assert refused.returncode == 2 and "host name" in refused.stderr
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip() == "boite.lan"
    settings.invalidate()
    try:
        client = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "LOG_REQUESTS": False}).test_client()
        assert client.get("/", headers={"Host": "boite.lan"}).status_code == 200
        assert client.get("/x", headers={"Host": "www.example.org"}).headers["Location"] == "http://boite.lan/"
    finally:
        settings.invalidate()


def test_every_unit_with_the_data_dir_keeps_it_private():
    """systemd applies StateDirectoryMode= (0755 when absent) each time a unit with StateDirectory=
    starts: the backup unit must say 0750 as the service does."""
    for unit in SERVICES:
        text = (ROOT / "systemd" / unit).read_text()
        assert "StateDirectory=boxlocale" in text and "StateDirectoryMode=0750" in text, unit


def test_the_readme_restore_stops_the_box_and_names_the_data_dir():
    readme = (PI / "README.md").read_text()
    block = readme[readme.index("To restore an archive"):]
    block = block[:block.index("```", block.index("```sh") + 5)]
    stop = block.index("systemctl stop boxlocale.socket boxlocale.service")
    restore = block.index("boxlocale --data-dir /var/lib/boxlocale restore ")
    assert stop < restore < block.index("systemctl start boxlocale.socket")


def test_open_wifi_by_default_and_the_ethernet_mode(fake_root, tmp_path):
    install(fake_root)
    assert "[wifi-security]" not in (fake_root / EXPECTED_FILES[10]).read_text()
    ethernet_root = tmp_path / "ethernet"
    install(ethernet_root, "--ethernet")
    connection = (ethernet_root / EXPECTED_FILES[10]).read_text()
    assert "type=ethernet" in connection and "interface-name=eth0" in connection and "[wifi]" not in connection
    environment = (ethernet_root / "etc/boxlocale/boxlocale.env").read_text()
    assert "dnsmasq-eth0.leases" in environment
    assert "BOXLOCALE_PHONE_NETWORK=10.42.0.1/24" in environment  # the phones' port is never "local"
    assert 'iifname "eth0"' in (ethernet_root / "etc/boxlocale/dns-redirect.nft").read_text()


def test_samsung_option_adds_a_public_looking_address(fake_root):
    install(fake_root, "--samsung-address", "203.0.113.1")
    assert "address2=203.0.113.1/32" in (fake_root / EXPECTED_FILES[10]).read_text()
    assert "/connectivitycheck.gstatic.com/" in (fake_root / EXPECTED_FILES[9]).read_text()


def test_the_country_is_required(fake_root):
    result = subprocess.run(["bash", str(PI / "install.sh"), "--root", str(fake_root)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "--country" in result.stderr


def test_uninstall_keeps_the_data_unless_purged(fake_root):
    install(fake_root)
    data = fake_root / "var/lib/boxlocale"
    data.mkdir(parents=True)
    (data / "boxlocale.sqlite3").write_bytes(b"precious")
    assert all((fake_root / path).is_file() for path in BOXNET_FILES)
    subprocess.run(["bash", str(PI / "uninstall.sh"), "--root", str(fake_root)], check=True,
                   capture_output=True, timeout=60)
    assert not any((fake_root / path).exists() for path in EXPECTED_FILES + BOXNET_FILES)
    assert (data / "boxlocale.sqlite3").read_bytes() == b"precious"
    subprocess.run(["bash", str(PI / "uninstall.sh"), "--root", str(fake_root), "--purge"], check=True,
                   capture_output=True, timeout=60)
    assert not data.exists()


def test_the_firewall_cap_is_the_apps_own_constant(fake_root, tmp_path):
    """`ct count` is written from CONNECTIONS_PER_ADDRESS (boxlocale/config.py), never typed twice: a
    checkout with another value installs a rule with that value."""
    install(fake_root)
    cap = DEFAULTS["CONNECTIONS_PER_ADDRESS"]
    rule = (fake_root / "etc/boxlocale/dns-redirect.nft").read_text()
    assert f"ip saddr ct count over {cap} }}" in rule and "@" not in rule.replace("@phone_connections", "")
    checkout = tmp_path / "checkout"
    for folder in ("deploy", "systemd"):
        shutil.copytree(ROOT / folder, checkout / folder)
    (checkout / "boxlocale").mkdir()
    config = (ROOT / "boxlocale" / "config.py").read_text()
    (checkout / "boxlocale" / "config.py").write_text(
        config.replace(f'"CONNECTIONS_PER_ADDRESS": {cap},', '"CONNECTIONS_PER_ADDRESS": 7,'))
    other_root = tmp_path / "other"
    other_root.mkdir()
    result = subprocess.run(["bash", str(checkout / "deploy/pi/install.sh"), "--country", "FR", "--root",
                             str(other_root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ip saddr ct count over 7 }" in (other_root / "etc/boxlocale/dns-redirect.nft").read_text()


def test_shell_scripts_pass_shellcheck():
    shellcheck = require_tool("shellcheck")
    result = subprocess.run([shellcheck, "--severity=style", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_units_verify_as_installed(fake_root):
    """systemd-analyze verify on the units install.sh wrote, in a root that has systemd's own units."""
    analyze = require_tool("systemd-analyze")
    install(fake_root)
    system_units = next((p for p in ("/usr/lib/systemd/system", "/lib/systemd/system") if os.path.isdir(p)), None)
    assert system_units, "systemd's own units are missing"
    shutil.copytree(system_units, fake_root / "usr/lib/systemd/system", symlinks=True)
    for program in ("opt/boxlocale/venv/bin/boxlocale", "usr/sbin/nft"):  # what pip and apt would install
        (fake_root / program).parent.mkdir(parents=True, exist_ok=True)
        (fake_root / program).write_text("#!/bin/sh\n")
        (fake_root / program).chmod(0o755)
    result = subprocess.run([analyze, "verify", f"--root={fake_root}", *UNITS, "boxlocale-dns-redirect.service"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), \
        result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_services_are_hardened(service):
    analyze = require_tool("systemd-analyze")
    result = subprocess.run([analyze, "security", "--offline=true", "--no-pager", str(ROOT / "systemd" / service)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 1.5, result.stdout


def test_socket_activation_and_watchdog_are_wired():
    service = (ROOT / "systemd" / "boxlocale.service").read_text()
    for line in ("Type=notify", "WatchdogSec=", "Restart=always", "StartLimitIntervalSec=0", "User=boxlocale",
                 "StateDirectory=boxlocale", "PrivateNetwork=yes", "CapabilityBoundingSet=\n", "MemoryMax="):
        assert line in service, line
    assert "ListenStream=80" in (ROOT / "systemd" / "boxlocale.socket").read_text()


# NetworkManager as install.sh sees it: `nmcli` that records its calls, says which connection is up on
# the interface, and refuses to bring up a connection file holding the SSID in $REFUSED_SSID.
FAKE_NMCLI = r"""#!/bin/bash
echo "$*" >> "$FAKE_LOG"
case "$*" in
  "-g GENERAL.CONNECTION device show "*) echo "$PREVIOUS" ;;
  "-t -f NAME connection show --active") echo "$PREVIOUS" ;;
  "connection up boxlocale")
    if grep -q "ssid=$REFUSED_SSID" "$FAKE_ROOT/etc/NetworkManager/system-connections/boxlocale.nmconnection" \
       2>/dev/null; then
      echo "Error: Connection activation failed: No suitable device found for this connection." >&2
      exit 4
    fi ;;
esac
exit 0
"""


def _bring_up(tmp_path, root, previous, *options):
    """install.sh's live network steps, sourced in bash with the fake nmcli first on PATH: keep the files,
    write the new ones, bring the connection up. (status, output, nmcli calls)"""
    shims = tmp_path / "bin"
    shims.mkdir(exist_ok=True)
    (shims / "nmcli").write_text(FAKE_NMCLI)
    (shims / "nmcli").chmod(0o755)
    log, temporary = tmp_path / "nmcli.log", tmp_path / "tmp"
    log.unlink(missing_ok=True)
    temporary.mkdir(exist_ok=True)
    script = (f'source "{PI / "install.sh"}" --country FR --root "{root}" {" ".join(options)}\n'
              "read_connections_per_address\nLIVE=1\nkeep_network_files\ninstall_files\nbring_up_network\n"
              "echo 'network up'\n")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PATH=f"{shims}:{os.environ['PATH']}", FAKE_LOG=str(log),
                                     FAKE_ROOT=str(root), PREVIOUS=previous, REFUSED_SSID="Refusee",
                                     TMPDIR=str(temporary)))
    calls = log.read_text().splitlines() if log.exists() else []
    assert list(temporary.iterdir()) == []  # the files kept aside are gone at the end
    return result.returncode, result.stdout + result.stderr, calls


def test_a_connection_networkmanager_refuses_is_rolled_back(fake_root, tmp_path):
    """`nmcli connection up` failing after the files are written puts the files back as they were and
    brings the connection that was up before up again: the Pi keeps its network (and the SSH session)."""
    install(fake_root, "--ssid", "Ancienne")  # the box as it runs today
    files = [fake_root / EXPECTED_FILES[9], fake_root / EXPECTED_FILES[10]]
    before = {path: (path.read_bytes(), path.stat().st_mode) for path in files}

    status, output, calls = _bring_up(tmp_path, fake_root, "boxlocale", "--ssid", "Refusee", "--channel", "11")
    assert status == 2 and "network up" not in output
    assert "putting the network back as it was" in output and "the network was not changed" in output
    assert {path: (path.read_bytes(), path.stat().st_mode) for path in files} == before
    assert calls[-3:] == ["connection up boxlocale", "connection reload", "connection up id boxlocale"]

    # An accepted connection stays, and nothing is put back.
    status, output, calls = _bring_up(tmp_path, fake_root, "boxlocale", "--ssid", "Nouvelle")
    assert status == 0 and "network up" in output and "put back" not in output
    assert "ssid=Nouvelle" in files[1].read_text()
    assert calls[-1] == "connection up boxlocale"


def test_a_first_install_refused_by_networkmanager_leaves_the_ethernet_as_it_was(tmp_path):
    """No boxlocale connection before (the Pi on its "Wired connection 1", reached by SSH): the new files
    are removed and the wired connection comes back."""
    root = tmp_path / "root"
    root.mkdir()
    status, output, calls = _bring_up(tmp_path, root, "Wired connection 1", "--ssid", "Refusee")
    assert status == 2
    assert not (root / EXPECTED_FILES[9]).exists() and not (root / EXPECTED_FILES[10]).exists()
    assert "removed    /etc/NetworkManager/system-connections/boxlocale.nmconnection" in output
    assert calls[-2:] == ["connection reload", "connection up id Wired connection 1"]
