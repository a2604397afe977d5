"""Hostile and odd archives, and a box clock that was wrong: pruning by age on disk, config.toml
whitelisted, members larger than their manifest refused before unpacking, databases that would not
start refused, and a broken config.toml that stops nothing."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from boxlocale import backup

from .conftest import ROOT, csrf_token, require
from .console_helpers import logged_in, post
from .test_backup import _refused, demo_box, make_backup, run  # noqa: F401


def _with_member(archive, target, name, data, declared=None):
    """A copy of ``archive`` with the member ``name`` set to (or added as) ``data``, its manifest entry
    saying ``declared`` bytes (by default the truth) and the data's hash."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            if member.name == name:
                continue
            content = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(content)
                manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                           "bytes": len(data) if declared is None else declared}
                content = json.dumps(manifest).encode()
            member.size = len(content)
            out.addfile(member, io.BytesIO(content))
        info = tarfile.TarInfo(name)
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    return target


def _database_changed(archive, target, tmp_path, sql):
    """A copy of ``archive`` whose database went through ``sql`` (with a manifest that matches)."""
    db_file = tmp_path / "changed.sqlite3"
    with tarfile.open(archive) as source:
        db_file.write_bytes(source.extractfile("boxlocale.sqlite3").read())
    connection = sqlite3.connect(db_file)
    connection.executescript(sql)
    connection.close()
    return _with_member(archive, target, "boxlocale.sqlite3", db_file.read_bytes())


def test_pruning_goes_by_age_on_disk_and_keeps_the_new_archive(demo_box, tmp_path):  # noqa: F811
    dest = tmp_path / "nightly"
    dest.mkdir()
    # Written while the clock was a year ahead: their names sort after anything made today.
    for day in range(1, 8):
        old = dest / f"boxlocale-backup-202711{day:02d}-030000.tar.gz"
        old.write_bytes(b"old")
        moment = time.time() - (10 - day) * 86400
        os.utime(old, (moment, moment))
    made = run(demo_box, "backup", "--to", str(dest), "--keep", "3")
    assert made.returncode == 0, made.stderr
    new = dest / made.stdout.strip().rsplit("/", 1)[1]
    names = sorted(p.name for p in dest.iterdir())
    assert new.exists() and new.name in names
    assert names == sorted([new.name, "boxlocale-backup-20271106-030000.tar.gz",
                            "boxlocale-backup-20271107-030000.tar.gz"])


def test_the_console_download_works_after_the_clock_was_ahead(app, client, data_dir):
    logged_in(app, client)
    folder = data_dir / "backups"
    folder.mkdir()
    for day in range(1, 10):
        (folder / f"boxlocale-backup-202711{day:02d}-030000.tar.gz").write_bytes(b"old")
        os.utime(folder / f"boxlocale-backup-202711{day:02d}-030000.tar.gz", (1e9, 1e9))
    response = post(client, "/console/backups/download")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    name = response.headers["Content-Disposition"].split("filename=")[1].strip('"')
    assert (folder / name).exists() and len(list(folder.glob("*.tar.gz"))) == 7


def test_a_restored_config_toml_may_not_switch_off_csrf(demo_box, tmp_path):  # noqa: F811
    archive = make_backup(demo_box, tmp_path / "backups")
    hostile = _with_member(archive, tmp_path / "csrf.tar.gz", "config.toml", b"WTF_CSRF_ENABLED = false\n")
    assert "WTF_CSRF_ENABLED" in _refused(demo_box, hostile)
    broken = _with_member(archive, tmp_path / "broken.tar.gz", "config.toml", b"this is [not toml\n")
    assert "config.toml" in _refused(demo_box, broken)
    fine = _with_member(archive, tmp_path / "fine.tar.gz", "config.toml", b"min_free_disk_mb = 80\n")
    assert run(demo_box, "restore", str(fine)).returncode == 0


def test_unknown_keys_in_config_toml_are_ignored_by_the_box(tmp_path):
    from boxlocale import create_app

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "config.toml").write_text('WTF_CSRF_ENABLED = false\nSECRET_KEY = "x"\nmax_photos_per_item = 2\n')
    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False})
    assert app.config["WTF_CSRF_ENABLED"] is not False and app.config["SECRET_KEY"] != "x"
    assert app.config["MAX_PHOTOS_PER_ITEM"] == 2
    client = app.test_client()
    page = client.get("/give/offer")
    assert csrf_token(page.get_data(as_text=True))
    assert client.post("/give/offer", data={"title": "Sans jeton"}).status_code == 400


