"""The real ``boxlocale serve`` over real HTTP, and the wheel installed into a fresh venv."""

import re
import subprocess
import sys
import venv

import pytest
import requests

from .conftest import ROOT, LiveBox


def test_serve_on_an_empty_dir_creates_everything_and_answers(live_box):
    assert (live_box.data_dir / "boxlocale.sqlite3").exists()
    home = requests.get(live_box.url + "/", headers={"Accept-Language": "fr"}, timeout=5)
    assert home.status_code == 200 and "Boîte à dons" in home.text
    health = requests.get(live_box.url + "/healthz", timeout=5).json()
    assert health["ok"] is True


def test_one_log_line_per_request_with_status_and_duration(live_box):
    requests.get(live_box.url + "/no-such-page", timeout=5)
    requests.get(live_box.url + "/", timeout=5)
    live_box.stop()
    log = live_box.output()
    assert re.search(r"GET /no-such-page 404 \d+\.\dms", log)
    assert re.search(r"GET / 200 \d+\.\dms", log)
    assert "Traceback" not in log


def test_demo_then_serve(tmp_path):
    data_dir = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "boxlocale", "demo", "--data-dir", str(data_dir)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    again = subprocess.run([sys.executable, "-m", "boxlocale", "demo", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, timeout=120)
    assert "already" in again.stdout
    box = LiveBox(data_dir)
    try:
        html = requests.get(box.url + "/", timeout=5).text
        assert "Chavenay" in html
    finally:
        box.stop()


@pytest.mark.slow
def test_wheel_installs_and_serves_its_css_from_another_folder(tmp_path):
    """A non-editable install carries static/ inside the package."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, timeout=300)
    wheel = next(dist.glob("boxlocale-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    box = LiveBox(elsewhere / "data", program=[str(env_dir / "bin" / "boxlocale")], cwd=elsewhere)
    try:
        html = requests.get(box.url + "/", timeout=5).text
        css_url = re.search(r'href="(/static/[0-9a-f]+/css/box\.css)"', html).group(1)
        css = requests.get(box.url + css_url, timeout=5)
        assert css.status_code == 200 and ".doors" in css.text
        assert "immutable" in css.headers["Cache-Control"]
        installed = subprocess.run(
            [str(python), "-c", "import boxlocale, os; print(os.path.dirname(boxlocale.__file__))"],
            capture_output=True, text=True, check=True, cwd=elsewhere,
        ).stdout.strip()
        assert str(ROOT) not in installed  # really the installed copy, not the checkout
    finally:
        box.stop()
