"""Backups: the database (SQLite's online backup API, consistent while the box serves), the photos
and the settings, in one ``.tar.gz`` with a manifest of SHA-256 sums; and the restore that checks
everything before it touches the current data.

Archive layout: ``manifest.json``, ``boxlocale.sqlite3``, ``settings.json`` (the box settings, readable
by a person), ``config.toml`` (when the data dir has one), ``photos/<file>``. The secret key stays out:
a downloaded archive must not carry what signs the volunteers' sessions.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from . import clock, migrations
from .db import DB_FILENAME

FORMAT = "boxlocale-backup"
FORMAT_VERSION = 1
NAME_RE = re.compile(r"^boxlocale-backup-\d{8}-\d{6}\.tar\.gz$")
LAST_BACKUP_FILE = "last_backup.json"
_MEMBER_RE = re.compile(r"^(boxlocale\.sqlite3|settings\.json|config\.toml|photos/[A-Za-z0-9._-]+)$")


class BackupError(Exception):
    """A backup could not be made, or an archive is damaged or not a boxlocale backup."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_database(source, target):
    """A consistent copy of the live database, even while the box writes (SQLite's backup API)."""
    if not Path(source).is_file():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=256)
    finally:
        dst.close()
        src.close()


def _settings_rows(db_file):
    connection = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return {key: json.loads(value) for key, value in connection.execute("SELECT key, value FROM setting")}
    finally:
        connection.close()


def create(data_dir, dest_dir, keep=None):
    """Write a new archive into ``dest_dir``; keep the newest ``keep`` archives there. Returns its path."""
    data_dir, dest_dir = Path(data_dir), Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    moment = clock.now()
    final = dest_dir / f"boxlocale-backup-{moment:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".backup-") as work:
        work = Path(work)
        db_copy = work / DB_FILENAME
        _copy_database(data_dir / DB_FILENAME, db_copy)
        (work / "settings.json").write_text(json.dumps(_settings_rows(db_copy), ensure_ascii=False, indent=1))
        files = {DB_FILENAME: db_copy, "settings.json": work / "settings.json"}
        if (data_dir / "config.toml").is_file():
            files["config.toml"] = data_dir / "config.toml"
        photo_dir = data_dir / "photos"
        if photo_dir.is_dir():
            for photo in sorted(photo_dir.iterdir()):
                if photo.is_file() and not photo.name.startswith("."):
                    files[f"photos/{photo.name}"] = photo
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "created_at": moment.isoformat(timespec="seconds"),
            "schema_version": migrations.LATEST,
            "files": {name: {"sha256": _sha256(path), "bytes": path.stat().st_size} for name, path in files.items()},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            archive.add(work / "manifest.json", "manifest.json")
            for name, path in files.items():
                archive.add(path, name)
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, final)
    _fsync_dir(dest_dir)
    _record_last_backup(data_dir, final, moment)
    if keep:
        prune(dest_dir, keep)
    return final


def prune(dest_dir, keep):
    """Delete the oldest archives in ``dest_dir`` beyond the newest ``keep``."""
    archives = sorted(p for p in Path(dest_dir).iterdir() if NAME_RE.match(p.name))
    for old in archives[: max(0, len(archives) - keep)]:
        old.unlink()


def _record_last_backup(data_dir, path, moment):
    record = {"at": moment.isoformat(timespec="seconds"), "path": str(path), "bytes": path.stat().st_size}
    target = data_dir / LAST_BACKUP_FILE
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, target)


def last_backup(data_dir):
    """{"at": datetime, "path", "bytes"} of the last backup made on this box, or None."""
    try:
        record = json.loads((Path(data_dir) / LAST_BACKUP_FILE).read_text())
        record["at"] = datetime.fromisoformat(record["at"])
        return record
    except (OSError, ValueError, KeyError):
        return None


def verify(archive_path, into):
    """Unpack ``archive_path`` into the empty folder ``into`` and check every file against the manifest
    and the database's integrity. Returns the manifest; raises BackupError on any problem."""
    into = Path(into)
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            names = [m.name for m in members]
            if "manifest.json" not in names:
                raise BackupError("not a boxlocale backup: no manifest.json")
            manifest = json.load(archive.extractfile("manifest.json"))
            if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
                raise BackupError("not a boxlocale backup: unknown manifest")
            expected = set(manifest["files"]) | {"manifest.json"}
            if set(names) != expected or len(names) != len(set(names)):
                raise BackupError("the archive's files do not match its manifest")
            for member in members:
                if member.name != "manifest.json" and (not member.isfile() or not _MEMBER_RE.match(member.name)):
                    raise BackupError(f"unexpected entry in the archive: {member.name}")
            for member in members:
                _unpack_member(archive, member, into, manifest)
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"the archive cannot be read: {error}") from error
    for name, facts in manifest["files"].items():
        path = into / name
        if path.stat().st_size != facts.get("bytes") or _sha256(path) != facts.get("sha256"):
            raise BackupError(f"damaged file in the archive: {name}")
    _check_database(into / DB_FILENAME)
    return manifest


def _unpack_member(archive, member, into, manifest):
    """Copy one checked member out of the archive, never more bytes than the manifest announces.

    Streaming the members ourselves (instead of ``extractall``) works the same on every Python the
    box runs on (Debian 12's 3.11.2 has no extraction filters), never applies the archive's owners or
    modes, and stops a member that claims more than its manifest says before it can fill the SD card.
    """
    if member.name != "manifest.json":
        facts = manifest["files"][member.name]
        if not isinstance(facts, dict) or member.size != facts.get("bytes"):
            raise BackupError(f"damaged file in the archive: {member.name}")
    target = into / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.extractfile(member) as source, open(target, "xb") as out:
        shutil.copyfileobj(source, out)


def _check_database(path):
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database in the archive cannot be read: {error}") from error
    if result != ["ok"]:
        raise BackupError("the database in the archive is damaged: " + "; ".join(result[:3]))
    if not 1 <= version <= migrations.LATEST:
        raise BackupError(f"the database in the archive has schema version {version}, this boxlocale "
                          f"knows 1 to {migrations.LATEST}")


def restore(archive_path, data_dir):
    """Replace the data dir's database, photos and config.toml with the archive's.

    Everything is unpacked and checked first, beside the data (same disk); only then are the current
    files moved aside into ``before-restore-<time>/`` (kept, in case) and the restored ones moved in.
    Stop the box before restoring. Returns the folder holding the previous data.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))
    try:
        verify(archive_path, staging)
        (staging / "photos").mkdir(exist_ok=True)
        (staging / "settings.json").unlink()
        # A second restore within the same second (a double tap in the console) gets its own folder.
        aside = Path(tempfile.mkdtemp(dir=data_dir, prefix=f"before-restore-{clock.now():%Y%m%d-%H%M%S}-"))
        for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm", "photos", "config.toml"):
            if (data_dir / name).exists():
                os.replace(data_dir / name, aside / name)
        for name in ("photos", "config.toml", DB_FILENAME):  # the database last: it makes the restore
            if (staging / name).exists():
                os.replace(staging / name, data_dir / name)
        _fsync_dir(data_dir)
        return aside
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def disk_space(data_dir):
    """(free bytes, total bytes) of the disk holding the data dir."""
    usage = shutil.disk_usage(data_dir)
    return usage.free, usage.total
