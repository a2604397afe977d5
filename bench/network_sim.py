"""A year of a network of boxes, simulated with the real sync code on real data dirs.

    .venv/bin/python bench/network_sim.py --boxes 100 --seed 1

Each box is a real data dir (SQLite file, key, settings). Villagers write through the domain rules
(books, journal entries, shared notices), volunteers moderate (hide, restore, delete). Couriers carry
USB-stick folders along random routes and each stop runs the real `sync_folder`; some boxes are off
for months, some clocks are wrong by days, some boxes run a "newer" version that writes a kind the
others do not know, and some syncs are real `boxlocale sync` processes killed halfway (power cuts).
At the end, couriers go round until every box has the same digest of shared state, and the run
checks: the same digest everywhere, a second sync changes nothing, another import order gives the
same state, a forged event is refused, deleted content is gone from every box. Exit 1 on a failure.
"""

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boxlocale import clock, create_app, ratelimit, settings  # noqa: E402
from boxlocale.devices import Actor  # noqa: E402
from boxlocale.models import Volunteer  # noqa: E402

START = datetime(2027, 1, 1, 9, 0)
# A volunteer as the rules see one; never saved, so the audit lines name it with no account behind.
VOLUNTEER = Actor(volunteer=Volunteer(name="simulation"))
LETTERS = "ABCDEFGHJKMNPQRSTVWXYZ"


