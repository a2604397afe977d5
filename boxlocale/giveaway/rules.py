"""Domain rules of the give-box items: what may move where, who may move it, when it lapses.

Offers: available → reserved (one phone, for the box's hold time) → taken; → withdrawn; → expired.
Wanted ("je cherche…"): available (still looking) → taken (received) / withdrawn / expired.
Lapses need no background job: the status people see is computed from ``clock.now()``
(``status_of``), and every move starts from that computed status.

Every move takes an ``Actor``; volunteers may do every move.
"""

import functools
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from .. import clock, codes, db, listing, posting, settings
from ..db import writing
from ..devices import hash_key
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import Device, Item, ItemPhoto, ItemReply, Photo
from . import draws

CATEGORIES = [
    ("vetements", _l("Clothes")),
    ("chaussures", _l("Shoes")),
    ("enfants", _l("Children & toys")),
    ("livres", _l("Books & media")),
    ("maison", _l("Home & kitchen")),
    ("meubles", _l("Furniture")),
    ("outils", _l("Tools & DIY")),
    ("jardin", _l("Garden")),
    ("electronique", _l("Electronics")),
    ("sport", _l("Sport & leisure")),
    ("alimentation", _l("Food (sealed)")),
    ("divers", _l("Other")),
]
KINDS = ("offer", "wanted")
CONDITIONS = [
    ("new", _l("New")),
    ("good", _l("Good condition")),
    ("used", _l("Used")),
    ("for_parts", _l("For parts or to repair")),
]
PLACES = [
    ("in_box", _l("It is in the give-box")),
    ("at_giver", _l("Collect it from me")),
]
STATUSES = ("available", "reserved", "taken", "withdrawn", "expired")
TITLE_MIN, TITLE_MAX = 3, 80
DESCRIPTION_MAX, NOTE_MAX, CONTACT_MAX = 2000, 300, 200
REPLY_MAX, RESERVE_MESSAGE_MAX = 1000, 200
# The forms' maxlengths: the same numbers the checks below use.
FIELD_LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "location_note": NOTE_MAX,
                "contact": CONTACT_MAX, "pseudonym": posting.PSEUDONYM_MAX, "reply": REPLY_MAX,
                "message": RESERVE_MESSAGE_MAX}
PAGE_SIZE = 20
DOUBLE_SUBMIT_SECONDS = 120
# One phone must not empty the give-box: offers it may hold at once, reserve/"taken" moves an hour.
RESERVATIONS_MAX = 3
MOVES_PER_HOUR = 10


# Reading


def category_label(category_id):
    return dict(CATEGORIES).get(category_id, category_id)


def enabled_categories():
    """The categories the box offers (volunteers can switch some off)."""
    off = set(settings.get("categories_off") or [])
    return [(key, label) for key, label in CATEGORIES if key not in off]


def status_of(item, now=None):
    """The status as it is now: a reservation past its time is available again, a past expiry is expired."""
    now = now or clock.now()
    status = item.status
    reserved_now = status == "reserved" and item.reserved_until is not None and item.reserved_until > now
    if status == "reserved" and not reserved_now:
        status = "available"
    if status == "available" and item.expires_at <= now:
        status = "expired"
    return status


def statuses_of(items):
    """Each item's status as it is now and its label, {item id: (status, label)}: a listing's, the box
    clock read once for the page (as its query compares with one moment)."""
    now, found = clock.now(), {}
    for item in items:
        status = status_of(item, now)
        found[item.id] = (status, status_label(item, status))
    return found


def reserved_now(item, now=None):
    return status_of(item, now) == "reserved"


def status_label(item, status=None):
    status = status or status_of(item)
    if item.kind == "wanted":
        return {"available": _l("still looking"), "taken": _l("found")}.get(status, _STATUS_LABELS[status])
    return _STATUS_LABELS[status]


