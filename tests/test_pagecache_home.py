"""The home page of a phone with a device key: the stored page while its "since your last visit" is
empty, its own page (never stored, never another phone's) while it has something to show."""

import re

from boxlocale import clock, pagecache, settings
from boxlocale.db import writing
from boxlocale.models import Setting

from .conftest import csrf_token
from .test_giveaway_pages import code_of, post_offer
from .test_my_posts import submit_fields

SINCE = "Depuis votre dernière visite"
FRENCH = {"Accept-Language": "fr"}
TOKEN_RE = re.compile(r'name="csrf_token" value="[^"]+"')


def _phone_that_posted(app, title):
    """A phone with its device key (it posted an offer) and a form token in its session."""
    phone = app.test_client()
    code = code_of(post_offer(phone, title=title).get_data(as_text=True))
    phone.get(f"/give/{code}")
    return phone, code


def _home(phone):
    """(the home page's HTML, whether it was the stored page served before Flask)."""
    before = pagecache.stats()["shared"]
    html = phone.get("/", headers=FRENCH).get_data(as_text=True)
    return html, pagecache.stats()["shared"] - before == 1


def test_a_phone_with_a_key_and_nothing_of_its_own_gets_the_stored_home_page(app, frozen_clock):
    first_phone, _ = _phone_that_posted(app, "Chaise paillée")
    second_phone, _ = _phone_that_posted(app, "Table de jardin")
    fresh, shared = _home(first_phone)
    assert not shared and SINCE not in fresh and "Mes annonces" in fresh  # its list read empty by Flask
    again, shared = _home(first_phone)
    assert shared and TOKEN_RE.sub("", again) == TOKEN_RE.sub("", fresh)
    assert not _home(second_phone)[1]  # its own list is not known yet: Flask reads it once
    assert _home(second_phone)[1] and _home(first_phone)[1]
    # A new notice is no news for anyone: the lists stay known empty, only the page is rendered again.
    submit_fields(app.test_client(), "/board/new", "/board/new", kind="offer", category="",
                  title="Je prête une tondeuse", body="Thermique, récente.")
    assert not _home(first_phone)[1]
    assert _home(second_phone)[1] and _home(first_phone)[1]


def test_a_phone_with_a_new_reply_gets_its_own_home_page_and_no_other_phone_ever_sees_it(app, frozen_clock):
    owner, code = _phone_that_posted(app, "Poussette pliable")
    neighbour, _ = _phone_that_posted(app, "Table de jardin")
    onlooker, _ = _phone_that_posted(app, "Lampe de chevet")
    for phone in (owner, neighbour, onlooker):
        _home(phone)
        assert _home(phone)[1]
    clock.advance(minutes=5)
    assert submit_fields(neighbour, f"/give/{code}/reply", f"/give/{code}", body="Je la prends samedi.",
                         pseudonym="Paulette").status_code == 303
    for _ in range(3):
        html, shared = _home(owner)
        assert not shared and SINCE in html and "Poussette pliable" in html and "Paulette" in html
    for phone in (neighbour, onlooker, neighbour, onlooker):
        html, _ = _home(phone)
        assert SINCE not in html and "Paulette" not in html
    assert _home(onlooker)[1]
    # "Got it": the owner's list is empty again, and its home page is the stored one again.
    assert submit_fields(owner, "/seen", "/", next="/").status_code == 303
    html, shared = _home(owner)
    assert not shared and SINCE not in html
    html, shared = _home(owner)
    assert shared and SINCE not in html


def test_a_reservation_coming_to_its_end_shows_at_once_though_nothing_was_written(app, frozen_clock):
    giver, code = _phone_that_posted(app, "Deux chaises")
    taker, _ = _phone_that_posted(app, "Vélo enfant")
    with writing():  # reservations of 2 hours and 9 seconds: "ends soon" (2 hours) in 9 seconds
        Setting.replace(key="hold_hours", value="2.0025").execute()
    settings.invalidate()
    page = taker.get(f"/give/{code}").get_data(as_text=True)
    assert taker.post(f"/give/{code}/reserve", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert "Réservé pour vous" in taker.get(f"/give/{code}").get_data(as_text=True)  # its flash, read
    html, shared = _home(taker)
    assert not shared and SINCE not in html
    clock.advance(seconds=5)
    assert _home(taker)[1]
    clock.advance(seconds=5)  # within the stored page's MAX_AGE, past the moment its list fills
    html, shared = _home(taker)
    assert not shared and "Votre réservation finit bientôt" in html and "Deux chaises" in html


def test_the_real_server_shares_the_home_page_with_a_phone_that_posted_until_it_has_news(live_box):
    def phone_that_posted(title):
        phone = live_box.session()
        form = phone.get(live_box.url + "/give/offer").text
        posted = phone.post(live_box.url + "/give/offer", data={
            "csrf_token": csrf_token(form), "title": title, "category": "enfants", "condition": "good",
            "where": "in_box"}, files={"photo": ("", b"")})
        assert posted.status_code == 200 and "bl_device" in phone.cookies
        return phone, code_of(posted.text)

    owner, code = phone_that_posted("Poussette pliable")
    neighbour, _ = phone_that_posted("Table de jardin")
    for phone in (owner, neighbour, owner, neighbour):
        assert SINCE not in phone.get(live_box.url + "/").text
    item_page = neighbour.get(f"{live_box.url}/give/{code}").text
    assert neighbour.post(f"{live_box.url}/give/{code}/reply", data={
        "csrf_token": csrf_token(item_page), "body": "Je la prends samedi.", "pseudonym": "Paulette"}).status_code == 200
    for _ in range(2):
        assert "Paulette" in owner.get(live_box.url + "/").text
        assert "Paulette" not in neighbour.get(live_box.url + "/").text
    live_box.stop()  # its request lines are written in batches: all of them once it stops
    home_lines = re.findall(r"GET / 200 \S+ cpu \S+ (\w+)", live_box.output())
    # owner, neighbour: each read by Flask once, then the stored page; after the reply the owner's
    # own page each time, the neighbour's list read once more, then the stored page.
    assert home_lines == ["rendered", "rendered", "shared", "shared",
                          "rendered", "rendered", "rendered", "shared"]
