"""Domain rules of the noticeboard: posting, expiry, replies, closing, the board's listings."""

import functools
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from .. import clock, db, listing, settings
from ..db import writing
from ..devices import hash_key
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..formatting import parse_local
from ..models import Device, Notice, Reply
from ..network import outbox
from ..posting import (
    PSEUDONYM_MAX,
    check_rate,
    clean_pseudonym,
    held_for_review,
    phone_verified,
    resolve_pseudonym,
    visible_replies,
)

KINDS = (
    ("offer", _l("I offer")),
    ("request", _l("I am looking for")),
    ("event", _l("Event")),
    ("carpool", _l("Carpool")),
    ("info", _l("Information")),
)
DATED_KINDS = ("event", "carpool")  # they have a date, and lapse after it
# The territory's themes, French first (ids stay the same whatever the language).
NOTICE_CATEGORIES = (
    ("se-nourrir", _l("Food and eating")),
    ("se-deplacer", _l("Getting around")),
    ("se-loger", _l("Housing")),
    ("travailler", _l("Work and jobs")),
    ("bricoler", _l("DIY and repairs")),
    ("preter", _l("Lending and swapping")),
    ("vie-du-village", _l("Village life")),
)
LIMITS = {"title": (3, 100), "body": (0, 4000), "place": (0, 200), "destination": (0, 200),
          "contact": (0, 200)}
REPLY_MAX = 2000
# The forms' maxlengths: the same numbers the checks use.
FIELD_LIMITS = {**{name: high for name, (_low, high) in LIMITS.items()}, "pseudonym": PSEUDONYM_MAX}
SEATS_MAX = 20
PAGE_SIZE = 20


_STATUS_LABELS = {"open": _l("Open"), "closed": _l("Done"), "expired": _l("Past")}


def status_label(status):
    return _STATUS_LABELS.get(status, status)


def has_calendar(notice):
    """Events and carpools with a date can be added to a phone's calendar (.ics)."""
    return notice.kind in DATED_KINDS and notice.starts_at is not None


def kind_label(kind):
    return dict(KINDS).get(kind, kind)


def category_label(category):
    return dict(NOTICE_CATEGORIES).get(category, "")


# --- State ---------------------------------------------------------------------------------------


def status_of(notice, now=None):
    """open | closed | expired, computed from the clock: no background job needed."""
    if notice.status == "open" and notice.expires_at <= (now or clock.now()):
        return "expired"
    return notice.status


# An event posted without an end time is still going on after it starts (a fête, a Disco Soupe);
# a carpool has gone once it has left.
EVENT_WITHOUT_END = timedelta(hours=4)


def expiry_for(kind, starts_at, ends_at, now):
    """Events and carpools lapse after their date; the rest after the box's notice_expiry_days."""
    if kind in DATED_KINDS and starts_at is not None:
        if ends_at is not None:
            return ends_at
        return starts_at + EVENT_WITHOUT_END if kind == "event" else starts_at
    return now + timedelta(days=int(settings.get("notice_expiry_days")))


def current_notices(now=None, few_matches=False):
    """Visible, open, not lapsed: what the board shows (a query; add filters and order). ``now``: the
    box clock's time (a query built once per shape takes it as a value). ``few_matches``: a word
    search matching few notices (planned READ by ``listing.search_plan``): SQLite reads them from the
    FTS table and sorts them instead of walking every open notice newest first and testing each."""
    hidden, status = (listing.unindexed(Notice.hidden), listing.unindexed(Notice.status)) if few_matches else (
        Notice.hidden, Notice.status)
    return Notice.select().where(
        hidden == False, status == "open", Notice.expires_at > (now or clock.now())  # noqa: E712
    )


# --- Checking what was typed ---------------------------------------------------------------------


