"""Schema versions, recorded in SQLite's ``user_version``.

Each step is frozen SQL: once a version has shipped, never edit it; add a new step at the end.
``upgrade`` runs the missing steps in one transaction each, so a file from any older version opens.
"""

V1_CORE = """
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE device (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    pseudonym TEXT UNIQUE COLLATE NOCASE,
    created_at DATETIME NOT NULL,
    blocked_at DATETIME,
    blocked_reason TEXT,
    verified_at DATETIME,
    verified_by_id INTEGER REFERENCES volunteer(id) ON DELETE SET NULL
);
CREATE TABLE volunteer (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'admin',
    created_at DATETIME NOT NULL,
    last_login_at DATETIME
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER REFERENCES volunteer(id) ON DELETE SET NULL,
    volunteer_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX audit_created ON audit(created_at);
CREATE TABLE photo (
    id INTEGER PRIMARY KEY,
    sha TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    thumb_bytes INTEGER NOT NULL,
    created_at DATETIME NOT NULL
);
"""

V2_DOMAINS = """
CREATE TABLE item (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'offer',
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'divers',
    condition TEXT,
    location TEXT NOT NULL DEFAULT 'in_box',
    location_note TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    pseudonym TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'available',
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    manage_hash TEXT NOT NULL,
    on_behalf INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    reserved_until DATETIME,
    reserved_by_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    taken_at DATETIME,
    taken_by_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    would_have_bought INTEGER
);
CREATE INDEX item_status_created ON item(status, created_at);
CREATE INDEX item_device ON item(device_id);
CREATE TABLE item_photo (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photo(id),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX item_photo_item ON item_photo(item_id);

CREATE TABLE book (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    check_part TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    isbn TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    pseudonym TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'on_shelf',
    catches INTEGER NOT NULL DEFAULT 0,
    cover_id INTEGER REFERENCES photo(id),
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX book_status_created ON book(status, created_at);
CREATE TABLE journal_entry (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES book(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    rating INTEGER,
    pseudonym TEXT NOT NULL DEFAULT '',
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE INDEX journal_book ON journal_entry(book_id, created_at);

CREATE TABLE notice (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    starts_at DATETIME,
    ends_at DATETIME,
    place TEXT NOT NULL DEFAULT '',
    destination TEXT NOT NULL DEFAULT '',
    seats INTEGER,
    contact TEXT NOT NULL DEFAULT '',
    pseudonym TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    manage_hash TEXT NOT NULL DEFAULT '',
    on_behalf INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    closed_at DATETIME
);
CREATE INDEX notice_status_created ON notice(status, created_at);
CREATE INDEX notice_starts ON notice(starts_at);
CREATE TABLE reply (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notice(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    pseudonym TEXT NOT NULL DEFAULT '',
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE INDEX reply_notice ON reply(notice_id, created_at);

CREATE TABLE flag (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    weight INTEGER NOT NULL DEFAULT 1,
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    resolved_at DATETIME,
    resolution TEXT,
    UNIQUE (target, device_id)
);
CREATE INDEX flag_open ON flag(resolved_at, target);
CREATE TABLE thanks (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    device_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    to_device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    to_pseudonym TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    UNIQUE (target, device_id)
);
CREATE INDEX thanks_to ON thanks(to_pseudonym);
"""

