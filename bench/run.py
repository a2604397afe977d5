"""The benchmark: every figure of DESIGN.md ("Figures it must reach") beside its baseline, in one run.

    .venv/bin/python bench/run.py            # the real figures (about two minutes)
    .venv/bin/python bench/run.py --quick    # a tiny run that proves the bench works (numbers mean nothing)

Prints a table and writes bench/results/latest.json. See bench/README.md.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import fete
import pipeline
import proc
from images import camera_jpeg
from load import load, wire_get, wrk_available, wrk_load
from seed import seed, short_code

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# The home page, the listings, one item, book and notice page, and the API listing: each a row.
PAGES = ["/", "/give/", "/books/", "/board/", "/give/" + short_code(0), "/books/BOX-0001", "/board/1", "/api/v1/items"]
LISTINGS = {"/give/", "/books/", "/board/"}
# Listings, filters and searches measured at 1x and 10x the data (--flat): each within 1.5x.
FLAT_CASES = ["/give/", "/give/?status=taken", "/give/?category=jardin", "/give/?q=zzzz", "/give/?status=all",
              "/books/", "/books/?view=travelled", "/books/?q=zzzz", "/board/", "/board/?q=", "/board/?kind=event",
              "/api/v1/items",
              # Words the seeded rows have (seed.py): in every item's description, every book's title and
              # every notice's body ("aider"), and in one item title of ten.
              "/give/?q=propre", "/give/?q=pull", "/books/?q=livre", "/board/?q=aide", "/api/v1/items?q=propre",
              # A word that reads as a book code (HUG-0): looked up by the code index (V14), then searched.
              "/books/?q=hugo"]
THREADS = 6  # boxlocale serve's default; the hello world gets the same
PARTS = ("pages", "fresh", "fete", "memory", "bytes", "disk", "start", "photo", "flat")
NA = "n/a (not built)"

FULL = {
    "items": 5000, "books": 2000, "notices": 2000, "photos": 20, "photo_size": (1600, 1200),
    "repeats": 5, "per_run": 3000, "run_seconds": 3.0, "clients": 4, "warmup": 200,
    "memory_requests": 10_000, "disk_views": 1000, "starts": 5, "camera": (4000, 3000), "photo_repeats": 5,
    "fete_phones": 150, "fete_connections": 24, "fete_seconds": 10, "fete_repeats": 3, "flat_seconds": 2.0,
}
QUICK = {
    "items": 60, "books": 25, "notices": 25, "photos": 3, "photo_size": (800, 600),
    "repeats": 1, "per_run": 60, "run_seconds": 1.0, "clients": 2, "warmup": 10,
    "memory_requests": 200, "disk_views": 40, "starts": 1, "camera": (1200, 900), "photo_repeats": 1,
    "fete_phones": 12, "fete_connections": 4, "fete_seconds": 1, "fete_repeats": 1, "flat_seconds": 0.5,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server in a subprocess; its output goes to a pipe (like journald on the Pi), never to a file."""

    def __init__(self, command):
        self.port = free_port()
        self.started = time.perf_counter()
        self.process = subprocess.Popen([*command(self.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        self.tail = deque(maxlen=40)
        self.served = 0
        self.log = None  # a list while the fête runs: the box's request log lines
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            text = line.decode(errors="replace")
            self.tail.append(text)
            if self.log is not None:
                self.log.append(text)

    def wait_ready(self, path="/", timeout=30):
        """Seconds from the start to the first answered request."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited:\n" + "".join(self.tail))
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path, headers={"Accept-Language": "fr"})
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("server did not answer:\n" + "".join(self.tail))

    def load(self, paths, total, seconds, clients, headers=None, timed=False):
        """``timed``: a measured run, by wrk for ``seconds`` when it is installed (it leaves the server its
        CPU); otherwise (warm-ups, counted loads) the Python generator, bounded in count and time."""
        if timed and wrk_available():
            result = wrk_load(self.port, paths, seconds, clients, headers=headers)
        else:
            result = load(self.port, paths, total, seconds, clients, headers)
        self.served += result["requests"]
        if result["errors"]:
            raise RuntimeError(f"{result['errors']} failed requests ({result['first_error']}):\n"
                               + "".join(self.tail))
        return result

    def write_held_log(self):
        """The box holds its request lines for up to SECONDS_HELD (boxlocale/web.py): wait that long, then
        one view of /healthz makes it write them (that view's own line is held; fete.read_log skips it)."""
        from boxlocale.web import SECONDS_HELD

        time.sleep(SECONDS_HELD + 0.1)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()
        time.sleep(0.3)  # the lines through the pipe

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def box_command(data_dir):
    script = Path(sys.executable).with_name("boxlocale")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "boxlocale"]
    return lambda port: [*program, "serve", "--host", "127.0.0.1", "--port", str(port),
                         "--data-dir", str(data_dir), "--threads", str(THREADS)]


def hello_command(port):
    return [sys.executable, str(BENCH / "hello.py"), "--port", str(port), "--threads", str(THREADS)]


def built_pages(server):
    """The pages that exist (a page not built yet is not measured)."""
    built = []
    for path in PAGES:
        status, _, body, _ = wire_get(server.port, path, {"Accept-Language": "en"})
        if status == 200:
            built.append(path)
    return built


def ratio_of(value, baseline):
    """value / baseline, rounded; None when the baseline measured 0 (a --quick run can be that short:
    CPU time is counted in 10 ms ticks)."""
    return round(value / baseline, 2) if baseline else None


def figure(key, name, value, unit, target, ok, baseline=None, ratio=None, detail=None):
    return {"key": key, "name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio,
            "target": target, "ok": ok, "detail": detail or {}}


def not_built(key, name, unit, target, why=NA):
    return figure(key, name, why, unit, target, None)


# (1) and (2): requests per second and CPU per page view, interleaved with the hello world.
def throughput(box, hello, pages, cfg, headers=None):
    """Requests/s and CPU per view. ``headers``: the box's requests carry them (e.g. a phone's cookie)."""
    runs = {path: {"rps": [], "cpu_ms": []} for path in ["hello", *pages]}
    for server, paths in ((hello, ["/"]), *((box, [p]) for p in pages)):
        server.load(paths, cfg["warmup"], 30, cfg["clients"], headers if server is box else None)
    for _ in range(cfg["repeats"]):
        for name in ["hello", *pages]:
            server, path = (hello, "/") if name == "hello" else (box, name)
            cpu_before = proc.cpu_seconds(server.pid)
            result = server.load([path], cfg["per_run"], cfg["run_seconds"], cfg["clients"],
                                 headers if server is box else None, timed=True)
            cpu = proc.cpu_seconds(server.pid) - cpu_before
            runs[name]["rps"].append(result["rps"])
            runs[name]["cpu_ms"].append(1000 * cpu / result["requests"])
    return {name: {key: statistics.median(values) for key, values in run.items()} | {"runs": run}
            for name, run in runs.items()}


def throughput_figures(medians, pages):
    """Requests/s of each page as most phones get it (shared; a phone with a form token and a device key,
    gzip): listings >= 80 % of hello, others >= 50 %."""
    hello = medians["hello"]
    rows = []
    for path in PAGES:
        share = 0.8 if path in LISTINGS else 0.5
        target = f">= {share:.0%} of hello"
        if path not in pages:
            rows.append(not_built(f"rps {path}", f"requests/s {path}", "req/s", target))
            continue
        ratio = medians[path]["rps"] / hello["rps"]
        rows.append(figure(f"rps {path}", f"requests/s {path}", round(medians[path]["rps"]), "req/s",
                           target, ratio >= share, round(hello["rps"]), round(ratio, 2),
                           {"runs": medians[path]["runs"]["rps"]}))
    return rows + cpu_figures(medians, pages)


def phone_with_cookies(box, cfg):
    """The headers of a phone as most are at a fête: it holds a form token (session) and has posted
    (device key). The throughput rows are measured as this phone."""
    import random

    phone = fete.make_phones(box.port, 1, cfg, random.Random(1))[0]
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in phone["cookies"].items()),
            "Accept-Encoding": "gzip"}


# A cookie the box does not know sends a request to Flask and the page is rendered afresh: the cost of a
# page when it cannot be shared (its first view after a write, a page "mine", a flash waiting).
FRESH = {"Cookie": "bench_fresh=1"}


def cpu_figures(medians, pages, key="cpu", label=""):
    """CPU per view of each page; ``key``/``label`` tell the fresh-render rows apart."""
    hello = medians["hello"]
    rows = []
    for path in PAGES:
        name = f"CPU per view {path}{label}"
        if path not in pages:
            rows.append(not_built(f"{key} {path}", name, "ms", "<= 2 ms"))
            continue
        value = medians[path]["cpu_ms"]
        rows.append(figure(f"{key} {path}", name, round(value, 3), "ms", "<= 2 ms", value <= 2.0,
                           round(hello["cpu_ms"], 3), ratio_of(value, hello["cpu_ms"]),
                           {"runs": medians[path]["runs"]["cpu_ms"], "requests/s": round(medians[path]["rps"])}))
    return rows


# The fête: many phones with cookies on a click path (see fete.py), interleaved with the hello world.
def fete_figures(box, hello, cfg):
    name_share, name_cpu, name_p95 = "fête: views served shared", "fête: CPU per view", "fête: p95 latency"
    if not wrk_available():
        why = "n/a (wrk not installed)"
        return [not_built("fete shared", name_share, "%", ">= 60%", why),
                not_built("fete cpu", name_cpu, "ms", "<= 2 ms", why),
                not_built("fete p95", name_p95, "ms", "-", why)]
    phones, requests = fete.build(box.port, cfg)
    runs = {"share": [], "cpu_ms": [], "p95_ms": [], "rps": [], "hello_cpu_ms": [], "hello_p95_ms": [],
            "hello_rps": []}
    views = []
    for _ in range(cfg["fete_repeats"]):
        box.write_held_log()  # the lines of the views before (the pages' runs) are not the fête's
        box.log = []
        cpu_before = proc.cpu_seconds(box.pid)
        result = box.load(requests, 0, cfg["fete_seconds"], cfg["fete_connections"], timed=True)
        cpu = proc.cpu_seconds(box.pid) - cpu_before
        box.write_held_log()
        logged, box.log = fete.read_log(box.log), None
        views += logged
        gets = [view for view in logged if view[0] != "post"]
        runs["share"].append(100 * sum(view[1] == "shared" for view in gets) / max(1, len(gets)))
        runs["cpu_ms"].append(1000 * cpu / result["requests"])
        runs["p95_ms"].append(result["p95_ms"])
        runs["rps"].append(result["rps"])
        cpu_before = proc.cpu_seconds(hello.pid)
        baseline = hello.load(["/"], 0, cfg["fete_seconds"], cfg["fete_connections"], timed=True)
        runs["hello_cpu_ms"].append(1000 * (proc.cpu_seconds(hello.pid) - cpu_before) / baseline["requests"])
        runs["hello_p95_ms"].append(baseline["p95_ms"])
        runs["hello_rps"].append(baseline["rps"])
    median = {key: statistics.median(values) for key, values in runs.items()}
    by_kind = {}
    for kind in fete.KINDS:
        of_kind = [view for view in views if view[0] == kind]
        if of_kind:
            by_kind[kind] = {"views": len(of_kind), "shared": round(sum(v[1] == "shared" for v in of_kind) / len(of_kind), 2),
                             "median cpu ms (in the app)": round(statistics.median(v[2] for v in of_kind), 3),
                             "median cpu ms, rendered": round(statistics.median(
                                 [v[2] for v in of_kind if v[1] != "shared"] or [0]), 3)}
    detail = {"phones": len(phones), "connections": cfg["fete_connections"], "requests in the path": len(requests),
              "by kind": by_kind, "runs": runs}
    rows = [figure("fete shared", name_share, round(median["share"], 1), "%", ">= 60%", median["share"] >= 60,
                   detail=detail),
            figure("fete cpu", name_cpu, round(median["cpu_ms"], 3), "ms", "<= 2 ms", median["cpu_ms"] <= 2.0,
                   round(median["hello_cpu_ms"], 3), ratio_of(median["cpu_ms"], median["hello_cpu_ms"]),
                   {"requests/s": round(median["rps"]), "hello requests/s": round(median["hello_rps"])}),
            figure("fete p95", name_p95, round(median["p95_ms"], 1), "ms", "-", None,
                   round(median["hello_p95_ms"], 1), ratio_of(median["p95_ms"], median["hello_p95_ms"]))]
    for kind, numbers in by_kind.items():
        value = numbers["median cpu ms (in the app)"]
        rows.append(figure(f"fete cpu {kind}", f"fête: CPU per {kind} view (in the app)", value, "ms", "<= 2 ms",
                           value <= 2.0, detail=numbers))
    return rows


# Flat at 10x: listings, filters and searches rendered afresh on 1x and 10x the data.
def flat_figures(cfg, data_root):
    """Each FLAT_CASES path on 1x and 10x the data, both boxes up at once and measured in turn with the
    hello world (load on a shared machine drifts over minutes: measured one scale after the other, the
    two costs differed by as much as the data did)."""
    boxes = {}
    for scale in (1, 10):
        data_dir = Path(data_root) / f"flat-{scale}x"
        shutil.rmtree(data_dir, ignore_errors=True)
        seed_box(data_dir, cfg, scale, photos=0)
    hello = Server(hello_command)
    try:
        for scale in (1, 10):
            boxes[scale] = Server(box_command(Path(data_root) / f"flat-{scale}x"))
        for server in (hello, *boxes.values()):
            server.wait_ready()
        costs = fresh_costs(boxes, hello, FLAT_CASES, cfg)
    finally:
        for server in (hello, *boxes.values()):
            server.stop()
    rows = []
    for path in FLAT_CASES:
        one, ten = costs[1][path], costs[10][path]
        ratio = ten / one if one else None
        rows.append(figure(f"flat {path}", f"10x/1x data, fresh CPU {path}", round(ratio, 2) if ratio else "n/a",
                           "x", "<= 1.5x", ratio is not None and ratio <= 1.5,
                           detail={"1x ms": one, "10x ms": ten, "hello ms": costs["hello"]}))
    return rows


def fresh_costs(boxes, hello, paths, cfg):
    """CPU ms per fresh view of each path on each box of ``boxes`` (scale -> server), and the hello
    world's: medians of runs taken in turn, so that each box and the hello world see the same load."""
    runs = {"hello": []} | {scale: {path: [] for path in paths} for scale in boxes}
    for box in boxes.values():
        for path in paths:
            box.load([path], cfg["warmup"], 30, cfg["clients"], FRESH)
    for _ in range(cfg["repeats"]):
        for path in paths:
            for scale, server in [("hello", hello), *boxes.items()]:
                target, headers = ("/", None) if scale == "hello" else (path, FRESH)
                before = proc.cpu_seconds(server.pid)
                result = server.load([target], 0, cfg["flat_seconds"], cfg["clients"], headers, timed=True)
                cost = 1000 * (proc.cpu_seconds(server.pid) - before) / max(1, result["requests"])
                (runs["hello"] if scale == "hello" else runs[scale][path]).append(cost)
    return {"hello": round(statistics.median(runs["hello"]), 3)} | {
        scale: {path: round(statistics.median(values), 3) for path, values in runs[scale].items()} for scale in boxes}


def seed_box(data_dir, cfg, scale=1, photos=None):
    from boxlocale import create_app, settings

    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False})
    with app.app_context():
        # The bench posts from one address; phones at a fête each have their own.
        settings.save({"posts_per_hour": 1_000_000})
    made = seed(app, cfg["items"] * scale, cfg["books"] * scale, cfg["notices"] * scale,
                cfg["photos"] if photos is None else photos, cfg["photo_size"])
    return app, made


