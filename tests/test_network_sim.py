"""The network simulator of bench/: the real sync code on real data dirs, couriers, boxes off for
months, wrong clocks, power cuts (killed `boxlocale sync` processes), mixed versions."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_five_boxes_for_a_year_end_with_one_state():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "network_sim.py"), "--boxes", "5", "--seed", "1",
                             "--days", "365"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "network simulation: OK" in result.stdout
    assert "power cuts mid-sync: 0" not in result.stdout
    assert "events: " in result.stdout and "bytes per event" in result.stdout


def test_news_from_a_clock_ahead_reaches_a_clock_behind_as_the_weeks_pass(tmp_path):
    """A box 6 days ahead writes on the last day; to a box 5 days behind that is 11 days ahead, more
    than the week an event may claim: it waits there until its time comes. Rounds of couriers all on
    one frozen day never converged (the 50-box run's failure); weeks passing do."""
    from boxlocale import clock
    from boxlocale.books import rules as books

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import network_sim
    finally:
        sys.path.remove(str(ROOT / "bench"))
    world = network_sim.World(3, seed=1, days=14, workdir=tmp_path)
    for box, skew in zip(world.boxes, (0, 6, -5), strict=True):
        box.skew, box.off_from, box.newer = timedelta(days=skew), None, False
    try:
        world.setup()
        world.run(world.boxes[1], 14, lambda: books.register(network_sim.VOLUNTEER, {"title": "Dernier"}))
        assert world.converge() is not None
        assert world.converged_on > 14 + 1
    finally:
        clock.freeze(None)
