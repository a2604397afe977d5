"""The public pages' cache: phones without cookies share a rendered page until the next write or
MAX_AGE on the box clock; anything personal is never cached."""

from datetime import datetime

import pytest

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


# Sharing with phones that carry cookies (a form token, a device key): the page is the same bytes,
# served before Flask runs, with each phone's own token filled in.

import gzip  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

from .conftest import csrf_token  # noqa: E402
from .test_giveaway_pages import code_of, post_offer  # noqa: E402

TOKEN_RE = re.compile(r'name="csrf_token" value="[^"]+"')


def _counting_renders(app, endpoint):
    renders = []
    shared = app.view_functions[endpoint]
    original = shared.__wrapped__

    def counting(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    app.view_functions[endpoint] = pagecache.cached_page(counting, tables=shared.shared_tables,
                                                         new_rows_kept=shared.new_rows_kept)
    return renders


def _phone_with_token_and_device(app, code):
    """A phone that has posted (device key) and holds a form token (session), as at a fête."""
    phone = app.test_client()
    post_offer(phone, title="Autre chose")
    phone.get(f"/give/{code}")  # its session now holds a token
    assert {cookie.key for cookie in phone._cookies.values()} >= {"session", "bl_device"}
    return phone


def test_phones_with_a_token_and_a_device_key_share_the_item_page_and_their_tokens_post(app, frozen_clock):
    owner = app.test_client()
    code = code_of(post_offer(owner).get_data(as_text=True))
    phones = [_phone_with_token_and_device(app, code) for _ in range(3)]
    renders = _counting_renders(app, "giveaway.item")
    pagecache.clear()
    before = pagecache.stats()["shared"]
    pages = [phone.get(f"/give/{code}").get_data(as_text=True) for phone in phones]
    assert len(renders) == 1 and pagecache.stats()["shared"] - before == 2  # served before Flask
    tokens = [csrf_token(page) for page in pages]
    assert len(set(tokens)) == 3 and pagecache.TOKEN_PLACEHOLDER not in "".join(pages)
    assert len({TOKEN_RE.sub("", page) for page in pages}) == 1  # the same page but for the token
    # Each phone's filled-in token is its own and valid: CSRF holds on every form.
    assert phones[1].post(f"/give/{code}/reserve", data={"csrf_token": tokens[1]}).status_code == 303
    assert phones[2].post(f"/give/{code}/renew", data={"csrf_token": tokens[1]}).status_code == 400


def test_the_shared_page_is_byte_identical_to_a_fresh_render(app, frozen_clock):
    owner = app.test_client()
    code = code_of(post_offer(owner).get_data(as_text=True))
    phone = _phone_with_token_and_device(app, code)
    shared = phone.get(f"/give/{code}").get_data(as_text=True)
    pagecache.clear()
    wsgi = app.wsgi_app
    app.wsgi_app = wsgi.next  # no layer, no stored page: Flask renders
    fresh = phone.get(f"/give/{code}").get_data(as_text=True)
    app.wsgi_app = wsgi
    assert TOKEN_RE.sub("", shared) == TOKEN_RE.sub("", fresh) and csrf_token(fresh) and csrf_token(shared)


def test_the_page_is_never_shared_with_whom_it_is_personal_to(app, frozen_clock):
    owner = app.test_client()
    code = code_of(post_offer(owner).get_data(as_text=True))
    visitor = _phone_with_token_and_device(app, code)
    renders = _counting_renders(app, "giveaway.item")
    pagecache.clear()
    visitor.get(f"/give/{code}")
    owner_page = owner.get(f"/give/{code}").get_data(as_text=True)  # the owner: its own buttons
    assert "Retirer" in owner_page and len(renders) == 2
    token = csrf_token(visitor.get(f"/give/{code}").get_data(as_text=True))
    assert visitor.post(f"/give/{code}/reserve", data={"csrf_token": token}).status_code == 303
    page = visitor.get(f"/give/{code}").get_data(as_text=True)  # the flash waits: its own page
    assert "Réservé pour vous" in page and "par vous" in page
    assert "par vous" in visitor.get(f"/give/{code}").get_data(as_text=True)  # the reserver's own page
    other = _phone_with_token_and_device(app, code)
    assert "par vous" not in other.get(f"/give/{code}").get_data(as_text=True)


def test_a_phone_without_a_token_gets_one_from_flask_then_shares(app, frozen_clock):
    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    app.test_client().get(f"/give/{code}")  # stored
    newcomer = app.test_client()
    first = newcomer.get(f"/give/{code}")
    assert "session" in first.headers.get("Set-Cookie", "")
    before = pagecache.stats()["shared"]
    second = newcomer.get(f"/give/{code}")
    assert pagecache.stats()["shared"] == before + 1
    assert csrf_token(first.get_data(as_text=True)) and "Set-Cookie" not in second.headers


def test_gzip_once_and_a_validator_for_a_304(app, frozen_clock):
    phone = app.test_client()
    phone.get("/give/")
    plain = app.test_client().get("/give/")
    zipped = app.test_client().get("/give/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 2
    etag = plain.headers["ETag"]
    again = app.test_client().get("/give/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    post_offer(app.test_client())  # the listing changes: its validator too
    assert app.test_client().get("/give/", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pages_are_byte_identical_with_flask_babels_own_gettext_and_url_for(app, frozen_clock, language,
                                                                           monkeypatch):
    """Translations remembered per request, the templates' ``_`` and ``ngettext`` made once per language
    and url_for remembered per endpoint are speed only."""
    from flask_babel import get_translations

    from boxlocale import i18n

    from .board_factory import post_notice

    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    post_notice(app.test_client(), kind="carpool", title="Vers Feurs <samedi>", destination="Feurs", seats="3",
                starts_at="2026-11-28T09:00")  # a count of seats (ngettext) and a title to escape
    # The filters in this order: a link remembered for one page's arguments must keep another's order.
    pages = ["/", "/give/", "/books/", "/board/", f"/give/{code}", "/give/offer", "/board/new", "/board/?kind=event",
             "/board/?category=bricoler", "/board/?category=bricoler&kind=event", "/books/new", "/timebank/", "/board/1"]

    def render_all():
        pagecache.clear()
        phone = app.test_client()
        phone.set_cookie("bench_fresh", "1")  # renders afresh
        return [TOKEN_RE.sub("", phone.get(path, headers={"Accept-Language": language}).get_data(as_text=True))
                for path in pages]

    ours = render_all()
    assert "Vers Feurs &lt;samedi&gt;" in ours[-1] and 'class="seats"' in ours[-1]
    from flask import url_for

    app.jinja_env.globals["url_for"] = url_for
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n), newstyle=True)
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]  # what Jinja's own ``_`` calls
    app.jinja_env.cache.clear()  # imported macros keep the globals they were first made with
    monkeypatch.setattr(i18n, "template_callables", dict)  # Jinja's own path to each translation
    assert render_all() == ours


def test_the_api_listings_are_shared_with_anonymous_readers_only(app, frozen_clock):
    post_offer(app.test_client())
    first = app.test_client().get("/api/v1/items")
    before = pagecache.stats()["shared"]
    again = app.test_client().get("/api/v1/items", headers={"Accept-Encoding": "gzip"})
    assert pagecache.stats()["shared"] == before + 1
    assert json.loads(gzip.decompress(again.data)) == first.get_json() and first.get_json()["items"]
    from .helpers import api_headers

    app.test_client().get("/api/v1/items", headers=api_headers(app.test_client()))
    app.test_client().get("/api/v1/items", headers={"X-Manage-Token": "some-token"})
    assert pagecache.stats()["shared"] == before + 1  # a bearer key or a manage token: the phone's own


def test_a_phones_session_is_read_once_and_still_checked(app, frozen_clock):
    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    phone = _phone_with_token_and_device(app, code)
    phone.get(f"/give/{code}")
    forged = app.test_client()
    forged.set_cookie("session", phone.get_cookie("session").value[:-3] + "xyz")
    before = pagecache.stats()["shared"]
    page = forged.get(f"/give/{code}").get_data(as_text=True)
    assert pagecache.stats()["shared"] == before  # a cookie that does not verify: Flask, a new session
    assert csrf_token(page)


def test_the_api_listing_is_shared_with_a_phone_that_has_posted(app, frozen_clock):
    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    phone = _phone_with_token_and_device(app, code)  # the API reads no device from cookies
    phone.get("/api/v1/items")
    before = pagecache.stats()["shared"]
    phone.get("/api/v1/items")
    assert pagecache.stats()["shared"] == before + 1


def test_a_write_renders_afresh_only_the_pages_that_show_its_tables(app, frozen_clock):
    from boxlocale.db import database, writing
    from boxlocale.models import Notice

    phone = app.test_client()
    post_offer(phone)  # the phone has its device key (a new device is a write to a table pages show)
    give_renders = _counting_renders(app, "giveaway.index")
    board_renders = _counting_renders(app, "board.index")
    app.test_client().get("/give/"), app.test_client().get("/board/")
    assert (len(give_renders), len(board_renders)) == (1, 1)
    token = csrf_token(phone.get("/board/new").get_data(as_text=True))
    posted = phone.post("/board/new", data={"csrf_token": token, "kind": "offer", "category": "bricoler",
                                            "title": "Je prête une échelle"})
    assert posted.status_code == 201
    assert "Je prête une échelle" in app.test_client().get("/board/").get_data(as_text=True)
    app.test_client().get("/give/")
    assert (len(give_renders), len(board_renders)) == (1, 2)  # a notice keeps the give-box's page
    post_offer(app.test_client(), title="Table de jardin")
    assert "Table de jardin" in app.test_client().get("/give/").get_data(as_text=True)
    assert len(give_renders) == 2
    with app.app_context(), writing():  # a statement that is not a model's query: every page afresh
        database.execute_sql("UPDATE notice SET title = title")
    app.test_client().get("/give/"), app.test_client().get("/board/")
    assert (len(give_renders), len(board_renders)) == (3, 3)
    with app.app_context(), writing():
        Notice.update(title="Échelle prêtée").execute()
    assert "Échelle prêtée" in app.test_client().get("/board/").get_data(as_text=True)


# Privacy with shared pages: two real phones, each with its own device key and session. What is one
# phone's own (a message to a giver, a held book's full code, its news since its last visit) never
# reaches the other, whichever of them loads the page first, and its owner still sees it.


def _two_phones(app):
    from .test_books_pages import register_page, setup_box

    setup_box(app)
    giver = app.test_client()
    code = code_of(post_offer(giver, title="Deux chaises").get_data(as_text=True))
    register_page(giver)  # the registrant of CHV-0001: the giver, not A or B
    phone_a, phone_b = (_phone_with_token_and_device(app, code) for _ in range(2))
    keys = [{cookie.key: cookie.value for cookie in phone._cookies.values()} for phone in (phone_a, phone_b)]
    assert keys[0]["bl_device"] != keys[1]["bl_device"] and keys[0]["session"] != keys[1]["session"]
    return giver, code, phone_a, phone_b


def _page(phone, url):
    response = phone.get(url, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("a_first", [True, False], ids=["A loads first", "B loads first"])
def test_one_phones_own_never_reaches_another_phone_with_cookies(app, frozen_clock, a_first):
    from boxlocale.models import Book

    giver, code, phone_a, phone_b = _two_phones(app)
    # A reserves the giver's item with a message; A catches the book with its full code.
    page = _page(phone_a, f"/give/{code}")
    assert phone_a.post(f"/give/{code}/reserve", data={
        "csrf_token": csrf_token(page), "message": "Je passe à 18 h", "reserver_name": "Jules"}).status_code == 303
    with app.app_context():
        full = f"CHV-0001-{Book.get(Book.code == 'CHV-0001').check_part}"
    page = _page(phone_a, f"/b/{full}")
    assert phone_a.post("/books/CHV-0001/journal",
                        data={"csrf_token": csrf_token(page), "code": full, "kind": "caught"}).status_code == 303
    # A has news since its last visit: an answer under a wanted post of its own.
    wanted_code = code_of(post_offer(phone_a, title="Poussette pliable").get_data(as_text=True))
    _page(phone_a, "/")
    clock.advance(minutes=5)
    page = _page(phone_b, f"/give/{wanted_code}")
    assert phone_b.post(f"/give/{wanted_code}/reply", data={
        "csrf_token": csrf_token(page), "body": "Elle vous attend samedi.", "pseudonym": "Paulette"}).status_code == 303
    _page(phone_a, f"/give/{code}"), _page(phone_b, f"/give/{code}")  # the flashes are read
    pagecache.clear()

    urls = ["/", f"/give/{code}", "/books/CHV-0001", "/b/CHV-0001"]
    order = [(phone_a, phone_b) if a_first else (phone_b, phone_a)] * 2  # twice: stored, then shared
    pages = {"A": {}, "B": {}}
    for url in urls:
        for first, second in order:
            for phone in (first, second):
                pages["A" if phone is phone_a else "B"].setdefault(url, []).append(_page(phone, url))
    giver_page = _page(giver, f"/give/{code}")

    for url in urls:
        for seen in pages["B"][url]:
            assert "Je passe à 18 h" not in seen and full not in seen and "Depuis votre dernière visite" not in seen
            assert "Paulette" not in seen or url != "/"
    assert all("Depuis votre dernière visite" in seen and "Paulette" in seen for seen in pages["A"]["/"])
    assert all(f'name="code" value="{full}"' in seen for seen in pages["A"]["/books/CHV-0001"])
    assert all("par vous" in seen for seen in pages["A"][f"/give/{code}"])
    assert "Je passe à 18 h" in giver_page and "Réservé par Jules" in giver_page
    assert pagecache.stats()["shared"] > 0  # B's pages were still served shared


# Notice pages are shared like item pages: the driver's buttons, a hidden notice's reason and a manage
# link's page stay the poster's own, whoever loads first; the neighbours' views are served shared.


def _notice_id(response):
    return int(re.search(r'href="http://localhost/board/(\d+)/manage/', response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("driver_first", [True, False], ids=["the driver loads first", "a neighbour loads first"])
def test_one_phones_own_notice_page_never_reaches_another_phone(app, frozen_clock, driver_first):
    from boxlocale import settings

    from .board_factory import post_notice
    from .helpers import submit

    with app.app_context():
        settings.save({"moderation_words": ["montres"]})
    driver = app.test_client()
    posted = post_notice(driver, kind="carpool", title="Marché de Feurs", starts_at="2026-11-26T08:00",
                         place="Mairie", destination="Feurs", seats="3")
    carpool, manage_url = _notice_id(posted), re.search(r'href="http://localhost(/board/\d+/manage/[^"]+)"',
                                                        posted.get_data(as_text=True)).group(1)
    held = _notice_id(post_notice(driver, title="Vente de montres"))  # a review word: hidden, its author told
    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    phone_a, phone_b = (_phone_with_token_and_device(app, code) for _ in range(2))
    asked = submit(phone_b, f"/board/{carpool}", {"body": "Je monte à la mairie", "seat": "1"},
                   action=f"/board/{carpool}/reply")
    assert asked.status_code == 303
    app.test_client().get(manage_url)  # the manage link opened on another phone: its page is never stored
    _page(phone_b, f"/board/{carpool}"), _page(driver, f"/board/{carpool}")  # the flashes are read
    pagecache.clear()

    phones = [driver, phone_a, phone_b] if driver_first else [phone_a, phone_b, driver]
    seen = {id(phone): [] for phone in phones}
    for _ in range(2):  # stored, then shared
        for phone in phones:
            seen[id(phone)].append(_page(phone, f"/board/{carpool}"))
    before = pagecache.stats()["shared"]
    held_answers = [phone.get(f"/board/{held}").status_code for phone in (phone_a, phone_b)]
    held_page = _page(driver, f"/board/{held}")
    assert pagecache.stats()["shared"] == before  # a hidden notice is its author's alone

    for page in seen[id(driver)]:
        assert "Clore : c'est fait" in page and "Accepter ce passager" in page and "Je monte à la mairie" in page
    for phone in (phone_a, phone_b):
        for page in seen[id(phone)]:
            assert "Clore" not in page and "Accepter ce passager" not in page and "/manage/" not in page
            assert "Demander une place" in page and "Je monte à la mairie" in page
    assert held_answers == [404, 404] and "Annonce masquée" in held_page and "Vente de montres" in held_page
    assert pagecache.stats()["shared"] > 0  # the neighbours' second views came from the stored page


def test_a_new_notice_keeps_the_other_notices_pages_and_a_change_renders_afresh(app, frozen_clock):
    from .board_factory import post_notice
    from .helpers import submit

    poster = app.test_client()
    first = _notice_id(post_notice(poster, title="Je prête une échelle"))
    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    reader = _phone_with_token_and_device(app, code)
    notice_renders = _counting_renders(app, "board.notice")
    board_renders = _counting_renders(app, "board.index")
    item_renders = _counting_renders(app, "giveaway.item")
    pagecache.clear()
    for _ in range(2):
        _page(reader, f"/board/{first}"), _page(reader, "/board/"), _page(reader, f"/give/{code}")
    assert (len(notice_renders), len(board_renders), len(item_renders)) == (1, 1, 1)

    post_notice(app.test_client(), title="Cours de tricot")  # another notice, by a new phone
    post_offer(app.test_client(), title="Table de jardin")  # another item with its photo, by a new phone
    assert "Cours de tricot" in _page(reader, "/board/") and len(board_renders) == 2  # the listing shows it
    _page(reader, f"/board/{first}"), _page(reader, f"/give/{code}")
    assert (len(notice_renders), len(item_renders)) == (1, 1)  # each one's page is still the stored one

    replied = submit(app.test_client(), f"/board/{first}", {"body": "Je passe la prendre"},
                     action=f"/board/{first}/reply")
    assert replied.status_code == 303
    renders = len(notice_renders)
    assert "Je passe la prendre" in _page(reader, f"/board/{first}") and len(notice_renders) == renders + 1
    closed = submit(poster, f"/board/{first}", {}, action=f"/board/{first}/close")
    assert closed.status_code == 303
    _page(poster, f"/board/{first}")  # its flash is read
    renders = len(notice_renders)
    assert '<span class="status closed">Fait</span>' in _page(reader, f"/board/{first}")
    assert len(notice_renders) == renders + 1  # a change to the notice itself: rendered afresh


def test_an_upsert_counts_as_a_change_of_existing_rows(app, db):
    from boxlocale import db as box_db

    before = box_db.generation(("setting",), new_rows_kept=("setting",))
    with writing():
        Setting.replace(key="box_name", value='"La Boîte"').execute()  # INSERT OR REPLACE: a change
    after_replace = box_db.generation(("setting",), new_rows_kept=("setting",))
    with writing():
        Setting.insert(key="not_a_setting_yet", value="1").execute()  # a new row only
    assert after_replace > before
    assert box_db.generation(("setting",), new_rows_kept=("setting",)) == after_replace
    assert box_db.generation(("setting",)) > after_replace


def test_a_shared_item_page_is_the_page_each_phone_would_get_from_flask(app, frozen_clock):
    """Phones with a device key share the item page whether or not their phone has a pseudonym: the
    page must not depend on it (the reserve form's pseudonym field is there for both)."""
    code = code_of(post_offer(app.test_client(), title="Deux chaises").get_data(as_text=True))
    named = app.test_client()
    post_offer(named, title="Un vélo", pseudonym="Jules")  # a device key and a pseudonym
    unnamed = _phone_with_token_and_device(app, code)  # a device key, no pseudonym
    named.get(f"/give/{code}")  # its session holds a token now
    pagecache.clear()
    for first, second in ((named, unnamed), (unnamed, named)):
        pagecache.clear()
        stored = TOKEN_RE.sub("", _page(first, f"/give/{code}"))
        before = pagecache.stats()["shared"]
        shared = TOKEN_RE.sub("", _page(second, f"/give/{code}"))
        assert pagecache.stats()["shared"] == before + 1
        wsgi = app.wsgi_app
        app.wsgi_app = wsgi.next  # Flask renders, no stored page
        try:
            fresh = TOKEN_RE.sub("", _page(second, f"/give/{code}"))
        finally:
            app.wsgi_app = wsgi
        assert shared == fresh == stored and 'name="reserver_name"' in fresh


def test_a_phone_s_cookies_are_read_once_but_a_flood_of_long_made_up_ones_is_not_kept(app):
    layer = app.wsgi_app
    phone = app.test_client()
    phone.get("/give/")
    phone.get("/give/")  # stored now: the WSGI layer answers, reading the cookies it remembered
    phone.set_cookie("lang", "en")
    phone.get("/give/")
    assert {"lang": "en"} in layer.cookie_headers.values()
    flood = app.test_client()
    flood.set_cookie("lang", "x" * pagecache.MAX_REMEMBERED_HEADER)
    assert flood.get("/give/").status_code == 200
    assert all(len(header) <= pagecache.MAX_REMEMBERED_HEADER for header in layer.cookie_headers)



def test_a_remembered_session_is_each_requests_own_and_expires_when_flask_would_refuse_it(app, frozen_clock):
    """A phone's session cookie is verified once (RememberedSessions): each fresh render still gets its
    own session (a message left in it shows on the next page, and not on the one after), its token
    still posts, and a cookie past the session's lifetime is refused as Flask refuses it."""
    import time

    code = code_of(post_offer(app.test_client()).get_data(as_text=True))
    phone = app.test_client()
    phone.set_cookie("bench_fresh", "1")  # renders afresh
    token = csrf_token(phone.get(f"/give/{code}").get_data(as_text=True))
    cookie = phone.get_cookie("session").value
    assert token and csrf_token(phone.get(f"/give/{code}").get_data(as_text=True)) == token
    remembered = dict(app.session_interface.known[cookie][0])
    assert phone.post(f"/give/{code}/reserve", data={"csrf_token": token}).status_code == 303
    assert "Réservé pour vous" in phone.get(f"/give/{code}").get_data(as_text=True)  # the flash, once
    assert "Réservé pour vous" not in phone.get(f"/give/{code}").get_data(as_text=True)
    assert app.session_interface.known[cookie][0] == remembered == {"csrf_token": remembered["csrf_token"]}
    late = time.time() + app.permanent_session_lifetime.total_seconds() + 10
    old = app.test_client()
    old.set_cookie("session", cookie)
    old.set_cookie("bench_fresh", "1")
    real_time = time.time
    try:
        time.time = lambda: late  # the cookie's lifetime is over: Flask would refuse it
        page = old.get(f"/give/{code}").get_data(as_text=True)
    finally:
        time.time = real_time
    assert csrf_token(page) != token and old.get_cookie("session").value != cookie  # a new session
