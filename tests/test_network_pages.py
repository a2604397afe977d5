"""What villagers and the API see of the network: the public directory of boxes, "from the box of X"
on shared notices, each journal entry's village in the book JSON (real data dirs, the app's pages)."""

import pytest

from boxlocale import settings
from boxlocale.models import NetBox

from .network_helpers import at, join, make_box, sync_in_process


@pytest.fixture
def network(tmp_path):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU", village="Feurs-en-Forez")
    c = make_box(tmp_path, "Lyon", "LYS")
    join(a, b)
    join(b, c)
    with at(b):
        settings.save({"opening_hours": "le samedi 10 h - 12 h"})
    stick = tmp_path / "stick"
    for box in (b, c, a, b, c, a):
        assert not sync_in_process(box, stick).problems
    return a, b, c


def page(box, path, language="en"):
    with at(box) as app:
        client = app.test_client()
        client.set_cookie("lang", language)
        answer = client.get(path, headers={"Accept-Language": language})
        return answer.status_code, answer.get_data(as_text=True)


def test_the_directory_lists_the_network_boxes_in_french_and_english(network):
    a, _b, _c = network
    status, html = page(a, "/network/")
    assert status == 200
    assert "<h1>The network's boxes</h1>" in html
    assert "Feurs" in html and "Feurs-en-Forez" in html and "le samedi 10 h - 12 h" in html
    assert "Lyon" in html and "(this box)" in html
    assert "Last news: today" in html
    status, html = page(a, "/network/", "fr")
    assert status == 200
    assert "Les boxes du réseau" in html and "Dernières nouvelles : aujourd'hui" in html
    assert "(cette box)" in html


def test_the_directory_is_linked_from_every_page_footer(network):
    a, _b, _c = network
    _status, html = page(a, "/")
    footer = html[html.index("<footer>"):]
    assert 'href="/network/"' in footer


def test_a_box_blocked_network_wide_leaves_the_directory(network):
    from boxlocale.db import writing
    from boxlocale.network import outbox

    a, _b, c = network
    with at(a):
        lyon = NetBox.get(NetBox.name == "Lyon").key
        with writing():
            outbox.block_box(lyon, "spam")
    _status, html = page(a, "/network/")
    assert "Lyon" not in html and "Feurs" in html


def test_a_lone_box_says_it_is_in_no_network(tmp_path):
    alone = make_box(tmp_path, "Seule", "SEU")
    status, html = page(alone, "/network/")
    assert status == 200 and "This box is not in a network of boxes yet." in html


def api(box, path):
    with at(box) as app:
        answer = app.test_client().get(path)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()


def carry(stick, *boxes):
    for box in boxes:
        assert not sync_in_process(box, stick).problems


def test_notice_json_says_shared_and_from_the_box_of_which_village(network, tmp_path):
    from boxlocale.board import rules as board

    from .network_helpers import villager

    a, b, _c = network
    with at(b):
        board.post_notice(villager("Paul"), {"kind": "event", "title": "Bal du 14 juillet", "body": "Place",
                                             "starts_at": "2030-07-14 20:00", "shared": "1"})
    with at(a):
        board.post_notice(villager("Anne"), {"kind": "offer", "title": "Graines de tomates", "body": "Ici"})
    carry(tmp_path / "stick2", b, a)
    on_a = {notice["title"]: notice for notice in api(a, "/api/v1/notices")["items"]}
    assert on_a["Bal du 14 juillet"]["shared"] is True
    assert on_a["Bal du 14 juillet"]["from_box"] == {"name": "Feurs", "village": "Feurs-en-Forez"}
    assert on_a["Graines de tomates"]["shared"] is False and on_a["Graines de tomates"]["from_box"] is None
    one = api(a, f"/api/v1/notices/{on_a['Bal du 14 juillet']['id']}")
    assert one["from_box"]["village"] == "Feurs-en-Forez"
    on_b = {notice["title"]: notice for notice in api(b, "/api/v1/notices")["items"]}
    assert on_b["Bal du 14 juillet"]["shared"] is True and on_b["Bal du 14 juillet"]["from_box"] is None


def test_book_json_gives_each_journal_entry_its_village(network, tmp_path):
    from boxlocale.books import rules as books
    from boxlocale.devices import Actor
    from boxlocale.models import Book

    a, b, _c = network
    volunteer = Actor(volunteer=object())
    with at(a):
        books.register(volunteer, {"title": "Le Grand Meaulnes", "author": "Alain-Fournier"})
        book = Book.get(Book.title == "Le Grand Meaulnes")
        code = book.code
        books.add_entry(books.get_book(books.full_code(book), volunteer), volunteer,
                        {"kind": "released", "where": "Mairie"})
    carry(tmp_path / "stick2", a, b)
    with at(b):
        caught = books.get_book(books.full_code(Book.get(Book.code == code)), volunteer)
        books.add_entry(caught, volunteer, {"kind": "caught", "where": "Gare"})
    carry(tmp_path / "stick2", b, a)
    data = api(a, f"/api/v1/books/{code}")
    assert {entry["where"]: entry["village"] for entry in data["journal"]} == {
        "Mairie": "Chavenay", "Gare": "Feurs-en-Forez"}
    assert data["villages_visited"] == 2


def test_openapi_documents_shared_and_the_network_fields(network):
    a, _b, _c = network
    schemas = api(a, "/api/v1/openapi.json")["components"]["schemas"]
    assert schemas["NoticeInput"]["properties"]["shared"]["type"] == "boolean"
    assert {"shared", "from_box"} <= set(schemas["Notice"]["properties"])
    assert "village" in schemas["JournalEntry"]["properties"]
    assert "villages_visited" in schemas["Book"]["properties"]


def test_last_news_says_when_it_was_written_and_when_it_arrived(tmp_path):
    """A stick spends ten days in a drawer: Feurs shows Chavenay's news as written ten days ago (the
    time Chavenay signed in its event) and arrived today, not as news of today."""
    from datetime import datetime, timedelta

    from boxlocale import clock
    from boxlocale.books import rules as books

    from .console_helpers import logged_in
    from .network_helpers import villager

    start = datetime(2027, 5, 3, 9, 0)
    clock.freeze(start)
    try:
        a = make_box(tmp_path, "Chavenay", "CHV")
        b = make_box(tmp_path, "Feurs", "FEU")
        join(a, b)
        with at(a):
            books.register(villager(), {"title": "Germinal"})
        stick = tmp_path / "stick"
        assert not sync_in_process(a, stick).problems
        clock.freeze(start + timedelta(days=10))
        assert sync_in_process(b, stick).came > 0
        _status, html = page(b, "/network/")
        assert "Last news: 10 days ago" in html and "arrived here today" in html
        clock.freeze(start + timedelta(days=12))
        _status, html = page(b, "/network/")
        assert "Last news: 12 days ago" in html and "arrived here 2 days ago" in html
        _status, html = page(b, "/network/", "fr")
        assert "Dernières nouvelles : il y a 12 jours" in html and "arrivées ici il y a 2 jours" in html
        with at(b) as app:
            console = logged_in(app, app.test_client()).get("/console/network/").get_data(as_text=True)
        assert "Arrivées ici" in console and "il y a 12 jours (arrivées ici il y a 2 jours)" in console
    finally:
        clock.freeze(None)
