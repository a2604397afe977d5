"""Prints: the poster's two QR codes (wifi, site) decode to the right payloads, the shelf sign, and the
ways to the give-box's and the shelf's own labels."""

import re

from boxlocale import settings

from .console_helpers import item, logged_in
from .qr_decode import decode_svg_qr


def test_poster_codes_join_the_open_wifi_and_open_the_box(app, client):
    logged_in(app, client, role="moderator")
    with app.app_context():
        settings.save({"wifi_ssid": "BoxLocale-Chavenay", "host_name": "chavenay.box", "box_name": "Box de Chavenay"})
    html = client.get("/console/prints/poster").get_data(as_text=True)
    assert decode_svg_qr(html) == ["WIFI:T:nopass;S:BoxLocale-Chavenay;;", "http://chavenay.box/"]
    # Three pictured steps, in French and in English whatever the volunteer's language.
    assert html.count('class="picto"') == 3
    assert "Scannez le premier code" in html and "Scan the first code" in html
    assert 'lang="en"' in html and "Box de Chavenay" in html
    assert "style=" not in html and "<script" not in html


def test_poster_with_a_wifi_password_and_in_a6(app, client):
    logged_in(app, client)
    with app.app_context():
        settings.save({"wifi_ssid": "Salle; des fêtes", "wifi_password": "motdepasse123"})
    html = client.get("/console/prints/poster?size=a6", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert decode_svg_qr(html)[0] == "WIFI:T:WPA;S:Salle\\; des fêtes;P:motdepasse123;;"
    assert "sheet-a6" in html and "Scannez le premier code" in html


def test_shelf_sign_opens_the_shelf(app, client):
    logged_in(app, client)
    with app.app_context():
        settings.save({"wifi_ssid": "BoxLocale-Chavenay", "box_address": "10.42.0.1"})
    html = client.get("/console/prints/shelf").get_data(as_text=True)
    # The wifi first (someone at the shelf is not on it yet), then the shelf, by name and in digits.
    assert decode_svg_qr(html) == ["WIFI:T:nopass;S:BoxLocale-Chavenay;;", "http://box.lan/books/"]
    assert "<strong>BoxLocale-Chavenay</strong>" in html and "http://10.42.0.1/books/" in html
    assert "Livres voyageurs" in html and "Travelling books" in html


def test_the_poster_prints_the_boxs_address_in_digits(app, client):
    logged_in(app, client)
    with app.app_context():
        settings.save({"box_address": "10.42.0.1"})
    html = client.get("/console/prints/poster").get_data(as_text=True)
    assert "http://10.42.0.1/" in html and "http://box.lan/" in html


def test_the_prints_page_leads_to_the_item_and_book_labels(app, client, db):
    logged_in(app, client)
    in_box = item(title="Lampe de chevet", location="in_box")
    item(title="Canapé chez moi", location="at_giver")
    html = client.get("/console/prints").get_data(as_text=True)
    assert f"/give/{in_box.code}/label" in html and "Canapé chez moi" not in html
    assert "/books/labels" in html
    label = client.get(f"/give/{in_box.code}/label").get_data(as_text=True)
    assert decode_svg_qr(label) and re.search(in_box.code, decode_svg_qr(label)[0])