_STATUS_LABELS = {
    "available": _l("available"),
    "reserved": _l("reserved"),
    "taken": _l("taken"),
    "withdrawn": _l("withdrawn"),
    "expired": _l("expired"),
}


_STATUSES_OF_NOW = ("available", "reserved", "current", "expired")  # what the box clock decides


def _status_condition(status, now):
    """SQL for "status as it is now" (the same rule as ``status_of``)."""
    active_reservation = (Item.status == "reserved") & (Item.reserved_until > now)
    lapsed_reservation = (Item.status == "reserved") & (Item.reserved_until <= now)
    open_now = (Item.status == "available") | lapsed_reservation
    if status == "available":
        return open_now & (Item.expires_at > now)
    if status == "reserved":
        return active_reservation
    if status == "current":  # what is in the box now: available or reserved
        return active_reservation | (open_now & (Item.expires_at > now))
    if status == "expired":
        return (Item.status == "expired") | (open_now & (Item.expires_at <= now))
    return Item.status == status


def get_item(code, actor=None):
    """The item with this code (typed codes are forgiving), or NotFound; hidden ones only for volunteers
    and their owner."""
    item = db.shaped_first(("giveaway.get_item",), lambda code: Item.select().where(Item.code == code).limit(1),
                           code=codes.normalize(code)) if code else None
    if item is None or (item.hidden and not (actor and (actor.is_volunteer or actor.owns(item)))):
        raise NotFound()
    return item


def photos_of(item):
    """The item's photos in order: what its page shows of each (sha, sizes), read as plain rows."""
    return db.shaped(("giveaway.photos_of",), lambda item: (
        ItemPhoto.select(Photo.sha, Photo.width, Photo.height, Photo.thumb_width, Photo.thumb_height)
        .join(Photo)
        .where(ItemPhoto.item == item)
        .order_by(ItemPhoto.position, ItemPhoto.id)
        .namedtuples()
    ), item=item.id)


def photos_for(items):
    """{item id: [its photos in order: sha, width, height]} for a page of items, in one query: what
    the API's listing shows of each photo (``photos.as_json``), without building whole Photo models."""
    found = {item.id: [] for item in items}
    if not found:
        return found
    ids = {f"id{n}": item_id for n, item_id in enumerate(found)}  # the count of items: the shape
    rows = db.shaped(("giveaway.photos_for", len(ids)), lambda **ids: (
        ItemPhoto.select(ItemPhoto.item, Photo.sha, Photo.width, Photo.height)
        .join(Photo)
        .where(ItemPhoto.item.in_(list(ids.values())))
        .order_by(ItemPhoto.item, ItemPhoto.position, ItemPhoto.id)
        .namedtuples()
    ), **ids)
    for row in rows:
        found[row.item].append(row)
    return found


def poster_verified(item):
    """Was the phone that posted it verified (the badge beside the pseudonym)?"""
    return posting.phone_verified(item.device_id)


def first_photos(items):
    """{item id: its first photo's sha, thumb_width, thumb_height (or None)}, in one query: what a
    listing card needs, without building whole Photo models."""
    found = {item.id: None for item in items}
    if not found:
        return found
    ids = {f"id{n}": item_id for n, item_id in enumerate(found)}  # a page's count of items: its shape
    rows = db.shaped(("giveaway.first_photos", len(ids)), lambda **ids: (
        ItemPhoto.select(ItemPhoto.item, Photo.sha, Photo.thumb_width, Photo.thumb_height)
        .join(Photo)
        .where(ItemPhoto.item.in_(list(ids.values())))
        .order_by(ItemPhoto.item, ItemPhoto.position, ItemPhoto.id)
        .namedtuples()
    ), **ids)
    for row in rows:
        if found[row.item] is None:
            found[row.item] = row
    return found


# What a listing card shows (and status_of needs): the listing reads only these columns.
LISTING_FIELDS = (Item.id, Item.code, Item.kind, Item.title, Item.status, Item.reserved_until, Item.expires_at,
                  Item.created_at)


