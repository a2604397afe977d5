"""A Debian system booted for real for the Pi test: a root made with debootstrap from the packages of
Raspberry Pi OS Lite that matter to the box (cached on the machine), booted with ``systemd-nspawn -b``
(systemd as PID 1), its network namespace joined to a "phone" namespace by a veth pair.

The host's PID 1 need not be systemd: nspawn runs with ``--register=no --keep-unit`` inside a cgroup
made for it, and commands enter the container with ``nsenter`` (no machinectl).

Run on its own to build or check the cached root: ``python -m tests.pi_system bookworm``.
"""

import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(os.environ.get("BOXLOCALE_TEST_CACHE", "/var/cache/boxlocale-tests"))

# What Raspberry Pi OS Lite has that matters to the box. Left out on purpose, because install.sh
# must bring them from the wheelhouse's debs/ on a Pi without internet: python3-venv (and what it
# needs), iw and rfkill (hotspot mode).
PACKAGES = [
    "systemd", "systemd-sysv", "udev", "dbus", "libpam-systemd", "sudo", "procps", "kmod", "iproute2",
    "iputils-ping", "ca-certificates", "python3", "network-manager", "dnsmasq-base", "nftables", "fake-hwclock",
]
# Bump when the recipe below changes: a cached root of another recipe is rebuilt.
RECIPE = "1"


def host_mirror():
    """The Debian archive this machine's apt uses (read at run time, never written into the code)."""
    uris = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in Path(path).read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.+)$", stanza, re.M))
            if fields.get("Types", "").split()[:1] == ["deb"] and "Suites" in fields:
                suites = fields["Suites"].split()
                if any(not re.search(r"-(security|updates|backports)$", s) for s in suites):
                    uris += fields.get("URIs", "").split()
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        if os.path.exists(path):
            for line in Path(path).read_text().splitlines():
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb" and not re.search(r"-(security|updates)$", words[2]):
                    uris.append(words[1])
    for uri in uris:
        if uri.rstrip("/").endswith("/debian"):
            return uri
    raise RuntimeError("no Debian archive in this machine's apt sources")


def sh(*command, timeout=600, check=True, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} exited {result.returncode}:\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def chroot(root, *command, **kwargs):
    return sh("chroot", str(root), "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
              "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8", *command, **kwargs)


def debs_to_download(root, names):
    """Debian package names a wheelhouse's debs/ needs, as the README lists them."""
    return [name for name in names if chroot(root, "apt-cache", "show", name, check=False).returncode == 0]


def build_root(suite, log=print):
    """The cached root for ``suite`` (bookworm, trixie), built with debootstrap when absent.

    Returns (root, debs_dir): debs_dir holds ``apt-get download`` of the packages the README tells a
    helper to fetch for a Pi without internet, made in the same root with the same archive."""
    base = CACHE / f"debian-{suite}"
    root, stamp = base / "root", base / "complete"
    recipe = f"{RECIPE} {' '.join(PACKAGES)}"
    if stamp.exists() and stamp.read_text() == recipe:
        return root
    started = time.monotonic()
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    mirror = host_mirror()
    log(f"building a Debian {suite} root with debootstrap (cached in {base})")
    sh("debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, str(root), mirror,
       timeout=1800)
    # Like a Pi written by Raspberry Pi Imager: a user with sudo, a host name, no machine id yet.
    chroot(root, "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", "pi")
    (root / "etc/hostname").write_text("raspberrypi\n")
    (root / "etc/machine-id").write_text("")
    # Nothing in the container may reach for a console login or the host's time.
    for unit in ("console-getty.service", "getty@.service", "systemd-timesyncd.service"):
        (root / "etc/systemd/system" / unit).unlink(missing_ok=True)
        os.symlink("/dev/null", root / "etc/systemd/system" / unit)
    chroot(root, "apt-get", "update", "-qq", timeout=600)
    chroot(root, "apt-get", "clean")
    stamp.write_text(recipe)
    log(f"Debian {suite} root built in {time.monotonic() - started:.0f} s")
    return root


