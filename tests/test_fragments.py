"""Cards remembered by what they show (boxlocale/fragments.py): a card changes as soon as anything it
shows changes, in each language; remembering is speed only."""

import re
from datetime import datetime

from boxlocale import clock, fragments
from boxlocale.db import writing
from boxlocale.devices import hash_key
from boxlocale.models import Device, Item, Notice

from .board_factory import post_notice
from .test_giveaway_pages import code_of, post_offer


def _fresh(app, path, language="fr"):
    phone = app.test_client()
    phone.set_cookie("bench_fresh", "1")  # a cookie the box does not know: rendered afresh, no shared page
    return phone.get(path, headers={"Accept-Language": language}).get_data(as_text=True)


def test_a_board_card_changes_with_what_it_shows(app, frozen_clock):
    post_notice(app.test_client(), title="Je prête une échelle", pseudonym="Bernard")
    assert "Je prête une échelle" in _fresh(app, "/board/") and fragments._fragments
    with app.app_context(), writing():
        Notice.update(title="Je prête une brouette").execute()
    page = _fresh(app, "/board/")
    assert "Je prête une brouette" in page and "Je prête une échelle" not in page
    assert "voisin vérifié" not in page
    with app.app_context(), writing():
        Device.update(verified_at=clock.now()).execute()
    assert "voisin vérifié" in _fresh(app, "/board/")
    assert "verified neighbour" in _fresh(app, "/board/", language="en")
    assert "2026" not in _fresh(app, "/board/")  # a date of this year says no year
    with app.app_context(), writing():
        Notice.update(expires_at=datetime(2027, 2, 1)).execute()  # still on the board next year
    assert "2026" not in _fresh(app, "/board/")
    clock.freeze(datetime(2027, 1, 3, 12, 0))
    assert "2026" in _fresh(app, "/board/")  # the same card, a year later: its date says the year


def test_a_give_box_card_changes_with_its_status(app, frozen_clock):
    code = code_of(post_offer(app.test_client(), title="Deux chaises").get_data(as_text=True))
    assert '<span class="status available">' in _fresh(app, "/give/")
    with app.app_context(), writing():
        Item.update(status="reserved", reserved_until=datetime(2026, 11, 23, 12, 0)).where(Item.code == code).execute()
    page = _fresh(app, "/give/")
    assert '<span class="status reserved">' in page and '<span class="status available">' not in page
    clock.freeze(datetime(2026, 11, 24, 12, 0))  # the reservation lapsed: the box clock decides
    assert '<span class="status available">' in _fresh(app, "/give/")


def test_a_listings_filters_are_remembered_by_what_they_show_and_a_search_never(app, frozen_clock):
    from boxlocale import settings
    from boxlocale.models import Setting

    assert '<details class="filters-box">' in _fresh(app, "/give/")
    taken = _fresh(app, "/give/?status=taken")
    assert '<details class="filters-box" open>' in taken and 'href="?status=taken" aria-current="true"' in taken
    assert '<option value="jardin">' in _fresh(app, "/give/")
    with app.app_context(), writing():  # a volunteer switches a category off: the select follows
        Setting.replace(key="categories_off", value='["jardin"]').execute()
    settings.invalidate()
    assert '<option value="jardin">' not in _fresh(app, "/give/")
    events = _fresh(app, "/board/?kind=event")
    assert 'href="/board/?kind=event" aria-current="true"' in events and "filters-box\" open" in events
    assert 'href="/board/?kind=event" aria-current="true"' not in _fresh(app, "/board/")
    remembered = len(fragments._fragments)
    for words in ("chaise", "table", "vélo"):  # words typed: never a key (there would be no end to them)
        assert f'value="{words}"' in _fresh(app, f"/give/?q={words}") and f'value="{words}"' in _fresh(
            app, f"/board/?q={words}")
    for made_up in ("category=zz1", "category=zz2", "kind=zz", "status=zz"):  # nor filters made up
        assert '<details class="filters-box" open>' in _fresh(app, f"/give/?{made_up}")
    assert len(fragments._fragments) == remembered


