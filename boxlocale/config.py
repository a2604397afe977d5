"""Process settings: where the data lives and the hard limits.

Read in this order, later wins: the defaults below, ``BOXLOCALE_*`` environment variables,
then ``config.toml`` in the data dir (for a box that wants to pin something without systemd edits).
The box settings that volunteers change from the console live in the database (see settings.py).
"""

import fcntl
import logging
import os
import tomllib
from pathlib import Path

from .files import atomic_write, create_once

log = logging.getLogger("boxlocale.config")

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
    # seconds a request may take to send its headers (see serving.py). deploy/pi/install.sh writes this
    # default into the Pi's nftables rule too (`ct count`): change it here and run install.sh again.
    "CONNECTIONS_PER_ADDRESS": 24,
    "REQUEST_HEADER_SECONDS": 10,
    # The network(s) that serve phones (written by the installer, e.g. 10.42.0.0/24): never "local"
    # for "console only from the wired network", even when it is the ethernet port.
    "PHONE_NETWORK": "",
    # Events other boxes may push here over HTTP in an hour, counted per pushing box and per address:
    # more is refused (429) whatever the pages (the network's flood rule, docs/NETWORK.md).
    "NETWORK_PUSH_EVENTS_PER_HOUR": 20_000,
}

_INTS = {"MAX_CONTENT_LENGTH", "MAX_PHOTOS_PER_ITEM", "PHOTO_MAX_PIXELS", "PHOTO_DECODE_BUDGET_MB", "MIN_FREE_DISK_MB",
         "CONNECTIONS_PER_ADDRESS", "REQUEST_HEADER_SECONDS", "NETWORK_PUSH_EVENTS_PER_HOUR"}
_BOOLS = {"LOG_REQUESTS"}


def _coerce(key, value):
    if key in _INTS:
        return int(value)
    if key in _BOOLS and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def read_config_file(path):
    """(settings, problems) of a ``config.toml``: only the keys above, with values of their type.

    Anything else is a problem in plain words, and left out: a file from a restored archive must not
    switch off what the box relies on (``WTF_CSRF_ENABLED = false``, a ``SECRET_KEY``), and a broken
    file must not stop the box, ``restore`` or ``check`` from starting.
    """
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {}, [f"{path} cannot be read ({error}): it is ignored"]
    values, problems = {}, []
    for key, value in raw.items():
        name = key.upper()
        if name not in DEFAULTS or name == "DATA_DIR":
            problems.append(f"{path}: unknown setting {key!r} is ignored")
            continue
        expected = type(DEFAULTS[name])
        try:
            value = _coerce(name, value)
        except (TypeError, ValueError):
            pass  # refused just below
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            problems.append(f"{path}: {key} must be {expected.__name__}, not {value!r}: it is ignored")
            continue
        values[name] = value
    return values, problems


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
        values, problems = read_config_file(config_file)
        for problem in problems:
            log.warning("%s", problem)
        config.update(values)
    if overrides:
        config.update(overrides)
    config["DATA_DIR"] = str(Path(config["DATA_DIR"]).resolve())
    return config


# Shorter than this is not a key a cut could have left whole (token_hex(32) gives 64 characters).
MIN_SECRET_KEY_CHARS = 32


def _read_key(path):
    try:
        key = path.read_text(errors="replace").strip()
    except FileNotFoundError:
        return None
    return key if len(key) >= MIN_SECRET_KEY_CHARS else None


def ensure_secret_key(data_dir):
    """Read the secret key, creating it (mode 0600) on first start.

    Written whole or not at all (``create_once``). A key file that is empty or too short (left by a
    power cut before this was so, or damaged) would sign sessions and forms with almost nothing: it is
    replaced by a new key, under a lock on the bad file so two processes starting at once agree.
    """
    import secrets

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = Path(data_dir) / "secret_key"
    key = _read_key(path)
    if key:
        return key
    new_key = secrets.token_hex(32)
    if not path.exists() and create_once(path, new_key + "\n", mode=0o600):
        return new_key
    with open(path, "rb") as bad:
        fcntl.flock(bad.fileno(), fcntl.LOCK_EX)  # released when closed, after the new key is in place
        key = _read_key(path)  # another process may have replaced it while this one waited
        if key:
            return key
        log.warning("%s is empty or too short: a new secret key is made (volunteers log in again)", path)
        atomic_write(path, new_key + "\n", mode=0o600)
    return new_key
