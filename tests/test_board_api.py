"""The noticeboard, categories, flags and thanks as JSON (API.md)."""


from boxlocale import settings

from .helpers import api_headers

NOTICE = {"kind": "event", "category": "se-nourrir", "title": "Disco Soupe", "body": "Venez !",
          "starts_at": "2026-11-28T18:00:00+01:00", "ends_at": "2026-11-28T22:00:00+01:00",
          "place": "Salle des fêtes", "pseudonym": "Comité"}


def test_post_read_reply_close_and_thanks(client, frozen_clock):
    poster, neighbour = api_headers(client), api_headers(client)
    assert client.post("/api/v1/notices", json=NOTICE).status_code == 401
    created = client.post("/api/v1/notices", json=NOTICE, headers=poster)
    assert created.status_code == 201
    notice = created.get_json()
    assert notice["status"] == "open" and notice["mine"] is True and notice["replies"] == []
    assert notice["starts_at"] == "2026-11-28T18:00:00+01:00" and notice["expires_at"] == "2026-11-28T22:00:00+01:00"
    assert notice["html_url"].endswith(f"/board/{notice['id']}") and notice["manage_token"]
    path = f"/api/v1/notices/{notice['id']}"

    reply = client.post(path + "/replies", json={"body": "J'apporte une marmite", "pseudonym": "Lucie"},
                        headers=neighbour)
    assert reply.status_code == 201 and reply.get_json()["pseudonym"] == "Lucie"
    read = client.get(path, headers=neighbour).get_json()
    assert read["mine"] is False and [r["body"] for r in read["replies"]] == ["J'apporte une marmite"]
    assert client.get(path + "/event.ics").mimetype == "text/calendar"

    assert client.post(path + "/close", headers=neighbour).get_json()["error"]["code"] == "forbidden"
    closed = client.post(path + "/close", headers=poster)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = client.post(path + "/close", headers=poster)  # a repeated move is a no-op, as for items
    assert again.status_code == 200 and again.get_json()["status"] == "closed"
    assert client.post(path + "/replies", json={"body": "Trop tard"}, headers=neighbour).status_code == 409

    thanks = client.post("/api/v1/thanks", json={"target": f"notice:{notice['id']}"}, headers=neighbour)
    assert thanks.status_code == 201 and thanks.get_json()["to_pseudonym"] == "Comité"
    assert client.post("/api/v1/thanks", json={"target": f"notice:{notice['id']}"}, headers=neighbour).status_code == 409
    assert client.post("/api/v1/thanks", json={"target": f"notice:{notice['id']}"}, headers=poster).status_code == 403


def test_the_manage_token_lets_another_device_close(client, frozen_clock):
    notice = client.post("/api/v1/notices", json={"kind": "offer", "title": "Échelle"}, headers=api_headers(client)).get_json()
    other = api_headers(client)
    path = f"/api/v1/notices/{notice['id']}/close"
    assert client.post(path, json={"manage_token": "wrong"}, headers=other).status_code == 403
    assert client.post(path, json={"manage_token": notice["manage_token"]}, headers=other).status_code == 200


def test_the_manage_token_is_accepted_the_same_way_for_items_and_notices(client, frozen_clock):
    """The X-Manage-Token header or manage_token in the body, for both."""
    notice = client.post("/api/v1/notices", json={"kind": "offer", "title": "Échelle"}, headers=api_headers(client)).get_json()
    item = client.post("/api/v1/items", json={"kind": "offer", "title": "Vélo enfant"}, headers=api_headers(client)).get_json()
    other = api_headers(client)
    by_header = client.post(f"/api/v1/notices/{notice['id']}/renew", headers={**other, "X-Manage-Token": notice["manage_token"]})
    assert by_header.status_code == 200
    by_body = client.post(f"/api/v1/items/{item['code']}/withdraw", json={"manage_token": item["manage_token"]},
                          headers=other)
    assert by_body.status_code == 200 and by_body.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/items/{item['code']}/renew", json={"manage_token": "wrong"},
                       headers=other).status_code == 403