class Box:
    def __init__(self, root, number, rng):
        self.name = f"Village {number:03d}"
        self.prefix = "".join(LETTERS[(number // len(LETTERS) ** i) % len(LETTERS)] for i in range(3))
        self.dir = root / f"box{number:03d}"
        # Wrong clocks (a Pi without a clock battery): days off; more than MAX_AHEAD (7 days) behind,
        # a box holds the others' news until its clock is set (see docs/NETWORK.md).
        self.skew = timedelta(days=rng.choice([0, 0, 0, -5, -3, -1, 2, 5]), hours=rng.randrange(24))
        self.newer = rng.random() < 0.3  # "newer software": writes a kind the others do not know
        self.off_from = self.off_until = None
        if rng.random() < 0.2:  # off for months
            start = rng.randrange(30, 250)
            self.off_from, self.off_until = start, start + rng.randrange(60, 110)

    def offline(self, day):
        return self.off_from is not None and self.off_from <= day < self.off_until


class World:
    def __init__(self, boxes, seed, days, workdir):
        self.rng = random.Random(seed)
        self.days = days
        self.root = workdir
        self.boxes = [Box(self.root, number, self.rng) for number in range(boxes)]
        self.sticks = [self.root / f"stick{number}" for number in range(max(2, boxes // 5))]
        self.meetings = self.imported = 0
        self.ingest_seconds = 0.0
        self.sync_seconds = []  # each meeting's whole sync (an app on the box's data dir, then sync_folder)
        self.power_cuts = 0
        self.deleted_words = []
        self.snapshot = None
        self.converged_on = days

    # --- working on one box -------------------------------------------------------------------

    def at(self, box, day):
        ratelimit.reset()
        clock.freeze(START + timedelta(days=day) + box.skew)
        app = create_app({"DATA_DIR": str(box.dir), "LOG_REQUESTS": False, "TESTING": True})
        return app

    def run(self, box, day, action):
        app = self.at(box, day)
        with app.test_request_context("/"):
            result = action()
        settings.invalidate()
        return result

    def setup(self):
        from boxlocale.network import admission

        for box in self.boxes:
            def configure(box=box):
                settings.save({"box_name": box.name, "village": box.name, "book_prefix": box.prefix})
            self.run(box, 0, configure)
            self.run(box, 0, lambda: None)  # its box.info with the right name
        for number, box in enumerate(self.boxes[1:], 1):
            admitter = self.boxes[self.rng.randrange(number)]
            request = self.run(box, 0, admission.join_request)
            text = self.run(admitter, 0, lambda request=request: admission.admit(request))
            self.run(box, 0, lambda text=text: admission.join(text))
        self.snapshot = self.root / "snapshot-of-box0"
        shutil.copytree(self.boxes[0].dir, self.snapshot)

    # --- a year ---------------------------------------------------------------------------------

    def write(self, box, day):
        from boxlocale.board import rules as board
        from boxlocale.books import rules as books
        from boxlocale.console import moderation
        from boxlocale.db import writing
        from boxlocale.models import Book, Notice
        from boxlocale.network import apply, log

        roll = self.rng.random()
        word = f"w{self.rng.randrange(10**9)}"

        def act():
            if roll < 0.35:
                books.register(VOLUNTEER, {"title": f"Livre {word}", "author": "Anonyme"})
            elif roll < 0.6:
                book = Book.select().order_by(Book.id.desc()).limit(20).offset(self.rng.randrange(20)).first()
                if book is not None:
                    kind = self.rng.choice(["caught", "released", "comment"])
                    by_label = books.get_book(books.full_code(book), VOLUNTEER)
                    books.add_entry(by_label, VOLUNTEER, {"kind": kind, "where": box.name, "note": word})
            elif roll < 0.8:
                board.post_notice(VOLUNTEER, {"kind": "info", "title": f"Fête {word}", "body": word,
                                              "shared": "1"})
            elif roll < 0.9:
                notice = Notice.select().order_by(Notice.id.desc()).first()
                if notice is not None:
                    self.deleted_words.append(notice.body)
                    moderation.delete(moderation.get_post(f"notice:{notice.id}", VOLUNTEER), VOLUNTEER)
            elif roll < 0.97:
                book = Book.select().order_by(Book.id.desc()).first()
                if book is not None:
                    move = moderation.hide if self.rng.random() < 0.5 else moderation.restore
                    move(moderation.get_post(f"book:{book.code}", VOLUNTEER), VOLUNTEER)
            elif box.newer:
                with writing():
                    log.emit("poll.create", {"question": word}, applied=False)
                    apply.settle()

        self.run(box, day, act)

    def meet(self, box, stick, day, kill=False):
        from boxlocale.network import sync

        if kill:
            self.power_cut(box, stick, day)
        started = time.perf_counter()
        report = self.run(box, day, lambda: sync.sync_folder(stick))
        self.sync_seconds.append(time.perf_counter() - started)
        self.ingest_seconds += report.ingest_seconds
        self.imported += report.came
        self.meetings += 1
        if report.problems:
            raise SystemExit(f"FAIL: sync of {box.name} had problems: {report.problems}")
        return report

    def power_cut(self, box, stick, day):
        """A real `boxlocale sync` process, killed at a random moment."""
        process = subprocess.Popen([sys.executable, "-m", "boxlocale", "--data-dir", str(box.dir), "sync", str(stick)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(self.rng.uniform(0.2, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.power_cuts += 1

    def year(self):
        for day in range(1, self.days + 1):
            for box in self.boxes:
                if not box.offline(day) and self.rng.random() < 0.15:
                    self.write(box, day)
            if day % 7 == 0:  # couriers' rounds
                for stick in self.sticks:
                    route = self.rng.sample(self.boxes, k=min(len(self.boxes), self.rng.randint(2, 4)))
                    for box in route:
                        if not box.offline(day):
                            self.meet(box, stick, day, kill=self.rng.random() < 0.02)

    def converge(self):
        """After the year's last writes, a courier goes round every box, a round a week as in the
        year, until all digests agree → rounds needed (None: not in 19 rounds). Time passes as it does
        for real boxes: news dated more than a week ahead of a box whose clock is behind waits there
        until its time comes (docs/NETWORK.md), so rounds on one frozen day would never converge."""
        day = self.days
        for rounds in range(1, 20):
            day += 7
            for box in self.rng.sample(self.boxes, len(self.boxes)):
                self.meet(box, self.sticks[0], day)
            self.converged_on = day
            if len(set(self.digests(day))) == 1:
                return rounds
        return None

    def digests(self, day):
        from boxlocale.network import state

        return [self.run(box, day, state.digest) for box in self.boxes]

    # --- the checks -----------------------------------------------------------------------------

    def checks(self, day):
        from boxlocale.models import NetEvent
        from boxlocale.network import log, state, sync

        failures = []
        expected = self.digests(day)[0]
        box = self.boxes[0]
        again = self.meet(box, self.sticks[0], day)
        if again.came or self.run(box, day, state.digest) != expected:
            failures.append("a second sync changed something")
        events = self.run(box, day, lambda: [log.as_event(row) for row in log.passable()])
        def reversed_import():
            log.import_events(list(reversed(events)))
            return state.digest()
        if self.run(_Snapshot(self.snapshot), day, reversed_import) != expected:
            failures.append("another import order gave another state")
        forged_dir = self.root / "forged"
        shutil.copytree(self.sticks[0], forged_dir)
        segment = next(p for p in sorted((forged_dir / sync.FOLDER_NAME).glob("*/*.jsonl")) if "Livre" in p.read_text())
        forged = segment.read_text().replace("Livre", "Spam!", 1)  # a payload changed on the stick
        segment.write_text(forged)  # in place: a file read whole before is not read again
        report = self.run(self.boxes[-1], day, lambda: sync.sync_folder(forged_dir))
        if report.came or self.run(self.boxes[-1], day, state.digest) != expected:
            failures.append("a forged event changed a box")
        segment.unlink()  # as a new file: read, and refused whole
        segment.with_name(segment.name[:22] + "f" * 12 + ".jsonl").write_text(forged)
        report = self.run(self.boxes[-1], day, lambda: sync.sync_folder(forged_dir))
        if not report.problems or self.run(self.boxes[-1], day, state.digest) != expected:
            failures.append("a forged event was not refused")
        for word in self.deleted_words[:50]:
            for other in self.boxes:
                found = self.run(other, day, lambda word=word: NetEvent.select().where(
                    NetEvent.payload.contains(word)).exists())
                if found:
                    failures.append(f"deleted content still on {other.name}")
                    break
        return failures


class _Snapshot:
    """The first box as it was right after joining, to import everything in another order."""

    def __init__(self, path):
        self.dir, self.skew = path, timedelta(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", help="keep the data dirs in this folder")
    args = parser.parse_args(argv)
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="boxnet-sim-"))
    workdir.mkdir(parents=True, exist_ok=True)
    world = World(args.boxes, args.seed, args.days, workdir)
    started = time.perf_counter()
    try:
        world.setup()
        world.year()
        rounds = world.converge()
        failures = [] if rounds else ["the boxes did not converge"]
        failures += world.checks(world.converged_on + 1)
        report(world, rounds, time.perf_counter() - started)
    finally:
        clock.freeze(None)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for failure in failures:
        print(f"FAIL: {failure}")
    print("network simulation: OK" if not failures else f"network simulation: {len(failures)} failure(s)")
    return 1 if failures else 0


def report(world, rounds, seconds):
    from boxlocale.models import NetEvent

    events = world.run(world.boxes[0], world.converged_on + 1, lambda: NetEvent.select().count())
    stick_bytes = sum(p.stat().st_size for p in world.sticks[0].rglob("*.jsonl"))
    sticks = sorted(sum(p.stat().st_size for p in stick.rglob("*.jsonl")) for stick in world.sticks)
    syncs = sorted(world.sync_seconds)
    sizes = [sum(p.stat().st_size for p in box.dir.glob("boxlocale.sqlite3*")) for box in world.boxes]
    print(f"boxes: {len(world.boxes)}, days: {world.days}")
    print(f"events: {events}")
    print(f"bytes per event on a stick: {stick_bytes / max(events, 1):.0f}")
    print(f"meetings (syncs) in the year and to converge: {world.meetings}; rounds of every box to converge: {rounds}")
    print(f"ingest time per imported event: {1000 * world.ingest_seconds / max(world.imported, 1):.2f} ms "
          f"(reading the stick, checking, storing, applying; {world.imported} events imported)")
    print(f"bytes per stick at the end: median {sticks[len(sticks) // 2] / 1024:.0f} KB, max {sticks[-1] / 1024:.0f} KB "
          f"({len(sticks)} sticks)")
    print(f"time per sync (whole meeting, wall): median {syncs[len(syncs) // 2] * 1000:.0f} ms, "
          f"90th percentile {syncs[int(len(syncs) * 0.9)] * 1000:.0f} ms, max {syncs[-1] * 1000:.0f} ms")
    print(f"database size per box: median {sorted(sizes)[len(sizes) // 2] / 1024:.0f} KB, max {max(sizes) / 1024:.0f} KB")
    print(f"power cuts mid-sync: {world.power_cuts}; simulation took {seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
