"""The one SQLite database: pragmas, the per-request connection, the write lock, schema versions.

Each request takes a connection at its first query and gives it back at teardown
(``close_connection``). Given back, not closed: peewee's pool keeps it for the next request, so a
page view does not pay for opening a connection and setting its pragmas, and finds SQLite's page
cache warm. There are at most as many connections as threads serving at once (waitress: 6). A
connection given back inside a transaction is rolled back by the pool first.
"""

import errno
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import peewee
from playhouse.pool import PooledSqliteDatabase

from . import migrations
from .errors import StorageFull

DB_FILENAME = "boxlocale.sqlite3"

# Set once per connection, when the pool opens it.
# synchronous=FULL: an answered write survives a power cut (the box lives on a switched power strip).
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -4000,
    "temp_store": "memory",
}

class _Database(PooledSqliteDatabase):
    """Notes the tables each write transaction writes, so a stored page of the give-box outlives a new
    notice (``generation(tables)``), and apart the tables whose existing rows it changed, so a notice's
    page outlives another notice being posted (``generation(tables, new_rows_kept)``). A model query
    names its table; any other statement that is not a read or a transaction's own counts as changing
    everything."""

    def execute(self, query, **context_options):
        written = getattr(_pending, "tables", None)
        if written is None or not isinstance(query, peewee.Insert | peewee.Update | peewee.Delete):
            return super().execute(query, **context_options)
        table = query.model._meta.table_name
        written.add(table)
        if not isinstance(query, peewee.Insert) or query._on_conflict is not None:  # an upsert changes rows
            _pending.changed.add(table)
        _pending.in_model_query = True
        try:
            return super().execute(query, **context_options)
        finally:
            _pending.in_model_query = False

    def execute_sql(self, sql, params=None):
        written = getattr(_pending, "tables", None)
        if written is not None and not getattr(_pending, "in_model_query", False) and not _reads_only(sql):
            written.add("*")
        return super().execute_sql(sql, params)


_NOT_WRITES = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "EXPLAIN")


def _reads_only(sql):
    return sql.lstrip()[:9].upper().startswith(_NOT_WRITES)


# No cap: the serving threads bound the count, and a cap would turn a busy moment into errors.
database = _Database(None, max_connections=None)

# SQLite before 3.51.3 (Debian 12 ships 3.40) has a WAL-reset bug with concurrent writers:
# every write in this process goes through this lock.
_write_lock = threading.RLock()


def db_path(data_dir):
    return Path(data_dir) / DB_FILENAME


