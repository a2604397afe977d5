"""Backups: `boxlocale backup` → wipe → `boxlocale restore` gives the same rows and photos; a damaged or
foreign archive is refused and leaves the data untouched; --keep; the console's download and warnings."""

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile

import pytest

from boxlocale import backup

from .console_helpers import logged_in, post

TABLES = ("setting", "device", "volunteer", "photo", "item", "item_photo", "book", "journal_entry", "notice",
          "reply", "flag", "thanks")


def run(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120)


def snapshot(data_dir):
    """Every row of every table, and every photo file's hash."""
    connection = sqlite3.connect(data_dir / "boxlocale.sqlite3")
    rows = {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}  # noqa: S608
    connection.close()
    photos = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (data_dir / "photos").iterdir()}
    return rows, photos


@pytest.fixture
def demo_box(tmp_path):
    data_dir = tmp_path / "box"
    assert run(data_dir, "demo").returncode == 0
    return data_dir


def make_backup(data_dir, dest, *extra):
    done = run(data_dir, "backup", "--to", str(dest), *extra)
    assert done.returncode == 0, done.stderr
    return next(dest.glob("boxlocale-backup-*.tar.gz"))


def test_backup_wipe_restore_gives_the_same_rows_and_photos(demo_box, tmp_path):
    before = snapshot(demo_box)
    assert before[1] and before[0]["item"] and before[0]["book"]
    archive = make_backup(demo_box, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        settings_json = json.load(tar.extractfile("settings.json"))
    assert manifest["format"] == "boxlocale-backup" and "boxlocale.sqlite3" in manifest["files"]
    assert all(len(facts["sha256"]) == 64 for facts in manifest["files"].values())
    assert settings_json["village"] == "Chavenay"
    assert "secret_key" not in manifest["files"]

    # The SD card dies: a new, empty box gets the backup.
    shutil.rmtree(demo_box)
    restored = run(demo_box, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert snapshot(demo_box) == before
    assert run(demo_box, "check").returncode == 0


def test_restore_replaces_changed_data_and_keeps_the_old_aside(demo_box, tmp_path):
    before = snapshot(demo_box)
    archive = make_backup(demo_box, tmp_path / "backups")
    connection = sqlite3.connect(demo_box / "boxlocale.sqlite3")
    connection.execute("DELETE FROM item_photo")
    connection.execute("DELETE FROM item")
    connection.commit()
    connection.close()
    next((demo_box / "photos").iterdir()).unlink()
    assert snapshot(demo_box) != before
    assert run(demo_box, "restore", str(archive)).returncode == 0
    assert snapshot(demo_box) == before
    aside = next(demo_box.glob("before-restore-*"))
    assert (aside / "boxlocale.sqlite3").exists() and (aside / "photos").is_dir()


def _rewrite(archive, target, change):
    """A copy of ``archive`` with each member passed through change(name, data) -> data (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def _refused(data_dir, archive):
    before = snapshot(data_dir)
    db_bytes = (data_dir / "boxlocale.sqlite3").read_bytes()
    result = run(data_dir, "restore", str(archive))
    assert result.returncode == 1 and "refused" in result.stderr
    assert (data_dir / "boxlocale.sqlite3").read_bytes() == db_bytes and snapshot(data_dir) == before
    assert not list(data_dir.glob("before-restore-*")) and not list(data_dir.glob(".restore-*"))
    return result.stderr


def test_a_damaged_archive_is_refused_and_nothing_changes(demo_box, tmp_path):
    archive = make_backup(demo_box, tmp_path / "backups")
    raw = bytearray(archive.read_bytes())
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    _refused(demo_box, truncated)
    flipped = tmp_path / "flipped.tar.gz"
    raw[len(raw) // 2] ^= 0xFF
    flipped.write_bytes(raw)
    _refused(demo_box, flipped)


def test_a_changed_photo_or_database_is_caught_by_the_manifest(demo_box, tmp_path):
    archive = make_backup(demo_box, tmp_path / "backups")
    photo = _rewrite(archive, tmp_path / "photo.tar.gz",
                     lambda name, data: data[:-10] + b"0123456789" if name.endswith(".t.jpg") else data)
    assert "damaged file" in _refused(demo_box, photo)
    missing = _rewrite(archive, tmp_path / "missing.tar.gz",
                       lambda name, data: None if name.startswith("photos/") else data)
    assert "do not match" in _refused(demo_box, missing)


def test_a_member_larger_than_its_manifest_is_refused_before_it_is_unpacked(demo_box, tmp_path):
    # 64 MB of zeros gzip to about 64 KB: unpacked whole, a few of them would fill an SD card.
    archive = make_backup(demo_box, tmp_path / "backups")
    bomb = _rewrite(archive, tmp_path / "bomb.tar.gz",
                    lambda name, data: bytes(64 << 20) if name.endswith(".t.jpg") else data)
    assert bomb.stat().st_size < 2 << 20
    assert "damaged file" in _refused(demo_box, bomb)
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    with pytest.raises(backup.BackupError):
        backup.verify(bomb, unpacked)
    assert all(path.stat().st_size < 1 << 20 for path in unpacked.rglob("*") if path.is_file())


def test_a_foreign_or_malicious_archive_is_refused(demo_box, tmp_path):
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("readme.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert "no manifest" in _refused(demo_box, foreign)
    archive = make_backup(demo_box, tmp_path / "backups")
    evil = tmp_path / "evil.tar.gz"
    payload = b"x"
    with tarfile.open(archive) as source, tarfile.open(evil, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["files"]["../evil"] = {"sha256": hashlib.sha256(payload).hexdigest(), "bytes": 1}
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
        info = tarfile.TarInfo("../evil")
        info.size = 1
        out.addfile(info, io.BytesIO(payload))
    assert "unexpected entry" in _refused(demo_box, evil)
    assert not (demo_box.parent / "evil").exists()


def test_keep_only_the_newest_archives(demo_box, tmp_path):
    dest = tmp_path / "nightly"
    dest.mkdir()
    for day in range(1, 10):
        (dest / f"boxlocale-backup-202611{day:02d}-030000.tar.gz").write_bytes(b"old")
    (dest / "notes.txt").write_text("not a backup: left alone")
    make_backup(demo_box, dest, "--keep", "7")
    names = sorted(p.name for p in dest.iterdir())
    assert len([n for n in names if n.startswith("boxlocale-backup-")]) == 7
    assert "notes.txt" in names and "boxlocale-backup-20261101-030000.tar.gz" not in names


def test_the_console_downloads_a_backup_and_shows_the_last_one(app, client, data_dir, tmp_path):
    logged_in(app, client)
    assert "Aucune sauvegarde" in client.get("/console/backups").get_data(as_text=True)
    response = post(client, "/console/backups/download")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert "attachment" in response.headers["Content-Disposition"]
    downloaded = tmp_path / "downloaded.tar.gz"
    downloaded.write_bytes(response.get_data())
    manifest = backup.verify(downloaded, tmp_path / "unpacked")
    assert "boxlocale.sqlite3" in manifest["files"]
    copy = sqlite3.connect(tmp_path / "unpacked" / "boxlocale.sqlite3")
    assert copy.execute("SELECT name FROM volunteer").fetchall() == [("Claire",)]
    copy.close()
    page = client.get("/console/backups").get_data(as_text=True)
    assert "Aucune sauvegarde" not in page and "Dernière sauvegarde" in page
    assert "a fait une sauvegarde" in client.get("/console/audit").get_data(as_text=True)


def test_the_console_warns_when_the_disk_is_almost_full(app, client, monkeypatch):
    logged_in(app, client)
    monkeypatch.setattr(backup, "disk_space", lambda data_dir: (5 * 2**20, 100 * 2**20))
    assert "moins d" in client.get("/console/backups").get_data(as_text=True)
    assert "presque pleine" in client.get("/console/").get_data(as_text=True)
    monkeypatch.setattr(backup, "disk_space", lambda data_dir: (50 * 2**20, 100 * 2**20))
    assert "presque pleine" not in client.get("/console/").get_data(as_text=True)


def test_two_restores_in_the_same_second_keep_both_previous_datas(demo_box, tmp_path):
    from datetime import datetime

    from boxlocale import backup, clock

    archive = backup.create(demo_box, tmp_path / "out")
    clock.freeze(datetime(2026, 12, 1, 12, 0, 0))
    try:
        first = backup.restore(archive, demo_box)
        second = backup.restore(archive, demo_box)
    finally:
        clock.freeze(None)
    assert first != second and (first / "boxlocale.sqlite3").exists() and (second / "boxlocale.sqlite3").exists()
