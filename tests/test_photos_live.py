"""Photos too large for the box, over the real server: the box's own page in the person's language
(French or English), never waitress's English plain text, and nothing saved."""

import sqlite3

import pytest

from .conftest import csrf_token

MB = 1024 * 1024


@pytest.mark.parametrize("language, words", [("fr", "trop gros pour la box"), ("en", "too large for the box")])
@pytest.mark.parametrize("size", [26 * MB, 40 * MB], ids=["just-over", "far-over"])
def test_a_photo_over_the_limit_gets_the_boxs_page(live_box, language, words, size):
    phone = live_box.session(language)
    form = phone.get(live_box.url + "/give/offer").text
    answer = phone.post(live_box.url + "/give/offer", data={"csrf_token": csrf_token(form), "title": "Armoire"},
                        files={"photo": ("IMG_0001.jpg", b"\xff" * size, "image/jpeg")})
    assert answer.status_code == 413
    assert answer.headers["Content-Type"].startswith("text/html") and words in answer.text
    with sqlite3.connect(live_box.data_dir / "boxlocale.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM item").fetchone() == (0,)


def test_far_over_the_limit_the_api_gets_its_json_error_unread(live_box):
    """waitress refuses it before reading the body, yet the answer is the API's own error."""
    import json
    import socket

    head = ("POST /api/v1/items HTTP/1.1\r\nHost: box.lan\r\nAccept-Language: en\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {60 * MB}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", live_box.port), timeout=10) as connection:
        connection.sendall(head.encode() + b"--xyz\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 20:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status, _, rest = answer.decode().partition("\r\n")
    headers, _, body = rest.partition("\r\n\r\n")
    assert status.startswith("HTTP/1.1 413") and "application/json" in headers
    assert "Content-Security-Policy" in headers
    assert json.loads(body)["error"]["code"] == "too_large"
