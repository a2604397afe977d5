"""CPU time of fresh renders in one process (Flask's test client, no HTTP): the thread's CPU per view,
median over ``--views``, beside a Flask hello world in the same process. Short, for a before/after
on a busy machine (thread CPU time moves less with the load than wall time; callgrind.py is steadier).

    .venv/bin/python bench/callgrind.py --quick          # seeds its data dir once (or use its 1x data)
    .venv/bin/python bench/fresh_cpu.py --data-dir bench/results/callgrind-data
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import PAGES  # noqa: E402


def median_cpu_ms(view, views, warmup=10):
    for _ in range(warmup):
        view()
    times = []
    for _ in range(views):
        started = time.thread_time()
        view()
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(BENCH / "results" / "callgrind-data"))
    parser.add_argument("--views", type=int, default=150)
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    from flask import Flask

    from boxlocale import create_app

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    hello_client = hello.test_client()
    fresh = create_app({"DATA_DIR": args.data_dir, "LOG_REQUESTS": False}).test_client()
    fresh.set_cookie("bench_fresh", "1")  # a cookie the box does not know: Flask renders each view
    headers = {"Accept-Language": "fr", "Accept-Encoding": "gzip"}
    figures = {"hello": median_cpu_ms(lambda: hello_client.get("/"), args.views)}
    for path in args.pages:
        figures[path] = median_cpu_ms(lambda path=path: fresh.get(path, headers=headers), args.views)
    for name, value in figures.items():
        print(f"{name:24s} {value:6.3f} ms  {value / figures['hello']:5.1f}x hello")
    print(json.dumps({name: round(value, 3) for name, value in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
