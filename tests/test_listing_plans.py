"""Listings read a page from an index in the order they show, instead of sorting every visible row.

No timing here (bench/ measures speed): SQLite's own query plan says whether it sorts.
"""

import logging

import pytest

from boxlocale.db import database

LISTINGS = ["/", "/give/", "/books/", "/books/?view=all", "/board/", "/board/?upcoming=1"]
# Every filter and order: the index walked has the filter's column, so a rare value (or none: a category
# with no match) reads the few rows that match, not every visible row (flat at 10x the data).
FILTERS = {
    "/give/?status=taken": "status=?",
    "/give/?status=reserved": "status=?",
    "/give/?status=all": "item_visible_created",
    "/give/?category=jardin": "category=?",
    "/give/?category=jardin&status=taken": "category=?",
    "/give/?kind=wanted": "kind=?",
    "/books/?view=shelf": "status=?",
    "/books/?view=arrived": "status=?",
    "/books/?view=travelled": "book_visible_catches",
    "/books/?language=en": "language=?",
    "/board/?q=": "status=?",
    "/board/?kind=event": "kind=?",
    "/board/?category=bricoler": "category=?",
    "/board/?upcoming=1&kind=event": "starts_at>?",
    "/api/v1/items": "item_visible_created",
    "/api/v1/items?category=jardin": "category=?",
    "/api/v1/books": "book_visible_created",
    "/api/v1/notices": "status=?",
}


class Statements(logging.Handler):
    def __init__(self):
        super().__init__()
        self.seen = []

    def emit(self, record):
        if isinstance(record.msg, tuple):  # (sql, params); the pool logs plain text
            self.seen.append(record.msg)


@pytest.fixture
def statements():
    handler, logger = Statements(), logging.getLogger("peewee")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.seen
    logger.removeHandler(handler)
    logger.setLevel(level)


