"""The public pages' cache: phones without cookies share a rendered page until the next write or
MAX_AGE on the box clock; anything personal is never cached."""

from datetime import datetime

from boxlocale import clock, pagecache
from boxlocale.db import writing
from boxlocale.models import Setting


def test_a_write_shows_at_once(app, db):
    clock.freeze(datetime(2026, 11, 22, 12, 0))
    first = app.test_client().get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Bal des pompiers" not in first
    with writing():  # what any post does: the next page view renders afresh
        Setting.replace(key="welcome_text", value='"Bal des pompiers samedi"').execute()
    from boxlocale import settings

    settings.invalidate()
    assert "Bal des pompiers" in app.test_client().get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_without_a_write_the_page_is_shared_for_max_age_of_box_time(app):
    clock.freeze(datetime(2026, 11, 22, 12, 0))
    renders = []
    original = app.view_functions["portal.home"].__wrapped__

    def counting(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    app.view_functions["portal.home"] = pagecache.cached_page(counting)
    for _ in range(5):
        assert app.test_client().get("/").status_code == 200
    assert len(renders) == 1
    clock.advance(seconds=pagecache.MAX_AGE.total_seconds())
    app.test_client().get("/")
    assert len(renders) == 2  # lapses follow the clock: a page never outlives MAX_AGE
    app.test_client().get("/", headers={"Accept-Language": "en"})
    assert len(renders) == 3  # each language its own page
    with_cookie = app.test_client()
    with_cookie.set_cookie("bl_device", "some-key")
    with_cookie.get("/")
    with_cookie.get("/")
    assert len(renders) == 5  # a phone with its own cookie always gets a fresh page


def test_a_page_with_a_form_token_is_never_shared(app):
    @app.route("/_test_form_page")
    @pagecache.cached_page
    def _test_form_page():
        from flask import render_template_string

        return render_template_string('<form method="post">{{ csrf_token() }}</form>')

    first = app.test_client().get("/_test_form_page").get_data(as_text=True)
    second = app.test_client().get("/_test_form_page").get_data(as_text=True)
    assert first != second  # each phone its own token
