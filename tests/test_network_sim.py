"""The network simulator of bench/ on 5 boxes: the real sync code on real data dirs, couriers, boxes
off for months, wrong clocks, power cuts (killed `boxlocale sync` processes), mixed versions."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_five_boxes_for_four_months_end_with_one_state():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "network_sim.py"), "--boxes", "5", "--seed", "1",
                             "--days", "120"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "network simulation: OK" in result.stdout
    assert "power cuts mid-sync: 0" not in result.stdout
    assert "events: " in result.stdout and "bytes per event" in result.stdout
