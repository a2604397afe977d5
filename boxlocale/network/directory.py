"""What pages show of the network: the village each journal entry was written in, the box a shared
notice came from."""

from .. import settings
from ..models import NetBox, NetOrigin
from . import log


def _villages():
    return {box.key: box.village or box.name for box in NetBox.select(NetBox.key, NetBox.village, NetBox.name)}


def book_villages(book, entries):
    """{"registered": village, "entries": {entry id: village}, "count": villages visited}. Entries
    written here before the box was in a network are this box's village."""
    targets = [f"book:{book.code}"] + [f"journal:{entry.id}" for entry in entries]
    origins = {o.target: o.box for o in NetOrigin.select().where(NetOrigin.target.in_(targets))}
    if len(origins) <= 1 and all(box == log.self_key() for box in origins.values()):
        here = settings.get("village") or settings.get("box_name")
        return {"registered": "", "entries": {}, "count": 1 if here else 0}
    villages, here = _villages(), log.self_key()
    registered = villages.get(origins.get(f"book:{book.code}", here), "")
    by_entry = {entry.id: villages.get(origins.get(f"journal:{entry.id}", here), "") for entry in entries}
    visited = {registered} | {by_entry[e.id] for e in entries if e.kind != "comment"}
    return {"registered": registered, "entries": by_entry, "count": len(visited - {""})}


def origin_box(target):
    """The box a shared post came from, when it is not this one (else None)."""
    origin = NetOrigin.get_or_none(NetOrigin.target == target)
    if origin is None or origin.box == log.self_key():
        return None
    return NetBox.get_or_none(NetBox.key == origin.box)
