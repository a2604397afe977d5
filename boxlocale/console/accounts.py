"""Volunteer accounts: create, list, remove, change a password, check a login (with lockout).

Used by the console's login and by ``boxlocale admin``. Passwords are hashed with werkzeug's scrypt.
"""

import functools
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..audit import write_audit
from ..db import writing
from ..errors import Conflict, NotFound, RateLimited, ValidationError
from ..models import LoginFailure, Volunteer

ROLES = ("admin", "moderator")
PASSWORD_MIN = 8
NAME_MAX = 40
# After this many failures in a row each new attempt waits longer: per name from one address (a
# wrong guess elsewhere on the open wifi never locks the real volunteer out), and, looser, per
# address (one laptop trying many names).
FREE_FAILURES = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_DELAY, MAX_DELAY = 30, 3600  # seconds; the delay doubles with each further failure
FORGET_AFTER = timedelta(days=1)  # failures older than this are forgotten
COMMAND_LINE = "command line"  # who the audit log names for `boxlocale admin`


@functools.cache
def _dummy_hash():
    """Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
    Made on first use: scrypt at import would cost every start (1-2 s on a Pi 3)."""
    return generate_password_hash("not a password", method="scrypt")


def _hash(password):
    if len(password or "") < PASSWORD_MIN:
        raise ValidationError(fields={"password": _l("At least 8 characters, please.")})
    return generate_password_hash(password, method="scrypt")


def add(name, password, role="admin"):
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise ValidationError(fields={"name": _l("Between 1 and 40 characters, please.")})
    if role not in ROLES:
        raise ValidationError(fields={"role": _l("Unknown role.")})
    password_hash = _hash(password)
    with writing():
        if Volunteer.get_or_none(Volunteer.name == name) is not None:
            raise Conflict(_l("A volunteer with this name already exists."))
        volunteer = Volunteer.create(name=name, password_hash=password_hash, role=role, created_at=clock.now())
        write_audit("volunteer_added", f"volunteer:{name}", role, volunteer=None, by=COMMAND_LINE)
    return volunteer


def find(name):
    volunteer = Volunteer.get_or_none(Volunteer.name == (name or "").strip())
    if volunteer is None:
        raise NotFound(_l("No volunteer with this name."))
    return volunteer


def listing():
    return list(Volunteer.select().order_by(Volunteer.name))


def any_volunteer():
    return Volunteer.select().exists()


def remove(name):
    with writing():
        volunteer = find(name)
        volunteer.delete_instance()
        write_audit("volunteer_removed", f"volunteer:{volunteer.name}", volunteer=None, by=COMMAND_LINE)


def set_password(name, password):
    password_hash = _hash(password)
    with writing():
        volunteer = find(name)
        volunteer.password_hash = password_hash
        volunteer.save(only=[Volunteer.password_hash])
        write_audit("password_changed", f"volunteer:{volunteer.name}", volunteer=None, by=COMMAND_LINE)


class Lockout:
    """Failed logins per key, in the database: a restart forgives nothing (the watchdog restarts the box,
    and a laptop must not win fresh guesses by that). A key quiet for FORGET_AFTER starts again.

    A login takes its failure slot BEFORE the password is hashed (``take``, one write transaction: the
    box's write lock orders parallel guesses) and gives it back only when the password was right, so
    parallel guesses cannot all be checked before the first fails. Times are the box clock's; a wait
    is never longer than its delay, whatever the clock did since."""

    def _wait(self, key, free, now):
        row = LoginFailure.get_or_none(LoginFailure.key == key)
        if row is None or row.failures < free or now - row.last_failure_at > FORGET_AFTER:
            return 0
        delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (row.failures - free))
        remaining = min(delay, (row.last_failure_at + timedelta(seconds=delay) - now).total_seconds())
        return int(remaining) + 1 if remaining > 0 else 0

    def wait_seconds(self, key, free=FREE_FAILURES):
        return self._wait(key, free, clock.now())

    def take(self, keys):
        """Count one attempt against each (key, free failures); raise RateLimited while one is paused."""
        with writing():
            now = clock.now()
            wait = max(self._wait(key, free, now) for key, free in keys)
            if wait:
                raise RateLimited(retry_after=wait, message=_l(
                    "Too many wrong passwords: the login is paused for a while. Please wait and try again."))
            LoginFailure.delete().where(LoginFailure.last_failure_at < now - FORGET_AFTER).execute()
            for key, _free in keys:
                (LoginFailure.insert(key=key, failures=1, last_failure_at=now)
                 .on_conflict(conflict_target=[LoginFailure.key],
                              update={LoginFailure.failures: LoginFailure.failures + 1,
                                      LoginFailure.last_failure_at: now})
                 .execute())

    def forgive(self, keys):
        """The password was right: these keys start again (call inside the login's write)."""
        LoginFailure.delete().where(LoginFailure.key.in_(list(keys))).execute()


lockout = Lockout()


def login_keys(name, address):
    """The lockout's keys of one login attempt, with how many failures each allows for free."""
    return ((f"name:{(name or '').strip().casefold()}|address:{address}", FREE_FAILURES),
            (f"address:{address}", FREE_FAILURES_PER_ADDRESS))


def authenticate(name, password, address):
    """The volunteer for this name and password, or raise: RateLimited while locked out, else
    ValidationError (the same message for a wrong name or password)."""
    keys = login_keys(name, address)
    lockout.take(keys)
    volunteer = Volunteer.get_or_none(Volunteer.name == (name or "").strip())
    # Check a hash even for an unknown name, so the answer takes as long either way.
    good = check_password_hash(volunteer.password_hash if volunteer else _dummy_hash(), password or "")
    if volunteer is None or not good:
        raise ValidationError(fields={"password": _l("Wrong name or password.")})
    with writing():
        lockout.forgive(key for key, _free in keys)
        volunteer.last_login_at = clock.now()
        volunteer.save(only=[Volunteer.last_login_at])
        write_audit("login", volunteer=volunteer)
    return volunteer
