"""Named page contexts: views give templates values, never a function or a module to call."""

import inspect

from flask import template_rendered

from boxlocale.models import Item

from .board_factory import post_notice
from .helpers import submit


def contexts_of(app, client, path):
    """What the view passed to each template it rendered for ``path`` (not the app's own globals)."""
    with app.test_request_context():
        app_globals = set(app.update_template_context({}) or {})
        context = {}
        app.update_template_context(context)
        app_globals |= set(context)
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append((template.name, {key: value for key, value in context.items() if key not in app_globals}))

    with template_rendered.connected_to(record, app):
        assert client.get(path).status_code == 200
    return rendered


def test_listings_and_record_pages_get_values_not_functions(app, client):
    assert submit(client, "/give/offer", {"title": "Vélo enfant", "category": "enfants", "condition": "good",
                                          "where": "in_box", "pseudonym": "Martine"}).status_code == 200
    assert post_notice(client).status_code == 201
    with app.app_context():
        code = Item.select(Item.code).scalar()
    pages = ["/give/", f"/give/{code}", "/board/", "/board/1", "/books/", "/people/Martine", "/mine", "/timebank/"]
    for path in pages:
        for template, values in contexts_of(app, client, path):
            callables = [key for key, value in values.items() if callable(value) or inspect.ismodule(value)]
            assert callables == [], f"{path} ({template}) gets {callables}"