def init_database(data_dir, synchronous="full"):
    """Point the database at the data dir and bring the schema up to date. ``synchronous``: "off" only
    for unit tests, where durability is not what is tested (create_app's SQLITE_SYNCHRONOUS)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = db_path(data_dir)
    if database.database:  # pooled connections may point at another data dir (tests, a second app)
        database.close_all()
    database.init(str(path), pragmas=dict(PRAGMAS, synchronous=synchronous), check_same_thread=False)
    with database.connection_context():
        migrations.upgrade(database)
    _keep_wal_open(path)
    _bump_generation()  # another database: nothing read from the last one is valid
    return database


_keeper = None


def _keep_wal_open(path):
    """Hold one idle connection for the life of the process.

    When the last connection to a WAL database closes, SQLite checkpoints and deletes the -wal and -shm
    files, and the next request creates them again: disk writes on every page view, which wear the SD
    card. With this connection always open, the per-request connections come and go for free.
    """
    global _keeper
    if _keeper is not None:
        _keeper.close()
    _keeper = sqlite3.connect(path, check_same_thread=False)
    _keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL index, and keeps it


# Queries written once per shape. Building a query's SQL with peewee costs more than SQLite running it
# (a listing: ~0.4 ms of Python for ~0.05 ms of SQLite); the SQL of one shape (which filters, which
# columns) is always the same text, only the values change.


class _Slot(str):
    """Where a value goes in a query built once per shape: a string no value can be, which peewee's
    fields pass through untouched, so it comes out in the query's params in the value's place."""

    __slots__ = ("name",)

    def __new__(cls, name):
        slot = super().__new__(cls, f"\x00slot:{name}\x00")
        slot.name = name
        return slot


class _Shape:
    __slots__ = ("query", "sql", "params", "row_reader", "read_rows")

    def __init__(self, build, names):
        self.row_reader = None  # how its rows become peewee's rows: the same for every run of the shape
        self.read_rows = None  # for tuples, named tuples and models, after the first run: cursor -> rows
        self.query = build(**{name: _Slot(name) for name in names})
        self.sql, params = self.query.sql()
        self.params = [(True, param.name) if type(param) is _Slot else (False, param) for param in params]
        placed = {name for is_slot, name in self.params if is_slot}
        if "\x00slot:" in self.sql or placed != set(names) or any(
                not is_slot and isinstance(value, str) and "\x00slot:" in value for is_slot, value in self.params):
            # A value used to build SQL text (or to choose a branch) is part of the shape, not a value.
            raise ValueError(f"not a value of this query's shape: {sorted(set(names) - placed) or names}")


_shapes = {}


def columns_key(fields):
    """A query's selected columns (aliased or not) or models as plain names, for a shape's key
    (peewee's columns compare into SQL expressions, never as dict keys)."""
    return tuple(_column_name(field) for field in fields)


def _column_name(field):
    if isinstance(field, peewee.Alias):
        return f"{_column_name(field.node)} AS {field.name}"
    return f"{field.model.__name__}.{field.name}" if hasattr(field, "model") else field.__name__


def shaped(key, build, **values):
    """The rows of ``build(**values)`` (a peewee query), its SQL written once per ``key`` and set of
    value names: ``key`` names everything that changes the SQL text (which filters, the columns, the
    row type); ``values`` are only the values the query compares with. The rows are peewee's own, from
    the query's own row type."""
    shape, params = _shape_and_params(key, build, values)
    cursor = database.execute_sql(shape.sql, params)
    if shape.read_rows is not None:
        return shape.read_rows(cursor)
    rows = shape.query._get_cursor_wrapper(cursor)
    _read_rows_as_before(shape, rows)
    found = list(rows)
    if type(rows) in (peewee.ModelTupleCursorWrapper, peewee.ModelNamedTupleCursorWrapper):
        shape.read_rows = _tuples_reader(rows.constructor, shape.row_reader["converters"])
    elif type(rows) is peewee.ModelObjectCursorWrapper:
        shape.read_rows = _models_reader(rows)
    return found


def _tuples_reader(constructor, converters):
    """The rows of a cursor as peewee's tuple and named tuple readers make them (their constructor over
    the converted values), read in one go: peewee's reader, made for each run and called for each row,
    cost half a short query's time."""
    converted = [(i, converter) for i, converter in enumerate(converters) if converter is not None]

    def read(cursor):
        rows = _all_rows(cursor)
        if not converted:
            return [constructor(row) for row in rows]
        found = []
        for row in rows:
            values = list(row)
            for i, converter in converted:
                values[i] = converter(values[i])
            found.append(constructor(values))
        return found

    return read


def shaped_sql(key, build, **values):
    """The SQL and params of ``build(**values)``, written once per shape as ``shaped`` does: for a
    query that goes inside another one."""
    shape, params = _shape_and_params(key, build, values)
    return shape.sql, params


def _shape_and_params(key, build, values):
    shape_key = (key, *sorted(values))
    shape = _shapes.get(shape_key)
    if shape is None:
        shape = _shapes[shape_key] = _Shape(build, values)
    return shape, [values[value] if is_slot else value for is_slot, value in shape.params]


def _all_rows(cursor):
    try:
        return cursor.fetchall()
    finally:
        cursor.close()  # as peewee's reader does once it has read the last row


def _models_reader(rows):
    """The rows of a cursor as peewee's reader of one model's rows makes them (its dict of the columns,
    those without a converter first, then the model made from it, as fetched: nothing dirty), read in
    one go."""
    columns, constructor, is_model = rows.unique_columns, rows.constructor, rows.is_model
    as_they_are = rows.no_convert
    converted = [(i, rows.converters[i]) for i in rows.convert]

    def read(cursor):
        found = []
        for row in _all_rows(cursor):
            data = {columns[i]: row[i] for i in as_they_are}
            for i, converter in converted:
                data[columns[i]] = converter(row[i])
            if is_model:
                model = constructor(__no_default__=1, **data)
                model._dirty.clear()
                found.append(model)
            else:
                found.append(constructor(**data))
        return found

    return read


def _read_rows_as_before(shape, rows):
    """Give peewee's row reader what it worked out for the shape's first run (its columns, converters,
    joins, row type: from the query and the cursor's columns, both the same on every run) instead of
    working it out again on each run (a tenth of a listing's query time)."""
    if shape.row_reader is None:
        before = set(vars(rows))
        rows.initialize()
        reader = {name: value for name, value in vars(rows).items() if name not in before}
        if "impl" in reader:  # namedtuples: its constructor is a lambda on the first reader
            reader["constructor"] = reader["impl"]._make
        if "converters" in reader:
            _without_idle_converters(reader)
        shape.row_reader = reader
    vars(rows).update(shape.row_reader)
    rows.initialized = True


# Columns as SQLite gives them, where peewee's converter would give the same value back: text (a TEXT
# column holds text: peewee writes str) and integers (peewee writes int(value), so an INTEGER column
# gives back an int). Exact types: a field of another kind (a boolean, a date) converts.
_TEXT_FIELDS = (peewee.CharField, peewee.TextField)
_INTEGER_FIELDS = (peewee.IntegerField, peewee.BigIntegerField, peewee.AutoField)


def _without_idle_converters(reader):
    """No converter for the text and integer columns (two Python calls a value that change nothing: a
    listing's rows are mostly text and ids, 300 calls a page); dates read in one call."""
    converters = [None if _gives_value_as_is(converter) else _quick_date(converter) or converter
                  for converter in reader["converters"]]
    reader["converters"] = converters
    if "convert" in reader:  # the dict-based readers (models) list the columns to convert apart
        reader["convert"] = [i for i, converter in enumerate(converters) if converter is not None]
        reader["no_convert"] = [i for i, converter in enumerate(converters) if converter is None]
    if "_row_spec" in reader:  # the joined models' reader: each column's converter, worked out once
        reader["_row_spec"] = tuple((i, key, column, converters[i]) for i, key, column, _ in reader["_row_spec"])


def _quick_date(converter):
    """A DateTimeField's converter as one call: what peewee does first (datetime.fromisoformat, which
    since Python 3.11 reads the space and the Z peewee turned into T and +00:00 itself), else peewee's
    own (its other formats); four Python calls a date before. None for any other converter."""
    field = getattr(converter, "__self__", None)
    if type(field) is not peewee.DateTimeField or getattr(converter, "__func__", None) is not peewee.Field.python_value:
        return None

    def date_of(value):
        if type(value) is str and value:
            try:
                return _fromisoformat(value)
            except ValueError:
                pass
        return converter(value)

    return date_of


_fromisoformat = datetime.fromisoformat


def _gives_value_as_is(converter):
    field = getattr(converter, "__self__", None)
    method = getattr(converter, "__func__", None)
    if type(field) is peewee.ForeignKeyField and method is peewee.ForeignKeyField.python_value:
        field, method = field.rel_field, type(field.rel_field).python_value  # the id it holds
    if method is not peewee.Field.python_value:
        return False
    if type(field) in _TEXT_FIELDS:
        return type(field).adapt is peewee._StringField.adapt
    return type(field) in _INTEGER_FIELDS and type(field).adapt is peewee.IntegerField.adapt


def shaped_first(key, build, **values):
    """The first row of ``shaped(...)``, or None (build the query with its own ``.limit(1)``)."""
    rows = shaped(key, build, **values)
    return rows[0] if rows else None


_pending = threading.local()
_before_write = []


def before_write(hook):
    """Call ``hook()`` at the start of every outermost write transaction, inside it."""
    _before_write.append(hook)


@contextmanager
def writing():
    """One write transaction, serialized in the process, that takes SQLite's write lock up front.

    BEGIN IMMEDIATE means a read-then-write (is it still available? then reserve it) cannot be
    interleaved with another writer's.
    """
    with _write_lock:
        outermost = getattr(_pending, "on_rollback", None) is None
        if outermost:
            _pending.on_rollback, _pending.tables, _pending.changed = [], set(), set()
        try:
            with database.atomic("IMMEDIATE") as txn:
                if outermost:
                    for hook in _before_write:
                        hook()
                yield txn
        except BaseException as error:
            if outermost:
                for undo in reversed(_pending.on_rollback):
                    undo()
            if _disk_full(error):
                raise StorageFull() from error
            raise
        finally:
            if outermost:
                written, changed = _pending.tables, _pending.changed
                _pending.on_rollback, _pending.tables, _pending.changed = None, None, None
                _bump_generation(written, changed)


_generation = 0
# Table name ("*": every table) -> the generation of its last write; and of its last write that changed
# or removed rows, not only added some ("*" counts as both).
_written_at = {"*": 0}
_changed_at = {}


def _bump_generation(tables=("*",), changed=()):
    global _generation
    _generation += 1  # under _write_lock
    for table in tables:
        _written_at[table] = _generation
    for table in changed:
        _changed_at[table] = _generation


def generation(tables=None, new_rows_kept=()):
    """A number that changes after every write transaction (``tables``: every one that wrote one of
    these; of ``new_rows_kept``, only those that changed or removed rows, not those that only added
    some): what cached pages are checked against."""
    if tables is None:
        return _generation
    return max(_written_at["*"], *(
        (_changed_at if table in new_rows_kept else _written_at).get(table, 0) for table in tables))


def _disk_full(error):
    """A full disk, even when it shows only as a failed ROLLBACK after SQLite gave up the COMMIT."""
    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if "disk is full" in str(error) or "database or disk is full" in str(error):
            return True
        error = error.__context__
    return False


def read_every_table(timeout=5):
    """The health check: a fresh connection (one of the pool's can answer from its caches after the
    file broke) counts the rows of every table, which reads real pages, not only the schema.
    Raises sqlite3.DatabaseError when the database is damaged or unreadable."""
    connection = sqlite3.connect(database.database, timeout=timeout)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        if not tables:
            raise sqlite3.DatabaseError("the database has no tables")
        for name in tables:
            connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()  # noqa: S608 (names from the schema)
    finally:
        connection.close()


def on_rollback(undo):
    """Call ``undo()`` if the current ``writing()`` transaction fails (e.g. remove the files it wrote)."""
    _pending.on_rollback.append(undo)


def close_connection(exc=None):
    """Give this thread's connection back to the pool (see the module's docstring)."""
    if not database.is_closed():
        database.close()
