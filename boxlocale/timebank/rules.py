"""Domain rules of the time bank (SEL, système d'échange local): hours of help between neighbours.

When a help notice (an offer or a request) is closed as done, either of the two people records the
hours given, from whom to whom. The entry counts only once the other one confirms it (on their time
bank page, or by typing the short code the first phone shows). The giver's balance goes up, the
receiver's down; a balance may go below zero down to the limit the volunteers set. A volunteer may
correct or cancel an entry; both are in the audit log.

Entry states: pending → confirmed; pending → cancelled (withdrawn, declined); confirmed → cancelled
(a volunteer). Every move takes (entry, actor); a repeated move returns the entry unchanged.
"""

import re

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from .. import clock, codes, db, settings
from ..audit import write_audit
from ..db import writing
from ..devices import hash_key
from ..errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from ..models import Device, Notice, Reply, TimeEntry
from ..posting import PSEUDONYM_MAX, check_rate

HELP_KINDS = ("offer", "request")
DIRECTIONS = (("gave", _l("I gave the help")), ("received", _l("I received the help")))
MINUTES_STEP = 15
MINUTES_MAX = 24 * 60  # one entry: a day of help at most
NOTE_MAX = 200
CODE_LENGTH = 6
REASON_MAX = 200  # a volunteer's reason for a correction
FIELD_LIMITS = {"with": PSEUDONYM_MAX, "hours": 8, "note": NOTE_MAX, "code": 2 * CODE_LENGTH, "reason": REASON_MAX}
HISTORY_SIZE = 50
_HOURS = re.compile(r"^\s*(\d{1,2})(?:\s*[.,]\s*(\d{1,2}))?\s*(?:h\s*(\d{1,2})?)?\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*:\s*(\d{2})\s*$")


# --- Reading -------------------------------------------------------------------------------------


def parse_hours(typed):
    """Typed hours as minutes: "2", "1.5", "1,5", "1h30", "1:30". ValidationError on ``hours`` otherwise."""
    text = str(typed if typed is not None else "").strip()
    minutes = None
    if (match := _CLOCK.match(text)) and int(match[2]) < 60:
        minutes = int(match[1]) * 60 + int(match[2])
    elif match := _HOURS.match(text):
        whole, fraction, after_h = match[1], match[2], match[3]
        if fraction is not None and after_h is not None:
            minutes = None
        elif after_h is not None and int(after_h) >= 60:
            minutes = None
        elif fraction is not None:
            minutes = round((int(whole) + int(fraction) / 10 ** len(fraction)) * 60)
        else:
            minutes = int(whole) * 60 + int(after_h or 0)
    if minutes is None or not MINUTES_STEP <= minutes <= MINUTES_MAX or minutes % MINUTES_STEP:
        raise ValidationError(fields={"hours": _l(
            "A number of hours between a quarter of an hour and 24, by quarters (for example 1.5 or 1h30).")})
    return minutes


def hours_text(minutes):
    """Minutes as hours for people: 90 → "1.5", -30 → "-0.5", 60 → "1"."""
    return f"{minutes / 60:g}"


def limit_minutes():
    """How far below zero a balance may go (a box setting, in hours)."""
    return int(float(settings.get("timebank_limit_hours")) * 60)


def balance(device):
    """Confirmed hours given minus confirmed hours received, in minutes."""
    given = _sum(TimeEntry.giver == device)
    received = _sum(TimeEntry.receiver == device)
    return given - received


def _sum(condition):
    return int(TimeEntry.select(fn.COALESCE(fn.SUM(TimeEntry.minutes), 0))
               .where(condition, TimeEntry.status == "confirmed").scalar() or 0)


def _entries():
    giver, receiver = Device.alias(), Device.alias()
    return (TimeEntry.select(TimeEntry, giver, receiver, Notice)
            .join(giver, on=(TimeEntry.giver == giver.id), attr="giver")
            .switch(TimeEntry).join(receiver, on=(TimeEntry.receiver == receiver.id), attr="receiver")
            .switch(TimeEntry).join(Notice, JOIN.LEFT_OUTER, on=(TimeEntry.notice == Notice.id), attr="notice")
            .order_by(TimeEntry.created_at.desc(), TimeEntry.id.desc()))


def get_entry(entry_id, actor):
    """The entry with this id. Confirmed and cancelled entries are public (they are on the neighbours'
    pages); a pending one only for its two people and volunteers."""
    entry = TimeEntry.get_or_none(TimeEntry.id == entry_id) if str(entry_id).isdigit() else None
    if entry is None or (entry.status == "pending" and not (actor.is_volunteer or _is_party(actor, entry))):
        raise NotFound()
    return entry


def _is_party(actor, entry):
    return actor.device is not None and actor.device.id in (entry.giver_id, entry.receiver_id)


def counterpart_id(entry):
    """The device that must confirm: the one that did not record the entry."""
    return entry.receiver_id if entry.recorded_by_id == entry.giver_id else entry.giver_id


