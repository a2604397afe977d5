"""The benchmark runs end to end in its tiny quick mode (no timing is asserted: bench/ measures, CI proves
it works)."""

import json
import subprocess
import sys

from .conftest import ROOT, require_tool

PAGES = ["/", "/give/", "/books/", "/board/", "/give/00000", "/books/BOX-0001", "/board/1", "/api/v1/items"]
FLAT = ["/give/", "/give/?status=taken", "/give/?category=jardin", "/give/?q=zzzz", "/give/?status=all", "/books/",
        "/books/?view=travelled", "/books/?q=zzzz", "/board/", "/board/?q=", "/board/?kind=event", "/api/v1/items",
        "/give/?q=propre", "/give/?q=pull", "/books/?q=livre", "/board/?q=aide", "/api/v1/items?q=propre",
        "/books/?q=hugo"]
FIGURES = ({f"{kind} {path}" for kind in ("rps", "cpu", "cpu fresh") for path in PAGES}
           | {f"flat {path}" for path in FLAT}
           | {"fete shared", "fete cpu", "fete p95", "rss", "start", "bytes home", "bytes listing", "bytes again",
              "photo", "disk"})
# The fête's CPU by kind of view: one row for each kind its click path has.
FETE_KINDS = {"fete cpu home", "fete cpu listing", "fete cpu item", "fete cpu book", "fete cpu notice",
              "fete cpu form", "fete cpu post"}


def test_the_benchmark_runs_in_quick_mode_and_reports_every_figure(tmp_path):
    require_tool("wrk")  # the timed runs and the fête
    out = tmp_path / "results" / "latest.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    assert results["quick"] is True
    figures = {row["key"]: row for row in results["figures"]}
    assert set(figures) - FETE_KINDS == FIGURES
    assert {"fete cpu home", "fete cpu listing", "fete cpu item"} <= set(figures)
    assert 0 < figures["fete shared"]["value"] <= 100
    for row in figures.values():
        assert row["name"] in run.stdout  # the printed table has every row
        # A measured number, or an honest "n/a" for a part not built yet: never an empty cell.
        assert isinstance(row["value"], int | float) or row["value"].startswith("n/a"), row
    assert results["seed"]["items"] > 0 and results["seed"]["books"] > 0 and results["seed"]["notices"] > 0


def test_page_views_write_nothing_to_the_disk(start_box):
    """DESIGN.md: reads write nothing (SD cards wear out). Counted by the kernel for the server process:
    /proc/<pid>/io write_bytes (bench figure 7, here as a yes/no)."""
    box = start_box(env={"BOXLOCALE_LOG_REQUESTS": "0"})  # its log goes to a file here, to journald on a Pi
    phone = box.session()
    pages = ["/", "/give/", "/books/", "/board/"]
    for path in pages:  # first views: templates compiled, caches filled
        assert phone.get(box.url + path, timeout=10).status_code == 200
    pid = box.process.pid
    before = _write_bytes(pid)
    for _ in range(10):
        for path in pages:
            assert phone.get(box.url + path, timeout=10).status_code == 200
    assert _write_bytes(pid) - before == 0


def _write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        return int(next(line for line in f if line.startswith("write_bytes:")).split()[1])
