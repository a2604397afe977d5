"""One phone (or one laptop dropping its cookie) must not grief the give-box and the noticeboard."""

from datetime import timedelta

from boxlocale import clock, devices, settings
from boxlocale.giveaway import rules
from boxlocale.models import AddressHold, Device, Item

from .conftest import csrf_token
from .console_helpers import logged_in, post
from .helpers import bearer
from .test_giveaway_pages import code_of, post_offer


def _offers(app, count):
    giver = app.test_client()
    with app.app_context():
        settings.save({"posts_per_hour": 100})
    return giver, [code_of(post_offer(giver, title=f"Objet {n}").get_data(as_text=True)) for n in range(count)]


def _move(client, code, move, **environ):
    page = client.get(f"/give/{code}", environ_base=environ)
    return client.post(f"/give/{code}/{move}", data={"csrf_token": csrf_token(page.data)},
                       environ_base=environ)


def test_one_phone_reserves_at_most_a_few_offers(app):
    _giver, codes = _offers(app, rules.RESERVATIONS_MAX + 2)
    greedy = app.test_client()
    answers = [_move(greedy, code, "reserve", REMOTE_ADDR="10.42.0.66").status_code for code in codes]
    assert answers == [303] * rules.RESERVATIONS_MAX + [409, 409]
    page = _move(greedy, codes[-1], "reserve", REMOTE_ADDR="10.42.0.66")
    assert "déjà 3 choses réservées" in page.get_data(as_text=True)


def test_marking_taken_is_rate_limited_and_the_giver_can_undo_it(app):
    giver, codes = _offers(app, rules.MOVES_PER_HOUR + 1)
    passer_by = app.test_client()
    answers = [_move(passer_by, code, "taken", REMOTE_ADDR="10.42.0.66").status_code for code in codes]
    assert answers == [303] * rules.MOVES_PER_HOUR + [429]
    refused = _move(passer_by, codes[-1], "taken", REMOTE_ADDR="10.42.0.66")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The giver sees "it was not taken" and puts the item back.
    page = giver.get(f"/give/{codes[0]}").get_data(as_text=True)
    assert f"/give/{codes[0]}/untake" in page
    assert _move(giver, codes[0], "untake").status_code == 303
    with app.app_context():
        item = Item.get(Item.code == codes[0])
        assert (item.status, item.taken_by_id, item.taken_at) == ("available", None, None)
    # Nobody else may undo it.
    assert _move(passer_by, codes[1], "untake", REMOTE_ADDR="10.42.0.67").status_code in (403,)


def test_a_volunteer_can_undo_a_false_taken(app):
    _giver, [code] = _offers(app, 1)
    assert _move(app.test_client(), code, "taken").status_code == 303
    volunteer = logged_in(app, app.test_client())
    assert _move(volunteer, code, "untake").status_code == 303


def test_refused_posts_create_no_device_row(app, client):
    with app.app_context():
        before = Device.select().count()
    for _ in range(5):
        client.delete_cookie("bl_device")
        assert post_offer(client, title="").status_code == 400  # no title: refused
    with app.app_context():
        settings.save({"posts_per_hour": 1})
    assert post_offer(client).status_code == 200
    client.delete_cookie("bl_device")
    with app.app_context():
        assert Device.select().count() == before + 1
    answers = [post_offer(app.test_client(), title=f"Objet numéro {n}").status_code for n in range(8)]
    assert answers.count(429) >= 3  # the address's limit (5 an hour)
    with app.app_context():
        assert Device.select().count() == before + 1 + answers.count(200)


def test_a_blocked_phone_dropping_its_cookie_is_held_by_its_address(app):
    laptop = app.test_client()
    laptop_address = {"REMOTE_ADDR": "10.42.0.66"}
    page = laptop.get("/board/new")
    assert laptop.post("/board/new", data={"csrf_token": csrf_token(page.data), "kind": "info", "title": "Hello",
                                           "body": "x"}, environ_base=laptop_address).status_code == 201
    with app.app_context():
        device = Device.select().order_by(Device.id.desc()).get()
    volunteer = logged_in(app, app.test_client())
    assert post(volunteer, f"/console/phones/{device.id}/block", {"reason": "spam"}).status_code in (302, 303)
    laptop.delete_cookie("bl_device")
    page = laptop.get("/board/new")
    again = laptop.post("/board/new", data={"csrf_token": csrf_token(page.data), "kind": "info", "title": "Again",
                                            "body": "x"}, environ_base=laptop_address)
    assert again.status_code == 403
    # A neighbour elsewhere on the wifi still posts.
    neighbour = app.test_client()
    page = neighbour.get("/board/new")
    assert neighbour.post("/board/new", data={"csrf_token": csrf_token(page.data), "kind": "info", "title": "Fête",
                                              "body": "x"}, environ_base={"REMOTE_ADDR": "10.42.0.12"}).status_code == 201
    # Unblocked, the address is free again.
    assert post(volunteer, f"/console/phones/{device.id}/unblock").status_code in (302, 303)
    page = laptop.get("/board/new")
    assert laptop.post("/board/new", data={"csrf_token": csrf_token(page.data), "kind": "info", "title": "Back",
                                           "body": "x"}, environ_base=laptop_address).status_code == 201


def test_the_api_undoes_a_false_taken_for_the_giver_only(app, client):
    giver_key = client.post("/api/v1/devices").get_json()["device_key"]
    other_key = client.post("/api/v1/devices").get_json()["device_key"]
    giver, other = (bearer(key) for key in (giver_key, other_key))
    code = client.post("/api/v1/items", json={"title": "Chaise en bois", "category": "maison"}, headers=giver
                       ).get_json()["code"]
    assert client.post(f"/api/v1/items/{code}/taken", headers=other).status_code == 200
    assert client.post(f"/api/v1/items/{code}/untake", headers=other).status_code == 403
    back = client.post(f"/api/v1/items/{code}/untake", headers=giver)
    assert back.status_code == 200 and back.get_json()["status"] == "available"


def test_an_address_hold_keeps_its_start_and_is_rewritten_at_most_once_an_hour(app, frozen_clock):
    """A blocked phone trying again and again costs one write an hour, and never moves the hold's start
    (a phone made after the block stays refused); a clock set back never makes a hold longer than 12 h."""
    with app.app_context():
        devices.hold_address("10.42.0.66")
        first = AddressHold.get_by_id("10.42.0.66")
        frozen_clock.advance(minutes=30)
        devices.hold_address("10.42.0.66")
        assert AddressHold.get_by_id("10.42.0.66").held_until == first.held_until
        frozen_clock.advance(hours=2)
        devices.hold_address("10.42.0.66")
        again = AddressHold.get_by_id("10.42.0.66")
        assert again.held_since == first.held_since and again.held_until == clock.now() + devices.BLOCK_HOLD
        clock.freeze(clock.now() - timedelta(days=365))
        assert devices._hold("10.42.0.66", clock.now()).held_until == clock.now() + devices.BLOCK_HOLD
