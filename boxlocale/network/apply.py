"""What each kind of event does to this box's tables, written so that arrival order does not matter.

``settle`` walks the events not applied yet in (time, box, sequence) order until nothing changes:
an event from a box no admitted box vouched for stays ``aside`` (never shown), one that refers to
something not here yet stays ``pending``, a kind this version does not know stays ``unknown`` (kept
and passed on). Content goes through the domains' own import rules (books.rules.import_book, ...):
the same checks as a post made here.
"""

import json
import re

from ..db import database
from ..errors import DomainError
from ..models import Book, JournalEntry, NetBox, NetEvent, NetOrigin, NetTombstone, Notice
from ..people.rules import set_hidden
from . import log

CREATIONS = ("book.register", "journal.add", "notice.share")
MODERATION = ("mod.hide", "mod.restore")
BLOCKS = ("box.block", "box.unblock")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
TEXT_MAX = 200


class Refused(Exception):
    """This event breaks a rule of the network: kept in the log as refused, never applied."""


def target_of(event):
    """The network id an event acts on (indexed, so a target's events are found at once)."""
    data = event.data or {}
    if event.kind == "book.register":
        return "book:" + str(data.get("code", ""))
    if event.kind == "journal.add":
        return "book:" + str(data.get("book", ""))
    if event.kind in (*MODERATION, "mod.delete", "notice.close"):
        return str(data.get("target", ""))
    if event.kind in ("box.admit", "box.successor", *BLOCKS):
        return "box:" + str(data.get("key", ""))
    return ""


def is_deleted(event_id, target, tombstones=None):
    """Was this content deleted (its own id, or what it belongs to)? ``tombstones``: a set read once."""
    ids = [event_id] + ([target] if target else [])
    if tombstones is not None:
        return any(net_id in tombstones for net_id in ids)
    return NetTombstone.select().where(NetTombstone.net_id.in_(ids)).exists()


WAITING = ("pending", "aside", "future")


class Known:
    """What one settle looks up for every event, read once: it runs inside one write transaction, so
    only its own handlers change these, and they keep them up to date."""

    def __init__(self):
        self.read_boxes()
        self.tombstones = {row.net_id for row in NetTombstone.select(NetTombstone.net_id)}
        # Posts that a moderation or closing event names: only those need their state worked out.
        self.decided = {row.target for row in NetEvent.select(NetEvent.target).where(
            NetEvent.kind.in_((*MODERATION, "notice.close"))).distinct()}

        self.books = {}  # code → Book, of the books this settle registered

    def read_boxes(self):
        boxes = list(NetBox.select(NetBox.key, NetBox.admitted, NetBox.blocked, NetBox.prefix, NetBox.successor))
        self.admitted = {box.key for box in boxes if box.admitted}
        self.blocked = {box.key for box in boxes if box.blocked}
        self.holders = {}  # book-code prefix → the admitted box that holds it
        for box in boxes:
            if box.admitted and box.successor is None and box.prefix:
                self.holders.setdefault(box.prefix, box.key)


def settle(ids=None):
    """Apply what can be applied. ``ids``: the events just stored (and nothing else can have changed);
    None: every waiting event. Then, again and again until nothing changes, only the waiting events
    that what was just applied can unblock (a box now trusted, a book now here, a post now deleted)."""
    known = Known()
    rows = _waiting() if ids is None else _rows(ids) + _due_future()
    while rows:
        states, unblocks = {}, []
        for row in sorted(rows, key=lambda r: (r.hlc, r.box, r.seq)):
            state = _try(row, known)
            if state != row.state:
                states.setdefault(state, []).append(row.id)
            if state == "applied":
                unblocks.append(row)
        for state, changed in states.items():
            for start in range(0, len(changed), 500):
                NetEvent.update(state=state).where(NetEvent.id.in_(changed[start:start + 500])).execute()
        rows = _unblocked(unblocks)


