"""A fair draw for popular give-box offers, instead of first come, first served.

The giver (or a box setting per category) chooses "draw" when posting. For ``draw_hours`` phones say
"I'm interested" with a word (to find themselves in the outcome). At the end the box draws an order
at random, reproducibly: a seed is made then, stored and shown, and each entry's rank is the order of
SHA-256("<seed>:<entry number>") (anyone can check it with the seed and the list). The item is
reserved for the first; if they let the reservation lapse (or cancel it), it goes to the next.

No background job: ``settle_due`` runs at the first request after a window ends or a winner's
reservation lapses, inside the write lock (``before_app_request``). A process-wide "next moment
something is due" is kept so other requests pay one comparison.
"""

import hashlib
import secrets
import threading
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from .. import clock, db, settings
from ..db import writing
from ..errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from ..models import Device, Draw, DrawEntry, Item
from ..posting import check_rate, held_for_review

WORD_MIN, WORD_MAX = 2, 30
FIELD_LIMITS = {"word": WORD_MAX}


# --- The draw itself: a pure function ------------------------------------------------------------


def draw_order(seed, entry_numbers):
    """The entry numbers in the order the seed gives: ranked by SHA-256 of "<seed>:<number>"."""
    return sorted(entry_numbers, key=lambda number: (hashlib.sha256(f"{seed}:{number}".encode()).hexdigest(), number))


def new_seed():
    return secrets.token_hex(8)


# --- Reading -------------------------------------------------------------------------------------


def draw_of(item):
    """The item's draw, or None."""
    return db.shaped_first(("draws.draw_of",), lambda item: Draw.select().where(Draw.item == item).limit(1),
                           item=item.id)


def get_draw(code, actor):
    from .rules import get_item

    item = get_item(code, actor)
    found = draw_of(item)
    if found is None:
        raise NotFound(_l("There is no draw for this item."))
    return found


def is_open(found, now=None):
    """Phones may still say they are interested."""
    return found is not None and found.drawn_at is None and (now or clock.now()) < found.ends_at


def blocks(item, actor):
    """True while a draw keeps this item from first come, first served (reserving, "I took it")."""
    found = draw_of(item)
    if found is None or found.finished_at is not None or actor.is_volunteer or actor.owns(item):
        return False
    if found.drawn_at is None:
        return True
    current = _current_entry(found)
    return current is not None and not (actor.device is not None and current.device_id == actor.device.id)


def check_not_blocked(item, actor):
    """Raise Conflict when a draw decides who gets the item (call inside the move's write)."""
    if blocks(item, actor):
        raise Conflict(_l("This item goes to a fair draw: say you are interested on its page."))


def entries(found):
    """Entries in the order of the draw once drawn, else in the order they came."""
    query = DrawEntry.select().where(DrawEntry.draw == found)
    if found.drawn_at is not None:
        return list(query.order_by(DrawEntry.rank))
    return list(query.order_by(DrawEntry.id))


def _current_entry(found):
    return DrawEntry.get_or_none(DrawEntry.draw == found, DrawEntry.rank == found.position)


def my_entry(found, actor):
    if found is None or actor.device is None:
        return None
    return DrawEntry.get_or_none(DrawEntry.draw == found, DrawEntry.device == actor.device)


def allowed_moves(found, actor):
    moves = set()
    if found is None:
        return moves
    mine = my_entry(found, actor)
    if is_open(found):
        if mine is None and not actor.owns(found.item):
            moves.add("interested")
        if mine is not None:
            moves.add("not_interested")
    return moves


def outcome(found, actor):
    """What the item page shows everyone: the state, the seed, the order, who has it now."""
    listed = entries(found)
    mine = my_entry(found, actor)
    current = _current_entry(found) if found.drawn_at is not None and found.finished_at is None else None
    arrival = sorted(entry.id for entry in listed)
    return {
        "draw": found, "open": is_open(found), "entries": listed,
        "numbers": {entry_id: number for number, entry_id in enumerate(arrival, 1)}, "limits": FIELD_LIMITS, "count": len(listed),
        "mine": mine, "current": current, "seed": found.seed if found.drawn_at else "",
        "ends_at": found.ends_at, "finished": found.finished_at is not None,
        "i_won": bool(mine and current and mine.id == current.id),
    }


def news_for(device, since):
    """What this phone's draws did since a moment, for "since your last visit": a list of
    (item, kind, when). kind: ``won`` (drawn first, the item is its), ``not_drawn``, ``passed_on`` (the
    ones before it let it go: the item is reserved for it now) or ``turn_passed`` (its turn came and went:
    it let the reservation lapse, or already held as many reservations as a phone may)."""
    news = []
    for mine in db.shaped(("draws.news_for",), news_query, device=device.id, since=since):
        found, rank = mine.draw, mine.rank
        item = found.item
        holds = device.id in (item.reserved_by_id, item.taken_by_id)
        if holds and rank == found.position:
            kind, when = ("won", found.drawn_at) if rank == 0 else ("passed_on", item.updated_at)
        elif rank < found.position:
            kind, when = "turn_passed", item.updated_at
        else:
            kind, when = "not_drawn", found.drawn_at
        if when > since:
            news.append((item, kind, when))
    return news


def news_query(device, since):
    """``news_for``'s query: this phone's entries in draws drawn or moved since (also asked only whether
    it has rows: "since your last visit")."""
    return (DrawEntry.select(DrawEntry, Draw, Item).join(Draw).join(Item)
            .where(DrawEntry.device == device, Draw.drawn_at.is_null(False), Item.hidden == False,  # noqa: E712
                   (Draw.drawn_at > since) | Draw.finished_at.is_null() | (Draw.finished_at > since))
            .order_by(Draw.drawn_at.desc()))


