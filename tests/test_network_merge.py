"""Property test of the merge (hypothesis, stateful): whatever order, batches and duplicates the events
of a network arrive in, a box ends with the same state as one that took them all at once."""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from boxlocale.board import rules as board
from boxlocale.books import rules as books
from boxlocale.console import moderation
from boxlocale.devices import Actor
from boxlocale.models import Book, JournalEntry, Notice
from boxlocale.network import log, state

from .books_factory import write
from .network_helpers import at, join, make_box, moderate

VOLUNTEER = Actor(volunteer=object())


def _history(root):
    """Three boxes write a history: books, journals, shared notices, hide, restore, delete; and a
    fourth, the receiver, joined the network but took in nothing yet."""
    a, b, c, receiver = (make_box(root, name, prefix) for name, prefix in
                         (("Chavenay", "CHV"), ("Feurs", "FEU"), ("Lyon", "LYS"), ("Roanne", "ROA")))
    join(a, b)
    join(b, c)
    join(a, receiver)
    from .network_helpers import sync_in_process

    stick = root / "stick"
    with at(a):
        for title in ("Germinal", "Nana", "Au bonheur des dames"):
            books.register(VOLUNTEER, {"title": title})
        board.post_notice(VOLUNTEER, {"kind": "info", "title": "Disco Soupe", "shared": "1"})
    sync_in_process(a, stick)
    sync_in_process(b, stick)
    with at(b):
        for book in Book.select():
            write(book, "caught", actor=VOLUNTEER, where="Feurs")
        moderate(moderation.hide, f"book:{Book.get(Book.title == 'Nana').code}")
        moderate(moderation.delete, f"notice:{Notice.get().id}")
        board.post_notice(VOLUNTEER, {"kind": "event", "title": "Repair café", "shared": "1",
                                      "starts_at": "2030-01-05 14:00"})
    sync_in_process(b, stick)
    sync_in_process(c, stick)
    with at(c):
        moderate(moderation.restore, f"book:{Book.get(Book.title == 'Nana').code}")
        entry = JournalEntry.select().first()
        write(entry.book, "released", actor=VOLUNTEER, where="Lyon")
        moderate(moderation.hide, f"journal:{entry.id}")
        events = [log.as_event(row) for row in log.passable()]
    return receiver, events


@pytest.fixture(scope="module")
def history():
    root = Path(tempfile.mkdtemp(prefix="merge-"))
    receiver, events = _history(root)
    reference = root / "reference"
    shutil.copytree(receiver, reference)
    with at(reference):
        log.import_events(events)
        expected = state.digest()
    yield receiver, events, expected
    shutil.rmtree(root, ignore_errors=True)


class MergeMachine(RuleBasedStateMachine):
    """A copy of the receiver takes events in batches of any order, with repeats."""

    def __init__(self):
        super().__init__()
        self.dir = None

    @initialize()
    def copy_receiver(self):
        self.receiver, self.events, self.expected = HISTORY
        self.dir = Path(tempfile.mkdtemp(prefix="merge-case-")) / "box"
        shutil.copytree(self.receiver, self.dir)
        self.taken = set()

    @rule(picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
    def take_a_batch(self, picks):
        batch = [self.events[pick % len(self.events)] for pick in picks]
        with at(self.dir):
            log.import_events(batch)
        self.taken.update(event.id for event in batch)

    def teardown(self):
        """Taking everything now (twice, in two orders) must give the reference state."""
        if self.dir is None:
            return
        try:
            with at(self.dir):
                log.import_events(list(reversed(self.events)))
                log.import_events(self.events)
                assert state.digest() == self.expected
        finally:
            shutil.rmtree(self.dir.parent, ignore_errors=True)


HISTORY = None


def test_merge_is_order_and_duplicate_free(history):
    global HISTORY
    HISTORY = history
    # No shrinking: each step opens real databases; a failure prints its steps and its seed.
    MergeMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=6, deadline=None,
                                              phases=[Phase.explicit, Phase.reuse, Phase.generate],
                                              suppress_health_check=list(HealthCheck))
    MergeMachine.TestCase().runTest()
