"""The durable store: pragmas, schema versions and upgrades, the secret key, ``boxlocale check``."""

import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from peewee import OperationalError, SqliteDatabase

from boxlocale import create_app, migrations, models
from boxlocale.db import DB_FILENAME, database


def run_cli(*args, data_dir=None, input_text=None):
    command = [sys.executable, "-m", "boxlocale", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, input=input_text, timeout=60)


def test_pragmas_on_every_connection(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    # OFF in the unit fixture only (durability is not what it tests); a box's FULL: tests/test_fixtures.py
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 0
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_database_is_a_real_file_in_the_data_dir(app, data_dir):
    assert (data_dir / DB_FILENAME).is_file()
    assert database.database == str(data_dir / DB_FILENAME)


def test_every_model_matches_the_migrated_schema(db):
    for model in models.ALL_MODELS:
        table = model._meta.table_name
        columns = {row[1] for row in db.execute_sql(f"PRAGMA table_info({table})").fetchall()}
        fields = {field.column_name for field in model._meta.sorted_fields}
        assert fields == columns, f"{table}: model {sorted(fields ^ columns)} differ from the schema"


def test_a_version_1_file_opens_upgraded_with_its_rows_intact(tmp_path):
    data_dir = tmp_path / "old"
    data_dir.mkdir()
    old = SqliteDatabase(str(data_dir / DB_FILENAME))
    old.connect()
    migrations.upgrade(old, target=1)
    old.execute_sql("INSERT INTO setting(key, value) VALUES ('box_name', '\"Box de Saint-Cyr\"')")
    old.execute_sql(
        "INSERT INTO device(key_hash, pseudonym, created_at) VALUES ('abc', 'Margot', '2026-01-02 10:00:00')"
    )
    assert migrations.current_version(old) == 1
    old.close()

    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False})
    with app.app_context(), database.connection_context():
        assert migrations.current_version(database) == migrations.LATEST
        assert models.Device.get(models.Device.pseudonym == "Margot").key_hash == "abc"
        assert models.Item.select().count() == 0  # the tables of version 2 exist
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Box de Saint-Cyr" in html


def test_upgrade_of_one_step_is_all_or_nothing(tmp_path):
    old = SqliteDatabase(str(tmp_path / "half.sqlite3"))
    old.connect()
    migrations.upgrade(old, target=1)
    old.execute_sql("CREATE TABLE reply (id INTEGER PRIMARY KEY)")  # a clash makes step 2 fail midway
    with pytest.raises(OperationalError, match="already exists"):
        migrations.upgrade(old)
    assert migrations.current_version(old) == 1
    tables = {row[0] for row in old.execute_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "item" not in tables  # the failed step left nothing behind


def test_a_newer_database_is_refused(tmp_path):
    data_dir = tmp_path / "new"
    data_dir.mkdir()
    raw = sqlite3.connect(data_dir / DB_FILENAME)
    raw.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    raw.close()
    with pytest.raises(RuntimeError, match="newer"):
        create_app({"DATA_DIR": str(data_dir)})


def test_secret_key_is_created_once_with_mode_0600(app, data_dir):
    path = data_dir / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 64
    again = create_app({"DATA_DIR": str(data_dir)})
    assert again.config["SECRET_KEY"] == key


def test_cli_help_and_module_entry_point():
    assert "serve" in run_cli("--help").stdout
    script = os.path.join(os.path.dirname(sys.executable), "boxlocale")
    installed = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert installed.returncode == 0 and "check" in installed.stdout


def test_cli_init_then_check_ok(tmp_path):
    data_dir = tmp_path / "fresh"
    assert run_cli("init", data_dir=data_dir).returncode == 0
    assert (data_dir / DB_FILENAME).exists() and (data_dir / "secret_key").exists()
    result = run_cli("check", data_dir=data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_cli_check_finds_a_corrupted_database(tmp_path):
    data_dir = tmp_path / "broken"
    assert run_cli("init", data_dir=data_dir).returncode == 0
    path = data_dir / DB_FILENAME
    for suffix in ("-wal", "-shm"):
        (data_dir / (DB_FILENAME + suffix)).unlink(missing_ok=True)
    raw = bytearray(path.read_bytes())
    raw[4096:4096 * 3] = b"\xde\xad\xbe\xef" * 2048  # scribble over the first table pages
    path.write_bytes(bytes(raw))
    result = run_cli("check", data_dir=data_dir)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PROBLEM" in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_check_finds_a_damaged_photo_file(app, data_dir):
    from datetime import datetime

    from boxlocale.db import writing
    from boxlocale.photos import photo_dir

    with app.app_context(), database.connection_context():
        with writing():
            models.Photo.create(sha="a" * 64, width=1, height=1, thumb_width=1, thumb_height=1,
                                bytes=3, thumb_bytes=3, created_at=datetime(2026, 1, 1))
        folder = photo_dir()
    (folder / ("a" * 64 + ".jpg")).write_bytes(b"not the photo")
    result = run_cli("check", data_dir=data_dir)
    assert result.returncode == 1
    assert "damaged" in result.stdout and "thumbnail missing" in result.stdout
