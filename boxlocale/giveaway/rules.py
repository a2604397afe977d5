"""Domain rules of the give-box items."""

from flask_babel import lazy_gettext as _l

from ..models import Item


def latest(limit):
    """Newest visible available items, for the home page's "what is new"."""
    query = (
        Item.select()
        .where(Item.hidden == False, Item.status == "available")  # noqa: E712
        .order_by(Item.created_at.desc())
        .limit(limit)
    )
    return [
        {"title": item.title, "url": "/give/", "label": _l("Give-box"), "when": item.created_at}
        for item in query
    ]
