"""Joining boxes into a network. A new box shows a join request (its key, name, village and book-code
prefix, signed with its key); a volunteer of a box already in the network admits it, which writes a
signed ``box.admit`` event and gives back an admission (the network's directory events) to carry to
the new box by USB or copy and paste. The new box trusts the box that admitted it and vouches for it
in return, so every box of the network is vouched for by one that another box trusts.
"""

import base64
import json

from flask_babel import lazy_gettext as _l

from .. import settings
from ..db import writing
from ..errors import Conflict, ValidationError
from ..models import NetBox, NetEvent
from . import apply, log
from . import format as fmt

JOIN_PREFIX, ADMIT_PREFIX = "BOXNET-JOIN:", "BOXNET-ADMISSION:"
DIRECTORY_KINDS = ("box.info", "box.admit", "box.successor")


def _pack(prefix, value):
    return prefix + base64.urlsafe_b64encode(fmt.canonical(value).encode()).decode()


def _unpack(prefix, text, field):
    text = "".join((text or "").split())
    if not text.startswith(prefix):
        raise ValidationError(fields={field: _l("This is not the text the other box shows: copy it whole.")})
    try:
        return json.loads(base64.urlsafe_b64decode(text[len(prefix):].encode()))
    except ValueError:
        raise ValidationError(fields={field: _l("This text is cut or changed: copy it whole again.")}) from None


def join_request():
    """What this box shows to be admitted."""
    me = {"key": log.self_key(), "name": settings.get("box_name"), "village": settings.get("village"),
          "prefix": settings.get("book_prefix").upper()}
    return _pack(JOIN_PREFIX, {"join": me, "sig": log._self["key"].sign(fmt.canonical(me).encode()).signature.hex()})


def admit(text):
    """Admit the box whose join request this is → the admission to carry back to it."""
    from .sync import verify_body

    request = _unpack(JOIN_PREFIX, text, "request")
    join = request.get("join") if isinstance(request, dict) else None
    if not isinstance(join, dict) or not verify_body(str(join.get("key", "")),
                                                     fmt.canonical(join).encode(), request.get("sig")):
        raise ValidationError(fields={"request": _l("This request is not signed by its box: copy it whole again.")})
    key, prefix = join["key"], str(join.get("prefix", "")).upper()
    with writing():
        if key == log.self_key():
            raise Conflict(_l("This is this box's own request: show it on the box to admit."))
        holder = apply._prefix_holder(prefix, key)
        if holder is not None:
            raise Conflict(_l("The book-code prefix %(prefix)s is already held by the box %(name)s: "
                              "the new box must choose another one in its settings.",
                              prefix=prefix, name=holder.name or holder.key[:8]))
        if not NetBox.select().where(NetBox.key == key, NetBox.admitted == True).exists():  # noqa: E712
            event = log.emit("box.admit", {"key": key, "name": str(join.get("name", ""))[:80],
                                           "village": str(join.get("village", ""))[:80], "prefix": prefix},
                             target="box:" + key, applied=False)
            apply.settle([event.id])
    return admission()


def admission():
    """The network's directory as this box knows it, to give to a box it admitted."""
    rows = log.passable().where(NetEvent.kind.in_(DIRECTORY_KINDS)).order_by(NetEvent.hlc)
    return _pack(ADMIT_PREFIX, {"events": [log.as_event(row).record() for row in rows]})


def join(text):
    """Take in an admission of this box → the box that admitted it (a NetBox)."""
    bundle = _unpack(ADMIT_PREFIX, text, "admission")
    try:
        events = [fmt.parse_record(record) for record in bundle.get("events", [])]
    except (fmt.BadEvent, AttributeError) as error:
        raise ValidationError(fields={"admission": _l("This admission is damaged: copy it whole again.")}) from error
    mine = [e for e in events if e.kind == "box.admit" and (e.data or {}).get("key") == log.self_key()]
    if not mine:
        raise ValidationError(fields={"admission": _l("This admission is for another box.")})
    admitter = mine[0].box
    with writing():
        NetBox.insert(key=admitter, admitted=True, is_root=True).on_conflict(
            conflict_target=[NetBox.key], update={NetBox.admitted: True, NetBox.is_root: True}).execute()
        log.import_events(events)
        box = NetBox.get_by_id(admitter)
        # What the admitter says of itself (its latest box.info), even if its clock is ahead of ours.
        infos = sorted((e for e in events if e.box == admitter and e.kind == "box.info" and e.data),
                       key=lambda e: e.hlc)
        said = infos[-1].data if infos else {}
        vouch = {"key": admitter, "name": str(said.get("name") or box.name)[:80],
                 "village": str(said.get("village") or box.village)[:80],
                 "prefix": str(said.get("prefix") or box.prefix).upper()}
        if vouch["prefix"] and not NetEvent.select().where(
                NetEvent.box == log.self_key(), NetEvent.kind == "box.admit",
                NetEvent.target == "box:" + admitter).exists():
            log.emit("box.admit", vouch, target="box:" + admitter, applied=False)
            apply.settle()
    return box
