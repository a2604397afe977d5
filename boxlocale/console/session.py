"""The volunteer's console session: its own signed cookie, roles, the audit line, "console only here".

The cookie holds the volunteer's id, a fingerprint of their password hash (a new password ends every
session) and the volunteer's session epoch, kept in the database: logging out moves it on, which ends
every session of that volunteer, restarts included. It is HttpOnly, SameSite=Strict, and lapses after
12 hours without a visit. Nothing is written to disk for a visit, only at login and logout.
"""

import functools
import hashlib
import ipaddress
import json
import shutil
import subprocess
import time

from flask import abort, current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from .. import settings
from ..models import Volunteer

COOKIE = "bl_console"
IDLE_SECONDS = 12 * 3600
REFRESH_AFTER = 300  # re-sign the cookie at most every 5 minutes of activity
# What a moderator may do; an admin may do everything.
MODERATOR_CAN = {"moderate", "print"}

def _serializer(secret_key=None):
    return URLSafeTimedSerializer(secret_key or current_app.config["SECRET_KEY"], salt="boxlocale-console")


def _fingerprint(volunteer):
    return hashlib.sha256(volunteer.password_hash.encode()).hexdigest()[:16]


def _read_cookie():
    """(volunteer, signed at) from the cookie, or None."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 300:
        return None
    try:
        (volunteer_id, fingerprint, epoch), signed_at = _serializer().loads(
            token, max_age=IDLE_SECONDS, return_timestamp=True)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(volunteer_id, int) or not isinstance(epoch, int):
        return None
    volunteer = Volunteer.get_or_none(Volunteer.id == volunteer_id)
    if volunteer is None or _fingerprint(volunteer) != fingerprint or volunteer.session_epoch != epoch:
        return None
    return volunteer, signed_at.timestamp()


def signed_by_this_box(cookie_header, secret_key):
    """True when ``cookie_header`` carries a console cookie this box signed less than 12 hours ago.
    Only the signature: no database, no request (the server asks it before the app runs, see
    serving.py); the app then checks the volunteer, their role and their session as always."""
    token = parse_cookie(cookie_header or "").get(COOKIE)
    if not token or len(token) > 300:
        return False
    try:
        _serializer(secret_key).loads(token, max_age=IDLE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return False
    return True


def current_volunteer():
    """The logged-in volunteer of this request, or None (loaded now if no hook has yet)."""
    load_volunteer()
    return g.volunteer


def load_volunteer():
    """before_app_request: set g.volunteer for every request of a logged-in volunteer. Once per request
    (the request's body limit may have asked first, see web.BoxRequest); marked on the request, not on
    ``g``, which a test's app context shares between requests."""
    if getattr(request, "console_session_read", False):
        return
    request.console_session_read = True
    g.volunteer = None
    if COOKIE not in request.cookies:
        return
    if settings.get("console_local_only") and not is_local_address(request.remote_addr):
        return
    found = _read_cookie()
    if found is not None:
        g.volunteer, signed_at = found
        g.console_refresh = time.time() - signed_at > REFRESH_AFTER


def start_session(volunteer):
    g.volunteer = volunteer
    g.console_refresh = True


def end_session():
    """Log out: the volunteer's epoch moves on, so every copy of their cookie is refused (call inside
    the write transaction)."""
    volunteer = g.get("volunteer")
    if volunteer is not None:
        Volunteer.update(session_epoch=Volunteer.session_epoch + 1).where(Volunteer.id == volunteer.id).execute()
    g.volunteer = None
    g.console_logout = True


def write_cookie(response):
    """after_app_request: a new or refreshed cookie (the 12 hours start again), or its removal."""
    if g.get("console_logout"):
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
    elif g.get("volunteer") is not None and g.get("console_refresh"):
        token = _serializer().dumps([g.volunteer.id, _fingerprint(g.volunteer), g.volunteer.session_epoch])
        response.set_cookie(COOKIE, token, max_age=IDLE_SECONDS, httponly=True, samesite="Strict", path="/")
    return response


def can(permission):
    volunteer = g.get("volunteer")
    return volunteer is not None and (volunteer.role == "admin" or permission in MODERATOR_CAN)


def requires(permission):
    """View decorator: a logged-in volunteer whose role allows ``permission``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("volunteer") is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


# "Console only from the Pi itself or its wired network": the wifi is open, so a volunteer's
# password and session would otherwise cross it in clear.
_WIRED_PREFIXES = ("eth", "en")
_networks_cache = (0.0, [])


def wired_networks():
    """The networks of the Pi's wired interfaces (cached a minute), from `ip -json addr`."""
    global _networks_cache
    checked_at, networks = _networks_cache
    if time.monotonic() - checked_at < 60:
        return networks
    networks = []
    ip = shutil.which("ip")
    if ip:
        try:
            output = subprocess.run([ip, "-json", "addr"], capture_output=True, text=True, timeout=2).stdout
            for interface in json.loads(output or "[]"):
                if interface.get("ifname", "").startswith(_WIRED_PREFIXES):
                    for address in interface.get("addr_info", []):
                        networks.append(ipaddress.ip_network(
                            f"{address['local']}/{address['prefixlen']}", strict=False))
        except (OSError, ValueError, KeyError, subprocess.SubprocessError):
            networks = []
    _networks_cache = (time.monotonic(), networks)
    return networks


def phone_networks():
    """The networks that serve phones (config PHONE_NETWORK, written by the installer): in
    ``--ethernet`` mode the wired port is where the phones are, so it is never "local"."""
    networks = []
    for text in str(current_app.config.get("PHONE_NETWORK") or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            current_app.logger.warning("PHONE_NETWORK: %r is not a network, ignored", text)
    return networks


def is_local_address(address):
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if ip.is_loopback:
        return True
    if any(ip in network for network in phone_networks()):
        return False
    return any(ip in network for network in wired_networks())


def refuse_if_not_local():
    """before_request of the console: with the setting on, only localhost and the wired network."""
    if settings.get("console_local_only") and not is_local_address(request.remote_addr):
        abort(403)
