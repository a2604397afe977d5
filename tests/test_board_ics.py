"""Events and carpools as .ics files (RFC 5545): parsed back with the icalendar package."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from boxlocale.board import ics

from .board_factory import post_notice

TRICKY_TITLE = "Disco Soupe; légumes, \\ couteaux " + "é" * 60 + " fin"
TRICKY_BODY = "Apportez:\n- un couteau, un tablier;\r\n- de la bonne humeur \\o/"


@pytest.fixture
def event(app, client, frozen_clock):
    response = post_notice(client, kind="event", title=TRICKY_TITLE, body=TRICKY_BODY,
                           starts_at="2026-11-28T18:00", ends_at="2026-11-28T22:30",
                           place="Salle des fêtes, rue de l'École", contact="06 12 34 56 78")
    assert response.status_code == 201
    return client.get("/board/1/event.ics")


def test_the_ics_parses_back_to_the_event(event):
    assert event.status_code == 200 and event.mimetype == "text/calendar"
    assert "attachment" in event.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(event.data)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == TRICKY_TITLE
    assert str(vevent["DESCRIPTION"]).startswith("Apportez:\n- un couteau, un tablier;\n- de la bonne humeur \\o/")
    assert str(vevent["LOCATION"]) == "Salle des fêtes, rue de l'École"
    # 18:00 in Paris in November is 17:00 UTC
    assert vevent.decoded("DTSTART") == datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    assert vevent.decoded("DTEND") == datetime(2026, 11, 28, 21, 30, tzinfo=UTC)
    assert vevent.decoded("DTSTAMP") == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert str(vevent["UID"]).startswith("notice-1@")
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]


def test_the_ics_is_crlf_folded_at_75_octets_and_escaped(event):
    raw = event.data
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # no bare line feed
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long title was folded
    for line in lines:
        line.decode("utf-8")  # never folded inside a character
    unfolded = raw.replace(b"\r\n ", b"").decode()
    assert "SUMMARY:Disco Soupe\\; légumes\\, \\\\ couteaux" in unfolded
    assert "DTSTART:20261128T170000Z" in unfolded


def test_fold_keeps_short_lines_and_counts_octets():
    assert ics.fold("SUMMARY:Fête") == "SUMMARY:Fête\r\n"
    folded = ics.fold("X:" + "€" * 40)  # 3 octets each
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "").rstrip("\r\n") == "X:" + "€" * 40


def test_a_carpool_has_its_route_and_an_hour_by_default(app, client, frozen_clock):
    post_notice(client, kind="carpool", title="Marché de Feurs", starts_at="2026-11-26T08:00",
                place="Place de l'église", destination="Feurs", seats="3")
    vevent = icalendar.Calendar.from_ical(client.get("/board/1/event.ics").data).walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == "Place de l'église → Feurs"
    assert vevent.decoded("DTEND") - vevent.decoded("DTSTART") == timedelta(hours=1)


def test_only_dated_notices_have_an_ics(app, client, frozen_clock):
    post_notice(client, title="Je prête une échelle")
    assert client.get("/board/1/event.ics").status_code == 404
    assert client.get("/api/v1/notices/1/event.ics").status_code == 404
    assert client.get("/board/99/event.ics").status_code == 404
