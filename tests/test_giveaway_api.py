"""Give-box items over the JSON API (API.md): shapes, errors, who may do what."""

import io

import pytest

from boxlocale.models import Item, Photo
from boxlocale.web import path_for, paths_for

from . import photo_factory
from .helpers import api_headers


def create(client, headers, photos=(), **fields):
    data = {"title": "Vélo enfant", "category": "enfants", "where": "in_box", **fields}
    data["photo"] = [(io.BytesIO(content), name) for content, name in photos]
    return client.post("/api/v1/items", data=data, headers=headers, content_type="multipart/form-data")


def test_create_returns_201_and_the_item(client):
    response = create(client, api_headers(client), [(photo_factory.jpeg(1600, 1200, orientation=6), "a.jpg")],
                      condition="good", pseudonym="Martine")
    assert response.status_code == 201
    item = response.get_json()
    assert item["status"] == "available" and item["mine"] is True and item["manage_token"]
    assert item["pseudonym"] == "Martine" and item["condition"] == "good" and item["where"] == "in_box"
    [photo] = item["photos"]
    assert (photo["width"], photo["height"]) == (960, 1280)
    assert client.get(photo["thumb_url"]).status_code == 200
    again = client.get(f"/api/v1/items/{item['code'].lower()}").get_json()
    assert again["code"] == item["code"] and again["mine"] is False and "manage_token" not in again


def test_create_accepts_json_without_photos(client):
    response = client.post("/api/v1/items", json={"kind": "wanted", "title": "Une poussette"}, headers=api_headers(client))
    assert response.status_code == 201 and response.get_json()["kind"] == "wanted"


def test_writes_need_a_device_key(client):
    response = create(client, {})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_validation_errors_name_the_fields(client):
    response = create(client, api_headers(client), title="x", category="nope")
    body = response.get_json()
    assert response.status_code == 400 and body["error"]["code"] == "validation"
    assert set(body["error"]["fields"]) == {"title", "category"}


@pytest.mark.parametrize("content, name, status, code", [
    (b"MZ\x90\x00 an exe", "virus.jpg", 415, "unsupported_media"),
    (b"", "empty.jpg", 415, "unsupported_media"),
    (photo_factory.bomb_png(), "bomb.png", 413, "too_large"),
    (photo_factory.heic_header(), "IMG_0001.HEIC", 415, "unsupported_media"),
])
def test_refused_photos_leave_nothing(client, app, content, name, status, code):
    good = photo_factory.jpeg(400, 300, seed=9)
    response = create(client, api_headers(client), [(good, "good.jpg"), (content, name)])
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert Item.select().count() == 0 and Photo.select().count() == 0


def test_a_fourth_photo_is_refused(client):
    photos = [(photo_factory.jpeg(64, 48, seed=n), f"{n}.jpg") for n in range(4)]
    response = create(client, api_headers(client), photos)
    assert response.status_code == 400 and "photo" in response.get_json()["error"]["fields"]


def test_request_over_the_limit_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = create(client, api_headers(client), [(b"\xff\xd8" + b"\x00" * 200_000, "big.jpg")])
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_the_lifecycle_over_the_api(client):
    giver, ana, bob = api_headers(client), api_headers(client), api_headers(client)
    item = create(client, giver).get_json()
    code = item["code"]
    reserved = client.post(f"/api/v1/items/{code}/reserve", headers=ana)
    assert reserved.status_code == 200 and reserved.get_json()["reserved_by_me"] is True
    assert reserved.get_json()["reserved_until"]
    conflict = client.post(f"/api/v1/items/{code}/reserve", headers=bob)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "conflict"
    assert client.post(f"/api/v1/items/{code}/release", headers=bob).status_code == 403
    assert client.post(f"/api/v1/items/{code}/withdraw", headers=bob).status_code == 403
    assert client.patch(f"/api/v1/items/{code}", json={"title": "À moi"}, headers=bob).status_code == 403
    patched = client.patch(f"/api/v1/items/{code}", json={"description": "Freins neufs"}, headers=giver)
    assert patched.status_code == 200 and patched.get_json()["description"] == "Freins neufs"
    taken = client.post(f"/api/v1/items/{code}/taken", json={"would_have_bought": True}, headers=ana)
    assert taken.status_code == 200 and taken.get_json()["status"] == "taken"
    assert Item.get(Item.code == code).would_have_bought is True
    assert client.post(f"/api/v1/items/{code}/reserve", headers=bob).status_code == 409
    assert client.post(f"/api/v1/items/{code}/renew", headers=giver).status_code == 409


def test_the_manage_token_acts_as_the_owner(client):
    item = create(client, api_headers(client)).get_json()
    stranger = api_headers(client)
    assert client.post(f"/api/v1/items/{item['code']}/withdraw", headers=stranger).status_code == 403
    owner_elsewhere = dict(stranger, **{"X-Manage-Token": item["manage_token"]})
    response = client.post(f"/api/v1/items/{item['code']}/renew", headers=owner_elsewhere)
    assert response.status_code == 200 and response.get_json()["mine"] is True


