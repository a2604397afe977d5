"""Dates and numbers as people read them, and as the API writes them."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime


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


def init_app(app):
    app.jinja_env.filters["datetime"] = lambda m, fmt="medium": format_datetime(m, fmt) if m else ""
    app.jinja_env.filters["date"] = lambda m, fmt="medium": format_date(m, fmt) if m else ""
    app.jinja_env.filters["iso"] = iso