def _plans(app, client, statements, path):
    assert client.get(path).status_code == 200
    listings = [(sql, params) for sql, params in statements
                if sql.startswith("SELECT") and " LIMIT " in sql and 'FROM "item_photo"' not in sql
                and not sql.startswith("SELECT count(*)")]  # listing.few_matches: how many the words match
    assert listings
    with app.app_context(), database.connection_context():
        return [(sql, " / ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)))
                for sql, params in listings]


@pytest.mark.parametrize("path", LISTINGS + list(FILTERS))
def test_listing_queries_do_not_sort_the_table(app, client, statements, path):
    for sql, plan in _plans(app, client, statements, path):
        assert "TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
        assert "MULTI-INDEX OR" not in plan, (sql, plan)


@pytest.mark.parametrize(("path", "in_plan"), FILTERS.items())
def test_a_filter_walks_an_index_of_its_column(app, client, statements, path, in_plan):
    plans = _plans(app, client, statements, path)
    assert any(in_plan in plan for _sql, plan in plans), plans


@pytest.mark.parametrize("path", ["/give/?q=zzzz", "/give/?q=velo&status=all", "/books/?q=zzzz",
                                  "/books/?view=all&q=zzzz", "/api/v1/items?q=zzzz", "/board/?q=zzzz",
                                  "/board/?q=zzzz&kind=event", "/board/?q=zzzz&upcoming=1", "/api/v1/notices?q=zzzz"])
def test_a_search_reads_its_matches_from_the_search_table_not_every_visible_row(app, client, statements, path):
    from boxlocale.listing import has_table

    from .conftest import require

    with app.app_context(), database.connection_context():
        require(has_table("item_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
    for sql, plan in _plans(app, client, statements, path):
        if "_fts" in sql:
            assert plan.startswith("SEARCH t1 USING INTEGER PRIMARY KEY"), (sql, plan)


COMMON_WORD_SEARCHES = ["/board/?q=tricot", "/give/?q=tricot", "/books/?q=tricot", "/api/v1/notices?q=tricot",
                        "/api/v1/items?q=tricot", "/api/v1/books?q=tricot"]


@pytest.fixture
def common_word(app, frozen_clock):
    """More notices, items and books with "tricot" than listing.FEW_MATCHES."""
    from datetime import timedelta

    from boxlocale import clock, listing
    from boxlocale.db import writing
    from boxlocale.models import Book, Item, Notice

    from .conftest import require

    now = clock.now()
    count = listing.FEW_MATCHES + 10
    with app.app_context():
        require(listing.has_table("notice_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
        with writing():
            Notice.insert_many([{"kind": "offer", "title": f"Cours de tricot {n}", "created_at": now, "updated_at": now,
                                 "expires_at": now + timedelta(days=9)} for n in range(count)]).execute()
            Item.insert_many([{"code": f"T{n:04d}", "title": f"Pull en tricot {n}", "manage_hash": "x",
                               "created_at": now, "updated_at": now, "expires_at": now + timedelta(days=9)}
                              for n in range(count)]).execute()
            Book.insert_many([{"code": f"TRI-{n:04d}", "check_part": "K7QM", "title": f"Le tricot {n}",
                               "created_at": now, "updated_at": now} for n in range(count)]).execute()


def test_a_search_for_a_common_word_walks_the_listing_index_and_stops_at_a_page(app, client, statements,
                                                                                common_word):
    """More matches than listing.FEW_MATCHES: reading and sorting them all would grow with the data,
    walking the index newest first stops after a page of matches."""
    for path in COMMON_WORD_SEARCHES:
        statements.clear()
        for sql, plan in _plans(app, client, statements, path):
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (path, sql, plan)


@pytest.mark.parametrize("path", COMMON_WORD_SEARCHES)
def test_a_common_word_is_looked_up_as_a_prefix_once(app, client, statements, common_word, path):
    """FTS5 merges every list of a prefix's words before its first match: counting the prefix's
    matches (to choose the plan) read every one of them a second time. The whole word's count stops
    at FEW_MATCHES + 1 and already says there are many."""
    assert client.get(path).status_code == 200
    prefix_lookups = [sql for sql, params in statements
                      if " MATCH ?" in sql and any(isinstance(p, str) and p.endswith('"*') for p in params)]
    assert len(prefix_lookups) == 1, prefix_lookups
    assert "LIMIT" in prefix_lookups[0] and not prefix_lookups[0].startswith("SELECT count(*)")


def test_since_your_last_visit_reads_a_phones_own_rows_by_its_device(app, statements):
    """The list is read whenever a write may have filled it (and for every phone with news): each of its
    queries starts from the phone's own rows, never from every reply, journal entry or visible item;
    which of them have rows is asked first, in one query (an empty list costs that one query)."""
    from boxlocale import clock
    from boxlocale.people import mine

    from .helpers import new_device

    with app.test_request_context("/"), database.connection_context():
        device = new_device(pseudonym="Martine")
        statements.clear()
        assert mine.news_since(device) == []
        [(probe, params)] = [(sql, params) for sql, params in statements if sql.startswith("SELECT")]
        rows = list(database.execute_sql("EXPLAIN QUERY PLAN " + probe, params))
        subqueries = [row[0] for row in rows if row[3].startswith("SCALAR SUBQUERY")]
        plans = [" / ".join(row[3] for row in rows if row[1] == subquery) for subquery in subqueries]
        since, now = device.created_at, clock.now()
        for build in mine._sources().values():  # each as it runs when the probe says it has rows
            sql, params = build(device.id, since, mine.NEWS_MAX, now).sql()
            plans.append(" / ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)))
    assert len(subqueries) == len(mine._sources()) >= 8
    for plan in plans:
        assert plan.startswith("SEARCH") or plan.startswith("MULTI-INDEX OR"), plan
        assert "(hidden=?" not in plan, plan  # not every visible item: the phone's own
