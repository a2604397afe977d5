"""Dates and numbers as people read them, and as the API writes them."""

from datetime import UTC
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import current_app, has_request_context, request
from flask_babel import get_locale


def local_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def iso(moment, zone=None):
    """Naive UTC → ISO 8601 with the box's offset (2026-11-22T14:05:00+01:00), as API.md says.
    ``zone``: ``local_zone()``, read once for a list of moments."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone or local_zone()).isoformat(timespec="seconds")


def parse_local(text):
    """A date-time typed in the box's time zone (an <input type=datetime-local>) → naive UTC, or None."""
    from datetime import datetime

    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def date_text(moment):
    """The local day of a naive UTC moment as people write it: "samedi 12 décembre", "1er décembre",
    "Saturday 12 December"; the year only when it is not this year. One format everywhere: it takes
    no format argument."""
    if not moment:
        return ""
    zone, year, language = _reading()
    return _day_text(moment.replace(tzinfo=UTC).astimezone(zone).date(), year, language)


def datetime_text(moment):
    """A naive UTC moment as people write it: "samedi 12 décembre à 20 h", "Saturday 12 December at
    20:00": no seconds, no time-zone name. One format everywhere: it takes no format argument."""
    if not moment:
        return ""
    zone, year, language = _reading()
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    return _AT.get(language, _AT["en"]).format(day=_day_text(local.date(), year, language),
                                               time=_time_text(local.hour, local.minute, language))


def span_text(start, end):
    """An event's time: "samedi 12 décembre, 20 h – 23 h 30" on one day, else both moments in full."""
    if not end:
        return datetime_text(start)
    zone, year, language = _reading()
    local_start, local_end = start.replace(tzinfo=UTC).astimezone(zone), end.replace(tzinfo=UTC).astimezone(zone)
    if local_start.date() != local_end.date():
        return f"{datetime_text(start)} – {datetime_text(end)}"
    day = _day_text(local_start.date(), year, language)
    return (f"{day}, {_time_text(local_start.hour, local_start.minute, language)} – "
            f"{_time_text(local_end.hour, local_end.minute, language)}")


def _reading():
    """(time zone, this year, language) of the dates being written: read once per request and
    language (a listing writes 20 to 40 dates, and reading these cost more than writing a date). Kept
    on the request, never on ``g`` (a test's app context lasts across requests and clock changes);
    a reading made before a ``force_locale`` is not used inside it (its locale is another object)."""
    locale = get_locale()
    if not has_request_context():
        return local_zone(), _year_now(), str(locale)
    reading = getattr(request, "date_reading", None)
    if reading is None or reading[0] is not locale:
        reading = request.date_reading = (locale, local_zone(), _year_now(), str(locale))
    return reading[1:]


def month_text(month):
    """A calendar month of the impact figures (its first day, naive UTC): "novembre 2026", "November 2026"."""
    if not month:
        return ""
    return babel_format_date(month.date() if hasattr(month, "date") else month, "LLLL yyyy", locale=str(get_locale()))


_AT = {"fr": "{day} à {time}", "en": "{day} at {time}"}


def _local(moment):
    return moment.replace(tzinfo=UTC).astimezone(local_zone())


def this_year():
    """The box's local year now (a date of another year says its year): in a request, the year its
    dates are written with (``_reading``), so the cards' keys and the dates read the clock once."""
    if has_request_context():
        return _reading()[1]
    return _year_now()


def _year_now():
    from . import clock

    return _local(clock.now()).year


@lru_cache(maxsize=1024)
def _day_text(day, this_year, language):
    # Remembered: a listing shows the same few days over and over, and Babel's names are slow to look up.
    weekday = babel_format_date(day, "EEEE", locale=language)
    month = babel_format_date(day, "MMMM", locale=language)
    number = "1er" if language == "fr" and day.day == 1 else str(day.day)
    text = f"{weekday} {number} {month}"
    return text if day.year == this_year else f"{text} {day.year}"


def _time_text(hour, minute, language):
    if language == "fr":
        return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"
    return f"{hour:02d}:{minute:02d}"


def number_text(value, digits=1):
    """A decimal as the language writes it: "3,1" in French, "3.1" in English."""
    from babel.numbers import format_decimal

    if value is None:
        return ""
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits, locale=str(get_locale()))


def size_text(count):
    """A size in bytes as people read it: "3,1 Mo", "850 ko" (English "3.1 MB", "850 KB")."""
    from flask_babel import gettext as _

    if count is None:
        return ""
    if count < 1024 * 1024:
        return _("%(size)s KB", size=number_text(count / 1024, 0))
    if count < 1024 ** 3:
        return _("%(size)s MB", size=number_text(count / 1024 ** 2))
    return _("%(size)s GB", size=number_text(count / 1024 ** 3))


def init_app(app):
    app.jinja_env.filters["datetime"] = datetime_text
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["month"] = month_text
    app.jinja_env.filters["iso"] = iso
    app.jinja_env.globals["span_text"] = span_text
    app.jinja_env.filters["number"] = number_text
    app.jinja_env.filters["size"] = size_text
