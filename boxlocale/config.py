"""Process settings: where the data lives and the hard limits.

Read in this order, later wins: the defaults below, ``BOXLOCALE_*`` environment variables,
then ``config.toml`` in the data dir (for a box that wants to pin something without systemd edits).
The box settings that volunteers change from the console live in the database (see settings.py).
"""

import os
import tomllib
from pathlib import Path

DEFAULTS = {
    "DATA_DIR": "./data",
    # Requests larger than this are refused with 413 before they are read in full.
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "MAX_PHOTOS_PER_ITEM": 3,
    "PHOTO_MAX_PIXELS": 50_000_000,
    # The memory one photo's decoded pixels may take, computed from its header before decoding
    # (the service has MemoryMax=200M on a 512 MB Pi Zero 2 W): a 12 MP JPEG decodes at a reduced
    # scale in a few MB, a 7000x7000 lossless WebP would take 196 MB and is refused.
    "PHOTO_DECODE_BUDGET_MB": 64,
    # Below this much free disk, writes are refused with 507 instead of half-saving.
    "MIN_FREE_DISK_MB": 50,
    "TIMEZONE": "Europe/Paris",
    "LOG_REQUESTS": True,
    # dnsmasq's lease file (captive portal: a phone with a new lease sees the welcome page again).
    "LEASES_FILE": "",
    # One laptop must not hold every connection: open connections per address (0: no cap), and the
    # seconds a request may take to send its headers (see serving.py).
    "CONNECTIONS_PER_ADDRESS": 24,
    "REQUEST_HEADER_SECONDS": 10,
    # The network(s) that serve phones (written by the installer, e.g. 10.42.0.0/24): never "local"
    # for "console only from the wired network", even when it is the ethernet port.
    "PHONE_NETWORK": "",
}

_INTS = {"MAX_CONTENT_LENGTH", "MAX_PHOTOS_PER_ITEM", "PHOTO_MAX_PIXELS", "PHOTO_DECODE_BUDGET_MB", "MIN_FREE_DISK_MB",
         "CONNECTIONS_PER_ADDRESS", "REQUEST_HEADER_SECONDS"}
_BOOLS = {"LOG_REQUESTS"}


def _coerce(key, value):
    if key in _INTS:
        return int(value)
    if key in _BOOLS and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def load_config(overrides=None):
    """Return the process config as a dict (defaults < environment < data dir file < overrides)."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        env = os.environ.get("BOXLOCALE_" + key)
        if env is not None:
            config[key] = _coerce(key, env)
    if overrides and "DATA_DIR" in overrides:
        config["DATA_DIR"] = overrides["DATA_DIR"]
    data_dir = Path(config["DATA_DIR"]).resolve()
    config_file = data_dir / "config.toml"
    if config_file.exists():
        with config_file.open("rb") as f:
            for key, value in tomllib.load(f).items():
                config[key.upper()] = _coerce(key.upper(), value)
    if overrides:
        config.update(overrides)
    config["DATA_DIR"] = str(Path(config["DATA_DIR"]).resolve())
    return config


def ensure_secret_key(data_dir):
    """Read the secret key, creating it (mode 0600) on first start."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = Path(data_dir) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets

    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return key
