"""Moderation from the console: the queue, hide / restore / delete / close reports, review words,
blocking a phone, verified neighbours; every action leaves its audit line."""

import pytest

from boxlocale import clock, settings
from boxlocale.models import Audit, Book, Device, Flag, Item, JournalEntry, Notice, Reply, Vouch

from .conftest import csrf_token
from .console_helpers import book, device, item, journal, logged_in, notice, post, reply
from .helpers import new_device, volunteer_actor


def flag(target, reason="Arnaque", by=None, weight=1):
    return Flag.create(target=target, reason=reason, device=by or device(), weight=weight, created_at=clock.now())


def audit_actions():
    return [(a.volunteer_name, a.action, a.target) for a in Audit.select().order_by(Audit.id)]


@pytest.fixture
def console(app, client, db):
    return logged_in(app, client)


def test_the_queue_shows_reported_posts_with_their_reasons(console, db):
    bike = item(title="Vélo rouillé")
    flag(f"item:{bike.code}", "Photo volée")
    flag(f"item:{bike.code}", "Pas un don", weight=2)
    html = console.get("/console/moderation").get_data(as_text=True)
    assert "Vélo rouillé" in html and "Photo volée" in html and "Pas un don" in html
    assert "2 signalements" in html
    assert "1 publication attend une décision" in console.get("/console/").get_data(as_text=True)


def test_the_queue_links_each_post_to_its_public_page(console, db):
    bike, talk, shelf_book = item(title="Vélo rouillé"), notice(title="Soirée jeux"), book()
    answer, entry = reply(talk), journal(shelf_book)
    for target in (f"item:{bike.code}", f"notice:{talk.id}", f"book:{shelf_book.code}", f"reply:{answer.id}",
                   f"journal:{entry.id}"):
        flag(target)
    html = console.get("/console/moderation").get_data(as_text=True)
    assert f'href="/give/{bike.code}"' in html and f'href="/board/{talk.id}"' in html
    assert html.count(f'href="/books/{shelf_book.code}"') == 2 and html.count(f'href="/board/{talk.id}"') == 2


def test_the_console_rules_load_posts_for_volunteers_and_say_which_moves_they_have(app, db):
    from boxlocale.console import moderation
    from boxlocale.devices import Actor
    from boxlocale.errors import Forbidden

    volunteer, stranger = Actor(volunteer="Claire"), Actor(device=device())
    bike, held = item(title="Vélo rouillé"), item(title="Arnaque", hidden=True)
    flag(f"item:{bike.code}")
    with pytest.raises(Forbidden):
        moderation.get_post(f"item:{bike.code}", stranger)
    with pytest.raises(Forbidden):
        moderation.get_phone(bike.device_id, stranger)
    assert moderation.get_post(f"item:{bike.code}", volunteer).title == "Vélo rouillé"
    moves = {entry.target: moderation.allowed_moves(entry.post, volunteer) for entry in moderation.queue()}
    assert moves == {f"item:{bike.code}": {"hide", "delete", "resolve"},
                     f"item:{held.code}": {"restore", "delete", "keep_hidden"}}
    assert [moderation.allowed_moves(post, volunteer) for post in moderation.hidden_posts()] == [{"restore", "delete"}]
    assert moderation.allowed_moves(moderation.get_post(f"item:{bike.code}", volunteer), stranger) == set()
    with pytest.raises(Forbidden):
        moderation.hide(moderation.get_post(f"item:{bike.code}", volunteer), stranger)


def test_moves_made_without_a_request_name_their_volunteer_in_the_audit_log(app, db):
    """The network, the command line and tests call the rules without a request: the audit line names
    the actor passed in (it read the request's logged-in volunteer, "?" here), cascades included."""
    from boxlocale.console import moderation

    claire = volunteer_actor("Claire")
    bike, phone = item(title="Vélo rouillé"), new_device("Jeannette", verified=True)
    Vouch.create(voucher=phone, vouchee=new_device("Paul"), created_at=clock.now())
    moderation.hide(moderation.get_post(f"item:{bike.code}", claire), claire)
    moderation.block(phone, claire, "spam")
    moderation.unverify(phone, claire)
    lines = [(name, action) for name, action, _target in audit_actions()]
    assert lines == [("Claire", "hide"), ("Claire", "block"),
                     ("Claire", "unverify"), ("Claire", "vouches_withdrawn")]


