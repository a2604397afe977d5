"""An event or a carpool as an iCalendar file (RFC 5545), written by hand: phones add it offline."""

from datetime import timedelta

from flask import Response, url_for

from .. import clock, settings
from ..errors import NotFound

LINE_OCTETS = 75
DEFAULT_LENGTH = timedelta(hours=1)  # an event given with a start only


def escape(text):
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newlines."""
    text = (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line):
    """Fold a content line at 75 octets (3.1), never inside a UTF-8 character; CRLF at the end."""
    pieces, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > LINE_OCTETS:
            pieces.append(current)
            current, size = " ", 1  # a continuation line starts with one space, which counts
        current += char
        size += octets
    pieces.append(current)
    return "\r\n".join(pieces) + "\r\n"


def utc(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


def notice_ics(notice, host, url):
    """The .ics text of a dated notice (times are naive UTC in the store, written with Z)."""
    location = notice.place
    if notice.kind == "carpool" and notice.destination:
        location = f"{notice.place} → {notice.destination}" if notice.place else notice.destination
    description = "\n\n".join(part for part in (notice.body, notice.contact, url) if part)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//boxlocale//noticeboard//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:notice-{notice.id}@{host}",
        f"DTSTAMP:{utc(clock.now())}",
        f"DTSTART:{utc(notice.starts_at)}",
        f"DTEND:{utc(notice.ends_at or notice.starts_at + DEFAULT_LENGTH)}",
        f"SUMMARY:{escape(notice.title)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) for line in lines)


def ics_response(notice):
    """The .ics download of a dated notice (404 for the others): the board's page and the API's."""
    from .rules import has_calendar

    if not has_calendar(notice):
        raise NotFound()
    url = url_for("board.notice", notice_id=notice.id, _external=True)
    body = notice_ics(notice, settings.get("host_name"), url)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="notice-{notice.id}.ics"',
    })
