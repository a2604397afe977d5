"""A phone's own corner: what it posted and reserved ("my posts"), the recovery code that brings them
to another phone, and what happened since its last visit. No accounts: the phone is its device key.

Reads write nothing: the last-visit mark moves only when the person says they have read the news.
"""

import functools
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Select, fn

from .. import clock, codes, db, ratelimit
from ..db import database, writing
from ..devices import hash_key, new_key
from ..errors import NotFound, ValidationError
from ..models import Book, Device, Item, ItemReply, JournalEntry, Notice, Reply

RECOVERY_GROUPS, RECOVERY_GROUP_SIZE = 3, 4  # XXXX-XXXX-XXXX: 60 random bits, easy to copy by hand
RECOVERIES_PER_HOUR = 10  # per address: guessing 60 bits at this pace takes forever
ENDS_SOON = timedelta(hours=2)
NEWS_MAX = 20


def my_posts(actor):
    """Everything this phone posted or holds, each with the moves it may make there, and its time bank
    (balance, the hours it must confirm and those it asked others to confirm)."""
    from ..board import rules as board
    from ..books import rules as books
    from ..giveaway import rules as giveaway
    from ..timebank import rules as timebank

    device = actor.device
    if device is None:
        return None
    items = giveaway.posted_by(device)
    notices = board.posted_by(device)
    held = books.held_by(device)
    return {
        "offers": [_item_row(actor, item) for item in items if item.kind == "offer"],
        "wanted": [_item_row(actor, item) for item in items if item.kind == "wanted"],
        "reserved": [_item_row(actor, item) for item in giveaway.reserved_by(device)],
        "notices": [{"notice": notice, "status": board.status_of(notice), "moves": board.allowed_moves(notice, actor),
                     "replies": count, "hidden_because": hidden_reason(notice, "notice")}
                    for notice, count in _with_counts(notices, board.reply_counts(notices))],
        "books_held": [{"book": book, "moves": books.allowed_moves(book, actor)} for book in held],
        "books_registered": [{"book": book, "hidden_because": hidden_reason(book, "book")}
                             for book in books.registered_by(device)],
        "timebank": timebank.account(device, actor),
        "has_recovery": device.recovery_hash is not None,
    }


def _with_counts(notices, counts):
    return [(notice, counts.get(notice.id, 0)) for notice in notices]


def _item_row(actor, item):
    from ..giveaway import rules as giveaway

    return {"item": item, "status": giveaway.status_of(item), "status_label": giveaway.status_label(item),
            "moves": giveaway.allowed_moves(item, actor), "hidden_because": hidden_reason(item, "item"),
            "reservation": giveaway.reservation_for_giver(item, actor)}


def hidden_reason(record, kind):
    """Why a post is hidden, for its author: "held for review", or the reasons of the reports."""
    from ..models import Flag
    from .rules import canonical_target, reason_label

    if not record.hidden:
        return None
    reasons = [reason_label(flag.reason) for flag in Flag.select(Flag.reason)
               .where(Flag.target == canonical_target(kind, record)).order_by(Flag.id)]
    return list(dict.fromkeys(reasons))  # each reason once


# --- The recovery code -------------------------------------------------------------------------


def _format_recovery(raw):
    size = RECOVERY_GROUP_SIZE
    return "-".join(raw[i:i + size] for i in range(0, len(raw), size))


def new_recovery_code(actor):
    """A new code for this phone (the old one stops working); shown once, only its hash is kept."""
    raw = codes.random_code(RECOVERY_GROUPS * RECOVERY_GROUP_SIZE)
    with writing():
        Device.update(recovery_hash=hash_key(raw)).where(Device.id == actor.device.id).execute()
    actor.device.recovery_hash = hash_key(raw)
    return _format_recovery(raw)


