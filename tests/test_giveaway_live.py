"""The give-box over real HTTP (``boxlocale serve``): sixteen phones racing for one item, a whole
journey through the pages with a camera photo, and the request size limit."""

import re
import socket
import threading

from . import photo_factory
from .conftest import csrf_token
from .helpers import bearer


def api_phone(box):
    phone = box.session(language="en")
    key = phone.post(box.url + "/api/v1/devices").json()["device_key"]
    phone.headers.update(bearer(key))
    return phone


def test_sixteen_phones_reserve_at_once_exactly_one_wins(live_box):
    giver = api_phone(live_box)
    created = giver.post(live_box.url + "/api/v1/items", data={"title": "Poussette pliable", "where": "in_box"})
    assert created.status_code == 201
    code = created.json()["code"]
    phones = [api_phone(live_box) for _ in range(16)]
    start = threading.Barrier(len(phones))
    answers = [None] * len(phones)

    def reserve(number):
        start.wait()
        answers[number] = phones[number].post(f"{live_box.url}/api/v1/items/{code}/reserve", timeout=30)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * 15, statuses
    assert all(a.json()["error"]["code"] == "conflict" for a in answers if a.status_code == 409)
    [winner] = [n for n, answer in enumerate(answers) if answer.status_code == 200]
    for number, phone in enumerate(phones):
        item = phone.get(f"{live_box.url}/api/v1/items/{code}").json()
        assert item["status"] == "reserved" and item["reserved_by_me"] is (number == winner)


def test_offer_with_a_camera_photo_then_reserve_from_another_phone_then_taken(live_box):
    giver, taker = live_box.session(), live_box.session()
    url = live_box.url

    # A photo the box cannot read: refused, the form comes back filled, nothing is left on the disk.
    form = giver.get(url + "/give/offer").text
    fields = {"csrf_token": csrf_token(form), "title": "Vélo enfant 16 pouces", "category": "enfants",
              "condition": "good", "where": "in_box", "description": "Rouge, petites roues"}
    refused = giver.post(url + "/give/offer", data=fields, files={"photo": ("photo.jpg", b"not a photo", "image/jpeg")})
    assert refused.status_code == 415 and "Rouge, petites roues" in refused.text
    photo_dir = live_box.data_dir / "photos"
    assert not photo_dir.exists() or list(photo_dir.iterdir()) == []

    # The phone's 12 MP photo, taken upright (EXIF orientation 6), with GPS in it.
    fields["csrf_token"] = csrf_token(refused.text)
    posted = giver.post(url + "/give/offer", data=fields,
                        files={"photo": ("IMG_2041.jpg", photo_factory.camera_jpeg(), "image/jpeg")})
    assert posted.status_code == 200 and "Merci" in posted.text
    code = re.search(r'href="/give/(\w+)/manage/', posted.text).group(1)

    listing = taker.get(url + "/give/").text
    assert f'href="/give/{code}"' in listing and "Vélo enfant 16 pouces" in listing
    small = re.search(r'src="(/photos/[0-9a-f]{64})\.s\.jpg"', listing).group(1)
    thumb_response = taker.get(url + small + ".t.jpg")
    assert thumb_response.status_code == 200 and len(thumb_response.content) <= 30 * 1024
    assert "immutable" in thumb_response.headers["Cache-Control"]
    for size in (".s.jpg", ".t.jpg", ".jpg"):
        assert b"GPS" not in taker.get(url + small + size).content

    page = taker.get(f"{url}/give/{code}").text
    reserved = taker.post(f"{url}/give/{code}/reserve", data={"csrf_token": csrf_token(page)})
    assert reserved.status_code == 200 and "réservé jusqu’au" in reserved.text and "par vous" in reserved.text

    giver_page = giver.get(f"{url}/give/{code}").text
    assert "réservé" in giver_page
    taken = giver.post(f"{url}/give/{code}/taken", data={"csrf_token": csrf_token(giver_page)})
    assert taken.status_code == 200 and "trouvé preneur" in taken.text

    taker_page = taker.get(f"{url}/give/{code}").text
    assert "sinon, l’auriez-vous acheté" in taker_page
    answered = taker.post(f"{url}/give/{code}/bought", data={"csrf_token": csrf_token(taker_page), "answer": "no"})
    assert answered.status_code == 200 and "Merci pour votre réponse" in answered.text
    assert f'href="/give/{code}"' not in taker.get(url + "/give/").text  # no longer in the box


def test_a_request_over_25_mb_is_refused_before_it_is_read(live_box):
    """Only the headers are sent: the box answers 413 without waiting for 30 MB to arrive."""
    head = (
        "POST /api/v1/items HTTP/1.1\r\nHost: box.lan\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {30 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live_box.port), timeout=10) as connection:
        connection.sendall(head.encode() + b"--xyz\r\n")
        answer = connection.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
