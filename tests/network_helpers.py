"""Helpers of the network tests: boxes as real data dirs, content written through the domain rules,
syncs through the real CLI (``boxlocale sync``) or in process."""

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from boxlocale import create_app, ratelimit, settings
from boxlocale.console import moderation
from boxlocale.devices import Actor
from boxlocale.models import Volunteer

from .books_factory import phone
from .helpers import volunteer_actor


def make_box(root, name, prefix, village=None):
    """A box's data dir with its name, village and prefix set (and its key made)."""
    data_dir = Path(root) / name.lower()
    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False, "TESTING": True})
    with app.app_context():
        settings.save({"box_name": name, "village": village or name, "book_prefix": prefix})
    create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False, "TESTING": True})  # box.info emitted
    return data_dir


@contextmanager
def at(data_dir):
    """Work on a box in this process: an app and a request context on its data dir."""
    ratelimit.reset()
    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False, "TESTING": True})
    with app.test_request_context("/"):
        yield app
    settings.invalidate()


def villager(pseudonym=None):
    return Actor(device=phone(pseudonym))


def moderate(move, target):
    """A volunteer's moderation move (``moderation.hide``, ``restore``, ``delete``) on the post named ``target``."""
    volunteer = Volunteer.get_or_none(Volunteer.name == "Claire")
    volunteer = Actor(volunteer=volunteer) if volunteer else volunteer_actor()
    return move(moderation.get_post(target, volunteer), volunteer)


def cli(data_dir, *args, input_text=None, check=True):
    result = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), *args],
                            capture_output=True, text=True, input=input_text, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"boxlocale {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def join(admitter, newcomer):
    """Admit ``newcomer`` into the network from ``admitter`` (request, admit, join)."""
    from boxlocale.network import admission

    with at(newcomer):
        request = admission.join_request()
    with at(admitter):
        text = admission.admit(request)
    with at(newcomer):
        admission.join(text)


def join_with_cli(admitter, newcomer):
    """The same through the CLI: ``boxlocale network request | admit | join``."""
    request = cli(newcomer, "network", "request").stdout
    admission = cli(admitter, "network", "admit", "-", input_text=request).stdout
    cli(newcomer, "network", "join", "-", input_text=admission)


def digest(data_dir):
    with at(data_dir):
        from boxlocale.network import state

        return state.digest()


def sync_in_process(data_dir, folder):
    with at(data_dir):
        from boxlocale.network import sync

        return sync.sync_folder(folder)
