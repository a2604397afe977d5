"""Reports, thanks and neighbours' pages: what people say about posts and about each other."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .. import settings
from ..errors import ValidationError
from ..models import Device
from ..posting import check_rate


def find_target(target):
    """The record a report or a thanks points at: ``item:CODE``, ``book:CODE``, ``journal:ID``,
    ``notice:ID`` or ``reply:ID``. Returns (kind, record); raises NotFound (or ValidationError for a
    malformed target). Hidden records are found too: volunteers decide on them."""
    from .. import codes
    from ..errors import NotFound
    from ..models import Book, Item, ItemReply, JournalEntry, Notice, Reply

    kind, _, key = (target or "").partition(":")
    if kind == "item":
        record = Item.get_or_none(Item.code == codes.normalize(key))
    elif kind == "book":
        record = Book.get_or_none(Book.code == key.strip().upper())
    elif kind in ("journal", "notice", "reply", "item_reply") and key.isdigit():
        model = {"journal": JournalEntry, "notice": Notice, "reply": Reply, "item_reply": ItemReply}[kind]
        record = model.get_or_none(model.id == int(key))
    else:
        raise ValidationError(fields={"target": _l("Unknown target.")})
    if record is None:
        raise NotFound()
    return kind, record


@dataclass
class Target:
    """What a report or a thanks points at: the kind of post and its record."""

    kind: str
    record: object

    @property
    def key(self):
        """Its one spelling (``item:CODE``, ``notice:ID``...): one phone reports it once."""
        return canonical_target(self.kind, self.record)


def get_target(target, actor):
    """The loader: the post a report or a thanks names, as a Target; NotFound, or ValidationError
    for a malformed name. Hidden posts are found too: a report of one is answered calmly (its page
    does not show it), and volunteers decide on them."""
    return Target(*find_target(target))


def allowed_moves(target, actor):
    """What this actor may do about a post: report it while it shows, thank a giver or a poster."""
    moves = set()
    if not target.record.hidden:
        moves.add("report")
        own = actor.device is not None and target.record.device_id == actor.device.id
        if target.kind in THANKABLE and not own:
            moves.add("thank")
    return moves


def set_hidden(record, hidden):
    """Hide or show a post (call inside a write transaction)."""
    record.hidden = hidden
    record.save(only=[type(record).hidden])


# --- Reports and thanks -------------------------------------------------------------------------

REASON_MAX = 500
VERIFIED_REPORT_WEIGHT = 2  # a verified neighbour's report counts double
THANKABLE = ("item", "notice")


REPORT_REASONS = [
    ("spam", _l("Spam or advertising")),
    ("insulting", _l("Insulting or hateful")),
    ("dangerous", _l("Dangerous object or advice")),
    ("not_a_gift", _l("Not a gift (something for sale)")),
    ("other", _l("Something else")),
]


def compose_reason(preset, words):
    """The stored reason: "preset" or "preset: words" for a chosen reason, else the words alone."""
    words = " ".join((words or "").split())
    if len(words) > REASON_MAX:
        raise ValidationError(fields={"reason": _l("%(count)d characters at most, please.", count=REASON_MAX)})
    if preset:
        if preset not in dict(REPORT_REASONS):
            raise ValidationError(fields={"preset": _l("Please choose what is wrong.")})
        return f"{preset}: {words}" if words else preset
    if len(words) < 2:
        raise ValidationError(fields={"reason": _l(
            "Please say in a few words what is wrong (%(max)d characters at most).", max=REASON_MAX)})
    return words


def reason_text(reason):
    """A stored reason as a person reads it, in their language: "Spam or advertising: same post 5 times"."""
    key, _sep, words = (reason or "").partition(":")
    label = dict(REPORT_REASONS).get(key.strip())
    if label is None:
        return reason
    return f"{label}: {words.strip()}" if words.strip() else str(label)


def reason_label(reason):
    """What the author of a reported post is told: the chosen reason only (the reporter's words stay
    with the volunteers)."""
    key = (reason or "").partition(":")[0].strip()
    return str(dict(REPORT_REASONS).get(key, dict(REPORT_REASONS)["other"]))


def canonical_target(kind, record):
    """The one spelling of a target, so one phone cannot report ``item:abc`` and ``item:ABC`` twice."""
    key = getattr(record, "code", None) if kind in ("item", "book") else record.id
    return f"{kind}:{key}"


def describe_target(kind, record):
    """A short text that tells a person what the target is (its title, or the start of its text)."""
    text = getattr(record, "title", None) or getattr(record, "note", None) or getattr(record, "body", "")
    text = " ".join((text or "").split())
    return text if len(text) <= 80 else text[:79] + "…"


def open_flag_weight(target):
    """The weighted count of this target's reports that no volunteer has dealt with yet, each address
    counted once (its heaviest report): three cookie-less browsers on one laptop are one voice."""
    from peewee import fn

    from ..models import Flag

    per_address = (
        Flag.select(fn.MAX(Flag.weight).alias("weight"))
        .where(Flag.target == target, Flag.resolved_at.is_null())
        .group_by(fn.COALESCE(Flag.address, fn.printf("id:%d", Flag.id)))
    )
    total = Flag.select(fn.COALESCE(fn.SUM(per_address.c.weight), 0)).from_(per_address).scalar()
    return int(total or 0)


def report(target, actor, reason, preset=None):
    """Record one phone's report of a Target; hide it once the open reports weigh the box's threshold.

    ``preset``: one of REPORT_REASONS (the form's choices), ``reason`` then an optional word; without a
    preset (the API) the reason is the words alone.
    Returns (flag, hidden): ``hidden`` is true when this report hid the target. A second report of
    the same target by the same phone raises Conflict (the first one counts).
    """
    from .. import clock
    from ..db import writing
    from ..errors import Conflict, Unauthorized
    from ..models import Flag

    reason = compose_reason(preset, reason)
    if actor.device is None:
        raise Unauthorized()
    check_rate(actor, "report")
    with writing():
        record = get_target(target.key, actor).record  # read again inside the write
        target = target.key
        if Flag.get_or_none(Flag.target == target, Flag.device == actor.device) is not None:
            raise Conflict(_l("You have already reported this. Thank you: a volunteer will look at it."))
        verified = actor.device.verified_at is not None
        flag = Flag.create(
            target=target, reason=reason, weight=VERIFIED_REPORT_WEIGHT if verified else 1,
            device=actor.device, address=actor.address, created_at=clock.now(),
        )
        hides = not record.hidden and open_flag_weight(target) >= int(settings.get("report_threshold"))
        if hides:
            set_hidden(record, True)
    return flag, hides


def thank(target, actor):
    """Thank the giver of an item or the poster of a notice (a Target), once per phone."""
    from .. import clock
    from ..db import writing
    from ..errors import Conflict, Forbidden, NotFound, Unauthorized
    from ..models import Thanks

    if target.kind not in THANKABLE:
        raise ValidationError(fields={"target": _l("Only a giver or a notice's poster can be thanked.")})
    if actor.device is None:
        raise Unauthorized()
    check_rate(actor, "thanks")
    with writing():
        record = get_target(target.key, actor).record  # read again inside the write
        if record.hidden:
            raise NotFound()
        if record.device_id is not None and record.device_id == actor.device.id:
            raise Forbidden(_l("You cannot thank yourself, but it is a nice thought."))
        target = target.key
        address = actor.address
        by_address = (Thanks.address == address) if address else False
        if Thanks.select().where(Thanks.target == target, (Thanks.device == actor.device) | by_address).exists():
            raise Conflict(_l("You have already said thank you for this."))
        return Thanks.create(
            target=target, device=actor.device, to_device=record.device_id,
            to_pseudonym=record.pseudonym or "", address=address, created_at=clock.now(),
        )


def get_neighbour(pseudonym, actor):
    """The loader of a neighbour's page: the phone that holds this pseudonym, or NotFound."""
    from ..errors import NotFound

    device = Device.get_or_none(Device.pseudonym == pseudonym)
    if device is None:
        raise NotFound()
    return device


def profile(device):
    """What a neighbour's page shows: member since, verified, thanks received, notices and items given."""
    from ..board.rules import current_notices
    from ..models import Item, Notice, Thanks

    given = (
        Item.select()
        .where(Item.device == device, Item.kind == "offer", Item.status == "taken",
               Item.hidden == False)  # noqa: E712
        .order_by(Item.created_at.desc())
    )
    posted = Notice.select().where(Notice.device == device, Notice.hidden == False)  # noqa: E712
    return {
        "device": device,
        "pseudonym": device.pseudonym,
        "member_since": device.created_at,
        "verified": device.verified_at is not None,
        "thanks": Thanks.select().where(Thanks.to_device == device).count(),
        "notices": list(current_notices().where(Notice.device == device).limit(20)),
        "notices_count": posted.count(),
        "notices_done": posted.where(Notice.status == "closed").count(),
        "items_given": list(given.limit(20)),
        "items_given_count": given.count(),
    }


# --- After a thanks: the social-link questions ----------------------------------------------------


def get_thanks(thanks_id, actor):
    """A thanks, for the phone that gave it (or a volunteer); NotFound otherwise."""
    from ..errors import NotFound
    from ..models import Thanks

    thanks = Thanks.get_or_none(Thanks.id == thanks_id) if str(thanks_id).isdigit() else None
    if thanks is None or not (actor.is_volunteer or (actor.device is not None and thanks.device_id == actor.device.id)):
        raise NotFound()
    return thanks


def _yes_no(value, name):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    answer = {"yes": True, "no": False, "true": True, "false": False, "1": True, "0": False}.get(str(value).lower())
    if answer is None:
        raise ValidationError(fields={name: _l("Please answer yes or no.")})
    return answer


def answer_thanks(thanks, actor, met_someone_new=None, would_have_bought=None):
    """The two optional one-tap questions after a thanks: "Did you meet someone new?" and "Would you
    otherwise have bought it?". The latter also answers the item's own question when the thanker took it."""
    from ..db import writing
    from ..errors import Forbidden
    from ..models import Item, Thanks

    met, bought = _yes_no(met_someone_new, "met_someone_new"), _yes_no(would_have_bought, "would_have_bought")
    with writing():
        thanks = Thanks.get_by_id(thanks.id)
        if actor.device is None or thanks.device_id != actor.device.id:
            raise Forbidden()
        if met is not None:
            thanks.met_someone_new = met
        if bought is not None:
            thanks.would_have_bought = bought
            kind, record = find_target(thanks.target)
            if kind == "item" and record.taken_by_id == actor.device.id and record.would_have_bought is None:
                record.would_have_bought = bought  # one answer, counted once (on the item)
                record.save(only=[Item.would_have_bought])
        thanks.save(only=[Thanks.met_someone_new, Thanks.would_have_bought])
    return thanks


def thanks_questions(thanks):
    """Which one-tap questions follow this thanks: "would you otherwise have bought it" is for items."""
    kind = thanks.target.partition(":")[0]
    return ("met_someone_new", "would_have_bought") if kind == "item" else ("met_someone_new",)
