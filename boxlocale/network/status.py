"""What the console's network page shows: the boxes known, the last contact with each, what waits
to travel, when the last news came."""

from ..models import NetBox, NetEvent, NetSync
from . import format as fmt
from . import log
from .directory import days_ago


def overview(now):
    me = log.self_key()
    boxes = list(NetBox.select().where(NetBox.admitted == True).order_by(NetBox.village, NetBox.name))  # noqa: E712
    last_out = NetSync.select(NetSync.sent_seq).where(NetSync.went > 0).order_by(
        NetSync.sent_seq.desc()).limit(1).scalar() or 0
    # Own events written since the last sync that carried anything out: waiting to travel.
    waiting = NetEvent.select().where(NetEvent.box == me, NetEvent.seq > last_out).count()
    others = [box for box in boxes if box.key != me]
    arrived = max((box.last_news for box in others if box.last_news), default=None)
    written = max((box.news_written_hlc for box in others), default=0)
    return {
        "me": next((box for box in boxes if box.key == me), None),
        "key": me,
        "boxes": others,
        "written": {box.key: fmt.hlc_datetime(box.news_written_hlc) for box in others if box.news_written_hlc},
        "waiting": waiting,
        # The latest news written (by the signed time of its event) and the latest arrival here.
        "written_days": days_ago(now, fmt.hlc_datetime(written)) if written else None,
        "news_days": days_ago(now, arrived),
        "aside": NetEvent.select().where(NetEvent.state == "aside").count(),
        # News dated more than a week after this box's clock: it waits for that time to come, which a
        # box whose clock is behind reaches only late (the clock page sets it).
        "future": NetEvent.select().where(NetEvent.state == "future").count(),
        "refused": NetEvent.select().where(NetEvent.state.in_(("refused", "fork"))).count(),
        "forked": list(NetBox.select().where(NetBox.forked_at_seq.is_null(False))),
        "syncs": list(NetSync.select().order_by(NetSync.at.desc(), NetSync.id.desc()).limit(10)),
    }