# (3) resident memory after N requests.
def memory_figure(box, hello, pages, cfg):
    target_count = cfg["memory_requests"]
    for server, paths in ((box, pages), (hello, ["/"])):
        missing = target_count - server.served
        if missing > 0:
            server.load(paths, missing, 600, cfg["clients"])
    value, baseline = proc.rss_bytes(box.pid) / 2**20, proc.rss_bytes(hello.pid) / 2**20
    return figure("rss", f"memory after {box.served} requests", round(value, 1), "MB", "<= 60 MB",
                  value <= 60, round(baseline, 1), ratio_of(value, baseline),
                  {"box_requests": box.served, "hello_requests": hello.served})


# (7) bytes written to the disk by page views.
def data_dir_state(data_dir):
    return {str(p.relative_to(data_dir)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in Path(data_dir).rglob("*") if p.is_file()}


def disk_figure(box, hello, pages, data_dir, cfg):
    views = cfg["disk_views"]
    before, files_before = proc.write_bytes(box.pid), data_dir_state(data_dir)
    box.load(pages, views, 600, cfg["clients"])
    written = proc.write_bytes(box.pid) - before
    files_after = data_dir_state(data_dir)
    changed = sorted(name for name in files_after.keys() | files_before.keys()
                     if files_after.get(name) != files_before.get(name))
    hello_before = proc.write_bytes(hello.pid)
    hello.load(["/"], views, 600, cfg["clients"])
    hello_written = proc.write_bytes(hello.pid) - hello_before
    return figure("disk", f"bytes written by {views} views", written, "B", "0", written == 0 and not changed,
                  hello_written, None, {"changed_files": changed, "pages": pages})


# (5) bytes over the wifi.
SUBRESOURCE_RE = re.compile(r'<(?:link[^>]+href|img[^>]+src|script[^>]+src)="(/[^"]+)"')


def visit(port, path):
    """A first visit: the page and everything it links to; bytes on the wire, split by kind."""
    status, headers, body, page_bytes = wire_get(port, path)
    html = body.decode(errors="replace")
    resources = []
    for url in dict.fromkeys(SUBRESOURCE_RE.findall(html)):
        url = url.replace("&amp;", "&")
        sub_status, sub_headers, _, wire = wire_get(port, url)
        resources.append({"url": url, "status": sub_status, "bytes": wire,
                          "cache_control": sub_headers.get("cache-control", "")})
    return {"status": status, "html_bytes": page_bytes, "html_cache": headers.get("cache-control", ""),
            "resources": resources}


def cached_for_good(resource):
    cache = resource["cache_control"]
    max_age = re.search(r"max-age=(\d+)", cache)
    return "immutable" in cache and max_age is not None and int(max_age.group(1)) >= 86400


def bytes_figures(box, pages):
    home = visit(box.port, "/")
    css = sum(r["bytes"] for r in home["resources"] if r["url"].endswith(".css"))
    everything = home["html_bytes"] + sum(r["bytes"] for r in home["resources"])
    rows = [figure("bytes home", "home HTML+CSS, first visit", home["html_bytes"] + css, "B", "<= 20 KB",
                   home["html_bytes"] + css <= 20 * 1024, detail={"html": home["html_bytes"], "css": css,
                                                                 "with_icons": everything})]
    visits = [home]
    if "/give/" in pages:
        listing = visit(box.port, "/give/")
        visits.append(listing)
        thumbs = [r for r in listing["resources"] if not r["url"].startswith("/static/")]
        total = listing["html_bytes"] + sum(r["bytes"] for r in listing["resources"])
        rows.append(figure("bytes listing", f"listing with {len(thumbs)} thumbnails", total, "B", "<= 150 KB",
                           total <= 150 * 1024 and len(thumbs) >= 20,
                           detail={"html": listing["html_bytes"], "thumbnails": len(thumbs),
                                   "thumbnail_bytes": sum(r["bytes"] for r in thumbs)}))
    else:
        rows.append(not_built("bytes listing", "listing with 20 thumbnails", "B", "<= 150 KB"))
    resources = {r["url"]: r for v in visits for r in v["resources"]}
    again = [r for r in resources.values() if not cached_for_good(r)]
    rows.append(figure("bytes again", "second visit: CSS/icons/photos again", sum(r["bytes"] for r in again),
                       "B", "0", not again and all(r["status"] == 200 for r in resources.values()),
                       detail={"resources": len(resources), "not_immutable": [r["url"] for r in again]}))
    return rows


# (4) from `boxlocale serve` to the first answered request.
def start_figure(data_dir, cfg):
    box_times, hello_times = [], []
    for _ in range(cfg["starts"]):
        for command, times in ((box_command(data_dir), box_times), (hello_command, hello_times)):
            server = Server(command)
            try:
                times.append(server.wait_ready("/"))
            finally:
                server.stop()
    value, baseline = statistics.median(box_times), statistics.median(hello_times)
    return figure("start", "serve to first answer", round(value, 3), "s", "<= 1.0 s", value <= 1.0,
                  round(baseline, 3), ratio_of(value, baseline), {"box": box_times, "hello": hello_times})


# (6) a 12-megapixel phone photo through the pipeline vs a naive Pillow resize.
def with_comment(data, text):
    """The same JPEG with a comment segment: a different upload each time, the same pixels."""
    comment = text.encode()
    return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]