def _string(data, name):
    """A field as a stripped string ("" when missing; a JSON number or list is not text)."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(fields={name: _l("This must be text.")})
    return value.strip()


def _text(data, name, errors):
    value = _string(data, name)
    low, high = LIMITS[name]
    if not low <= len(value) <= high:
        if low:
            errors[name] = _l("Between %(low)d and %(high)d characters, please.", low=low, high=high)
        else:
            errors[name] = _l("%(high)d characters at most, please.", high=high)
    return value


def _moment(data, name, errors):
    raw = _string(data, name)
    if not raw:
        return None
    try:
        return parse_local(raw)
    except ValueError:
        errors[name] = _l("A date and a time, please (for example 2026-11-28 14:00).")
        return None


def _seats(data, errors):
    raw = str(data.get("seats") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= SEATS_MAX:
        errors["seats"] = _l("A number of seats between 1 and %(max)d, please.", max=SEATS_MAX)
        return None
    return int(raw)


def clean_notice(data, now):
    """Check a posted notice; return its fields or raise ValidationError with every field's problem."""
    errors = {}
    kind = _string(data, "kind")
    if kind not in dict(KINDS):
        errors["kind"] = _l("Choose what kind of notice this is.")
    category = _string(data, "category")
    if category and category not in dict(NOTICE_CATEGORIES):
        errors["category"] = _l("Choose a theme from the list.")
    fields = {name: _text(data, name, errors) for name in LIMITS}
    fields.update(kind=kind, category=category, starts_at=None, ends_at=None, seats=None)
    if kind in DATED_KINDS:
        fields["starts_at"] = _moment(data, "starts_at", errors)
        fields["ends_at"] = _moment(data, "ends_at", errors)
        if kind == "carpool":
            fields["seats"] = _seats(data, errors)
        if fields["starts_at"] is None and "starts_at" not in errors:
            errors["starts_at"] = _l("Events and carpools need a date and a time.")
        elif fields["starts_at"] and fields["ends_at"] and fields["ends_at"] < fields["starts_at"]:
            errors["ends_at"] = _l("The end comes before the start.")
        elif fields["starts_at"] and (fields["ends_at"] or fields["starts_at"]) <= now:
            errors["starts_at"] = _l("This date is already past.")
    if kind != "carpool":
        fields["destination"] = ""
    if errors:
        raise ValidationError(fields=errors)
    return fields


# --- Moves ---------------------------------------------------------------------------------------


def post_notice(actor, data, on_behalf=False):
    """Post a notice. Returns (notice, manage_token): the token is the private manage link, shown once.
    ``on_behalf``: a volunteer posts for a villager without a phone (shown as posted by the centre).

    Held for review (a review word): stored hidden, waiting for a volunteer."""
    if on_behalf and not actor.is_volunteer:
        raise Forbidden()
    now = clock.now()
    fields = clean_notice(data, now)
    check_rate(actor, "post")
    token = secrets.token_urlsafe(18)
    with writing():
        pseudonym = resolve_pseudonym(actor.device, data.get("pseudonym"))
        notice = Notice.create(
            **fields,
            pseudonym=pseudonym,
            device=actor.device,
            manage_hash=hash_key(token),
            on_behalf=on_behalf,
            hidden=held_for_review(fields["title"], fields["body"], fields["place"], fields["contact"]),
            created_at=now,
            updated_at=now,
            expires_at=expiry_for(fields["kind"], fields["starts_at"], fields["ends_at"], now),
        )
        if is_shared(data):
            outbox.notice_shared(notice, notice.hidden)
    return notice, token


