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
