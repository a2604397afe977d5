"""What every test module shares: a device as a phone that posted before, a form posted with its CSRF
token, and the process state a test must not inherit from the one before."""

import secrets
from datetime import datetime

from boxlocale import clock, listing, pagecache, ratelimit, settings
from boxlocale.devices import Actor, hash_key
from boxlocale.models import Device, Volunteer

from .conftest import csrf_token


def reset_process_state():
    """Rate limits, the page cache, the settings cache, remembered tables, the clock. (The login lockout
    and the address holds are in the database: each app has its own.)"""
    ratelimit.reset()
    pagecache.clear()
    listing.forget_tables()
    settings.invalidate()
    clock.freeze(None)
    clock.set_offset(0)


def new_device(pseudonym=None, verified=False, created_at=None, key=None):
    """A phone's device row (call with the database open); ``key``: to send it as that phone later."""
    return Device.create(key_hash=hash_key(key or secrets.token_hex(8)), pseudonym=pseudonym,
                         created_at=created_at or datetime(2026, 11, 1),
                         verified_at=datetime(2026, 11, 2) if verified else None,
                         verified_how="volunteer" if verified else "")


def new_actor(pseudonym=None, verified=False):
    """A phone as the rules see it: an Actor with its own device row (call with the database open)."""
    return Actor(device=new_device(pseudonym, verified))


def volunteer_actor(name="Claire"):
    """A volunteer as the rules see it, with their row (call with the database open; no password: rules
    never log in)."""
    return Actor(volunteer=Volunteer.create(name=name, password_hash="-", role="admin", created_at=clock.now()))


def bearer(key):
    """The headers of an API request made with this device key."""
    return {"Authorization": f"Bearer {key}"}


def api_headers(client, language="en"):
    """A new phone on the API: the headers that carry its device key."""
    key = client.post("/api/v1/devices").get_json()["device_key"]
    return {**bearer(key), "Accept-Language": language}


def submit(phone, page, data, action=None):
    """Open ``page`` (a test client or a requests session with ``base_url``), then post ``data`` with the
    form's CSRF token."""
    if hasattr(phone, "base_url"):  # a requests session of a live box
        html = phone.get(phone.base_url + page).text
        return phone.post(phone.base_url + (action or page), data={**data, "csrf_token": csrf_token(html)},
                          allow_redirects=False)
    html = phone.get(page).get_data(as_text=True)
    return phone.post(action or page, data={**data, "csrf_token": csrf_token(html)})