def search(status=None, kind=None, category=None, q=None, page=1, per_page=PAGE_SIZE, fields=(Item,), plain=False):
    """Visible items, newest first: (items, next_page or None). ``status`` "current" = available or
    reserved now; None = every status. ``fields``: the columns to read (LISTING_FIELDS for a listing).
    Each item carries ``verified`` (its phone was verified); ``plain``: the items are read-only
    namedtuples of ``fields`` and ``device_verified_at`` instead (no models built: the API's listing)."""
    words = listing.search_words(q)
    kind = kind if kind in KINDS else None
    values = {"limit": per_page + 1, "offset": (page - 1) * per_page}
    if status in _STATUSES_OF_NOW:
        values["now"] = clock.now()
    if category:
        values["category"] = category
    if words:  # a search's SQL holds its words: built each time
        rows = listing.searched(
            "item_fts", words, values, functools.partial(_search_query, fields, status, kind, words, plain=plain, **values),
            ("giveaway.first_ids", status, kind), functools.partial(_search_query, (Item.id,), status, kind, (), None))
    else:
        rows = db.shaped(("giveaway.search", db.columns_key(fields), status, kind, plain), functools.partial(
            _search_query, fields, status, kind, words, None, plain=plain), **values)
    if not plain:  # a namedtuple is read-only: it carries device_verified_at
        for row in rows:
            row.verified = row.device_verified_at is not None
    next_page = page + 1 if len(rows) > per_page else None
    return rows[:per_page], next_page


def _search_query(fields, status, kind, words, plan, limit, offset, now=None, category=None, plain=False):
    """``plan``: ``listing.search_plan``'s for the words (READ: read the matches first, then sort)."""
    few = plan == listing.READ
    hidden = listing.unindexed(Item.hidden) if few else Item.hidden
    query = (
        Item.select(*fields, Device.verified_at.alias("device_verified_at"))
        .join(Device, JOIN.LEFT_OUTER, on=(Item.device == Device.id))
        .where(hidden == False)  # noqa: E712
    )
    if status:
        condition = _status_condition(status, now)
        query = query.where(listing.unindexed(condition) if few else condition)
    if status == "current" and kind is None:
        # "In the box now": requests are not in the box. Implied, not asked for: a category or words
        # asked for pick the index (they match fewer rows than "offer").
        implied_kind = listing.unindexed(Item.kind) if category or few else Item.kind
        query = query.where(implied_kind == "offer")
    if kind:
        query = query.where(Item.kind == kind)
    if category:
        query = query.where(Item.category == category)
    if words:
        query = query.where(listing.text_match(Item.id, "item_fts", (Item.title, Item.description), words, plan))
    query = query.order_by(Item.created_at.desc(), Item.id.desc()).limit(limit).offset(offset)
    return query.namedtuples() if plain else query.objects()


def latest(limit):
    """Newest visible available items, for the home page's "what is new" and the kiosk (plain rows)."""
    return search("available", per_page=limit, fields=(Item.code, Item.title, Item.created_at), plain=True)[0]


# Who may do what


def may_manage(actor, item):
    """Edit, renew, withdraw: the phone that posted it, the holder of its manage link, a volunteer."""
    return actor.is_volunteer or actor.owns(item)


def is_reserver(actor, item):
    return actor.device is not None and item.reserved_by_id == actor.device.id and reserved_now(item)


def may_mark_taken(actor, item):
    if may_manage(actor, item):
        return True
    if item.kind == "wanted":
        return False
    if is_reserver(actor, item):
        return True
    # "I took it": anyone, for what is in the physical box and not kept for someone else.
    return item.location == "in_box" and status_of(item) == "available"


