"""Instructions per page view, counted by valgrind's callgrind: repeatable on a busy machine, where CPU
time is not. For a before/after of one change to a view (run it on both commits, same data).

    .venv/bin/python bench/callgrind.py                  # 1x data (5,000 items, 2,000 books, 2,000 notices)
    .venv/bin/python bench/callgrind.py --quick          # tiny data: proves it works
    .venv/bin/python bench/callgrind.py --scale 10 --pages "/give/?status=taken" "/books/?view=travelled"

The data is seeded outside valgrind; then one Python process under callgrind renders each page a few
times (warm-up), and ``views`` more times between two calls to ``os.getppid()``, where callgrind dumps
its counters (``--dump-before=getppid``): each dump is one page's views. Pages are rendered in the
process by Flask's test client, each with its own kind of phone: ``fresh`` (a cookie the box does not
know: Flask renders) and ``shared`` (a phone with a form token: the stored page). The home page is also
viewed by a phone with a device key (one of the seeded phones, nothing of its own since its last visit):
``key, shared`` (its list known empty: the stored page) and ``key, fresh`` (that knowledge forgotten
before each view: Flask renders it with its list, as after a write that may fill it). The baseline is a
Flask hello world answered the same way in the same process.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import FLAT_CASES, FULL, PAGES, QUICK, seed_box  # noqa: E402

FRESH_COOKIE = "bench_fresh=1"
SEEDED_KEY = "bench1"  # seed.py's first phone: its device key (only the hash is stored)


def child(data_dir, pages, views, warmup):
    """Runs under callgrind: each page's views between two dumps."""
    from flask import Flask

    from boxlocale import create_app, pagecache
    from boxlocale.devices import COOKIE as DEVICE_COOKIE

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    app = create_app({"DATA_DIR": data_dir, "LOG_REQUESTS": False})
    hello_client, phone, fresh = hello.test_client(), app.test_client(), app.test_client()
    fresh.set_cookie(*FRESH_COOKIE.split("="))  # a Cookie header would be replaced by the client's jar
    headers = {"Accept-Language": "fr", "Accept-Encoding": "gzip"}
    phone.get("/give/" + "00000", headers=headers)  # its session now holds a form token
    keyed = app.test_client()
    keyed.set_cookie(DEVICE_COOKIE, SEEDED_KEY)
    keyed.get("/give/" + "00000", headers=headers)

    def keyed_fresh():
        # As after a write that may fill its list: the stored page is there, its list is not known
        # empty (what pagecache remembers per key, forgotten; every other phone's pages stay).
        pagecache._empty_parts.clear()
        return keyed.get("/", headers=headers)

    runs = [("hello", lambda: hello_client.get("/"))]
    for path in pages:
        runs.append((f"fresh {path}", lambda path=path: fresh.get(path, headers=headers)))
        runs.append((f"shared {path}", lambda path=path: phone.get(path, headers=headers)))
    if "/" in pages:
        runs.append(("key, fresh /", keyed_fresh))
        runs.append(("key, shared /", lambda: keyed.get("/", headers=headers)))
    for _, view in runs:
        for _ in range(warmup):
            assert view().status_code == 200
    for _, view in runs:
        os.getppid()  # callgrind dumps here: what came before is the previous page's views
        for _ in range(views):
            view()
    os.getppid()
    print(json.dumps([name for name, _ in runs]))


def instructions(path):
    for line in Path(path).read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--pages", nargs="*", help="default: every page row and every --flat case")
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--data-dir", default=str(BENCH / "results" / "callgrind-data"))
    parser.add_argument("--out", default=str(BENCH / "results" / "callgrind.json"))
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep the data dir of the last run (a before/after on the same rows)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pages = args.pages or list(dict.fromkeys(PAGES + FLAT_CASES))
    if args.child:
        return child(args.data_dir, pages, args.views, warmup=3)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian package valgrind)")
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("items", "books", "notices"):
        cfg[key] *= args.scale
    data_dir = Path(args.data_dir)
    if not (args.reuse_data and data_dir.exists()):
        shutil.rmtree(data_dir, ignore_errors=True)
        seed_box(data_dir, cfg, photos=min(cfg["photos"], 3))
    out_dir = data_dir.parent / "callgrind-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    python = sys.executable  # the venv's interpreter (a symlink valgrind follows; never a shell shim)
    command = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
               f"--callgrind-out-file={out_dir}/cg.out", python, __file__, "--child",
               "--data-dir", str(data_dir), "--views", str(args.views), "--pages", *pages]
    run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
    if run.returncode != 0:
        sys.exit(run.stdout + run.stderr)
    names = json.loads(run.stdout.strip().splitlines()[-1])
    dumps = sorted(out_dir.glob("cg.out.*"), key=lambda p: int(re.search(r"\.(\d+)$", p.name).group(1)))
    # dump 1: start-up and warm-up; dump k+1: the views of run k.
    per_view = {name: instructions(dump) / args.views for name, dump in zip(names, dumps[1:], strict=False)}
    hello = per_view["hello"]
    results = {"views": args.views, "scale": args.scale, "data": {k: cfg[k] for k in ("items", "books", "notices")},
               "instructions per view": {name: round(value) for name, value in per_view.items()},
               "ratio to hello": {name: round(value / hello, 1) for name, value in per_view.items()}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    width = max(len(name) for name in per_view)
    for name, value in per_view.items():
        print(f"{name.ljust(width)}  {value / 1e6:8.2f} M instructions  {value / hello:6.1f}x hello")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
