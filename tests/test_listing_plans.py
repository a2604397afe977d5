"""Listings read a page from an index in the order they show, instead of sorting every visible row.

No timing here (bench/ measures speed): SQLite's own query plan says whether it sorts.
"""

import logging

import pytest

from boxlocale.db import database

LISTINGS = ["/", "/give/", "/books/", "/books/?view=all", "/board/", "/board/?upcoming=1"]


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


@pytest.mark.parametrize("path", LISTINGS)
def test_listing_queries_do_not_sort_the_table(app, client, statements, path):
    assert client.get(path).status_code == 200
    listings = [(sql, params) for sql, params in statements
                if sql.startswith("SELECT") and " LIMIT " in sql and 'FROM "item_photo"' not in sql]
    assert listings
    with app.app_context(), database.connection_context():
        for sql, params in listings:
            plan = " / ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
            assert "MULTI-INDEX OR" not in plan, (sql, plan)
