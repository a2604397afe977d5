"""The box's notion of now: the system clock plus an offset volunteers (or visiting phones) set.

A Pi has no clock battery and never sees the internet, so its system clock may be days off after a
power cut. Every rule that needs the time calls ``now()``; nothing else reads the clock.
"""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen = None  # tests pin the time with freeze()


def now():
    """Naive UTC datetime of the box's best idea of the real time."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def set_offset(seconds):
    global _offset
    _offset = timedelta(seconds=float(seconds))


def offset_seconds():
    return _offset.total_seconds()


def freeze(moment):
    """Pin now() to ``moment`` (naive UTC) — for tests; ``None`` lets time run again."""
    global _frozen
    _frozen = moment


def advance(**kwargs):
    """Move a frozen clock forward (tests)."""
    global _frozen
    _frozen = (_frozen or now()) + timedelta(**kwargs)
