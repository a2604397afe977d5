"""The box's notion of now: the system clock plus an offset volunteers (or visiting phones) set.

A Pi has no clock battery and never sees the internet, so its system clock may be days off after a
power cut. Every rule that needs the time calls ``now()``; nothing else reads the clock.

Jump guard. Lapse rules (reservations, expiry) compare stored times with ``now()``, so a system clock
that suddenly leaps a year ahead would expire everything at once. ``now()`` therefore compares how far
the system clock moved since its last reading with how far the machine's boot-time clock moved (which
counts real seconds, suspend included, and nobody can set). A difference of more than ``MAX_JUMP``
(2 days) forward is a clock jump, not time passing: it is held back, so ``now()`` carries on from the
trusted time, and ``pending_jump()`` tells the console, where a volunteer either accepts it
(``accept_jump()``: the new system time was right) or sets the time from their phone
(``set_offset``, which also clears the held jump). Moving the clock backward is never held: it only
makes things lapse later. Offsets set by a volunteer are explicit and never count as a jump; the
console asks for a confirmation before moving the box's time more than ``MAX_JUMP`` forward.

Limit: the guard lives in memory. Across a restart the first reading is trusted, since a box switched
off for a week cannot tell that from a jump; fake-hwclock restores a time that is earlier, not later.
When a volunteer then sets a clock that was ahead back, what it stamped in the future is brought back
(clock_repair.py).

Tests pin the time with ``freeze()`` (a fresh start), let it pass with ``advance()``, and make the
system clock leap without time passing with ``jump_system_clock()``.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

MAX_JUMP = timedelta(days=2)

_offset = timedelta(0)
_frozen = None  # tests pin the time with freeze()
_frozen_elapsed = 0.0  # the seconds a frozen clock has really "lived" (advance), for the guard
_held = timedelta(0)  # forward jumps of the system clock not trusted yet
_last = None  # (system time, elapsed seconds) at the previous reading
_lock = threading.Lock()


def _elapsed_seconds():
    if _frozen is not None:
        return _frozen_elapsed
    return time.clock_gettime(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


def _system_now():
    return _frozen if _frozen is not None else datetime.now(UTC).replace(tzinfo=None)


def now():
    """Naive UTC datetime of the box's best idea of the real time."""
    global _last, _held
    system, elapsed = _system_now(), _elapsed_seconds()
    with _lock:
        if _last is not None:
            expected = _last[0] + timedelta(seconds=elapsed - _last[1])
            jump = system - expected
            if jump > MAX_JUMP:
                _held += jump
        _last = (system, elapsed)
        return system + _offset - _held


def pending_jump():
    """The forward jump of the system clock now() is ignoring (a timedelta; zero when none)."""
    now()  # look at the clock first: a jump shows from the first reading after it
    return _held


def accept_jump():
    """A volunteer says the system clock was right after all: stop holding its jump back."""
    global _held
    with _lock:
        _held = timedelta(0)


def set_offset(seconds):
    """The box's time is the system clock plus ``seconds``; an explicit setting clears a held jump."""
    global _offset, _held
    with _lock:
        new_offset = timedelta(seconds=float(seconds))
        if new_offset != _offset:
            _held = timedelta(0)
        _offset = new_offset


def offset_seconds():
    return _offset.total_seconds()


def system_now():
    """The raw system clock (naive UTC), for the console's comparison and for setting the offset."""
    return _system_now()


def freeze(moment):
    """Pin now() to ``moment`` (naive UTC) — for tests; ``None`` lets time run again. A fresh start."""
    global _frozen, _frozen_elapsed, _held, _last
    with _lock:
        _frozen, _frozen_elapsed, _held, _last = moment, 0.0, timedelta(0), None


def advance(**kwargs):
    """Let time pass on a frozen clock (tests)."""
    global _frozen, _frozen_elapsed
    if _frozen is None:
        freeze(now())
    step = timedelta(**kwargs)
    with _lock:
        _frozen += step
        _frozen_elapsed += step.total_seconds()


def jump_system_clock(**kwargs):
    """Make a frozen system clock leap without time passing, as a wrong clock does (tests)."""
    global _frozen
    if _frozen is None:
        freeze(now())
    with _lock:
        _frozen += timedelta(**kwargs)
