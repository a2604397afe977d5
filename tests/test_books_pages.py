"""The shelf's pages through the HTML forms (CSRF on, no JavaScript): register, labels and their QR
codes, the label's short URL, the journal, the shelf, finding a book by its code."""

import io
import re
from pathlib import Path

from boxlocale import settings
from boxlocale.models import Book, JournalEntry, Photo

from . import photo_factory
from .books_factory import full_codes, submit_form
from .conftest import ROOT, csrf_token
from .qr_decode import decode_svg_qr


def register_page(client, **fields):
    data = {"title": "Germinal", "author": "Émile Zola", "language": "fr", "then": "label", **fields}
    return submit_form(client, "/books/new", data)


def setup_box(app, **more):
    with app.app_context():
        settings.save({"book_prefix": "CHV", "host_name": "box.lan", "box_name": "Box de Chavenay", **more})


def test_register_then_the_label_carries_the_full_code_in_its_qr(app, client):
    setup_box(app)
    response = register_page(client, isbn="978-2-253-00461-5")
    assert response.status_code == 303 and response.headers["Location"].startswith("/books/CHV-0001/label")
    label = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        book = Book.get(Book.code == "CHV-0001")
        full = f"CHV-0001-{book.check_part}"
    assert full in label and "Ce livre voyage ! Scannez-moi et dites où vous l'avez trouvé." in label
    assert "This book travels!" in label and "Germinal" in label
    assert decode_svg_qr(label) == [f"http://box.lan/b/{full}"]


def test_the_label_and_the_full_code_are_only_for_the_registering_phone(app, client):
    setup_box(app)
    register_page(client)
    stranger = app.test_client()
    assert stranger.get("/books/CHV-0001/label").status_code == 403
    public = stranger.get("/books/CHV-0001").get_data(as_text=True)
    assert "CHV-0001" in public and not full_codes(public)
    assert decode_svg_qr(stranger.get("/books/labels").get_data(as_text=True)) == []
    assert decode_svg_qr(stranger.get("/books/labels?codes=CHV-0001").get_data(as_text=True)) == []


def test_quick_form_stays_open_and_the_sheet_has_a_qr_per_book(app, client):
    setup_box(app)
    for title in ("Germinal", "Nana", "L'Assommoir"):
        response = register_page(client, title=title, language="fr", then="another")
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert 'value="fr" selected' in page  # the next book keeps the language
        assert 'name="title"' in page and "autofocus" in page
    assert len({code for code in full_codes(page) if code.startswith("CHV")}) == 3  # "registered today from this phone", with their full codes
    sheet = client.get("/books/labels").get_data(as_text=True)
    with app.app_context():
        expected = [f"http://box.lan/b/{book.code}-{book.check_part}" for book in Book.select().order_by(Book.id)]
    assert decode_svg_qr(sheet) == expected
    chosen = client.get("/books/labels?codes=chv-0003,+CHV-0001").get_data(as_text=True)
    assert decode_svg_qr(chosen) == [expected[2], expected[0]]


def test_labels_print_on_a4_with_the_stylesheet_only(app, client):
    setup_box(app)
    register_page(client)
    sheet = client.get("/books/labels").get_data(as_text=True)
    assert 'class="label-sheet"' in sheet and "style=" not in sheet and "<style" not in sheet
    css = (ROOT / "static" / "css" / "box.css").read_text()
    assert re.search(r"@page labels\{size:A4", css)
    assert re.search(r"@media print\{body:has\(\.label-sheet\)\{page:labels\}", css)


