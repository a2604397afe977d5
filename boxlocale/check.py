"""``boxlocale check``: is the database sound, and is every photo file there and intact?

It also reports what power cuts leave behind: photo files no row knows (a post cut before its
transaction committed), temporary files of interrupted writes, and the work folders of an interrupted
backup or restore. ``check --repair`` removes those; ``serve`` removes the temporary files and work
folders at start (not the photo files: only ``--repair`` deletes photos, so a volunteer sees the list
first).
"""

import sqlite3
from pathlib import Path

from flask import current_app

from . import backup, migrations, settings
from .db import DB_FILENAME, database
from .files import DataDirBusy, data_dir_exclusive, leftover_tmp_files
from .models import Setting
from .photos import check_stored_photos, orphan_photo_files, photo_dir


def database_file_problems(data_dir):
    """Look at the database file before the app opens it (opening it would create a new, empty
    schema): a 0-byte or schema-less database, or none where the data dir shows one existed."""
    data_dir = Path(data_dir)
    path = data_dir / DB_FILENAME
    if not path.exists():
        if (data_dir / "secret_key").exists():
            return [f"no database in {data_dir}, though the box was started there before (restore a backup)"]
        return []
    try:
        connection = sqlite3.connect(path, timeout=30)
        try:
            return [f"{problem} (restore a backup)" for problem in migrations.schema_problems(connection)]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return [f"the database cannot be opened: {error}"]


def leftovers(data_dir):
    """(description, path) of each thing a power cut left behind."""
    data_dir = Path(data_dir)
    found = [("orphan photo file (no photo row)", path) for path in orphan_photo_files()]
    found += [("temporary file of an interrupted write", path)
              for path in leftover_tmp_files(data_dir, photo_dir(), data_dir / "backups")]
    found += [("work folder of an interrupted backup", path) for path in backup.abandoned_work(data_dir / "backups")]
    found += [("work folder of an interrupted restore", path)
              for path in sorted(data_dir.glob(".restore-*")) if path.is_dir()]
    return found


def repair(data_dir):
    """Remove what ``leftovers`` lists (work folders in use by a running backup stay). Returns paths."""
    removed = []
    for _what, path in leftovers(data_dir):
        if path.is_dir():
            continue  # the folders below, each with its own rule
        path.unlink(missing_ok=True)
        removed.append(path)
    removed += backup.remove_abandoned_work(Path(data_dir) / "backups")
    try:
        with data_dir_exclusive(data_dir):  # no restore running (nor a box, which cleans them itself)
            removed += backup.remove_abandoned_restores(data_dir)
    except DataDirBusy:
        pass
    return removed


def clean_at_start(data_dir):
    """What ``serve`` removes before it answers (it holds the data dir: no restore runs): temporary
    files and work folders of interrupted writes, backups and restores."""
    removed = leftover_tmp_files(data_dir, photo_dir(), Path(data_dir) / "backups")
    for path in removed:
        path.unlink(missing_ok=True)
    removed += backup.remove_abandoned_work(Path(data_dir) / "backups")
    removed += backup.remove_abandoned_restores(data_dir)
    return removed


def run_checks(data_dir=None):
    """Return a list of problems, in plain words (empty when all is well). In an app context."""
    data_dir = data_dir or current_app.config["DATA_DIR"]
    problems = []
    try:
        result = [row[0] for row in database.execute_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems.extend(f"database integrity: {line}" for line in result)
        for row in database.execute_sql("PRAGMA foreign_key_check").fetchall():
            problems.append(f"database: broken link in table {row[0]} row {row[1]} to {row[2]}")
        problems.extend(settings.problems_in({row.key: row.value for row in Setting.select()}))
    except Exception as error:
        return [f"database cannot be read: {error}"]
    problems.extend(check_stored_photos())
    problems.extend(f"{what}: {path} (boxlocale check --repair removes it)" for what, path in leftovers(data_dir))
    return problems