def recover(typed, address):
    """The phone that wrote this code down → (device, new key). The new key replaces the device's old
    one: this phone now is that phone, and the lost one no longer is. ``address``: the asking phone's,
    for the rate limit. Raises ValidationError (RateLimited past 10 tries an hour)."""
    raw = codes.normalize(typed)
    ratelimit.hit("recover", f"address:{address}", RECOVERIES_PER_HOUR)
    if len(raw) != RECOVERY_GROUPS * RECOVERY_GROUP_SIZE or not codes.is_valid(raw):
        raise ValidationError(fields={"code": _l("The code has 12 letters and digits, like 7KQ2-M9XD-4TBA.")})
    key = new_key()
    with writing():
        device = Device.get_or_none(Device.recovery_hash == hash_key(raw))
        if device is None:
            raise ValidationError(fields={"code": _l("This code is not known on this box. Check each character.")})
        device.key_hash = hash_key(key)
        device.save(only=[Device.key_hash])
    return device, key


# --- Since the last visit ---------------------------------------------------------------------


# What the list reads, for the home page shared with phones whose list is empty (pagecache.own_part):
# a write to one of these tables may fill it; to those of NEWS_NEW_ROWS_KEPT only a change of existing
# rows may (a new notice or book is no news by itself: the replies and catches under it are). Device
# rows do not decide whether it is empty: the last-visit mark only moves forward.
NEWS_TABLES = ("reply", "item_reply", "notice", "item", "journal_entry", "book", "draw", "draw_entry",
               "time_entry")
NEWS_NEW_ROWS_KEPT = ("notice", "book")


def news_since(device):
    """What happened to this phone's posts since its last visit, newest first: a list of
    {"kind", "title", "url", "when", "who"}. Computed now, from what is stored: nothing is sent."""
    return news_and_next_change(device)[0]


def news_and_next_change(device):
    """``news_since``'s list, and the moment the clock alone may add to it (one of this phone's
    reservations comes within ENDS_SOON of its end), or None: the rest only changes with a write."""
    from ..giveaway import draws
    from ..giveaway import rules as giveaway
    from ..timebank import rules as timebank

    if device is None:
        return [], None
    since, now = device.seen_at or device.created_at, clock.now()
    next_change = None
    news = []
    values = {"device": device.id, "since": since, "limit": NEWS_MAX}
    has_rows = _sources_with_rows(values, now)
    for reply in _read(has_rows, "notice_replies", values):
        news.append(_news("notice_reply", reply.post_title, f"/board/{reply.post_key}#reply-{reply.id}",
                          reply.created_at, reply.pseudonym))
    for reply in _read(has_rows, "item_replies", values):
        news.append(_news("item_reply", reply.post_title, f"/give/{reply.post_key}#reply-{reply.id}",
                          reply.created_at, reply.pseudonym))
    for item in _read(has_rows, "reserved_from_me", dict(values, now=now)):
        news.append(_news("reserved", item.title, f"/give/{item.code}", item.updated_at,
                          item.reserver_pseudonym if item.reserver_id is not None else ""))
    for item in giveaway.reserved_by(device) if has_rows["reserved_by_me"] else ():
        if item.reserved_until - now <= ENDS_SOON:
            news.append(_news("reservation_ends", item.title, f"/give/{item.code}", item.reserved_until, ""))
        elif next_change is None or item.reserved_until - ENDS_SOON < next_change:
            next_change = item.reserved_until - ENDS_SOON
    for entry in _read(has_rows, "books_caught", values):
        news.append(_news("book_caught", entry.title, f"/books/{entry.code}", entry.created_at, entry.pseudonym))
    if has_rows["still_wanted"]:
        news.extend(_offers_matching_my_wanted(device, since))
    if has_rows["draws"]:
        news.extend(_news(f"draw_{kind}", item.title, f"/give/{item.code}", when, "")
                    for item, kind, when in draws.news_for(device, since)[:NEWS_MAX])
    if has_rows["hours_to_confirm"]:
        news.extend(_news("hours_to_confirm", entry.notice.title if entry.notice_id else str(_l("My time bank")),
                          "/mine#timebank",
                          entry.created_at, entry.recorded_by.pseudonym if entry.recorded_by else "")
                    for entry in timebank.waiting_for(device, since)[:NEWS_MAX])
    news.sort(key=lambda entry: entry["when"], reverse=True)
    return news[:NEWS_MAX], next_change


