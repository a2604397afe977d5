"""The network of boxes: identity, the signed log, admission, what travels, bad input (in process,
real data dirs, the real CLI for requests and admissions)."""

import json
import shutil
import stat
from datetime import timedelta

import pytest

from boxlocale.board import rules as board
from boxlocale.books import rules as books
from boxlocale.console import moderation
from boxlocale.devices import Actor
from boxlocale.errors import Conflict
from boxlocale.models import Book, NetBox, NetEvent, Notice
from boxlocale.network import admission, apply, identity, log, sync
from boxlocale.network import format as fmt

from .books_factory import write
from .network_helpers import at, digest, join, make_box, moderate, sync_in_process, villager


@pytest.fixture
def network(tmp_path):
    """Three boxes in one network: Chavenay founded it, admitted Feurs, which admitted Lyon."""
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    c = make_box(tmp_path, "Lyon", "LYS")
    join(a, b)
    join(b, c)
    return a, b, c


def carry(stick, *boxes):
    for box in boxes:
        report = sync_in_process(box, stick)
        assert not report.problems, report.problems
    return report


# --- identity and format ------------------------------------------------------------------------

def test_box_key_is_made_once_secret_and_kept(tmp_path):
    data = make_box(tmp_path, "Chavenay", "CHV")
    path = identity.key_path(data)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    with at(data):
        key = log.self_key()
        assert NetBox.get_by_id(key).prefix == "CHV"
    with at(data):
        assert log.self_key() == key
    assert path.read_text() == first
    assert not list(data.glob(".box_key*"))  # no temporary file left


def test_an_existing_box_gets_its_key_and_tables_on_upgrade(tmp_path):
    from boxlocale import migrations
    from boxlocale.db import database

    data = tmp_path / "old"
    data.mkdir()
    import sqlite3

    raw = sqlite3.connect(data / "boxlocale.sqlite3")
    for number in range(4):
        for statement in migrations._statements(migrations.V1_CORE if number == 0 else
                                                [migrations.V2_DOMAINS, "", migrations.V4_LISTING_INDEXES][number - 1]):
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 4")
    raw.commit()
    raw.close()
    with at(data):
        assert migrations.current_version(database) == migrations.LATEST
        assert NetEvent.select().where(NetEvent.kind == "box.info").count() == 1
    assert identity.key_path(data).exists()


def test_a_changed_header_payload_or_signature_is_refused(tmp_path):
    from nacl.signing import SigningKey

    key = SigningKey.generate()
    event = fmt.make_event(key, 1, "", fmt.hlc_from_ms(1), "book.register", {"code": "CHV-0001"})
    record = event.record()
    assert fmt.parse_record(record).id == event.id
    cases = {
        "payload does not match": dict(record, p=fmt.canonical({"code": "CHV-0002"})),
        "bad signature": dict(record, h=record["h"].replace('"seq":1', '"seq":2').replace('"prev":""', '"prev":"' + "a" * 64 + '"')),
        "signature missing": dict(record, s="00"),
        "not in canonical form": dict(record, h=record["h"].replace(",", ", ")),
        "not an event record": {"h": record["h"]},
    }
    for expected, bad in cases.items():
        with pytest.raises(fmt.BadEvent, match=expected.split()[0]):
            fmt.parse_record(bad)
    forged = fmt.make_event(SigningKey.generate(), 1, "", 1, "book.register", {"code": "CHV-0001"}).record()
    forged["h"] = forged["h"].replace(json.loads(forged["h"])["box"], key.verify_key.encode().hex())
    with pytest.raises(fmt.BadEvent, match="bad signature"):
        fmt.parse_record(forged)


# --- what travels -------------------------------------------------------------------------------

