"""A phone's own corner, in process: "my posts" with its buttons, the recovery code that brings them to
another phone, answers under give-box items, the reserver's message to the giver, "since your last
visit" on the home page, and the author of a hidden post seeing why."""

import re

from boxlocale import clock, settings
from boxlocale.models import Device, Item

from .helpers import submit
from .test_giveaway_pages import code_of, post_offer


def submit_fields(phone, action, page, **fields):
    """helpers.submit with the fields as keywords (the form is read on ``page``, posted to ``action``)."""
    return submit(phone, page, fields, action=action)


def phone(app):
    return app.test_client()


def post_notice(client, **fields):
    data = {"kind": "offer", "category": "", "title": "Je prête une tondeuse", "body": "Thermique, récente."}
    data.update(fields)
    return submit_fields(client, "/board/new", "/board/new", **data)


def post_wanted(client, title="Poussette pliable"):
    response = submit_fields(client, "/give/wanted", "/give/wanted", title=title, category="enfants", where="in_box")
    return code_of(response.get_data(as_text=True))


def test_my_posts_lists_what_this_phone_posted_with_its_buttons(app):
    giver, other = phone(app), phone(app)
    offer = code_of(post_offer(giver, title="Chaise paillée", pseudonym="Martine").get_data(as_text=True))
    wanted = post_wanted(giver)
    post_notice(giver)
    post_offer(other, title="Table de jardin")

    html = giver.get("/mine").get_data(as_text=True)
    assert "Chaise paillée" in html and "Poussette pliable" in html and "Je prête une tondeuse" in html
    assert "Table de jardin" not in html  # another phone's
    assert f'action="/give/{offer}/withdraw"' in html and f'action="/give/{offer}/renew"' in html
    assert f'action="/give/{wanted}/taken"' in html
    assert f'action="/give/{offer}/reserve"' not in html  # one's own item is not reserved
    assert re.search(r'action="/board/\d+/close"', html)
    assert "0 réponse" in html

    # A phone that never posted is told so, and offered the recovery form.
    fresh = phone(app).get("/mine").get_data(as_text=True)
    assert "n’a encore rien publié" in fresh or "n'a encore rien publié" in fresh
    assert 'href="/mine/recover"' in fresh


def test_my_posts_shows_what_i_reserved(app):
    giver, taker = phone(app), phone(app)
    code = code_of(post_offer(giver, title="Chaise paillée").get_data(as_text=True))
    submit_fields(taker, f"/give/{code}/reserve", f"/give/{code}")
    html = taker.get("/mine").get_data(as_text=True)
    assert "Ce que j’ai réservé" in html or "Ce que j'ai réservé" in html
    assert f'action="/give/{code}/release"' in html and "Chaise paillée" in html


def test_a_recovery_code_brings_the_posts_to_another_phone(app):
    old, new = phone(app), phone(app)
    code = code_of(post_offer(old, title="Chaise paillée").get_data(as_text=True))
    page = submit_fields(old, "/mine/recovery", "/mine")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    recovery = re.search(r'class="recovery-code"><code>([0-9A-Z-]+)</code>', page.get_data(as_text=True)).group(1)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", recovery)
    assert Device.select().where(Device.recovery_hash.is_null(False)).count() == 1

    # Wrong code: a clear message in French, nothing changes.
    wrong = submit_fields(new, "/mine/recover", "/mine/recover", code="AAAA-BBBB-CCCC")
    assert wrong.status_code == 400 and 'id="e-code"' in wrong.get_data(as_text=True)
    assert "Chaise paillée" not in new.get("/mine").get_data(as_text=True)

    # Typed by hand, lower case, O for 0 and no hyphens: still the code.
    typed = recovery.lower().replace("-", " ").replace("0", "o")
    done = submit_fields(new, "/mine/recover", "/mine/recover", code=typed)
    assert done.status_code == 303 and done.headers["Location"].endswith("/mine")
    html = new.get("/mine").get_data(as_text=True)
    assert "Chaise paillée" in html and f'action="/give/{code}/withdraw"' in html
    # The lost phone no longer manages them.
    assert f'action="/give/{code}/withdraw"' not in old.get(f"/give/{code}").get_data(as_text=True)


