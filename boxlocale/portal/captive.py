"""The captive portal: what phones' connectivity probes get, and which phones have tapped "enter".

Phones probe well-known URLs when they join a wifi; the box's DNS answers every name with the box,
so the probes land here. Two steps per phone (box setting ``portal_mode`` = ``two_step``): until the
person taps "Entrer dans la Box" on the welcome page, every probe gets a redirect to it (the phone
opens its sign-in sheet); afterwards that phone's probes get the exact "online" answers, so the
phone stays on the wifi instead of falling back to mobile data. ``always_online`` answers "online"
to everyone (quiet, PirateBox-style); ``always_portal`` never does.

Who tapped is kept in memory, keyed by the phone's address (nothing is written to disk). A phone
that gets a *new* DHCP lease starts again at step one: the app re-reads dnsmasq's lease file
(``LEASES_FILE``) when its modification time changes, and forgets an address whose lease is gone,
now belongs to another MAC, or had lapsed before it was renewed.
"""

import functools
import ipaddress
import os
import threading
import time

APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
FIREFOX_CANONICAL = '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
KINDLE_STUB = "<html><head></head><body>81ce4465-7167-4dcb-835b-dcc9e44c112a</body></html>"

# Probe path -> (status, body, content type) of the answer that means "this network is online".
# Paths, not hosts: every name resolves to the box, and none of these paths is a page of the box.
ONLINE_ANSWERS = {
    # Android: connectivitycheck.gstatic.com, clients3.google.com, connectivitycheck.android.com,
    # www.google.com. 204 = online; a 302 (or a 200 with a body) = portal.
    "/generate_204": (204, "", None),
    "/gen_204": (204, "", None),
    # Apple: captive.apple.com. The exact page = online, anything else = portal.
    "/hotspot-detect.html": (200, APPLE_SUCCESS, "text/html"),
    "/library/test/success.html": (200, APPLE_SUCCESS, "text/html"),
    # Windows: www.msftconnecttest.com and www.msftncsi.com.
    "/connecttest.txt": (200, "Microsoft Connect Test", "text/plain"),
    "/ncsi.txt": (200, "Microsoft NCSI", "text/plain"),
    # Firefox: detectportal.firefox.com.
    "/canonical.html": (200, FIREFOX_CANONICAL, "text/html"),
    "/success.txt": (200, "success\n", "text/plain"),
    # Linux desktops (NetworkManager): nmcheck.gnome.org.
    "/check_network_status.txt": (200, "NetworkManager is online\n", "text/plain"),
    # Kindle: spectrum.s3.amazonaws.com.
    "/kindle-wifi/wifistub.html": (200, KINDLE_STUB, "text/html"),
}
# Windows opens this one in the browser when it found a portal.
WINDOWS_PORTAL_PATH = "/redirect"


@functools.lru_cache(maxsize=64)  # asked on every request (a shared page too); phones send a few hosts
def served_as_is(host, box_host):
    """True for the box's own name, an IP address or localhost: no redirect to the box's name."""
    name = host.lower()
    if name.startswith("["):  # [IPv6]:port
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if name in ("", "localhost", box_host.lower()):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class LeaseFile:
    """dnsmasq's lease file (``expiry mac ip name client-id`` per line), re-read when it changes."""

    def __init__(self, path):
        self.path = path
        self._stamp = None
        self.leases = {}  # address -> (mac, expiry epoch seconds; 0 = infinite)

    def refresh(self):
        """Re-read the file if it changed; True when it did."""
        if not self.path:
            return False
        try:
            stat = os.stat(self.path)
        except OSError:
            stamp = None
        else:
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self.leases = self._parse() if stamp else {}
        return True

    def _parse(self):
        leases = {}
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    fields = line.split()
                    if len(fields) >= 3 and fields[0].isdigit():
                        leases[fields[2]] = (fields[1].lower(), int(fields[0]))
        except OSError:
            pass
        return leases


class PortalState:
    """Which phones (by address) tapped "enter" since their DHCP lease began. In memory only."""

    def __init__(self, leases_file=""):
        self._leases = LeaseFile(leases_file)
        self._entered = {}  # address -> (mac, expiry) of its lease when last seen, or None
        self._lock = threading.Lock()

    def has_entered(self, address):
        with self._lock:
            self._follow_leases()
            return address in self._entered

    def enter(self, address):
        with self._lock:
            self._follow_leases()
            self._entered[address] = self._leases.leases.get(address)

    def _follow_leases(self):
        if not self._leases.refresh():
            return
        now = time.time()
        for address, seen in list(self._entered.items()):
            lease = self._leases.leases.get(address)
            if self._is_new_lease(seen, lease, now):
                del self._entered[address]
            else:
                self._entered[address] = lease

    @staticmethod
    def _is_new_lease(seen, lease, now):
        if lease is None:
            return True  # released or expired: whoever comes next with this address is new
        if seen is None:
            return True  # the phone had no lease when it tapped: this one is new
        mac, expiry = seen
        if lease[0] != mac:
            return True
        # Phones renew before expiry; a lease that had lapsed and came back is a new visit.
        return expiry != 0 and expiry < now and lease[1] != expiry


def portal_state(app):
    """The app's one PortalState."""
    state = app.extensions.get("boxlocale_portal")
    if state is None:
        state = app.extensions.setdefault("boxlocale_portal", PortalState(app.config.get("LEASES_FILE", "")))
    return state
