"""The time bank, draws, badges and thanks questions as JSON, on the app with a real SQLite file."""

import pytest

from boxlocale import clock
from boxlocale.models import Device

from .helpers import api_headers


@pytest.fixture
def keys(client):
    """Makes a new phone on the API: its headers."""
    return lambda: api_headers(client, language="fr")


def named(client, headers, pseudonym):
    """Give the device a pseudonym the way a phone does: by posting with it."""
    posted = client.post("/api/v1/notices", json={"kind": "info", "title": f"Bonjour de {pseudonym}",
                                                  "pseudonym": pseudonym}, headers=headers)
    assert posted.status_code == 201


def test_record_confirm_by_code_and_read_the_balances(client, keys, frozen_clock):
    margot, paul, zoe = keys(), keys(), keys()
    named(client, zoe, "Zoé")
    notice = client.post("/api/v1/notices", json={"kind": "request", "title": "Aide pour la haie",
                                                  "pseudonym": "Margot"}, headers=margot).get_json()
    client.post(f"/api/v1/notices/{notice['id']}/replies", json={"body": "Je viens", "pseudonym": "Paul"},
                headers=paul)
    hours = {"with": "Margot", "direction": "gave", "hours": "1.5", "note": "taille"}
    early = client.post(f"/api/v1/notices/{notice['id']}/hours", json=hours, headers=paul)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "conflict"
    client.post(f"/api/v1/notices/{notice['id']}/close", headers=margot)
    assert client.post(f"/api/v1/notices/{notice['id']}/hours", json=hours).status_code == 401
    bad = client.post(f"/api/v1/notices/{notice['id']}/hours", json={**hours, "hours": "lots"}, headers=paul)
    assert bad.status_code == 400 and "hours" in bad.get_json()["error"]["fields"]
    clock.advance(minutes=5)
    recorded = client.post(f"/api/v1/notices/{notice['id']}/hours", json=hours, headers=paul)
    assert recorded.status_code == 201
    entry = recorded.get_json()
    assert entry["status"] == "pending" and entry["from"] == "Paul" and entry["to"] == "Margot"
    assert entry["hours"] == 1.5 and entry["moves"] == ["withdraw"] and len(entry["confirm_code"]) == 6
    assert client.get(f"/api/v1/timebank/entries/{entry['id']}", headers=zoe).status_code == 404
    mine = client.get("/api/v1/timebank/accounts/Margot", headers=margot).get_json()
    assert [e["id"] for e in mine["to_confirm"]] == [entry["id"]] and mine["balance_hours"] == 0
    assert "to_confirm" not in client.get("/api/v1/timebank/accounts/Margot").get_json()
    hers = client.get("/api/v1/mine", headers=margot).get_json()
    assert [(n["kind"], n["title"], n["who"]) for n in hers["since_last_visit"] if n["kind"] == "hours_to_confirm"] == [
        ("hours_to_confirm", "Aide pour la haie", "Paul")]
    waiting = hers["timebank"]  # the same on "my posts"
    assert [(e["id"], e["moves"]) for e in waiting["to_confirm"]] == [(entry["id"], ["confirm", "decline"])]
    asked = client.get("/api/v1/mine", headers=paul).get_json()["timebank"]
    assert [(e["id"], e["moves"]) for e in asked["recorded"]] == [(entry["id"], ["withdraw"])]
    wrong = client.post("/api/v1/timebank/confirm", json={"code": entry["confirm_code"]}, headers=zoe)
    assert wrong.status_code == 404
    confirmed = client.post("/api/v1/timebank/confirm", json={"code": entry["confirm_code"]}, headers=margot)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert client.get("/api/v1/timebank/accounts/Paul").get_json()["balance_hours"] == 1.5
    margot_account = client.get("/api/v1/timebank/accounts/Margot").get_json()
    assert margot_account["balance_hours"] == -1.5 and margot_account["limit_hours"] == 10
    assert client.get("/api/v1/timebank/accounts/Personne").status_code == 404
    ledger = client.get("/api/v1/timebank/entries").get_json()
    assert [(e["id"], e["from"], e["to"], e["hours"]) for e in ledger["entries"]] == [(entry["id"], "Paul", "Margot", 1.5)]
    assert ledger["next_page"] is None
    assert client.get("/api/v1/timebank/entries?page=2").get_json() == {"entries": [], "next_page": None}
    assert client.get("/api/v1/timebank/entries?page=zéro").status_code == 400
    stats = client.get("/api/v1/stats").get_json()["since_start"]
    assert stats["hours_exchanged"] == 1.5 and stats["people_exchanged"] == 2