def test_listing_filters_and_pages(client):
    giver = api_headers(client)
    create(client, giver, title="Tondeuse électrique", category="jardin")
    create(client, giver, title="Manteau chaud", category="vetements")
    listing = client.get("/api/v1/items").get_json()
    assert [i["title"] for i in listing["items"]] == ["Manteau chaud", "Tondeuse électrique"]
    assert listing["next_page"] is None
    assert [i["title"] for i in client.get("/api/v1/items?q=electrique").get_json()["items"]] == ["Tondeuse électrique"]
    assert len(client.get("/api/v1/items?category=jardin").get_json()["items"]) == 1
    assert client.get("/api/v1/items?status=taken").get_json()["items"] == []
    assert client.get("/api/v1/items?status=lost").status_code == 400
    assert client.get("/api/v1/items?page=0").status_code == 400


def test_unknown_code_is_404_in_the_users_language(client):
    response = client.get("/api/v1/items/ZZZZ", headers={"Accept-Language": "fr"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert "code" in response.get_json()["error"]["message"]


def test_the_listing_says_of_each_item_what_its_own_page_says(client):
    """The listing reads only the columns item_json needs (JSON_FIELDS), as plain rows: each item in it
    is the same JSON as GET /items/<code>, for the giver, the reserver, the holder of a manage link and
    a stranger, in every status, with none to three photos, in winter and summer time."""
    giver, ana = api_headers(client), api_headers(client)
    reserved = create(client, giver, [(photo_factory.jpeg(800, 600), "a.jpg")], condition="good",
                      pseudonym="Martine", where="at_giver", location_note="Derrière la mairie").get_json()
    owned = create(client, api_headers(client), title="Vélo adulte", description="Freins neufs").get_json()
    three = [(photo_factory.jpeg(64 + n, 48, seed=n), f"{n}.jpg") for n in range(3)]
    create(client, giver, three, title="Trois photos", category="jardin", condition="for_parts")
    client.post("/api/v1/items", json={"kind": "wanted", "title": "Une poussette"}, headers=ana)
    for move, title in (("withdraw", "Retiré"), ("taken", "Donné"), (None, "Périmé"), ("reserve", "Plus réservé")):
        code = create(client, giver, title=title, description="« guillemets » \n </script>").get_json()["code"]
        if move:
            assert client.post(f"/api/v1/items/{code}/{move}", headers=ana if move == "reserve" else giver).status_code == 200
    past = Item.get(Item.title == "Périmé").created_at
    Item.update(expires_at=past).where(Item.title == "Périmé").execute()
    Item.update(reserved_until=past).where(Item.title == "Plus réservé").execute()  # lapsed: available again
    Item.update(created_at=past.replace(month=7)).where(Item.title == "Vélo adulte").execute()  # summer time
    assert client.post(f"/api/v1/items/{reserved['code']}/reserve", json={"message": "Vers 18 h"},
                       headers=ana).status_code == 200
    holder = dict(api_headers(client), **{"X-Manage-Token": owned["manage_token"]})
    paths = ["/api/v1/items", "/api/v1/items?q=velo", "/api/v1/items?category=jardin", "/api/v1/items?kind=wanted"]
    paths += [f"/api/v1/items?status={status}" for status in ("available", "reserved", "taken", "withdrawn", "expired")]
    for headers in (giver, ana, holder, api_headers(client, "fr"), {}):
        for path in paths:
            listed = client.get(path, headers=headers).get_json()["items"]
            assert listed, path
            for item in listed:
                assert item == client.get(f"/api/v1/items/{item['code']}", headers=headers).get_json(), path
    listed = client.get("/api/v1/items", headers=holder).get_json()["items"]
    assert any(item["mine"] for item in listed)
    assert {item["title"]: item["status"] for item in listed if item["title"] in ("Périmé", "Plus réservé")} == {
        "Périmé": "expired", "Plus réservé": "available"}
    assert sorted(len(item["photos"]) for item in listed) == [0] * 6 + [1, 3]
    assert {item["created_at"][-6:] for item in listed} == {"+01:00", "+02:00"}
    assert any(item["reserved_by_me"] for item in client.get("/api/v1/items", headers=ana).get_json()["items"])


def test_paths_for_many_rows_are_the_paths_path_for_builds(app):
    """The listing's links are put together around each code from one built path: the same text as
    path_for, under a mount point too, and built in full for a value a URL escapes."""
    for root in ("", "/boite"):
        with app.test_request_context("/api/v1/items", base_url=f"http://box.local{root}/"):
            html_url = paths_for("giveaway.label", "code")
            for code in ("00000", "ZZ9Q", "PATHSLOT0", "a b/é?", "%41", "été"):
                assert html_url(code) == path_for("giveaway.label", code=code)
            assert html_url("00000") == f"{root}/give/00000/label"
