"""Times written while the box's clock was ahead, brought back when a volunteer sets it right.

A box that started with its clock a year ahead (the first reading after a start is trusted, see
clock.py) stamps everything with that year: posts, journal entries, reservations that then hold for a
year, offers that never lapse. When the clock is set back, a time later than the corrected "now"
cannot be true: it was written under the wrong clock, ``change`` too late. Such times are moved by
``change``, which gives back the real moment they were written. The deadlines a write set from the
clock (an offer's expiry, a reservation's end, a notice's expiry) move with the row's ``updated_at``;
dates people typed (an event's start and end, and the expiry taken from them) stay as they are.

Limit: a clock a little ahead for a long time leaves its early times in the past, where nothing tells
them apart; they are wrong by less than the error and harm nothing.
"""

from .board.rules import DATED_KINDS
from .db import writing
from .models import (
    AddressHold,
    Audit,
    Book,
    Device,
    Draw,
    DrawEntry,
    Flag,
    Inventory,
    Item,
    JournalEntry,
    LetterboxCode,
    LoginFailure,
    Notice,
    Photo,
    Reply,
    Thanks,
    TimeEntry,
    Volunteer,
    Vouch,
)

# Times that say when something happened: never later than now.
WRITTEN = {
    Device: ("created_at", "blocked_at", "verified_at"),
    Volunteer: ("created_at", "last_login_at"),
    Audit: ("created_at",),
    Photo: ("created_at",),
    Item: ("created_at", "updated_at", "taken_at"),
    Book: ("created_at", "updated_at"),
    JournalEntry: ("created_at",),
    Notice: ("created_at", "updated_at", "closed_at"),
    Reply: ("created_at",),
    Flag: ("created_at", "resolved_at"),
    Thanks: ("created_at",),
    TimeEntry: ("created_at", "confirmed_at", "cancelled_at"),
    Draw: ("created_at", "drawn_at", "finished_at"),
    DrawEntry: ("created_at",),
    Inventory: ("created_at",),
    Vouch: ("created_at", "withdrawn_at"),
    LetterboxCode: ("created_at", "used_at"),
    LoginFailure: ("last_failure_at",),
    AddressHold: ("held_since",),
}
# Deadlines the last write computed from the clock.
DEADLINES = {Item: ("expires_at", "reserved_until"), Notice: ("expires_at",), Draw: ("ends_at",),
             AddressHold: ("held_until",)}
# The time of a row's last write, when it is not ``updated_at`` (a draw's window is set when it is made).
LAST_WRITE = {Draw: "created_at", AddressHold: "held_since"}


def _deadlines_of(row):
    if isinstance(row, Notice) and row.kind in DATED_KINDS and row.starts_at is not None:
        return ()  # the expiry comes from the dates the poster typed
    return DEADLINES.get(type(row), ())


def bring_back_future_times(now, change):
    """After the clock was set back by ``change`` (negative) to ``now``: move every time later than
    ``now`` by ``change``. Returns how many rows changed."""
    if change.total_seconds() >= 0:
        return 0
    changed = 0
    with writing():
        for model, fields in WRITTEN.items():
            future = None
            for name in fields:
                condition = getattr(model, name) > now
                future = condition if future is None else future | condition
            for row in model.select().where(future):
                moved = [name for name in fields if getattr(row, name) is not None and getattr(row, name) > now]
                if LAST_WRITE.get(model, "updated_at") in moved:  # the last write happened under the wrong clock
                    moved += [name for name in _deadlines_of(row) if getattr(row, name) is not None]
                for name in moved:
                    setattr(row, name, getattr(row, name) + change)
                row.save(only=[getattr(model, name) for name in moved])
                changed += 1
    return changed