def test_a_book_its_journal_and_a_shared_notice_travel_a_to_b_to_c(network, tmp_path):
    a, b, c = network
    with at(a) as app:
        book, _ = books.register(villager("Marie"), {"title": "Germinal", "author": "Zola"})
        write(book, "released", actor=villager(), where="Chavenay")
        shared, _ = board.post_notice(villager(), {"kind": "info", "title": "Disco Soupe samedi",
                                                   "contact": "06 00 00 00 00", "shared": "1"})
        board.post_notice(villager(), {"kind": "info", "title": "Only here", "contact": "secret"})
        code = book.code
    stick = tmp_path / "stick"
    carry(stick, a)
    with at(b):
        assert NetEvent.select().count() < 20
    carry(stick, b)
    with at(b):
        caught = Book.get(Book.code == code)
        write(caught, "caught", actor=villager(), where="Feurs")
    carry(stick, b, c)
    with at(c) as app:
        book = Book.get(Book.code == code)
        assert book.catches == 1 and book.status == "travelling"
        assert [n.title for n in Notice.select()] == ["Disco Soupe samedi"]
        assert Notice.get().contact == "06 00 00 00 00"
        page = app.test_client().get(f"/books/{code}").get_data(as_text=True)
        assert "This book has visited 2 villages" in page or "Ce livre a visité 2 villages" in page
        assert "Feurs" in page and "Chavenay" in page
        notice_page = app.test_client().get(f"/board/{Notice.get().id}").get_data(as_text=True)
        assert "Chavenay" in notice_page
    raw = "".join(p.read_text() for p in stick.rglob("*.jsonl"))
    assert "Only here" not in raw and "secret" not in raw  # not shared: never travels
    assert "key_hash" not in raw and "manage" not in raw


def test_everyone_ends_with_the_same_state_and_again_changes_nothing(network, tmp_path):
    a, b, c = network
    with at(a):
        books.register(villager(), {"title": "Germinal"})
    with at(c):
        board.post_notice(villager(), {"kind": "info", "title": "Covoiturage", "shared": True})
    stick = tmp_path / "stick"
    carry(stick, a, b, c, a, b, c)
    digests = {digest(box) for box in (a, b, c)}
    assert len(digests) == 1
    before = digest(a)
    report = carry(stick, a)
    assert report.came == 0 and report.went == 0 and digest(a) == before


def test_hide_restore_and_delete_by_volunteers_reach_every_box(network, tmp_path):
    a, b, c = network
    with at(a):
        notice, _ = board.post_notice(villager(), {"kind": "info", "title": "Vide-grenier", "body": "rue haute",
                                                   "shared": "1"})
        book, _ = books.register(villager(), {"title": "Nana"})
        target_book = f"book:{book.code}"
    stick = tmp_path / "stick"
    carry(stick, a, b, c)
    with at(b):
        moderate(moderation.hide, target_book)
    carry(stick, b, a, c)
    for box in (a, c):
        with at(box):
            assert Book.get().hidden is True
    with at(c):
        moderate(moderation.restore, target_book)
        moderate(moderation.delete, f"notice:{Notice.get().id}")
    carry(stick, c, a, b)
    for box in (a, b, c):
        with at(box):
            assert Book.get().hidden is False
            assert Notice.select().count() == 0
            assert not NetEvent.select().where(NetEvent.payload.contains("Vide-grenier")).exists()
    assert "Vide-grenier" not in "".join(p.read_text() for p in stick.rglob("*.jsonl"))


def _book_caught_at_feurs(network, tmp_path, where):
    """Chavenay registers a book, a stick carries it to Feurs, where it is caught at ``where``.
    → (code, the stick)."""
    a, b, _c = network
    with at(a):
        code = books.register(villager(), {"title": "Voyageur"})[0].code
    stick = tmp_path / "stick"
    carry(stick, a, b)
    with at(b):
        write(Book.get(Book.code == code), "caught", actor=villager(), where=where)
    return code, stick


def _book_with_an_entry_deleted_on_lyon(network, tmp_path):
    """Chavenay's book gets an entry at Feurs; Lyon deletes the book. → (code, entry's event id, the
    stick, a copy of it without Lyon's own files: a Syncthing folder carries file by file, so the
    files its sync rewrote without the content can arrive before Lyon's deletion)."""
    a, b, c = network
    code, stick = _book_caught_at_feurs(network, tmp_path, where="Feurs")
    with at(b):
        entry_id = NetEvent.get(NetEvent.kind == "journal.add").id
    carry(stick, b, c)
    with at(c):
        moderate(moderation.delete, f"book:{code}")
        lyon = log.self_key()
    carry(stick, c)
    partial = tmp_path / "partial"
    shutil.copytree(stick, partial)
    shutil.rmtree(partial / sync.FOLDER_NAME / lyon)
    return code, entry_id, stick, partial