def _offers_matching_my_wanted(device, since):
    """New offers whose words match one of this phone's open wanted posts."""
    from ..giveaway import rules as giveaway

    found, seen = [], set()
    for post in giveaway.still_wanted(device, limit=5):
        offers, _next = giveaway.search("current", "offer", q=post.title, per_page=5,
                                        fields=(Item.code, Item.title, Item.created_at, Item.device))
        for offer in offers:
            if offer.created_at > since and offer.device_id != device.id and offer.code not in seen:
                seen.add(offer.code)
                found.append(_news("match", offer.title, f"/give/{offer.code}", offer.created_at, post.title))
    return found


@functools.cache
def _sources():
    """The list's queries, by name, each built from the slots (device, since, limit, now): those of this
    module (read as plain rows of what an entry shows), and the other domains' whose rows it reads
    through their own function."""
    from ..giveaway import draws
    from ..giveaway import rules as giveaway
    from ..timebank import rules as timebank

    return {
        "notice_replies": lambda device, since, limit, now=None: _replies_from_others(
            Reply, Notice, Notice.id, device, since, limit),
        "item_replies": lambda device, since, limit, now=None: _replies_from_others(
            ItemReply, Item, Item.code, device, since, limit),
        "reserved_from_me": _reserved_from_me,
        "reserved_by_me": lambda device, since, limit, now=None: giveaway.reserved_by_query(device, now),
        "books_caught": lambda device, since, limit, now=None: (
            JournalEntry.select(JournalEntry.created_at, JournalEntry.pseudonym, Book.title, Book.code).join(Book)
            .where(Book.device == device, JournalEntry.kind == "caught", JournalEntry.created_at > since,
                   (JournalEntry.device.is_null()) | (JournalEntry.device != device)).limit(limit).namedtuples()),
        "still_wanted": lambda device, since, limit, now=None: giveaway.still_wanted_query(device, now, limit),
        "draws": lambda device, since, limit, now=None: draws.news_query(device, since),
        "hours_to_confirm": lambda device, since, limit, now=None: timebank.waiting_for_query(device, since),
    }


def _reserved_from_me(device, since, limit, now=None):
    """This phone's offers reserved since, each with its reserver's pseudonym (read with it, not one
    query per item)."""
    reserver = Device.alias()
    return (Item.select(Item.title, Item.code, Item.updated_at, reserver.id.alias("reserver_id"),
                        reserver.pseudonym.alias("reserver_pseudonym"))
            .join(reserver, JOIN.LEFT_OUTER, on=(Item.reserved_by == reserver.id))
            .where(Item.device == device, Item.status == "reserved", Item.reserved_until > now,
                   Item.updated_at > since).limit(limit).namedtuples())


def _sources_with_rows(values, now):
    """{source name: does it have rows}, asked in one query: most phones' lists are empty, and each
    query costs far more in peewee and sqlite3 (a result of many columns) than in SQLite's search."""
    def build(device, since, limit, now):
        return Select(columns=[fn.EXISTS(query(device, since, limit, now)) for query in _sources().values()]
                      ).bind(database).tuples()

    return dict(zip(_sources(), db.shaped_first(("mine.news_sources",), build, now=now, **values), strict=True))


def _read(has_rows, name, values):
    """The rows of the list's source ``name`` (this module's), or none without asking when it has none."""
    if not has_rows[name]:
        return []
    return db.shaped((f"mine.{name}",), _sources()[name], **values)


def _replies_from_others(reply_model, post_model, post_key, device, since, limit):
    """Visible replies written since ``since`` by other phones under this phone's posts: each reply's
    id, moment and pseudonym, its post's title and ``post_key`` (what its link names it by)."""
    return (reply_model.select(reply_model.id, reply_model.created_at, reply_model.pseudonym,
                               post_model.title.alias("post_title"), post_key.alias("post_key")).join(post_model)
            .where(post_model.device == device, reply_model.created_at > since,
                   reply_model.hidden == False,  # noqa: E712
                   (reply_model.device.is_null()) | (reply_model.device != device)).limit(limit).namedtuples())


def _news(kind, title, url, when, who):
    return {"kind": kind, "title": title, "url": url, "when": when, "who": who}


def mark_seen(device):
    """The person has read the news: the next list starts from now."""
    if device is None:
        raise NotFound()
    now = clock.now()
    with writing():
        Device.update(seen_at=now).where(Device.id == device.id).execute()
    device.seen_at = now