def allowed_moves(item, actor):
    """The buttons this actor should see, as a set of move names."""
    status, moves = status_of(item), set()
    manager = may_manage(actor, item)
    if item.kind == "offer" and status == "available" and not actor.owns(item):
        moves.add("reserve")
    if status == "reserved" and (manager or is_reserver(actor, item)):
        moves.add("release")
    if status in ("available", "reserved") and may_mark_taken(actor, item):
        moves.add("taken")
    if manager and status in ("available", "reserved", "expired"):
        moves |= {"edit", "withdraw", "renew"}
    if status == "taken" and may_answer_bought(actor, item):
        moves.add("bought")
    if status == "taken" and manager:
        moves.add("untake")
    if moves & {"reserve", "taken"} and draws.blocks(item, actor):
        moves -= {"reserve", "taken"}  # a fair draw decides who gets it
    if has_label(item) and manager:
        moves.add("label")  # a label goes on an object in the box; a request has none
    return moves


def has_label(item):
    """Only offers get a label to print: a request is not an object in the box."""
    return item.kind == "offer"


def may_answer_bought(actor, item):
    return actor.is_volunteer or (actor.device is not None and item.taken_by_id == actor.device.id)


# Posting and editing


def clean_fields(data, kind="offer", partial=False):
    """Check the typed fields; return {model field: value}. ``partial``: only the fields given (PATCH)."""
    errors, values = {}, {}

    def given(name):
        return not partial or name in data

    def text(name):
        return " ".join(str(data.get(name) or "").split()) if name == "title" else str(data.get(name) or "").strip()

    if given("title"):
        title = text("title")
        if not TITLE_MIN <= len(title) <= TITLE_MAX:
            errors["title"] = _l("Between %(low)d and %(high)d characters, please.", low=TITLE_MIN, high=TITLE_MAX)
        values["title"] = title
    if given("description"):
        values["description"] = text("description")
        if len(values["description"]) > DESCRIPTION_MAX:
            errors["description"] = _l("%(count)d characters at most, please.", count=DESCRIPTION_MAX)
    if given("category"):
        category = text("category") or "divers"
        if category not in dict(enabled_categories()):
            errors["category"] = _l("Please choose one of the categories.")
        values["category"] = category
    if given("condition") and kind == "offer":
        condition = text("condition") or None
        if condition is not None and condition not in dict(CONDITIONS):
            errors["condition"] = _l("Please choose one of the conditions.")
        values["condition"] = condition
    if given("where"):
        where = text("where") or "in_box"
        if where not in dict(PLACES):
            errors["where"] = _l("Please choose where it is.")
        values["location"] = where
    for name, limit in (("location_note", NOTE_MAX), ("contact", CONTACT_MAX)):
        if given(name):
            values[name] = text(name)
            if len(values[name]) > limit:
                errors[name] = _l("%(count)d characters at most, please.", count=limit)
    if errors:
        raise ValidationError(fields=errors)
    return values


def post_item(actor, data, processed_photos=(), on_behalf=False):
    """Create an item (with its photos, already checked by ``photos.process_uploads``).

    Returns (item, manage_token): the token of the private manage link, shown once. A double submit
    (the same phone, the same title, within two minutes) returns the item already made.
    ``on_behalf``: a volunteer posts for a neighbour without a phone.
    """
    from .. import photos as photo_store

    kind = str(data.get("kind") or "offer")
    if kind not in KINDS:
        raise ValidationError(fields={"kind": _l("Please choose offer or wanted.")})
    values = clean_fields(data, kind)
    if on_behalf and not actor.is_volunteer:
        raise Forbidden()
    posting.check_rate(actor, "post")
    now = clock.now()
    token = secrets.token_urlsafe(16)
    with writing():
        again = _double_submit(actor, kind, values["title"], now)
        if again is not None:
            again.manage_hash = hash_key(token)  # the first answer was never seen: this link replaces it
            again.save(only=[Item.manage_hash])
            return again, token
        if on_behalf:
            pseudonym = posting.clean_pseudonym(data.get("pseudonym"))
        else:
            pseudonym = posting.resolve_pseudonym(actor.device, data.get("pseudonym"))
        item = Item.create(
            code=_new_code(),
            kind=kind,
            pseudonym=pseudonym,
            status="available",
            device=None if on_behalf else actor.device,
            manage_hash=hash_key(token),
            on_behalf=on_behalf,
            hidden=posting.held_for_review(values["title"], values.get("description")),
            created_at=now,
            updated_at=now,
            expires_at=now + _expiry(),
            **values,
        )
        for position, photo in enumerate(photo_store.store(processed_photos)):
            ItemPhoto.create(item=item, photo=photo, position=position)
        draws.open_for_new_item(item, data)
    return item, token


