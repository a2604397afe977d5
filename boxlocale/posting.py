"""What every domain checks when someone posts: the pseudonym, the rate limits, the review words.

Its own module so that every domain's rules (and people's) can import it without importing each other.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from . import db, ratelimit, settings
from .errors import ValidationError
from .models import Device

PSEUDONYM_MIN, PSEUDONYM_MAX = 2, 30
_ALLOWED = re.compile(r"^[\w .'’-]+$")
# Names that would pass for the box's own people; compared without accents, case or l33t.
_RESERVED = ("admin", "moderat", "benevol", "volunteer", "boxlocale", "staff", "officiel", "official",
             "mairie", "support", "root", "system", "animat", "equipe")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def fold(text):
    """Lower case, no accents: how names and words are compared."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _skeleton(name):
    """A name as the eye reads it: no accents, case, l33t digits, spaces or punctuation."""
    return re.sub(r"[^a-z]", "", fold(name).translate(_LEET))


def _looks_official(name):
    squashed = _skeleton(name)
    return any(word in squashed for word in _RESERVED)


def _looks_like_a_verified_neighbour(name, device):
    """True when ``name`` reads like the pseudonym of another phone a volunteer verified
    ("Jeannétte" or "J3annette" next to a verified "Jeannette")."""
    squashed = _skeleton(name)
    verified = Device.select(Device.id, Device.pseudonym).where(
        Device.verified_at.is_null(False), Device.pseudonym.is_null(False))
    return any(_skeleton(other.pseudonym) == squashed for other in verified
               if device is None or other.id != device.id)


def clean_pseudonym(typed):
    """Check a typed pseudonym; return it tidied, or raise ValidationError on the ``pseudonym`` field."""
    name = " ".join((typed or "").split())
    if not name:
        return ""
    if not PSEUDONYM_MIN <= len(name) <= PSEUDONYM_MAX:
        raise ValidationError(fields={"pseudonym": _l("Between %(low)d and %(high)d characters, please.", low=PSEUDONYM_MIN, high=PSEUDONYM_MAX)})
    if not _ALLOWED.match(name):
        raise ValidationError(fields={"pseudonym": _l("Letters, digits, spaces, - and ' only, please.")})
    if _looks_official(name):
        raise ValidationError(
            fields={"pseudonym": _l("This name could be mistaken for the box's volunteers: choose another.")}
        )
    return name


def resolve_pseudonym(device, typed):
    """The pseudonym to show on a post, claimed for this phone. Call inside the post's write transaction.

    Empty: the phone's own pseudonym (or none). A name held by another phone is refused: pseudonyms are
    unique on the box, and a phone keeps its own.
    """
    name = clean_pseudonym(typed)
    if not name:
        return device.pseudonym or "" if device is not None else ""
    holder = Device.get_or_none(Device.pseudonym == name)
    if holder is not None and (device is None or holder.id != device.id):
        raise ValidationError(fields={"pseudonym": _l("This pseudonym is already used by another neighbour.")})
    if _looks_like_a_verified_neighbour(name, device):
        raise ValidationError(fields={"pseudonym": _l(
            "This name could be mistaken for a verified neighbour's: choose another.")})
    if device is not None and device.pseudonym != name:
        device.pseudonym = name
        device.save(only=[Device.pseudonym])
    return name


def check_rate(actor, action="post", limit=None):
    """Rate limits: per phone, and 5x looser per address (phones can share one). Volunteers are exempt.

    ``limit`` (an hour) defaults to the box's settings for posts and replies. The phone's own limit is
    checked first, so one phone's flood never uses up its neighbours' share.
    """
    if actor.is_volunteer:
        return
    if limit is None:
        limit = int(settings.get("replies_per_hour" if action == "reply" else "posts_per_hour"))
    if actor.device is not None:  # by key hash: a new phone's row is not written yet
        ratelimit.hit(action, f"device:{actor.device.key_hash}", limit)
    if actor.address:
        ratelimit.hit(action, f"address:{actor.address}", limit * 5)


def check_rate_before_work(actor, action="post"):
    """Refuse a phone over its limit before any costly work (decoding photos), counting nothing:
    the rule's own ``check_rate`` counts the post."""
    if actor.is_volunteer:
        return
    limit = int(settings.get("replies_per_hour" if action == "reply" else "posts_per_hour"))
    if actor.device is not None:
        ratelimit.check(action, f"device:{actor.device.key_hash}", limit)
    if actor.address:
        ratelimit.check(action, f"address:{actor.address}", limit * 5)


def held_for_review(*texts):
    """True when a text contains one of the box's review words: the post waits for a volunteer."""
    words = [fold(word).strip() for word in settings.get("moderation_words") if word.strip()]
    if not words:
        return False
    haystack = fold(" ".join(text or "" for text in texts))
    return any(re.search(r"\b" + re.escape(word) + r"\b", haystack) for word in words)


def phone_verified(device_id):
    """Is this phone a verified neighbour (the badge beside its posts)? False without a phone."""
    if device_id is None:
        return False
    row = db.shaped_first(("posting.phone_verified",), lambda device: (
        Device.select(Device.verified_at).where(Device.id == device).limit(1).tuples()), device=device_id)
    return row is not None and row[0] is not None


def visible_replies(model, parent_column, parent):
    """Visible answers under a post (notice replies, give-box answers), oldest first, each with
    ``verified_at`` of the answering phone."""
    return db.shaped(("posting.visible_replies", model.__name__, parent_column.name), lambda parent: (
        model.select(model, Device.verified_at.alias("verified_at"))
        .join(Device, JOIN.LEFT_OUTER, on=(model.device == Device.id))
        .where(parent_column == parent, model.hidden == False)  # noqa: E712
        .order_by(model.created_at, model.id)
        .objects()
    ), parent=getattr(parent, "id", parent))
