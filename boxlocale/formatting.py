"""Dates and numbers as people read them, and as the API writes them."""

from datetime import UTC
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import current_app
from flask_babel import format_datetime, get_locale, get_timezone, to_user_timezone


def local_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def iso(moment):
    """Naive UTC → ISO 8601 with the box's offset (2026-11-22T14:05:00+01:00), as API.md says."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(local_zone()).isoformat(timespec="seconds")


def parse_local(text):
    """A date-time typed in the box's time zone (an <input type=datetime-local>) → naive UTC, or None."""
    from datetime import datetime

    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def date_text(moment, fmt="medium"):
    """The local date of a naive UTC moment, as Flask-Babel's format_date writes it."""
    if not moment:
        return ""
    return _day_text(to_user_timezone(moment).date(), fmt, get_locale())


@lru_cache(maxsize=512)
def _day_text(day, fmt, locale):
    # Remembered: a listing shows the same few days over and over, and Babel's formatting is slow.
    return babel_format_date(day, fmt, locale=locale)


def datetime_text(moment, fmt="medium"):
    """Flask-Babel's format_datetime, remembered: the same notices show their dates on every view."""
    if not moment:
        return ""
    return _moment_text(moment, fmt, get_locale(), get_timezone())


@lru_cache(maxsize=1024)
def _moment_text(moment, fmt, locale, zone):
    return format_datetime(moment, fmt)


def init_app(app):
    app.jinja_env.filters["datetime"] = datetime_text
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["iso"] = iso
