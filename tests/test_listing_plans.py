"""Listings read a page from an index in the order they show, instead of sorting every visible row.

No timing here (bench/ measures speed): SQLite's own query plan says whether it sorts.
"""

import logging
import re

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
                        "/api/v1/items?q=tricot", "/api/v1/books?q=tricot", "/give/?q=tricot&status=all&page=2",
                        "/give/?q=tricot&category=jardin", "/books/?q=tricot&view=all", "/board/?q=tricot&kind=offer"]
COMMON_ROWS = 3000  # each with "tricot": a page (even page 2) probes rather than reads or gathers 3,000 rows


@pytest.fixture
def common_word(app, frozen_clock):
    """Notices, items and books that all have "tricot", more than listing.few_matches reads first."""
    from datetime import timedelta

    from boxlocale import clock, listing
    from boxlocale.db import writing
    from boxlocale.models import Book, Item, Notice

    from .conftest import require

    now = clock.now()
    with app.app_context():
        require(listing.has_table("notice_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
        with writing():
            Notice.insert_many([{"kind": "offer", "title": f"Cours de tricot {n}", "created_at": now, "updated_at": now,
                                 "expires_at": now + timedelta(days=9)} for n in range(COMMON_ROWS)]).execute()
            Item.insert_many([{"code": f"T{n:04d}", "title": f"Pull en tricot {n}", "manage_hash": "x",
                               "category": "jardin" if n % 3 else "divers",
                               "created_at": now, "updated_at": now, "expires_at": now + timedelta(days=9)}
                              for n in range(COMMON_ROWS)]).execute()
            Book.insert_many([{"code": f"TRI-{n:04d}", "check_part": "K7QM", "title": f"Le tricot {n}",
                               "created_at": now, "updated_at": now} for n in range(COMMON_ROWS)]).execute()


def test_a_search_for_a_common_word_walks_the_listing_index_and_probes_one_row_at_a_time(
        app, client, statements, common_word):
    """Many matches: reading (or gathering) them all would grow with the data; walking the listing's
    index in its order stops after a page, and each row is one look-up in the search table (its rowid
    with MATCH), never a list of every match built first (a LIST SUBQUERY or MATERIALIZE of it)."""
    for path in COMMON_WORD_SEARCHES:
        statements.clear()
        plans = [(sql, plan) for sql, plan in _plans(app, client, statements, path) if "_fts" in sql]
        assert plans, path
        for sql, plan in plans:
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (path, sql, plan)
            assert "LIST SUBQUERY" not in plan and "MATERIALIZE" not in plan, (path, sql, plan)
            assert "CORRELATED SCALAR SUBQUERY" in plan, (path, sql, plan)
            assert re.search(r"SCAN \w+_fts VIRTUAL TABLE INDEX \d+:=", plan), (path, sql, plan)  # rowid given


@pytest.mark.parametrize("path", ["/give/?q=tricotertricotertricoter", "/books/?q=tricotertricotertricoter",
                                  "/board/?q=tricotertricotertricoter"])
def test_a_word_longer_than_the_indexed_prefixes_is_read_first(app, client, statements, common_word, path):
    """A prefix longer than listing.PREFIX_MAX has no index of its own: probing row by row would merge
    the lists of every word it begins at each row. Its matches are read once instead."""
    from boxlocale import listing

    assert len("tricotertricotertricoter") > listing.PREFIX_MAX
    for sql, plan in _plans(app, client, statements, path):
        if "_fts" in sql:
            assert plan.startswith("SEARCH t1 USING INTEGER PRIMARY KEY"), (sql, plan)
            assert "CORRELATED" not in plan, (sql, plan)


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


@pytest.mark.parametrize("path", ["/books/?q=hugo", "/books/?q=chv-0042", "/books/?view=all&q=abc1"])
def test_a_word_that_could_be_a_book_code_finds_the_book_by_the_code_index(app, client, statements, path):
    """Not by reading every book (17.8 ms at 10x the data): migration V14's index holds the very
    expression books.rules.CODE_KEY_SQL compares codes as."""
    assert client.get(path).status_code == 200
    lookups = [(sql, params) for sql, params in statements if "REPLACE(" in sql]
    assert lookups
    with app.app_context(), database.connection_context():
        for sql, params in lookups:
            plan = " / ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "USING INDEX book_code_key" in plan, (sql, plan)



def test_since_your_last_visit_reads_the_reservers_with_the_reservations(app, statements):
    """Each reservation of this phone's offers comes with its reserver's pseudonym from the same
    query: three reservations cost the queries one does (no query per reservation)."""
    from boxlocale.giveaway import rules
    from boxlocale.people import mine

    from .helpers import new_actor

    counts = []
    with app.test_request_context("/"), database.connection_context():
        giver = new_actor(pseudonym="Martine")
        for number, name in enumerate(("Lou", "Paul", "Ana")):
            item, _ = rules.post_item(giver, {"title": f"Chaise {number}", "category": "maison", "where": "in_box"})
            rules.reserve(item, new_actor(pseudonym=name))
            statements.clear()
            news = mine.news_since(giver.device)
            counts.append(len([sql for sql, _ in statements if sql.startswith("SELECT")]))
            assert sorted(entry["who"] for entry in news if entry["kind"] == "reserved") == sorted(
                ("Lou", "Paul", "Ana")[:number + 1])
    assert counts[0] == counts[1] == counts[2], counts


MIDDLING_ROWS = 3000  # one in three has "mohair": too many to gather them all for a first page


@pytest.fixture
def middling_word(app, frozen_clock):
    """Notices, items and books, one in three with "mohair": a first page gathers in a window."""
    from datetime import timedelta

    from boxlocale import clock, listing
    from boxlocale.db import writing
    from boxlocale.models import Book, Item, Notice

    from .conftest import require

    now, words = clock.now(), ["mohair", "laine", "coton"]
    with app.app_context():
        require(listing.has_table("notice_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
        with writing():
            Notice.insert_many([{"kind": "offer", "title": f"Pelote de {words[n % 3]} {n}", "created_at": now,
                                 "updated_at": now, "expires_at": now + timedelta(days=9)}
                                for n in range(MIDDLING_ROWS)]).execute()
            Item.insert_many([{"code": f"M{n:04d}", "title": f"Pull en {words[n % 3]} {n}", "manage_hash": "x",
                               "created_at": now, "updated_at": now, "expires_at": now + timedelta(days=9)}
                              for n in range(MIDDLING_ROWS)]).execute()
            Book.insert_many([{"code": f"MOH-{n:04d}", "check_part": "K7QM", "title": f"Tome {n} en {words[n % 3]}",
                               "created_at": now, "updated_at": now} for n in range(MIDDLING_ROWS)]).execute()


@pytest.mark.parametrize("path", ["/give/?q=mohair", "/board/?q=mohair", "/api/v1/items?q=mohair",
                                  "/give/?q=mohair&status=all", "/books/?view=all&q=mohair"])
def test_a_middling_word_is_gathered_in_a_window_not_whole(app, client, statements, middling_word, path):
    """1,000 matches, a page needs 21: the listing's index is walked in order, and the search table gives
    only the matches in the id range of the listing's first rows (a rowid range with MATCH)."""
    plans = [(sql, plan) for sql, plan in _plans(app, client, statements, path) if "_fts" in sql]
    assert len(plans) == 1, (path, plans)  # the window held the page: no whole gather after it
    for sql, plan in plans:
        assert "BETWEEN" in sql, (path, sql)
        assert "TEMP B-TREE FOR ORDER BY" not in plan, (path, sql, plan)
        assert re.search(r"SCAN \w+_fts VIRTUAL TABLE INDEX \d+:M\d+[<>]", plan), (path, sql, plan)


def test_a_window_whose_ids_spread_over_the_table_is_not_used(app, client, statements, middling_word):
    """The shelf is in title order: its first rows' ids run from the first book to nearly the last, so
    reading the matches in that range would read nearly all of them, and the window on top: a whole
    gather, once."""
    plans = [(sql, plan) for sql, plan in _plans(app, client, statements, "/books/?q=mohair") if "_fts" in sql]
    assert len(plans) == 1 and "BETWEEN" not in plans[0][0], plans
