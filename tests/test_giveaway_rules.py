"""The give-box lifecycle, move by move: who may do what, and lapses on a clock the tests control."""

from datetime import timedelta

import pytest
from flask_babel import force_locale

from boxlocale import clock, listing, settings
from boxlocale.api.items import item_json
from boxlocale.devices import Actor
from boxlocale.errors import Conflict, Forbidden, NotFound, ValidationError
from boxlocale.giveaway import rules
from boxlocale.models import Item

from .helpers import new_actor


@pytest.fixture
def box(app, db, frozen_clock):
    with app.app_context(), force_locale("en"):  # no request: the rules need none
        yield frozen_clock


VOLUNTEER = Actor(volunteer="a volunteer")


def offer(actor, **fields):
    data = {"title": "Vélo enfant", "category": "enfants", "where": "in_box", **fields}
    item, token = rules.post_item(actor, data)
    return item, token


def fresh(item):
    return Item.get_by_id(item.id)


def test_posting_checks_the_fields_and_keeps_them(box):
    giver = new_actor()
    with pytest.raises(ValidationError) as refused:
        rules.post_item(giver, {"title": "ab", "category": "nope", "condition": "shiny", "where": "moon"})
    assert set(refused.value.fields) == {"title", "category", "condition", "where"}
    item, token = offer(giver, description="Rouge", condition="good", pseudonym="Martine")
    assert item.status == "available" and item.kind == "offer" and item.pseudonym == "Martine"
    assert item.expires_at == clock.now() + timedelta(days=21)
    assert 4 <= len(item.code) <= 6 and token and item.manage_hash != token
    assert rules.get_item(item.code.lower().replace("0", "o")).id == item.id  # typed codes are forgiving


def test_a_category_the_box_switched_off_is_refused(box):
    settings.save({"categories_off": ["alimentation"]})
    assert "alimentation" not in dict(rules.enabled_categories())
    with pytest.raises(ValidationError) as refused:
        offer(new_actor(), category="alimentation")
    assert "category" in refused.value.fields