def _rows(ids):
    rows = []
    for start in range(0, len(ids), 500):
        rows.extend(NetEvent.select().where(NetEvent.id.in_(ids[start:start + 500]), NetEvent.state.in_(WAITING)))
    return rows


def _waiting():
    # Read whole before changing any: updating rows under an open cursor on their index can skip
    # them or show them twice.
    return list(NetEvent.select().where(NetEvent.state.in_(WAITING)))


def _due_future():
    """Events that claimed a time too far ahead and whose time has come."""
    from . import format as fmt

    limit = fmt.hlc_from_ms(log._utc_ms(log.clock.now() + log.MAX_AHEAD))
    return list(NetEvent.select().where(NetEvent.state == "future", NetEvent.hlc <= limit))


def _unblocked(applied):
    """The waiting events that the events just applied may unblock (a deletion unblocks nothing:
    content without its payload is never waiting, see _try)."""
    boxes = [row.target[4:] for row in applied if row.kind in ("box.admit", "box.successor")]
    books = [row.target for row in applied if row.kind == "book.register"]
    clauses = []
    if boxes:
        clauses.append((NetEvent.state == "aside") & NetEvent.box.in_(boxes))
    if books:
        clauses.append((NetEvent.state == "pending") & NetEvent.target.in_(books))
    if not clauses:
        return []
    condition = clauses[0]
    for clause in clauses[1:]:
        condition |= clause
    return list(NetEvent.select().where(condition))


def _try(row, known):
    from . import format as fmt

    if row.box not in known.admitted:
        return "aside"  # first: what waits for the clock is passed on, and only trusted boxes' news is
    if fmt.hlc_ms(row.hlc) > log._utc_ms(log.clock.now() + log.MAX_AHEAD):
        return "future"
    handler = HANDLERS.get(row.kind)
    if handler is None:
        return "unknown"
    if row.payload is None:
        # Content is dropped only when it is deleted: a creation without it was deleted on some box
        # and has nothing to show, whether or not that deletion has come (its target is in the
        # content, so it could not be matched to it). Other kinds wait for a copy with content.
        return "applied" if row.kind in CREATIONS else "pending"
    if row.kind in MODERATION or row.kind in BLOCKS:
        # Counted as applied while its handler runs: a hide or restore then sees itself among the
        # target's decisions (settle writes the final state after).
        NetEvent.update(state="applied").where(NetEvent.id == row.id).execute()
        known.decided.add(row.target)
    try:
        with database.atomic():  # a savepoint: an event refused halfway leaves nothing behind
            state = "applied" if handler(row, json.loads(row.payload), known) is not False else "pending"
    except (Refused, DomainError, KeyError, TypeError, ValueError):
        state = "refused"
    if row.kind.startswith("box."):
        known.read_boxes()  # an admission, a successor, a block: trust changed
    return state


def _text(data, name, limit=TEXT_MAX):
    value = data.get(name, "")
    if not isinstance(value, str):
        raise Refused(name)
    return " ".join(value.split())[:limit]


# --- The directory of boxes -----------------------------------------------------------------------

def _box_info(row, data, known):
    box = NetBox.get_by_id(row.box)
    if row.hlc > box.info_hlc:
        box.name, box.village = _text(data, "name", 80), _text(data, "village", 80)
        box.opening_hours, box.info_hlc = _text(data, "opening_hours", 300), row.hlc
        claimed = _text(data, "prefix", 10).upper()
        # The prefix is given at admission; a box's own claim (its latest) counts only where no
        # admission gave one (the box that admitted this one, as seen by it) and no other box holds it.
        if box.admitted_by is None and claimed and _prefix_holder(claimed, box.key) is None:
            box.prefix = claimed
        box.save()


def _prefix_holder(prefix, other_than):
    return NetBox.get_or_none(NetBox.prefix == prefix, NetBox.admitted == True,  # noqa: E712
                              NetBox.successor.is_null(), NetBox.key != other_than)