def test_hide_then_restore_with_audit_lines(console, db):
    bike = item()
    target = f"item:{bike.code}"
    flag(target)
    assert post(console, "/console/moderation/act", {"target": target, "action": "hide"}).status_code == 302
    assert Item.get_by_id(bike.id).hidden
    assert Flag.get(Flag.target == target).resolution == "hidden"
    assert "Rien n" in console.get("/console/moderation").get_data(as_text=True)
    hidden_view = console.get("/console/moderation?view=hidden").get_data(as_text=True)
    assert bike.title in hidden_view
    post(console, "/console/moderation/act", {"target": target, "action": "restore"})
    assert not Item.get_by_id(bike.id).hidden
    assert audit_actions()[-2:] == [("Claire", "hide", target), ("Claire", "restore", target)]


def test_close_reports_without_changing_the_post(console, db):
    talk = notice(title="Soirée jeux")
    target = f"notice:{talk.id}"
    flag(target)
    post(console, "/console/moderation/act", {"target": target, "action": "resolve"})
    assert Flag.get(Flag.target == target).resolution == "dismissed"
    assert not Notice.get_by_id(talk.id).hidden
    assert audit_actions()[-1] == ("Claire", "resolve_reports", target)


def test_every_kind_of_post_can_be_moderated(console, db):
    shelf_book = book(title="Germinal")
    entry = journal(shelf_book, kind="comment", note="Bof")
    board = notice(title="Donne chatons")
    answer = reply(board, body="Moi !")
    posts = {f"book:{shelf_book.code}": Book, f"journal:{entry.id}": JournalEntry,
             f"notice:{board.id}": Notice, f"reply:{answer.id}": Reply}
    for target in posts:
        flag(target)
    html = console.get("/console/moderation").get_data(as_text=True)
    assert "Germinal" in html and "Bof" in html and "Donne chatons" in html and "Moi !" in html
    for target, model in posts.items():
        post(console, "/console/moderation/act", {"target": target, "action": "hide"})
        record_id = int(target.split(":")[1]) if not target.startswith("book") else shelf_book.id
        assert model.get_by_id(record_id).hidden, target
    assert [action for _who, action, _t in audit_actions()].count("hide") == 4


def test_delete_asks_first_and_links_the_authors_other_posts(console, db):
    troll = device("Troll")
    spam = item(owner=troll, title="Pub casino")
    other = notice(owner=troll, title="Encore du casino")
    target = f"item:{spam.code}"
    flag(target)
    confirm = console.get(f"/console/moderation/delete?target={target}").get_data(as_text=True)
    assert "Supprimer définitivement" in confirm and f"/console/phones/{troll.id}" in confirm
    authors_page = console.get(f"/console/phones/{troll.id}").get_data(as_text=True)
    assert "Pub casino" in authors_page and "Encore du casino" in authors_page
    assert post(console, "/console/moderation/delete", {"target": target}).status_code == 200  # not confirmed
    assert Item.get_or_none(Item.id == spam.id) is not None
    post(console, "/console/moderation/delete", {"target": target, "confirm": "1", "note": "spam"})
    assert Item.get_or_none(Item.id == spam.id) is None
    assert Notice.get_by_id(other.id)
    assert Flag.get(Flag.target == target).resolution == "deleted"
    assert audit_actions()[-1] == ("Claire", "delete", target)


def test_review_words_hold_a_post_until_a_volunteer_decides(app, console, db):
    with app.test_request_context():
        settings.save({"moderation_words": ["casino"]})
    held = item(title="Jetons de casino", hidden=True)
    decided = item(title="Autre casino", hidden=True)
    Audit.create(volunteer_name="Claire", action="hide", target=f"item:{decided.code}", created_at=clock.now())
    html = console.get("/console/moderation").get_data(as_text=True)
    assert "Jetons de casino" in html and "Retenue par un mot" in html
    assert "Autre casino" not in html  # a volunteer already decided on it
    post(console, "/console/moderation/act", {"target": f"item:{held.code}", "action": "keep_hidden"})
    assert "Jetons de casino" not in console.get("/console/moderation").get_data(as_text=True)
    assert Item.get_by_id(held.id).hidden
    assert audit_actions()[-1] == ("Claire", "keep_hidden", f"item:{held.code}")


