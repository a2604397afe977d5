"""The box clock: system clock + offset, set from a phone in the console, and the jump guard that keeps
lapse rules from jumping with a wrong clock."""

from datetime import datetime, timedelta

from boxlocale import clock, settings

from .console_helpers import logged_in, post

START = datetime(2026, 11, 22, 12, 0, 0)



def test_now_is_the_system_clock_plus_the_offset(frozen_clock):
    clock.set_offset(3600)
    assert clock.now() == START + timedelta(hours=1)
    assert clock.system_now() == START


def test_time_passing_is_trusted(frozen_clock):
    clock.now()
    clock.advance(days=30)  # a box left alone for a month: real time passed
    assert clock.now() == START + timedelta(days=30)
    assert clock.pending_jump() == timedelta(0)


def test_a_forward_jump_of_the_system_clock_is_held_back(frozen_clock):
    clock.now()
    clock.advance(hours=1)
    clock.jump_system_clock(days=365)  # the system clock leaps a year, no time passed
    assert clock.now() == START + timedelta(hours=1)
    assert clock.pending_jump() == timedelta(days=365)
    clock.advance(minutes=10)  # time keeps passing normally from the trusted time
    assert clock.now() == START + timedelta(hours=1, minutes=10)
    clock.accept_jump()  # a volunteer confirms the system clock
    assert clock.now() == START + timedelta(days=365, hours=1, minutes=10)


def test_small_corrections_and_backward_moves_are_followed(frozen_clock):
    clock.now()
    clock.jump_system_clock(days=1)
    assert clock.now() == START + timedelta(days=1)
    clock.jump_system_clock(days=-10)  # backward: things lapse later, never sooner
    assert clock.now() == START - timedelta(days=9)
    assert clock.pending_jump() == timedelta(0)


def test_lapse_rules_do_not_jump_with_a_wrong_clock(app, db, frozen_clock):
    """A reservation due in 24 hours does not lapse because the system clock leapt a year."""
    from boxlocale.giveaway import rules

    from .console_helpers import item

    reserved = item(status="reserved", reserved_until=START + timedelta(hours=24),
                    expires_at=START + timedelta(days=21))
    clock.now()
    clock.jump_system_clock(days=365)
    assert rules.status_of(reserved) == "reserved"
    clock.advance(hours=25)
    assert rules.status_of(reserved) != "reserved"


def test_the_offset_set_from_a_phone_is_used_by_lapse_rules(app, client, frozen_clock):
    """The box woke up 3 days late (fake-hwclock); a volunteer sets its time from their phone."""
    from boxlocale.db import database
    from boxlocale.giveaway import rules

    from .console_helpers import item

    logged_in(app, client)
    phone_time = START + timedelta(days=3)
    page = post(client, "/console/clock", {"phone_time": phone_time.strftime("%Y-%m-%dT%H:%M")})
    assert page.status_code == 409  # more than 2 days: the console asks first
    assert "heure de mon téléphone est juste" in page.get_data(as_text=True)
    assert clock.now() == START
    epoch_ms = int((phone_time - datetime(1970, 1, 1)).total_seconds() * 1000)
    done = post(client, "/console/clock", {"phone_epoch_ms": str(epoch_ms), "confirm": "1"})
    assert done.status_code == 302
    assert clock.now() == phone_time
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert settings.get("clock_offset_seconds") == 3 * 86400
        settings.invalidate()  # read back from the database, as after a restart
        assert settings.get("clock_offset_seconds") == 3 * 86400
        old = item(status="available", expires_at=START + timedelta(days=2))
        assert rules.status_of(old) == "expired"


def test_a_typed_local_time_sets_the_clock(app, client, frozen_clock):
    logged_in(app, client)
    # 14:30 in Paris in November is 13:30 UTC.
    assert post(client, "/console/clock", {"phone_time": "2026-11-22T14:30"}).status_code == 302
    assert clock.now() == datetime(2026, 11, 22, 13, 30)


def test_the_clock_page_shows_a_held_jump_and_accepting_it(app, client, frozen_clock):
    logged_in(app, client)
    clock.now()
    clock.jump_system_clock(days=10)
    html = client.get("/console/clock").get_data(as_text=True)
    assert "bond de 10 jours" in html
    assert post(client, "/console/clock/accept-jump").status_code == 302
    assert clock.now() == START + timedelta(days=10)
    assert "bond de" not in client.get("/console/clock").get_data(as_text=True)


def test_a_bad_phone_time_is_refused_next_to_its_field(app, client, frozen_clock):
    logged_in(app, client)
    page = post(client, "/console/clock", {"phone_time": "hier"})
    assert page.status_code == 400
    assert 'id="e-phone_time"' in page.get_data(as_text=True)
    assert clock.now() == START
