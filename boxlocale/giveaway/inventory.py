"""The weekly inventory of the physical give-box, by a volunteer standing at it.

The volunteer gets the list of offers said to be in the box (with their small pictures), ticks what
is still there and adds what is there but not listed. What was listed and not ticked closes as taken
(it counts as an exchange, marked as found by this inventory). An optional photo of the whole box is
kept with each inventory, with its date. Only items the volunteer was shown are closed: an item posted
while they were counting stays as it is.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from .. import clock
from ..audit import write_audit
from ..db import writing
from ..errors import Forbidden, ValidationError
from ..models import Inventory, Item, Photo
from . import rules

HISTORY_WEEKS = 26


def in_the_box():
    """Visible offers said to be in the physical box now (available or reserved), oldest first."""
    now = clock.now()
    return list(Item.select().where(
        Item.kind == "offer", Item.location == "in_box", Item.hidden == False,  # noqa: E712
        rules._status_condition("current", now),
    ).order_by(Item.created_at, Item.id))


def _require_volunteer(actor):
    if not actor.is_volunteer:
        raise Forbidden()


def add_found(actor, data, processed_photos=()):
    """What is in the box but not listed: a quick offer (title, category, photo optional), in the box."""
    _require_volunteer(actor)
    values = {"kind": "offer", "title": data.get("title", ""), "category": data.get("category", "") or "divers",
              "where": "in_box", "condition": data.get("condition") or "used"}
    item, _token = rules.post_item(actor, values, processed_photos, on_behalf=True)
    return item


def _ids(values):
    found = set()
    for value in values:
        if str(value).isdigit():
            found.add(int(value))
    return found


def record(actor, listed, seen, added=(), box_photo=None):
    """Close as taken what was ``listed`` (ids shown to the volunteer) and not ``seen`` (ids ticked).

    ``added``: codes of the items added during this inventory; ``box_photo``: a processed photo of the
    whole box. Returns the Inventory."""
    from .. import photos as photo_store

    _require_volunteer(actor)
    listed_ids, seen_ids = _ids(listed), _ids(seen)
    if not seen_ids <= listed_ids:
        raise ValidationError(_l("The list has changed: please open the inventory again."))
    added_codes = {str(code).strip().upper() for code in added if str(code).strip()}
    with writing():
        now = clock.now()
        photo = photo_store.store([box_photo])[0] if box_photo is not None else None
        inventory = Inventory.create(volunteer=actor.volunteer, volunteer_name=actor.volunteer.name, photo=photo,
                                     created_at=now)
        current = {item.id: item for item in in_the_box()}
        gone = [current[item_id] for item_id in sorted(listed_ids - seen_ids) if item_id in current]
        for item in gone:
            item.status, item.taken_at, item.taken_by, item.inventory = "taken", now, None, inventory
            item.reserved_by, item.reserved_until, item.updated_at = None, None, now
            item.save()
        inventory.seen = len([item_id for item_id in seen_ids if item_id in current])
        inventory.gone = len(gone)
        added_items = Item.select().where(Item.code.in_(list(added_codes)), Item.on_behalf == True)  # noqa: E712
        inventory.added = added_items.count() if added_codes else 0
        inventory.save()
        write_audit("inventory", f"inventory:{inventory.id}",
              f"seen {inventory.seen}, gone {inventory.gone}, added {inventory.added}", volunteer=actor.volunteer)
    return inventory


def history(limit=HISTORY_WEEKS):
    """The inventories, newest first, with their photo."""
    return list(Inventory.select(Inventory, Photo).join(Photo, JOIN.LEFT_OUTER, on=(Inventory.photo == Photo.id))
                .order_by(Inventory.created_at.desc(), Inventory.id.desc()).limit(limit))


def weekly(now=None):
    """Per week (Monday, UTC) of the last 26: [(monday, inventories, seen, gone, added)], newest first."""
    now = now or clock.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=today.weekday(), weeks=HISTORY_WEEKS - 1)
    rows = {}
    for inventory in Inventory.select().where(Inventory.created_at >= start):
        monday = (inventory.created_at - timedelta(days=inventory.created_at.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0)
        counts = rows.setdefault(monday, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += inventory.seen
        counts[2] += inventory.gone
        counts[3] += inventory.added
    return [(monday, *rows[monday]) for monday in sorted(rows, reverse=True)]
