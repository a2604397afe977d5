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
# What a box passes on: what it applied, kinds it does not know, and what waits here (for a book, or
# for this box's clock: each receiver checks the time against its own clock).
PASSABLE = ("applied", "unknown", "pending", "future")

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
    and it was not deleted). Raises ImportRefused, keeping nothing, for a flood. The new rows are
    written in bulk; then only they, and what they can unblock, are tried (apply.settle)."""
    from . import apply

    with writing():
        tombstones = {row.net_id for row in apply.NetTombstone.select(apply.NetTombstone.net_id)}
        fresh, filled = _new_events(events, tombstones)
        neighbours = _neighbours(fresh)
        rows, now = [], clock.now()
        for event in fresh:
            target = apply.target_of(event)
            if event.kind in apply.CREATIONS and apply.is_deleted(event.id, target, tombstones):
                event.payload = None  # deleted here already: its content is not kept again
            rows.append(_row(event, target, _first_state(event, neighbours), now))
        for start in range(0, len(rows), 500):
            NetEvent.insert_many(rows[start:start + 500]).execute()
        written = {}
        for row in rows:
            if row["state"] != "fork":
                written[row["box"]] = max(written.get(row["box"], 0), row["hlc"])
        for box, hlc in written.items():
            _note_news(box, hlc)
        apply.settle([row["id"] for row in rows if row["state"] != "fork"] + filled)
    return len(fresh)


def _row(event, target, state, now):
    return {"id": event.id, "box": event.box, "seq": event.seq, "hlc": event.hlc, "kind": event.kind,
            "header": event.header, "signature": event.signature, "payload": event.payload,
            "target": target, "state": state, "received_at": now}


def _new_events(events, tombstones):
    """The events not here yet, in (time, box, seq) order, and the ids of events here whose payload
    they filled in."""
    by_id = {}
    for event in events:
        by_id.setdefault(event.id, event)
    known, filled = set(), []
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in NetEvent.select(NetEvent.id, NetEvent.payload, NetEvent.state).where(NetEvent.id.in_(chunk)):
            known.add(row.id)
            event = by_id[row.id]
            if row.payload is None and event.payload is not None and row.state not in ("fork", "refused"):
                _fill_in(row, event, tombstones, filled)
    fresh = [event for event in by_id.values() if event.id not in known]
    per_box = {}
    for event in fresh:
        per_box[event.box] = per_box.get(event.box, 0) + 1
    flooding = [box for box, count in per_box.items() if count > MAX_NEW_PER_BOX]
    if flooding:
        raise ImportRefused(f"too many events from one box at once ({max(per_box.values())})")
    return sorted(fresh, key=lambda e: (e.hlc, e.box, e.seq)), filled


def _fill_in(row, event, tombstones, filled):
    """An event held without its content gets it from another copy, unless it was deleted here. Its
    target is read from the content (without it, what it belongs to is unknown) and it is tried
    again."""
    from . import apply

    target = apply.target_of(event)
    if apply.is_deleted(event.id, target, tombstones):
        return
    state = "pending" if row.state == "applied" else row.state  # applied with nothing to show: try it now
    NetEvent.update(payload=event.payload, target=target, state=state).where(NetEvent.id == row.id).execute()
    filled.append(row.id)


def _neighbours(fresh):
    """{(box, seq): event id} already here around the new events' seqs (fork checks)."""
    spans = {}
    for event in fresh:
        low, high = spans.get(event.box, (event.seq, event.seq))
        spans[event.box] = (min(low, event.seq - 1), max(high, event.seq))
    held = {}
    for box, (low, high) in spans.items():
        query = NetEvent.select(NetEvent.seq, NetEvent.id).where(
            NetEvent.box == box, NetEvent.seq.between(low, high)).tuples()
        for seq, event_id in query:
            held.setdefault((box, seq), event_id)
    return held


def _first_state(event, neighbours):
    """fork, future or pending (settle decides the rest). ``neighbours`` learns each event taken."""
    same_seq = neighbours.setdefault((event.box, event.seq), event.id)
    before = neighbours.get((event.box, event.seq - 1))
    if same_seq != event.id or (before and before != event.prev):
        NetBox.insert(key=event.box, forked_at_seq=event.seq).on_conflict(
            conflict_target=[NetBox.key], update={NetBox.forked_at_seq: event.seq}).execute()
        return "fork"
    if fmt.hlc_ms(event.hlc) > _utc_ms(clock.now() + MAX_AHEAD):
        return "future"
    return "pending"


def _note_news(box, hlc):
    """News of ``box`` arrived now; ``hlc``: the latest time it signed among them (when it wrote it)."""
    from peewee import fn

    NetBox.insert(key=box, last_news=clock.now(), news_written_hlc=hlc).on_conflict(
        conflict_target=[NetBox.key], update={
            NetBox.last_news: clock.now(), NetBox.news_written_hlc: fn.MAX(NetBox.news_written_hlc, hlc)}).execute()


# --- What to pass on ------------------------------------------------------------------------------

def passable():
    """Events this box passes on: its own and those of admitted boxes, known kinds or not, applied or
    waiting."""
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
    lacking = [event_id for event_id, box, seq in passable().select(NetEvent.id, NetEvent.box, NetEvent.seq).tuples()
               if not any(a <= seq <= b for a, b in held.get(box, ()))]
    out = []
    for start in range(0, len(lacking), 500):  # whole rows only for what goes out
        out += [as_event(row) for row in NetEvent.select().where(NetEvent.id.in_(lacking[start:start + 500]))]
    return sorted(out, key=lambda event: (event.box, event.seq))