def test_confirm_decline_withdraw_moves(client, keys, frozen_clock):
    margot, paul = keys(), keys()
    notice = client.post("/api/v1/notices", json={"kind": "offer", "title": "Cours d'informatique",
                                                  "pseudonym": "Margot"}, headers=margot).get_json()
    client.post(f"/api/v1/notices/{notice['id']}/replies", json={"body": "Oui !", "pseudonym": "Paul"}, headers=paul)
    client.post(f"/api/v1/notices/{notice['id']}/close", headers=margot)
    entry = client.post(f"/api/v1/notices/{notice['id']}/hours",
                        json={"with": "Paul", "direction": "gave", "hours": "2"}, headers=margot).get_json()
    path = f"/api/v1/timebank/entries/{entry['id']}"
    assert client.post(path + "/confirm", headers=margot).status_code == 403
    assert client.post(path + "/decline", headers=paul).get_json()["status"] == "cancelled"
    assert client.post(path + "/confirm", headers=paul).status_code == 409
    assert client.post(path + "/withdraw", headers=margot).get_json()["status"] == "cancelled"  # again: same


def test_a_draw_over_the_api(client, keys, frozen_clock):
    giver, lili, max_ = keys(), keys(), keys()
    item = client.post("/api/v1/items", json={"title": "Vélo enfant", "category": "enfants", "draw": True},
                       headers=giver).get_json()
    path = f"/api/v1/items/{item['code']}/draw"
    draw = client.get(path).get_json()
    assert draw["status"] == "open" and draw["seed"] is None and draw["count"] == 0
    assert client.post(f"/api/v1/items/{item['code']}/reserve", headers=lili).status_code == 409
    assert client.post(path + "/interested", json={"word": "x"}, headers=lili).status_code == 400
    assert client.post(path + "/interested", json={"word": "Lili"}).status_code == 401
    joined = client.post(path + "/interested", json={"word": "Lili"}, headers=lili).get_json()
    assert joined["mine"] == {"word": "Lili", "rank": None} and joined["moves"] == ["not_interested"]
    client.post(path + "/interested", json={"word": "Max"}, headers=max_)
    assert client.post(path + "/interested", json={"word": "Moi"}, headers=giver).status_code == 409
    clock.advance(hours=24, seconds=1)
    drawn = client.get(path, headers=lili).get_json()  # the first request after the window draws
    assert drawn["status"] == "drawn" and drawn["seed"] and drawn["current_rank"] == 0
    assert sorted(e["rank"] for e in drawn["entries"]) == [0, 1]
    winner_word = drawn["entries"][0]["word"]
    winner = lili if winner_word == "Lili" else max_
    assert client.get(path, headers=winner).get_json()["i_won"] is True
    reserved = client.get(f"/api/v1/items/{item['code']}", headers=winner).get_json()
    assert reserved["status"] == "reserved" and reserved["reserved_by_me"] is True
    loser = max_ if winner is lili else lili
    news = {name: [(entry["kind"], entry["title"]) for entry in client.get("/api/v1/mine", headers=headers)
                   .get_json()["since_last_visit"] if entry["kind"].startswith("draw_")]
            for name, headers in (("winner", winner), ("loser", loser))}
    assert news == {"winner": [("draw_won", "Vélo enfant")], "loser": [("draw_not_drawn", "Vélo enfant")]}
    assert client.get("/api/v1/items/ZZZZ/draw").status_code == 404
    plain = client.post("/api/v1/items", json={"title": "Pull", "category": "vetements"}, headers=giver).get_json()
    assert client.get(f"/api/v1/items/{plain['code']}/draw").status_code == 404


