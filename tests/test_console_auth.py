"""Console access: first start, login, lockout, CSRF, roles, the session cookie, the audit line,
"console only here", and the `boxlocale admin` command."""

import subprocess
import sys

import pytest

from boxlocale import settings
from boxlocale.console import accounts, session
from boxlocale.errors import RateLimited
from boxlocale.models import Audit, LoginFailure, Volunteer

from .conftest import csrf_token
from .console_helpers import PASSWORD, add_volunteer, logged_in, login, post


def test_without_any_volunteer_the_console_only_says_how_to_create_one(client):
    for path in ("/console/", "/console/login", "/console/settings", "/console/moderation"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert "boxlocale admin add" in html
        assert 'name="password"' not in html


def test_login_page_warns_that_the_password_travels_in_clear(app, client):
    add_volunteer(app)
    html = client.get("/console/login").get_data(as_text=True)
    assert "sans chiffrement" in html
    html = client.get("/console/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "without encryption" in html


def test_console_pages_need_a_login(app, client):
    add_volunteer(app)
    page = client.get("/console/settings")
    assert page.status_code == 302 and page.headers["Location"].startswith("/console/login?next=/console/settings")


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(app, client):
    add_volunteer(app)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(session.COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert client.get("/console/").status_code == 200
    stolen = client.get_cookie(session.COOKIE).value
    assert post(client, "/console/logout").status_code == 302
    assert client.get("/console/").status_code == 302
    client.set_cookie(session.COOKIE, stolen)  # a copy of the cookie is revoked too
    assert client.get("/console/").status_code == 302
    with app.app_context():
        assert [a.action for a in Audit.select().order_by(Audit.id)][-2:] == ["login", "logout"]


def test_a_wrong_password_is_refused_with_the_same_message(app, client):
    add_volunteer(app)
    wrong = login(client, password="not the password")
    unknown = login(client, name="Nobody")
    assert wrong.status_code == unknown.status_code == 400
    assert "Nom ou mot de passe incorrect" in wrong.get_data(as_text=True)
    assert "Nom ou mot de passe incorrect" in unknown.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_lockout_after_five_failures_per_name_and_address_even_with_the_right_password(app, client):
    add_volunteer(app)
    laptop = {"REMOTE_ADDR": "10.42.0.66"}
    for n in range(5):
        assert login(client, password=f"wrong {n}", environ_base=laptop).status_code == 400
    locked = login(client, environ_base=laptop)
    assert locked.status_code == 429
    assert "Trop de mots de passe" in locked.get_data(as_text=True)


def test_lockout_growing_delays(app, client, frozen_clock):
    add_volunteer(app)
    for n in range(5):
        login(client, password=f"wrong {n}")
    assert login(client).status_code == 429  # the right name and password, after five wrong ones
    lockout = accounts.lockout
    key = accounts.login_keys("Claire", "127.0.0.1")[0][0]
    first = lockout.wait_seconds(key)
    assert 0 < first <= accounts.FIRST_DELAY + 1
    with pytest.raises(RateLimited):
        lockout.take(accounts.login_keys("Claire", "127.0.0.1"))
    frozen_clock.advance(seconds=3601)
    assert lockout.wait_seconds(key) == 0
    lockout.take(accounts.login_keys("Claire", "127.0.0.1"))
    frozen_clock.advance(seconds=1)
    assert lockout.wait_seconds(key) > first  # each further failure waits longer
    frozen_clock.advance(days=2)
    assert lockout.wait_seconds(key) == 0  # a quiet day: the name starts again
    with app.app_context():
        lockout.take(accounts.login_keys("Claire", "127.0.0.1"))
        assert LoginFailure.get_by_id(key).failures == 1


def test_forms_need_their_csrf_token(app, client):
    add_volunteer(app)
    refused = client.post("/console/login", data={"name": "Claire", "password": PASSWORD})
    assert refused.status_code == 400
    logged_in(app, client, name="Marc")
    assert client.post("/console/settings", data={"box_name": "Piraté"}).status_code == 400
    assert client.post("/console/logout").status_code == 400


def test_moderators_moderate_and_print_only(app, client):
    logged_in(app, client, name="Paul", role="moderator")
    for path in ("/console/", "/console/moderation", "/console/neighbours", "/console/prints", "/console/prints/poster"):
        assert client.get(path).status_code == 200, path
    for path in ("/console/settings", "/console/clock", "/console/backups", "/console/stats", "/console/audit",
                 "/console/behalf/item", "/console/stats.csv"):
        assert client.get(path).status_code == 403, path
    html = client.get("/console/").get_data(as_text=True)
    assert "/console/settings" not in html


def test_admins_see_everything_and_the_audit_log(app, client):
    logged_in(app, client)
    for path in ("/console/settings", "/console/clock", "/console/backups", "/console/stats", "/console/audit"):
        assert client.get(path).status_code == 200, path
    log = client.get("/console/audit").get_data(as_text=True)
    assert "est connecté" in log and "Claire" in log


def test_a_new_password_ends_the_open_sessions(app, client):
    logged_in(app, client)
    with app.app_context():
        accounts.set_password("Claire", "another long password")
    assert client.get("/console/").status_code == 302


def test_the_volunteer_is_known_on_every_page_of_the_box(app, client):
    from flask import g

    logged_in(app, client)
    with client:
        client.get("/")
        assert g.volunteer.name == "Claire"


def test_console_only_from_the_box_or_its_wired_network(app, client):
    logged_in(app, client)
    with app.app_context():
        settings.save({"console_local_only": True})
    wifi = {"REMOTE_ADDR": "10.42.0.23"}
    assert client.get("/console/", environ_base=wifi).status_code == 403
    assert client.get("/console/login", environ_base=wifi).status_code == 403
    assert client.get("/console/").status_code == 200  # 127.0.0.1
    with client:  # the session cookie gives no volunteer powers from the wifi either
        client.get("/", environ_base=wifi)
        from flask import g

        assert g.get("volunteer") is None


def _run(data_dir, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_admin_command_adds_lists_changes_and_removes(app, data_dir, client):
    added = _run(data_dir, "admin", "add", "Josiane", "--role", "moderator", stdin="a good long password\n")
    assert added.returncode == 0, added.stderr
    assert _run(data_dir, "admin", "add", "Josiane", stdin="a good long password\n").returncode == 1
    assert _run(data_dir, "admin", "add", "Short", stdin="short\n").returncode == 1
    listing = _run(data_dir, "admin", "list")
    assert "Josiane\tmoderator" in listing.stdout and "Short" not in listing.stdout
    assert login(client, "Josiane", "a good long password").status_code == 302
    assert _run(data_dir, "admin", "passwd", "Josiane", stdin="yet another password\n").returncode == 0
    assert client.get("/console/").status_code == 302
    assert login(client, "Josiane", "yet another password").status_code == 302
    assert _run(data_dir, "admin", "remove", "Josiane").returncode == 0
    assert _run(data_dir, "admin", "remove", "Josiane").returncode == 1
    with app.app_context():
        assert not Volunteer.select().exists()
        hashes = [a.action for a in Audit.select()]
    assert {"volunteer_added", "password_changed", "volunteer_removed"} <= set(hashes)


def test_passwords_are_hashed(app):
    add_volunteer(app)
    with app.app_context():
        stored = Volunteer.get(Volunteer.name == "Claire").password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_login_keeps_the_next_page(app, client):
    add_volunteer(app)
    html = client.get("/console/login?next=/console/prints").get_data(as_text=True)
    response = client.post("/console/login?next=/console/prints",
                           data={"name": "Claire", "password": PASSWORD, "csrf_token": csrf_token(html)})
    assert response.headers["Location"] == "/console/prints"
