"""What pages show of the network: the village each journal entry was written in, the box a shared
notice came from."""

from .. import db, settings
from ..models import NetBox, NetOrigin
from . import format as fmt
from . import log


def _villages():
    return {box.key: box.village or box.name for box in NetBox.select(NetBox.key, NetBox.village, NetBox.name)}


def book_villages(book, entries):
    """{"registered": village, "entries": {entry id: village}, "count": villages visited}. Entries
    written here before the box was in a network are this box's village."""
    targets = {f"target{n}": target for n, target in enumerate(
        [f"book:{book.code}"] + [f"journal:{entry.id}" for entry in entries])}  # their count: the shape
    origins = dict(db.shaped(("directory.book_villages", len(targets)), lambda **targets: (
        NetOrigin.select(NetOrigin.target, NetOrigin.box).where(NetOrigin.target.in_(list(targets.values())))
        .tuples()), **targets))
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
    origin = db.shaped_first(("directory.origin_box",), lambda target: (
        NetOrigin.select().where(NetOrigin.target == target).limit(1)), target=target)
    if origin is None or origin.box == log.self_key():
        return None
    return NetBox.get_or_none(NetBox.key == origin.box)


def days_ago(now, moment):
    """Whole days from ``moment`` to ``now``, never below 0 (a clock behind, or set back), or None."""
    return None if moment is None else max((now - moment).days, 0)


def news_of(box, now):
    """(written, arrived): how many days ago a box wrote its latest news that this box holds (by the
    time it signed, its own clock's), and how many days ago that news arrived here. None: no news."""
    if box.last_news is None:
        return None, None
    written = fmt.hlc_datetime(box.news_written_hlc) if box.news_written_hlc else None
    return days_ago(now, written), days_ago(now, box.last_news)


def public_directory(now):
    """The network's boxes as villagers see them: this box first, then the others by village; a box
    blocked network-wide or replaced by a new key is not listed. ``written_days``/``news_days``: how
    long ago that box wrote its latest news this box has, and how long ago it arrived here (None:
    never, or this box)."""
    me = log.self_key()
    boxes = NetBox.select().where(NetBox.admitted == True, NetBox.blocked == False,  # noqa: E712
                                  NetBox.successor.is_null()).order_by(NetBox.village, NetBox.name)
    entries = []
    for box in boxes:
        here = box.key == me
        written, arrived = (None, None) if here else news_of(box, now)
        entries.append({
            "name": settings.get("box_name") if here else (box.name or box.village or box.prefix),
            "village": settings.get("village") if here else box.village,
            "opening_hours": settings.get("opening_hours") if here else box.opening_hours,
            "here": here,
            "written_days": written,
            "news_days": arrived,
        })
    return sorted(entries, key=lambda entry: not entry["here"])


def notices_network(notices):
    """{notice id: {"shared": travels in the network, "from_box": {"name", "village"} of the box it
    came from, or None when written here}} for a page of notices, in two queries."""
    targets = {f"notice:{notice.id}": notice.id for notice in notices}
    origins = {o.target: o.box for o in NetOrigin.select(NetOrigin.target, NetOrigin.box).where(
        NetOrigin.target.in_(list(targets)))} if targets else {}
    me = log.self_key()
    foreign = {box for box in origins.values() if box != me}
    boxes = {box.key: box for box in NetBox.select().where(NetBox.key.in_(list(foreign)))} if foreign else {}
    found = {}
    for target, notice_id in targets.items():
        box = boxes.get(origins.get(target))
        found[notice_id] = {"shared": target in origins,
                            "from_box": {"name": box.name, "village": box.village} if box else None}
    return found


def here_village():
    return settings.get("village") or settings.get("box_name")
