"""Backups: the database (SQLite's online backup API, consistent while the box serves), the photos
and the settings, in one ``.tar.gz`` with a manifest of SHA-256 sums; and the restore that checks
everything before it touches the current data.

Archive layout: ``manifest.json``, ``boxlocale.sqlite3``, ``settings.json`` (the box settings, readable
by a person), ``config.toml`` (when the data dir has one), ``photos/<file>``. The secret key stays out:
a downloaded archive must not carry what signs the volunteers' sessions.
"""

import fcntl
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

from . import clock, migrations, settings
from .config import read_config_file
from .db import DB_FILENAME
from .files import DataDirBusy, atomic_file, atomic_write, data_dir_exclusive, fsync_path, fsync_tree

FORMAT = "boxlocale-backup"
FORMAT_VERSION = 1
NAME_RE = re.compile(r"^boxlocale-backup-\d{8}-\d{6}(-\d+)?\.tar\.gz$")
LAST_BACKUP_FILE = "last_backup.json"
_MEMBER_RE = re.compile(r"^(boxlocale\.sqlite3|settings\.json|config\.toml|photos/[A-Za-z0-9._-]+)$")
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# Left on the disk after unpacking an archive, so the box still has room to write.
UNPACK_MARGIN_BYTES = 50 * 1024 * 1024


