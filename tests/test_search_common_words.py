"""A search for a word most rows have gives the same rows, in the same order, whichever way it is read.

Few matches are read from the FTS table and sorted; many are found by walking the listing's index and
probing the FTS table row by row (listing.few_matches chooses). Both are checked here against a plain
Python filter of every row of a real SQLite file, with the filters a listing combines and past page 1;
the speed is bench/'s (the plans are in test_listing_plans.py).
"""

import random
import re
import sqlite3
import unicodedata
from datetime import timedelta

import pytest

from boxlocale import clock, listing, migrations
from boxlocale.board import rules as board
from boxlocale.books import rules as books
from boxlocale.db import database, writing
from boxlocale.giveaway import rules as giveaway
from boxlocale.models import Book, Item, Notice

from .conftest import require

PAGE = 20
# Words of the rows: "tricot" is in most of them, as a whole word, a longer word it begins ("tricotée",
# "Tricoteuse"), with capitals or an accent; "détricoter" has it inside, not at the start (no match).
COMMON = ["tricot", "Tricot", "tricotée", "Tricoteuse", "TRICOTS", "tricôt"]
OTHERS = ["laine", "pull", "bonnet", "écharpe", "détricoter", "chaussettes", "mohair", "aiguilles"]
SEARCHES = ["tricot", "TRICÔT", "trico", "tricot laine", "laine", "mohair", "detricot", "pull tricot"]


def _folded_words(*texts):
    """The words FTS5 (unicode61, remove_diacritics 2) makes of these texts, for the Latin text here."""
    text = unicodedata.normalize("NFKD", " ".join(texts).lower())
    return re.findall(r"[a-z0-9]+", "".join(c for c in text if not unicodedata.combining(c)))


def _matches(query, *texts):
    words = _folded_words(*texts)
    return all(any(word.startswith(prefix) for word in words) for prefix in _folded_words(query))


def _text(rng):
    words = rng.sample(OTHERS, 2) + ([rng.choice(COMMON)] if rng.random() < 0.75 else [])
    rng.shuffle(words)
    return " ".join(words)


