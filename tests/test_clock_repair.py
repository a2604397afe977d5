"""A box that ran a year ahead, then set right from a volunteer's phone: what it wrote that year comes
back to the real dates (reservations lapse on time, offers expire on time, posts are not "next year"),
while the dates people typed stay."""

from datetime import datetime, timedelta

from boxlocale import clock
from boxlocale.devices import Actor
from boxlocale.giveaway import rules as giveaway
from boxlocale.models import Audit, Item, Notice

from .console_helpers import device, logged_in, notice, post

REAL = datetime(2026, 11, 22, 12, 0, 0)
AHEAD = REAL + timedelta(days=365)


def _epoch_ms(moment):
    return str(int((moment - datetime(1970, 1, 1)).total_seconds() * 1000))


def test_setting_the_clock_back_brings_back_what_the_wrong_year_wrote(app, client, db):
    with app.test_request_context():
        clock.freeze(REAL)
        before = giveaway.post_item(Actor(device=device("Avant")), {"title": "Table basse", "where": "in_box"})[0]
        # The box restarts with its clock a year ahead: the first reading after a start is trusted.
        clock.freeze(AHEAD)
        giver, taker = Actor(device=device("Jeanne")), Actor(device=device("Paul"))
        offer = giveaway.post_item(giver, {"title": "Vélo enfant", "where": "in_box"})[0]
        giveaway.reserve(offer, taker)
        party = notice(kind="event", title="Fête du village", starts_at=datetime(2026, 12, 5, 18),
                       ends_at=datetime(2026, 12, 5, 23), expires_at=datetime(2026, 12, 5, 23))
        wanted = notice(kind="request", title="Cherche échelle", expires_at=AHEAD + timedelta(days=30))
        assert Item.get_by_id(offer.id).reserved_until == AHEAD + timedelta(hours=24)

    logged_in(app, client)
    clock.advance(hours=2)  # two hours pass; then a volunteer sets the real time from their phone
    done = post(client, "/console/clock", {"phone_epoch_ms": _epoch_ms(REAL + timedelta(hours=2)), "confirm": "1"},
                follow_redirects=True)
    assert done.status_code == 200 and "bonne date" in done.get_data(as_text=True)
    assert clock.now() == REAL + timedelta(hours=2)

    offer, before = Item.get_by_id(offer.id), Item.get_by_id(before.id)
    assert offer.created_at == REAL and offer.updated_at == REAL
    assert offer.expires_at == REAL + timedelta(days=21)
    assert offer.reserved_until == REAL + timedelta(hours=24)
    assert before.created_at == REAL and before.expires_at == REAL + timedelta(days=21)  # untouched
    assert Notice.get_by_id(wanted.id).expires_at == REAL + timedelta(days=30)
    assert Notice.get_by_id(wanted.id).created_at == REAL
    party = Notice.get_by_id(party.id)
    assert party.starts_at == datetime(2026, 12, 5, 18) and party.expires_at == datetime(2026, 12, 5, 23)
    assert all(row.created_at <= clock.now() for row in Audit.select())

    assert giveaway.status_of(offer) == "reserved"
    clock.advance(hours=23)  # the reservation lapses after its 24 hours, not a year later
    assert giveaway.status_of(Item.get_by_id(offer.id)) == "available"
    with app.test_request_context():
        assert "Vélo enfant" in [item.title for item in giveaway.latest(5)]


def test_setting_the_clock_forward_moves_nothing(app, client, db):
    clock.freeze(REAL)
    with app.test_request_context():
        offer = giveaway.post_item(Actor(device=device("Jeanne")), {"title": "Chaise", "where": "in_box"})[0]
    logged_in(app, client)
    done = post(client, "/console/clock", {"phone_epoch_ms": _epoch_ms(REAL + timedelta(days=3)), "confirm": "1"})
    assert done.status_code == 302
    assert Item.get_by_id(offer.id).created_at == REAL
    clock.freeze(None)
