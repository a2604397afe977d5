"""The box's log and the merge: emit local events, take in others', apply them in one order.

Merging is the union of event sets. Each kind's effect is written so that the order events arrive in
does not matter: creations are keyed by their network id (a second copy changes nothing), hide and
restore of one target are decided by the latest (time, id) among all of them, a deletion wins over
everything and leaves a tombstone, a box's directory entry is its latest ``box.info``. Within one
import, events are applied in (time, box, sequence) order.
"""

from datetime import timedelta

from .. import clock
from ..db import writing
from ..models import NetBox, NetEvent
from . import format as fmt
from . import identity

# An event may claim to be at most this far ahead of the receiving box's time (wrong clocks):
# further ahead, it waits ("future") until the receiver's time catches up.
MAX_AHEAD = timedelta(days=7)
# At most this many new events of one box in one import: more is a flood, refused whole.
MAX_NEW_PER_BOX = 20_000
PASSABLE = ("applied", "unknown", "pending")

_self = {"key": None}


def set_identity(signing_key):
    _self["key"] = signing_key


def self_key():
    return identity.public_hex(_self["key"])


class ImportRefused(Exception):
    """A batch refused whole (a flood, a forged event of this box): nothing of it was kept."""


# --- The box's own events ---------------------------------------------------------------------------

def _utc_ms(naive_utc):
    from datetime import UTC

    return naive_utc.replace(tzinfo=UTC).timestamp() * 1000


def next_hlc():
    """Later than every event this box has taken in, and not before its own clock."""
    latest = NetEvent.select(NetEvent.hlc).where(NetEvent.state != "future").order_by(
        NetEvent.hlc.desc()).limit(1).scalar() or 0
    return max(fmt.hlc_from_ms(_utc_ms(clock.now())), latest + 1)


def emit(kind, payload, target="", applied=True):
    """Append one signed event to this box's log. Call inside the write transaction of the rows it
    describes: both are saved, or neither."""
    key = _self["key"]
    box = identity.public_hex(key)
    last = NetEvent.select(NetEvent.id, NetEvent.seq).where(NetEvent.box == box).order_by(
        NetEvent.seq.desc()).first()
    seq, prev = (last.seq + 1, last.id) if last else (1, "")
    event = fmt.make_event(key, seq, prev, next_hlc(), kind, payload)
    _store(event, target, "applied" if applied else "pending")
    return event


def _store(event, target, state):
    NetEvent.create(id=event.id, box=event.box, seq=event.seq, hlc=event.hlc, kind=event.kind,
                    header=event.header, signature=event.signature, payload=event.payload,
                    target=target, state=state, received_at=clock.now())


# --- Taking in others' events ---------------------------------------------------------------------

def import_events(events):
    """Take in checked events (format.parse_record) in one transaction → how many were new.

    Idempotent: an event already here changes nothing (its payload is filled in if ours was missing
    and it was not deleted). Raises ImportRefused, keeping nothing, for a flood."""
    from . import apply

    with writing():
        fresh = _new_events(events)
        for event in fresh:
            state, target = _first_state(event), apply.target_of(event)
            if apply.is_deleted(event.id, target) and event.kind in apply.CREATIONS:
                event.payload = None  # deleted here already: its content is not kept again
            _store(event, target, state)
            _note_news(event)
        apply.settle()
    return len(fresh)


def _new_events(events):
    by_id = {}
    for event in events:
        by_id.setdefault(event.id, event)
    known = set()
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in NetEvent.select(NetEvent.id, NetEvent.payload).where(NetEvent.id.in_(chunk)):
            known.add(row.id)
            _fill_payload(row, by_id[row.id])
    fresh = [event for event in by_id.values() if event.id not in known]
    per_box = {}
    for event in fresh:
        per_box[event.box] = per_box.get(event.box, 0) + 1
    flooding = [box for box, count in per_box.items() if count > MAX_NEW_PER_BOX]
    if flooding:
        raise ImportRefused(f"too many events from one box at once ({max(per_box.values())})")
    return sorted(fresh, key=lambda e: (e.hlc, e.box, e.seq))


def _fill_payload(row, event):
    from . import apply

    if row.payload is None and event.payload is not None:
        if not apply.is_deleted(row.id, apply.target_of(event)):
            NetEvent.update(payload=event.payload).where(NetEvent.id == row.id).execute()


def _first_state(event):
    """fork, future or pending (settle decides the rest)."""
    same_seq = NetEvent.select(NetEvent.id).where(NetEvent.box == event.box, NetEvent.seq == event.seq).first()
    before = NetEvent.select(NetEvent.id).where(NetEvent.box == event.box, NetEvent.seq == event.seq - 1).first()
    if (same_seq and same_seq.id != event.id) or (before and before.id != event.prev):
        NetBox.insert(key=event.box, forked_at_seq=event.seq).on_conflict(
            conflict_target=[NetBox.key], update={NetBox.forked_at_seq: event.seq}).execute()
        return "fork"
    if fmt.hlc_ms(event.hlc) > _utc_ms(clock.now() + MAX_AHEAD):
        return "future"
    return "pending"


def _note_news(event):
    NetBox.insert(key=event.box, last_news=clock.now()).on_conflict(
        conflict_target=[NetBox.key], update={NetBox.last_news: clock.now()}).execute()


# --- What to pass on ------------------------------------------------------------------------------

def passable():
    """Events this box passes on: its own and those of admitted boxes, known kinds or not."""
    return NetEvent.select().where(NetEvent.state.in_(PASSABLE))


def as_event(row):
    return fmt.Event(id=row.id, box=row.box, seq=row.seq, prev=_prev_of(row), hlc=row.hlc, kind=row.kind,
                     header=row.header, signature=row.signature, payload=row.payload)


def _prev_of(row):
    import json

    return json.loads(row.header)["prev"]


def seq_ranges():
    """What this box holds, per box: {box key: [[first, last], ...]} over passable events."""
    ranges = {}
    query = passable().select(NetEvent.box, NetEvent.seq).order_by(NetEvent.box, NetEvent.seq).tuples()
    for box, seq in query:
        spans = ranges.setdefault(box, [])
        if spans and spans[-1][1] == seq - 1:
            spans[-1][1] = seq
        elif not spans or spans[-1][1] != seq:
            spans.append([seq, seq])
    return ranges


def missing_from(their_ranges):
    """Passable events the other side lacks, given its seq_ranges()."""
    held = {box: [(int(a), int(b)) for a, b in spans] for box, spans in (their_ranges or {}).items()}
    out = []
    for row in passable().order_by(NetEvent.box, NetEvent.seq):
        if not any(a <= row.seq <= b for a, b in held.get(row.box, ())):
            out.append(as_event(row))
    return out
