"""Files that survive a power cut, and the lock that tells ``restore`` the box is running.

The box lives on a power strip that gets switched off. Data that was not fsynced is lost then, even
after a rename (the renamed file comes back 0 bytes long), so every file the box writes goes through
``atomic_write`` (temporary name, fsync the file, rename, fsync the folder): after a cut there is the
old file or the new, never half of one. A cut can leave the temporary file itself: its name,
``.<name>.<pid>.tmp``, is what ``leftover_tmp_files`` finds, for ``boxlocale check`` to report and
``check --repair`` and ``serve`` to remove.
"""

import fcntl
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

TMP_RE = re.compile(r"^\..+\.\d+\.tmp$")
# A temporary file lives milliseconds; one older than this was left by a cut (or a killed process).
LEFTOVER_AGE_SECONDS = 60


def fsync_path(path):
    """fsync a file or a folder (a folder's fsync makes the names in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root):
    """fsync every file and folder under ``root``, ``root`` included (children first)."""
    for folder, _dirs, names in os.walk(root, topdown=False):
        for name in names:
            fsync_path(os.path.join(folder, name))
        fsync_path(folder)


def _tmp_name(path):
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _write_synced(path, data, mode):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())


@contextmanager
def atomic_file(path, mode=0o644, tmp=None):
    """A binary file to write that appears at ``path`` whole, and durable, when the block ends (and
    never if it fails): a power cut leaves the old file or the new, never half. ``tmp``: where to
    write meanwhile (by default beside ``path``, on the same disk)."""
    path = Path(path)
    tmp = Path(tmp) if tmp else _tmp_name(path)
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)


def atomic_write(path, data, mode=0o644):
    """Write ``data`` (bytes or text) to ``path`` with ``atomic_file``."""
    with atomic_file(path, mode) as f:
        f.write(data.encode() if isinstance(data, str) else data)


def create_once(path, data, mode=0o600):
    """Create ``path`` with ``data`` unless it exists (then False): durable and all-or-nothing, and two
    processes doing it at once cannot overwrite each other (the name is made by link(), which fails
    when it exists)."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        _write_synced(tmp, data, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)
    return True


def leftover_tmp_files(*folders):
    """Temporary files of ``atomic_write`` left behind by a power cut, in these folders."""
    limit = time.time() - LEFTOVER_AGE_SECONDS
    found = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            if TMP_RE.match(entry.name) and entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                found.append(Path(entry.path))
    return sorted(found)


# --- The data dir lock ---------------------------------------------------------------------------
# ``serve`` holds a shared flock on the data dir for its whole life; ``restore`` needs it exclusive
# and refuses when it cannot have it. The kernel drops the lock when the process dies (kill -9
# included), so there is no stale lock file to clean after a cut.


class DataDirBusy(Exception):
    """Another process holds the data dir (the box is running)."""


# The data dirs this process serves, by real path: their shared lock's open folder.
_held = {}


def hold_data_dir(data_dir):
    """Take the shared lock of a running box; returns the open folder, to keep for the process's life."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits for a restore in progress to finish
    _held[os.path.realpath(data_dir)] = fd
    return fd


@contextmanager
def data_dir_exclusive(data_dir):
    """Hold the data dir alone (no box running on it), else raise DataDirBusy at once.

    The box serving this data dir itself (a restore from its console) turns its own shared lock
    exclusive for the while, and back: only another process on the data dir makes it busy."""
    own = _held.get(os.path.realpath(data_dir))
    if own is not None:
        with _own_lock_exclusive(own, data_dir):
            yield
        return
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise DataDirBusy(str(data_dir)) from error
        yield
    finally:
        os.close(fd)


@contextmanager
def _own_lock_exclusive(fd, data_dir):
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        fcntl.flock(fd, fcntl.LOCK_SH)  # a failed conversion may have dropped the shared lock
        raise DataDirBusy(str(data_dir)) from error
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_SH)
