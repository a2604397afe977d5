"""Helpers of the noticeboard and people tests: phones, form posts with their CSRF token, devices."""

import secrets
from datetime import datetime

from boxlocale.devices import hash_key
from boxlocale.models import Device

from .conftest import csrf_token


def new_device(pseudonym=None, verified=False):
    return Device.create(key_hash=hash_key(secrets.token_hex(8)), pseudonym=pseudonym,
                         created_at=datetime(2026, 11, 1),
                         verified_at=datetime(2026, 11, 2) if verified else None)


def submit(phone, page, data, action=None):
    """Open ``page`` (a test client or a requests session), then post ``data`` with the form's token."""
    if hasattr(phone, "base_url"):  # a requests session of a live box
        html = phone.get(phone.base_url + page).text
        return phone.post(phone.base_url + (action or page), data={**data, "csrf_token": csrf_token(html)},
                          allow_redirects=False)
    html = phone.get(page).get_data(as_text=True)
    return phone.post(action or page, data={**data, "csrf_token": csrf_token(html)})


def post_notice(phone, **fields):
    data = {"kind": "offer", "title": "Je prête une échelle", "body": "", **fields}
    return submit(phone, "/board/new", data)


def live_phone(box, language="fr", source=None):
    phone = box.session(language, source=source)
    phone.base_url = box.url
    return phone
