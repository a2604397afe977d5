"""Helpers of the book shelf tests: register books and write journal entries as a phone would."""

import re

from boxlocale.books import rules
from boxlocale.devices import Actor

from .helpers import new_device as phone
from .helpers import submit as submit_form  # noqa: F401 - the book tests import it from here

FULL_CODE = re.compile(r"\b([A-Z0-9]{2,5}-\d{4,}-[0-9A-Z]{2}(?:[0-9A-Z]{2})?)\b")


def register(actor=None, **fields):
    """Register a book (call inside a request context) → the book."""
    actor = actor or Actor(device=phone())
    book, _held = rules.register(actor, {"title": "Germinal", **fields})
    return book


def write(book, kind, full=True, actor=None, **fields):
    """A journal entry → the entry."""
    actor = actor or Actor(device=phone())
    book.found_by_full_code = full  # as if typed from the label (full) or from the shelf (public code)
    entry, _held = rules.add_entry(book, actor, {"kind": kind, **fields})
    return entry


def full_codes(html):
    return FULL_CODE.findall(html)