def test_recovery_is_rate_limited(app):
    guesser = phone(app)
    statuses = [submit_fields(guesser, "/mine/recover", "/mine/recover", code="AAAA-BBBB-CCCC").status_code
                for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_the_posted_page_no_longer_says_photograph_the_code(app):
    html = post_offer(phone(app)).get_data(as_text=True)
    assert "photographi" not in html.lower() and "Mes annonces" in html


def test_i_have_one_under_a_wanted_post_and_the_asker_sees_it_on_the_home_page(app, frozen_clock):
    asker, neighbour = phone(app), phone(app)
    code = post_wanted(asker)
    asker.get("/")  # a visit: nothing new yet
    assert "Depuis votre dernière visite" not in asker.get("/").get_data(as_text=True)

    item_page = neighbour.get(f"/give/{code}").get_data(as_text=True)
    assert "J’en ai une" in item_page or "J'en ai un" in item_page
    clock.advance(minutes=5)
    empty = submit_fields(neighbour, f"/give/{code}/reply", f"/give/{code}", body="  ")
    assert empty.status_code == 400 and 'id="e-body"' in empty.get_data(as_text=True)
    answer = submit_fields(neighbour, f"/give/{code}/reply", f"/give/{code}",
                       body="J'en ai une dans mon garage, passez samedi.", pseudonym="Paulette")
    assert answer.status_code == 303
    page = neighbour.get(f"/give/{code}").get_data(as_text=True)
    assert "passez samedi" in page and "Paulette" in page

    home = asker.get("/").get_data(as_text=True)
    assert "Depuis votre dernière visite" in home and "Poussette pliable" in home and "Paulette" in home
    # Reading writes nothing; "Got it" moves the mark, and the list is gone until something new.
    assert Device.get(Device.pseudonym.is_null()).seen_at is None
    submit_fields(asker, "/seen", "/", next="/")
    assert "Depuis votre dernière visite" not in asker.get("/").get_data(as_text=True)


def test_a_reservation_shows_the_reserver_and_their_message_to_the_giver_only(app):
    giver, taker, passer_by = phone(app), phone(app), phone(app)
    code = code_of(post_offer(giver, title="Deux chaises").get_data(as_text=True))
    assert "Le réserver" not in taker.get(f"/give/{code}").get_data(as_text=True)
    too_long = submit_fields(taker, f"/give/{code}/reserve", f"/give/{code}", message="x" * 201)
    assert too_long.status_code == 400 and 'id="e-message"' in too_long.get_data(as_text=True)
    assert Item.get(Item.code == code).status == "available"
    done = submit_fields(taker, f"/give/{code}/reserve", f"/give/{code}", message="Je passe à 18 h", reserver_name="Jules")
    assert done.status_code == 303

    giver_page = giver.get(f"/give/{code}").get_data(as_text=True)
    assert "Réservé par Jules" in giver_page and "Je passe à 18 h" in giver_page
    assert "Je passe à 18 h" not in passer_by.get(f"/give/{code}").get_data(as_text=True)
    mine_page = giver.get("/mine").get_data(as_text=True)
    assert "Réservé par Jules" in mine_page and "Je passe à 18 h" in mine_page
    home = giver.get("/").get_data(as_text=True)
    assert "Quelqu’un a réservé votre objet" in home or "Quelqu'un a réservé votre objet" in home
    # Cancelled: the message goes with the reservation.
    submit_fields(taker, f"/give/{code}/release", f"/give/{code}")
    assert Item.get(Item.code == code).reserve_message == ""


def test_a_hidden_post_tells_its_author_why(app):
    with app.app_context():
        settings.save({"report_threshold": 1})
    author, reporter = phone(app), phone(app)
    response = post_notice(author, title="Vends canapé")
    assert response.status_code == 201
    notice_id = re.search(r'href="/board/(\d+)"', response.get_data(as_text=True)).group(1)
    submit_fields(reporter, "/report", f"/report?target=notice:{notice_id}", target=f"notice:{notice_id}",
              preset="not_a_gift", reason="Il le vend 50 euros")
    assert reporter.get(f"/board/{notice_id}").status_code == 404
    page = author.get(f"/board/{notice_id}").get_data(as_text=True)
    assert "Annonce masquée" in page and "Pas un don (quelque chose à vendre)" in page
    assert "50 euros" not in page  # the reporter's words are for the volunteers
    assert "Annonce masquée" in author.get("/mine").get_data(as_text=True)


def test_a_caught_book_is_released_from_the_same_phone_without_the_code_and_the_registrant_hears_of_it(app):
    from boxlocale.models import Book

    from .books_factory import full_codes, submit_form

    registrant, reader, stranger = phone(app), phone(app), phone(app)
    submit_form(registrant, "/books/new", {"title": "Germinal", "author": "Émile Zola", "language": "fr",
                                           "then": "label"})
    with app.app_context():
        book = Book.get()
        full = f"{book.code}-{book.check_part}"
    registrant.get("/")
    caught = submit_form(reader, f"/b/{full}", {"kind": "caught", "code": full, "pseudonym": "Lou"},
                         action=f"/books/{book.code}/journal")
    assert caught.status_code == 303
    # The same phone, back on the book's public page: the "I am leaving it" button, no code to type.
    page = reader.get(f"/books/{book.code}").get_data(as_text=True)
    assert 'value="released"' in page and full_codes(page) == [full]
    assert "Entre vos mains" in reader.get("/mine").get_data(as_text=True)
    # Another phone sees no such button and no full code.
    other = stranger.get(f"/books/{book.code}").get_data(as_text=True)
    assert 'value="released"' not in other and not full_codes(other)
    released = submit_form(reader, f"/books/{book.code}", {"kind": "released", "code": full, "place": "here"},
                           action=f"/books/{book.code}/journal")
    assert released.status_code == 303
    with app.app_context():
        assert Book.get().status == "on_shelf"
    assert "Entre vos mains" not in reader.get("/mine").get_data(as_text=True)
    home = registrant.get("/").get_data(as_text=True)
    assert "Quelqu'un a attrapé un livre que vous avez enregistré" in home and "Germinal" in home


def test_a_new_offer_matching_my_request_shows_on_my_next_visit(app, frozen_clock):
    asker, giver = phone(app), phone(app)
    post_wanted(asker, title="Poussette")
    asker.get("/")
    clock.advance(minutes=10)
    post_offer(giver, title="Poussette pliable bleue")
    home = asker.get("/").get_data(as_text=True)
    assert "Un nouveau don correspond à votre recherche" in home and "Poussette pliable bleue" in home


def test_my_reservation_ends_soon_shows_on_the_home_page(app, frozen_clock):
    giver, taker = phone(app), phone(app)
    code = code_of(post_offer(giver, title="Chaise paillée").get_data(as_text=True))
    submit_fields(taker, f"/give/{code}/reserve", f"/give/{code}")
    assert "finit bientôt" not in taker.get("/").get_data(as_text=True)  # 24 hours to go
    clock.advance(hours=23)
    home = taker.get("/").get_data(as_text=True)
    assert "Votre réservation finit bientôt" in home and "Chaise paillée" in home


def device_id_of(client):
    """The device behind a test client's key cookie."""
    from boxlocale.devices import COOKIE, hash_key

    return Device.get(Device.key_hash == hash_key(client.get_cookie(COOKIE).value)).id


def test_a_phone_that_joined_a_draw_sees_whether_it_won_since_its_last_visit(app, frozen_clock):
    giver, lili, max_ = phone(app), phone(app), phone(app)
    code = code_of(post_offer(giver, title="Vélo très demandé", draw="1").get_data(as_text=True))
    for neighbour, word in ((lili, "Lili"), (max_, "Max")):
        assert submit_fields(neighbour, f"/give/{code}/draw/interested", f"/give/{code}", word=word).status_code == 303
        neighbour.get("/")  # (the flash of joining)
        assert "h-since" not in neighbour.get("/").get_data(as_text=True)  # not drawn yet: no news
    clock.advance(hours=25)
    giver.get("/")  # the first request after the window draws
    won_by = Item.get(Item.code == code).reserved_by_id
    winner, loser = (lili, max_) if won_by == device_id_of(lili) else (max_, lili)
    marks = [device.seen_at for device in Device.select().order_by(Device.id)]

    won = winner.get("/").get_data(as_text=True)
    assert "Vous avez gagné le tirage : il vous est réservé" in won and "Vélo très demandé" in won
    lost = loser.get("/").get_data(as_text=True)
    assert "Le tirage ne vous a pas désigné cette fois" in lost and "Vous avez gagné" not in lost
    english = winner.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You won the draw: it is reserved for you" in english
    # Reading writes nothing: the marks have not moved and the news is still there; "Got it" clears it.
    assert [device.seen_at for device in Device.select().order_by(Device.id)] == marks
    assert "Vous avez gagné le tirage" in winner.get("/").get_data(as_text=True)
    submit_fields(winner, "/seen", "/", next="/")
    assert "h-since" not in winner.get("/").get_data(as_text=True)

    submit_fields(loser, "/seen", "/", next="/")
    clock.advance(minutes=5)
    assert submit_fields(winner, f"/give/{code}/release", f"/give/{code}").status_code == 303  # the winner lets go
    passed = loser.get("/").get_data(as_text=True)
    assert "Le gagnant y a renoncé : il vous est réservé" in passed and "Vélo très demandé" in passed
    assert Item.get(Item.code == code).reserved_by_id == device_id_of(loser)
    english = loser.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The winner let it go: it is reserved for you" in english
    gone = winner.get("/").get_data(as_text=True)
    assert "Votre tour au tirage est passé : l'objet est allé au suivant de la liste" in gone
