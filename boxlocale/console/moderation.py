"""Moderation rules: the queue of reported and held posts, hide / restore / delete, resolving
reports, blocking a phone, verified neighbours. Loaders ``get_post(target, actor)`` and
``get_phone(device_id, actor)``, moves taking (record, actor), ``allowed_moves(post, actor)``: the
domain contract. Every move writes its audit line in the same transaction (audit.write_audit, naming the acting volunteer)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from .. import clock, photos
from ..audit import write_audit
from ..db import writing
from ..devices import hold_address_of, release_address_of
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import Audit, Book, Device, Flag, Item, ItemReply, JournalEntry, Notice, Reply
from ..network import outbox
from ..people import vouching
from ..people.rules import canonical_target, find_target, set_hidden
from ..posting import held_for_review

KINDS = ("item", "book", "journal", "notice", "reply", "item_reply")
MODELS = {"item": Item, "book": Book, "journal": JournalEntry, "notice": Notice, "reply": Reply,
          "item_reply": ItemReply}
KIND_LABELS = {"item": _l("Give-box item"), "book": _l("Book"), "journal": _l("Book journal entry"),
               "notice": _l("Notice"), "reply": _l("Reply to a notice"), "item_reply": _l("Message under an item")}
REASON_MAX = 300
AUTHOR_POSTS_LIMIT = 100


@dataclass
class Post:
    """Any post, as the console shows it."""

    kind: str
    target: str
    title: str
    text: str
    pseudonym: str
    device_id: int | None
    created_at: datetime
    hidden: bool
    page_key: str | int  # the code or id of the record whose public page shows this post
    open_reports: int = 0  # set by the queue: reports no volunteer has dealt with
    awaiting_decision: bool = False  # set by the queue: held by the review words, nobody decided yet

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


def describe(kind, record):
    if kind == "item":
        title, text, page_key = record.title, record.description, record.code
    elif kind == "book":
        title, text, page_key = record.title, record.note, record.code
    elif kind == "journal":
        title, text, page_key = record.book.title, record.note or record.place, record.book.code
    elif kind == "notice":
        title, text, page_key = record.title, record.body, record.id
    elif kind == "item_reply":
        title, text, page_key = record.item.title, record.body, record.item.code
    else:
        title, text, page_key = record.notice.title, record.body, record.notice_id
    return Post(kind=kind, target=canonical_target(kind, record), title=title, text=text or "",
                pseudonym=record.pseudonym, device_id=record.device_id, created_at=record.created_at,
                hidden=record.hidden, page_key=page_key)


def _require_volunteer(actor):
    if not actor.is_volunteer:
        raise Forbidden()


def get_post(target, actor):
    """The loader: any post, hidden or not, as the console shows it (volunteers only)."""
    _require_volunteer(actor)
    kind, record = find_target(target)
    return describe(kind, record)


def allowed_moves(post, actor):
    """The buttons a volunteer sees under a post."""
    if not actor.is_volunteer:
        return set()
    moves = {"restore" if post.hidden else "hide", "delete"}
    if post.open_reports:
        moves.add("resolve")
    elif post.awaiting_decision:
        moves.add("keep_hidden")
    return moves


@dataclass
class QueueEntry:
    post: Post | None  # None when the reported post no longer exists
    target: str
    flags: list
    held_by_words: bool

    @property
    def weight(self):
        return sum(flag.weight for flag in self.flags)


def queue():
    """What waits for a volunteer: posts with open reports (most reported first), then posts hidden
    when they were written (review words) on which no volunteer has decided yet."""
    open_flags = {}
    for flag in Flag.select().where(Flag.resolved_at.is_null()).order_by(Flag.created_at):
        open_flags.setdefault(flag.target, []).append(flag)
    entries = []
    for target, flags in open_flags.items():
        try:
            found = describe(*find_target(target))
            found.open_reports = len(flags)
        except (NotFound, ValidationError):
            found = None
        entries.append(QueueEntry(found, target, flags, bool(found and held_for_review(found.title, found.text))))
    entries.sort(key=lambda entry: -entry.weight)
    for held in _held_without_decision(set(open_flags)):
        held.awaiting_decision = True
        entries.append(QueueEntry(held, held.target, [], True))
    return entries


def _hidden_posts(limit=200):
    posts = []
    for kind, model in MODELS.items():
        query = model.select().where(model.hidden == True).order_by(model.created_at.desc()).limit(limit)  # noqa: E712
        posts.extend(describe(kind, record) for record in query)
    posts.sort(key=lambda p: p.created_at, reverse=True)
    return posts


def _held_without_decision(reported_targets):
    """Hidden posts that no report and no volunteer put there: the review words held them."""
    candidates = [p for p in _hidden_posts() if p.target not in reported_targets]
    if not candidates:
        return []
    targets = [p.target for p in candidates]
    decided = {row.target for row in Audit.select(Audit.target).where(Audit.target.in_(targets))}
    flagged = {row.target for row in Flag.select(Flag.target).where(Flag.target.in_(targets))}
    return [p for p in candidates if p.target not in decided | flagged]


def hidden_posts():
    """Every hidden post, newest first: what a volunteer may restore."""
    return _hidden_posts()


def _resolve_flags(target, resolution):
    return (Flag.update(resolved_at=clock.now(), resolution=resolution)
            .where(Flag.target == target, Flag.resolved_at.is_null()).execute())


def hide(post, actor, note=""):
    _decide(post, actor, hidden=True, resolution="hidden", note=note)


def restore(post, actor, note=""):
    _decide(post, actor, hidden=False, resolution="restored", note=note)


def _decide(post, actor, hidden, resolution, note):
    """Hide or show a post, close its reports, and write it in the audit log."""
    _require_volunteer(actor)
    with writing():
        kind, record = find_target(post.target)
        target = canonical_target(kind, record)
        set_hidden(record, hidden)
        outbox.moderated(target, "hide" if hidden else "restore")
        _resolve_flags(target, resolution)
        write_audit("hide" if hidden else "restore", target, note, volunteer=actor.volunteer)


def delete(post, actor, note=""):
    """Delete a post for good (an item's photos links, a book's journal, a notice's replies go too)."""
    _require_volunteer(actor)
    with writing():
        kind, record = find_target(post.target)
        target = canonical_target(kind, record)
        summary = describe(kind, record).title
        photo_ids = photos.referenced_by(record)
        record.delete_instance()
        gone = photos.forget_unreferenced(photo_ids)
        outbox.moderated(target, "delete")
        _resolve_flags(target, "deleted")
        write_audit("delete", target, note or summary, volunteer=actor.volunteer)
    photos.remove_files(gone)  # after the commit: a refused delete keeps its photos


def resolve(target, actor, note=""):
    """Close the reports of a post that stays as it is (shown or hidden). Reports are named by their
    target, not a post: the post may be gone already."""
    _require_volunteer(actor)
    with writing():
        count = _resolve_flags(target, "dismissed")
        if not count:
            raise Conflict(_l("These reports were already dealt with."))
        write_audit("resolve_reports", target, note, volunteer=actor.volunteer)


def keep_hidden(post, actor, note=""):
    """A post held by the review words stays hidden: record the decision so it leaves the queue."""
    _require_volunteer(actor)
    with writing():
        kind, record = find_target(post.target)
        target = canonical_target(kind, record)
        write_audit("keep_hidden", target, note, volunteer=actor.volunteer)


# --- Phones -------------------------------------------------------------------------------------

def get_phone(device_id, actor):
    """The loader of a phone's console page (volunteers only)."""
    _require_volunteer(actor)
    found = Device.get_or_none(Device.id == device_id)
    if found is None:
        raise NotFound()
    return found


def author_posts(device_id):
    """Everything one phone posted, hidden or not, newest first."""
    posts = []
    for kind, model in MODELS.items():
        query = (model.select().where(model.device == device_id)
                 .order_by(model.created_at.desc()).limit(AUTHOR_POSTS_LIMIT))
        posts.extend(describe(kind, record) for record in query)
    posts.sort(key=lambda p: p.created_at, reverse=True)
    return posts[:AUTHOR_POSTS_LIMIT]


def block(phone, actor, reason):
    reason = " ".join((reason or "").split())
    if not 2 <= len(reason) <= REASON_MAX:
        raise ValidationError(fields={"reason": _l("Please write why (a few words, 300 characters at most).")})
    with writing():
        phone = get_phone(phone.id, actor)
        phone.blocked_at, phone.blocked_reason = clock.now(), reason
        phone.save(only=[Device.blocked_at, Device.blocked_reason])
        write_audit("block", _device_target(phone), reason, volunteer=actor.volunteer)
        hold_address_of(phone)


def unblock(phone, actor):
    with writing():
        phone = get_phone(phone.id, actor)
        phone.blocked_at, phone.blocked_reason = None, None
        phone.save(only=[Device.blocked_at, Device.blocked_reason])
        write_audit("unblock", _device_target(phone), volunteer=actor.volunteer)
        release_address_of(phone)


def _device_target(phone):
    return f"device:{phone.id}" + (f" ({phone.pseudonym})" if phone.pseudonym else "")


def blocked_devices():
    return list(Device.select().where(Device.blocked_at.is_null(False)).order_by(Device.blocked_at.desc()))


# --- Verified neighbours ------------------------------------------------------------------------

def find_pseudonym(typed):
    phone = Device.get_or_none(Device.pseudonym == " ".join((typed or "").split()))
    if phone is None:
        raise ValidationError(fields={"pseudonym": _l("No neighbour uses this pseudonym on the box.")})
    return phone


def verify(phone, actor):
    """Mark this phone (``find_pseudonym``) as a verified neighbour (met in person)."""
    with writing():
        phone = get_phone(phone.id, actor)
        if phone.verified_at is not None:
            raise Conflict(_l("This neighbour is already verified."))
        phone.verified_at, phone.verified_by, phone.verified_how = clock.now(), actor.volunteer, "volunteer"
        phone.save(only=[Device.verified_at, Device.verified_by, Device.verified_how])
        write_audit("verify", _device_target(phone), volunteer=actor.volunteer)
    return phone


def unverify(phone, actor):
    """Take a badge back, whichever way it was given (its vouches go, and the badges resting on them)."""
    return vouching.revoke(get_phone(phone.id, actor), actor)


def verified_devices():
    return list(Device.select().where(Device.verified_at.is_null(False)).order_by(Device.pseudonym))


# What the audit log's action codes mean, for the volunteers reading it.
ACTION_LABELS = {
    "login": _l("logged in"), "logout": _l("logged out"), "hide": _l("hid a post"),
    "restore": _l("showed a post again"), "delete": _l("deleted a post"),
    "resolve_reports": _l("closed reports"), "keep_hidden": _l("kept a post hidden"),
    "block": _l("blocked a phone"), "unblock": _l("unblocked a phone"), "verify": _l("verified a neighbour"),
    "unverify": _l("took a badge back"), "settings": _l("changed settings"), "set_clock": _l("set the clock"),
    "accept_clock_jump": _l("accepted the system clock"), "backup": _l("made a backup"),
    "restore_backup": _l("restored a backup"),
    "post_on_behalf": _l("posted for a neighbour"), "volunteer_added": _l("added a volunteer"),
    "volunteer_removed": _l("removed a volunteer"), "password_changed": _l("changed a password"),
    "vouch": _l("vouched for a neighbour"), "unvouch": _l("took a vouch back"),
    "badge_vouched": _l("badge given by two neighbours' vouches"),
    "badge_letterbox": _l("badge given by a letterbox code"), "badge_lapsed": _l("badge lapsed (too few vouches)"),
    "vouches_withdrawn": _l("vouches withdrawn with a badge"), "letterbox_codes": _l("printed letterbox codes"),
    "timebank_correct": _l("corrected time bank hours"), "timebank_cancel": _l("cancelled time bank hours"),
    "inventory": _l("made the box's inventory"),
    "network_admit": _l("admitted a box into the network"), "network_join": _l("joined a network"),
    "network_block": _l("blocked a box in the whole network"),
    "network_unblock": _l("unblocked a box in the whole network"),
}


def action_label(action):
    return ACTION_LABELS.get(action, action)


def audit_log(limit=200, page=1):
    return list(Audit.select().order_by(Audit.created_at.desc(), Audit.id.desc()).paginate(page, limit))
