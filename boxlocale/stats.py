"""Impact figures: what the box did, per week and in total, and what it spared (estimates).

Read straight from the domain tables; hidden posts do not count. The method, shown on the console's
figures page, is in ``WEIGHTS`` and ``CO2E_PER_KG`` below.
"""

import csv
import io
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from peewee import Cast, fn

from . import clock
from .db import database
from .models import Book, Item, JournalEntry, Notice, Reply, Thanks, TimeEntry

WEEKS = 26

# Average weight of one item, per give-box category (kg). Rounded typical weights of second-hand
# goods, in the spirit of the per-category averages French reuse operators publish (Refashion for
# textiles, ADEME's reuse sector panorama, RREUSE's reporting). They are estimates, not weighings.
WEIGHTS = {
    "vetements": 0.4, "chaussures": 0.8, "enfants": 0.8, "livres": 0.4, "maison": 1.5, "meubles": 15.0,
    "outils": 2.0, "jardin": 3.0, "electronique": 2.0, "sport": 2.0, "alimentation": 0.5, "divers": 1.0,
}
DEFAULT_WEIGHT = 1.0
BOOK_WEIGHT = 0.4  # each time a book is caught, one book read again instead of bought
# kg CO2e avoided per kg reused, rounded down from WRAP's "Benefits of Reuse" (2011) case studies
# (e.g. 1.45 t CO2e avoided per tonne of sofas reused directly) and ADEME's product footprints
# (Impact CO2): production dominates, and textiles and electronics cost the most to make new.
CO2E_PER_KG = {"vetements": 10.0, "chaussures": 10.0, "electronique": 15.0, "meubles": 1.5, "livres": 1.0}
DEFAULT_CO2E_PER_KG = 2.0
BOOK_CO2E_PER_KG = 1.0

SERIES = (
    ("items_offered", _l("Items offered")),
    ("items_taken", _l("Items taken")),
    ("books_registered", _l("Books registered")),
    ("books_caught", _l("Books caught")),
    ("notices_posted", _l("Notices posted")),
    ("notices_closed", _l("Notices closed")),
    ("replies", _l("Replies")),
    ("thanks", _l("Thanks")),
    ("devices", _l("Distinct phones")),
)

# Every dated act of a phone, for "distinct phones".
_ACTIVITY = """
    SELECT device_id, created_at AS at FROM item WHERE device_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT taken_by_id, taken_at FROM item WHERE taken_by_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT device_id, created_at FROM book WHERE device_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT device_id, created_at FROM journal_entry WHERE device_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT device_id, created_at FROM notice WHERE device_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT device_id, created_at FROM reply WHERE device_id IS NOT NULL AND hidden = 0
    UNION ALL SELECT device_id, created_at FROM thanks
"""
_DEVICES_PER_WEEK = (
    "SELECT CAST((julianday(at) - julianday(?)) / 7 AS INTEGER) AS week, COUNT(DISTINCT device_id) "
    "FROM (" + _ACTIVITY + ") WHERE at >= ? AND at < ? GROUP BY week"
)
_DEVICES_SINCE = "SELECT COUNT(DISTINCT device_id) FROM (" + _ACTIVITY + ") WHERE at >= ? AND at < ?"  # noqa: S608 (constants only)


def _queries():
    """series name -> (model, the time column, extra conditions)."""
    return {
        "items_offered": (Item, Item.created_at, [Item.kind == "offer", Item.hidden == False]),  # noqa: E712
        "items_taken": (Item, Item.taken_at, [Item.kind == "offer", Item.taken_at.is_null(False),
                                              Item.hidden == False]),  # noqa: E712
        "books_registered": (Book, Book.created_at, [Book.hidden == False]),  # noqa: E712
        "books_caught": (JournalEntry, JournalEntry.created_at, [JournalEntry.kind == "caught",
                                                                 JournalEntry.hidden == False]),  # noqa: E712
        "notices_posted": (Notice, Notice.created_at, [Notice.hidden == False]),  # noqa: E712
        "notices_closed": (Notice, Notice.closed_at, [Notice.closed_at.is_null(False),
                                                      Notice.hidden == False]),  # noqa: E712
        "replies": (Reply, Reply.created_at, [Reply.hidden == False]),  # noqa: E712
        "thanks": (Thanks, Thanks.created_at, []),
    }