def _admit(row, data, known):
    key, prefix = str(data.get("key", "")), _text(data, "prefix", 10).upper()
    if not _HEX64.match(key) or not prefix:
        raise Refused("admission")
    box = NetBox.get_or_none(NetBox.key == key)
    if box is not None and box.admitted:
        return
    if _prefix_holder(prefix, key) is not None:
        raise Refused("prefix held by another box")
    NetBox.insert(key=key, prefix=prefix, admitted=True, admitted_by=row.box,
                  name=_text(data, "name", 80), village=_text(data, "village", 80)).on_conflict(
        conflict_target=[NetBox.key],
        update={NetBox.admitted: True, NetBox.admitted_by: row.box, NetBox.prefix: prefix}).execute()


def _successor(row, data, known):
    """A restored box announces its new key with its old one: the new key inherits the old's place."""
    key = str(data.get("key", ""))
    if not _HEX64.match(key):
        raise Refused("successor")
    old = NetBox.get_by_id(row.box)
    NetBox.insert(key=key, prefix=old.prefix, name=old.name, village=old.village, admitted=True,
                  admitted_by=row.box, opening_hours=old.opening_hours).on_conflict(
        conflict_target=[NetBox.key], update={NetBox.admitted: True, NetBox.prefix: old.prefix}).execute()
    NetBox.update(successor=key).where(NetBox.key == row.box).execute()


# --- Content ---------------------------------------------------------------------------------------

def _register_book(row, data, known):
    from ..books import rules as books

    code = str(data.get("code", "")).upper()
    if is_deleted(row.id, "book:" + code, known.tombstones):
        return
    holder = known.holders.get(code.split("-")[0])
    if holder is not None and holder != row.box and not _is_predecessor(row.box, holder):
        raise Refused("a book code of another box")
    if Book.select().where(Book.code == code).exists():
        raise Refused("this code is already a book here")
    book = books.import_book(data)
    NetOrigin.create(target=f"book:{book.code}", net_id=f"book:{book.code}", box=row.box)
    _settle_new(f"book:{book.code}", row.box, known)
    known.books[book.code] = book  # last: a handler that fails halfway is rolled back, and so is this


def _is_predecessor(box, of_key):
    return NetBox.select().where(NetBox.key == box, NetBox.successor == of_key).exists()


def _add_entry(row, data, known):
    from ..books import rules as books

    if is_deleted(row.id, row.target, known.tombstones):
        return
    code = str(data.get("book", "")).upper()
    book = known.books.get(code) or Book.get_or_none(Book.code == code)
    if book is None:
        return False  # the book's registration has not come yet
    entry = books.import_entry(book, data)
    NetOrigin.create(target=f"journal:{entry.id}", net_id=row.id, box=row.box)
    _settle_new(row.id, row.box, known)


def _share_notice(row, data, known):
    from ..board import rules as board

    if is_deleted(row.id, "", known.tombstones):
        return
    notice = board.import_notice(data)
    NetOrigin.create(target=f"notice:{notice.id}", net_id=row.id, box=row.box)
    _settle_new(row.id, row.box, known)


def _settle_new(net_id, box, known):
    """A post just created from its event is as its event says, unless moderation, a closing or a
    block of its box came before it."""
    if net_id in known.decided or box in known.blocked:
        settle_target(net_id)


def _moderate(row, data, known):
    settle_target(str(data.get("target", "")))


MODELS = {"book": Book, "journal": JournalEntry, "notice": Notice}


def local_record(net_id):
    """The local row a network id stands for, or None."""
    origin = NetOrigin.get_or_none(NetOrigin.net_id == net_id)
    if origin is None:
        return None
    kind, _, key = origin.target.partition(":")
    model = MODELS[kind]
    return model.get_or_none(model.code == key) if kind == "book" else model.get_or_none(model.id == int(key))