def test_validation_errors_name_the_fields_in_the_request_language(client):
    bad = client.post("/api/v1/notices", json={"kind": "event", "title": "ab", "seats": "x"},
                      headers=api_headers(client, "en"))
    error = bad.get_json()["error"]
    assert bad.status_code == 400 and error["code"] == "validation"
    assert set(error["fields"]) >= {"title", "starts_at"} and "characters" in error["fields"]["title"]
    french = client.post("/api/v1/notices", json={"kind": "offer", "title": ["x"]},
                         headers=api_headers(client, "fr"))
    assert french.get_json()["error"]["fields"]["title"] == "Ce champ doit être du texte."
    assert client.post("/api/v1/notices", data="[]", content_type="application/json",
                       headers=api_headers(client)).status_code == 400


def test_rate_limited_posts_get_429_with_retry_after(app, client):
    with app.app_context():
        settings.save({"posts_per_hour": 2})
    key = api_headers(client)
    for _ in range(2):
        assert client.post("/api/v1/notices", json={"kind": "info", "title": "Info"}, headers=key).status_code == 201
    limited = client.post("/api/v1/notices", json={"kind": "info", "title": "Info"}, headers=key)
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.post("/api/v1/notices", json={"kind": "info", "title": "Info"}, headers=api_headers(client)).status_code == 201


def test_the_list_filters_and_upcoming_order(client, frozen_clock):
    key = api_headers(client)
    for day in ("30", "25", "27"):
        client.post("/api/v1/notices", json={**NOTICE, "title": f"Fête du {day}", "ends_at": "",
                                             "starts_at": f"2026-11-{day}T18:00"}, headers=key)
    client.post("/api/v1/notices", json={"kind": "offer", "title": "Je prête une échelle", "category": "preter"},
                headers=key)
    upcoming = client.get("/api/v1/notices?upcoming=1").get_json()
    assert [n["title"] for n in upcoming["items"]] == ["Fête du 25", "Fête du 27", "Fête du 30"]
    assert upcoming["next_page"] is None
    assert [n["title"] for n in client.get("/api/v1/notices?category=preter").get_json()["items"]] == [
        "Je prête une échelle"]
    assert [n["title"] for n in client.get("/api/v1/notices?q=echelle").get_json()["items"]] == [
        "Je prête une échelle"]
    assert client.get("/api/v1/notices?page=0").status_code == 400
    assert client.get("/api/v1/notices/999").status_code == 404


def test_flags_hide_after_the_threshold_and_a_verified_report_weighs_two(app, client, frozen_clock):
    from boxlocale.models import Device

    notice = client.post("/api/v1/notices", json={"kind": "offer", "title": "Montres de luxe"}, headers=api_headers(client))
    target = f"notice:{notice.get_json()['id']}"
    assert client.post("/api/v1/flags", json={"target": target, "reason": "Pub"}).status_code == 401
    first = client.post("/api/v1/flags", json={"target": target, "reason": "Pub"}, headers=api_headers(client))
    assert first.status_code == 201 and first.get_json()["hidden"] is False
    verified_key = api_headers(client)
    with app.app_context():
        newest = Device.select().order_by(Device.id.desc()).get()  # the device of verified_key
        newest.verified_at = frozen_clock.now()
        newest.save()
    second = client.post("/api/v1/flags", json={"target": target, "reason": "Arnaque"}, headers=verified_key,
                         environ_base={"REMOTE_ADDR": "10.42.0.12"})  # another phone, another address
    assert second.get_json()["hidden"] is True
    assert client.get(f"/api/v1/{target.replace(':', 's/')}").status_code == 404
    assert client.get("/api/v1/notices").get_json()["items"] == []
    bad = client.post("/api/v1/flags", json={"target": "moon:1", "reason": "Pub"}, headers=api_headers(client))
    assert bad.status_code == 400 and "target" in bad.get_json()["error"]["fields"]


def test_categories_in_the_request_language_without_those_switched_off(app, client):
    french = client.get("/api/v1/categories").get_json()
    assert {"id": "se-deplacer", "label": "Se déplacer"} in french["notices"]
    assert [c["id"] for c in french["notices"]][0] == "se-nourrir" and len(french["notices"]) == 7
    english = client.get("/api/v1/categories", headers={"Accept-Language": "en"}).get_json()
    assert {"id": "se-deplacer", "label": "Getting around"} in english["notices"]
    assert french["items"], "the give-box categories"
    switched_off = french["items"][0]["id"]
    with app.app_context():
        settings.save({"categories_off": [switched_off]})
    ids = [c["id"] for c in client.get("/api/v1/categories").get_json()["items"]]
    assert switched_off not in ids and len(ids) == len(french["items"]) - 1
