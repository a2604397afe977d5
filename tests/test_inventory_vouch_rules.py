"""The weekly inventory closes exactly the unticked items; vouches give a badge and are withdrawn with
their author's; letterbox codes work once and keep no address; the questions after a thanks count."""

import io
from datetime import timedelta

import pytest

from boxlocale import clock, stats
from boxlocale.devices import Actor
from boxlocale.errors import Conflict, Forbidden, NotFound, ValidationError
from boxlocale.giveaway import inventory
from boxlocale.giveaway import rules as giveaway
from boxlocale.models import Audit, Device, Inventory, Item, LetterboxCode, Volunteer
from boxlocale.people import rules as people
from boxlocale.people import vouching

from .helpers import new_actor
from .photo_factory import jpeg


@pytest.fixture
def box(app, db, frozen_clock):
    with app.test_request_context(headers={"Accept-Language": "en"}, environ_base={"REMOTE_ADDR": "10.42.0.7"}):
        yield frozen_clock


@pytest.fixture
def volunteer(box):
    claire = Volunteer.create(name="Claire", password_hash="x", created_at=clock.now())
    return Actor(volunteer=claire)


def fresh(record):
    return type(record).get_by_id(record.id)


# --- Inventory ------------------------------------------------------------------------------------


def test_the_inventory_closes_exactly_the_unticked_items(box, volunteer):
    giver = new_actor("Margot")
    items = [giveaway.post_item(giver, {"title": f"Objet {n}", "where": "in_box"})[0] for n in range(5)]
    at_giver, _token = giveaway.post_item(giver, {"title": "Armoire chez moi", "where": "at_giver"})
    giveaway.reserve(items[3], new_actor())
    listed = [item.id for item in inventory.in_the_box()]
    assert listed == [item.id for item in items]  # only what is said to be in the box
    found = inventory.add_found(volunteer, {"title": "Lampe de chevet", "category": "maison"})
    assert found.location == "in_box" and found.on_behalf
    posted_meanwhile, _token = giveaway.post_item(giver, {"title": "Posté pendant l'inventaire"})
    done = inventory.record(volunteer, listed, [items[0].id, items[2].id], added=[found.code])
    assert (done.seen, done.gone, done.added) == (2, 3, 1)
    for item in items:
        item = fresh(item)
        expected = "taken" if item.id in (items[1].id, items[3].id, items[4].id) else "available"
        assert giveaway.status_of(item) == expected, item.title
        assert (item.inventory_id == done.id) == (expected == "taken")
    assert fresh(items[3]).reserved_by_id is None
    assert giveaway.status_of(fresh(posted_meanwhile)) == "available"  # not shown: not closed
    assert giveaway.status_of(fresh(at_giver)) == "available" and giveaway.status_of(fresh(found)) == "available"
    assert stats.totals()["items_taken"] == 3  # they count as exchanges
    assert Audit.get(Audit.action == "inventory").detail == "seen 2, gone 3, added 1"


def test_the_inventory_keeps_a_photo_of_the_box_and_counts_week_by_week(box, volunteer):
    from boxlocale import photos

    item, _token = giveaway.post_item(new_actor(), {"title": "Objet"})
    processed = photos.process_one(io.BytesIO(jpeg()))
    first = inventory.record(volunteer, [item.id], [item.id], box_photo=processed)
    assert first.photo_id is not None and Inventory.get_by_id(first.id).created_at == clock.now()
    clock.advance(days=7)
    inventory.record(volunteer, [item.id], [])
    weeks = inventory.weekly()
    assert [(count, seen, gone) for _monday, count, seen, gone, _added in weeks] == [(1, 0, 1), (1, 1, 0)]


def test_deleting_an_item_keeps_the_same_photo_kept_as_the_box_photo(box, volunteer):
    from boxlocale import photos
    from boxlocale.console import moderation

    picture = jpeg()
    found = inventory.add_found(volunteer, {"title": "Lampe"}, [photos.process_one(io.BytesIO(picture))])
    done = inventory.record(volunteer, [found.id], [found.id], box_photo=photos.process_one(io.BytesIO(picture)))
    assert done.photo_id == Item.get_by_id(found.id).item_photos.get().photo_id  # one photo, stored once
    moderation.delete(moderation.get_post(f"item:{found.code}", volunteer), volunteer)
    kept = fresh(done).photo
    assert photos.display_path(kept.sha).exists() and photos.small_path(kept.sha).exists()


def test_only_volunteers_make_an_inventory_and_ticks_must_be_listed(box, volunteer):
    item, _token = giveaway.post_item(new_actor(), {"title": "Objet"})
    with pytest.raises(Forbidden):
        inventory.record(new_actor(), [item.id], [])
    with pytest.raises(ValidationError):
        inventory.record(volunteer, [item.id], [item.id + 100])
    assert giveaway.status_of(fresh(item)) == "available"


# --- Vouches --------------------------------------------------------------------------------------


def test_two_verified_neighbours_vouch_and_the_badge_says_so(box):
    anne, bruno, newcomer = new_actor("Anne", True), new_actor("Bruno", True), new_actor("Chloé")
    with pytest.raises(Forbidden):
        vouching.vouch(anne.device, newcomer)  # not verified: cannot vouch
    with pytest.raises(Forbidden):
        vouching.vouch(anne.device, anne)
    vouching.vouch(newcomer.device, anne)
    assert vouching.badge(fresh(newcomer.device)) is None
    assert vouching.allowed_moves(newcomer.device, anne) == {"unvouch"}
    vouching.vouch(newcomer.device, bruno)
    badge = vouching.badge(fresh(newcomer.device))
    assert badge["how"] == "vouched" and badge["vouches"] == 2
    actions = [(a.action, a.volunteer_name) for a in Audit.select().order_by(Audit.id)]
    assert actions == [("vouch", "neighbour: Anne"), ("vouch", "neighbour: Bruno"),
                       ("badge_vouched", "neighbour: Bruno")]
    assert Audit.get(Audit.action == "badge_vouched").detail == "Anne, Bruno"


