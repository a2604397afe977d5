"""What villagers and the API see of the network: the public directory of boxes, "from the box of X"
on shared notices, each journal entry's village in the book JSON (real data dirs, the app's pages)."""

import pytest

from boxlocale import settings
from boxlocale.models import NetBox

from .network_helpers import at, join, make_box, sync_in_process


@pytest.fixture
def network(tmp_path):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU", village="Feurs-en-Forez")
    c = make_box(tmp_path, "Lyon", "LYS")
    join(a, b)
    join(b, c)
    with at(b):
        settings.save({"opening_hours": "le samedi 10 h - 12 h"})
    stick = tmp_path / "stick"
    for box in (b, c, a, b, c, a):
        assert not sync_in_process(box, stick).problems
    return a, b, c


def page(box, path, language="en"):
    with at(box) as app:
        client = app.test_client()
        client.set_cookie("lang", language)
        answer = client.get(path, headers={"Accept-Language": language})
        return answer.status_code, answer.get_data(as_text=True)


def test_the_directory_lists_the_network_boxes_in_french_and_english(network):
    a, _b, _c = network
    status, html = page(a, "/network/")
    assert status == 200
    assert "<h1>The network's boxes</h1>" in html
    assert "Feurs" in html and "Feurs-en-Forez" in html and "le samedi 10 h - 12 h" in html
    assert "Lyon" in html and "(this box)" in html
    assert "Last news: today" in html
    status, html = page(a, "/network/", "fr")
    assert status == 200
    assert "Les boxes du réseau" in html and "Dernières nouvelles : aujourd'hui" in html
    assert "(cette box)" in html


def test_the_directory_is_linked_from_every_page_footer(network):
    a, _b, _c = network
    _status, html = page(a, "/")
    footer = html[html.index("<footer>"):]
    assert 'href="/network/"' in footer


def test_a_box_blocked_network_wide_leaves_the_directory(network):
    from boxlocale.db import writing
    from boxlocale.network import outbox

    a, _b, c = network
    with at(a):
        lyon = NetBox.get(NetBox.name == "Lyon").key
        with writing():
            outbox.block_box(lyon, "spam")
    _status, html = page(a, "/network/")
    assert "Lyon" not in html and "Feurs" in html


def test_a_lone_box_says_it_is_in_no_network(tmp_path):
    alone = make_box(tmp_path, "Seule", "SEU")
    status, html = page(alone, "/network/")
    assert status == 200 and "This box is not in a network of boxes yet." in html
