"""The unit fixtures: fast where durability is not tested, and nothing inherited from a previous test."""

from pathlib import Path

from boxlocale import create_app, devices, pagecache, ratelimit
from boxlocale.console import accounts
from boxlocale.db import database
from boxlocale.models import AddressHold


def test_unit_tests_write_without_fsync_but_a_box_always_syncs(app, tmp_path):
    with app.app_context():
        assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 0  # OFF
    create_app({"DATA_DIR": str(tmp_path / "box"), "LOG_REQUESTS": False})
    with database.connection_context():
        assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_process_state_left_by_a_test(app):
    """Leaves a lockout, a spent rate limit, an address hold and a cached page: the next test must not
    see them."""
    for _ in range(accounts.FREE_FAILURES):
        accounts.lockout.take([("address:10.0.0.1", accounts.FREE_FAILURES)])
    ratelimit.hit("post", "device:left-over", 100)
    pagecache._entries["left over"] = None
    devices.hold_address("10.0.0.1")
    assert accounts.lockout.wait_seconds("address:10.0.0.1") > 0


def test_process_state_is_reset_for_each_app(app):
    assert accounts.lockout.wait_seconds("address:10.0.0.1") == 0
    with app.app_context():
        assert not AddressHold.select().exists()  # each app has its own database
    assert "left over" not in pagecache._entries
    assert not ratelimit._hits


def test_phones_and_form_posts_come_from_the_helpers_module():
    """One way to make a phone, its API headers or post a form: tests/helpers.py, not a factory per test
    file (``bearer``, ``api_headers``)."""
    own_factories = ("Device.create(", "create_device(", "def post_form(", "def new_device(",
                     "def phone(client", "def phone():", "return app.test_client  #", "def auth(", 'f"Bearer ')
    tests = Path(__file__).parent
    found = {path.name: marker for path in tests.glob("*.py") if path.name not in ("helpers.py", "test_fixtures.py")
             for marker in own_factories if marker in path.read_text()}
    assert found == {}