def _double_submit(actor, kind, title, now):
    if actor.device is None:
        return None
    return (
        Item.select()
        .where(Item.device == actor.device, Item.kind == kind, Item.title == title,
               Item.created_at >= now - timedelta(seconds=DOUBLE_SUBMIT_SECONDS))
        .first()
    )


def _new_code():
    """A short code nobody has: 4 characters while they are plenty, longer when the box is full."""
    for length in (4, 4, 4, 5, 5, 5, 6, 6, 6, 6):
        code = codes.random_code(length)
        if not Item.select().where(Item.code == code).exists():
            return code
    raise Conflict()  # 32^6 codes: practically never


def _expiry():
    return timedelta(days=int(settings.get("item_expiry_days")))


def _hold():
    return timedelta(hours=float(settings.get("hold_hours")))


def edit_item(item, actor, data):
    """Change the text fields (PATCH: only those given)."""
    values = clean_fields(data, item.kind, partial=True)
    with writing():
        item = _fresh(item)
        _require(may_manage(actor, item))
        if status_of(item) in ("taken", "withdrawn"):
            raise Conflict(_l("This item is closed: it can no longer be changed."))
        for name, value in values.items():
            setattr(item, name, value)
        if posting.held_for_review(item.title, item.description):
            item.hidden = True
        item.updated_at = clock.now()
        item.save()
    return item


# The moves


def reserve(item, actor, message="", pseudonym=""):
    """Keep an offer for this phone for the box's hold time. Only one phone at a time: the other
    gets a Conflict. Reserving again what this phone already holds changes nothing (but a message).
    ``message``: optional words to the giver ("I'll come by at 6"), shown to the giver only;
    ``pseudonym``: the name the giver sees (claimed for this phone, as on a post).

    One phone holds at most RESERVATIONS_MAX offers at a time, and reserves at most MOVES_PER_HOUR
    times an hour: one phone cannot empty the give-box for everyone."""
    message = " ".join(str(message or "").split())
    if len(message) > RESERVE_MESSAGE_MAX:
        raise ValidationError(fields={"message": _l("%(count)d characters at most, please.",
                                                     count=RESERVE_MESSAGE_MAX)})
    posting.check_rate(actor, "reserve", limit=MOVES_PER_HOUR)
    with writing():
        item = _fresh(item)
        now = clock.now()
        status = status_of(item, now)
        if item.kind != "offer":
            raise Conflict(_l("A request cannot be reserved."))
        draws.check_not_blocked(item, actor)
        if status == "reserved":
            if actor.device is not None and item.reserved_by_id == actor.device.id:
                if message and message != item.reserve_message:
                    item.reserve_message = message
                    item.save(only=[Item.reserve_message])
                return item
            raise Conflict(_l("Someone has just reserved it. Look again later: a reservation lapses by itself."))
        _require_status(status, ("available",))
        if actor.owns(item) and not actor.is_volunteer:
            raise Conflict(_l("This is your own item."))
        if not actor.is_volunteer and reservations_held(actor.device, now) >= RESERVATIONS_MAX:
            raise Conflict(_l("You already have %(count)d things reserved: collect or cancel one first.",
                              count=RESERVATIONS_MAX))
        if pseudonym:
            posting.resolve_pseudonym(actor.device, pseudonym)
        item.status = "reserved"
        item.reserved_by = actor.device
        item.reserved_until = now + _hold()
        item.reserve_message = message
        item.updated_at = now
        item.save()
    return item


