"""LazyFS in the suite: a FUSE filesystem that loses every byte not fsynced when the power is cut.

The LazyFS sources and their Python wrapper (``lazyfs.py``) come with the team's shared tools, which
CI puts beside the clone (``../shared/tools/lazyfs``; ``$BOXLOCALE_LAZYFS_SOURCE`` says elsewhere). The
binary is built once into a cache folder that outlives test runs (``$BOXLOCALE_LAZYFS_BUILD``, by
default /var/cache/boxlocale-tests/lazyfs), and again only when it is missing. Needs root and /dev/fuse;
without them the tests skip locally and fail in CI (``require``).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, require, require_tool

SOURCE = Path(os.environ.get("BOXLOCALE_LAZYFS_SOURCE") or ROOT.parent / "shared" / "tools" / "lazyfs")
BUILD = Path(os.environ.get("BOXLOCALE_LAZYFS_BUILD") or "/var/cache/boxlocale-tests/lazyfs")

_module = None


def lazyfs_module():
    """The ``lazyfs`` wrapper module, with the binary built; skips (fails in CI) when impossible."""
    global _module
    require((SOURCE / "lazyfs.py").is_file(), f"LazyFS sources not found at {SOURCE}")
    require(os.geteuid() == 0 and os.path.exists("/dev/fuse"), "LazyFS needs root and /dev/fuse")
    if _module is None:
        spec = importlib.util.spec_from_file_location("lazyfs", SOURCE / "lazyfs.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not (BUILD / "lazyfs").is_file():
            module.build(BUILD)  # build.sh installs its Debian packages if missing (minutes, once)
        _module = module
    require_tool("fusermount3")  # from fuse3, which build.sh installs
    return _module


@pytest.fixture
def lazy_fs(tmp_path):
    """A mounted LazyFS at ``tmp_path/mnt``; ``.power_cut()`` then ``.mount()`` to come back."""
    module = lazyfs_module()
    fs = module.LazyFS(tmp_path / "mnt", tmp_path / "backing", binary=BUILD / "lazyfs",
                       workdir=tmp_path / "lazyfs-work")
    fs.mount()
    try:
        yield fs
    finally:
        fs.unmount()


def kill_and_cut(process, fs):
    """A whole-machine power cut under a running process: freeze it, cut the disk, kill it."""
    lazyfs_module().kill_and_cut(process.pid, fs)
    process.wait()


def boxlocale(data_dir, *args, timeout=120):
    """Run ``boxlocale --data-dir DATA_DIR ARGS`` as its own process (as the box's units do)."""
    return subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
