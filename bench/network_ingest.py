"""How fast a box takes in a stick, and what the network's events cost the pages.

    .venv/bin/python bench/network_ingest.py --events 10000

1. A box writes ``--events`` events through the domain rules (books, journal entries, shared notices)
   and syncs them out to a folder: a stick built from a real box's log. A fresh box, admitted in the
   network, syncs that stick with the real ``sync_folder``; three times, each on a fresh copy of it.
   It prints the ingest time per event and the whole sync's time (medians of 3).
2. The listing pages (``/``, ``/give/``, ``/books/``, ``/board/``) served by a real ``boxlocale serve``
   for a phone with a cookie (rendered afresh): CPU per view of the server process with 0 network
   events in the database, then with ``--db-events`` (20,000) real events in it, in the same run; the
   ratio is what matters. It also checks that page views write 0 bytes to the disk.

The machine may be shared: other work on the same cores changes every figure; quote medians and
ratios. Exit 1 when a target is missed: ingest ≤ 1 ms per event, the 10,000-event sync ≤ 10 s, 0 bytes
written by views, listings ≤ 1.25 × their cost with 0 events.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import proc  # noqa: E402
from run import PHONE_WITH_COOKIE, Server, box_command, data_dir_state  # noqa: E402

from boxlocale import clock, create_app, ratelimit, settings  # noqa: E402
from boxlocale.devices import Actor  # noqa: E402
from boxlocale.models import Volunteer  # noqa: E402

PAGES = ["/", "/give/", "/books/", "/board/"]
# A volunteer as the rules see one; never saved, so the audit lines name it with no account behind.
VOLUNTEER = Actor(volunteer=Volunteer(name="simulation"))
START = datetime(2027, 3, 1, 9, 0)


def run_at(data_dir, action, day=0):
    ratelimit.reset()
    clock.freeze(START + timedelta(days=day))
    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False})
    with app.test_request_context("/"):
        result = action()
    settings.invalidate()
    return result


def make_box(data_dir, name, prefix):
    run_at(data_dir, lambda: settings.save({"box_name": name, "village": name, "book_prefix": prefix}))
    run_at(data_dir, lambda: None)  # its box.info with its name


def join(admitter, newcomer):
    from boxlocale.network import admission

    request = run_at(newcomer, admission.join_request)
    text = run_at(admitter, lambda: admission.admit(request))
    run_at(newcomer, lambda: admission.join(text))


def write_events(data_dir, count):
    """``count`` events through the domain rules: 40 % books, 40 % journal entries, 20 % notices."""
    from boxlocale.board import rules as board
    from boxlocale.books import rules as books
    from boxlocale.db import writing
    from boxlocale.models import Book, NetEvent

    def act():
        written = NetEvent.select().count()
        number = 0
        while NetEvent.select().count() - written < count:
            with writing():  # a batch per transaction: the bench builds, it does not measure this
                for _ in range(100):
                    number += 1
                    roll = number % 5
                    if roll in (0, 1):
                        books.register(VOLUNTEER, {"title": f"Livre {number}", "author": "Anonyme"})
                    elif roll in (2, 3):
                        book = Book.select().order_by(Book.id.desc()).first()
                        by_label = books.get_book(books.full_code(book), VOLUNTEER)
                        books.add_entry(by_label, VOLUNTEER,
                                        {"kind": "caught", "where": "Mairie", "note": f"Lu {number}"})
                    else:
                        board.post_notice(VOLUNTEER, {"kind": "info", "title": f"Fête {number}",
                                                      "body": "Place de l'église", "shared": "1"})
        return NetEvent.select().count()

    return run_at(data_dir, act)


def build(workdir, events):
    """A writer box, a fresh box it admitted (kept as a snapshot), and a stick of the writer's log."""
    from boxlocale.network import sync

    writer, fresh, stick = workdir / "writer", workdir / "fresh", workdir / "stick"
    make_box(writer, "Chavenay", "CHV")
    make_box(fresh, "Feurs", "FEU")
    join(writer, fresh)
    write_events(writer, events)
    run_at(writer, lambda: sync.sync_folder(stick))
    return writer, fresh, stick, _lacking(writer, fresh)


def _lacking(writer, fresh):
    """How many of the writer's events the fresh box lacks: what its sync must take in."""
    from boxlocale.models import NetEvent

    held = set(run_at(fresh, lambda: [row.id for row in NetEvent.select(NetEvent.id)]))
    return len(set(run_at(writer, lambda: [row.id for row in NetEvent.select(NetEvent.id)])) - held)


def ingest(fresh, stick, workdir, repeats):
    from boxlocale.network import sync

    runs = []
    for number in range(repeats):
        copy = workdir / f"fresh-{number}"
        shutil.copytree(fresh, copy)
        started, cpu = time.perf_counter(), time.process_time()
        report = run_at(copy, lambda: sync.sync_folder(stick), day=1)
        runs.append({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                     "ingest": report.ingest_seconds, "came": report.came, "problems": report.problems})
        started = time.perf_counter()  # the same stick again: what every later stop of a courier costs
        again = run_at(copy, lambda: sync.sync_folder(stick), day=2)
        runs[-1].update(again=time.perf_counter() - started, problems=report.problems + again.problems)
        if number < repeats - 1:
            shutil.rmtree(copy)
    return runs, workdir / f"fresh-{repeats - 1}"