def test_the_short_url_opens_the_book_with_a_one_tap_catch(app, client):
    setup_box(app)
    register_page(client)
    with app.app_context():
        book = Book.get(Book.code == "CHV-0001")
    full = f"CHV-0001-{book.check_part}"
    finder = app.test_client()
    page = finder.get(f"/b/{full.lower().replace('-', '')}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="code" value="{full}"' in html and 'name="kind" value="caught"' in html
    response = finder.post("/books/CHV-0001/journal",
                           data={"csrf_token": csrf_token(html), "code": full, "kind": "caught"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/books/CHV-0001#entry-")
    after = finder.get("/books/CHV-0001").get_data(as_text=True)
    assert "en voyage" in after and "Box de Chavenay" in after
    with app.app_context():
        assert Book.get_by_id(book.id).catches == 1
    assert finder.get("/b/CHV-0001").headers["Location"] == "/books/CHV-0001"  # public code: the page
    wrong_check = finder.get("/b/CHV-0001-ZZ")  # a wrong secret part: only the public page
    assert wrong_check.status_code == 302 and wrong_check.headers["Location"] == "/books/CHV-0001"


def test_releasing_somewhere_else_from_the_form(app, client):
    setup_box(app)
    register_page(client)
    with app.app_context():
        full = "CHV-0001-" + Book.get(Book.code == "CHV-0001").check_part
    page = client.get(f"/b/{full}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": full, "kind": "released", "place": "elsewhere", "where": ""}
    assert client.post("/books/CHV-0001/journal", data=data).status_code == 303
    with app.app_context():
        assert Book.get(Book.code == "CHV-0001").status == "travelling"
    data.update(place="here")
    client.post("/books/CHV-0001/journal", data=data)
    with app.app_context():
        assert Book.get(Book.code == "CHV-0001").status == "on_shelf"


def test_a_move_with_the_public_code_is_refused(app, client):
    setup_box(app)
    register_page(client)
    page = client.get("/books/CHV-0001").get_data(as_text=True)
    refused = client.post("/books/CHV-0001/journal",
                          data={"csrf_token": csrf_token(page), "code": "CHV-0001", "kind": "caught"})
    assert refused.status_code == 403
    typed = client.get("/books/find?want=move&code=chv0001")
    assert typed.status_code == 403 and "CHV-0001-K7" in typed.get_data(as_text=True)  # the example
    with app.app_context():
        assert JournalEntry.select().count() == 0


def test_a_comment_needs_no_code_and_errors_keep_what_was_typed(app, client):
    setup_box(app)
    register_page(client)
    reader = app.test_client()
    bad = submit_form(reader, "/books/CHV-0001", {"kind": "comment", "note": "Un classique.", "rating": "9"},
                      action="/books/CHV-0001/journal")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="e-rating"' in html and "Un classique." in html
    good = submit_form(reader, "/books/CHV-0001", {"kind": "comment", "note": "Un classique.", "rating": "4",
                                                   "pseudonym": "Lucie"}, action="/books/CHV-0001/journal")
    assert good.status_code == 303
    page = reader.get("/books/CHV-0001").get_data(as_text=True)
    assert "Un classique." in page and "★★★★☆" in page and "Lucie" in page
    assert 'href="/report?target=journal:1"' in page and 'href="/report?target=book:CHV-0001"' in page


def test_register_form_errors_keep_what_was_typed(app, client):
    setup_box(app)
    response = register_page(client, title="Nana", author="Émile Zola", isbn="978-2-07-040850-5")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="e-isbn"' in html
    assert 'value="Nana"' in html and 'value="Émile Zola"' in html and 'value="978-2-07-040850-5"' in html
    with app.app_context():
        assert Book.select().count() == 0


def test_too_many_books_get_a_calm_page_with_the_text_kept(app, client):
    setup_box(app, posts_per_hour=1)
    register_page(client)
    response = register_page(client, title="Nana", note="Mon mot précieux")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Mon mot précieux" in response.get_data(as_text=True)


def test_a_cover_photo_is_stored_and_shown(app, client):
    setup_box(app)
    html = client.get("/books/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "title": "Germinal", "then": "label",
            "photo": (io.BytesIO(photo_factory.jpeg(800, 600)), "cover.jpg")}
    response = client.post("/books/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        book = Book.get(Book.code == "CHV-0001")
        assert book.cover is not None and Photo.select().count() == 1
        thumb = f"/photos/{book.cover.sha}.t.jpg"
    assert thumb in client.get("/books/CHV-0001").get_data(as_text=True)
    assert client.get(thumb).status_code == 200


def test_a_file_that_is_not_a_photo_saves_nothing(app, client):
    setup_box(app)
    html = client.get("/books/new").get_data(as_text=True)
    response = client.post("/books/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(html), "title": "Germinal", "photo": (io.BytesIO(b"%PDF-1.4 nope"), "x.pdf")})
    assert response.status_code == 415 and 'value="Germinal"' in response.get_data(as_text=True)
    with app.app_context():
        assert Book.select().count() == 0


def test_shelf_page_search_filters_and_views(app, client):
    setup_box(app)
    for title, author, language in (("Les Misérables", "Victor Hugo", "fr"), ("Treasure Island", "Stevenson", "en"),
                                    ("Germinal", "Émile Zola", "fr")):
        register_page(client, title=title, author=author, language=language)
    shelf = client.get("/books/").get_data(as_text=True)
    assert all(title in shelf for title in ("Les Misérables", "Treasure Island", "Germinal"))
    assert 'action="/books/find"' not in shelf  # one search box: it finds codes too
    found = client.get("/books/?q=miserables").get_data(as_text=True)
    assert "Les Misérables" in found and "Germinal" not in found
    english = client.get("/books/?language=en").get_data(as_text=True)
    assert "Treasure Island" in english and "Germinal" not in english
    for view in ("arrived", "travelled", "all"):
        assert client.get(f"/books/?view={view}").status_code == 200
    nothing = client.get("/books/?q=proust").get_data(as_text=True)
    assert "Aucun livre ne correspond" in nothing


def test_find_by_code_from_the_home_page(app, client):
    setup_box(app)
    register_page(client)
    with app.app_context():
        full = "CHV-0001-" + Book.get(Book.code == "CHV-0001").check_part
    home = client.get("/").get_data(as_text=True)
    assert 'action="/books/find"' in home and 'name="code"' in home
    assert client.get("/books/find?code=chv 0001").headers["Location"] == "/books/CHV-0001"
    assert client.get(f"/books/find?code={full.lower()}").headers["Location"] == f"/b/{full}"
    missing = client.get("/books/find?code=CHV-0404")
    assert missing.status_code == 404 and 'value="CHV-0404"' in missing.get_data(as_text=True)
    assert client.get("/books/chv0001").headers["Location"] == "/books/CHV-0001"


def test_hidden_books_are_404_and_not_listed(app, client):
    setup_box(app)
    register_page(client)
    with app.app_context():
        Book.update(hidden=True).execute()
    other = app.test_client()
    assert other.get("/books/CHV-0001").status_code == 404
    assert "Germinal" not in other.get("/books/?view=all").get_data(as_text=True)
    assert "Germinal" not in other.get("/").get_data(as_text=True)


def test_templates_have_no_inline_style_or_script():
    for template in Path(ROOT / "boxlocale" / "templates" / "books").glob("*.html"):
        text = template.read_text()
        inline_script = re.search(r"<script(?![^>]*\bsrc=)", text)  # the box's own script files are fine
        assert "style=" not in text and "<style" not in text and not inline_script, template.name