class BackupError(Exception):
    """A backup could not be made, or an archive is damaged or not a boxlocale backup."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    remove_abandoned_work(dest_dir)
    moment = clock.now()
    final = _free_name(dest_dir, moment)
    work = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".backup-"))
    work_fd = os.open(work, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(work_fd, fcntl.LOCK_EX)  # "in use": remove_abandoned_work leaves it alone
        _write_archive(data_dir, work, final, moment)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        os.close(work_fd)
    fsync_path(dest_dir)
    _record_last_backup(data_dir, final, moment)
    if keep:
        prune(dest_dir, keep, keep_also=final)
    return final


def _free_name(dest_dir, moment):
    """The archive's name, from the box's time; never one already there (the clock may have gone back)."""
    stem = f"boxlocale-backup-{moment:%Y%m%d-%H%M%S}"
    final, number = dest_dir / f"{stem}.tar.gz", 1
    while final.exists():
        number += 1
        final = dest_dir / f"{stem}-{number}.tar.gz"
    return final


def _write_archive(data_dir, work, final, moment):
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
    # Written in the work folder, so a cut leaves it where remove_abandoned_work finds it.
    with atomic_file(final, tmp=work / "archive.tar.gz") as out, \
            tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as archive:
        archive.add(work / "manifest.json", "manifest.json")
        for name, path in files.items():
            archive.add(path, name)


def abandoned_work(folder):
    """The ``.backup-*`` work folders a power cut (or a kill) left in ``folder``, each holding a full
    copy of the database. A backup in progress holds a lock on its folder: that one is not listed."""
    try:
        entries = sorted(p for p in Path(folder).iterdir() if p.name.startswith(".backup-") and p.is_dir())
    except FileNotFoundError:
        return []
    abandoned = []
    for work in entries:
        fd = os.open(work, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a backup is writing there right now
        else:
            abandoned.append(work)
        finally:
            os.close(fd)
    return abandoned


def remove_abandoned_work(folder):
    """Remove what ``abandoned_work`` lists; returns the folders removed."""
    removed = abandoned_work(folder)
    for work in removed:
        shutil.rmtree(work, ignore_errors=True)
    return removed


def prune(dest_dir, keep, keep_also=None):
    """Delete the oldest archives in ``dest_dir`` (by their age on the disk, not their names, which
    come from a clock that may have been wrong) beyond the newest ``keep``; never ``keep_also``."""
    archives = [p for p in Path(dest_dir).iterdir() if NAME_RE.match(p.name) and p != keep_also]
    archives.sort(key=lambda p: (p.stat().st_mtime, p.name))
    room = max(0, keep - (1 if keep_also else 0))
    for old in archives[: max(0, len(archives) - room)]:
        old.unlink(missing_ok=True)


def _record_last_backup(data_dir, path, moment):
    record = {"at": moment.isoformat(timespec="seconds"), "path": str(path), "bytes": path.stat().st_size}
    atomic_write(data_dir / LAST_BACKUP_FILE, json.dumps(record))


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
    into.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            manifest = _read_manifest(archive, members)
            _check_sizes(members, manifest, into)
            for member in members:
                _unpack_member(archive, member, into)
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"the archive cannot be read: {error}") from error
    for name, facts in manifest["files"].items():
        path = into / name
        if path.stat().st_size != facts.get("bytes") or _sha256(path) != facts.get("sha256"):
            raise BackupError(f"damaged file in the archive: {name}")
    _check_database(into / DB_FILENAME)
    if (into / "config.toml").exists():
        _values, problems = read_config_file(into / "config.toml")
        if problems:
            raise BackupError("the archive's config.toml is not one this box accepts: "
                              + "; ".join(p.replace(str(into / "config.toml"), "config.toml") for p in problems))
    return manifest


def _read_manifest(archive, members):
    names = [m.name for m in members]
    if "manifest.json" not in names:
        raise BackupError("not a boxlocale backup: no manifest.json")
    entry = archive.getmember("manifest.json")
    if not entry.isfile() or entry.size > MAX_MANIFEST_BYTES:
        raise BackupError("not a boxlocale backup: unknown manifest")
    manifest = json.load(archive.extractfile(entry))
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or not isinstance(manifest.get("files"), dict)
            or not all(isinstance(facts, dict) for facts in manifest["files"].values())):
        raise BackupError("not a boxlocale backup: unknown manifest")
    expected = set(manifest["files"]) | {"manifest.json"}
    if set(names) != expected or len(names) != len(set(names)):
        raise BackupError("the archive's files do not match its manifest")
    for member in members:
        if member.name != "manifest.json" and (not member.isfile() or not _MEMBER_RE.match(member.name)):
            raise BackupError(f"unexpected entry in the archive: {member.name}")
    return manifest


def _check_sizes(members, manifest, into):
    """Before anything is unpacked: each file as large as the manifest says (a small gzip can hold
    gigabytes of zeros), and all of them fitting on the disk with room to spare."""
    total = 0
    for member in members:
        if member.name == "manifest.json":
            continue
        declared = manifest["files"][member.name].get("bytes")
        if not isinstance(declared, int) or member.size != declared:
            raise BackupError(f"damaged file in the archive: {member.name} is not the size its manifest says")
        total += member.size
    free = shutil.disk_usage(into).free
    if total > free - UNPACK_MARGIN_BYTES:
        raise BackupError(f"the archive needs {total // 2**20} MB, the disk has {free // 2**20} MB free")


def _unpack_member(archive, member, into):
    """Copy one checked member (its size already compared with the manifest) out of the archive.

    Streaming the members ourselves (instead of ``extractall``) works the same on every Python the
    box runs on (Debian 12's 3.11.2 has no extraction filters) and never applies the archive's owners
    or modes.
    """
    target = into / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.extractfile(member) as source, open(target, "xb") as out:
        shutil.copyfileobj(source, out)


def _check_database(path):
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise BackupError("the database in the archive is damaged: " + "; ".join(result[:3]))
            problems = migrations.schema_problems(connection)
            if not problems:
                rows = dict(connection.execute("SELECT key, value FROM setting"))
                problems = settings.problems_in(rows)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database in the archive cannot be read: {error}") from error
    if problems:
        raise BackupError("the database in the archive is not usable: " + "; ".join(problems[:3]))


def restore(archive_path, data_dir):
    """Replace the data dir's database, photos and config.toml with the archive's.

    Everything is unpacked and checked first, beside the data (same disk), and fsynced. Then, so that
    a power cut at any moment leaves a box that works (the old data or the restored data, never none):
    the current files are kept in ``before-restore-<time>/`` (hard links: the data stays in place),
    the restored photos join the current ones (names are content hashes, so the folder holds what
    either database needs), the database is replaced in one rename (the moment the restore happens),
    and only then do the photos only the old database used leave. Every step is fsynced, so a cut
    right after "restored" keeps what was restored. Refused while a box runs on the data dir (it would
    go on writing to the database being replaced). Returns the folder holding the previous data.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with data_dir_exclusive(data_dir):
            remove_abandoned_restores(data_dir)
            return _restore(archive_path, data_dir)
    except DataDirBusy as error:
        raise BackupError("the box is running on this data dir: stop it first "
                          "(sudo systemctl stop boxlocale), then restore") from error


def _restore(archive_path, data_dir):
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))
    try:
        manifest = verify(archive_path, staging)
        (staging / "photos").mkdir(exist_ok=True)
        (staging / "settings.json").unlink()
        fsync_tree(staging)
        aside = _keep_aside(data_dir)
        photos = data_dir / "photos"
        photos.mkdir(exist_ok=True)
        for photo in (staging / "photos").iterdir():
            if not (photos / photo.name).exists():
                _link_or_copy(photo, photos / photo.name)
        fsync_path(photos)
        if (staging / "config.toml").exists():
            os.replace(staging / "config.toml", data_dir / "config.toml")
        else:
            (data_dir / "config.toml").unlink(missing_ok=True)
        os.replace(staging / DB_FILENAME, data_dir / DB_FILENAME)  # the restore happens here
        fsync_path(data_dir)
        restored = {name.removeprefix("photos/") for name in manifest["files"] if name.startswith("photos/")}
        for photo in photos.iterdir():
            if photo.name not in restored:
                photo.unlink()  # kept in the aside folder
        fsync_path(photos)
        return aside
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep_aside(data_dir):
    """Hard-link the current database, photos and config.toml into ``before-restore-<time>/``, after
    folding the database's write-ahead log into it (a stale -wal must never meet the new database)."""
    db_file = data_dir / DB_FILENAME
    if db_file.exists():
        try:
            connection = sqlite3.connect(db_file, timeout=30)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        except sqlite3.DatabaseError:
            pass  # a damaged database is kept aside as it is, its -wal with it
    aside = Path(tempfile.mkdtemp(dir=data_dir, prefix=f"before-restore-{clock.now():%Y%m%d-%H%M%S}-"))
    for name in (DB_FILENAME, "config.toml"):
        if (data_dir / name).exists():
            _link_or_copy(data_dir / name, aside / name)
    if (data_dir / "photos").is_dir():
        (aside / "photos").mkdir()
        for photo in (data_dir / "photos").iterdir():
            if photo.is_file():
                _link_or_copy(photo, aside / "photos" / photo.name)
    fsync_tree(aside)
    for name in (f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"):
        if (data_dir / name).exists():
            os.replace(data_dir / name, aside / name)
    fsync_path(data_dir)
    return aside


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, target)
        fsync_path(target)


def remove_abandoned_restores(data_dir):
    """The ``.restore-*`` folders a cut left mid-restore (call only holding the data dir: no restore
    runs then)."""
    removed = [staging for staging in Path(data_dir).glob(".restore-*") if staging.is_dir()]
    for staging in removed:
        shutil.rmtree(staging, ignore_errors=True)
    return removed


def disk_space(data_dir):
    """(free bytes, total bytes) of the disk holding the data dir."""
    usage = shutil.disk_usage(data_dir)
    return usage.free, usage.total
