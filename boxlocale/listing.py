"""What every listing shares (the three domains, the console, the API): the page number and the word search.

One escaping rule and one word cap for every search box; SQLite FTS5 when the box has it (accents ignored,
word prefixes), else LIKE (a SQLite built without FTS5 skipped those tables at migration V3).

A search reads its matches one of four ways, the same rows in the same order each way (``search_plan``
chooses): READ the few matches from the FTS table and sort them; or walk the listing's own index in its
order until the page is full, testing each row against the matches GATHERed first (their ids), or by a
PROBE of the FTS table for that row alone (a word most rows have: a page needs a few probes). A probe is
one look-up because the FTS tables keep an index of every word prefix up to PREFIX_MAX characters
(migration V13): without it FTS5 merges the lists of every word with that prefix, at each probe.

Gathering costs a look-up per match, so it grows with the data. When the matches are many but a page
needs a few, they are gathered in a ``Window``: among the listing's first rows only (its first ``size``
rows in its order, without the words; FTS5 reads just the matches in their id range). When the window
holds the page, the page is the one a whole gather finds (the window is where the listing starts);
when not, ``searched`` gathers them all.
"""

import math
import operator
from functools import reduce
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from peewee import SQL, NodeList, OperationalError

from .db import database, shaped_sql
from .errors import ValidationError

MAX_WORDS = 8  # words of a search that count: more only slows the query down
QUERY_MAX = 100  # characters of a search that are read
# The search tables (made by migration V3) and the tables they index; their names are never typed.
FTS_TABLES = {"item_fts": "item", "book_fts": "book", "notice_fts": "notice"}
PAGE_MAX = 10_000  # far beyond any listing on a box; bigger numbers are typing mistakes (or attacks)


def page_number(raw, strict=False):
    """The page asked for: plain ASCII digits from 1 to PAGE_MAX. Anything else is page 1 on a page, or a
    ValidationError in the API (``strict``): never a 500, whatever the digits (huge, "²", "١٢")."""
    text = "1" if raw is None else str(raw).strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(PAGE_MAX)) and 1 <= int(text) <= PAGE_MAX:
        return int(text)
    if strict:
        raise ValidationError(fields={"page": _l("A whole number from 1 to %(max)d, please.", max=PAGE_MAX)})
    return 1


def search_words(query):
    """The words of a search: split on spaces, at most MAX_WORDS; a word made only of quotes or stars is
    no word."""
    return [word for word in (query or "")[:QUERY_MAX].split() if word.strip('"*')][:MAX_WORDS]


def text_match(key, fts_table, columns, words, plan=None):
    """SQL condition: each word (a prefix) in one of ``columns``. ``key``: the model's id, the rowid of
    ``fts_table``. ``plan``: ``search_plan``'s (READ and GATHER read the matches from the FTS table,
    PROBE looks up the row being walked, a Window gathers the matches among the listing's first rows).
    None when there are no words."""
    if not words:
        return None
    if fts_table not in FTS_TABLES:
        raise ValueError(fts_table)
    if has_table(fts_table):
        if isinstance(plan, Window):
            return _in_window(key, fts_table, words, plan)
        if plan != PROBE:
            sql = f"(SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ?)"  # noqa: S608 - a name from FTS_TABLES
            return key.in_(SQL(sql, [_fts_query(words)]))
        # FTS5 takes the rowid with MATCH: one look-up in the word's (or prefix's) list, not the whole list.
        probe = f"EXISTS (SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH ? AND {fts_table}.rowid = "  # noqa: S608
        return NodeList((SQL(probe, [_fts_query(words)]), key, SQL(")")), glue="")
    return reduce(operator.and_, [reduce(operator.or_, [column.contains(word) for column in columns])
                                  for word in words])


def _in_its_range(window, listed):
    """The window with its ids' SQL and range; GATHER when those ids spread over so many rows that
    reading the matches in their range costs more than the window saves (a listing in title order)."""
    sql, params = listed
    low, high = database.execute_sql(f"SELECT min(id), max(id) FROM ({sql})", params).fetchone()  # noqa: S608
    if low is None or window.share is not None and (
            WINDOW_COST * window.size + window.share * (high - low) > window.share * window.rows):
        return GATHER
    return window._replace(listed=listed, low=low, high=high)


def _in_window(key, fts_table, words, window):
    # FTS5 reads only the matches in the window's id range of its lists; the window's SQL is a shape's
    # (db.shaped_sql), written by peewee from the domain's own query.
    sql, params = window.listed
    in_range = f"(SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ? AND rowid BETWEEN ? AND ?)"  # noqa: S608
    return key.in_(SQL(f"({sql})", params)) & key.in_(SQL(in_range, [_fts_query(words), window.low, window.high]))


def _fts_query(words):
    # Each word quoted (FTS syntax typed in a search box is taken as plain words) and a prefix.
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


READ, GATHER, PROBE = "read", "gather", "probe"


class Window(NamedTuple):
    """Gather the matches among the listing's first ``size`` rows (module docstring). ``share``: of
    the ``rows`` that match, as ``search_plan`` measured. ``searched`` fills in the rest: the SQL and
    params of the window's ids (``listed``) and their range."""

    size: int
    share: float = None
    rows: int = None
    listed: tuple = None
    low: int = None
    high: int = None


