"""The shelf's rules: ISBN checks, the journal and the status it gives a book, search and listings."""

from datetime import timedelta

import pytest

from boxlocale import clock, listing, settings
from boxlocale.books import rules
from boxlocale.devices import Actor
from boxlocale.errors import Forbidden, RateLimited, ValidationError
from boxlocale.models import Book, JournalEntry

from .books_factory import phone, register, write


@pytest.mark.parametrize("typed, stored", [
    ("978-2-07-040850-4", "9782070408504"),
    ("978 2 253 00461 5", "9782253004615"),
    ("2-07-036024-5", "2070360245"),
    ("0-8044-2957-x", "080442957X"),
    ("", ""),
])
def test_good_isbns_are_stored_normalized(typed, stored):
    assert rules.clean_isbn(typed) == stored


@pytest.mark.parametrize("typed", ["978-2-07-040850-5", "2-07-036024-9", "12345", "97820704085O4",
                                   "0-8044-2957-1", "1234567890123", "X-8044-2957-0"])
def test_wrong_isbns_are_refused_on_their_field(typed):
    with pytest.raises(ValidationError) as refused:
        rules.clean_isbn(typed)
    assert "isbn" in refused.value.fields


def test_registering_checks_every_field_at_once(app, db):
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            register(title=" ", isbn="123", language="klingon", note="x" * 1001)
    assert set(refused.value.fields) == {"title", "isbn", "language", "note"}
    assert Book.select().count() == 0


def test_a_registered_book_is_on_the_shelf(app, db, frozen_clock):
    with app.test_request_context():
        book = register(title="  Le   Grand Meaulnes ", author="Alain-Fournier", language="fr",
                        isbn="978-2-253-00461-5", pseudonym="Nadia")
    assert (book.title, book.status, book.catches, book.isbn) == ("Le Grand Meaulnes", "on_shelf", 0, "9782253004615")
    assert book.pseudonym == "Nadia" and book.created_at == clock.now()


def test_caught_then_released_elsewhere_then_back_here(app, db, frozen_clock):
    with app.test_request_context():
        settings.save({"box_name": "Box de Chavenay"})
        book = register()
        caught = write(book, "caught")
        assert (book.status, book.catches, caught.place) == ("travelling", 1, "Box de Chavenay")
        clock.advance(days=3)
        write(book, "released", where="Café de la Gare")
        assert book.status == "travelling"
        write(book, "caught", where="Café de la Gare")
        assert (book.status, book.catches) == ("travelling", 2)
        clock.advance(days=3)
        back = write(book, "released")  # an empty place is this box: you can only reach it near it
        assert (book.status, back.place) == ("on_shelf", "Box de Chavenay")
        assert Book.get_by_id(book.id).updated_at == clock.now()  # "just arrived" sorts on it
        for where in ("ici", "HERE", "box de chavenay"):
            write(book, "caught")
            write(book, "released", where=where)
            assert book.status == "on_shelf", where


def test_the_here_flag_decides_when_given(app, db):
    with app.test_request_context():
        book = register()
        write(book, "caught")
        write(book, "released", here=False)  # "somewhere else", place not given
        assert book.status == "travelling"
        write(book, "caught")
        write(book, "released", here="true")
        assert book.status == "on_shelf"


def test_comments_do_not_move_the_book(app, db, frozen_clock):
    with app.test_request_context():
        book = register()
        clock.advance(hours=2)
        entry = write(book, "comment", full=False, note="Magnifique.", rating="5")
    assert (entry.rating, entry.note) == (5, "Magnifique.")
    book = Book.get_by_id(book.id)
    assert (book.status, book.catches, book.updated_at) == ("on_shelf", 0, book.created_at)


def test_moving_a_book_needs_the_full_code(app, db):
    with app.test_request_context():
        book = register()
        for kind in ("caught", "released"):
            with pytest.raises(Forbidden) as refused:
                write(book, kind, full=False)
            assert "code" in refused.value.fields
    assert JournalEntry.select().count() == 0
    assert Book.get_by_id(book.id).status == "on_shelf"


@pytest.mark.parametrize("fields, bad", [
    ({"kind": "stolen"}, "kind"), ({"kind": "comment", "rating": "6"}, "rating"),
    ({"kind": "comment", "rating": "bof"}, "rating"), ({"kind": "comment", "where": "x" * 121}, "where"),
    ({"kind": "caught", "pseudonym": "Admin"}, "pseudonym"),
])
def test_wrong_entries_are_refused_on_their_field(app, db, fields, bad):
    with app.test_request_context():
        book = register()
        with pytest.raises(ValidationError) as refused:
            rules.add_entry(rules.get_book(rules.full_code(book), Actor()), Actor(device=phone()), fields)
    assert bad in refused.value.fields
    assert Book.get_by_id(book.id).status == "on_shelf"


