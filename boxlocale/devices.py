"""Who is asking: a phone's device key (cookie on the HTML side, bearer key on the API), a
volunteer's console session, or a private manage link. No accounts.

Reads never create a device: a phone gets its key with its first write, so browsing writes nothing.
A refused write creates none either: a new phone's device row is inserted by the first write
transaction of its request (after the checks and the limits), and its cookie is set only then.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import g, request

from . import clock
from .db import before_write, on_rollback, writing
from .errors import Forbidden, Unauthorized
from .models import AddressHold, Device

COOKIE = "bl_device"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
# A blocked phone that drops its cookie comes back as a new phone: its address is held this long,
# refusing phones new since the block (the neighbours' known phones on that address still post).
# In the database (address_hold), so a restart does not forgive it; read only by writes, never by a
# page view, and written again at most once an hour however often a blocked phone tries.
BLOCK_HOLD = timedelta(hours=12)
HOLD_REFRESH = timedelta(hours=1)


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def new_key():
    return secrets.token_urlsafe(24)  # 192 random bits


def create_device():
    """Make a device; return (device, key). The key is shown once and only its hash kept."""
    key = new_key()
    with writing():
        device = Device.create(key_hash=hash_key(key), created_at=clock.now())
    return device, key


def device_for_key(key):
    if not key or len(key) > 200:
        return None
    return Device.get_or_none(Device.key_hash == hash_key(key))


def is_api_request():
    return request.path.startswith("/api/")


def _presented_key():
    if is_api_request():
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    return request.cookies.get(COOKIE)


def current_device():
    """The device making this request, or None."""
    if "device" not in g:
        g.device = device_for_key(_presented_key())
    return g.device


def require_device():
    """The device making a write. The HTML side gets a new one, saved by the request's first write
    transaction (cookie set after the request); the API must present its bearer key."""
    device = current_device()
    if device is None:
        if is_api_request():
            raise Unauthorized()
        key = new_key()
        device = Device(key_hash=hash_key(key), created_at=clock.now())
        g.device = device
        g.new_device_key = key
    address = request.remote_addr or ""
    if device.blocked_at is not None:
        hold_address(address)
        raise Forbidden(_blocked_message())
    if _held_against(address, device):
        raise Forbidden(_blocked_message())
    g.device_address = address  # kept by the request's write (_save_new_device)
    return device


def hold_address(address):
    """Refuse new phones from ``address`` for BLOCK_HOLD (a volunteer blocked a phone there). A hold
    still running keeps its start: a phone made after it stays refused."""
    if not address:
        return
    with writing():
        now = clock.now()
        hold = _hold(address, now)
        if hold is not None and hold.held_until - now > BLOCK_HOLD - HOLD_REFRESH:
            return  # made or renewed within the hour
        since, until = (hold.held_since if hold else now), now + BLOCK_HOLD
        (AddressHold.insert(address=address, held_since=since, held_until=until)
         .on_conflict(conflict_target=[AddressHold.address],
                      update={AddressHold.held_since: since, AddressHold.held_until: until})
         .execute())


def hold_address_of(device):
    """A volunteer blocks this phone: hold the address it last wrote from."""
    hold_address(Device.get_by_id(device.id).last_address)


def release_address_of(device):
    """A volunteer unblocks this phone: its address is no longer held."""
    address = Device.get_by_id(device.id).last_address
    if address:
        with writing():
            AddressHold.delete().where(AddressHold.address == address).execute()


def _hold(address, now):
    """The running hold of ``address``, or None. Never longer than BLOCK_HOLD from now, even after the
    clock was set back."""
    hold = AddressHold.get_or_none(AddressHold.address == address)
    if hold is None or hold.held_until <= now:
        return None
    hold.held_until = min(hold.held_until, now + BLOCK_HOLD)
    return hold


def _held_against(address, device):
    hold = _hold(address, clock.now()) if address else None
    return hold is not None and (device.id is None or device.created_at >= hold.held_since)


def _save_new_device():
    """before_write: insert this request's new device inside the transaction (undone with it), and keep
    the address a known phone writes from when it changed."""
    from flask import has_request_context

    if not has_request_context():
        return
    device = g.get("device")
    if device is None:
        return
    address = g.get("device_address")
    if device.id is None and g.get("new_device_key"):
        device.last_address = address or ""
        device.save(force_insert=True)

        def forget():
            device.id = None

        on_rollback(forget)
    elif device.id is not None and address is not None and address != device.last_address:
        Device.update(last_address=address).where(Device.id == device.id).execute()
        device.last_address = address


before_write(_save_new_device)


def _blocked_message():
    from flask_babel import lazy_gettext as _l

    return _l("This phone can no longer post on the box. Please talk to a volunteer.")


def set_device_cookie(response):
    """after_request: give a phone its new key."""
    key = g.get("new_device_key")
    device = g.get("device")
    if key and device is not None and device.id is not None:
        set_key_cookie(response, key)
    return response


def set_key_cookie(response, key):
    """This phone is the device of ``key`` from now on."""
    response.set_cookie(COOKIE, key, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax", path="/")


@dataclass
class Actor:
    """Who acts, as the domain rules see it."""

    device: Device | None = None
    volunteer: object | None = None  # models.Volunteer when a console session is open
    manage_token: str | None = None  # a private manage link's token, when one was presented
    address: str | None = None  # the phone's IP address: rate limits also count per address

    @property
    def is_volunteer(self):
        return self.volunteer is not None

    def owns(self, record):
        """True when this actor posted ``record`` (by device) or holds its manage link."""
        if self.device is not None and self.device.id is not None \
                and getattr(record, "device_id", None) == self.device.id:
            return True
        manage_hash = getattr(record, "manage_hash", "")
        return bool(self.manage_token and manage_hash and hash_key(self.manage_token) == manage_hash)


def current_actor(manage_token=None, create_device_if_missing=False):
    device = require_device() if create_device_if_missing else current_device()
    return Actor(device=device, volunteer=g.get("volunteer"), manage_token=manage_token,
                 address=request.remote_addr)