def test_categories_are_the_issues_list_french_first(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        labels = [str(label) for _id, label in rules.CATEGORIES]
    assert labels[0] == "Vêtements" and labels[-1] == "Divers" and "Alimentation (emballée)" in labels
    assert len(labels) == 12


def test_a_double_submit_makes_one_item(box):
    giver = new_actor()
    first, first_token = offer(giver)
    again, token = offer(giver)
    assert again.id == first.id and Item.select().count() == 1
    assert Actor(manage_token=token).owns(fresh(first))  # the link shown last is the one that works
    box.advance(minutes=5)
    offer(giver)  # the same title later is a new item
    assert Item.select().count() == 2


def test_review_words_hold_a_post_hidden(box):
    settings.save({"moderation_words": ["arnaque"]})
    item, _ = offer(new_actor(), description="Pas une arnaque")
    assert item.hidden
    with pytest.raises(NotFound):
        rules.get_item(item.code)
    assert rules.get_item(item.code, VOLUNTEER).id == item.id
    assert rules.search("current")[0] == []


def test_reserve_then_lapse_then_reserve_again(box):
    item, _ = offer(new_actor())
    ana, bob = new_actor(), new_actor()
    item = rules.reserve(item, ana)
    assert rules.status_of(item) == "reserved" and item.reserved_until == clock.now() + timedelta(hours=24)
    assert rules.reserve(item, ana).reserved_until == item.reserved_until  # a double tap changes nothing
    with pytest.raises(Conflict):
        rules.reserve(item, bob)
    box.advance(hours=24)
    assert rules.status_of(fresh(item)) == "available"  # lapsed by itself, no job needed
    assert [i.id for i in rules.search("available")[0]] == [item.id]
    assert rules.search("reserved")[0] == []
    item = rules.reserve(item, bob)
    assert item.reserved_by_id == bob.device.id


def test_hold_time_is_a_box_setting(box):
    settings.save({"hold_hours": 2})
    item = rules.reserve(offer(new_actor())[0], new_actor())
    assert item.reserved_until == clock.now() + timedelta(hours=2)


def test_the_giver_cannot_reserve_their_own_item(box):
    giver = new_actor()
    item, _ = offer(giver)
    with pytest.raises(Conflict):
        rules.reserve(item, giver)
    assert "reserve" not in rules.allowed_moves(item, giver)


def test_release_by_the_reserver_or_the_owner_only(box):
    giver, ana, bob = new_actor(), new_actor(), new_actor()
    item, token = offer(giver)
    rules.reserve(item, ana)
    with pytest.raises(Forbidden):
        rules.release(item, bob)
    assert rules.status_of(rules.release(item, ana)) == "available"
    assert rules.release(item, ana).status == "available"  # twice: nothing changes
    rules.reserve(item, ana)
    assert rules.status_of(rules.release(item, Actor(manage_token=token))) == "available"


def test_in_box_item_anyone_may_say_i_took_it(box):
    item, _ = offer(new_actor(), where="in_box")
    passer_by = new_actor()
    item = rules.mark_taken(item, passer_by, would_have_bought=True)
    assert item.status == "taken" and item.taken_by_id == passer_by.device.id and item.would_have_bought is True
    assert rules.mark_taken(item, passer_by).status == "taken"  # a double tap
    with pytest.raises(Conflict):
        rules.mark_taken(item, new_actor())
    with pytest.raises(Conflict):
        rules.reserve(item, new_actor())


def test_in_box_item_reserved_for_someone_else_cannot_be_taken_by_a_third(box):
    item, _ = offer(new_actor(), where="in_box")
    rules.reserve(item, new_actor())
    with pytest.raises(Conflict):
        rules.mark_taken(item, new_actor())


def test_at_giver_only_the_giver_or_the_reserver_marks_it_taken(box):
    giver, ana = new_actor(), new_actor()
    item, _ = offer(giver, where="at_giver", location_note="Rue des Vignes")
    with pytest.raises(Forbidden):
        rules.mark_taken(item, ana)
    rules.reserve(item, ana)
    assert "taken" in rules.allowed_moves(fresh(item), ana)
    with pytest.raises(Conflict):
        rules.mark_taken(item, new_actor())
    item = rules.mark_taken(item, giver)  # the giver confirms: the reserver is the taker
    assert item.status == "taken" and item.taken_by_id == ana.device.id
    assert "bought" in rules.allowed_moves(item, ana)
    rules.answer_bought(item, ana, False)
    assert fresh(item).would_have_bought is False
    with pytest.raises(Forbidden):
        rules.answer_bought(item, new_actor(), True)


def test_withdraw_and_renew_are_the_owners(box):
    giver = new_actor()
    item, token = offer(giver)
    for stranger in (new_actor(), Actor(manage_token="wrong")):
        for move in (rules.withdraw, rules.renew):
            with pytest.raises(Forbidden):
                move(item, stranger)
        with pytest.raises(Forbidden):
            rules.edit_item(item, stranger, {"title": "Mine now"})
    other_phone_with_the_link = Actor(device=new_actor().device, manage_token=token)
    assert rules.edit_item(item, other_phone_with_the_link, {"title": "Vélo rouge"}).title == "Vélo rouge"
    assert rules.withdraw(item, giver).status == "withdrawn"
    assert rules.withdraw(item, giver).status == "withdrawn"  # twice: nothing changes
    for move in (rules.reserve, rules.renew):
        with pytest.raises(Conflict):
            move(item, new_actor() if move is rules.reserve else giver)
    assert rules.search("current")[0] == []


def test_expiry_and_renewal_before_and_after(box):
    giver = new_actor()
    item, _ = offer(giver)
    box.advance(days=20)
    item = rules.renew(item, giver)  # before: another full period from now
    assert item.expires_at == clock.now() + timedelta(days=21)
    box.advance(seconds=30)
    assert rules.renew(item, giver).expires_at == item.expires_at  # a double tap changes nothing
    box.advance(days=21)
    assert rules.status_of(fresh(item)) == "expired"
    assert [i.id for i in rules.search("expired")[0]] == [item.id]
    assert rules.search("current")[0] == []
    with pytest.raises(Conflict):
        rules.reserve(item, new_actor())
    with pytest.raises(Conflict):
        rules.mark_taken(item, new_actor())
    item = rules.renew(item, giver)  # after: back in the box
    assert rules.status_of(item) == "available"


def test_expiry_is_a_box_setting(box):
    settings.save({"item_expiry_days": 3})
    item, _ = offer(new_actor())
    assert item.expires_at == clock.now() + timedelta(days=3)


def test_a_reservation_keeps_the_item_past_its_expiry_until_it_lapses(box):
    item, _ = offer(new_actor())
    box.advance(days=20, hours=12)
    rules.reserve(item, new_actor())
    box.advance(hours=13)  # past the expiry, still reserved
    assert rules.status_of(fresh(item)) == "reserved"
    assert [i.id for i in rules.search("current")[0]] == [item.id]
    box.advance(hours=12)
    assert rules.status_of(fresh(item)) == "expired"


def test_wanted_items_have_no_reservation_and_only_the_asker_closes_them(box):
    asker = new_actor()
    item, _ = rules.post_item(asker, {"kind": "wanted", "title": "Poussette", "condition": "good"})
    assert item.kind == "wanted" and item.condition is None
    assert rules.status_label(item) == "still looking"
    with pytest.raises(Conflict):
        rules.reserve(item, new_actor())
    with pytest.raises(Forbidden):
        rules.mark_taken(item, new_actor())
    item = rules.mark_taken(item, asker)
    assert item.status == "taken" and rules.status_label(item) == "found"


def test_a_volunteer_may_do_every_move(box):
    item, _ = offer(new_actor(), where="at_giver")
    rules.reserve(item, new_actor())
    assert rules.status_of(rules.release(item, VOLUNTEER)) == "available"
    rules.edit_item(item, VOLUNTEER, {"description": "Vu par la médiathèque"})
    rules.renew(item, VOLUNTEER)
    assert rules.mark_taken(item, VOLUNTEER).status == "taken"
    other, _ = offer(new_actor(), title="Chaise")
    assert rules.withdraw(other, VOLUNTEER).status == "withdrawn"


def test_a_volunteer_posts_on_behalf_of_a_neighbour_without_a_phone(box):
    item, token = rules.post_item(VOLUNTEER, {"title": "Buffet de cuisine", "where": "at_giver",
                                              "pseudonym": "Mme Durand"}, on_behalf=True)
    assert item.on_behalf and item.device_id is None and item.pseudonym == "Mme Durand"
    assert Actor(manage_token=token).owns(item)  # the printed manage link works for her
    with pytest.raises(Forbidden):
        rules.post_item(new_actor(), {"title": "Pas bénévole"}, on_behalf=True)


def test_item_json_has_the_api_shape(app, box):
    giver, ana = new_actor(), new_actor()
    item, _ = offer(giver, condition="used")
    rules.reserve(item, ana)
    with app.test_request_context():  # the JSON shape lives beside the API, where URLs are built
        data = item_json(fresh(item), ana)
        mine = item_json(fresh(item), giver)["mine"]
    assert set(data) >= {"code", "kind", "title", "description", "category", "condition", "where",
                         "location_note", "status", "photos", "pseudonym", "created_at", "expires_at",
                         "reserved_until", "mine", "reserved_by_me", "html_url", "label_url"}
    assert data["status"] == "reserved" and data["reserved_by_me"] and not data["mine"]
    assert data["reserved_until"].endswith("+01:00") and data["where"] == "in_box"
    assert data["html_url"] == f"/give/{item.code}" and data["label_url"] == f"/give/{item.code}/label"
    assert mine is True


def test_search_pages_newest_first_with_words_and_filters(box):
    giver = Actor(device=new_actor().device, volunteer="the centre types them in")  # no rate limit
    for number in range(25):
        box.advance(minutes=3)
        offer(giver, title=f"Assiette n°{number}", category="maison")
    offer(giver, title="Tondeuse électrique", category="jardin", description="Marche très bien")
    first, next_page = rules.search("current")
    assert len(first) == 20 and next_page == 2 and first[0].title == "Tondeuse électrique"
    second, last = rules.search("current", page=2)
    assert len(second) == 6 and last is None
    assert [i.title for i in rules.search(q="electrique")[0]] == ["Tondeuse électrique"]  # accents ignored
    assert [i.title for i in rules.search(q="tond")[0]] == ["Tondeuse électrique"]  # word prefixes
    assert [i.title for i in rules.search(q="marche")[0]] == ["Tondeuse électrique"]  # the description too
    assert len(rules.search(category="jardin")[0]) == 1
    assert rules.search(q='"*')[0]  # nothing searchable: no filter, no error


def test_search_falls_back_to_like_without_the_fts_table(box, db):
    giver = new_actor()
    offer(giver, title="Tondeuse électrique")
    db.execute_sql("DROP TABLE item_fts")
    for trigger in ("item_fts_ai", "item_fts_ad", "item_fts_au"):
        db.execute_sql(f"DROP TRIGGER {trigger}")
    listing.forget_tables()
    try:
        assert [i.title for i in rules.search(q="Tondeuse")[0]] == ["Tondeuse électrique"]
        assert rules.search(q="vélo")[0] == []
    finally:
        listing.forget_tables()


def test_latest_links_to_the_item_page(box):
    item, _ = offer(new_actor())
    [entry] = rules.latest(4)
    assert entry.code == item.code and entry.title == item.title


def test_a_held_post_is_seen_by_its_owner_only(box):
    settings.save({"moderation_words": ["arnaque"]})
    giver = new_actor()
    item, token = offer(giver, title="Arnaque garantie")
    assert rules.get_item(item.code, giver).id == item.id
    assert rules.get_item(item.code, Actor(manage_token=token)).id == item.id
    with pytest.raises(NotFound):
        rules.get_item(item.code, new_actor())
