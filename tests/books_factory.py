"""Helpers of the book shelf tests: register books and write journal entries as a phone would."""

import re
import secrets
from datetime import datetime

from boxlocale.books import rules
from boxlocale.devices import Actor, hash_key
from boxlocale.models import Device

from .conftest import csrf_token

FULL_CODE = re.compile(r"\b([A-Z0-9]{2,5}-\d{4,}-[0-9A-Z]{2}(?:[0-9A-Z]{2})?)\b")


def phone(pseudonym=None):
    """A device, as a phone that has posted before."""
    return Device.create(key_hash=hash_key(secrets.token_hex(8)), pseudonym=pseudonym,
                         created_at=datetime(2026, 11, 1))


def register(actor=None, **fields):
    """Register a book (call inside a request context) → the book."""
    actor = actor or Actor(device=phone())
    book, _held = rules.register(actor, {"title": "Germinal", **fields})
    return book


def write(book, kind, full=True, actor=None, **fields):
    """A journal entry → the entry."""
    actor = actor or Actor(device=phone())
    entry, _held = rules.add_entry(actor, book, full, {"kind": kind, **fields})
    return entry


def submit_form(client, page, data, action=None):
    """Open ``page`` with a test client, then post ``data`` with the form's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action or page, data={**data, "csrf_token": csrf_token(html)})


def full_codes(html):
    return FULL_CODE.findall(html)
