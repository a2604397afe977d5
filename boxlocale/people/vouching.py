"""The "verified neighbour" badge without a central office: the ways a badge is given and taken back.

Three ways, each named on the badge and in the audit log:
- ``volunteer``: a volunteer met the person (the console's neighbours page);
- ``vouched``: two verified neighbours vouch for a third (cooptation). When a neighbour's own badge is
  taken back, their vouches are withdrawn, and a badge that rested on them goes too (in a cascade);
- ``letterbox``: a volunteer prints a card with a one-time code for an address and puts it in that
  letterbox; whoever types the code gets the badge. The box keeps no address: only the street name,
  and only if the person wants it shown.

Moves take (the phone concerned, actor); repeating one changes nothing.
"""

from flask_babel import lazy_gettext as _l

from .. import clock, codes
from ..audit import write_audit
from ..db import writing
from ..devices import hash_key
from ..errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from ..models import Device, LetterboxCode, Vouch
from ..posting import PSEUDONYM_MAX, check_rate, resolve_pseudonym

VOUCHES_NEEDED = 2
LETTERBOX_CODE_LENGTH = 8  # 40 bits: typed once, from a card
STREET_MAX = 80
CARDS_MAX = 30
ADDRESS_MAX = 120  # printed on the card, never stored
FIELD_LIMITS = {"code": 2 * LETTERBOX_CODE_LENGTH, "pseudonym": PSEUDONYM_MAX, "street": STREET_MAX,
                "address": ADDRESS_MAX}
WAYS = {
    "volunteer": _l("met by a volunteer"),
    "vouched": _l("vouched for by neighbours"),
    "letterbox": _l("code in the letterbox"),
}


# --- Reading -------------------------------------------------------------------------------------


def get_neighbour(pseudonym, actor=None):
    """The phone that holds this pseudonym, or NotFound."""
    device = Device.get_or_none(Device.pseudonym == " ".join((pseudonym or "").split())) if pseudonym else None
    if device is None:
        raise NotFound(_l("No neighbour uses this pseudonym on the box."))
    return device


def _active_vouches(device):
    """Vouches for ``device`` that stand: not withdrawn, by a neighbour who is verified now."""
    voucher = Device.alias()
    return (Vouch.select(Vouch, voucher).join(voucher, on=(Vouch.voucher == voucher.id), attr="voucher")
            .where(Vouch.vouchee == device, Vouch.withdrawn_at.is_null(), voucher.verified_at.is_null(False)))


def vouchers(device):
    return [vouch.voucher for vouch in _active_vouches(device).order_by(Vouch.created_at)]


def badge(device):
    """What the badge says: None without one, else {"how", "label", "vouches", "street"}."""
    if device is None or device.verified_at is None:
        return None
    how = device.verified_how or "volunteer"
    return {"how": how, "label": WAYS.get(how, WAYS["volunteer"]), "vouches": _active_vouches(device).count(),
            "street": device.badge_street if how == "letterbox" else "", "since": device.verified_at}


def allowed_moves(device, actor):
    """``vouch`` / ``unvouch`` for a verified neighbour looking at another neighbour's page."""
    me = actor.device
    if me is None or device is None or me.id == device.id or me.verified_at is None:
        return set()
    mine = Vouch.get_or_none(Vouch.voucher == me, Vouch.vouchee == device, Vouch.withdrawn_at.is_null())
    return {"unvouch"} if mine is not None else {"vouch"}


# --- Cooptation ----------------------------------------------------------------------------------


def vouch(device, actor):
    """A verified neighbour vouches for ``device``; the second vouch gives the badge."""
    if actor.device is None:
        raise Unauthorized()
    check_rate(actor, "vouch")
    with writing():
        me, device = Device.get_by_id(actor.device.id), Device.get_by_id(device.id)
        if me.verified_at is None:
            raise Forbidden(_l("Only a verified neighbour can vouch for someone."))
        if me.id == device.id:
            raise Forbidden(_l("One cannot vouch for oneself."))
        existing = Vouch.get_or_none(Vouch.voucher == me, Vouch.vouchee == device)
        if existing is not None and existing.withdrawn_at is None:
            return device
        if existing is None:
            Vouch.create(voucher=me, vouchee=device, created_at=clock.now())
        else:
            existing.withdrawn_at, existing.created_at = None, clock.now()
            existing.save()
        _audit("vouch", device, by=me)
        if device.verified_at is None and _active_vouches(device).count() >= VOUCHES_NEEDED:
            device.verified_at, device.verified_how, device.badge_street = clock.now(), "vouched", ""
            device.verified_by = None
            device.save(only=[Device.verified_at, Device.verified_how, Device.badge_street, Device.verified_by])
            names = ", ".join(v.pseudonym or "?" for v in vouchers(device))
            _audit("badge_vouched", device, detail=names, by=me)
    return device


def unvouch(device, actor):
    """A neighbour takes their vouch back; a badge resting on it goes if fewer than two remain."""
    if actor.device is None:
        raise Unauthorized()
    with writing():
        vouch_row = Vouch.get_or_none(Vouch.voucher == actor.device, Vouch.vouchee == device,
                                      Vouch.withdrawn_at.is_null())
        if vouch_row is None:
            return Device.get_by_id(device.id)
        vouch_row.withdrawn_at = clock.now()
        vouch_row.save(only=[Vouch.withdrawn_at])
        _audit("unvouch", device, by=actor.device)
        _recheck(Device.get_by_id(device.id), by=actor.device)
    return Device.get_by_id(device.id)