def test_a_neighbours_vouches_go_with_their_badge_in_a_cascade(box, volunteer):
    anne, bruno = new_actor("Anne", True), new_actor("Bruno", True)
    chloe, david = new_actor("Chloé"), new_actor("David")
    for vouchee in (chloe, ):
        vouching.vouch(vouchee.device, anne)
        vouching.vouch(vouchee.device, bruno)
    chloe = Actor(device=fresh(chloe.device))
    vouching.vouch(david.device, chloe)
    vouching.vouch(david.device, bruno)
    assert vouching.badge(fresh(david.device))["how"] == "vouched"
    vouching.revoke(fresh(anne.device), volunteer)  # Anne's badge goes: Chloé falls to 1 vouch, then David
    assert fresh(anne.device).verified_at is None
    assert fresh(chloe.device).verified_at is None and fresh(david.device).verified_at is None
    assert fresh(bruno.device).verified_at is not None
    assert "badge_lapsed" in {a.action for a in Audit.select()}


def test_the_consoles_unverify_withdraws_vouches_too(box, volunteer, app):
    from flask import g

    from boxlocale.console import moderation

    anne, bruno, chloe = new_actor("Anne", True), new_actor("Bruno", True), new_actor("Chloé")
    vouching.vouch(chloe.device, anne)
    vouching.vouch(chloe.device, bruno)
    g.volunteer = volunteer.volunteer
    moderation.unverify(moderation.get_phone(bruno.device.id, volunteer), volunteer)
    assert fresh(chloe.device).verified_at is None


def test_a_letterbox_code_gives_the_badge_once_and_keeps_no_address_unless_wanted(box, volunteer):
    codes = vouching.make_letterbox_codes(volunteer, "Rue du Lavoir", 2)
    assert len(codes) == 2 and LetterboxCode.select().count() == 2
    assert all(code not in str(list(LetterboxCode.select().tuples())) for code in codes)  # only hashes kept
    first, second, third = new_actor("Elsa"), new_actor(), new_actor("Gaston")
    device = vouching.redeem_letterbox_code(codes[0].lower(), first, show_street=True)
    assert vouching.badge(device)["how"] == "letterbox" and vouching.badge(device)["street"] == "Rue du Lavoir"
    with pytest.raises(NotFound):
        vouching.redeem_letterbox_code(codes[0], third)  # once
    with pytest.raises(ValidationError):
        vouching.redeem_letterbox_code(codes[1], second)  # no pseudonym yet
    device = vouching.redeem_letterbox_code(codes[1], second, pseudonym="Fanny")
    assert device.pseudonym == "Fanny" and device.badge_street == ""
    assert LetterboxCode.get(LetterboxCode.used_by == device).street == ""  # not shown: forgotten
    with pytest.raises(Conflict):
        vouching.redeem_letterbox_code(vouching.make_letterbox_codes(volunteer, "Rue Haute", 1)[0], first)
    assert [a.action for a in Audit.select().where(Audit.action == "badge_letterbox")] == ["badge_letterbox"] * 2
    with pytest.raises(Forbidden):
        vouching.make_letterbox_codes(first, "Rue Haute", 1)


# --- Questions after a thanks ---------------------------------------------------------------------


def test_the_questions_after_a_thanks_give_acquaintances_and_purchases_avoided_per_month(box):
    giver, taker = new_actor("Margot"), new_actor("Paul")
    item, _token = giveaway.post_item(giver, {"title": "Perceuse", "category": "outils"})
    giveaway.mark_taken(item, taker)
    thanks = people.thank(people.get_target(f"item:{item.code}", taker), taker)
    assert people.thanks_questions(thanks) == ("met_someone_new", "would_have_bought")
    with pytest.raises(Forbidden):
        people.answer_thanks(thanks, giver, met_someone_new="yes")
    people.answer_thanks(thanks, taker, met_someone_new="yes")
    people.answer_thanks(thanks, taker, would_have_bought="yes")
    assert fresh(item).would_have_bought is True  # the taker's answer, counted once
    with pytest.raises(ValidationError):
        people.answer_thanks(thanks, taker, met_someone_new="maybe")
    figures = stats.totals()
    assert figures["new_acquaintances"] == 1 and figures["purchases_avoided"] == 1
    month = stats.monthly()[0]
    assert month["new_acquaintances"] == 1 and month["purchases_avoided"] == 1 and month["kg_reused"] == 2.0
    assert stats.monthly(clock.now() + timedelta(days=40))[0]["new_acquaintances"] == 0
    assert Device.select().count() == 2
    assert Item.select().count() == 1


def test_the_history_lists_inventories_newest_first_with_their_photo(box, volunteer):
    from boxlocale import photos

    item, _token = giveaway.post_item(new_actor(), {"title": "Objet"})
    with_photo = inventory.record(volunteer, [item.id], [item.id], box_photo=photos.process_one(io.BytesIO(jpeg())))
    clock.advance(days=7)
    without = inventory.record(volunteer, [item.id], [item.id])
    listed = inventory.history()
    assert [done.id for done in listed] == [without.id, with_photo.id]
    assert listed[0].photo_id is None and listed[1].photo.sha == fresh(with_photo).photo.sha