# Full-text search: external-content FTS5 tables kept in step by triggers.
V3_SEARCH = """
CREATE VIRTUAL TABLE item_fts USING fts5(title, description, content='item', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER item_fts_ai AFTER INSERT ON item BEGIN
  INSERT INTO item_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER item_fts_ad AFTER DELETE ON item BEGIN
  INSERT INTO item_fts(item_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER item_fts_au AFTER UPDATE OF title, description ON item BEGIN
  INSERT INTO item_fts(item_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
  INSERT INTO item_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE VIRTUAL TABLE book_fts USING fts5(title, author, content='book', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER book_fts_ai AFTER INSERT ON book BEGIN
  INSERT INTO book_fts(rowid, title, author) VALUES (new.id, new.title, new.author);
END;
CREATE TRIGGER book_fts_ad AFTER DELETE ON book BEGIN
  INSERT INTO book_fts(book_fts, rowid, title, author) VALUES ('delete', old.id, old.title, old.author);
END;
CREATE TRIGGER book_fts_au AFTER UPDATE OF title, author ON book BEGIN
  INSERT INTO book_fts(book_fts, rowid, title, author) VALUES ('delete', old.id, old.title, old.author);
  INSERT INTO book_fts(rowid, title, author) VALUES (new.id, new.title, new.author);
END;
CREATE VIRTUAL TABLE notice_fts USING fts5(title, body, content='notice', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER notice_fts_ai AFTER INSERT ON notice BEGIN
  INSERT INTO notice_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER notice_fts_ad AFTER DELETE ON notice BEGIN
  INSERT INTO notice_fts(notice_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER notice_fts_au AFTER UPDATE OF title, body ON notice BEGIN
  INSERT INTO notice_fts(notice_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO notice_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

# Listings walk an index newest-first (or in shelf or date order) and stop at the page's LIMIT,
# instead of sorting every visible row. The row id is the last column of every index, so
# "ORDER BY created_at DESC, id DESC" is served too.
V4_LISTING_INDEXES = """
CREATE INDEX item_visible_created ON item(hidden, created_at);
CREATE INDEX book_visible_created ON book(hidden, created_at);
CREATE INDEX book_shelf_title ON book(hidden, status, title COLLATE NOCASE);
CREATE INDEX notice_status_starts ON notice(status, starts_at);
"""

# The network of boxes (docs/NETWORK.md): the signed event log, the directory of boxes, which local
# rows came from (or went to) the network, deleted content's tombstones, and the syncs made.
V5_NETWORK = """
CREATE TABLE net_event (
    id TEXT PRIMARY KEY,
    box TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hlc INTEGER NOT NULL,
    kind TEXT NOT NULL,
    header TEXT NOT NULL,
    signature TEXT NOT NULL,
    payload TEXT,
    target TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    received_at DATETIME NOT NULL
);
CREATE INDEX net_event_box_seq ON net_event(box, seq);
CREATE INDEX net_event_target ON net_event(target, hlc);
CREATE INDEX net_event_state ON net_event(state, hlc);
CREATE INDEX net_event_hlc ON net_event(hlc);
CREATE TABLE net_box (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    village TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    info_hlc INTEGER NOT NULL DEFAULT 0,
    admitted INTEGER NOT NULL DEFAULT 0,
    admitted_by TEXT,
    is_root INTEGER NOT NULL DEFAULT 0,
    successor TEXT,
    forked_at_seq INTEGER,
    blocked INTEGER NOT NULL DEFAULT 0,
    last_news DATETIME,
    last_contact DATETIME
);
CREATE TABLE net_origin (
    target TEXT PRIMARY KEY,
    net_id TEXT NOT NULL UNIQUE,
    box TEXT NOT NULL
);
CREATE TABLE net_tombstone (
    net_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL
);
CREATE TABLE net_sync (
    id INTEGER PRIMARY KEY,
    at DATETIME NOT NULL,
    via TEXT NOT NULL,
    peer TEXT NOT NULL DEFAULT '',
    came INTEGER NOT NULL DEFAULT 0,
    went INTEGER NOT NULL DEFAULT 0,
    sent_seq INTEGER NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT ''
);
"""

# Logging out ends the volunteer's sessions for good, restarts included (the epoch is in the cookie).
# Reports and thanks weigh once per address too (three cookie-less browsers are one laptop).
# Serving a photo asks what shows it; reserving counts what a phone holds.
V6_HOSTILE_WIFI = """
ALTER TABLE volunteer ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flag ADD COLUMN address TEXT;
ALTER TABLE thanks ADD COLUMN address TEXT;
CREATE INDEX flag_target_address ON flag(target, address);
CREATE INDEX thanks_target_address ON thanks(target, address);
CREATE INDEX item_photo_photo ON item_photo(photo_id);
CREATE INDEX book_cover ON book(cover_id);
CREATE INDEX item_reserved_by ON item(reserved_by_id, status);
"""


# "My posts" and answers: a phone's recovery code and last-visit mark, replies under give-box items,
# the reserver's message to the giver, carpool seats asked for and accepted.
V8_MY_POSTS = """
ALTER TABLE device ADD COLUMN recovery_hash TEXT;
ALTER TABLE device ADD COLUMN seen_at DATETIME;
CREATE UNIQUE INDEX device_recovery ON device(recovery_hash);
ALTER TABLE item ADD COLUMN reserve_message TEXT NOT NULL DEFAULT '';
CREATE TABLE item_reply (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    pseudonym TEXT NOT NULL DEFAULT '',
    device_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE INDEX item_reply_item ON item_reply(item_id, created_at);
CREATE INDEX item_reply_created ON item_reply(created_at);
ALTER TABLE reply ADD COLUMN seat_request INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reply ADD COLUMN accepted_at DATETIME;
"""


# Volunteer login failures and the address holds of blocked phones outlive a restart: the watchdog
# restarts the box, and a laptop must not win fresh guesses, or a blocked phone a fresh start, by that.
# A device keeps the address of its last write, which a block then holds. (Named after the filter
# indexes of another branch, V9: the integrator numbers the two.)
V9_LASTING_LIMITS = """
CREATE TABLE login_failure (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at DATETIME NOT NULL
) WITHOUT ROWID;
CREATE TABLE address_hold (
    address TEXT PRIMARY KEY,
    held_since DATETIME NOT NULL,
    held_until DATETIME NOT NULL
) WITHOUT ROWID;
ALTER TABLE device ADD COLUMN last_address TEXT NOT NULL DEFAULT '';
"""


# Flat at 10x the data: a filter walks an index that has its column, so a rare value (or none) costs the
# few rows that match, not every visible row. Each ends in created_at: still newest first, no sort.
V10_FILTER_INDEXES = """
CREATE INDEX item_visible_status_created ON item(hidden, status, created_at);
CREATE INDEX item_visible_category_created ON item(hidden, category, created_at);
CREATE INDEX item_visible_kind_created ON item(hidden, kind, created_at);
CREATE INDEX notice_status_kind_created ON notice(status, kind, created_at);
CREATE INDEX notice_status_category_created ON notice(status, category, created_at);
CREATE INDEX book_shelf_language_title ON book(hidden, status, language, title COLLATE NOCASE);
CREATE INDEX book_visible_status_updated ON book(hidden, status, updated_at);
CREATE INDEX book_visible_catches ON book(hidden, catches, updated_at);
"""


def _has_fts5(database):
    try:
        database.execute_sql("CREATE VIRTUAL TABLE temp._fts5_probe USING fts5(x)")
        database.execute_sql("DROP TABLE temp._fts5_probe")
        return True
    except Exception:
        return False


def _v3_search(database):
    # A SQLite built without FTS5 still works: searches fall back to LIKE (see listing.py).
    if _has_fts5(database):
        _run_script(database, V3_SEARCH)


def _run_script(database, script):
    for statement in _statements(script):
        database.execute_sql(statement)


def _statements(script):
    """Split a script on ';' at line ends, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        ends_trigger = line.strip().upper() == "END;"
        in_trigger = text.upper().startswith("CREATE TRIGGER")
        if line.rstrip().endswith(";") and (ends_trigger or not in_trigger):
            statements.append(text)
            current = []
    return [s for s in statements if s.strip(" ;\n")]


V7_BEYOND_THE_GIFT = """
CREATE TABLE time_entry (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER REFERENCES notice(id) ON DELETE SET NULL,
    giver_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    receiver_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    recorded_by_id INTEGER REFERENCES device(id) ON DELETE SET NULL,
    minutes INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    code_hash TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    confirmed_at DATETIME,
    cancelled_at DATETIME
);
CREATE INDEX time_entry_giver ON time_entry(giver_id, status);
CREATE INDEX time_entry_receiver ON time_entry(receiver_id, status);
CREATE INDEX time_entry_notice ON time_entry(notice_id);
CREATE TABLE draw (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL UNIQUE REFERENCES item(id) ON DELETE CASCADE,
    ends_at DATETIME NOT NULL,
    seed TEXT NOT NULL DEFAULT '',
    drawn_at DATETIME,
    position INTEGER NOT NULL DEFAULT 0,
    finished_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX draw_open ON draw(finished_at, ends_at);
CREATE TABLE draw_entry (
    id INTEGER PRIMARY KEY,
    draw_id INTEGER NOT NULL REFERENCES draw(id) ON DELETE CASCADE,
    device_id INTEGER REFERENCES device(id) ON DELETE CASCADE,
    word TEXT NOT NULL,
    rank INTEGER,
    created_at DATETIME NOT NULL,
    UNIQUE (draw_id, device_id)
);
CREATE TABLE inventory (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER REFERENCES volunteer(id) ON DELETE SET NULL,
    volunteer_name TEXT NOT NULL,
    photo_id INTEGER REFERENCES photo(id),
    seen INTEGER NOT NULL DEFAULT 0,
    gone INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE INDEX inventory_created ON inventory(created_at);
ALTER TABLE item ADD COLUMN inventory_id INTEGER REFERENCES inventory(id) ON DELETE SET NULL;
CREATE TABLE vouch (
    id INTEGER PRIMARY KEY,
    voucher_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    vouchee_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    withdrawn_at DATETIME,
    UNIQUE (voucher_id, vouchee_id)
);
CREATE INDEX vouch_vouchee ON vouch(vouchee_id, withdrawn_at);
CREATE TABLE letterbox_code (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    street TEXT NOT NULL DEFAULT '',
    volunteer_id INTEGER REFERENCES volunteer(id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    used_at DATETIME,
    used_by_id INTEGER REFERENCES device(id) ON DELETE SET NULL
);
ALTER TABLE device ADD COLUMN verified_how TEXT NOT NULL DEFAULT '';
ALTER TABLE device ADD COLUMN badge_street TEXT NOT NULL DEFAULT '';
UPDATE device SET verified_how = 'volunteer' WHERE verified_at IS NOT NULL;
ALTER TABLE thanks ADD COLUMN met_someone_new BOOLEAN;
ALTER TABLE thanks ADD COLUMN would_have_bought BOOLEAN;
"""


# The network: the files of a folder this box has read whole (a sync does not read them again), and
# the signed time of each box's latest news beside the time it arrived here.
V11_NETWORK_NEWS = """
CREATE TABLE net_segment (
    name TEXT PRIMARY KEY
);
ALTER TABLE net_box ADD COLUMN news_written_hlc INTEGER NOT NULL DEFAULT 0;
UPDATE net_box SET news_written_hlc = COALESCE(
    (SELECT MAX(hlc) FROM net_event WHERE net_event.box = net_box.key AND net_event.state != 'fork'), 0);
"""


# "Since your last visit": a phone's notices, books and draw entries found by its device, not by reading
# every reply, journal entry and visible item (the list is read whenever a write may have filled it).
V12_MY_NEWS_INDEXES = """
CREATE INDEX notice_device ON notice(device_id);
CREATE INDEX book_device ON book(device_id);
CREATE INDEX draw_entry_device ON draw_entry(device_id);
"""


# Flat at 10x the data: the search tables index every word prefix of 1 to 20 characters (listing.PREFIX_MAX),
# so FTS5 reads a prefix's matches as one list, as it does a whole word's, instead of merging the lists of
# every word that starts with it (at each look-up: a listing probing one row per look-up paid it per row).
# FTS5 takes the option only when a table is made: each is made again and filled from its content table
# ('rebuild'), then merged into one segment ('optimize': a look-up reads one b-tree). V3's triggers keep
# them as before (they name the tables, which keep their names and columns).
V13_SEARCH_PREFIXES = """
DROP TABLE item_fts;
CREATE VIRTUAL TABLE item_fts USING fts5(title, description, content='item', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20');
INSERT INTO item_fts(item_fts) VALUES ('rebuild');
INSERT INTO item_fts(item_fts) VALUES ('optimize');
DROP TABLE book_fts;
CREATE VIRTUAL TABLE book_fts USING fts5(title, author, content='book', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20');
INSERT INTO book_fts(book_fts) VALUES ('rebuild');
INSERT INTO book_fts(book_fts) VALUES ('optimize');
DROP TABLE notice_fts;
CREATE VIRTUAL TABLE notice_fts USING fts5(title, body, content='notice', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20');
INSERT INTO notice_fts(notice_fts) VALUES ('rebuild');
INSERT INTO notice_fts(notice_fts) VALUES ('optimize');
"""


def _v13_search_prefixes(database):
    # Where V3 made no search tables (a SQLite without FTS5) there is nothing to index: searches use LIKE.
    if database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'item_fts'").fetchone():
        _run_script(database, V13_SEARCH_PREFIXES)


# A typed book code is compared as codes.book_key; books.rules.CODE_KEY_SQL is that in SQL. This index
# holds the same expression, so a search word that could be a code finds its book without reading every
# book (and registering a code checks it is new the same way). SQLite uses an expression index only for
# the very same expression, literals included: tests/test_listing_plans.py checks the two still match.
V14_BOOK_CODE_KEY = """
CREATE INDEX book_code_key ON book(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(code),
    '-', ''), ' ', ''), 'O', '0'), 'I', '1'), 'L', '1'), 'U', 'V'));
"""


STEPS = [
    lambda database: _run_script(database, V1_CORE),
    lambda database: _run_script(database, V2_DOMAINS),
    _v3_search,
    lambda database: _run_script(database, V4_LISTING_INDEXES),
    lambda database: _run_script(database, V5_NETWORK),
    lambda database: _run_script(database, V6_HOSTILE_WIFI),
    lambda database: _run_script(database, V7_BEYOND_THE_GIFT),
    lambda database: _run_script(database, V8_MY_POSTS),
    lambda database: _run_script(database, V9_LASTING_LIMITS),
    lambda database: _run_script(database, V10_FILTER_INDEXES),
    lambda database: _run_script(database, V11_NETWORK_NEWS),
    lambda database: _run_script(database, V12_MY_NEWS_INDEXES),
    _v13_search_prefixes,
    lambda database: _run_script(database, V14_BOOK_CODE_KEY),
]
LATEST = len(STEPS)


def current_version(database):
    return database.execute_sql("PRAGMA user_version").fetchone()[0]


def upgrade(database, target=LATEST):
    """Run the missing steps up to ``target``; each step and its version bump commit together."""
    version = current_version(database)
    if version > LATEST:
        raise RuntimeError(
            f"this database is at schema version {version}, newer than this boxlocale ({LATEST})"
        )
    for number in range(version + 1, target + 1):
        with database.atomic("IMMEDIATE"):
            STEPS[number - 1](database)
            database.execute_sql(f"PRAGMA user_version = {number}")
    return current_version(database)


def _tables(connection):
    """{table: {columns}} of a sqlite3 connection; full-text tables left out (FTS5 is optional)."""
    names = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: {row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')}
            for name in names if "_fts" not in name}


def schema_problems(connection):
    """What keeps a database (a sqlite3 connection) from being the box's: no schema, a version this
    boxlocale does not know, or tables and columns its version should have but it lacks."""
    from peewee import SqliteDatabase

    version = connection.execute("PRAGMA user_version").fetchone()[0]
    found = _tables(connection)
    if version == 0:
        return ["the database is empty: it has no schema (version 0" + (", but tables)" if found else ")")]
    if version > LATEST:
        return [f"the database has schema version {version}, this boxlocale knows 1 to {LATEST}"]
    reference = SqliteDatabase(":memory:")
    try:
        upgrade(reference, target=version)
        expected = _tables(reference.connection())
    finally:
        reference.close()
    problems = []
    for table, columns in sorted(expected.items()):
        if table not in found:
            problems.append(f"the database lacks the table {table} (schema version {version})")
        elif columns - found[table]:
            problems.append(f"the database's table {table} lacks {', '.join(sorted(columns - found[table]))}")
    return problems