def account(device, actor):
    """A neighbour's time bank: balance, confirmed history, and (for them and volunteers) what waits,
    with the moves ``actor`` may make on each waiting entry."""
    own = actor.is_volunteer or (actor.device is not None and actor.device.id == device.id)
    history = list(_entries().where((TimeEntry.giver == device) | (TimeEntry.receiver == device),
                                    TimeEntry.status == "confirmed").limit(HISTORY_SIZE))
    waiting = list(_entries().where((TimeEntry.giver == device) | (TimeEntry.receiver == device),
                                    TimeEntry.status == "pending")) if own else []
    return {
        "device": device,
        "balance": balance(device),
        "limit": limit_minutes(),
        "history": history,
        "to_confirm": [entry for entry in waiting if counterpart_id(entry) == device.id],
        "recorded": [entry for entry in waiting if counterpart_id(entry) != device.id],
        "moves": {entry.id: allowed_moves(entry, actor) for entry in waiting},  # what the pages' buttons offer
        "own": own,
    }


def account_of(pseudonym, actor):
    device = Device.get_or_none(Device.pseudonym == (pseudonym or "").strip())
    if device is None:
        raise NotFound()
    return account(device, actor)


def waiting_for(device, since):
    """Entries recorded since a moment that wait for this device's confirmation, newest first."""
    return db.shaped(("timebank.waiting_for",), waiting_for_query, device=device.id, since=since)


def waiting_for_query(device, since):
    """``waiting_for``'s query (also asked only whether it has rows: "since your last visit")."""
    recorder = Device.alias()
    return (_entries().switch(TimeEntry)
            .join(recorder, JOIN.LEFT_OUTER, on=(TimeEntry.recorded_by == recorder.id), attr="recorded_by")
            .where(TimeEntry.status == "pending", TimeEntry.created_at > since,
                   (TimeEntry.giver == device) | (TimeEntry.receiver == device),
                   (TimeEntry.recorded_by.is_null()) | (TimeEntry.recorded_by != device)))


LEDGER_PAGE = 50


def ledger(page=1):
    """The box's ledger: confirmed entries, newest confirmation first, a page at a time.
    Returns (entries, next page number or None)."""
    offset = (page - 1) * LEDGER_PAGE
    rows = list(_entries().where(TimeEntry.status == "confirmed")
                .order_by(TimeEntry.confirmed_at.desc(), TimeEntry.id.desc())
                .offset(offset).limit(LEDGER_PAGE + 1))
    return rows[:LEDGER_PAGE], (page + 1 if len(rows) > LEDGER_PAGE else None)


def recent_entries(limit=100):
    """The newest entries of every state, for the volunteers' page."""
    return list(_entries().limit(limit))


def may_record_on(notice):
    """Hours can be recorded on a help notice once it is closed as done."""
    return notice is not None and notice.kind in HELP_KINDS and notice.status == "closed" and not notice.hidden


def allowed_moves(entry, actor):
    moves = set()
    if entry.status == "pending":
        if actor.device is not None and actor.device.id == counterpart_id(entry):
            moves |= {"confirm", "decline"}
        if actor.device is not None and actor.device.id == entry.recorded_by_id:
            moves.add("withdraw")
    if actor.is_volunteer and entry.status != "cancelled":
        moves |= {"correct", "cancel"}
    return moves


# --- Moves ---------------------------------------------------------------------------------------


def record(notice, actor, data):
    """Record hours given on a closed help notice: ``with`` (the other's pseudonym), ``direction``
    (gave | received), ``hours``, ``note``. One of the two must be the notice's poster.

    Returns (entry, code): the short code the other phone may type to confirm (shown once)."""
    if actor.device is None:
        raise Unauthorized()
    errors = {}
    direction = str(data.get("direction") or "")
    if direction not in dict(DIRECTIONS):
        errors["direction"] = _l("Say whether you gave or received the help.")
    try:
        minutes = parse_hours(data.get("hours"))
    except ValidationError as error:
        errors.update(error.fields)
        minutes = 0
    note = " ".join(str(data.get("note") or "").split())
    if len(note) > NOTE_MAX:
        errors["note"] = _l("%(count)d characters at most, please.", count=NOTE_MAX)
    other_name = " ".join(str(data.get("with") or "").split())
    other = Device.get_or_none(Device.pseudonym == other_name) if other_name else None
    if other is None:
        errors["with"] = _l("No neighbour uses this pseudonym on the box.")
    elif other.id == actor.device.id:
        errors["with"] = _l("The hours go from one neighbour to another: choose the other person.")
    if errors:
        raise ValidationError(fields=errors)
    check_rate(actor, "post")
    code = codes.random_code(CODE_LENGTH)
    with writing():
        notice = Notice.get_by_id(notice.id)
        if not may_record_on(notice):
            raise Conflict(_l("Hours can be recorded once a help notice is closed as done."))
        if notice.device_id not in (actor.device.id, other.id):
            raise Forbidden(_l("One of the two people must be the one who posted the notice."))
        _require_replied_or_posted(notice, actor.device, other)
        giver, receiver = (actor.device, other) if direction == "gave" else (other, actor.device)
        if TimeEntry.select().where(TimeEntry.notice == notice, TimeEntry.status != "cancelled",
                                    ((TimeEntry.giver == giver) & (TimeEntry.receiver == receiver))
                                    | ((TimeEntry.giver == receiver) & (TimeEntry.receiver == giver))).exists():
            raise Conflict(_l("The hours of this notice between you two are already recorded."))
        _check_limit(receiver, minutes)
        entry = TimeEntry.create(
            notice=notice, giver=giver, receiver=receiver, recorded_by=actor.device, minutes=minutes,
            note=note, status="pending", code_hash=hash_key(code), created_at=clock.now(),
        )
    return entry, code


