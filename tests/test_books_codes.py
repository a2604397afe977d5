"""Book codes: prefix + serial + secret check part; typed codes forgive case, hyphens and confusables;
serials stay unique when many phones register at once."""

import threading

import pytest

from boxlocale import codes, settings
from boxlocale.books import rules
from boxlocale.db import close_connection, database
from boxlocale.devices import Actor
from boxlocale.errors import Conflict, NotFound, ValidationError
from boxlocale.models import Book

from .books_factory import phone, register


def found(typed, include_hidden=False):
    """(book, found by its full code) for a typed code."""
    book = rules.find_book(typed, include_hidden)
    return book, book.found_by_full_code


def test_codes_are_the_box_prefix_a_padded_serial_and_a_secret_check_part(app, db):
    with app.test_request_context():
        settings.save({"book_prefix": "CHV"})
        first, second = register(), register()
    assert (first.code, second.code) == ("CHV-0001", "CHV-0002")
    for book in (first, second):
        assert len(book.check_part) == 4 and codes.is_valid(book.check_part)
        assert rules.full_code(book) == f"{book.code}-{book.check_part}"


def test_check_parts_come_from_a_secure_random_source(app, db):
    parts = {codes.new_check_part() for _ in range(400)}
    assert len(parts) > 395  # a million possible values: a fixed or tiny set would show here
    assert all(codes.is_valid(part) and len(part) == 4 for part in parts)


def test_serials_continue_past_9999_and_restart_with_a_new_prefix(app, db):
    with app.test_request_context():
        settings.save({"book_prefix": "CHV"})
        Book.create(code="CHV-9999", check_part="AB", title="x", created_at=rules.clock.now(),
                    updated_at=rules.clock.now())
        assert register().code == "CHV-10000"
        assert register().code == "CHV-10001"
        settings.save({"book_prefix": "FTN"})
        assert register().code == "FTN-0001"


@pytest.mark.parametrize("typed", ["CHV-0042-K7", "chv-0042-k7", "chv0042k7", " CHV 0042 K7 ", "chv-oo42-k7"])
def test_a_full_code_is_found_however_it_is_typed(app, db, typed):
    with app.test_request_context():
        settings.save({"book_prefix": "CHV"})
        book = Book.create(code="CHV-0042", check_part="K7", title="Germinal", created_at=rules.clock.now(),
                           updated_at=rules.clock.now())
        book_found, full = found(typed)
    assert book_found.id == book.id and full is True


def test_confusable_letters_in_the_prefix_and_check_part(app, db):
    """BOX (the default prefix) has an O; a check part typed with I or L reads as 1."""
    with app.test_request_context():
        book = Book.create(code="BOX-0007", check_part="1Z", title="x", created_at=rules.clock.now(),
                           updated_at=rules.clock.now())
        for typed in ("b0x-0007-1z", "BOX0007IZ", "box-OOO7-lz"):
            book_found, full = found(typed)
            assert (book_found.id, full) == (book.id, True), typed
        assert found("b0x-0007") == (book, False)


def test_the_public_code_or_a_wrong_check_part_is_not_the_full_code(app, db):
    with app.test_request_context():
        book = Book.create(code="CHV-0042", check_part="K7", title="x", created_at=rules.clock.now(),
                           updated_at=rules.clock.now())
        assert found("CHV-0042") == (book, False)
        assert found("chv0042") == (book, False)
        assert found("CHV-0042-K8") == (book, False)
        with pytest.raises(NotFound):
            found("CHV-0043-K7")
        with pytest.raises(NotFound):
            found("")


def test_check_part_ending_in_digits_without_hyphens(app, db):
    """CHV004277 is serial 0042 with check part 77 (or serial 004277): the database decides."""
    with app.test_request_context():
        book = Book.create(code="CHV-0042", check_part="77", title="x", created_at=rules.clock.now(),
                           updated_at=rules.clock.now())
        assert found("CHV004277") == (book, True)


def test_hidden_books_are_not_found_except_for_volunteers(app, db):
    with app.test_request_context():
        book = register(title="x")
        Book.update(hidden=True).where(Book.id == book.id).execute()
        with pytest.raises(NotFound):
            found(book.code)
        assert found(book.code, include_hidden=True)[0].id == book.id


def test_a_book_from_another_box_keeps_its_code(app, db):
    with app.test_request_context():
        settings.save({"book_prefix": "CHV"})
        book = register(title="Vingt mille lieues sous les mers", code="lys-0012-k7")
        assert (book.code, book.check_part) == ("LYS-0012", "K7")
        assert found("LYS0012K7") == (book, True)
        assert register().code == "CHV-0001"  # this box's serials are not disturbed
        with pytest.raises(Conflict):
            register(title="again", code="LYS-0012-K7")
        for wrong in ("LYS-0012", "CHV-0099-AB", "X-0012-AB", "LYS-0012-ABC"):
            with pytest.raises(ValidationError) as refused:
                register(title="x", code=wrong)
            assert "code" in refused.value.fields


def test_serials_are_unique_when_many_register_at_once(app):
    """Twelve phones registering at the same moment: each gets its own serial."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        settings.save({"book_prefix": "CHV"})
        actors = [Actor(device=phone(), volunteer="test") for _ in range(12)]
        close_connection()
    made, failures = [], []
    start = threading.Barrier(len(actors))

    def register_one(actor):
        with app.test_request_context():
            database.connect(reuse_if_open=True)
            try:
                start.wait()
                made.append(rules.register(actor, {"title": "Germinal"})[0].code)
            except Exception as error:  # collected: an exception in a thread would not fail the test
                failures.append(error)
            finally:
                close_connection()

    threads = [threading.Thread(target=register_one, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(made) == [f"CHV-{n:04d}" for n in range(1, 13)]


def test_candidates_of_a_typed_code():
    assert codes.book_code_candidates("chv-0042-k7") == [("CHV0042", "K7")]
    assert codes.book_code_candidates("CHV-0042") == [("CHV0042", None)]
    assert codes.book_code_candidates("C") == []
    assert codes.parse_full_book_code("lys 12 ab") == ("LYS-12", "AB")
    assert codes.parse_full_book_code("LYS-12") is None