def settle_target(net_id):
    """A shared post's moderation and closing, from all the events about it: the latest hide or
    restore (by time, then id) decides, else what its creation said."""
    record = local_record(net_id)
    if record is None:
        return
    decisions = NetEvent.select(NetEvent.kind).where(
        NetEvent.target == net_id, NetEvent.kind.in_(MODERATION), NetEvent.state.in_(("applied", "pending"))
    ).order_by(NetEvent.hlc.desc(), NetEvent.id.desc())
    latest = decisions.first()
    origin = NetOrigin.get_or_none(NetOrigin.net_id == net_id)
    if origin is not None and NetBox.select().where(NetBox.key == origin.box, NetBox.blocked == True).exists():  # noqa: E712
        hidden = True  # a box blocked network-wide: everything it wrote stays hidden
    elif latest is not None:
        hidden = latest.kind == "mod.hide"
    else:
        creation = _creation_event(net_id)
        hidden = bool(json.loads(creation.payload).get("hidden")) if creation and creation.payload else record.hidden
    if record.hidden != hidden:
        set_hidden(record, hidden)
    if isinstance(record, Notice) and record.status != "closed" and NetEvent.select().where(
            NetEvent.target == net_id, NetEvent.kind == "notice.close").exists():
        Notice.update(status="closed", closed_at=record.updated_at).where(Notice.id == record.id).execute()


def _creation_event(net_id):
    if net_id.startswith("book:"):
        return NetEvent.get_or_none(NetEvent.target == net_id, NetEvent.kind == "book.register")
    return NetEvent.get_or_none(NetEvent.id == net_id)


def _delete(row, data, known):
    """Content deleted by a volunteer of the network: the rows go, the payloads are dropped."""
    net_id = str(data.get("target", ""))
    if not net_id:
        raise Refused("target")
    NetTombstone.insert(net_id=net_id, event_id=row.id).on_conflict_ignore().execute()
    record = local_record(net_id)  # None when deleted here: the volunteer's move removed it already
    if record is not None:
        if isinstance(record, Book):
            known.books.pop(record.code, None)
        record.delete_instance()
    _forget_origins(net_id)
    drop_payloads(net_id)
    known.tombstones.add(net_id)


def _forget_origins(net_id):
    """The post's network ids and, for a book, its journal entries' (entries are named by the event
    that created them, whose target is the book): a local id used again later is a new post."""
    entries = NetEvent.select(NetEvent.id).where(NetEvent.target == net_id, NetEvent.kind == "journal.add")
    NetOrigin.delete().where((NetOrigin.net_id == net_id) | NetOrigin.net_id.in_(entries)).execute()


def drop_payloads(net_id):
    NetEvent.update(payload=None).where(
        (NetEvent.id == net_id) | ((NetEvent.target == net_id) & NetEvent.kind.in_(CREATIONS))).execute()


def _block(row, data, known):
    """A volunteer blocked a box across the network (it posted abuse), or unblocked it: all it wrote,
    before or after, is hidden (or shown again) on every box. Like hide and restore, the latest
    (time, id) of the blocks and unblocks of a box decides, whichever arrived first."""
    key = str(data.get("key", ""))
    if not _HEX64.match(key) or key == row.box:
        raise Refused("block")
    latest = NetEvent.select(NetEvent.kind).where(
        NetEvent.target == "box:" + key, NetEvent.kind.in_(BLOCKS), NetEvent.state.in_(("applied", "pending"))
    ).order_by(NetEvent.hlc.desc(), NetEvent.id.desc()).first()
    blocked = latest is not None and latest.kind == "box.block"
    NetBox.insert(key=key, blocked=blocked).on_conflict(
        conflict_target=[NetBox.key], update={NetBox.blocked: blocked}).execute()
    for origin in NetOrigin.select().where(NetOrigin.box == key):
        settle_target(origin.net_id)


HANDLERS = {
    "box.block": _block,
    "box.unblock": _block,
    "box.info": _box_info,
    "box.admit": _admit,
    "box.successor": _successor,
    "book.register": _register_book,
    "journal.add": _add_entry,
    "notice.share": _share_notice,
    "notice.close": _moderate,
    "mod.hide": _moderate,
    "mod.restore": _moderate,
    "mod.delete": _delete,
}