# --- Moves ---------------------------------------------------------------------------------------


def wanted_for(item, data):
    """Does this new offer go to a draw? The giver's choice, or its category's box setting."""
    if item.kind != "offer":
        return False
    chosen = str(data.get("draw") or "").lower() in ("1", "true", "on", "yes")
    return chosen or item.category in (settings.get("draw_categories") or [])


def open_for_new_item(item, data):
    """Call inside the post's write: start the draw when the giver or the category asks for one."""
    if wanted_for(item, data):
        now = clock.now()
        Draw.create(item=item, ends_at=now + timedelta(hours=float(settings.get("draw_hours"))), created_at=now)
        forget_next_due()


def clean_word(typed):
    word = " ".join(str(typed or "").split())
    if not WORD_MIN <= len(word) <= WORD_MAX:
        raise ValidationError(fields={"word": _l(
            "A word of %(low)d to %(high)d characters, so you find yourself in the result.", low=WORD_MIN, high=WORD_MAX)})
    if held_for_review(word):  # everyone sees the words of a draw: no review word among them
        raise ValidationError(fields={"word": _l("Please choose another word.")})
    return word


def interested(found, actor, word):
    """This phone joins the draw with a word. Joining twice changes nothing."""
    if actor.device is None:
        raise Unauthorized()
    word = clean_word(word)
    check_rate(actor, "reply")
    with writing():
        found = Draw.get_by_id(found.id)
        mine = my_entry(found, actor)
        if mine is not None:
            return mine
        if not is_open(found):
            raise Conflict(_l("The draw is over: it is no longer possible to join."))
        item = Item.get_by_id(found.item_id)
        if actor.owns(item):
            raise Conflict(_l("This is your own item."))
        return DrawEntry.create(draw=found, device=actor.device, word=word, created_at=clock.now())


def not_interested(found, actor):
    """Leave the draw before it is drawn."""
    with writing():
        found = Draw.get_by_id(found.id)
        mine = my_entry(found, actor)
        if mine is None:
            return None
        if not is_open(found):
            raise Conflict(_l("The draw is over: it is no longer possible to leave it."))
        mine.delete_instance()
    return None


# --- Settling, without a job ---------------------------------------------------------------------

_next_due = {"generation": None, "at": None}
_due_lock = threading.Lock()


def forget_next_due():
    with _due_lock:
        _next_due["generation"] = None


def _compute_next_due():
    """The earliest moment a draw needs the box: a window's end, or its winner's reservation lapse."""
    waiting = Draw.select().where(Draw.finished_at.is_null())
    earliest = None
    for found in waiting:
        if found.drawn_at is None:
            moment = found.ends_at
        else:
            item = Item.get_by_id(found.item_id)
            moment = item.reserved_until if item.status == "reserved" and item.reserved_until else clock.now()
        earliest = moment if earliest is None or moment < earliest else earliest
    return earliest


def settle_if_due():
    """before_app_request: draw what is due, offer to the next who is due, in one write."""
    generation = db.generation()
    with _due_lock:
        known = _next_due["generation"] == generation
        at = _next_due["at"]
    if not known:
        at = _compute_next_due()
        with _due_lock:
            _next_due.update(generation=generation, at=at)
    if at is not None and clock.now() >= at:
        settle_due()


def settle_due(now=None):
    """Draw every window that has ended and pass lapsed reservations on. Returns how many moved."""
    moved = 0
    with writing():
        now = now or clock.now()
        for found in Draw.select().where(Draw.finished_at.is_null()):
            moved += _settle(found, now)
    forget_next_due()
    return moved


def _settle(found, now):
    from .rules import status_of

    item = Item.get_by_id(found.item_id)
    status = status_of(item, now)
    if found.drawn_at is None:
        if now < found.ends_at:
            return 0
        found.seed, found.drawn_at = new_seed(), now
        listed = list(DrawEntry.select().where(DrawEntry.draw == found).order_by(DrawEntry.id))
        numbers = {index + 1: entry for index, entry in enumerate(listed)}
        for rank, number in enumerate(draw_order(found.seed, list(numbers))):
            numbers[number].rank = rank
            numbers[number].save(only=[DrawEntry.rank])
        found.position = 0
        if status != "available":
            return _finish(found, now)
        return _offer(found, item, now)
    if status in ("taken", "withdrawn", "expired"):
        return _finish(found, now)
    if status == "available":  # the winner let it lapse, or cancelled
        found.position += 1
        return _offer(found, item, now)
    return 0


def _offer(found, item, now):
    """Reserve the item for the entry at ``found.position`` (skipping phones that are gone, and those
    that already hold as many reservations as a phone may)."""
    from . import rules

    hold = timedelta(hours=float(settings.get("hold_hours")))
    while True:
        entry = _current_entry(found)
        if entry is None:
            return _finish(found, now)  # nobody left: first come, first served again
        device = Device.get_or_none(Device.id == entry.device_id) if entry.device_id is not None else None
        # A phone that holds as many reservations as a phone may is passed over, as it could not reserve.
        if device is not None and rules.reservations_held(device, now) < rules.RESERVATIONS_MAX:
            break
        found.position += 1
    item.status, item.reserved_by, item.reserved_until, item.updated_at = "reserved", entry.device_id, now + hold, now
    item.save()
    found.save()
    return 1


def _finish(found, now):
    found.finished_at = now
    found.save()
    return 1


def require_giver(item, actor):
    if not (actor.is_volunteer or actor.owns(item)):
        raise Forbidden()