def photo_figure(app, cfg):
    name, unit, target = "photo pipeline CPU", "s", "<= 0.35 s, <= 1/3 naive"
    if not pipeline.built():
        return not_built("photo", name, unit, target)
    width, height = cfg["camera"]
    data = camera_jpeg(width, height, seed=99)
    pipeline.process_with_box(app, with_comment(data, "warm-up"))
    pipeline.process_naively(data)
    box_times, naive_times = [], []
    for n in range(cfg["photo_repeats"]):
        upload = with_comment(data, f"repeat {n}")
        started = time.process_time()
        pipeline.process_with_box(app, upload)
        box_times.append(time.process_time() - started)
        started = time.process_time()
        pipeline.process_naively(upload)
        naive_times.append(time.process_time() - started)
    value, baseline = statistics.median(box_times), statistics.median(naive_times)
    ratio = value / baseline
    return figure("photo", f"{width * height / 1e6:.0f} MP photo, pipeline CPU", round(value, 3), unit, target,
                  value <= 0.35 and ratio <= 1 / 3, round(baseline, 3), round(ratio, 2),
                  {"box": box_times, "naive": naive_times, "jpeg_bytes": len(data)})


def print_table(results):
    columns = ("figure", "value", "baseline", "ratio", "target", "verdict")
    rows = []
    for row in results["figures"]:
        value = row["value"] if isinstance(row["value"], str) else f"{row['value']} {row['unit']}"
        baseline = "" if row["baseline"] is None else f"{row['baseline']} {row['unit']}"
        verdict = {True: "ok", False: "MISSED", None: "-"}[row["ok"]]
        rows.append((row["name"], value, baseline, "" if row["ratio"] is None else f"{row['ratio']}x",
                     row["target"], verdict))
    widths = [max(len(str(r[i])) for r in [columns, *rows]) for i in range(len(columns))]
    for r in [columns, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(r, widths, strict=True)))
    if results["quick"]:
        print("(quick mode: tiny data and short runs, the numbers mean nothing)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny data, short runs: proves the bench works")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument("--data-dir", default=str(BENCH / "results" / "data"), help="the bench's own data dir")
    parser.add_argument("--scale", type=int, default=1, help="times the data: 10 is 50,000 items, 20,000 books "
                        "and 20,000 notices")
    parser.add_argument("--flat", action="store_true", help="also measure listings, filters and searches on "
                        "1x and 10x the data (always in --quick)")
    parser.add_argument("--only", help="some parts only, comma-separated: " + ",".join(PARTS))
    args = parser.parse_args(argv)
    if args.only and not set(args.only.split(",")) <= set(PARTS):
        parser.error(f"--only takes some of {','.join(PARTS)}")
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("items", "books", "notices"):
        cfg[key] *= args.scale
    data_dir = Path(args.data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)

    results = {"quick": args.quick, "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "python": platform.python_version(),
                           "sqlite": sqlite3.sqlite_version, "server_threads": THREADS, "client_threads": cfg["clients"]},
               "config": cfg}
    app, results["seed"] = seed_box(data_dir, cfg)
    only = set(args.only.split(",")) if args.only else set(PARTS)

    figures = []
    box, hello = Server(box_command(data_dir)), Server(hello_command)
    try:
        box.wait_ready(), hello.wait_ready()
        pages = built_pages(box)
        results["pages_built"] = pages
        if "pages" in only:
            figures += throughput_figures(throughput(box, hello, pages, cfg, phone_with_cookies(box, cfg)), pages)
        if "fresh" in only:
            fresh = throughput(box, hello, pages, cfg, FRESH)
            figures += cpu_figures(fresh, pages, key="cpu fresh", label=", fresh render")
        if "fete" in only:
            figures += fete_figures(box, hello, cfg)
        memory = memory_figure(box, hello, pages, cfg) if "memory" in only else None
        wifi = bytes_figures(box, pages) if "bytes" in only else []
        disk = disk_figure(box, hello, pages, data_dir, cfg) if "disk" in only else None
    finally:
        box.stop(), hello.stop()
    # Measured with the servers stopped, so nothing else runs meanwhile; listed in DESIGN.md's order.
    start = start_figure(data_dir, cfg) if "start" in only else None
    photo = photo_figure(app, cfg) if "photo" in only else None
    flat = flat_figures(cfg, data_dir.parent / "flat") if "flat" in only and (args.flat or args.quick or args.only) else []
    results["figures"] = [row for row in [*figures, memory, start, *wifi, photo, disk, *flat] if row is not None]
    results["machine"]["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print_table(results)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
