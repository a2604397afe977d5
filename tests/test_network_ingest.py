"""Taking a stick in stays cheap however much the box holds: the work per event is bounded (counted
in SQL statements, never timed: timings are bench/network_ingest.py's), and the pile of events kept
aside is not walked again at every import, only what a new event can unblock."""

import pytest

from boxlocale.books import rules as books
from boxlocale.db import database
from boxlocale.models import Book, NetEvent
from boxlocale.network import apply

from .network_helpers import at, join, make_box, sync_in_process


@pytest.fixture
def pair(tmp_path):
    a = make_box(tmp_path, "Chavenay", "CHV")
    b = make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    return a, b


def register(box, count, title="Livre"):
    from boxlocale.devices import Actor

    volunteer = Actor(volunteer=object())
    with at(box):
        for number in range(count):
            books.register(volunteer, {"title": f"{title} {number}", "author": "Anonyme"})


def statements_to_import(box, stick):
    """How many SQL statements a sync of ``stick`` runs on ``box`` (its import, not the reading)."""
    from boxlocale.network import sync

    seen = []
    with at(box):
        database.connection().set_trace_callback(seen.append)
        try:
            report = sync.sync_folder(stick)
        finally:
            database.connection().set_trace_callback(None)
    assert not report.problems, report.problems
    # Statements run by triggers (the search index) are reported too, as "-- ..." or as their
    # trigger's statement again: only the statements the code runs are counted.
    ran = [text for number, text in enumerate(seen)
           if not text.startswith("--") and (number == 0 or seen[number - 1] != text)]
    return len(ran), report.came


def test_statements_per_imported_event_are_few_and_do_not_grow(pair, tmp_path):
    import shutil

    a, b = pair
    fresh = tmp_path / "fresh-copy"
    shutil.copytree(b, fresh)
    register(a, 40)
    small = tmp_path / "small"
    sync_in_process(a, small)
    small_count, small_came = statements_to_import(b, small)
    register(a, 80, title="Roman")
    large = tmp_path / "large"
    sync_in_process(a, large)
    large_count, large_came = statements_to_import(fresh, large)
    assert large_came > 2 * small_came
    per_event_small, per_event_large = small_count / small_came, large_count / large_came
    # A book: a savepoint, its row, its origin, the checks; rows and states are written in bulk.
    assert per_event_large <= 7, per_event_large
    assert per_event_large <= per_event_small * 1.05, (per_event_small, per_event_large)


def test_an_import_tries_only_new_events_and_what_they_unblock(pair, tmp_path, monkeypatch):
    a, b = pair
    stranger = make_box(tmp_path, "Ailleurs", "XXX")
    register(stranger, 30, title="Inconnu")
    carry_out = tmp_path / "from-stranger"
    sync_in_process(stranger, carry_out)
    sync_in_process(a, carry_out)
    with at(a):
        aside = {row.id for row in NetEvent.select(NetEvent.id).where(NetEvent.state == "aside")}
    assert len(aside) >= 30
    tried = []
    real_try = apply._try

    def counting_try(row, known):
        tried.append(row.id)
        return real_try(row, known)

    monkeypatch.setattr(apply, "_try", counting_try)
    register(b, 1, title="Nouveau")
    stick = tmp_path / "stick"
    sync_in_process(b, stick)
    report = sync_in_process(a, stick)
    assert report.came >= 1
    assert len(tried) == report.came  # the 30 kept aside were not tried again
    with at(a):
        assert Book.select().where(Book.title == "Nouveau 0").exists()
        assert NetEvent.select().where(NetEvent.state == "aside").count() == len(aside)
    tried.clear()
    join(a, stranger)  # vouched for now: what was kept aside is tried, once, and shown
    with at(a):
        assert Book.select().where(Book.title.startswith("Inconnu")).count() == 30
        assert NetEvent.select().where(NetEvent.state == "aside").count() == 0
    assert sorted(set(tried) & aside) == sorted(aside)
    assert len([event_id for event_id in tried if event_id in aside]) == len(aside)  # each once


def test_a_journal_entry_that_came_before_its_book_is_applied_when_the_book_comes(pair, tmp_path):
    """Only the pending entries of the book that came are tried again, and they are applied."""
    from boxlocale.network import log

    a, b = pair
    register(a, 1, title="Voyageur")
    with at(a):
        book = Book.get(Book.title == "Voyageur 0")
        from boxlocale.devices import Actor

        volunteer = Actor(volunteer=object())
        books.add_entry(books.get_book(books.full_code(book), volunteer), volunteer,
                        {"kind": "caught", "where": "Gare", "note": "Lu"})
        events = [log.as_event(row) for row in NetEvent.select().where(NetEvent.box == log.self_key())]
    entry = [e for e in events if e.kind == "journal.add"]
    rest = [e for e in events if e.kind != "journal.add"]
    with at(b):
        log.import_events(entry)
        assert NetEvent.get_by_id(entry[0].id).state == "pending"
        log.import_events(rest)
        assert NetEvent.get_by_id(entry[0].id).state == "applied"
        assert Book.get(Book.title == "Voyageur 0").journal.count() == 1


def test_a_sync_reads_only_the_files_that_hold_something_new(pair, tmp_path, monkeypatch):
    """A stick that went round many boxes holds all their files: those this box has read whole (or
    written) before are not read again (files are immutable, named by box, range and a hash); a new
    file is read and checked whole, and a bad one is still refused."""
    from boxlocale.network import sync

    a, b = pair
    register(a, 30)
    stick = tmp_path / "stick"
    sync_in_process(a, stick)
    assert sync_in_process(b, stick).came >= 30
    read = []
    real_read = sync.read_segment
    monkeypatch.setattr(sync, "read_segment", lambda path, known=None: read.append(path) or real_read(path, known))
    again = sync_in_process(b, stick)
    assert again.came == 0 and again.went == 0 and again.problems == []
    assert read == []
    register(a, 3, "Nouveau")
    sync_in_process(a, stick)  # one new file of Chavenay's (Chavenay reads Feurs' file: it lacks it)
    read.clear()
    newer = sync_in_process(b, stick)
    assert newer.came == 3 and len(read) == 1
    junk = read[0].with_name("9000000000-9000000001-" + "0" * 12 + ".jsonl")
    junk.write_text("not an event\n")
    bad = sync_in_process(b, stick)
    assert any(junk.name in problem for problem in bad.problems)
    with at(b):
        assert Book.select().where(Book.title.startswith("Nouveau")).count() == 3