def test_the_review_words_are_a_setting(app, console, db):
    page = console.get("/console/settings").get_data(as_text=True)
    assert 'name="moderation_words"' in page


def test_blocking_a_phone_needs_a_reason_and_stops_its_posts(app, client):
    """(No `db` fixture here: the phone's requests need their own app context, as on the box.)"""
    console = logged_in(app, client)
    key = "the-phone-key-of-the-troll-0123456789"
    with app.app_context():
        troll = new_device("Troll", created_at=clock.now(), key=key)
    refused = post(console, f"/console/phones/{troll.id}/block", {"reason": ""})
    assert refused.status_code == 400 and 'id="e-reason"' in refused.get_data(as_text=True)
    post(console, f"/console/phones/{troll.id}/block", {"reason": "Annonces injurieuses"})
    with app.app_context():
        blocked = Device.get_by_id(troll.id)
        assert blocked.blocked_at is not None and blocked.blocked_reason == "Annonces injurieuses"
        assert audit_actions()[-1][1] == "block"
    assert "Annonces injurieuses" in console.get("/console/moderation").get_data(as_text=True)

    phone = app.test_client()
    phone.set_cookie("bl_device", key)
    form = phone.get("/board/new").get_data(as_text=True)
    answer = phone.post("/board/new", data={"csrf_token": csrf_token(form), "kind": "info", "title": "Encore moi",
                                            "body": "..."})
    assert answer.status_code == 403
    assert "ne peut plus publier" in answer.get_data(as_text=True)

    post(console, f"/console/phones/{troll.id}/unblock")
    with app.app_context():
        assert Notice.select().where(Notice.title == "Encore moi").count() == 0
        assert Device.get_by_id(troll.id).blocked_at is None
        assert audit_actions()[-1][1] == "unblock"


def test_verified_neighbour_badge_is_given_shown_and_taken_back(app, console, db):
    margot = device("Margot")
    talk = notice(owner=margot, title="Atelier tricot")
    assert "voisin vérifié" not in console.get("/people/Margot").get_data(as_text=True)
    unknown = post(console, "/console/neighbours", {"pseudonym": "Personne"})
    assert unknown.status_code == 400 and 'id="e-pseudonym"' in unknown.get_data(as_text=True)
    assert post(console, "/console/neighbours", {"pseudonym": "Margot"}).status_code == 302
    verified = Device.get_by_id(margot.id)
    assert verified.verified_at is not None and verified.verified_by.name == "Claire"
    listing = console.get("/console/neighbours").get_data(as_text=True)
    assert "Margot" in listing and "par Claire" in listing
    visitor = app.test_client()
    assert "voisin vérifié" in visitor.get("/people/Margot").get_data(as_text=True)
    assert "voisin vérifié" in visitor.get(f"/board/{talk.id}").get_data(as_text=True)
    post(console, f"/console/phones/{margot.id}/unverify")
    assert Device.get_by_id(margot.id).verified_at is None
    assert "voisin vérifié" not in visitor.get("/people/Margot").get_data(as_text=True)
    assert [a for _w, a, _t in audit_actions()][-2:] == ["verify", "unverify"]


def test_moderators_can_moderate(app, client, db):
    logged_in(app, client, name="Paul", role="moderator")
    bike = item()
    post(client, "/console/moderation/act", {"target": f"item:{bike.code}", "action": "hide"})
    assert Item.get_by_id(bike.id).hidden
    assert audit_actions()[-1] == ("Paul", "hide", f"item:{bike.code}")


def test_volunteers_see_hidden_posts_on_the_public_pages(app, console, db):
    talk = notice(title="Annonce masquée", hidden=True)
    assert app.test_client().get(f"/board/{talk.id}").status_code == 404
    assert console.get(f"/board/{talk.id}").status_code == 200