def badge_removed(device, volunteer=None):
    """Call inside the write that took ``device``'s badge back: its vouches are withdrawn, and the badges
    that rested on them are checked again (a cascade)."""
    now = clock.now()
    withdrawn = list(Vouch.select().where(Vouch.voucher == device, Vouch.withdrawn_at.is_null()))
    for row in withdrawn:
        row.withdrawn_at = now
        row.save(only=[Vouch.withdrawn_at])
    if withdrawn:
        _audit("vouches_withdrawn", device, detail=str(len(withdrawn)), volunteer=volunteer)
    for row in withdrawn:
        _recheck(Device.get_by_id(row.vouchee_id), volunteer=volunteer)


def _recheck(device, volunteer=None, by=None):
    if device.verified_how == "vouched" and device.verified_at is not None \
            and _active_vouches(device).count() < VOUCHES_NEEDED:
        _take_badge(device)
        _audit("badge_lapsed", device, detail=str(WAYS["vouched"]), volunteer=volunteer, by=by)
        badge_removed(device, volunteer)


def _take_badge(device):
    device.verified_at, device.verified_by, device.verified_how, device.badge_street = None, None, "", ""
    device.save(only=[Device.verified_at, Device.verified_by, Device.verified_how, Device.badge_street])


def revoke(device, actor):
    """A volunteer takes a badge back, whichever way it was given."""
    if not actor.is_volunteer:
        raise Forbidden()
    with writing():
        device = Device.get_by_id(device.id)
        if device.verified_at is None:
            return device
        how = device.verified_how or "volunteer"
        _take_badge(device)
        _audit("unverify", device, detail=str(WAYS.get(how, how)), volunteer=actor.volunteer)
        badge_removed(device, actor.volunteer)
    return device


# --- A code in the letterbox ---------------------------------------------------------------------


def clean_street(typed):
    street = " ".join((typed or "").split())
    if len(street) > STREET_MAX:
        raise ValidationError(fields={"street": _l("%(count)d characters at most, please.", count=STREET_MAX)})
    return street


def make_letterbox_codes(actor, street, count):
    """A volunteer prints ``count`` cards for a street: returns the one-time codes (only their hashes
    are kept, with the street name)."""
    if not actor.is_volunteer:
        raise Forbidden()
    street = clean_street(street)
    if not street:
        raise ValidationError(fields={"street": _l("The street, please (it is printed on the card).")})
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= CARDS_MAX:
        raise ValidationError(fields={"count": _l("Between 1 and %(max)d cards, please.", max=CARDS_MAX)})
    made = []
    with writing():
        while len(made) < count:
            code = codes.random_code(LETTERBOX_CODE_LENGTH)
            if LetterboxCode.get_or_none(LetterboxCode.code_hash == hash_key(code)) is None:
                LetterboxCode.create(code_hash=hash_key(code), street=street, volunteer=actor.volunteer,
                                     created_at=clock.now())
                made.append(code)
        write_audit("letterbox_codes", f"street: {street}", str(count), volunteer=actor.volunteer)
    return made


def redeem_letterbox_code(code, actor, pseudonym="", show_street=False):
    """The person who found the card types its code: their phone gets the badge (way: letterbox)."""
    if actor.device is None:
        raise Unauthorized()
    typed = codes.normalize(code or "")
    if len(typed) != LETTERBOX_CODE_LENGTH:
        raise ValidationError(fields={"code": _l("The code on the card has %(count)d characters.",
                                                 count=LETTERBOX_CODE_LENGTH)})
    check_rate(actor, "code")
    with writing():
        card = LetterboxCode.get_or_none(LetterboxCode.code_hash == hash_key(typed))
        if card is None or card.used_at is not None:
            raise NotFound(_l("This code is not valid (any more). Each card works once."))
        device = Device.get_by_id(actor.device.id)
        if device.verified_at is not None:
            raise Conflict(_l("This phone already has the verified neighbour badge."))
        resolve_pseudonym(device, pseudonym)
        device = Device.get_by_id(device.id)
        if not device.pseudonym:
            raise ValidationError(fields={"pseudonym": _l("Choose a pseudonym: the badge shows next to it.")})
        street = card.street if show_street else ""
        card.used_at, card.used_by, card.street = clock.now(), device, street  # not shown: not kept
        card.save()
        device.verified_at, device.verified_by, device.verified_how = clock.now(), None, "letterbox"
        device.badge_street = street
        device.save(only=[Device.verified_at, Device.verified_by, Device.verified_how, Device.badge_street])
        _audit("badge_letterbox", device, detail=street, by=device)
    return device


# --- The audit log -------------------------------------------------------------------------------


def _target(device):
    return f"device:{device.id}" + (f" ({device.pseudonym})" if device.pseudonym else "")


def _audit(action, device, detail="", volunteer=None, by=None):
    name = f"neighbour: {by.pseudonym or by.id}" if by is not None else None
    write_audit(action, _target(device), detail, volunteer=volunteer, by=name)
