"""Unblocking a box across the network (a signed event, audited, whichever order the events come in)."""

from boxlocale.board import rules as board
from boxlocale.console import moderation
from boxlocale.db import writing
from boxlocale.models import Audit, NetBox, NetEvent, Notice
from boxlocale.network import log, outbox

from .helpers import volunteer_actor
from .network_helpers import at, join, make_box, sync_in_process, villager


def carry(stick, *boxes):
    for box in boxes:
        assert not sync_in_process(box, stick).problems


def key_of(box):
    with at(box):
        return log.self_key()


def test_an_unblocked_box_has_its_content_shown_again_everywhere_in_any_order(tmp_path):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    c = make_box(tmp_path, "Lyon", "LYS")
    join(a, b)
    join(a, c)
    with at(c):
        board.post_notice(villager(), {"kind": "info", "title": "Vide-grenier", "shared": "1"})
        board.post_notice(villager(), {"kind": "info", "title": "Masquée à part", "shared": "1"})
    carry(tmp_path / "stick", c, a)
    lyon = key_of(c)
    with at(a):
        volunteer = volunteer_actor()
        target = f"notice:{Notice.get(Notice.title == 'Masquée à part').id}"
        moderation.hide(moderation.get_post(target, volunteer), volunteer)
        with writing():
            outbox.block_box(lyon, "erreur")
        assert Notice.get(Notice.title == "Vide-grenier").hidden is True
        with writing():
            outbox.unblock_box(lyon)
        assert NetBox.get_by_id(lyon).blocked is False
        assert Notice.get(Notice.title == "Vide-grenier").hidden is False
        assert Notice.get(Notice.title == "Masquée à part").hidden is True  # hidden on its own: stays
        events = [log.as_event(row) for row in NetEvent.select()]
    unblock_first = sorted(events, key=lambda e: e.kind != "box.unblock")  # the unblock comes first
    with at(b):
        log.import_events(unblock_first)
        assert NetBox.get_by_id(lyon).blocked is False
        assert Notice.get(Notice.title == "Vide-grenier").hidden is False
        assert Notice.get(Notice.title == "Masquée à part").hidden is True


def test_the_console_unblocks_a_box_and_the_audit_says_so(tmp_path):
    from .console_helpers import logged_in, post

    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    feurs = key_of(b)
    with at(a) as app:
        client = logged_in(app, app.test_client())
        assert post(client, "/console/network/", {"action": "block", "box": feurs, "reason": "spam"}).status_code == 302
        assert "Débloquer dans tout le réseau" in client.get("/console/network/").get_data(as_text=True)
        assert post(client, "/console/network/", {"action": "unblock", "box": feurs}).status_code == 302
        assert NetBox.get_by_id(feurs).blocked is False
        assert NetEvent.select().where(NetEvent.kind == "box.unblock", NetEvent.box == log.self_key()).count() == 1
        assert Audit.select().where(Audit.action == "network_unblock").count() == 1
        assert str(moderation.action_label("network_unblock")) in ("unblocked a box in the whole network",
                                                                  "a débloqué une box dans tout le réseau")
