"""This box's key pair: made at the first start (``boxlocale init``), secret file 0600, made atomically.

The secret is the 32-byte Ed25519 seed, hex, in ``<data dir>/box_key``. A box restored from a backup
starts a new key (``start_new_key``), announced by the old one, so its old log never forks.
"""

import os
from pathlib import Path

from nacl.signing import SigningKey

from .. import files

KEY_FILENAME = "box_key"
_keys = {}  # data dir → SigningKey


def key_path(data_dir):
    return Path(data_dir) / KEY_FILENAME


def ensure_box_key(data_dir):
    """The box's signing key, created on first start."""
    path = key_path(data_dir)
    if not path.exists():
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        # Made atomically, never overwritten: two processes starting at once keep the first one's key.
        files.create_once(path, SigningKey.generate().encode().hex() + "\n", mode=0o600)
    key = SigningKey(bytes.fromhex(path.read_text().strip()))
    _keys[str(Path(data_dir).resolve())] = key
    return key


def replace_box_key(data_dir):
    """A new key for this box (after a restore); the old one is returned to announce it."""
    path = key_path(data_dir)
    old = SigningKey(bytes.fromhex(path.read_text().strip()))
    retired = path.with_name(f"{KEY_FILENAME}.retired")
    os.replace(path, retired)
    new = ensure_box_key(data_dir)
    return old, new


def public_hex(signing_key):
    return signing_key.verify_key.encode().hex()
