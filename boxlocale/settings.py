"""Box settings that volunteers change from the console, stored in the ``setting`` table as JSON.

Read on nearly every request, so they are cached in the process; ``save`` refreshes the cache.
"""

import json
import threading

from . import clock
from .db import writing
from .models import Setting

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
}

_cache = None
_lock = threading.Lock()


def _load():
    values = dict(DEFAULTS)
    for row in Setting.select():
        values[row.key] = json.loads(row.value)
    return values


def all_settings():
    global _cache
    if _cache is None:
        with _lock:
            if _cache is None:
                _cache = _load()
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
