"""The captive portal in the app: the probe table per platform, the two steps, the modes, the
redirect to the box's name, RFC 8908, and a new DHCP lease starting a phone over."""

import os

import pytest

from boxlocale import settings

from .conftest import csrf_token

APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"

ANDROID_UA = ("Dalvik/2.1.0 (Linux; U; Android 13; SM-A136B Build/TP1A.220624.014)")
ANDROID_CHROME_UA = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/120.0.0.0 Mobile Safari/537.36")
IOS_UA = "CaptiveNetworkSupport-481.0.1 wispr"
MACOS_UA = "CaptiveNetworkSupport-443.40.2 wispr"
WINDOWS_UA = "Microsoft NCSI"
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
NETWORKMANAGER_UA = "NetworkManager/1.42.4"
KINDLE_UA = ("Mozilla/5.0 (X11; U; Linux armv7l like Android; en-us) AppleWebKit/531.2+ (KHTML, like Gecko) "
             "Version/5.0 Safari/533.2+ Kindle/3.0+")

# (platform, host, path, user agent, online status, exact online body)
PROBES = [
    ("android", "connectivitycheck.gstatic.com", "/generate_204", ANDROID_UA, 204, ""),
    ("android-old", "clients3.google.com", "/generate_204", ANDROID_CHROME_UA, 204, ""),
    ("android-aosp", "connectivitycheck.android.com", "/generate_204", ANDROID_UA, 204, ""),
    ("android-www", "www.google.com", "/gen_204", ANDROID_CHROME_UA, 204, ""),
    ("ios", "captive.apple.com", "/hotspot-detect.html", IOS_UA, 200, APPLE_SUCCESS),
    ("macos", "captive.apple.com", "/library/test/success.html", MACOS_UA, 200, APPLE_SUCCESS),
    ("windows", "www.msftconnecttest.com", "/connecttest.txt", WINDOWS_UA, 200, "Microsoft Connect Test"),
    ("windows-old", "www.msftncsi.com", "/ncsi.txt", WINDOWS_UA, 200, "Microsoft NCSI"),
    ("firefox", "detectportal.firefox.com", "/success.txt", FIREFOX_UA, 200, "success\n"),
    ("firefox-canonical", "detectportal.firefox.com", "/canonical.html", FIREFOX_UA, 200,
     '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'),
    ("networkmanager", "nmcheck.gnome.org", "/check_network_status.txt", NETWORKMANAGER_UA, 200,
     "NetworkManager is online\n"),
    ("kindle", "spectrum.s3.amazonaws.com", "/kindle-wifi/wifistub.html", KINDLE_UA, 200,
     "<html><head></head><body>81ce4465-7167-4dcb-835b-dcc9e44c112a</body></html>"),
]


def probe(client, host, path, user_agent, address="10.42.0.23"):
    return client.get(path, headers={"Host": host, "User-Agent": user_agent},
                      environ_base={"REMOTE_ADDR": address})