def test_content_deleted_elsewhere_never_waits_and_a_local_deletion_settles_it(network, tmp_path):
    """An entry that arrives without its content (deleted on another box) has nothing to show: it
    is not left pending for ever (its book is named only in the content, so no deletion could ever
    match it). A volunteer here deletes the book too, through the same handler as an imported
    deletion, and a new entry may take the freed local id."""
    a, b, c = network
    code, entry_id, stick, partial = _book_with_an_entry_deleted_on_lyon(network, tmp_path)
    carry(partial, a)
    with at(a):
        assert NetEvent.get_by_id(entry_id).state == "applied"
        assert not NetEvent.select().where(NetEvent.state == "pending").exists()
        moderate(moderation.delete, f"book:{code}")
        assert not NetEvent.select().where(NetEvent.state == "pending").exists()
        again = books.register(villager(), {"title": "Suivant"})[0]
        write(again, "released", actor=villager(), where="Chavenay")  # may reuse the entry's local id
    carry(stick, a, b, c, a, b)
    assert len({digest(box) for box in (a, b, c)}) == 1


def test_content_that_comes_back_after_its_deletion_is_not_kept(network, tmp_path):
    """A copy of the stick made before Lyon's deletion still holds the entry's content: a box that
    has the deletion keeps its copy without it."""
    a, b, c = network
    code, stick = _book_caught_at_feurs(network, tmp_path, where="Gare de Feurs")
    carry(stick, b)
    old_copy = tmp_path / "old-copy"
    shutil.copytree(stick, old_copy)
    carry(stick, c)
    with at(c):
        moderate(moderation.delete, f"book:{code}")
    carry(stick, c, a)
    for box in (a, c):
        sync_in_process(box, old_copy)
        with at(box):
            assert not NetEvent.select().where(NetEvent.payload.contains("Gare de")).exists()
            assert not NetEvent.select().where(NetEvent.state == "pending").exists()


def test_a_box_no_admitted_box_vouched_for_is_kept_aside(network, tmp_path):
    a, _b, _c = network
    stranger = make_box(tmp_path, "Ailleurs", "XXX")
    with at(stranger):
        books.register(villager(), {"title": "Spam"})
    stick = tmp_path / "stick"
    carry(stick, stranger, a)
    with at(a):
        assert not Book.select().where(Book.title == "Spam").exists()
        assert NetEvent.select().where(NetEvent.state == "aside").count() >= 2
        written_out = sync.write_folder(tmp_path / "other", {})
        assert "Spam" not in "".join(p.read_text() for p in (tmp_path / "other").rglob("*.jsonl"))
        assert written_out > 0
    join(a, stranger)
    with at(a):
        assert Book.select().where(Book.title == "Spam").exists()  # vouched for now: shown


def test_a_prefix_another_box_holds_is_refused(network, tmp_path):
    a, _b, _c = network
    twin = make_box(tmp_path, "Jumeau", "FEU")
    with at(twin):
        request = admission.join_request()
    with at(a), pytest.raises(Conflict):
        admission.admit(request)


def test_unknown_kinds_are_kept_and_passed_on(network, tmp_path):
    a, b, c = network
    with at(a):
        from boxlocale.db import writing

        with writing():
            log.emit("poll.create", {"question": "Une fête en juin ?"}, applied=False)
            apply.settle()
    carry(tmp_path / "stick", a, b)
    with at(b):
        assert NetEvent.get(NetEvent.kind == "poll.create").state == "unknown"
    carry(tmp_path / "another-stick", b, c)  # only B can bring it to C
    with at(c):
        assert NetEvent.get(NetEvent.kind == "poll.create").state == "unknown"


def log_key(data_dir):
    with at(data_dir):
        return log.self_key()


# --- bad input ----------------------------------------------------------------------------------