def _text(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def first_week(now=None):
    """Monday 00:00 (UTC) of the oldest of the last 26 weeks."""
    today = (now or clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday(), weeks=WEEKS - 1)


def weekly(now=None):
    """{"weeks": [monday, ...], "series": {name: [count per week]}} for the last 26 weeks."""
    now = now or clock.now()
    start, end = first_week(now), now + timedelta(seconds=1)
    series = {}
    for name, (model, column, conditions) in _queries().items():
        week = Cast((fn.julianday(column) - fn.julianday(_text(start))) / 7, "INTEGER")
        rows = (model.select(week.alias("week"), fn.COUNT(model.id))
                .where(column >= start, column < end, *conditions).group_by(week).tuples())
        series[name] = _spread(rows)
    rows = database.execute_sql(_DEVICES_PER_WEEK, (_text(start), _text(start), _text(end))).fetchall()
    series["devices"] = _spread(rows)
    return {"weeks": [start + timedelta(weeks=n) for n in range(WEEKS)], "series": series}


def _spread(rows):
    counts = [0] * WEEKS
    for week, count in rows:
        if week is not None and 0 <= week < WEEKS:
            counts[week] = count
    return counts


def totals(since=None, now=None):
    """Counts between ``since`` (None: the beginning) and now, with the estimated kg and kg CO2e."""
    now = now or clock.now()
    since = since or datetime(2000, 1, 1)
    end = now + timedelta(seconds=1)
    figures = {}
    for name, (model, column, conditions) in _queries().items():
        figures[name] = model.select().where(column >= since, column < end, *conditions).count()
    figures["devices"] = database.execute_sql(_DEVICES_SINCE, (_text(since), _text(end))).fetchone()[0]
    figures.update(_savings(since, end))
    figures.update(_social(since, end))
    return figures


def _social(since, end):
    """The social-link figures: hours of help exchanged in the time bank and by how many people, new
    acquaintances and purchases avoided (the one-tap questions after a thanks, and the taker's answer)."""
    confirmed = (TimeEntry.select().where(TimeEntry.status == "confirmed", TimeEntry.confirmed_at >= since,
                                          TimeEntry.confirmed_at < end))
    minutes = confirmed.select(fn.COALESCE(fn.SUM(TimeEntry.minutes), 0)).scalar() or 0
    people = set()
    for giver, receiver in confirmed.select(TimeEntry.giver, TimeEntry.receiver).tuples():
        people.update((giver, receiver))
    in_range = (Thanks.created_at >= since) & (Thanks.created_at < end)
    bought_items = Item.select().where(Item.would_have_bought == True, Item.taken_at >= since,  # noqa: E712
                                       Item.taken_at < end).count()
    bought_other = Thanks.select().where(in_range, Thanks.would_have_bought == True,  # noqa: E712
                                         ~Thanks.target.startswith("item:")).count()
    return {
        "hours_exchanged": round(minutes / 60, 2),
        "people_exchanged": len(people),
        "new_acquaintances": Thanks.select().where(in_range, Thanks.met_someone_new == True).count(),  # noqa: E712
        "purchases_avoided": bought_items + bought_other,
    }


MONTHS = 12


def monthly(now=None):
    """The last 12 calendar months (UTC), newest first: kg reused, kg CO2e avoided, new acquaintances,
    purchases avoided, hours exchanged."""
    now = now or clock.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for _month in range(MONTHS):
        end = (start + timedelta(days=32)).replace(day=1)
        rows.append({"month": start, **_savings(start, end), **_social(start, end)})
        start = (start - timedelta(days=1)).replace(day=1)
    return rows


def _savings(since, end):
    """Estimated kg reused and kg CO2e avoided; the share of takers who would have bought it."""
    kg = co2e = 0.0
    taken = (Item.select(Item.category, fn.COUNT(Item.id))
             .where(Item.kind == "offer", Item.taken_at >= since, Item.taken_at < end,
                    Item.hidden == False)  # noqa: E712
             .group_by(Item.category).tuples())
    for category, count in taken:
        weight = WEIGHTS.get(category, DEFAULT_WEIGHT) * count
        kg += weight
        co2e += weight * CO2E_PER_KG.get(category, DEFAULT_CO2E_PER_KG)
    catches = (JournalEntry.select().where(JournalEntry.kind == "caught", JournalEntry.created_at >= since,
                                           JournalEntry.created_at < end).count())
    kg += catches * BOOK_WEIGHT
    co2e += catches * BOOK_WEIGHT * BOOK_CO2E_PER_KG
    answers = (Item.select(Item.would_have_bought, fn.COUNT(Item.id))
               .where(Item.would_have_bought.is_null(False), Item.taken_at >= since, Item.taken_at < end)
               .group_by(Item.would_have_bought).tuples())
    answered = dict(answers)
    asked = sum(answered.values())
    return {
        "kg_reused": round(kg, 1),
        "kg_co2e_avoided": round(co2e, 1),
        "would_have_bought_answers": asked,
        "would_have_bought_share": round(answered.get(True, 0) / asked, 3) if asked else None,
    }


def periods(now=None):
    """Since the start, the last 30 days and the last 7 days (the API's figures)."""
    now = now or clock.now()
    return {
        "since_start": totals(None, now),
        "last_30_days": totals(now - timedelta(days=30), now),
        "last_7_days": totals(now - timedelta(days=7), now),
    }


def weekly_csv(now=None):
    data = weekly(now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["week_start", *(name for name, _label in SERIES)])
    for index, monday in enumerate(data["weeks"]):
        writer.writerow([monday.date().isoformat(), *(data["series"][name][index] for name, _label in SERIES)])
    return out.getvalue()


def bar_chart(values, weeks, title):
    """A small SVG bar chart drawn on the server (no script, no style attribute)."""
    width, height, bar, gap, top, bottom = 26 * 12, 110, 10, 2, 14, 18
    peak = max(values) or 1
    usable = height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999" stroke-width="1"/>',
        f'<text x="0" y="10" font-size="10" fill="#555">{max(values)}</text>',
    ]
    for index, (value, monday) in enumerate(zip(values, weeks, strict=True)):
        bar_height = round(usable * value / peak) if value else 0
        x, y = index * (bar + gap), height - bottom - bar_height
        parts.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{bar_height}" fill="#1d5e3a">'
                     f'<title>{monday:%d/%m}: {value}</title></rect>')
    parts.append(f'<text x="0" y="{height - 4}" font-size="10" fill="#555">{weeks[0]:%d/%m/%Y}</text>')
    parts.append(f'<text x="{width}" y="{height - 4}" font-size="10" fill="#555" text-anchor="end">'
                 f'{weeks[-1]:%d/%m/%Y}</text></svg>')
    return Markup("".join(parts))
