"""Helpers for the console's tests: volunteers, logging in, posting a console form, seeding posts."""

import itertools
from datetime import datetime

from boxlocale import clock
from boxlocale.console import accounts
from boxlocale.models import Book, Item, JournalEntry, Notice, Reply

from .conftest import csrf_token
from .helpers import new_device

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def add_volunteer(app, name="Claire", role="admin", password=PASSWORD):
    with app.app_context():
        return accounts.add(name, password, role)


def token_from(client):
    """A CSRF token of this client's session (the login form, or the console's log-out form)."""
    return csrf_token(client.get("/console/login", follow_redirects=True).get_data(as_text=True))


def login(client, name="Claire", password=PASSWORD, **kwargs):
    return client.post("/console/login", data={"name": name, "password": password,
                                                "csrf_token": token_from(client)}, **kwargs)


def logged_in(app, client, name="Claire", role="admin"):
    add_volunteer(app, name, role)
    assert login(client, name).status_code == 302
    return client


def post(client, path, data=None, **kwargs):
    """A console form, with the CSRF token of this client's session."""
    return client.post(path, data={**(data or {}), "csrf_token": token_from(client)}, **kwargs)


def device(pseudonym=None):
    return new_device(pseudonym, created_at=clock.now())


def item(owner=None, title="Vélo enfant", hidden=False, **fields):
    now = clock.now()
    values = dict(code=f"K{next(_serial):04d}", title=title, device=owner, manage_hash="x", created_at=now,
                  updated_at=now, expires_at=datetime(2099, 1, 1), hidden=hidden, pseudonym=owner.pseudonym or ""
                  if owner else "")
    values.update(fields)
    return Item.create(**values)


def notice(owner=None, title="Cherche covoiturage", hidden=False, **fields):
    now = clock.now()
    values = dict(kind="request", title=title, device=owner, created_at=now, updated_at=now,
                  expires_at=datetime(2099, 1, 1), hidden=hidden, pseudonym=owner.pseudonym or "" if owner else "")
    values.update(fields)
    return Notice.create(**values)


def reply(to_notice, owner=None, body="Je peux vous emmener", **fields):
    return Reply.create(notice=to_notice, body=body, device=owner, created_at=fields.pop("created_at", clock.now()),
                        **fields)


def book(owner=None, title="Le Petit Prince", **fields):
    now = clock.now()
    serial = next(_serial)
    return Book.create(code=fields.pop("code", f"BOX-{serial:04d}"), check_part="K7", title=title, device=owner,
                       created_at=fields.pop("created_at", now), updated_at=now, **fields)


def journal(of_book, kind="caught", owner=None, **fields):
    return JournalEntry.create(book=of_book, kind=kind, device=owner, created_at=fields.pop("created_at", clock.now()),
                               **fields)