# --- the pages with and without the network's events ---------------------------------------------

def seeded_box(path, books, notices):
    from seed import seed

    app = create_app({"DATA_DIR": str(path), "LOG_REQUESTS": False})
    seed(app, items=books, books=books, notices=notices, photos=0, photo_size=(8, 8))


def add_events(path, source, count):
    """Copy ``count`` real events of ``source`` (a box that took in a stick) into ``path``'s database:
    rows as an import stores them, bulk-inserted (the bench measures pages, not the import here)."""
    import sqlite3

    with sqlite3.connect(source / "boxlocale.sqlite3") as db:
        rows = db.execute("SELECT id, box, seq, hlc, kind, header, signature, payload, target, state, "
                          "received_at FROM net_event ORDER BY rowid").fetchall()
    copies = []
    for number in range(count):
        row = list(rows[number % len(rows)])
        row[0] = f"{row[0][:56]}{number:08d}"  # distinct ids: the table holds ``count`` rows
        row[2] = row[2] + (number // len(rows)) * len(rows)
        copies.append(row)
    with sqlite3.connect(path / "boxlocale.sqlite3") as db:
        db.executemany("INSERT INTO net_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", copies)
    return count


def page_cost(path, repeats, views):
    """CPU per view (ms) of a real server on ``path``, median of ``repeats`` runs; bytes written."""
    server = Server(box_command(path))
    try:
        server.wait_ready()
        server.load(PAGES, 100, 60, 2, PHONE_WITH_COOKIE)  # warm up
        costs = []
        for _ in range(repeats):
            cpu = proc.cpu_seconds(server.pid)
            done = server.load(PAGES, views, 120, 2, PHONE_WITH_COOKIE)["requests"]
            costs.append((proc.cpu_seconds(server.pid) - cpu) * 1000 / done)
        written, files = proc.write_bytes(server.pid), data_dir_state(path)
        server.load(PAGES, views, 120, 2, PHONE_WITH_COOKIE)
        written = proc.write_bytes(server.pid) - written
        changed = sorted(n for n, state in data_dir_state(path).items() if files.get(n) != state)
    finally:
        server.stop()
    return statistics.median(costs), written, changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000, help="events on the stick")
    parser.add_argument("--db-events", type=int, default=20_000, help="events in the database for the pages")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--views", type=int, default=400, help="views per page-cost run")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs (printed)")
    parser.add_argument("--no-pages", action="store_true", help="only the sync figures")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="boxnet-ingest-"))
    try:
        started = time.perf_counter()
        writer, fresh, stick, total = build(workdir, args.events)
        print(f"stick: {total} events the fresh box lacks, built in {time.perf_counter() - started:.0f} s")
        runs, synced = ingest(fresh, stick, workdir, args.repeats)
        came = runs[0]["came"]
        per_event = statistics.median(r["ingest"] for r in runs) * 1000 / max(came, 1)
        whole = statistics.median(r["seconds"] for r in runs)
        problems = [p for r in runs for p in r["problems"]]
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"ingest: {came} events came, {per_event:.3f} ms/event (wall), whole sync {whole:.2f} s wall, "
              f"{cpu:.2f} s CPU = {cpu * 1000 / max(came, 1):.3f} ms CPU/event "
              f"(medians of {args.repeats}; wall: {', '.join(format(r['seconds'], '.2f') for r in runs)} s)")
        print(f"the same stick synced again (nothing new): {statistics.median(r['again'] for r in runs):.3f} s wall "
              f"(median of {args.repeats})")
        if args.no_pages:
            return 0 if came == total and not problems else 1
        plain, loaded = workdir / "pages-0", workdir / "pages-n"
        seeded_box(plain, 500, 500)
        shutil.copytree(plain, loaded)
        add_events(loaded, synced, args.db_events)
        base, base_written, base_changed = page_cost(plain, args.repeats, args.views)
        cost, written, changed = page_cost(loaded, args.repeats, args.views)
        ratio = cost / base if base else float("inf")
        print(f"pages {', '.join(PAGES)}: {base:.2f} ms CPU/view with 0 events, {cost:.2f} ms with "
              f"{args.db_events} events: ratio {ratio:.2f} (medians of {args.repeats})")
        print(f"bytes written by {args.views} views: {base_written} (0 events), {written} "
              f"({args.db_events} events); files changed: {base_changed + changed or 'none'}")
        failures = []
        if came != total or problems:
            failures.append(f"the sync took in {came} of {total} events; problems: {problems}")
        if per_event > 1.0:
            failures.append(f"ingest {per_event:.3f} ms/event > 1 ms")
        if args.events >= 10_000 and whole > 10:
            failures.append(f"the {args.events}-event sync took {whole:.1f} s > 10 s")
        if written or base_written or changed or base_changed:
            failures.append("page views wrote to the disk")
        if ratio > 1.25:
            failures.append(f"listing pages cost {ratio:.2f} × with {args.db_events} events")
        load = os.getloadavg()
        print(f"shared machine (load average {load[0]:.1f}, {os.cpu_count()} CPUs): figures are medians, "
              "compare the ratios and CPU times")
        for failure in failures:
            print("FAIL:", failure)
        print("OK" if not failures else "FAILED")
        return 1 if failures else 0
    finally:
        if args.keep:
            print("data dirs kept in", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