def test_an_invalid_config_toml_stops_neither_the_box_nor_restore_nor_check(demo_box, tmp_path, start_box):  # noqa: F811
    archive = make_backup(demo_box, tmp_path / "backups")
    (demo_box / "config.toml").write_text("max_photos_per_item = [\n")
    check = run(demo_box, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "config.toml cannot be read" in check.stderr and "ignored" in check.stderr
    box = start_box(demo_box)
    assert box.session().get(box.url + "/give/", timeout=10).status_code == 200
    assert "config.toml cannot be read" in box.output()
    box.stop()
    restored = run(demo_box, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr


def test_a_member_larger_than_its_manifest_says_is_refused_before_unpacking(demo_box, tmp_path):  # noqa: F811
    archive = make_backup(demo_box, tmp_path / "backups")
    photo = next(n for n in tarfile.open(archive).getnames() if n.startswith("photos/"))
    bomb = _with_member(archive, tmp_path / "bomb.tar.gz", photo, b"\0" * (40 * 2**20), declared=1200)
    assert bomb.stat().st_size < 2**20  # a small gzip that unpacks to 40 MB
    assert "not the size its manifest says" in _refused(demo_box, bomb)


def test_a_database_without_tables_or_with_a_broken_setting_is_refused(demo_box, tmp_path):  # noqa: F811
    archive = make_backup(demo_box, tmp_path / "backups")
    tables = sqlite3.connect(demo_box / "boxlocale.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%fts%'").fetchall()
    drop = "".join(f'DROP TABLE IF EXISTS "{name}";' for (name,) in tables)
    empty = _database_changed(archive, tmp_path / "empty.tar.gz", tmp_path, "PRAGMA foreign_keys=OFF;" + drop)
    assert "lacks the table" in _refused(demo_box, empty)
    setting = _database_changed(archive, tmp_path / "setting.tar.gz", tmp_path,
                                "UPDATE setting SET value = 'not json' WHERE key = 'village';")
    assert "not readable" in _refused(demo_box, setting)
    offset = _database_changed(archive, tmp_path / "offset.tar.gz", tmp_path,
                               "INSERT OR REPLACE INTO setting VALUES ('clock_offset_seconds', '\"abc\"');")
    assert "wrong kind" in _refused(demo_box, offset)


def test_a_broken_setting_does_not_stop_the_box_and_check_reports_it(demo_box, start_box):  # noqa: F811
    connection = sqlite3.connect(demo_box / "boxlocale.sqlite3")
    connection.execute("INSERT OR REPLACE INTO setting VALUES ('hold_hours', 'twenty')")
    connection.commit()
    connection.close()
    check = run(demo_box, "check")
    assert check.returncode == 1 and "hold_hours" in check.stdout, check.stdout
    box = start_box(demo_box)
    assert box.session().get(box.url + "/give/", timeout=10).status_code == 200
    assert "hold_hours" in box.output()  # said in the log: the default is used


def test_the_nightly_script_keeps_the_new_archive_after_the_clock_was_ahead(demo_box, tmp_path):  # noqa: F811
    """deploy/pi/nightly-backup.sh with old archives dated a year ahead, on the box and on a stick."""
    require(os.geteuid() == 0, "mounting a tmpfs as the USB stick needs root")
    usb = tmp_path / "usb"
    usb.mkdir()
    assert subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(usb)]).returncode == 0
    try:
        future = time.time() + 365 * 86400
        for folder in (demo_box / "backups", usb / "boxlocale-sauvegardes"):
            folder.mkdir(parents=True)
            for day in range(1, 9):
                old = folder / f"boxlocale-backup-202711{day:02d}-030000.tar.gz"
                old.write_bytes(b"old")
                os.utime(old, (future + day, future + day))
        (usb / "boxlocale-sauvegardes" / "boxlocale-backup-20261101-030000.tar.gz.part").write_bytes(b"")
        env = dict(os.environ, BOXLOCALE_DATA_DIR=str(demo_box), BOXLOCALE_USB_DIR=str(usb),
                   PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        done = subprocess.run(["sh", str(ROOT / "deploy/pi/nightly-backup.sh")], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        new = done.stdout.splitlines()[0].rsplit("/", 1)[1]
        for folder in (demo_box / "backups", usb / "boxlocale-sauvegardes"):
            names = sorted(p.name for p in folder.iterdir())
            assert new in names and len(names) == 7, names
            assert backup.verify(folder / new, tmp_path / f"check-{folder.name}")
    finally:
        subprocess.run(["umount", str(usb)])
