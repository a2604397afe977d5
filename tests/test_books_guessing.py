"""A book's secret part cannot be found by trying codes; every prefix the settings allow works."""

import pytest

from boxlocale import codes, settings
from boxlocale.books import rules
from boxlocale.models import Book

from .books_factory import register
from .helpers import api_headers


def _old_label_book(app):
    """A book registered before the secret part grew: two characters on its label."""
    with app.test_request_context():
        settings.save({"book_prefix": "CHV"})
        book = register(title="Germinal")
        Book.update(check_part="K7").where(Book.id == book.id).execute()
    return book.code


def test_trying_secret_parts_meets_a_429_long_before_the_secret(app, client):
    code = _old_label_book(app)
    tries = [f"{code}-{a}{b}" for a in codes.ALPHABET for b in codes.ALPHABET if f"{a}{b}" != "K7"]
    statuses = []
    for typed in tries[:100]:
        answer = client.get(f"/b/{typed}")
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    # A phone without a cookie (a laptop dropping it): held by its address.
    assert statuses[-1] == 429 and len(statuses) == rules.WRONG_CODES_PER_ADDRESS + 1
    assert int(answer.headers["Retry-After"]) > 0
    assert "Trop de codes de livre erronés" in answer.get_data(as_text=True)
    english = client.get(f"/b/{tries[200]}", headers={"Accept-Language": "en"})
    assert english.status_code == 429 and "Too many wrong book codes" in english.get_data(as_text=True)
    # Another address is not held up by this one (a phone without cookie: no device either).
    assert client.get(f"/b/{code}-K7", environ_base={"REMOTE_ADDR": "10.42.0.9"}).status_code == 200


def test_a_phone_with_its_key_is_held_sooner(app, client):
    code = _old_label_book(app)
    headers = api_headers(client)
    statuses = [client.get(f"/api/v1/books/{code}-Z{codes.ALPHABET[n]}", headers=headers).status_code
                for n in range(rules.WRONG_CODES_PER_PHONE + 1)]
    assert statuses == [200] * rules.WRONG_CODES_PER_PHONE + [429]
    assert client.get(f"/api/v1/books/{code}-K7", headers=headers).status_code == 429


def test_old_two_character_labels_still_open_the_catch_form(app, client):
    code = _old_label_book(app)
    page = client.get(f"/b/{code}-K7")
    assert page.status_code == 200 and f"{code}-K7" in page.get_data(as_text=True)
    with app.test_request_context():
        assert rules.find_book(f"{code.replace('-', '')}K7").found_by_full_code is True


def test_new_books_carry_a_four_character_secret(app):
    with app.test_request_context():
        book = register()
    assert len(book.check_part) == 4 and len(codes.ALPHABET) ** 4 > 1_000_000


@pytest.mark.parametrize("prefix", ["CH", "CHV", "CHVX", "ABCDE", "LOIR", "B2X"])
def test_every_prefix_the_settings_allow_opens_its_own_label(app, client, prefix):
    with app.test_request_context():
        settings.save({"book_prefix": prefix})
        book = register()
        full = rules.full_code(book)
        for typed, by_full_code in ((full, True), (full.replace("-", ""), True), (book.code, False)):
            found = rules.find_book(typed)
            assert (found, found.found_by_full_code) == (book, by_full_code), typed
    assert client.get(f"/b/{full}").status_code == 200
    assert client.get(f"/books/{book.code}").status_code == 200


def test_searching_the_shelf_for_an_author_is_never_a_wrong_code(app, client):
    """"hugo" reads as the public code HUG-0: no book has it, but it guards no secret, so a villager
    searching authors (or typing a public code that does not exist) never meets the guess limit."""
    _old_label_book(app)
    client.set_cookie("bench_fresh", "1")  # a cookie the box does not know: each search rendered, not shared
    for n in range(rules.WRONG_CODES_PER_ADDRESS + 5):
        word = "hugo" if n % 2 else "velo"
        assert client.get(f"/books/?q={word}").status_code == 200, n
    assert client.get("/books/find?code=CHV-9999").status_code == 404
    # A code with a check part still counts: the limit is there for those.
    assert client.get("/b/CHV-9999-K7QM").status_code == 404
