"""Domain rules of the noticeboard."""

from flask_babel import lazy_gettext as _l

from ..models import Notice


def latest(limit):
    query = (
        Notice.select()
        .where(Notice.hidden == False, Notice.status == "open")  # noqa: E712
        .order_by(Notice.created_at.desc())
        .limit(limit)
    )
    return [
        {"title": notice.title, "url": "/board/", "label": _l("Noticeboard"), "when": notice.created_at}
        for notice in query
    ]
