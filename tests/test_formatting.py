"""Dates as people write them, from the one formatter: the weekday and day in words, "1er", "20 h",
no seconds and no time-zone name; English day-first; the year only when it is not this year."""

import re
from datetime import datetime

import pytest
from flask_babel import force_locale

from boxlocale import clock
from boxlocale.formatting import date_text, datetime_text, month_text, span_text

from .board_factory import post_notice
from .conftest import ROOT


@pytest.fixture
def in_december(app):
    clock.freeze(datetime(2026, 12, 1, 9, 0))  # UTC; Paris is UTC+1 in winter
    with app.test_request_context("/"):
        yield
    clock.freeze(None)


@pytest.mark.parametrize("language, moment, expected", [
    ("fr", datetime(2026, 12, 12, 19, 0), "samedi 12 décembre à 20 h"),
    ("fr", datetime(2026, 12, 12, 19, 30, 17), "samedi 12 décembre à 20 h 30"),
    ("fr", datetime(2026, 12, 1, 8, 5), "mardi 1er décembre à 9 h 05"),
    ("fr", datetime(2027, 1, 1, 11, 0), "vendredi 1er janvier 2027 à 12 h"),
    ("en", datetime(2026, 12, 12, 19, 0), "Saturday 12 December at 20:00"),
    ("en", datetime(2026, 12, 1, 8, 5), "Tuesday 1 December at 09:05"),
])
def test_a_moment_reads_as_people_write_it(in_december, language, moment, expected):
    with force_locale(language):
        assert datetime_text(moment) == expected


def test_a_day_and_an_event_span(in_december):
    with force_locale("fr"):
        assert date_text(datetime(2026, 12, 1, 10, 0)) == "mardi 1er décembre"
        assert date_text(datetime(2026, 12, 31, 23, 30)) == "vendredi 1er janvier 2027"  # the box's zone
        assert span_text(datetime(2026, 12, 12, 19, 0), datetime(2026, 12, 12, 22, 30)) == \
            "samedi 12 décembre, 20 h – 23 h 30"
        assert span_text(datetime(2026, 12, 12, 19, 0), None) == "samedi 12 décembre à 20 h"
    with force_locale("en"):
        assert date_text(datetime(2026, 12, 12, 10, 0)) == "Saturday 12 December"


def test_the_event_page_says_its_date_plainly(app, client, frozen_clock):
    posted = post_notice(client, kind="event", title="Disco Soupe", starts_at="2026-12-12T20:00",
                         ends_at="2026-12-12T23:30", place="Salle des fêtes")
    notice_id = re.search(r'href="/board/(\d+)"', posted.get_data(as_text=True)).group(1)
    html = client.get(f"/board/{notice_id}").get_data(as_text=True)
    assert "samedi 12 décembre, 20 h – 23 h 30" in html
    shown = re.sub(r"<[^>]+>", "", html)  # the text people read (a <time> keeps its ISO attribute)
    assert "heure" not in shown and "20:00:00" not in shown and "12/12/2026" not in shown


def test_templates_pass_no_format_to_the_one_date_formatter():
    """One format everywhere: a template asking for "short" or "MMMM yyyy" asked for nothing (the formatter
    ignored it), and the impact page's months read "dimanche 1er novembre" instead of "novembre 2026"."""
    asked = {f"{path.relative_to(ROOT)}: {match.group(0)}"
             for path in (ROOT / "boxlocale" / "templates").rglob("*.html")
             for match in re.finditer(r"\|\s*(date|datetime)\s*\(", path.read_text())}
    assert asked == set()
    with pytest.raises(TypeError):
        datetime_text(datetime(2026, 12, 12, 19, 0), "short")


def test_a_month_of_the_impact_figures(in_december):
    with force_locale("fr"):
        assert month_text(datetime(2026, 11, 1)) == "novembre 2026"
    with force_locale("en"):
        assert month_text(datetime(2026, 11, 1)) == "November 2026"


def test_a_requests_reading_of_zone_year_and_language_follows_force_locale_and_the_next_request(app):
    """The zone, the year and the language are read once per request: never past a force_locale (a
    print in another language inside a request) nor into the next request (the year may have turned)."""
    clock.freeze(datetime(2026, 12, 31, 12, 0))
    moment = datetime(2027, 1, 2, 11, 0)
    try:
        with app.test_request_context("/", headers={"Accept-Language": "fr"}):
            assert datetime_text(moment) == "samedi 2 janvier 2027 à 12 h"
            with force_locale("en"):
                assert datetime_text(moment) == "Saturday 2 January 2027 at 12:00"
            assert date_text(moment) == "samedi 2 janvier 2027"
        clock.freeze(datetime(2027, 1, 1, 12, 0))
        with app.test_request_context("/", headers={"Accept-Language": "fr"}):
            assert datetime_text(moment) == "samedi 2 janvier à 12 h"  # this year's date: no year
    finally:
        clock.freeze(None)


def test_a_request_reads_the_clock_once_for_its_year(app, monkeypatch):
    """The cards' key (fragments) and the dates take the year from one reading of the clock per request;
    the next request reads it again."""
    from boxlocale import formatting

    readings = []
    now = clock.now

    def counted():
        readings.append(1)
        return now()

    clock.freeze(datetime(2026, 12, 31, 12, 0))
    monkeypatch.setattr(clock, "now", counted)
    try:
        with app.test_request_context("/", headers={"Accept-Language": "fr"}):
            assert formatting.this_year() == 2026 and formatting.this_year() == 2026
            assert date_text(datetime(2026, 12, 1)) == "mardi 1er décembre"
        assert len(readings) == 1
        clock.freeze(datetime(2027, 1, 1, 12, 0))
        with app.test_request_context("/", headers={"Accept-Language": "fr"}):
            assert formatting.this_year() == 2027
            assert date_text(datetime(2026, 12, 1)) == "mardi 1er décembre 2026"
        assert len(readings) == 2
        with app.app_context():
            assert formatting.this_year() == 2027  # outside a request: the clock itself
    finally:
        clock.freeze(None)