def reservations_held(device, now):
    """How many offers this phone holds a reservation on now (a phone may hold RESERVATIONS_MAX)."""
    if device is None or device.id is None:
        return 0
    return Item.select().where(Item.reserved_by == device, Item.status == "reserved",
                               Item.reserved_until > now).count()


def untake(item, actor):
    """The giver (or a volunteer) says it was not taken after all: back to available.

    For the false "I took it" of a passer-by. Not taken: nothing changes."""
    with writing():
        item = _fresh(item)
        status = status_of(item)
        if status == "available":
            return item
        _require_status(status, ("taken",))
        _require(may_manage(actor, item))
        item.status = "available"
        item.taken_at = None
        item.taken_by = None
        item.would_have_bought = None
        item.updated_at = clock.now()
        item.save()
    return item


def release(item, actor):
    """Cancel the reservation (the reserver or the owner). Nothing to cancel: nothing changes."""
    with writing():
        item = _fresh(item)
        status = status_of(item)
        if status == "available":
            return item
        _require_status(status, ("reserved",))
        _require(may_manage(actor, item) or is_reserver(actor, item))
        _clear_reservation(item)
        item.status = "available"
        item.updated_at = clock.now()
        item.save()
    return item


def mark_taken(item, actor, would_have_bought=None):
    """It found a new home (an offer) or the asker got it (a request). Limited per phone and address:
    a passer-by cannot mark the whole box taken (and the giver can undo it: ``untake``)."""
    if not may_manage(actor, item):
        posting.check_rate(actor, "taken", limit=MOVES_PER_HOUR)
    with writing():
        item = _fresh(item)
        status = status_of(item)
        if status == "taken":
            if may_manage(actor, item) or (actor.device is not None and item.taken_by_id == actor.device.id):
                return item  # a double tap
            raise Conflict(_l("Someone has already taken it."))
        _require_status(status, ("available", "reserved"))
        draws.check_not_blocked(item, actor)
        if not may_mark_taken(actor, item):
            if status == "reserved":
                raise Conflict(_l("It is reserved for someone else for now."))
            raise Forbidden()
        now = clock.now()
        taker = actor.device
        if status == "reserved" and not is_reserver(actor, item):
            taker = item.reserved_by  # the giver confirms the reserver came
        elif may_manage(actor, item) and not actor.is_volunteer:
            taker = None  # the giver says it is gone: we do not know to whom
        item.status = "taken"
        item.taken_at = now
        item.taken_by = taker
        item.would_have_bought = would_have_bought
        _clear_reservation(item)
        item.updated_at = now
        item.save()
    return item


def answer_bought(item, actor, answer):
    """"Would you otherwise have bought it?" (yes/no), asked once it is taken."""
    if not isinstance(answer, bool):
        raise ValidationError(fields={"would_have_bought": _l("Please answer yes or no.")})
    with writing():
        item = _fresh(item)
        _require_status(status_of(item), ("taken",))
        _require(may_answer_bought(actor, item))
        item.would_have_bought = answer
        item.save(only=[Item.would_have_bought])
    return item


def withdraw(item, actor):
    with writing():
        item = _fresh(item)
        status = status_of(item)
        _require(may_manage(actor, item))
        if status == "withdrawn":
            return item
        _require_status(status, ("available", "reserved", "expired"))
        item.status = "withdrawn"
        _clear_reservation(item)
        item.updated_at = clock.now()
        item.save()
    return item


def renew(item, actor):
    """Another full period before it expires, before or after the expiry."""
    with writing():
        item = _fresh(item)
        status = status_of(item)
        _require(may_manage(actor, item))
        _require_status(status, ("available", "reserved", "expired"))
        now = clock.now()
        if status != "expired" and item.expires_at >= now + _expiry() - timedelta(seconds=DOUBLE_SUBMIT_SECONDS):
            return item  # just renewed: a double tap
        item.expires_at = now + _expiry()
        if status != "reserved":
            item.status = "available"
            _clear_reservation(item)
        item.updated_at = now
        item.save()
    return item


