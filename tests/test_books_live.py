"""The whole journey over the real server: a volunteer registers a book and prints its label, a
neighbour scans it with another phone and logs the catch in one tap, then releases it; the timeline
tells the story. And many phones registering at once over real HTTP get distinct codes."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from .books_factory import full_codes
from .conftest import csrf_token
from .helpers import bearer, submit
from .qr_decode import decode_svg_qr


def test_register_label_catch_release_timeline(live_box):
    volunteer = live_box.session()
    registered = submit(volunteer, "/books/new", {
        "title": "Le Tour du monde en quatre-vingts jours", "author": "Jules Verne", "language": "fr",
        "pseudonym": "Martine", "then": "label"})
    assert registered.status_code == 303
    label = volunteer.get(live_box.url + registered.headers["Location"])
    assert label.status_code == 200
    full = next(code for code in full_codes(label.text) if code.startswith("BOX-"))
    [payload] = decode_svg_qr(label.text)
    assert payload == f"http://box.lan/b/{full}"

    # Another phone scans the label: the box's DNS sends box.lan to the box, here the loopback port.
    neighbour = live_box.session()
    scanned = neighbour.get(live_box.url + urlsplit(payload).path)
    assert scanned.status_code == 200 and "J'ai trouvé ce livre" in scanned.text
    assert "BOX-0001" in scanned.text
    caught = neighbour.post(live_box.url + "/books/BOX-0001/journal", allow_redirects=False,
                            data={"csrf_token": csrf_token(scanned.text), "code": full, "kind": "caught"})
    assert caught.status_code == 303
    page = neighbour.get(live_box.url + "/books/BOX-0001").text
    assert "en voyage" in page and "Trouvé" in page

    released = submit(neighbour, f"/b/{full}", action="/books/BOX-0001/journal", data={
        "code": full, "kind": "released", "place": "elsewhere", "where": "Café de la Gare",
        "note": "Lu en deux jours.", "pseudonym": "Lucie"})
    assert released.status_code == 303
    timeline = requests.get(live_box.url + "/books/BOX-0001", headers={"Accept-Language": "fr"}, timeout=5).text
    journal = timeline[timeline.index('id="h-journal"'):]
    order = [journal.index(word) for word in ("Enregistré", "Trouvé", "Déposé", "Café de la Gare")]
    assert order == sorted(order)
    assert "Martine" in timeline and "Lucie" in timeline and "Lu en deux jours." in timeline
    assert "Passé entre les mains de 2 personnes" in timeline
    assert full not in timeline  # the public page never shows the full code

    api = requests.get(live_box.url + "/api/v1/books/BOX-0001", timeout=5).json()
    assert (api["status"], api["catches"]) == ("travelling", 1)
    assert [entry["kind"] for entry in api["journal"]] == ["caught", "released"]


def test_many_phones_registering_at_once_get_distinct_serials(live_box):
    keys = [requests.post(live_box.url + "/api/v1/devices", timeout=5).json()["device_key"] for _ in range(16)]

    def register(key):
        response = requests.post(live_box.url + "/api/v1/books", json={"title": "Germinal"},
                                 headers=bearer(key), timeout=20)
        assert response.status_code == 201, response.text
        return response.json()["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(register, keys))
    assert sorted(made) == [f"BOX-{n:04d}" for n in range(1, 17)]
