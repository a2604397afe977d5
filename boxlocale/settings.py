"""Box settings that volunteers change from the console, stored in the ``setting`` table as JSON.

Read on nearly every request, so they are cached in the process; ``save`` refreshes the cache.
"""

import json
import logging
import threading

from peewee import DatabaseError

from . import clock
from .db import writing
from .models import Setting

log = logging.getLogger("boxlocale.settings")

DEFAULTS = {
    "box_name": "Box Locale",
    "village": "",
    "welcome_text": "",
    "book_prefix": "BOX",
    "default_language": "fr",
    "host_name": "box.lan",
    # The box's own address on its wifi (deploy/pi/install.sh's BOX_ADDRESS): printed in digits for
    # phones whose strict Private DNS cannot resolve the box's name.
    "box_address": "10.42.0.1",
    "wifi_ssid": "BoxLocale",
    "wifi_password": "",
    "hold_hours": 24,
    "item_expiry_days": 21,
    "notice_expiry_days": 30,
    "report_threshold": 3,
    "posts_per_hour": 10,
    "replies_per_hour": 30,
    "categories_off": [],
    "opening_hours": "",
    "portal_mode": "two_step",  # two_step | always_online | always_portal
    "console_local_only": False,
    "moderation_words": [],
    "clock_offset_seconds": 0,
    "demo_loaded": False,
    "timebank_limit_hours": 10,  # how far below zero a time bank balance may go
    "draw_hours": 24,  # how long phones may say "I'm interested" in a draw
    "draw_categories": [],  # give-box categories where every offer is drawn

}

def _parse(key, text):
    """(value, None) of a stored setting, or (None, problem): not JSON, or not of its setting's type.
    Keys this version does not know are kept as they are."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None, f"the setting {key} is not readable (not JSON)"
    if key in DEFAULTS:
        expected = type(DEFAULTS[key])
        if expected is int and isinstance(value, float):
            expected = float  # the clock offset is stored with a decimal
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            return None, f"the setting {key} has a value of the wrong kind: {str(text)[:40]}"
    return value, None


def problems_in(rows):
    """What in the ``setting`` rows ({key: stored text}) would keep the box from working."""
    return [problem for key, text in sorted(rows.items()) if (problem := _parse(key, text)[1])]


_cache = None
_lock = threading.Lock()


def _load():
    values = dict(DEFAULTS)
    for row in Setting.select():
        value, problem = _parse(row.key, row.value)
        if problem:  # the default instead: the box starts, and `boxlocale check` reports it
            log.error("%s: the default is used", problem)
        else:
            values[row.key] = value
    return values


def all_settings():
    global _cache
    if _cache is None:
        with _lock:
            if _cache is None:
                try:
                    _cache = _load()
                except DatabaseError as error:
                    # A damaged database: the defaults, not cached, so the error page still renders.
                    log.error("settings cannot be read: %s", error)
                    return dict(DEFAULTS)
                clock.set_offset(_cache["clock_offset_seconds"])
    return _cache


def get(key):
    return all_settings()[key]


def save(changes):
    """Store the given settings (unknown keys are refused) and refresh the cache."""
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown settings: {sorted(unknown)}")
    with writing():
        for key, value in changes.items():
            Setting.replace(key=key, value=json.dumps(value)).execute()
    invalidate()


def invalidate():
    global _cache
    with _lock:
        _cache = None
