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
    if event.kind in ("box.admit", "box.successor"):
        return "box:" + str(data.get("key", ""))
    return ""


def is_deleted(event_id, target):
    ids = [event_id] + ([target] if target else [])
    return NetTombstone.select().where(NetTombstone.net_id.in_(ids)).exists()


def settle():
    """Apply what can be applied, again and again, until nothing changes (trust grows, books arrive)."""
    for _pass in range(100):
        changed = False
        # Read whole before changing any: updating rows under an open cursor on their index can
        # skip them or show them twice.
        waiting = list(NetEvent.select().where(NetEvent.state.in_(("pending", "aside", "future"))).order_by(
            NetEvent.hlc, NetEvent.box, NetEvent.seq))
        for row in waiting:
            state = _try(row)
            if state != row.state:
                NetEvent.update(state=state).where(NetEvent.id == row.id).execute()
                changed = True
        if not changed:
            return


def _try(row):
    from . import format as fmt

    if row.state == "future" and fmt.hlc_ms(row.hlc) > log._utc_ms(log.clock.now() + log.MAX_AHEAD):
        return "future"
    if not NetBox.select().where(NetBox.key == row.box, NetBox.admitted == True).exists():  # noqa: E712
        return "aside"
    handler = HANDLERS.get(row.kind)
    if handler is None:
        return "unknown"
    if row.payload is None:
        return "applied" if is_deleted(row.id, row.target) else "pending"
    # Counted as applied while its handler runs: a hide or restore then sees itself among the
    # target's decisions (settle writes the final state after).
    NetEvent.update(state="applied").where(NetEvent.id == row.id).execute()
    try:
        with database.atomic():  # a savepoint: an event refused halfway leaves nothing behind
            state = "applied" if handler(row, json.loads(row.payload)) is not False else "pending"
    except (Refused, DomainError, KeyError, TypeError, ValueError):
        state = "refused"
    if state != "applied":
        NetEvent.update(state=state).where(NetEvent.id == row.id).execute()
    return state


def _text(data, name, limit=TEXT_MAX):
    value = data.get(name, "")
    if not isinstance(value, str):
        raise Refused(name)
    return " ".join(value.split())[:limit]


# --- The directory of boxes -----------------------------------------------------------------------

def _box_info(row, data):
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


def _admit(row, data):
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


def _successor(row, data):
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

def _register_book(row, data):
    from ..books import rules as books

    code = str(data.get("code", "")).upper()
    if is_deleted(row.id, "book:" + code):
        return
    holder = _prefix_holder(code.split("-")[0], "")
    if holder is not None and holder.key != row.box and not _is_predecessor(row.box, holder.key):
        raise Refused("a book code of another box")
    if Book.select().where(Book.code == code).exists():
        raise Refused("this code is already a book here")
    book = books.import_book(data)
    NetOrigin.create(target=f"book:{book.code}", net_id=f"book:{book.code}", box=row.box)
    settle_target(f"book:{book.code}")


def _is_predecessor(box, of_key):
    return NetBox.select().where(NetBox.key == box, NetBox.successor == of_key).exists()


def _add_entry(row, data):
    from ..books import rules as books

    if is_deleted(row.id, row.target):
        return
    book = Book.get_or_none(Book.code == str(data.get("book", "")).upper())
    if book is None:
        return False  # the book's registration has not come yet
    entry = books.import_entry(book, data)
    NetOrigin.create(target=f"journal:{entry.id}", net_id=row.id, box=row.box)
    settle_target(row.id)


def _share_notice(row, data):
    from ..board import rules as board

    if is_deleted(row.id, ""):
        return
    notice = board.import_notice(data)
    NetOrigin.create(target=f"notice:{notice.id}", net_id=row.id, box=row.box)
    settle_target(row.id)


def _moderate(row, data):
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


def _delete(row, data):
    """Content deleted by a volunteer of the network: the rows go, the payloads are dropped."""
    net_id = str(data.get("target", ""))
    if not net_id:
        raise Refused("target")
    NetTombstone.insert(net_id=net_id, event_id=row.id).on_conflict_ignore().execute()
    record = local_record(net_id)
    if record is not None:
        if isinstance(record, Book):
            entries = [f"journal:{entry.id}" for entry in JournalEntry.select(JournalEntry.id).where(
                JournalEntry.book == record)]
            NetOrigin.delete().where(NetOrigin.target.in_(entries)).execute()
        NetOrigin.delete().where(NetOrigin.net_id == net_id).execute()
        record.delete_instance()
    drop_payloads(net_id)


def drop_payloads(net_id):
    NetEvent.update(payload=None).where(
        (NetEvent.id == net_id) | ((NetEvent.target == net_id) & NetEvent.kind.in_(CREATIONS))).execute()


def _block(row, data):
    """A volunteer blocked a box across the network (it posted abuse): all it wrote, before or after,
    is hidden on every box. A block is never undone by an event, so its order does not matter."""
    key = str(data.get("key", ""))
    if not _HEX64.match(key) or key == row.box:
        raise Refused("block")
    NetBox.insert(key=key, blocked=True).on_conflict(
        conflict_target=[NetBox.key], update={NetBox.blocked: True}).execute()
    for origin in NetOrigin.select().where(NetOrigin.box == key):
        settle_target(origin.net_id)


HANDLERS = {
    "box.block": _block,
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
