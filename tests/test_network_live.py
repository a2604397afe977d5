"""The network with real processes: three `boxlocale serve` syncing over HTTP on loopback, a folder
carried A → B → C by the real `boxlocale sync`, a sync killed halfway."""

import signal
import subprocess
import sys
import time

import requests

from boxlocale.books import rules as books
from boxlocale.devices import Actor
from boxlocale.models import Book

from .network_helpers import at, cli, digest, join, join_with_cli, make_box, villager


def test_three_served_boxes_sync_over_http_each_proving_itself(tmp_path, start_box):
    a, b, c = (make_box(tmp_path, name, prefix) for name, prefix in
               (("Chavenay", "CHV"), ("Feurs", "FEU"), ("Lyon", "LYS")))
    join_with_cli(a, b)
    join(b, c)
    stranger = make_box(tmp_path, "Ailleurs", "XXX")
    with at(a):
        code = books.register(villager(), {"title": "Germinal"})[0].code
    box_b, box_c = start_box(b), start_box(c)
    start_box(a)
    assert "went out" in cli(a, "sync", box_b.url).stdout
    cli(c, "sync", box_b.url)  # C takes from B what B took from A
    with at(c):
        assert Book.select().where(Book.code == code).exists()
    refused = cli(stranger, "sync", box_c.url, check=False)
    assert refused.returncode == 1 and "not admitted" in refused.stdout
    # A forged request (a signature that is not the sender's) is refused without a 5xx.
    nonce = requests.get(box_b.url + "/network/v1/challenge", timeout=5).json()["nonce"]
    with at(a):
        from boxlocale.network import log

        me = log.self_key()
    answer = requests.post(box_b.url + "/network/v1/pull", data=f'{{"from":"{me}","nonce":"{nonce}"}}',
                           headers={"X-Boxnet-Signature": "00" * 64}, timeout=5)
    assert answer.status_code == 403
    assert requests.post(box_b.url + "/network/v1/push", data="junk", timeout=5).status_code == 400
    # Again: nothing new either way, the same state on the three boxes.
    cli(a, "sync", box_b.url)
    cli(c, "sync", box_b.url)
    cli(a, "sync", box_b.url)
    assert digest(a) == digest(b) == digest(c)


def test_a_folder_carried_a_to_b_to_c_by_the_real_command(tmp_path):
    a, b, c = (make_box(tmp_path, name, prefix) for name, prefix in
               (("Chavenay", "CHV"), ("Feurs", "FEU"), ("Lyon", "LYS")))
    join(a, b)
    join(b, c)
    with at(a):
        code = books.register(villager(), {"title": "Germinal"})[0].code
    stick = tmp_path / "stick"
    for box in (a, b, c):
        assert "problems" not in cli(box, "sync", str(stick)).stdout
    with at(c):
        assert Book.get(Book.code == code).title == "Germinal"


def test_a_sync_killed_halfway_harms_nothing(tmp_path):
    a, b = make_box(tmp_path, "Chavenay", "CHV"), make_box(tmp_path, "Feurs", "FEU")
    join(a, b)
    with at(a):
        volunteer = Actor(volunteer=object())
        for number in range(600):
            books.register(volunteer, {"title": f"Livre {number}"})
    stick = tmp_path / "stick"
    cli(a, "sync", str(stick))
    for delay in (0.3, 0.6, 0.9):  # power cuts at different moments of the import
        process = subprocess.Popen([sys.executable, "-m", "boxlocale", "--data-dir", str(b), "sync", str(stick)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    cli(b, "sync", str(stick))
    cli(b, "check")
    with at(b):
        assert Book.select().count() == 600
    cli(a, "sync", str(stick))
    assert digest(a) == digest(b)
