"""The shared state of the network as this box holds it, and its digest: every box that has taken in
the same events has the same digest (the simulator and the property tests compare them)."""

import hashlib

from ..models import Book, JournalEntry, NetBox, NetEvent, NetOrigin, NetTombstone, Notice
from .format import canonical


def shared_state():
    origins = {origin.target: origin for origin in NetOrigin.select()}
    books = []
    for book in Book.select().order_by(Book.code):
        if f"book:{book.code}" in origins:
            books.append([book.code, book.title, book.author, book.language, book.isbn, book.note,
                          book.pseudonym, book.catches, book.hidden])
    entries = []
    for entry in JournalEntry.select(JournalEntry, Book.code).join(Book):
        origin = origins.get(f"journal:{entry.id}")
        if origin:
            entries.append([origin.net_id, entry.book.code, entry.kind, entry.place, entry.note, entry.rating,
                            entry.pseudonym, entry.hidden, origin.box])
    notices = []
    for notice in Notice.select():
        origin = origins.get(f"notice:{notice.id}")
        if origin:
            notices.append([origin.net_id, notice.kind, notice.title, notice.body, notice.place,
                            notice.contact, notice.status == "closed", notice.hidden, origin.box])
    boxes = [[box.key, box.name, box.village, box.prefix, box.opening_hours, box.admitted, box.successor,
              box.blocked]
             for box in NetBox.select().where(NetBox.admitted == True).order_by(NetBox.key)]  # noqa: E712
    tombstones = [row.net_id for row in NetTombstone.select().order_by(NetTombstone.net_id)]
    events = [row.id for row in NetEvent.select(NetEvent.id).where(
        NetEvent.state.in_(("applied", "unknown"))).order_by(NetEvent.id)]
    return {"books": books, "journal": sorted(entries), "notices": sorted(notices), "boxes": boxes,
            "tombstones": tombstones, "events": events}


def digest():
    return hashlib.sha256(canonical(shared_state()).encode()).hexdigest()