def _fresh(item):
    """Read the item again inside the write transaction: what another phone did just now counts."""
    return Item.get_by_id(item.id)


def _clear_reservation(item):
    item.reserved_by = None
    item.reserved_until = None
    item.reserve_message = ""


def _require(allowed):
    if not allowed:
        raise Forbidden()


_CLOSED = {
    "taken": _l("Someone has already taken it."),
    "withdrawn": _l("The giver has withdrawn it."),
    "expired": _l("This has expired."),
    "reserved": _l("Someone has just reserved it. Look again later: a reservation lapses by itself."),
    "available": _l("Nothing to do: it is not reserved or taken."),
}


def _require_status(status, allowed):
    if status not in allowed:
        raise Conflict(_CLOSED[status])


# Answers under an item


def may_reply(item):
    """Questions and "I have one" while the item is still open."""
    return status_of(item) in ("available", "reserved")


def add_reply(item, actor, data):
    """A public answer under an item: "I have one" on a wanted post, a question on an offer.
    Held for review (a review word): stored hidden, waiting for a volunteer."""
    body = str(data.get("body") or "").strip()
    if not 1 <= len(body) <= REPLY_MAX:
        raise ValidationError(fields={"body": _l("Write a message of %(max)d characters at most.", max=REPLY_MAX)})
    posting.check_rate(actor, "reply")
    with writing():
        item = _fresh(item)
        if not may_reply(item):
            raise Conflict(_l("This post is closed: answers are no longer possible."))
        pseudonym = posting.resolve_pseudonym(actor.device, data.get("pseudonym"))
        return ItemReply.create(item=item, body=body, pseudonym=pseudonym, device=actor.device,
                                hidden=posting.held_for_review(body), created_at=clock.now())


def replies_of(item):
    """Visible answers under an item, oldest first, each with ``verified_at`` of the answering phone."""
    return posting.visible_replies(ItemReply, ItemReply.item, item)


def reservation_for_giver(item, actor):
    """Who reserved it and their message, for the giver (and volunteers) only; None for anyone else."""
    if not (reserved_now(item) and may_manage(actor, item)):
        return None
    reserver = Device.get_or_none(Device.id == item.reserved_by_id) if item.reserved_by_id else None
    return {"pseudonym": reserver.pseudonym if reserver and reserver.pseudonym else "",
            "message": item.reserve_message, "until": item.reserved_until}


# A phone's own posts ("my posts")


def posted_by(device):
    """Every item this phone posted (hidden ones too: the author sees why), newest first."""
    return list(Item.select().where(Item.device == device).order_by(Item.created_at.desc(), Item.id.desc()))


def reserved_by(device):
    """The offers this phone holds a reservation on now (found by the phone's index, not by walking
    every visible reserved item: the hidden flag is not one to walk)."""
    return db.shaped(("giveaway.reserved_by",), reserved_by_query, device=device.id, now=clock.now())


def reserved_by_query(device, now):
    """``reserved_by``'s query (also asked only whether it has rows: "since your last visit")."""
    return (Item.select().where(Item.reserved_by == device, _status_condition("reserved", now),
                                listing.unindexed(Item.hidden) == False)  # noqa: E712
            .order_by(Item.reserved_until))


def still_wanted(device, limit):
    """This phone's wanted posts that are still looking."""
    return db.shaped(("giveaway.still_wanted",), still_wanted_query, device=device.id, now=clock.now(), limit=limit)


def still_wanted_query(device, now, limit):
    """``still_wanted``'s query (also asked only whether it has rows: "since your last visit")."""
    return Item.select().where(Item.device == device, Item.kind == "wanted", Item.hidden == False,  # noqa: E712
                               _status_condition("available", now)).limit(limit)