def test_junk_truncated_and_forged_files_are_refused_whole(network, tmp_path):
    a, b, _c = network
    with at(a):
        books.register(villager(), {"title": "Germinal"})
        books.register(villager(), {"title": "Nana"})
    stick = tmp_path / "stick"
    carry(stick, a)
    [segment] = [p for p in (stick / "boxnet" / "v1" / log_key(a)).glob("*.jsonl")]
    lines = segment.read_text().splitlines(keepends=True)
    folder = stick / "boxnet" / "v1" / log_key(a)
    segment.unlink()
    (folder / "0000000001-0000000003-junk.jsonl").write_text("this is not json\n")
    (folder / "0000000001-0000000003-cut.jsonl").write_text("".join(lines)[:-40])
    forged = json.loads(lines[-1])
    forged["p"] = forged["p"].replace("Nana", "Spam") if forged["p"] else forged["p"]
    forged["h"] = forged["h"].replace(json.loads(forged["h"])["payload"], fmt.sha256(forged["p"]))
    (folder / "0000000001-0000000009-forged.jsonl").write_text("".join(lines[:-1]) + json.dumps(forged) + "\n")
    report = sync_in_process(b, stick)
    assert len(report.problems) == 3
    assert any("bad signature" in p for p in report.problems)
    assert any("truncated" in p for p in report.problems)
    with at(b):
        assert Book.select().count() == 0  # nothing of a refused file was imported
    (folder / "0000000001-0000000009-good.jsonl").write_text("".join(lines))
    sync_in_process(b, stick)
    with at(b):
        assert {book.title for book in Book.select()} == {"Germinal", "Nana"}


def test_a_flood_from_one_box_is_refused_whole(network, tmp_path, monkeypatch):
    a, b, _c = network
    with at(a):
        for number in range(5):
            books.register(villager(), {"title": f"Livre {number}"})
    stick = tmp_path / "stick"
    carry(stick, a)
    monkeypatch.setattr(log, "MAX_NEW_PER_BOX", 3)
    report = sync_in_process(b, stick)
    assert any("too many events" in p for p in report.problems)
    with at(b):
        assert Book.select().count() == 0


def test_an_event_claiming_a_time_far_ahead_waits(network, tmp_path):
    from boxlocale import clock

    a, b, _c = network
    with at(a):
        clock.set_offset(30 * 86400)  # Chavenay's clock is a month ahead
        books.register(villager(), {"title": "Du futur"})
        clock.set_offset(0)
    stick = tmp_path / "stick"
    carry(stick, a)
    carry(stick, b)
    with at(b):
        assert not Book.select().exists()
        assert NetEvent.select().where(NetEvent.state == "future").count() == 1
    clock.freeze(clock.now() + timedelta(days=30))  # a month later at Feurs
    try:
        sync_in_process(b, stick)
        with at(b):
            assert Book.select().where(Book.title == "Du futur").exists()
    finally:
        clock.freeze(None)


def test_news_waiting_for_a_box_whose_clock_is_behind_is_passed_on_and_the_console_says_so(network, tmp_path):
    """Feurs' clock is 10 days behind (a Pi with no clock battery): Chavenay's news is more than a
    week ahead of it, so it waits there; Feurs still carries it on to Lyon, and its console says
    why the news waits and where to set the clock."""
    from boxlocale import clock

    from .console_helpers import logged_in

    a, b, c = network
    with at(a):
        books.register(villager(), {"title": "En avance sur Feurs"})
    carry(tmp_path / "from-a", a)
    with at(b) as app:
        clock.set_offset(-10 * 86400)
        try:
            assert sync.sync_folder(tmp_path / "from-a").problems == []
            assert not Book.select().exists()
            assert NetEvent.select().where(NetEvent.state == "future").exists()
            assert sync.sync_folder(tmp_path / "from-b").problems == []
            text = logged_in(app, app.test_client()).get("/console/network/").get_data(as_text=True)
            assert "En attente de l'horloge de cette box" in text and "/console/clock" in text
        finally:
            clock.set_offset(0)
    carry(tmp_path / "from-b", c)
    with at(c):
        assert Book.select().where(Book.title == "En avance sur Feurs").exists()


def test_a_restored_box_starts_a_new_key_its_old_one_announces(network, tmp_path):
    from boxlocale.network import restore

    a, b, _c = network
    old = log_key(a)
    with at(a):
        new = restore.start_new_key(a)
        books.register(villager(), {"title": "Après la restauration"})
    stick = tmp_path / "stick"
    carry(stick, a, b)
    with at(b):
        assert NetBox.get_by_id(old).successor == new
        assert NetBox.get_by_id(new).prefix == "CHV"
        assert Book.select().where(Book.title == "Après la restauration").exists()


