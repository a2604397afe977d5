"""The public pages' cache: phones without cookies share a rendered page until the next write or
MAX_AGE on the box clock; anything personal is never cached."""

from datetime import datetime

import pytest

from boxlocale import clock, pagecache
from boxlocale.db import writing
from boxlocale.models import Setting


@pytest.fixture
def phone(app):
    return app.test_client  # a new phone (no cookie) per call


def test_a_write_shows_at_once(app, phone, db):
    clock.freeze(datetime(2026, 11, 22, 12, 0))
    first = phone().get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Bal des pompiers" not in first
    with writing():  # what any post does: the next page view renders afresh
        Setting.replace(key="welcome_text", value='"Bal des pompiers samedi"').execute()
    from boxlocale import settings

    settings.invalidate()
    assert "Bal des pompiers" in phone().get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_without_a_write_the_page_is_shared_for_max_age_of_box_time(app, phone):
    clock.freeze(datetime(2026, 11, 22, 12, 0))
    renders = []
    original = app.view_functions["portal.home"].__wrapped__

    def counting(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    app.view_functions["portal.home"] = pagecache.cached_page(counting)
    for _ in range(5):
        assert phone().get("/").status_code == 200
    assert len(renders) == 1
    clock.advance(seconds=pagecache.MAX_AGE.total_seconds())
    phone().get("/")
    assert len(renders) == 2  # lapses follow the clock: a page never outlives MAX_AGE
    phone().get("/", headers={"Accept-Language": "en"})
    assert len(renders) == 3  # each language its own page
    with_cookie = phone()
    with_cookie.set_cookie("bl_device", "some-key")
    with_cookie.get("/")
    with_cookie.get("/")
    assert len(renders) == 5  # a phone with its own cookie always gets a fresh page


def test_a_page_with_a_form_token_is_never_shared(app, phone):
    @app.route("/_test_form_page")
    @pagecache.cached_page
    def _test_form_page():
        from flask import render_template_string

        return render_template_string('<form method="post">{{ csrf_token() }}</form>')

    first = phone().get("/_test_form_page").get_data(as_text=True)
    second = phone().get("/_test_form_page").get_data(as_text=True)
    assert first != second  # each phone its own token