# Which way is cheapest, from what each costs (instructions counted by bench/callgrind.py on the bench's
# data at 1x and 10x): reading and sorting a match 4.5 K (board) to 17 K (give-box); gathering a match's id
# 1.7 K, then 1.1 K a row walked; probing a row walked 95 K. A page of ``rows_wanted`` rows among N rows,
# a share d of which match, walks about rows_wanted / d rows. So: READ when the matches M are so few that
# M * M <= rows_wanted * N / READ_COST (gathering them would cost as much, and the walk more); PROBE when
# d * d > PROBE_COST * rows_wanted / N (over 50 % of 5,000 rows, 16 % of 50,000, for a first page); else
# GATHER, in a Window of WINDOW_MARGIN times the rows a page walks when a window row (walked twice, its
# id kept) costs less than the WINDOW_COST matches' ids it saves gathering. A word nothing has reads
# nothing, a word every row has probes a page's worth, a word in between gathers its matches' ids: all
# of them while they are few (5,000 rows: 500 for a word in one row of ten), a window's worth past that.
READ_COST = 10
PROBE_COST = 60
WINDOW_COST = 5
WINDOW_MARGIN = 2  # the window's share of matches may be below the sample's: twice the rows expected
SAMPLE = 1000  # the newest rows (by id) in which the share of matches is counted
# The longest word prefix the FTS tables index (migration V13 indexes every length from 1 to this).
PREFIX_MAX = 20


def search_plan(fts_table, words, rows_wanted):
    """READ, GATHER, PROBE or a Window (see above) for a search of ``words`` that needs ``rows_wanted``
    rows (the page's offset and limit). PROBE without words or without FTS5: the LIKE fallback walks the
    listing's index and tests each row."""
    if not words or fts_table not in FTS_TABLES or not has_table(fts_table):
        return PROBE
    if any(len(word) > PREFIX_MAX for word in words):
        # A prefix this long has no index of its own: each probe would merge the lists of all its words
        # again. Such long words are rare, and so are their matches: read them once.
        return READ
    rows, fts_query = _last_rowid(fts_table), _fts_query(words)
    few = math.isqrt(rows_wanted * rows // READ_COST)
    if _count(fts_table, fts_query, limit=few + 1) <= few:
        return READ
    sample = min(rows, SAMPLE)
    matching = _count(fts_table, fts_query, limit=sample, after=rows - sample)
    if matching * matching * rows > PROBE_COST * rows_wanted * sample * sample:
        return PROBE
    window = WINDOW_MARGIN * rows_wanted * sample // max(matching, 1)
    if matching and window * WINDOW_COST * sample <= matching * rows:
        return Window(window, matching / sample, rows)
    return GATHER


def searched(fts_table, words, values, rows_for, shape, listed):
    """The rows of a search for ``words`` (``values``: the query's, with its ``limit`` and ``offset``):
    ``rows_for(plan)`` is the domain's query for them, its words matched by ``text_match`` with ``plan``;
    ``listed(**values)`` the domain's query of the listing without the words, which a Window's first
    rows come from (its SQL written once per ``shape``)."""
    limit, offset = values["limit"], values["offset"]
    plan = search_plan(fts_table, words, offset + limit)
    if isinstance(plan, Window):
        plan = _in_its_range(plan, shaped_sql(shape, lambda **shape_values: _ids_of(listed(**shape_values)),
                                              **{**values, "limit": plan.size, "offset": 0}))
    rows = list(rows_for(plan))
    if isinstance(plan, Window) and len(rows) < limit:
        # The window held fewer matches than the page needs (or the listing ends there): gather them all.
        rows = list(rows_for(GATHER))
    return rows


def _ids_of(query):
    return query.select(query.model.id)


def _last_rowid(fts_table):
    # About how many rows a walk may read (deleted rows still count): one look-up at the end of the table.
    sql = f"SELECT max(rowid) FROM {FTS_TABLES[fts_table]}"  # noqa: S608 - a name from FTS_TABLES
    return database.execute_sql(sql).fetchone()[0] or 0


def _count(fts_table, fts_query, limit, after=0):
    """Matches (up to ``limit``) with a rowid beyond ``after``: FTS5 seeks there in each word's list."""
    sql = (f"SELECT count(*) FROM (SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH ? "  # noqa: S608
           f"AND {fts_table}.rowid > ? LIMIT ?)")
    return database.execute_sql(sql, (fts_query, after, limit)).fetchone()[0]


def unindexed(column):
    """``+column``: the same value, but SQLite will not walk an index for it. A search planned READ
    (``search_plan``) reads its matches from the FTS table and sorts them, instead of walking every visible row
    newest first and probing each (flat at 10x: a search for a word nothing has reads nothing)."""
    return NodeList((SQL("+"), column), glue="")


_tables_present = {}


def has_table(name):
    """Is this table in the open database? (Remembered per database file: it changes only at migration.)"""
    key = (database.database, name)
    if key not in _tables_present:
        try:
            found = database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        except OperationalError:
            return False
        _tables_present[key] = found is not None
    return _tables_present[key]


def forget_tables():
    """After a migration or a restore: look again."""
    _tables_present.clear()
