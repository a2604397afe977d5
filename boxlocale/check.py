"""``boxlocale check``: is the database sound, and is every photo file there and intact?"""

from .db import database
from .photos import check_stored_photos


def run_checks():
    """Return a list of problems, in plain words (empty when all is well)."""
    problems = []
    try:
        result = [row[0] for row in database.execute_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems.extend(f"database integrity: {line}" for line in result)
        for row in database.execute_sql("PRAGMA foreign_key_check").fetchall():
            problems.append(f"database: broken link in table {row[0]} row {row[1]} to {row[2]}")
    except Exception as error:
        return [f"database cannot be read: {error}"]
    problems.extend(check_stored_photos())
    return problems
