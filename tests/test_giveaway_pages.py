"""Give-box pages in process: forms that keep what was typed, the listing, the item page, label, manage link."""

import io
import os
import re

import pytest

from boxlocale import settings
from boxlocale.models import Item, Photo

from . import photo_factory
from .conftest import csrf_token
from .qr_decode import decode_svg_qr


def post_offer(client, photos=(), **fields):
    page = client.get("/give/offer")
    data = {"csrf_token": csrf_token(page.data), "title": "Vélo enfant 16 pouces", "category": "enfants",
            "condition": "good", "where": "in_box", **fields}
    data["photo"] = [(io.BytesIO(content), name) for content, name in photos] or [(io.BytesIO(b""), "")]
    return client.post("/give/offer", data=data, content_type="multipart/form-data")


def code_of(html):
    return re.search(r'href="/give/(\w+)/manage/', html).group(1)


def test_offer_form_asks_for_photos_the_phone_can_send(client):
    html = client.get("/give/offer").get_data(as_text=True)
    assert 'type="file"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    assert "Vêtements" in html and "Alimentation (emballée)" in html  # French first


def test_a_refused_field_keeps_everything_typed(client):
    response = post_offer(client, title="ab", description="Rouge avec petites roues", location_note="Rue des Vignes",
                          pseudonym="Martine", category="jardin")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="e-title"' in html and "Rouge avec petites roues" in html and "Rue des Vignes" in html
    assert 'value="Martine"' in html and '<option value="jardin" selected>' in html
    assert Item.select().count() == 0


def test_a_refused_photo_leaves_no_item_and_no_file(app, client):
    good = photo_factory.jpeg(800, 600)
    response = post_offer(client, [(good, "a.jpg"), (b"not a photo at all", "b.jpg")], description="Gardez-moi")
    assert response.status_code == 415
    html = response.get_data(as_text=True)
    assert 'id="e-photo"' in html and "Gardez-moi" in html
    assert Item.select().count() == 0 and Photo.select().count() == 0
    photo_dir = app.config["DATA_DIR"] + "/photos"
    assert not os.path.isdir(photo_dir) or os.listdir(photo_dir) == []


def test_posting_shows_the_manage_link_once_with_its_qr(client):
    response = post_offer(client, [(photo_factory.jpeg(800, 600), "a.jpg")])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = code_of(html)
    manage_url = re.search(r'>(http://box\.lan/give/\w+/manage/[\w-]+)<', html).group(1)
    assert decode_svg_qr(html) == [manage_url]
    item = Item.get(Item.code == code)
    assert item.title == "Vélo enfant 16 pouces" and len(item.item_photos) == 1
    assert manage_url.split("/")[-1] not in client.get(f"/give/{code}").get_data(as_text=True)  # only once


