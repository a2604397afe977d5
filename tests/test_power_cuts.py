"""Power cuts on LazyFS (every byte not fsynced is lost): after a restore, during the first start,
after a backup, mid-backup, mid-post, at random moments under writers and inside chosen syscalls.
After each cut the box comes back with what it said it saved, and ``boxlocale check`` tells the truth."""

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import requests

from boxlocale import backup

from . import photo_factory
from .conftest import LiveBox
from .helpers import bearer
from .lazyfs_helpers import boxlocale, kill_and_cut, lazy_fs  # noqa: F401
from .test_backup import snapshot


def _age(*paths, seconds=3600, fs=None):
    """Make leftover files look as old as after a reboot (check skips files a write may still own).
    On LazyFS the times are set on the backing folder, then the mount is made again (LazyFS answers
    a file's times from its own cache)."""
    moment = time.time() - seconds
    for path in paths:
        if fs is not None:
            path = fs.backing / path.relative_to(fs.mountpoint)
        os.utime(path, (moment, moment))
    if fs is not None:
        fs.unmount()
        fs.mount()


def _cut(process, fs):
    """The power goes now: under the process if it still runs, else just after it."""
    if process.poll() is None:
        kill_and_cut(process, fs)
    else:
        fs.power_cut()


def test_a_cut_right_after_a_restore_keeps_what_was_restored(lazy_fs, tmp_path):  # noqa: F811
    source = tmp_path / "source"
    assert boxlocale(source, "demo").returncode == 0
    before = snapshot(source)
    made = boxlocale(source, "backup", "--to", str(tmp_path / "archives"))
    assert made.returncode == 0, made.stderr
    archive = next((tmp_path / "archives").glob("boxlocale-backup-*.tar.gz"))

    data_dir = lazy_fs.mountpoint / "data"
    assert boxlocale(data_dir, "init").returncode == 0
    restored = boxlocale(data_dir, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    lazy_fs.power_cut()  # the volunteer unplugs the box as soon as it said "restored"
    lazy_fs.mount()

    assert (data_dir / "boxlocale.sqlite3").stat().st_size > 0
    check = boxlocale(data_dir, "check")
    assert check.returncode == 0, check.stdout
    assert snapshot(data_dir) == before


def test_cuts_at_random_moments_of_a_restore_leave_the_old_box_or_the_restored_one(lazy_fs, tmp_path):  # noqa: F811
    """Never an empty box: a cut anywhere in a restore leaves the old data or the restored data, and
    `check --repair` then finds the box sound."""
    source = tmp_path / "source"
    assert boxlocale(source, "demo").returncode == 0
    assert boxlocale(source, "backup", "--to", str(tmp_path / "archives")).returncode == 0
    archive = next((tmp_path / "archives").glob("boxlocale-backup-*.tar.gz"))
    restored_state = snapshot(source)

    data_dir = lazy_fs.mountpoint / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    connection = sqlite3.connect(data_dir / "boxlocale.sqlite3")
    connection.execute("DELETE FROM item_photo")
    connection.execute("DELETE FROM item WHERE id % 2 = 0")
    connection.commit()
    connection.close()
    assert boxlocale(data_dir, "check", "--repair").returncode == 0
    old_state = snapshot(data_dir)
    assert old_state != restored_state

    started = time.monotonic()
    assert boxlocale(lazy_fs.mountpoint / "scratch", "restore", str(archive)).returncode == 0
    duration = time.monotonic() - started
    chance = random.Random(4242)
    database = r"/data/boxlocale\.sqlite3$"
    # Chosen syscalls: the old database leaving its place, just before and just after the new one
    # takes it; then cuts at random moments of the whole restore.
    cuts = [("rename", "after", database, None), ("rename", "before", None, database),
            ("rename", "after", None, database), *(["random"] * 4)]
    outcomes = []
    for cut in cuts:
        if cut != "random":
            lazy_fs.crash_on(cut[0], cut[1], from_rgx=cut[2], to_rgx=cut[3])
        restore = subprocess.Popen([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "restore",
                                    str(archive)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if cut == "random":
            time.sleep(chance.uniform(0, duration))
            _cut(restore, lazy_fs)
        else:
            restore.wait()
            if not lazy_fs.wait_crashed(1):
                lazy_fs.power_cut()  # that syscall never came: cut right after the restore
        lazy_fs.mount()
        _age(*(data_dir / "photos").iterdir(), fs=lazy_fs)
        repaired = boxlocale(data_dir, "check", "--repair")
        assert repaired.returncode == 0, repaired.stdout
        state = snapshot(data_dir)
        assert state in (old_state, restored_state)
        outcomes.append("restored" if state == restored_state else "old")
        if state == restored_state:  # back to the old data for the next cut
            aside = max(data_dir.glob("before-restore-*"), key=lambda p: p.stat().st_mtime)
            _put_back(aside, data_dir)
            assert snapshot(data_dir) == old_state
    assert outcomes[1] == "old" and outcomes[2] == "restored", outcomes  # the rename is the moment


def _put_back(aside, data_dir):
    """Undo a restore by hand, as a volunteer would, from its before-restore folder."""
    _remove_folder(data_dir / "photos")
    shutil.copytree(aside / "photos", data_dir / "photos")
    shutil.copy(aside / "boxlocale.sqlite3", data_dir / "boxlocale.sqlite3")
    for path in (data_dir / "photos").iterdir():
        os.utime(path)
    files = [data_dir / "boxlocale.sqlite3", data_dir / "photos", *(data_dir / "photos").iterdir()]
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def _remove_folder(folder, patience=10):
    """``shutil.rmtree`` on a FUSE mount. LazyFS runs libfuse's threads: a file unlinked while libfuse
    has not yet handled its last close (the kernel sends that close on its own time) is renamed
    ``.fuse_hidden*`` and only removed when the close arrives, so the folder can be "not empty" for a
    moment (one CI run in about fifty)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            shutil.rmtree(folder)
            return
        except OSError as error:
            if error.errno != errno.ENOTEMPTY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_check_notices_an_empty_or_missing_database(tmp_path):
    data_dir = tmp_path / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    (data_dir / "boxlocale.sqlite3").write_bytes(b"")  # what a restore without fsync left after a cut
    check = boxlocale(data_dir, "check")
    assert check.returncode == 1 and "empty" in check.stdout, check.stdout
    assert (data_dir / "boxlocale.sqlite3").stat().st_size == 0  # check did not make a new schema
    (data_dir / "boxlocale.sqlite3").unlink()
    check = boxlocale(data_dir, "check")
    assert check.returncode == 1 and "no database" in check.stdout, check.stdout


def test_a_cut_during_the_first_start_never_leaves_a_short_secret_key(lazy_fs):  # noqa: F811
    data_dir = lazy_fs.mountpoint / "data"
    lazy_fs.crash_on("fsync", "before", from_rgx="secret_key")
    assert boxlocale(data_dir, "init").returncode != 0  # the power went while the key was written
    assert lazy_fs.wait_crashed(30)
    lazy_fs.mount()
    key_file = data_dir / "secret_key"
    assert not key_file.exists() or len(key_file.read_text().strip()) == 64
    assert boxlocale(data_dir, "init").returncode == 0
    key = key_file.read_text().strip()
    assert len(key) == 64 and key_file.stat().st_mode & 0o777 == 0o600
    lazy_fs.power_cut()
    lazy_fs.mount()
    assert key_file.read_text().strip() == key  # written for good: the same key after the next cut


def test_cuts_at_random_moments_of_a_first_start_or_a_backup_leave_a_box_that_starts(lazy_fs):  # noqa: F811
    """Four first starts and four backups cut at seeded random moments: the box starts each time with
    a whole secret key and a sound database, and the next backup succeeds and leaves no leftover."""
    chance = random.Random(1312)
    for number in range(4):
        data_dir = lazy_fs.mountpoint / f"box{number}"
        first = subprocess.Popen([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "init"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.2, 1.2))
        _cut(first, lazy_fs)
        lazy_fs.mount()
        started = boxlocale(data_dir, "init")
        assert started.returncode == 0, started.stderr
        assert len((data_dir / "secret_key").read_text().strip()) == 64
        backup_run = subprocess.Popen([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), "backup",
                                       "--to", str(data_dir / "backups")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.2, 1.0))
        _cut(backup_run, lazy_fs)
        lazy_fs.mount()
        again = boxlocale(data_dir, "backup", "--to", str(data_dir / "backups"))
        assert again.returncode == 0, again.stderr
        assert not list((data_dir / "backups").glob(".backup-*"))
        assert backup.last_backup(data_dir) is not None
        check = boxlocale(data_dir, "check")
        assert check.returncode == 0, check.stdout


def test_an_empty_secret_key_is_replaced(tmp_path, start_box):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("\n")  # left by a cut on an older version
    (data_dir / "secret_key").chmod(0o600)
    box = start_box(data_dir)
    key = (data_dir / "secret_key").read_text().strip()
    assert len(key) == 64 and (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    phone = box.session()
    page = phone.get(box.url + "/give/offer")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    box.stop()
    assert (data_dir / "secret_key").read_text().strip() == key  # kept from then on


def test_the_last_backup_record_survives_a_cut(lazy_fs):  # noqa: F811
    data_dir = lazy_fs.mountpoint / "data"
    assert boxlocale(data_dir, "init").returncode == 0
    assert boxlocale(data_dir, "backup", "--to", str(data_dir / "backups")).returncode == 0
    lazy_fs.power_cut()
    lazy_fs.mount()
    record = backup.last_backup(data_dir)
    assert record is not None, (data_dir / "last_backup.json").read_bytes()
    assert os.path.getsize(record["path"]) == record["bytes"]


def test_a_cut_mid_backup_leaves_nothing_the_next_backup_does_not_remove(lazy_fs):  # noqa: F811
    data_dir = lazy_fs.mountpoint / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    lazy_fs.crash_on("write", "before", from_rgx=r"archive\.tar\.gz")
    assert boxlocale(data_dir, "backup", "--to", str(data_dir / "backups")).returncode != 0
    assert lazy_fs.wait_crashed(30)
    lazy_fs.mount()
    work = list((data_dir / "backups").glob(".backup-*"))
    assert work and (work[0] / "boxlocale.sqlite3").exists()  # a full copy of the database, left
    check = boxlocale(data_dir, "check")
    assert check.returncode == 1 and "interrupted backup" in check.stdout, check.stdout

    again = boxlocale(data_dir, "backup", "--to", str(data_dir / "backups"))
    assert again.returncode == 0, again.stderr
    assert not list((data_dir / "backups").glob(".backup-*"))
    assert boxlocale(data_dir, "check").returncode == 0


def test_a_box_starting_removes_work_folders_and_temporary_files(tmp_path, start_box):
    data_dir = tmp_path / "data"
    assert boxlocale(data_dir, "init").returncode == 0
    work = data_dir / "backups" / ".backup-abc123"
    work.mkdir(parents=True)
    (work / "boxlocale.sqlite3").write_bytes(b"x" * 1000)
    staging = data_dir / ".restore-xyz"
    staging.mkdir()
    tmp = data_dir / ".last_backup.json.4242.tmp"
    tmp.write_text("")
    _age(tmp)
    start_box(data_dir)
    assert not work.exists() and not staging.exists() and not tmp.exists()


def _post_item(box, key, title, photo=None):
    return requests.post(box.url + "/api/v1/items", timeout=20, headers=bearer(key),
                         data={"title": title, "where": "in_box"},
                         files={"photo": ("p.jpg", photo, "image/jpeg")} if photo else None)


def test_a_cut_mid_post_leaves_orphan_files_that_check_reports_and_repairs(lazy_fs):  # noqa: F811
    data_dir = lazy_fs.mountpoint / "data"
    box = LiveBox(data_dir, log_dir=lazy_fs.mountpoint.parent)
    key = requests.post(box.url + "/api/v1/devices", timeout=10).json()["device_key"]
    assert _post_item(box, key, "Avant la coupure").status_code == 201
    # The display file is written, the thumbnail's temporary file is not synced: the power goes.
    lazy_fs.crash_on("fsync", "before", from_rgx=r"\.t\.jpg")
    try:
        _post_item(box, key, "Pendant la coupure", photo_factory.jpeg(900, 700))
    except requests.RequestException:
        pass
    assert lazy_fs.wait_crashed(30)
    box.stop()
    lazy_fs.mount()

    photos = data_dir / "photos"
    leftovers = [p for p in photos.iterdir()]
    assert any(p.name.endswith(".tmp") for p in leftovers) and any(len(p.name) == 68 for p in leftovers)
    _age(*leftovers, fs=lazy_fs)
    check = boxlocale(data_dir, "check")
    assert check.returncode == 1, check.stdout
    assert "orphan photo file" in check.stdout and "temporary file" in check.stdout
    repaired = boxlocale(data_dir, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert list(photos.iterdir()) == []
    connection = sqlite3.connect(data_dir / "boxlocale.sqlite3")
    assert [t for (t,) in connection.execute("SELECT title FROM item")] == ["Avant la coupure"]
    connection.close()


def _writers(box, answered, stop, photos):
    def post_items(worker):
        keys = [requests.post(box.url + "/api/v1/devices", timeout=10).json()["device_key"] for _ in range(4)]
        number = 0
        while not stop.is_set():
            number += 1
            try:
                photo = photos[(number * 3 + worker) % len(photos)] if number % 2 else None
                created = _post_item(box, keys[number % len(keys)], f"Objet {worker}-{number}", photo)
            except requests.RequestException:
                return  # the power went
            if created.status_code == 201:
                answered.append(created.json()["code"])

    threads = [threading.Thread(target=post_items, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    return threads


def _answered_writes_are_all_there(data_dir, answered, log_dir):
    check = boxlocale(data_dir, "check")
    assert check.returncode == 0, check.stdout
    again = LiveBox(data_dir, log_dir=log_dir)
    try:
        for code in answered:
            assert requests.get(f"{again.url}/api/v1/items/{code}", timeout=10).status_code == 200, code
        for item in requests.get(again.url + "/api/v1/items?status=", timeout=10).json()["items"]:
            for image in item["photos"]:
                assert requests.get(again.url + image["thumb_url"], timeout=10).status_code == 200
    finally:
        again.stop()


def test_cuts_at_random_moments_and_inside_chosen_syscalls_lose_no_answered_write(lazy_fs):  # noqa: F811
    """Four cuts of the whole machine under three writers: two at random moments (seeded), two
    inside a syscall (before the WAL's fsync, after a photo's rename). Every answered post stays."""
    data_dir = lazy_fs.mountpoint / "data"
    log_dir = lazy_fs.mountpoint.parent
    chance = random.Random(20261201)
    cuts = ["random", ("fsync", "before", r"sqlite3-wal$"), "random", ("rename", "after", r"\.s\.jpg")]
    answered_before = []
    for number, cut in enumerate(cuts):
        # New photos each time: a photo already stored is not written again.
        photos = [photo_factory.jpeg(640, 480, orientation=6, seed=number * 100 + n) for n in range(12)]
        box = LiveBox(data_dir, log_dir=log_dir)
        answered, stop = [], threading.Event()
        threads = _writers(box, answered, stop, photos)
        deadline = time.monotonic() + 60
        while len(answered) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(answered) >= 6, box.output()
        if cut == "random":
            time.sleep(chance.uniform(0.05, 1.5))
            kill_and_cut(box.process, lazy_fs)
        else:
            op, timing, pattern = cut
            lazy_fs.crash_on(op, timing, from_rgx=pattern)
            assert lazy_fs.wait_crashed(60), f"no {op} matched {pattern}"
            box.process.kill()
            box.process.wait()
        stop.set()
        for thread in threads:
            thread.join()
        box.log.close()
        lazy_fs.mount()
        answered_before += answered
        _answered_writes_are_all_there(data_dir, answered_before, log_dir)
    assert len(answered_before) >= 24


def test_restore_is_refused_while_the_box_runs(tmp_path, start_box):
    data_dir = tmp_path / "data"
    assert boxlocale(data_dir, "demo").returncode == 0
    assert boxlocale(data_dir, "backup", "--to", str(tmp_path / "archives")).returncode == 0
    archive = next((tmp_path / "archives").glob("*.tar.gz"))
    box = start_box(data_dir)
    refused = boxlocale(data_dir, "restore", str(archive))
    assert refused.returncode == 1 and "running" in refused.stderr, refused.stderr
    assert not list(data_dir.glob("before-restore-*"))
    phone = box.session()
    assert phone.get(box.url + "/give/offer").status_code == 200
    box.stop()
    done = boxlocale(data_dir, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    json.loads((data_dir / "last_backup.json").read_text())
