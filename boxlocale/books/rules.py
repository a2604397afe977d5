"""Domain rules of the books and their journal."""

from flask_babel import lazy_gettext as _l

from ..models import Book


def latest(limit):
    query = Book.select().where(Book.hidden == False).order_by(Book.created_at.desc()).limit(limit)  # noqa: E712
    return [
        {"title": book.title, "url": "/books/", "label": _l("Books"), "when": book.created_at}
        for book in query
    ]