def test_a_fork_of_one_box_log_is_detected_and_kept_aside(network, tmp_path):
    a, b, _c = network
    key_of_a = log_key(a)
    backup = tmp_path / "backup-of-a"
    shutil.copytree(a, backup)
    with at(a):
        books.register(villager(), {"title": "Avant"})
    with at(backup):  # the same box, restored from an old copy, writing on with the same key
        books.register(villager(), {"title": "Autre histoire"})
    carry(tmp_path / "s1", a, b)
    carry(tmp_path / "s2", backup, b)
    with at(b):
        assert NetBox.get_by_id(key_of_a).forked_at_seq is not None
        assert {book.title for book in Book.select()} == {"Avant"}
        assert NetEvent.select().where(NetEvent.state == "fork").exists()


def test_a_stick_pulled_out_mid_write_leaves_whole_files(network, tmp_path):
    a, b, _c = network
    with at(a):
        books.register(villager(), {"title": "Germinal"})
    stick = tmp_path / "stick"
    box_dir = stick / "boxnet" / "v1" / log_key(a)
    box_dir.mkdir(parents=True)
    (box_dir / ".0000000001-0000000004-abc.jsonl.tmp").write_text('{"h": "half')  # a cut write
    report = carry(stick, a, b)
    assert not list(box_dir.glob(".*.tmp"))
    with at(b):
        assert Book.select().count() == 1
    assert report.problems == []


def test_console_network_page_shows_boxes_and_admits(network, tmp_path):
    from .console_helpers import logged_in, post

    a, _b, _c = network
    newcomer = make_box(tmp_path, "Roanne", "ROA")
    with at(newcomer):
        request = admission.join_request()
    with at(a) as app:
        client = logged_in(app, app.test_client())
        text = client.get("/console/network/").get_data(as_text=True)
        assert "Feurs" in text and "BOXNET-JOIN:" in text
        answer = post(client, "/console/network/", {"action": "admit", "request": request})
        assert answer.status_code == 200 and "BOXNET-ADMISSION:" in answer.get_data(as_text=True)
        bad = post(client, "/console/network/", {"action": "admit", "request": "BOXNET-JOIN:xx"})
        assert bad.status_code == 400
        assert NetBox.select().where(NetBox.prefix == "ROA", NetBox.admitted == True).exists()  # noqa: E712
        feurs = NetBox.get(NetBox.prefix == "FEU").key
        assert post(client, "/console/network/", {"action": "block", "box": feurs, "reason": "spam"}).status_code == 302
        assert NetBox.get_by_id(feurs).blocked is True


def test_a_box_blocked_network_wide_has_its_content_hidden_everywhere(network, tmp_path):
    from boxlocale.db import writing
    from boxlocale.network import outbox

    a, b, c = network
    key_of_c = log_key(c)
    with at(c):
        board.post_notice(villager(), {"kind": "info", "title": "Arnaque", "shared": "1"})
    carry(tmp_path / "stick", c, b, a)
    with at(a):
        assert Notice.get(Notice.title == "Arnaque").hidden is False
        with writing():
            outbox.block_box(key_of_c, "arnaques")
        assert Notice.get(Notice.title == "Arnaque").hidden is True
    with at(c):
        board.post_notice(villager(), {"kind": "info", "title": "Arnaque 2", "shared": "1"})
    carry(tmp_path / "stick", a, c, b)
    with at(b):
        assert all(notice.hidden for notice in Notice.select().where(Notice.title.startswith("Arnaque")))
        assert Notice.select().where(Notice.title.startswith("Arnaque")).count() == 2


def test_a_full_disk_during_import_keeps_nothing_and_says_so(tmp_path, small_filesystem):
    from .test_full_disk import fill

    small_disk = small_filesystem("6m")
    a, b = make_box(tmp_path, "Chavenay", "CHV"), make_box(small_disk, "Feurs", "FEU")
    join(a, b)
    with at(a):
        volunteer = Actor(volunteer=object())
        for number in range(300):
            books.register(volunteer, {"title": f"Livre {number}", "note": "x" * 500})
    stick = tmp_path / "stick"
    carry(stick, a)
    with at(b):
        events_before = NetEvent.select().count()
    filler = fill(small_disk)
    report = sync_in_process(b, stick)
    assert any("disk is full" in problem for problem in report.problems)
    filler.unlink()
    with at(b):
        assert Book.select().count() == 0 and NetEvent.select().count() == events_before
    assert not sync_in_process(b, stick).problems
    with at(b):
        assert Book.select().count() == 300
