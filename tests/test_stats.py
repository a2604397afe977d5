"""Impact figures on a seeded history: weekly counts, totals, estimated kg and kg CO2e, the share of
takers who would have bought it, the CSV, the SVG charts and GET /api/v1/stats."""

import csv
import io
from datetime import datetime, timedelta

import pytest

from boxlocale import stats
from boxlocale.models import Thanks

from .console_helpers import book, device, item, journal, logged_in, notice, reply

NOW = datetime(2026, 11, 22, 12, 0)  # a Sunday: the current week started on Monday 16 November
THIS_WEEK = datetime(2026, 11, 20, 10, 0)
FIVE_WEEKS_AGO = THIS_WEEK - timedelta(weeks=5)
LONG_AGO = THIS_WEEK - timedelta(weeks=40)


@pytest.fixture
def history(app, db, frozen_clock):
    ana, ben, cleo = device("Ana"), device("Ben"), device("Cleo")
    item(ana, "Pull", category="vetements", created_at=THIS_WEEK, taken_at=THIS_WEEK + timedelta(days=1),
         taken_by=ben, status="taken", would_have_bought=True)
    item(ana, "Armoire", category="meubles", created_at=THIS_WEEK, taken_at=THIS_WEEK + timedelta(days=1),
         taken_by=cleo, status="taken", would_have_bought=False)
    item(ana, "Lampe", category="maison", created_at=THIS_WEEK)
    item(ben, "Cherche vélo", kind="wanted", created_at=THIS_WEEK)
    item(ben, "Injurieux", category="divers", created_at=THIS_WEEK, hidden=True, taken_at=THIS_WEEK, status="taken")
    item(cleo, "Radio", category="electronique", created_at=FIVE_WEEKS_AGO, taken_at=FIVE_WEEKS_AGO, taken_by=ana,
         status="taken", would_have_bought=True)
    item(cleo, "Vieux truc", category="divers", created_at=LONG_AGO, taken_at=LONG_AGO, status="taken")
    novel = book(ana, "Germinal", created_at=THIS_WEEK)
    book(ben, "Nana", created_at=THIS_WEEK)
    journal(novel, "caught", owner=cleo, created_at=THIS_WEEK)
    journal(novel, "comment", owner=cleo, created_at=THIS_WEEK)
    board = notice(ana, "Covoiturage", created_at=THIS_WEEK, closed_at=THIS_WEEK, status="closed")
    notice(ben, "Soirée jeux", created_at=THIS_WEEK)
    for text in ("Moi", "Moi aussi", "Et moi"):
        reply(board, owner=cleo, body=text, created_at=THIS_WEEK)
    Thanks.create(target="notice:1", device=cleo, to_device=ana, created_at=THIS_WEEK)
    return ana, ben, cleo


def test_weekly_counts(history):
    data = stats.weekly()
    assert data["weeks"][-1] == datetime(2026, 11, 16) and len(data["weeks"]) == 26
    series = data["series"]
    assert series["items_offered"][-1] == 3  # the wanted item and the hidden one do not count
    assert series["items_taken"][-1] == 2
    assert series["items_offered"][-6] == 1 and series["items_taken"][-6] == 1
    assert sum(series["items_offered"]) == 4  # 40 weeks ago is out of the chart
    assert series["books_registered"][-1] == 2 and series["books_caught"][-1] == 1
    assert series["notices_posted"][-1] == 2 and series["notices_closed"][-1] == 1
    assert series["replies"][-1] == 3 and series["thanks"][-1] == 1
    assert series["devices"][-1] == 3 and series["devices"][-6] == 2


def test_totals_and_estimates(history):
    figures = stats.totals()
    assert figures["items_offered"] == 5 and figures["items_taken"] == 4 and figures["devices"] == 3
    # 0.4 (pull) + 15 (wardrobe) + 2 (radio) + 1 (other) + 0.4 (a book caught)
    assert figures["kg_reused"] == pytest.approx(18.8)
    # 0.4×10 + 15×1.5 + 2×15 + 1×2 + 0.4×1
    assert figures["kg_co2e_avoided"] == pytest.approx(58.9)
    assert figures["would_have_bought_answers"] == 3
    assert figures["would_have_bought_share"] == pytest.approx(0.667)
    last_week = stats.totals(NOW - timedelta(days=7))
    assert last_week["items_taken"] == 2 and last_week["kg_reused"] == pytest.approx(15.8)


def test_the_api_gives_three_periods(history, client):
    body = client.get("/api/v1/stats").get_json()
    assert set(body) >= {"since_start", "last_30_days", "last_7_days"}
    assert body["since_start"]["items_taken"] == 4 and body["last_30_days"]["items_taken"] == 2
    assert body["last_7_days"]["books_caught"] == 1 and body["last_7_days"]["devices"] == 3
    assert body["since_start"]["kg_co2e_avoided"] == pytest.approx(58.9)


def test_csv_export(app, client, history):
    logged_in(app, client)
    response = client.get("/console/stats.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 26
    assert rows[-1]["week_start"] == "2026-11-16" and rows[-1]["items_taken"] == "2" and rows[-1]["devices"] == "3"


def test_the_figures_page_draws_svg_charts_and_explains_the_method(app, client, history):
    logged_in(app, client)
    html = client.get("/console/stats").get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 312 110" class="chart"') == len(stats.SERIES)
    assert "style=" not in html and "<script" not in html
    assert "WRAP" in html and "ADEME" in html and "estimations" in html
    assert "18,8" in html and "18.8" not in html and "67 %" in html
    assert '<th scope="row">novembre 2026</th>' in html  # a month, not its first day's weekday


def test_empty_box(app, db, frozen_clock):
    figures = stats.totals()
    assert figures["items_offered"] == 0 and figures["would_have_bought_share"] is None
    chart = stats.bar_chart([0] * 26, stats.weekly()["weeks"], "x")
    assert 'height="0"' in chart