def download_debs(suite, names, log=print):
    """``apt-get download NAMES`` in the cached root (as the README says, on a Pi with the same OS),
    kept in the cache; returns the folder of .deb files."""
    root = build_root(suite, log)
    key = hashlib.sha256(" ".join(sorted(names)).encode()).hexdigest()[:12]
    folder = CACHE / f"debian-{suite}" / f"debs-{key}"
    if (folder / "complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    work = root / "tmp/debs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    chroot(root, "sh", "-c", f"cd /tmp/debs && apt-get download {' '.join(names)}", timeout=600)
    shutil.move(work, folder)
    (folder / "complete").write_text("")
    return folder


CGROUP_ROOTS = ("/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup")
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Moves the shell into the cgroups made for the container, then becomes systemd-nspawn. CAP_NET_ADMIN:
# NetworkManager and nftables configure the container's own network namespace, as on a Pi.
START = """for cgroup in "$@"; do echo $$ > "$cgroup/cgroup.procs"; done
exec systemd-nspawn --quiet --directory="$ROOT_DIR" --boot --register=no --keep-unit \\
  --machine="$MACHINE" --network-namespace-path="/run/netns/$BOX_NS" --capability=CAP_NET_ADMIN --console=pipe
"""


def _remove_cgroup(path, timeout=10):
    """Deepest first; the kernel frees a cgroup a moment after its last process is gone."""
    deadline = time.monotonic() + timeout
    while os.path.exists(path) and time.monotonic() < deadline:
        for folder, _dirs, _files in sorted(os.walk(path), key=lambda entry: -entry[0].count("/")):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        time.sleep(0.2)


class BootedPi:
    """The root booted with systemd as PID 1; its eth0 is joined to the "phone" namespace's phone0.

    The root is an overlay over the cached one, so each run starts from the same fresh system."""

    def __init__(self, suite, work):
        self.suite, self.work = suite, Path(work)
        tag = f"{os.getpid() % 100000}"
        self.machine, self.box_ns, self.phone_ns = f"blpi{tag}", f"blpibox{tag}", f"blpiphone{tag}"
        self.merged = self.work / "merged"
        self.cgroups = []
        self.process = None
        self.leader = None
        self.boots = 0

    # --- lifecycle ---------------------------------------------------------------------------
    def prepare(self, lower):
        for name in ("upper", "ovl", "merged"):
            (self.work / name).mkdir(parents=True, exist_ok=True)
        sh("mount", "-t", "overlay", "overlay", "-o",
           f"lowerdir={lower},upperdir={self.work / 'upper'},workdir={self.work / 'ovl'}", str(self.merged))
        # Raspberry Pi Imager's user has sudo without a password; the host name resolves.
        hosts = self.merged / "etc/hosts"
        hosts.write_text((hosts.read_text() if hosts.exists() else "127.0.0.1 localhost\n") + "127.0.1.1 raspberrypi\n")
        (self.merged / "etc/sudoers.d/010_pi-nopasswd").write_text("pi ALL=(ALL) NOPASSWD: ALL\n")
        (self.merged / "etc/sudoers.d/010_pi-nopasswd").chmod(0o440)
        for ns in (self.box_ns, self.phone_ns):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "eth0", "netns", self.box_ns, "type", "veth", "peer", "name", "phone0",
           "netns", self.phone_ns)
        for command in (("ip", "link", "set", "lo", "up"), ("ip", "link", "set", "phone0", "up")):
            self.in_phone(*command)
        # Hybrid hosts (this one) have cgroup2 at unified/ and systemd's own v1 tree; a pure cgroup2
        # host has it at /sys/fs/cgroup itself.
        bases = [base for base in CGROUP_ROOTS[:2] if os.path.exists(f"{base}/cgroup.procs")] or [CGROUP_ROOTS[2]]
        for base in bases:
            os.makedirs(f"{base}/{self.machine}", exist_ok=True)
            self.cgroups.append(f"{base}/{self.machine}")

    def boot(self, timeout=120):
        env = dict(os.environ, ROOT_DIR=str(self.merged), MACHINE=self.machine, BOX_NS=self.box_ns,
                   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1",
                   # The container's own network namespace: NetworkManager's shared mode writes
                   # /proc/sys/net (ip_forward), which nspawn keeps read-only without this.
                   SYSTEMD_NSPAWN_API_VFS_WRITABLE="network")
        self.boots += 1
        log = open(self.work / f"console-{self.boots}.log", "wb")
        self.process = subprocess.Popen(["sh", "-c", START, "start", *self.cgroups], env=env,
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        self.leader = None
        while self.leader is None and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited {self.process.returncode}: {self.console()}")
            # nspawn's child becomes the container's PID 1 once it has exec'd systemd.
            children = sh("ps", "-o", "pid=,comm=", "--ppid", str(self.process.pid), check=False).stdout.split()
            self.leader = int(children[0]) if children[1:2] == ["systemd"] else None
            time.sleep(0.1)
        state = ""
        while not state and time.monotonic() < deadline:  # empty until systemd's bus is up
            state = self.run("systemctl is-system-running --wait", check=False,
                             timeout=max(5, deadline - time.monotonic())).stdout.strip()
            time.sleep(0.2)
        if state not in ("running", "degraded"):
            raise RuntimeError(f"the system did not boot ({state}): {self.console()}")
        return state

    def reboot(self, timeout=120):
        self.run("systemctl reboot", check=False)
        code = self.process.wait(timeout=timeout)
        assert code == 133, f"a reboot makes systemd-nspawn exit 133, not {code}: {self.console()}"
        return self.boot(timeout)

    def shutdown(self):
        if self.process and self.process.poll() is None:
            self.run("systemctl poweroff", check=False)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        sh("umount", "-l", str(self.merged), check=False)
        for ns in (self.box_ns, self.phone_ns):
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                sh("kill", "-9", pid, check=False)
            sh("ip", "netns", "del", ns, check=False)
        for cgroup in self.cgroups:  # whatever of the container is still alive is ours to end
            for folder, _dirs, _files in os.walk(cgroup):
                for pid in Path(folder, "cgroup.procs").read_text().split() if os.path.exists(
                        f"{folder}/cgroup.procs") else []:
                    sh("kill", "-9", pid, check=False)
            _remove_cgroup(cgroup)

    def console(self):
        return (self.work / f"console-{self.boots}.log").read_text(errors="replace")[-4000:]

    # --- commands ----------------------------------------------------------------------------
    def run(self, script, check=True, timeout=120, user=None):
        """A shell script inside the booted system (as root, or as ``user`` through runuser)."""
        command = ["nsenter", f"--target={self.leader}", "--all", "--", "/usr/bin/env", "-i", PATH, "LANG=C.UTF-8",
                   "HOME=/root"]
        command += ["runuser", "-u", user, "--", "sh", "-c", script] if user else ["sh", "-c", script]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"in the Pi, `{script}` exited {result.returncode}:\n{result.stdout[-4000:]}\n"
                                 f"{result.stderr[-4000:]}")
        return result

    def in_phone(self, *command, check=True, timeout=60, **kwargs):
        return sh("ip", "netns", "exec", self.phone_ns, *command, check=check, timeout=timeout, **kwargs)

    def path(self, inside):
        """A path of the booted system, as seen from the host (through the overlay)."""
        return self.merged / inside.lstrip("/")


if __name__ == "__main__":
    print(build_root(sys.argv[1] if len(sys.argv) > 1 else "bookworm"))
