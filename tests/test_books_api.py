"""The shelf as JSON (API.md, Books): register, read, list, journal; errors in the contract's shape."""

import io

import pytest

from boxlocale import settings

from . import photo_factory
from .helpers import api_headers


@pytest.fixture
def key(app, client):
    """The headers of the phone that registers the books."""
    with app.app_context():
        settings.save({"book_prefix": "CHV", "box_name": "Box de Chavenay"})
    return api_headers(client, language="fr")


def register(client, key, **fields):
    return client.post("/api/v1/books", json={"title": "Germinal", **fields}, headers=key)


def test_register_answers_the_full_code_once(client, key, frozen_clock):
    response = register(client, key, author="Émile Zola", language="fr", isbn="978 2 253 00461 5")
    assert response.status_code == 201
    book = response.get_json()
    assert book["code"] == "CHV-0001" and book["full_code"].startswith("CHV-0001-") and len(book["full_code"]) == 13
    assert (book["status"], book["catches"], book["isbn"], book["journal"]) == ("on_shelf", 0, "9782253004615", [])
    assert book["html_url"].endswith("/books/CHV-0001") and book["label_url"].endswith("/books/CHV-0001/label")
    assert book["mine"] is True and book["created_at"].endswith("+01:00")
    again = client.get("/api/v1/books/chv0001").get_json()
    assert "full_code" not in again and again["title"] == "Germinal"


def test_writes_need_a_device_key_and_errors_have_the_contract_shape(client, key):
    assert client.post("/api/v1/books", json={"title": "x"}).get_json()["error"]["code"] == "unauthorized"
    bad = register(client, key, title="", isbn="978-2-07-040850-5")
    assert bad.status_code == 400
    error = bad.get_json()["error"]
    assert error["code"] == "validation" and set(error["fields"]) == {"title", "isbn"}
    for isbn in (True, 9.5, 9782253004615):  # not a string: the same clear 400, never a 500
        assert register(client, key, isbn=isbn).status_code == (201 if isbn == 9782253004615 else 400)
    assert client.get("/api/v1/books/CHV-0404").status_code == 404
    assert client.get("/api/v1/books?status=lost").status_code == 400


def test_journal_moves_need_the_full_code(client, key):
    full = register(client, key).get_json()["full_code"]
    finder = api_headers(client, language="fr")
    refused = client.post("/api/v1/books/CHV-0001/journal", json={"kind": "caught"}, headers=finder)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    caught = client.post(f"/api/v1/books/{full.lower()}/journal", json={"kind": "caught"}, headers=finder)
    assert caught.status_code == 201
    entry = caught.get_json()
    assert (entry["kind"], entry["where"], entry["book"]["status"], entry["book"]["catches"]) == (
        "caught", "Box de Chavenay", "travelling", 1)
    away = client.post(f"/api/v1/books/{full}/journal", json={"kind": "released", "where": "Gare de Plaisir"},
                       headers=finder)
    assert away.get_json()["book"]["status"] == "travelling"
    comment = client.post("/api/v1/books/CHV-0001/journal", json={"kind": "comment", "note": "Superbe", "rating": 5},
                          headers=finder)
    assert comment.status_code == 201
    book = client.get("/api/v1/books/CHV-0001").get_json()
    assert [(e["kind"], e["where"], e["rating"]) for e in book["journal"]] == [
        ("caught", "Box de Chavenay", None), ("released", "Gare de Plaisir", None), ("comment", "", 5)]


def test_list_with_search_status_language_and_pages(client, key):
    for title, language in (("Les Misérables", "fr"), ("Treasure Island", "en"), ("Germinal", "fr")):
        register(client, key, title=title, language=language)
    listing = client.get("/api/v1/books").get_json()
    assert [b["title"] for b in listing["items"]] == ["Germinal", "Treasure Island", "Les Misérables"]
    assert listing["next_page"] is None
    assert [b["title"] for b in client.get("/api/v1/books?q=misérables").get_json()["items"]] == ["Les Misérables"]
    assert [b["title"] for b in client.get("/api/v1/books?language=en").get_json()["items"]] == ["Treasure Island"]
    assert client.get("/api/v1/books?status=travelling").get_json()["items"] == []


def test_a_book_from_another_box_and_a_cover_photo(client, key):
    foreign = register(client, key, title="Vingt mille lieues", code="VRS-0087-Q3").get_json()
    assert (foreign["code"], foreign["full_code"]) == ("VRS-0087", "VRS-0087-Q3")
    assert register(client, key, code="VRS-0087-Q3").status_code == 409
    with_cover = client.post("/api/v1/books", headers=key, content_type="multipart/form-data", data={
        "title": "Germinal", "photo": (io.BytesIO(photo_factory.jpeg(1600, 1200)), "cover.jpg")})
    assert with_cover.status_code == 201
    cover = with_cover.get_json()["cover"]
    assert cover["url"].startswith("/photos/") and cover["width"] <= 1280
    assert client.get(cover["thumb_url"]).status_code == 200