def _require_replied_or_posted(notice, *devices):
    """The two people of an exchange are the poster and someone who answered the notice."""
    for device in devices:
        if device.id == notice.device_id:
            continue
        if not Reply.select().where(Reply.notice == notice, Reply.device == device).exists():
            raise Forbidden(_l("The other person must have answered the notice on the board."))


def _check_limit(receiver, minutes):
    if balance(receiver) - minutes < -limit_minutes():
        raise Conflict(_l(
            "This would take %(name)s below the time bank's limit (%(hours)s hours below zero). "
            "Volunteers can tell you more.", name=receiver.pseudonym or "?", hours=hours_text(limit_minutes())))


def confirm(entry, actor):
    """The other person says yes: the hours count. Confirming twice changes nothing."""
    with writing():
        entry = _fresh(entry)
        if entry.status == "confirmed" and _is_party(actor, entry):
            return entry
        if entry.status == "cancelled":
            raise Conflict(_l("This entry was cancelled."))
        if actor.device is None or actor.device.id != counterpart_id(entry):
            raise Forbidden(_l("Only the other person of the exchange can confirm it."))
        _check_limit(entry.receiver, entry.minutes)
        entry.status, entry.confirmed_at, entry.code_hash = "confirmed", clock.now(), ""
        entry.save()
    return entry


def confirm_by_code(code, actor):
    """Confirm the entry whose short code this phone typed (it must be the other person's phone)."""
    if actor.device is None:
        raise Unauthorized()
    typed = codes.normalize(code or "")
    if len(typed) != CODE_LENGTH:
        raise ValidationError(fields={"code": _l("The code has %(count)d characters.", count=CODE_LENGTH)})
    check_rate(actor, "code")
    entry = TimeEntry.get_or_none(TimeEntry.code_hash == hash_key(typed), TimeEntry.status == "pending")
    if entry is None or counterpart_id(entry) != actor.device.id:
        raise NotFound(_l("No entry waits for your confirmation with this code."))
    return confirm(entry, actor)


def decline(entry, actor):
    """The other person says no: the entry is cancelled."""
    return _cancel_pending(entry, actor, counterpart=True)


def withdraw(entry, actor):
    """The person who recorded it takes it back before it is confirmed."""
    return _cancel_pending(entry, actor, counterpart=False)


def _cancel_pending(entry, actor, counterpart):
    with writing():
        entry = _fresh(entry)
        allowed = actor.device is not None and actor.device.id == (
            counterpart_id(entry) if counterpart else entry.recorded_by_id)
        if not allowed:
            raise Forbidden()
        if entry.status == "cancelled":
            return entry
        if entry.status != "pending":
            raise Conflict(_l("It is already confirmed: only a volunteer can change it now."))
        entry.status, entry.cancelled_at, entry.code_hash = "cancelled", clock.now(), ""
        entry.save()
    return entry


def correct(entry, actor, hours, reason=""):
    """A volunteer changes the hours of an entry (a typo, a misunderstanding); in the audit log."""
    _require_volunteer(actor)
    minutes, reason = parse_hours(hours), str(reason or "")[:REASON_MAX]
    with writing():
        entry = _fresh(entry)
        if entry.status == "cancelled":
            raise Conflict(_l("This entry was cancelled."))
        before = entry.minutes
        if before == minutes:
            return entry
        entry.minutes = minutes
        entry.save(only=[TimeEntry.minutes])
        write_audit("timebank_correct", f"time:{entry.id}", f"{hours_text(before)} h → {hours_text(minutes)} h {reason}".strip(),
              volunteer=actor.volunteer)
    return entry


def cancel(entry, actor, reason=""):
    """A volunteer cancels an entry (pending or confirmed); in the audit log."""
    _require_volunteer(actor)
    reason = str(reason or "")[:REASON_MAX]
    with writing():
        entry = _fresh(entry)
        if entry.status == "cancelled":
            return entry
        entry.status, entry.cancelled_at, entry.code_hash = "cancelled", clock.now(), ""
        entry.save()
        write_audit("timebank_cancel", f"time:{entry.id}", f"{hours_text(entry.minutes)} h {reason}".strip(),
              volunteer=actor.volunteer)
    return entry


def _require_volunteer(actor):
    if not actor.is_volunteer:
        raise Forbidden()


def _fresh(entry):
    return TimeEntry.get_by_id(entry.id)