def test_badges_vouches_letterbox_and_thanks_answers(app, client, keys, frozen_clock):
    anne, bruno, chloe = keys(), keys(), keys()
    for headers, name in ((anne, "Anne"), (bruno, "Bruno"), (chloe, "Chloé")):
        named(client, headers, name)
    with app.app_context():
        Device.update(verified_at=clock.now(), verified_how="volunteer").where(
            Device.pseudonym.in_(["Anne", "Bruno"])).execute()
    assert client.get("/api/v1/people/Chloé/badge").get_json()["verified"] is False
    assert client.post("/api/v1/people/Anne/vouch", headers=chloe).status_code == 403
    client.post("/api/v1/people/Chloé/vouch", headers=anne)
    badge = client.post("/api/v1/people/Chloé/vouch", headers=bruno).get_json()
    assert badge["verified"] is True and badge["how"] == "vouched" and badge["vouches"] == 2
    lapsed = client.delete("/api/v1/people/Chloé/vouch", headers=bruno).get_json()
    assert lapsed["verified"] is False
    assert client.get("/api/v1/people/Nobody/badge").status_code == 404

    wrong = client.post("/api/v1/letterbox", json={"code": "ABCDEFGH", "pseudonym": "Chloé"}, headers=chloe)
    assert wrong.status_code == 404 and wrong.get_json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/letterbox", json={"code": "abc"}, headers=chloe).status_code == 400

    item = client.post("/api/v1/items", json={"title": "Perceuse", "category": "outils"}, headers=anne).get_json()
    client.post(f"/api/v1/items/{item['code']}/taken", headers=chloe)
    thanks = client.post("/api/v1/thanks", json={"target": f"item:{item['code']}"}, headers=chloe).get_json()
    path = f"/api/v1/thanks/{thanks['id']}/answers"
    assert client.post(path, json={"met_someone_new": True}, headers=anne).status_code == 404
    assert client.post(path, json={"met_someone_new": "peut-être"}, headers=chloe).status_code == 400
    answered = client.post(path, json={"met_someone_new": True, "would_have_bought": False}, headers=chloe)
    assert answered.status_code == 200 and answered.get_json()["met_someone_new"] is True
    stats = client.get("/api/v1/stats").get_json()["last_7_days"]
    assert stats["new_acquaintances"] == 1 and stats["purchases_avoided"] == 0


ODD_BODIES = [None, [], "texte", 12, {"with": ["x"], "direction": 3, "hours": {"a": 1}, "note": None},
              {"code": 123456}, {"word": ["Lili"]}, {"met_someone_new": [], "would_have_bought": {}},
              {"code": "x" * 5000, "pseudonym": 7, "show_street": "peut-être"}]


def test_odd_bodies_get_a_clear_4xx_never_a_5xx(client, keys, frozen_clock):
    device = keys()
    item = client.post("/api/v1/items", json={"title": "Vélo", "draw": True}, headers=device).get_json()
    paths = ["/api/v1/notices/1/hours", "/api/v1/timebank/confirm", "/api/v1/timebank/entries/1/confirm",
             f"/api/v1/items/{item['code']}/draw/interested", "/api/v1/letterbox", "/api/v1/thanks/1/answers",
             "/api/v1/people/Nobody/vouch"]
    for path in paths:
        for body in ODD_BODIES:
            answer = client.post(path, json=body, headers=device)
            assert 400 <= answer.status_code < 500, (path, body, answer.status_code)
            assert answer.get_json()["error"]["message"]
