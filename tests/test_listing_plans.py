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
                if sql.startswith("SELECT") and " LIMIT " in sql and 'FROM "item_photo"' not in sql]
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
                                  "/books/?view=all&q=zzzz", "/api/v1/items?q=zzzz"])
def test_a_search_reads_its_matches_from_the_search_table_not_every_visible_row(app, client, statements, path):
    from boxlocale.listing import has_table

    from .conftest import require

    with app.app_context(), database.connection_context():
        require(has_table("item_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
    for sql, plan in _plans(app, client, statements, path):
        if "_fts" in sql:
            assert plan.startswith("SEARCH t1 USING INTEGER PRIMARY KEY"), (sql, plan)