def test_the_menu_and_the_footer_are_remembered_by_what_they_show(app, frozen_clock):
    from boxlocale import settings
    from boxlocale.models import Setting

    def current(page):
        return re.findall(r'<a href="([^"]+)" aria-current="page">', page)

    assert current(_fresh(app, "/give/")) == ["/give/"]
    assert current(_fresh(app, "/board/")) == ["/board/"]
    assert current(_fresh(app, "/books/")) == ["/books/"]
    assert current(_fresh(app, "/mine")) == ["/mine"]
    assert current(_fresh(app, "/")) == []
    assert "Menu principal" in _fresh(app, "/") and "Main menu" in _fresh(app, "/", language="en")
    assert "Horaires" not in _fresh(app, "/")
    with app.app_context(), writing():
        Setting.replace(key="opening_hours", value='"Samedi 10 h – 12 h"').execute()
        Setting.replace(key="village", value='"Pommiers"').execute()
    settings.invalidate()
    footer = _fresh(app, "/").split("<footer>")[1]
    assert "Samedi 10 h – 12 h" in footer and "Pommiers" in footer


def test_a_journal_entry_changes_with_what_it_shows(app, frozen_clock):
    from boxlocale.models import JournalEntry

    from .books_factory import register, write

    with app.test_request_context("/"):
        book = register()
        write(book, "comment", note="Un classique, à relire.", pseudonym="Léa")
        code = book.code
    page = _fresh(app, f"/books/{code}")
    assert "Un classique, à relire." in page and "Léa" in page and "voisin vérifié" not in page
    with app.app_context(), writing():
        Device.update(verified_at=clock.now()).execute()
    assert "voisin vérifié" in _fresh(app, f"/books/{code}").split('id="h-journal"')[1]
    with app.app_context(), writing():
        JournalEntry.update(note="Un classique.").where(JournalEntry.kind == "comment").execute()
    page = _fresh(app, f"/books/{code}")
    assert "Un classique." in page and "à relire" not in page
    assert "verified neighbour" in _fresh(app, f"/books/{code}", language="en")


def test_a_since_your_last_visit_entry_is_remembered_by_what_it_shows(app, frozen_clock):
    from boxlocale.devices import COOKIE

    from .helpers import bearer

    phone = app.test_client()
    giver, reserver = (phone.post("/api/v1/devices").get_json()["device_key"] for _ in range(2))
    clock.advance(minutes=5)  # news is what came after the phone's last visit
    code = phone.post("/api/v1/items", json={"title": "Deux chaises"}, headers=bearer(giver)).get_json()["code"]
    with app.app_context(), writing():
        Device.update(pseudonym="Lou").where(Device.key_hash == hash_key(reserver)).execute()
    assert phone.post(f"/api/v1/items/{code}/reserve", headers=bearer(reserver)).status_code == 200

    def home(language="fr"):
        mine = app.test_client()
        mine.set_cookie(COOKIE, giver)
        page = mine.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        return re.search(r'<ul class="list">(.*?)</ul>', page, re.S).group(1)

    first = home()
    assert "Lou" in first and f'href="/give/{code}"' in first
    assert any("since entry" in key for key in fragments._fragments)
    assert home() == first  # the remembered entry: the same bytes
    with app.app_context(), writing():
        Device.update(pseudonym="Paul").where(Device.key_hash == hash_key(reserver)).execute()
    assert "Paul" in home() and "Lou" not in home()
    assert "Someone reserved your item" in home("en")
    clock.freeze(datetime(2027, 1, 3, 12, 0))
    with app.app_context(), writing():  # still reserved next year
        Item.update(reserved_until=datetime(2027, 1, 4, 12, 0)).where(Item.code == code).execute()
    assert "2026" in home()  # the same entry, a year later: its date says the year


def test_what_is_new_on_the_home_page_is_remembered_by_what_it_shows(app, frozen_clock):
    post_offer(app.test_client(), title="Deux chaises")
    assert "Deux chaises" in _fresh(app, "/") and fragments._fragments
    with app.app_context(), writing():
        Item.update(title="Trois chaises").execute()
    page = _fresh(app, "/")
    assert "Trois chaises" in page and "Deux chaises" not in page
    post_notice(app.test_client(), title="Je prête une échelle")
    page = _fresh(app, "/")
    assert "Je prête une échelle" in page and "Trois chaises" in page
    english = _fresh(app, "/", language="en")
    assert "· Noticeboard ·" in english and "· Give-box ·" in english and "· Noticeboard ·" not in page


def test_a_pages_cards_take_the_language_of_their_render(app, frozen_clock):
    """The request's part of a card's key is read once per page render (fragments.page_callables): a
    render under force_locale in the same request gets its own language's cards, not the first's."""
    from flask import render_template_string
    from flask_babel import force_locale

    card = '{% call remembered("test card", 1) %}{{ _("Search") }}{% endcall %}'
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert render_template_string(card * 2) == "Chercher" * 2
        with force_locale("en"):
            assert render_template_string(card) == "Search"
        assert render_template_string(card) == "Chercher"