def tap_enter(client, address="10.42.0.23", host="box.lan"):
    page = client.get("/welcome", headers={"Host": host}, environ_base={"REMOTE_ADDR": address})
    assert page.status_code == 200
    return client.post("/welcome", data={"csrf_token": csrf_token(page.text)}, headers={"Host": host},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("platform,host,path,user_agent,status,body", PROBES, ids=[p[0] for p in PROBES])
def test_probe_walks_the_two_steps(client, platform, host, path, user_agent, status, body):
    first = probe(client, host, path, user_agent)
    assert first.status_code == 302, "before the tap the phone must see a portal"
    assert first.headers["Location"] == "http://box.lan/welcome"
    assert first.headers["Cache-Control"] == "no-store"

    entered = tap_enter(client)
    assert entered.status_code == 303 and entered.headers["Location"] == "/"

    after = probe(client, host, path, user_agent)
    assert after.status_code == status
    assert after.get_data(as_text=True) == body, "the online answer must be exact"
    assert after.headers["Cache-Control"] == "no-store"

    other_phone = probe(client, host, path, user_agent, address="10.42.0.99")
    assert other_phone.status_code == 302, "one phone's tap opens nothing for another phone"


def test_welcome_page_has_the_big_button_and_the_real_browser_hint(client):
    page = client.get("/welcome", headers={"Host": "box.lan", "Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Entrer dans la Box" in html
    assert "http://box.lan/" in html and "navigateur habituel" in html
    assert 'method="post"' in html


def test_windows_redirect_opens_the_portal_then_the_box(client):
    first = probe(client, "www.msftconnecttest.com", "/redirect", WINDOWS_UA)
    assert first.status_code == 302 and first.headers["Location"] == "http://box.lan/welcome"
    tap_enter(client)
    after = probe(client, "www.msftconnecttest.com", "/redirect", WINDOWS_UA)
    assert after.status_code == 302 and after.headers["Location"] == "http://box.lan/"


def test_any_other_name_goes_to_the_box_name(client):
    answer = client.get("/some/page?x=1", headers={"Host": "www.lemonde.fr"})
    assert answer.status_code == 302 and answer.headers["Location"] == "http://box.lan/"


@pytest.mark.parametrize("host", ["box.lan", "BOX.LAN:80", "127.0.0.1:8080", "10.42.0.1", "[::1]:8080",
                                  "localhost", "localhost:8080"])
def test_box_name_ip_addresses_and_localhost_are_served_as_they_are(client, host):
    answer = client.get("/", headers={"Host": host})
    assert answer.status_code == 200


def test_the_box_name_comes_from_the_setting(app, client):
    with app.app_context():
        settings.save({"host_name": "boite.lan"})
    assert client.get("/", headers={"Host": "boite.lan"}).status_code == 200
    moved = client.get("/", headers={"Host": "box.lan"})
    assert moved.status_code == 302 and moved.headers["Location"] == "http://boite.lan/"
    assert probe(client, "captive.apple.com", "/hotspot-detect.html", IOS_UA).headers["Location"] == \
        "http://boite.lan/welcome"


def test_always_online_mode_answers_online_at_once(app, client):
    with app.app_context():
        settings.save({"portal_mode": "always_online"})
    answer = probe(client, "captive.apple.com", "/hotspot-detect.html", IOS_UA)
    assert answer.status_code == 200 and answer.get_data(as_text=True) == APPLE_SUCCESS
    assert probe(client, "connectivitycheck.gstatic.com", "/generate_204", ANDROID_UA).status_code == 204


def test_always_portal_mode_never_answers_online(app, client):
    with app.app_context():
        settings.save({"portal_mode": "always_portal"})
    tap_enter(client)
    assert probe(client, "connectivitycheck.gstatic.com", "/generate_204", ANDROID_UA).status_code == 302


def test_rfc8908_api_follows_the_phone(client):
    before = client.get("/.well-known/captive-portal", headers={"Host": "box.lan"},
                        environ_base={"REMOTE_ADDR": "10.42.0.23"})
    assert before.mimetype == "application/captive+json"
    assert before.json == {"captive": True, "user-portal-url": "http://box.lan/welcome",
                           "venue-info-url": "http://box.lan/"}
    tap_enter(client)
    after = client.get("/.well-known/captive-portal", headers={"Host": "box.lan"},
                       environ_base={"REMOTE_ADDR": "10.42.0.23"})
    assert after.json["captive"] is False


def test_the_probes_write_nothing_to_disk(client, data_dir):
    def snapshot():
        return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in data_dir.rglob("*")}

    tap_enter(client)
    before = snapshot()
    for _platform, host, path, user_agent, _status, _body in PROBES:
        probe(client, host, path, user_agent)
    assert snapshot() == before


def write_leases(path, *leases):
    """dnsmasq's format: expiry mac ip hostname client-id."""
    path.write_text("".join(f"{expiry} {mac} {ip} phone *\n" for expiry, mac, ip in leases))
    # A later write in the same clock tick must still look changed.
    os.utime(path, ns=(path.stat().st_mtime_ns + 1_000_000, path.stat().st_mtime_ns + 1_000_000))


FUTURE = 4_000_000_000
PAST = 1_000_000_000


@pytest.fixture
def leases_file(tmp_path):
    return tmp_path / "dnsmasq.leases"


@pytest.fixture
def portal(app, leases_file):
    from boxlocale.portal import captive  # after the app: the blueprints import each other

    return captive.PortalState(str(leases_file))


def test_a_renewed_lease_keeps_the_phone_inside(portal, leases_file):
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    portal.enter("10.42.0.23")
    write_leases(leases_file, (FUTURE + 1800, "aa:bb:cc:00:00:01", "10.42.0.23"))
    assert portal.has_entered("10.42.0.23")


def test_the_address_given_to_another_phone_starts_over(portal, leases_file):
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    portal.enter("10.42.0.23")
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:02", "10.42.0.23"))
    assert not portal.has_entered("10.42.0.23")


def test_a_released_lease_starts_over(portal, leases_file):
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    portal.enter("10.42.0.23")
    write_leases(leases_file)
    assert not portal.has_entered("10.42.0.23")


def test_a_lapsed_lease_that_comes_back_is_a_new_visit(portal, leases_file):
    write_leases(leases_file, (PAST, "aa:bb:cc:00:00:01", "10.42.0.23"))
    portal.enter("10.42.0.23")
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    assert not portal.has_entered("10.42.0.23")


def test_other_phones_leases_changing_keep_a_phone_inside(portal, leases_file):
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    portal.enter("10.42.0.23")
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"),
                 (FUTURE, "aa:bb:cc:00:00:09", "10.42.0.40"))
    assert portal.has_entered("10.42.0.23")


def test_the_lease_file_comes_from_the_config(data_dir, leases_file, monkeypatch):
    from boxlocale import create_app

    monkeypatch.setenv("BOXLOCALE_LEASES_FILE", str(leases_file))
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:01", "10.42.0.23"))
    app = create_app({"DATA_DIR": str(data_dir), "LOG_REQUESTS": False, "TESTING": True})
    client = app.test_client()
    tap_enter(client)
    assert probe(client, "captive.apple.com", "/hotspot-detect.html", IOS_UA).status_code == 200
    write_leases(leases_file, (FUTURE, "aa:bb:cc:00:00:02", "10.42.0.23"))
    assert probe(client, "captive.apple.com", "/hotspot-detect.html", IOS_UA).status_code == 302
    settings.invalidate()