def test_review_words_hold_the_words_but_the_move_happened(app, db):
    with app.test_request_context():
        settings.save({"moderation_words": ["arnaque"]})
        book = register()
        book = rules.get_book(rules.full_code(book), Actor())
        entry, held = rules.add_entry(book, Actor(device=phone()), {"kind": "caught", "note": "Une arnaque ce livre"})
        assert held and entry.hidden and book.status == "travelling"
        assert rules.journal(book) == []
        held_book, held = rules.register(Actor(device=phone()), {"title": "L'arnaque du siècle"})
        assert held and held_book.hidden


def test_journal_entries_are_rate_limited_per_phone(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.9"}):
        settings.save({"replies_per_hour": 2, "posts_per_hour": 1})
        book, actor = register(), Actor(device=phone())
        write(book, "comment", actor=actor, full=False)
        write(book, "comment", actor=actor, full=False)
        with pytest.raises(RateLimited):
            write(book, "comment", actor=actor, full=False)
        with pytest.raises(RateLimited):
            register(actor=actor)
            register(actor=actor)


def test_journey_counts_hands_and_places(app, db):
    with app.test_request_context():
        settings.save({"box_name": "Box de Chavenay"})
        owner = Actor(device=phone("Martine"))
        book = register(actor=owner)
        lucie = Actor(device=phone("Lucie"))
        write(book, "caught", actor=lucie)
        write(book, "released", actor=lucie, where="Gare de Plaisir")
        write(book, "comment", actor=lucie, full=False, where="chez moi")
        write(book, "caught", where="Gare de Plaisir")
        write(book, "released")
        entries = rules.journal(book)
    assert [entry.kind for entry in entries] == ["caught", "released", "comment", "caught", "released"]
    assert rules.journey(book, entries) == {"hands": 3, "places": ["Box de Chavenay", "Gare de Plaisir"]}


def _titles(books):
    return [book.title for book in books]


def test_search_by_title_or_author_ignores_accents_and_case(app, db):
    with app.test_request_context():
        register(title="Les Misérables", author="Victor Hugo")
        register(title="Germinal", author="Émile Zola")
        register(title="Notre-Dame de Paris", author="Victor Hugo", language="fr")
        assert sorted(_titles(rules.search("hugo")[0])) == ["Les Misérables", "Notre-Dame de Paris"]
        assert _titles(rules.search("miserables")[0]) == ["Les Misérables"]
        assert _titles(rules.search("EMILE zol")[0]) == ["Germinal"]  # word prefixes match
        assert _titles(rules.search("hugo notre")[0]) == ["Notre-Dame de Paris"]  # every word
        assert _titles(rules.search('"zola" OR *')[0]) == []  # FTS syntax is taken as plain words
        assert _titles(rules.search("hugo", language="fr")[0]) == ["Notre-Dame de Paris"]


def test_search_falls_back_to_like_without_fts5(app, db, monkeypatch):
    monkeypatch.setattr(listing, "has_table", lambda name: False)
    with app.test_request_context():
        register(title="Les Misérables", author="Victor Hugo")
        register(title="Germinal", author="Émile Zola")
        assert _titles(rules.search("hugo")[0]) == ["Les Misérables"]
        assert _titles(rules.search("100%")[0]) == []


def test_shelf_views(app, db, frozen_clock):
    with app.test_request_context():
        old = register(title="Ancien")
        clock.advance(days=1)
        new = register(title="Nouveau")
        clock.advance(days=1)
        traveller = register(title="Voyageur")
        for _ in range(3):
            write(traveller, "caught")
            write(traveller, "released", where="Ailleurs")
        clock.advance(days=1)
        write(old, "caught")
        write(old, "released")  # back on the shelf today: it "just arrived"
        hidden = register(title="Caché")
        Book.update(hidden=True).where(Book.id == hidden.id).execute()
        assert _titles(rules.search(view="shelf")[0]) == ["Ancien", "Nouveau"]
        assert _titles(rules.search(view="arrived")[0]) == ["Ancien", "Nouveau"]
        assert _titles(rules.search(view="travelled")[0])[0] == "Voyageur"
        assert _titles(rules.search(view="all")[0]) == ["Voyageur", "Nouveau", "Ancien"]
        assert _titles(rules.search(view="all", status="travelling")[0]) == ["Voyageur"]
        assert new.status == "on_shelf"


def test_listing_pages(app, db):
    with app.test_request_context():
        for number in range(5):
            register(title=f"Livre {number}")
        first, next_page = rules.search(view="all", page=1, page_size=3)
        second, last = rules.search(view="all", page=2, page_size=3)
    assert (len(first), next_page, len(second), last) == (3, 2, 2, None)


def test_books_registered_today_are_this_phones_or_all_for_volunteers(app, db, frozen_clock):
    with app.test_request_context():
        mine, other = Actor(device=phone()), Actor(device=phone())
        yesterday = register(actor=mine, title="Hier")
        Book.update(created_at=clock.now() - timedelta(days=1)).where(Book.id == yesterday.id).execute()
        register(actor=mine, title="Aujourd'hui")
        register(actor=other, title="Chez le voisin")
        assert _titles(rules.registered_today(mine)) == ["Aujourd'hui"]
        assert _titles(rules.registered_today(Actor(volunteer="v"))) == ["Aujourd'hui", "Chez le voisin"]
        assert rules.registered_today(Actor()) == []


def test_home_page_news_link_to_the_book(app, db):
    with app.test_request_context():
        book = register(title="Germinal")
        assert rules.latest(4)[0].code == book.code


def test_demo_books_have_journeys(app, db):
    from boxlocale.books import demo

    with app.app_context():
        settings.save({"book_prefix": "CHV", "box_name": "Box Locale de Chavenay"})
        demo.load()
        books = {book.title: book for book in Book.select()}
    assert 6 <= len(books) <= 8
    verne = books["Le Tour du monde en quatre-vingts jours"]
    assert (verne.status, verne.catches) == ("on_shelf", 2)
    assert books["Contes du lundi"].status == "travelling"
    assert books["Vingt mille lieues sous les mers"].code == "VRS-0087"
    assert JournalEntry.select().count() >= 6
    assert rules.search(view="arrived")[0][0].title == "Vingt mille lieues sous les mers"


def test_no_catch_is_lost_when_many_log_at_once(app):
    import threading

    from boxlocale.db import close_connection, database

    with app.test_request_context():
        database.connect(reuse_if_open=True)
        book = register()
        actors = [Actor(device=phone(), volunteer="test") for _ in range(10)]
        close_connection()
    start, failures = threading.Barrier(len(actors)), []

    def catch(actor):
        with app.test_request_context():
            database.connect(reuse_if_open=True)
            try:
                # each phone read the page before the others wrote
                stale = rules.get_book(rules.full_code(book), actor)
                start.wait()
                rules.add_entry(stale, actor, {"kind": "caught"})
            except Exception as error:  # collected: an exception in a thread would not fail the test
                failures.append(error)
            finally:
                close_connection()

    threads = [threading.Thread(target=catch, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Book.get_by_id(book.id).catches == 10
        close_connection()


def test_the_book_rules_decide_full_code_elsewhere_and_the_moves(app, db, frozen_clock):
    with app.app_context():
        owner = Actor(device=phone())
        book = register(owner)
        assert rules.full_code_given(book, rules.full_code(book))
        assert not rules.full_code_given(book, book.code) and not rules.full_code_given(book, "")
        assert rules.allowed_moves(book, owner) == {"comment", "label"}
        assert not rules.get_book(book.code, owner).found_by_full_code
        by_label = rules.get_book(rules.full_code(book), Actor(device=phone()))
        assert rules.allowed_moves(by_label, Actor(device=phone())) == {"comment", "caught", "released"}
        assert rules.get_book(book.code, owner, full_code=rules.full_code(book)).found_by_full_code
        assert not rules.get_book(book.code, owner, full_code=book.code + "-ZZ").found_by_full_code
        with pytest.raises(Forbidden):
            rules.add_entry(rules.get_book(book.code, owner), owner, {"kind": "caught"})
        write(book, "released", place="elsewhere", where="")  # "somewhere else", no place typed
        assert rules.get_book(book.code, owner).status == "travelling"


def test_a_catch_of_my_book_is_news_since_my_last_visit(app, db, frozen_clock):
    """The registrant's "since your last visit" names the book, links it and says who caught it; its
    own catch is no news."""
    from boxlocale.people import mine

    with app.test_request_context():
        registrant = Actor(device=phone(pseudonym="Margot", created_at=clock.now()))
        book = register(registrant, title="Germinal")
        frozen_clock.advance(minutes=5)
        write(book, "caught", actor=registrant)
        write(book, "caught", actor=Actor(device=phone(pseudonym="Paul")), pseudonym="Paul")
        news = [entry for entry in mine.news_since(registrant.device) if entry["kind"] == "book_caught"]
    assert [(entry["title"], entry["url"], entry["who"]) for entry in news] == [
        ("Germinal", f"/books/{book.code}", "Paul")]
    assert news[0]["when"] == clock.now()