def test_the_manage_link_makes_any_phone_the_owner(app, client):
    html = post_offer(client).get_data(as_text=True)
    code = code_of(html)
    path = re.search(r'href="(/give/\w+/manage/[^"]+)"', html).group(1)
    other_phone = app.test_client()
    assert "Retirer" not in other_phone.get(f"/give/{code}").get_data(as_text=True)
    assert other_phone.get(path.rsplit("/", 1)[0] + "/wrong").status_code == 403
    opened = other_phone.get(path)
    assert opened.status_code == 303
    # The view's own policy is kept (the link's token must not leave in a Referer), one of each header.
    assert opened.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert opened.headers.getlist("X-Frame-Options") == ["DENY"]
    page = other_phone.get(f"/give/{code}").get_data(as_text=True)
    assert "Retirer" in page and "Prolonger" in page
    response = other_phone.post(f"/give/{code}/withdraw", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert Item.get(Item.code == code).status == "withdrawn"


def test_listing_has_lazy_thumbnails_with_their_size(client):
    post_offer(client, [(photo_factory.jpeg(1200, 900), "a.jpg")])
    html = client.get("/give/").get_data(as_text=True)
    img = re.search(r'<img class="thumb" src="(/photos/[0-9a-f]{64}\.s\.jpg)"[^>]*>', html)
    assert img and 'loading="lazy"' in img.group(0) and 'width="200" height="150"' in img.group(0)
    assert client.get(img.group(1)).status_code == 200


def test_twenty_items_with_thumbnails_stay_light(client, app):
    from boxlocale.devices import Actor
    from boxlocale.giveaway import rules
    from boxlocale.photos import process_one

    with app.test_request_context():
        giver = Actor(volunteer="the centre")
        for number in range(21):
            processed = process_one(io.BytesIO(photo_factory.jpeg(1600, 1200, seed=number)))
            rules.post_item(giver, {"title": f"Objet numéro {number}"}, [processed])
    html = client.get("/give/").get_data(as_text=True)
    thumbs = re.findall(r'src="(/photos/[0-9a-f]{64}\.s\.jpg)"', html)
    assert len(thumbs) == 20 and 'rel="next"' in html
    total = len(html.encode()) + sum(len(client.get(url).data) for url in thumbs)
    assert total <= 150 * 1024, total


def test_listing_filters_and_search(client):
    post_offer(client, title="Tondeuse électrique", category="jardin")
    post_offer(client, title="Manteau chaud", category="vetements")
    html = client.get("/give/?q=tondeuse").get_data(as_text=True)
    assert "Tondeuse électrique" in html and "Manteau chaud" not in html
    html = client.get("/give/?category=vetements").get_data(as_text=True)
    assert "Manteau chaud" in html and "Tondeuse électrique" not in html
    assert "Tondeuse" not in client.get("/give/?status=taken").get_data(as_text=True)


def test_item_page_shows_status_where_and_report_and_thanks(app, client):
    html = post_offer(client, where="at_giver", location_note="Rue des Vignes, samedi",
                      contact="06 12 34 56 78").get_data(as_text=True)
    code = code_of(html)
    visitor = app.test_client()
    page = visitor.get(f"/give/{code}").get_data(as_text=True)
    assert "disponible" in page and "Rue des Vignes, samedi" in page and "06 12 34 56 78" in page
    assert f'href="/report?target=item:{code}"' in page
    assert 'action="/thanks"' in page and f'value="item:{code}"' in page
    assert "Réserver" in page and "J’ai pris ce don" not in page  # at the giver's: only giver or reserver


def test_reserve_take_and_answer_the_question(app, client):
    code = code_of(post_offer(client).get_data(as_text=True))
    taker = app.test_client()
    page = taker.get(f"/give/{code}").get_data(as_text=True)
    assert taker.post(f"/give/{code}/reserve", data={"csrf_token": csrf_token(page)}).status_code == 303
    page = taker.get(f"/give/{code}").get_data(as_text=True)
    assert "réservé jusqu’au" in page and "par vous" in page
    third = app.test_client()
    third_page = third.get(f"/give/{code}").get_data(as_text=True)
    refused = third.post(f"/give/{code}/reserve", data={"csrf_token": csrf_token(third_page)})
    assert refused.status_code == 409 and "Quelqu’un vient de le réserver" in refused.get_data(as_text=True)
    taker.post(f"/give/{code}/taken", data={"csrf_token": csrf_token(page)})
    page = taker.get(f"/give/{code}").get_data(as_text=True)
    assert "sinon, l’auriez-vous acheté" in page
    taker.post(f"/give/{code}/bought", data={"csrf_token": csrf_token(page), "answer": "yes"})
    assert Item.get(Item.code == code).would_have_bought is True
    assert "sinon, l’auriez-vous acheté" not in taker.get(f"/give/{code}").get_data(as_text=True)


def test_label_has_the_qr_to_the_short_url_the_code_and_the_call(client):
    code = code_of(post_offer(client).get_data(as_text=True))
    settings.save({"host_name": "boite.chavenay.lan"})
    html = client.get(f"/give/{code}/label").get_data(as_text=True)
    assert decode_svg_qr(html) == [f"http://boite.chavenay.lan/i/{code}"]
    assert code in html and "Pris ? Scannez-moi" in html


@pytest.mark.parametrize("typed", ["lower", "confusable"])
def test_short_route_redirects_typed_codes_to_the_item(client, typed):
    code = code_of(post_offer(client).get_data(as_text=True))
    typed_code = code.lower() if typed == "lower" else code.replace("0", "O").replace("1", "l")
    response = client.get(f"/i/{typed_code}")
    assert response.status_code == 302 and response.headers["Location"] == f"/give/{code}"
    assert client.get("/i/ZZZZZZ").status_code == 404


def test_wanted_form_and_page(client):
    page = client.get("/give/wanted")
    html = page.get_data(as_text=True)
    assert 'type="file"' not in html and "Que cherchez-vous" in html
    response = client.post("/give/wanted", data={"csrf_token": csrf_token(html), "title": "Une poussette",
                                                 "category": "enfants"})
    code = code_of(response.get_data(as_text=True))
    item_page = client.get(f"/give/{code}").get_data(as_text=True)
    assert "Recherche : Une poussette" in item_page and "toujours recherché" in item_page


def test_home_page_news_links_to_the_item(client):
    code = code_of(post_offer(client).get_data(as_text=True))
    assert f'href="/give/{code}"' in client.get("/").get_data(as_text=True)


def test_demo_items_have_photos_that_pass_the_check(app):
    from boxlocale.check import run_checks
    from boxlocale.demo import load_demo

    with app.app_context():
        assert load_demo()
        items = list(Item.select())
        assert len(items) >= 5 and sum(1 for item in items if item.item_photos.count()) >= 5
        assert run_checks() == []


def test_an_item_page_with_three_photos_stays_light_and_links_each_full_picture(client):
    photos = [(photo_factory.jpeg(1600, 1200, seed=number), f"{number}.jpg") for number in range(3)]
    code = code_of(post_offer(client, photos).get_data(as_text=True))
    visitor_page = client.get(f"/give/{code}").get_data(as_text=True)
    shown = re.findall(r'<a href="(/photos/[0-9a-f]{64}\.jpg)"><img class="item-photo" src="(/photos/[0-9a-f]{64}'
                       r'\.t\.jpg)" width="(\d+)" height="(\d+)"', visitor_page)
    assert len(shown) == 3
    for full, screen_sized, width, _height in shown:
        assert full.removesuffix(".jpg") == screen_sized.removesuffix(".t.jpg") and int(width) <= 400
        assert client.get(full).status_code == 200
    total = len(visitor_page.encode()) + sum(len(client.get(small).data) for _full, small, _w, _h in shown)
    assert total <= 250 * 1024, total
