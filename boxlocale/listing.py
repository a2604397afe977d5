"""What every listing shares (the three domains, the console, the API): the page number and the word search.

One escaping rule and one word cap for every search box; SQLite FTS5 when the box has it (accents ignored,
word prefixes), else LIKE (a SQLite built without FTS5 skipped those tables at migration V3).
"""

import operator
from functools import reduce

from flask_babel import lazy_gettext as _l
from peewee import SQL, NodeList, OperationalError

from .db import database
from .errors import ValidationError

MAX_WORDS = 8  # words of a search that count: more only slows the query down
QUERY_MAX = 100  # characters of a search that are read
FTS_TABLES = ("item_fts", "book_fts", "notice_fts")  # made by migration V3; names are never typed
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


def text_match(key, fts_table, columns, words):
    """SQL condition: each word (a prefix) in one of ``columns``. ``key``: the model's id, the rowid of
    ``fts_table``. None when there are no words."""
    if not words:
        return None
    if fts_table not in FTS_TABLES:
        raise ValueError(fts_table)
    if has_table(fts_table):
        sql = f"(SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ?)"  # noqa: S608 - a name from FTS_TABLES
        return key.in_(SQL(sql, [_fts_query(words)]))
    return reduce(operator.and_, [reduce(operator.or_, [column.contains(word) for column in columns])
                                  for word in words])


def _fts_query(words, prefix=True):
    # Each word quoted (FTS syntax typed in a search box is taken as plain words) and a prefix.
    star = "*" if prefix else ""
    return " ".join('"' + word.replace('"', '""') + '"' + star for word in words)


# A search whose words match at most this many rows reads them from the FTS table and sorts them (a word
# nothing has reads nothing); beyond, walking the listing's index newest first finds a page's worth of
# matches sooner than reading and sorting them all. Either way the cost stays flat at 10x the data.
FEW_MATCHES = 200


def few_matches(fts_table, words):
    """Do these words match few enough rows to read them all from the search table? (False without
    words or without FTS5: the LIKE fallback walks the listing's index.)"""
    if not words or fts_table not in FTS_TABLES or not has_table(fts_table):
        return False
    # The whole words first: FTS5 reads a word's list only as far as the LIMIT, but a prefix's lists are
    # all merged before the first match (the cost of every match at 10x). Whole-word matches are among
    # the prefix's, so many of them already say "not few". (Either answer gives the same rows.)
    return (_matches_up_to_enough(fts_table, _fts_query(words, prefix=False)) <= FEW_MATCHES
            and _matches_up_to_enough(fts_table, _fts_query(words)) <= FEW_MATCHES)


def _matches_up_to_enough(fts_table, fts_query):
    sql = (f"SELECT count(*) FROM (SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH ? "  # noqa: S608 - a name from FTS_TABLES
           f"LIMIT {FEW_MATCHES + 1})")
    return database.execute_sql(sql, (fts_query,)).fetchone()[0]


def unindexed(column):
    """``+column``: the same value, but SQLite will not walk an index for it. A search with
    ``few_matches`` reads them from the FTS table and sorts them, instead of walking every visible row
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