def is_shared(data):
    """The poster chose "visible in the network's boxes" (off unless asked)."""
    value = data.get("shared")
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def import_notice(data):
    """A notice shared by another box of the network: the same limits and kinds as a notice posted
    here (its date may be past: it was checked when it was posted)."""
    from datetime import datetime

    errors = {}
    fields = {name: _text(data, name, errors) for name in LIMITS}
    kind, category = _string(data, "kind"), _string(data, "category")
    if kind not in dict(KINDS):
        errors["kind"] = _l("Choose what kind of notice this is.")
    if category and category not in dict(NOTICE_CATEGORIES):
        errors["category"] = _l("Choose a theme from the list.")
    seats = data.get("seats")
    if seats is not None and not (isinstance(seats, int) and 1 <= seats <= SEATS_MAX):
        errors["seats"] = _l("A number of seats between 1 and %(max)d, please.", max=SEATS_MAX)
    moments = {}
    for name in ("starts_at", "ends_at", "created_at", "expires_at"):
        try:
            moments[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
        except (TypeError, ValueError):
            errors[name] = _l("A date and a time, please (for example 2026-11-28 14:00).")
    if errors or moments.get("created_at") is None or moments.get("expires_at") is None:
        raise ValidationError(fields=errors)
    return Notice.create(**fields, kind=kind, category=category, seats=seats,
                         pseudonym=clean_pseudonym(data.get("pseudonym")), device=None, manage_hash="",
                         hidden=bool(data.get("hidden")), updated_at=moments["created_at"], **moments)


def get_notice(notice_id, actor=None):
    """The notice with this id, or NotFound; hidden ones only for volunteers and its author (who is
    told why)."""
    notice = db.shaped_first(("board.get_notice",), lambda notice_id: (
        Notice.select().where(Notice.id == notice_id).limit(1)), notice_id=notice_id)
    if notice is None or (notice.hidden and not (actor and (actor.is_volunteer or actor.owns(notice)))):
        raise NotFound()
    return notice


def _fresh(notice, actor):
    """Read the notice again inside the write transaction: what another phone did just now counts."""
    return get_notice(notice.id, actor)


def may_manage(actor, notice):
    """Close, renew: the phone that posted it, the holder of its manage link, a volunteer."""
    return actor.is_volunteer or actor.owns(notice)


def allowed_moves(notice, actor):
    """The buttons this actor should see, as a set of move names."""
    status, moves = status_of(notice), set()
    if may_manage(actor, notice) and status != "closed":
        moves.add("close")
        if notice.kind not in DATED_KINDS:
            moves.add("renew")
    if status == "open":
        moves.add("reply")
        left = seats_left(notice) if notice.kind == "carpool" else None
        if left:  # a carpool with a free seat: the driver accepts, the others ask
            moves.add("accept" if may_manage(actor, notice) else "ask_seat")
    if not actor.owns(notice) and notice.pseudonym:
        moves.add("thank")
    return moves


def _require_owner(actor, notice):
    if not may_manage(actor, notice):
        raise Forbidden(_l("Only the person who posted this notice can do this."))


def close_notice(notice, actor):
    """Done or solved: closed for good; it counts as an exchange in the impact figures. Closing what
    is already closed changes nothing (a double tap)."""
    with writing():
        notice = _fresh(notice, actor)
        _require_owner(actor, notice)
        if notice.status == "closed":
            return notice
        notice.status, notice.closed_at, notice.updated_at = "closed", clock.now(), clock.now()
        notice.save()
        outbox.notice_closed(notice)
    return notice


def renew_notice(notice, actor):
    """Give an undated notice another notice_expiry_days from now (events keep their date)."""
    with writing():
        notice = _fresh(notice, actor)
        _require_owner(actor, notice)
        if notice.status == "closed":
            raise Conflict(_l("This notice is closed."))
        if notice.kind in DATED_KINDS:
            raise Conflict(_l("Events and carpools end with their date: post a new one for another date."))
        now = clock.now()
        notice.expires_at, notice.status, notice.updated_at = expiry_for(notice.kind, None, None, now), "open", now
        notice.save()
    return notice


def add_reply(notice, actor, data):
    """A public reply under an open notice. Held for review: stored hidden.
    ``data["seat"]`` on a carpool: the reply asks the driver for a seat (while seats are left)."""
    body = _string(data, "body")
    if not 1 <= len(body) <= REPLY_MAX:
        raise ValidationError(fields={"body": _l("Write a reply of %(max)d characters at most.", max=REPLY_MAX)})
    check_rate(actor, "reply")
    with writing():
        notice = _fresh(notice, actor)
        if status_of(notice) != "open":
            raise Conflict(_l("This notice is closed or past: replies are no longer possible."))
        seat = bool(data.get("seat")) and notice.kind == "carpool"
        if seat and seats_left(notice) <= 0:
            raise Conflict(_l("No seat left in this car. Ask in a reply if one frees up."))
        pseudonym = resolve_pseudonym(actor.device, data.get("pseudonym"))
        return Reply.create(
            notice=notice, body=body, pseudonym=pseudonym, device=actor.device, seat_request=seat,
            hidden=held_for_review(body), created_at=clock.now(),
        )


def seats_left(notice):
    """A carpool's free seats: those offered less the passengers the driver accepted."""
    if notice.seats is None:
        return None
    taken = Reply.select().where(Reply.notice == notice, Reply.accepted_at.is_null(False)).count()
    return max(0, notice.seats - taken)


def accept_passenger(notice, actor, reply_id):
    """The driver takes a passenger who asked: one seat fewer. Accepting twice changes nothing."""
    with writing():
        notice = _fresh(notice, actor)
        _require_owner(actor, notice)
        reply = Reply.get_or_none(Reply.id == reply_id, Reply.notice == notice, Reply.seat_request == True)  # noqa: E712
        if reply is None:
            raise NotFound()
        if reply.accepted_at is not None:
            return reply
        if status_of(notice) != "open":
            raise Conflict(_l("This notice is closed or past: replies are no longer possible."))
        if seats_left(notice) <= 0:
            raise Conflict(_l("No seat left in this car."))
        reply.accepted_at = clock.now()
        reply.save(only=[Reply.accepted_at])
        return reply


# --- Reading ---------------------------------------------------------------------------------------


def replies_of(notice):
    """Visible replies, oldest first, each with ``verified_at`` of the replying phone."""
    return visible_replies(Reply, Reply.notice, notice)


def poster_verified(notice):
    return phone_verified(notice.device_id)


# What a card on the board shows: the board page reads only these columns (not the body).
CARD_FIELDS = (Notice.id, Notice.kind, Notice.category, Notice.title, Notice.starts_at, Notice.place,
               Notice.destination, Notice.pseudonym, Notice.on_behalf, Notice.created_at)


def board(kind="", category="", words="", upcoming=False, page=1, per_page=PAGE_SIZE, fields=(Notice,), plain=False):
    """One page of the board: newest first, or upcoming events and carpools in date order.
    ``fields``: the columns to read (CARD_FIELDS for the board page); ``plain``: the notices are
    read-only namedtuples of ``fields`` (no models built: what a page only shows).

    Returns (notices, next_page); each notice carries ``verified_at`` of its phone for the author macro."""
    values = {"now": clock.now(), "limit": per_page + 1, "offset": (page - 1) * per_page}
    if kind in dict(KINDS):
        values["kind"] = kind
    if category in dict(NOTICE_CATEGORIES):
        values["category"] = category
    terms = listing.search_words(words)
    if terms:  # a search's SQL holds its words: built each time
        rows = listing.searched(
            "notice_fts", terms, values, functools.partial(_board_query, fields, upcoming, terms, plain=plain, **values),
            ("board.first_ids", upcoming), functools.partial(_board_query, (Notice.id,), upcoming, (), None))
    else:
        rows = db.shaped(("board.board", db.columns_key(fields), upcoming, plain),
                         functools.partial(_board_query, fields, upcoming, terms, None, plain=plain), **values)
    return rows[:per_page], (page + 1 if len(rows) > per_page else None)


def _board_query(fields, upcoming, terms, plan, now, limit, offset, kind=None, category=None, plain=False):
    """``plan``: ``listing.search_plan``'s for the words (READ: read the matches first, then sort)."""
    query = current_notices(now, few_matches=plan == listing.READ).select(
        *fields, Device.verified_at.alias("verified_at")).join(
        Device, JOIN.LEFT_OUTER, on=(Notice.device == Device.id))
    if upcoming:
        # Dated kinds always have starts_at; saying so lets SQLite walk notice(status, starts_at) in order.
        query = query.where(Notice.kind.in_(DATED_KINDS), Notice.starts_at.is_null(False)).order_by(
            Notice.starts_at, Notice.id)
    else:
        query = query.order_by(Notice.created_at.desc(), Notice.id.desc())
    if kind:
        query = query.where(Notice.kind == kind)
    if category:
        query = query.where(Notice.category == category)
    if terms:
        query = query.where(listing.text_match(Notice.id, "notice_fts", (Notice.title, Notice.body), terms, plan))
    query = query.limit(limit).offset(offset)
    return query.namedtuples() if plain else query.objects()


def upcoming(limit=5):
    """The next events and carpools: plain rows of what the board and the kiosk show of them."""
    return board(upcoming=True, per_page=limit, fields=(Notice.id, Notice.title, Notice.starts_at), plain=True)[0]


def latest(limit):
    """Newest notices for the home page's "what is new" and the kiosk: plain rows of what they show
    (id, title, created_at)."""
    return db.shaped(("board.latest",), lambda now, limit: (
        current_notices(now).select(Notice.id, Notice.title, Notice.created_at)
        .order_by(Notice.created_at.desc()).limit(limit).namedtuples()), now=clock.now(), limit=limit)


# --- A phone's own notices ("my posts") ----------------------------------------------------------


def posted_by(device):
    """Every notice this phone posted (hidden ones too: the author sees why), newest first."""
    return list(Notice.select().where(Notice.device == device).order_by(Notice.created_at.desc(), Notice.id.desc()))


def reply_counts(notices):
    """{notice id: visible replies} for a list of notices, in one query."""
    ids = [notice.id for notice in notices]
    if not ids:
        return {}
    rows = (Reply.select(Reply.notice, fn.COUNT(Reply.id).alias("count"))
            .where(Reply.notice.in_(ids), Reply.hidden == False)  # noqa: E712
            .group_by(Reply.notice).namedtuples())
    return {row.notice: row.count for row in rows}
