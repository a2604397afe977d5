"""The events this box writes when its own domains change shared content.

Each function is called by a domain rule inside the write transaction of the rows it describes, so
the rows and their event are saved together or not at all. What is put in a payload is all that
travels: never a device, an address, a manage token, a volunteer account, or a contact not shared.
"""

from .. import settings
from ..models import NetOrigin
from . import log


def _iso(moment):
    return moment.isoformat(timespec="seconds") if moment else None


def book_registered(book, held):
    payload = {"code": book.code, "check_part": book.check_part, "title": book.title, "author": book.author,
               "language": book.language, "isbn": book.isbn, "note": book.note, "pseudonym": book.pseudonym,
               "created_at": _iso(book.created_at), "hidden": bool(held)}
    log.emit("book.register", payload, target=f"book:{book.code}")
    NetOrigin.create(target=f"book:{book.code}", net_id=f"book:{book.code}", box=log.self_key())


def journal_added(entry, book, held):
    payload = {"book": book.code, "kind": entry.kind, "place": entry.place, "note": entry.note,
               "rating": entry.rating, "pseudonym": entry.pseudonym, "created_at": _iso(entry.created_at),
               "hidden": bool(held)}
    event = log.emit("journal.add", payload, target=f"book:{book.code}")
    NetOrigin.create(target=f"journal:{entry.id}", net_id=event.id, box=log.self_key())


NOTICE_FIELDS = ("kind", "category", "title", "body", "place", "destination", "seats", "contact", "pseudonym")


def notice_shared(notice, held):
    """A notice its poster chose to make visible in the network's boxes."""
    payload = {name: getattr(notice, name) for name in NOTICE_FIELDS}
    payload.update(starts_at=_iso(notice.starts_at), ends_at=_iso(notice.ends_at),
                   created_at=_iso(notice.created_at), expires_at=_iso(notice.expires_at), hidden=bool(held))
    event = log.emit("notice.share", payload)
    NetOrigin.create(target=f"notice:{notice.id}", net_id=event.id, box=log.self_key())


def net_id_of(target):
    """The network id of a local post (``book:CODE``, ``journal:ID``, ``notice:ID``), or None when it
    was never shared."""
    origin = NetOrigin.get_or_none(NetOrigin.target == target)
    return origin.net_id if origin else None


def notice_closed(notice):
    net_id = net_id_of(f"notice:{notice.id}")
    if net_id:
        log.emit("notice.close", {"target": net_id}, target=net_id)


def moderated(target, action):
    """A volunteer hid, restored or deleted a post: when it is shared, the whole network follows."""
    from . import apply

    net_id = net_id_of(target)
    if not net_id:
        return
    deleting = action == "delete"
    event = log.emit(f"mod.{action}", {"target": net_id}, target=net_id, applied=not deleting)
    if deleting:
        # The same handler as a deletion from another box: tombstone, payloads dropped, and the
        # events of this post still waiting here (a journal entry whose content another box dropped
        # already) are resolved at once rather than left pending for ever.
        apply.settle([event.id])


def block_box(key, reason):
    """Block a box across the network: what it wrote is hidden everywhere (call inside a write)."""
    from . import apply

    event = log.emit("box.block", {"key": key, "reason": reason[:300]}, target="box:" + key, applied=False)
    apply.settle([event.id])


def unblock_box(key):
    """Undo a block across the network: what the box wrote is shown again, unless hidden on its own
    (call inside a write)."""
    from . import apply

    event = log.emit("box.unblock", {"key": key}, target="box:" + key, applied=False)
    apply.settle([event.id])


def box_info_changed():
    """The directory entry of this box, when its name, village or opening hours changed."""
    from ..models import NetBox

    me = NetBox.get_or_none(NetBox.key == log.self_key())
    wanted = {"name": settings.get("box_name"), "village": settings.get("village"),
              "opening_hours": settings.get("opening_hours"), "prefix": settings.get("book_prefix").upper()}
    if me is not None and me.info_hlc and all(getattr(me, k) == v for k, v in wanted.items()):
        return False
    event = log.emit("box.info", wanted, applied=False)
    from . import apply

    apply.settle([event.id])
    return event