@pytest.fixture
def rows(app, frozen_clock):
    """Rows most of which have "tricot" (enough that listing.search_plan probes for it), with every status,
    kind and category a filter picks, some hidden, and dates that are not in id order (some equal)."""
    with app.app_context():
        require(listing.has_table("item_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
    rng, now = random.Random(14), clock.now()
    count = 3000

    def moment():
        return now - timedelta(minutes=rng.randrange(count // 2))  # about two rows a minute: some ties

    with app.app_context(), writing():
        Item.insert_many([{
            "code": f"T{n:05d}", "title": _text(rng), "description": rng.choice(["", _text(rng)]), "manage_hash": "x",
            "kind": rng.choice(["offer", "offer", "wanted"]), "category": rng.choice(["vetements", "jardin"]),
            "status": rng.choice(["available", "available", "reserved", "taken"]), "hidden": rng.random() < 0.05,
            "reserved_until": now + timedelta(hours=rng.choice([-2, 2])),
            "created_at": moment(), "updated_at": now, "expires_at": now + timedelta(days=rng.choice([-1, 9])),
        } for n in range(count)]).execute()
        Book.insert_many([{
            "code": f"TRI-{n:05d}", "check_part": "K7", "title": _text(rng), "author": rng.choice(["", _text(rng)]),
            "language": rng.choice(["fr", "en"]), "status": rng.choice(["on_shelf", "travelling"]),
            "hidden": rng.random() < 0.05, "created_at": moment(), "updated_at": moment(),
        } for n in range(count)]).execute()
        Notice.insert_many([{
            "kind": rng.choice(["offer", "request", "event"]), "category": rng.choice(["", "bricoler"]),
            "title": _text(rng), "body": rng.choice(["", _text(rng)]), "status": rng.choice(["open", "open", "closed"]),
            "hidden": rng.random() < 0.05, "starts_at": now + timedelta(days=rng.randrange(1, 30)),
            "created_at": moment(), "updated_at": now, "expires_at": now + timedelta(days=rng.choice([-1, 9])),
        } for n in range(count)]).execute()


def _all_rows(app, table):
    """Every row of a table, read with plain sqlite3 from the box's file."""
    from pathlib import Path

    path = Path(app.config["DATA_DIR"]) / "boxlocale.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.row_factory = sqlite3.Row
        return [dict(row) for row in raw.execute(f"SELECT * FROM {table}")]  # noqa: S608 - three names below


def _item_now(row, now):
    """The status ``giveaway.status_of`` gives, from the stored row (dates as SQLite keeps them)."""
    reserved_until = row["reserved_until"] or ""
    if row["status"] == "reserved" and reserved_until > now:
        return "reserved"
    if row["status"] in ("available", "reserved"):
        return "available" if row["expires_at"] > now else "expired"
    return row["status"]


def _newest_first(rows):
    return sorted(rows, key=lambda row: (row["created_at"], row["id"]), reverse=True)


def expected_items(app, q, status=None, kind=None, category=None):
    now = str(clock.now())
    rows = [row for row in _all_rows(app, "item") if not row["hidden"] and _matches(q, row["title"], row["description"])]
    if status == "current":
        rows = [row for row in rows if _item_now(row, now) in ("available", "reserved")]
        kind = kind or "offer"  # "in the box now": requests are not in the box
    elif status in ("available", "reserved"):
        rows = [row for row in rows if _item_now(row, now) == status]
    elif status:
        rows = [row for row in rows if row["status"] == status]
    rows = [row for row in rows if (kind is None or row["kind"] == kind)
            and (category is None or row["category"] == category)]
    return [row["code"] for row in _newest_first(rows)]


def expected_books(app, q, view="shelf", language="", status=""):
    rows = [row for row in _all_rows(app, "book") if not row["hidden"] and _matches(q, row["title"], row["author"])]
    if view in ("shelf", "arrived"):
        rows = [row for row in rows if row["status"] == "on_shelf"]
    rows = [row for row in rows if (not status or row["status"] == status)
            and (not language or row["language"] == language)]
    if view == "shelf":
        rows.sort(key=lambda row: (row["title"].lower(), row["id"]))  # NOCASE: ASCII capitals only
    elif view == "arrived":
        rows.sort(key=lambda row: (row["updated_at"], row["id"]), reverse=True)
    else:
        rows = _newest_first(rows)
    return [row["code"] for row in rows]


def expected_notices(app, q, kind="", category="", upcoming=False):
    now = str(clock.now())
    rows = [row for row in _all_rows(app, "notice") if not row["hidden"] and row["status"] == "open"
            and row["expires_at"] > now and _matches(q, row["title"], row["body"])
            and (not kind or row["kind"] == kind) and (not category or row["category"] == category)]
    if upcoming:
        rows = sorted((row for row in rows if row["kind"] in board.DATED_KINDS and row["starts_at"]),
                      key=lambda row: (row["starts_at"], row["id"]))
    else:
        rows = _newest_first(rows)
    return [row["id"] for row in rows]


# Each plan on purpose, and the plan as shipped chooses it.
PLANS = {"read": lambda *args: listing.READ, "gather": lambda *args: listing.GATHER,
         "probe": lambda *args: listing.PROBE, "as shipped": listing.search_plan,
         # A window that holds a first page of most searches here, and one too small for any page (each
         # is then gathered whole): either way the rows of a whole gather.
         "window": lambda *args: listing.Window(400), "small window": lambda *args: listing.Window(5)}


def _each_plan_and_search(app, monkeypatch, filters, expected_of, search_of):
    """Every search with every filter, pages 1, 2 and the last, under each plan (one data set for all:
    making it is the slow part)."""
    with app.app_context(), database.connection_context():
        for plan, choose in PLANS.items():
            monkeypatch.setattr(listing, "search_plan", choose)
            for q in SEARCHES:
                for chosen in filters:
                    expected = expected_of(app, q, **chosen)
                    assert expected, (q, chosen)  # the data has matches for every case
                    for page in (1, 2, len(expected) // PAGE + 1):
                        start = (page - 1) * PAGE
                        wanted = (expected[start:start + PAGE], page + 1 if len(expected) > start + PAGE else None)
                        assert search_of(q, page, chosen) == wanted, (plan, q, chosen, page)


def test_items_found_are_the_rows_a_plain_filter_keeps_in_listing_order(app, rows, monkeypatch):
    def search(q, page, filters):
        found, next_page = giveaway.search(q=q, page=page, fields=giveaway.LISTING_FIELDS, **filters)
        return [item.code for item in found], next_page

    _each_plan_and_search(app, monkeypatch, [
        {}, {"status": "current"}, {"status": "taken"}, {"status": "available", "category": "jardin"},
        {"kind": "wanted"}, {"status": "current", "kind": "offer", "category": "vetements"},
    ], expected_items, search)


def test_books_found_are_the_rows_a_plain_filter_keeps_in_listing_order(app, rows, monkeypatch):
    def search(q, page, filters):
        found, next_page = books.search(q=q, page=page, fields=books.SHELF_FIELDS, **filters)
        return [book.code for book in found], next_page

    _each_plan_and_search(app, monkeypatch, [
        {}, {"view": "all"}, {"view": "arrived", "language": "en"}, {"view": "all", "status": "travelling"},
    ], expected_books, search)


def test_notices_found_are_the_rows_a_plain_filter_keeps_in_listing_order(app, rows, monkeypatch):
    def search(q, page, filters):
        found, next_page = board.board(words=q, page=page, fields=board.CARD_FIELDS, **filters)
        return [notice.id for notice in found], next_page

    _each_plan_and_search(app, monkeypatch, [
        {}, {"kind": "event"}, {"kind": "request", "category": "bricoler"}, {"upcoming": True},
    ], expected_notices, search)


def test_the_shipped_plan_probes_for_a_common_word_gathers_a_middling_one_and_reads_a_rare_one(app, rows):
    """"tricot" is in three rows of four, "mohair" in about one of three, "zzzz" in none. A first page of
    "mohair" gathers its matches in a window (about 1,000 of them: more than a window's rows cost); a
    tenth page needs a window so large that gathering them all costs less."""
    with app.app_context(), database.connection_context():
        for table in listing.FTS_TABLES:
            assert listing.search_plan(table, ["tricot"], PAGE + 1) == listing.PROBE
            assert isinstance(listing.search_plan(table, ["mohair"], PAGE + 1), listing.Window)
            assert listing.search_plan(table, ["mohair"], 10 * PAGE + 1) == listing.GATHER
            assert listing.search_plan(table, ["zzzz"], PAGE + 1) == listing.READ
            assert listing.search_plan(table, ["tricot" * 4], PAGE + 1) == listing.READ  # longer than PREFIX_MAX


def test_the_page_and_the_api_list_the_same_rows_as_the_rule(app, rows, client):
    with app.app_context(), database.connection_context():
        in_the_box, available = (expected_items(app, "tricot", status=status) for status in ("current", "available"))
    api = client.get("/api/v1/items", query_string={"q": "tricot", "status": "available", "page": 2}).get_json()
    assert [item["code"] for item in api["items"]] == available[PAGE:2 * PAGE] and api["next_page"] == 3
    html = client.get("/give/", query_string={"q": "tricot", "page": 2}).get_data(as_text=True)
    codes = re.findall(r'href="/give/(T\d{5})"', html)
    assert list(dict.fromkeys(codes)) == in_the_box[PAGE:2 * PAGE]


# --- Migration V13: the search tables index word prefixes -------------------------------------------


def _search_tables_sql(connection):
    return dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE name IN "
                                   "('item_fts', 'book_fts', 'notice_fts')").fetchall())


def test_the_search_tables_index_every_prefix_up_to_prefix_max(app):
    from pathlib import Path

    with app.app_context():
        require(listing.has_table("item_fts"), "this SQLite has no FTS5 (searches fall back to LIKE)")
    with sqlite3.connect(Path(app.config["DATA_DIR"]) / "boxlocale.sqlite3") as raw:
        tables = _search_tables_sql(raw)
    lengths = " ".join(str(n) for n in range(1, listing.PREFIX_MAX + 1))
    assert len(tables) == 3 and all(f"prefix='{lengths}'" in sql for sql in tables.values()), tables


def test_upgrading_a_box_with_rows_keeps_every_search_result(tmp_path):
    """A file of the version before V13, with rows: after V13 the same searches find the same rows,
    FTS5's own check passes, and the triggers of V3 still keep the tables (a row added after is found)."""
    from peewee import SqliteDatabase

    old = SqliteDatabase(str(tmp_path / "box.sqlite3"))
    old.connect()
    migrations.upgrade(old, target=migrations.STEPS.index(migrations._v13_search_prefixes))  # the one before
    if not old.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'item_fts'").fetchone():
        require(False, "this SQLite has no FTS5 (searches fall back to LIKE)")
    rng = random.Random(12)
    for n in range(300):
        old.execute_sql("INSERT INTO item(code, title, description, manage_hash, created_at, updated_at, expires_at) "
                        "VALUES (?, ?, ?, 'x', '2026-11-22', '2026-11-22', '2026-12-22')",
                        (f"T{n:05d}", _text(rng), _text(rng)))
        old.execute_sql("INSERT INTO book(code, check_part, title, author, created_at, updated_at) "
                        "VALUES (?, 'K7', ?, ?, '2026-11-22', '2026-11-22')", (f"TRI-{n:05d}", _text(rng), _text(rng)))
        old.execute_sql("INSERT INTO notice(kind, title, body, created_at, updated_at, expires_at) "
                        "VALUES ('offer', ?, ?, '2026-11-22', '2026-11-22', '2026-12-22')", (_text(rng), _text(rng)))
    old.execute_sql("UPDATE item SET title = 'mohair seulement' WHERE id = 7")  # the update trigger, before
    queries = ['"tricot"*', '"tric"*', '"laine"* "tricot"*', '"t"*', '"mohair"', '"zzzz"*']

    def found():
        return {(table, query): [row[0] for row in old.execute_sql(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", (query,))]  # noqa: S608
                for table in listing.FTS_TABLES for query in queries}

    before = found()
    migrations.upgrade(old)
    assert migrations.current_version(old) == migrations.LATEST
    assert found() == before
    assert all("prefix=" in sql for sql in _search_tables_sql(old.connection()).values())
    for table in listing.FTS_TABLES:
        old.execute_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")  # noqa: S608 - raises if not kept right
    old.execute_sql("INSERT INTO item(code, title, manage_hash, created_at, updated_at, expires_at) "
                    "VALUES ('NEW01', 'Tricoteuse neuve', 'x', '2026-11-22', '2026-11-22', '2026-12-22')")
    old.execute_sql("DELETE FROM item WHERE id = 3")
    new_id = old.execute_sql("SELECT id FROM item WHERE code = 'NEW01'").fetchone()[0]
    tricot = [row[0] for row in old.execute_sql("SELECT rowid FROM item_fts WHERE item_fts MATCH '\"tricot\"*'")]
    assert new_id in tricot and 3 not in tricot
    old.execute_sql("INSERT INTO item_fts(item_fts) VALUES ('integrity-check')")
    old.close()


def test_upgrading_a_box_without_fts5_tables_adds_none(tmp_path, monkeypatch):
    """A box whose SQLite had no FTS5 at V3 has no search tables: V13 leaves it so (searches use LIKE)."""
    from peewee import SqliteDatabase

    monkeypatch.setattr(migrations, "_has_fts5", lambda database: False)
    old = SqliteDatabase(str(tmp_path / "box.sqlite3"))
    old.connect()
    migrations.upgrade(old)
    assert migrations.current_version(old) == migrations.LATEST
    assert _search_tables_sql(old.connection()) == {}
    old.close()
