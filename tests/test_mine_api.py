"""My posts and answers over the JSON API: the same rules as the pages (my posts with their moves,
since the last visit, the recovery code, answers under items, the reserver's message, carpool seats,
reports with a preset reason)."""


from .helpers import api_headers, bearer


def test_my_posts_answers_and_since_the_last_visit(client):
    giver, neighbour = api_headers(client), api_headers(client)
    offer = client.post("/api/v1/items", json={"title": "Two chairs"}, headers=giver).get_json()
    wanted = client.post("/api/v1/items", json={"title": "A pram", "kind": "wanted"}, headers=giver).get_json()
    assert client.get("/api/v1/mine").status_code == 401
    mine = client.get("/api/v1/mine", headers=giver).get_json()
    assert [item["code"] for item in mine["offers"]] == [offer["code"]]
    assert "withdraw" in mine["offers"][0]["moves"] and mine["wanted"][0]["code"] == wanted["code"]
    assert mine["since_last_visit"] == []

    answer = client.post(f"/api/v1/items/{wanted['code']}/replies", json={"body": "I have one", "pseudonym": "Lou"},
                         headers=neighbour)
    assert answer.status_code == 201 and answer.get_json()["body"] == "I have one"
    assert client.post(f"/api/v1/items/{wanted['code']}/replies", json={"body": ""}, headers=neighbour).status_code == 400
    replies = client.get(f"/api/v1/items/{wanted['code']}/replies").get_json()["replies"]
    assert [reply["pseudonym"] for reply in replies] == ["Lou"]
    reserved = client.post(f"/api/v1/items/{offer['code']}/reserve", json={"message": "At 6 pm"}, headers=neighbour)
    assert reserved.status_code == 200

    news = client.get("/api/v1/mine", headers=giver).get_json()["since_last_visit"]
    assert {entry["kind"] for entry in news} == {"item_reply", "reserved"}
    assert client.post("/api/v1/mine/seen", headers=giver).status_code == 204
    assert client.get("/api/v1/mine", headers=giver).get_json()["since_last_visit"] == []


def test_a_recovery_code_gives_a_new_key_for_the_same_device(client):
    old = api_headers(client)
    item = client.post("/api/v1/items", json={"title": "Two chairs"}, headers=old).get_json()
    code = client.post("/api/v1/mine/recovery", headers=old).get_json()["recovery_code"]
    assert client.post("/api/v1/devices/recover", json={"code": "0000-0000-0000"}).status_code == 400
    key = client.post("/api/v1/devices/recover", json={"code": code}).get_json()["device_key"]
    new = bearer(key)
    assert client.get(f"/api/v1/items/{item['code']}", headers=new).get_json()["mine"] is True
    assert client.get("/api/v1/mine", headers=old).status_code == 401  # the lost key no longer works


def test_carpool_seats_and_a_preset_report(client):
    driver, passenger = api_headers(client), api_headers(client)
    notice = client.post("/api/v1/notices", json={"kind": "carpool", "title": "To the market",
                                                  "starts_at": "2030-12-13T08:00", "seats": 1},
                         headers=driver).get_json()
    assert notice["seats_left"] == 1
    asked = client.post(f"/api/v1/notices/{notice['id']}/replies", json={"body": "Room for me?", "seat": True},
                        headers=passenger).get_json()
    assert asked["seat_request"] is True and asked["accepted"] is False
    url = f"/api/v1/notices/{notice['id']}/replies/{asked['id']}/accept"
    assert client.post(url, headers=passenger).status_code == 403
    accepted = client.post(url, headers=driver).get_json()
    assert accepted["accepted"] is True and accepted["seats_left"] == 0
    assert client.get(f"/api/v1/notices/{notice['id']}").get_json()["seats_left"] == 0
    flag = client.post("/api/v1/flags", json={"target": f"notice:{notice['id']}", "preset": "spam"}, headers=passenger)
    assert flag.status_code == 201
    wrong = client.post("/api/v1/flags", json={"target": f"notice:{notice['id']}", "preset": "boring"}, headers=driver)
    assert wrong.status_code == 400 and "preset" in wrong.get_json()["error"]["fields"]
