"""Pseudonyms, rate limits and review words: the rules every kind of post shares."""

from datetime import datetime

import pytest

from boxlocale import ratelimit, settings
from boxlocale.db import writing
from boxlocale.devices import Actor
from boxlocale.errors import RateLimited, ValidationError
from boxlocale.models import Device
from boxlocale.people.rules import check_rate, clean_pseudonym, held_for_review, resolve_pseudonym


def new_device(key):
    return Device.create(key_hash=key, created_at=datetime(2026, 11, 1))


@pytest.mark.parametrize("name", ["Admin", "ADM1N", "Bénévole Marie", "benevole", "Le modérateur", "B0xLocale",
                                  "Mairie", "Équipe de la box"])
def test_names_that_pass_for_the_box_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        clean_pseudonym(name)
    assert "pseudonym" in refused.value.fields


@pytest.mark.parametrize("name", ["x", "a" * 31, "<script>", "Jean;DROP"])
def test_bad_lengths_and_characters_are_refused(name):
    with pytest.raises(ValidationError):
        clean_pseudonym(name)


def test_good_names_are_tidied():
    assert clean_pseudonym("  Marie   de  la Forge ") == "Marie de la Forge"
    assert clean_pseudonym("Zoé-42") == "Zoé-42"
    assert clean_pseudonym("") == ""


def test_a_phone_keeps_its_pseudonym_and_nobody_else_can_take_it(app, db):
    with app.test_request_context(), writing():
        margot, paul = new_device("k1"), new_device("k2")
        assert resolve_pseudonym(margot, "Margot") == "Margot"
        assert resolve_pseudonym(margot, "") == "Margot"  # the phone's own name by default
        with pytest.raises(ValidationError):
            resolve_pseudonym(paul, "margot")  # unique, whatever the case
        assert resolve_pseudonym(paul, "") == ""
    assert Device.get_by_id(margot.id).pseudonym == "Margot"


def test_rate_limit_per_phone_does_not_block_the_neighbours(app, db):
    ratelimit.reset()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.7"}):
        settings.save({"posts_per_hour": 3})
        flooder, neighbour = Actor(device=new_device("f")), Actor(device=new_device("n"))
        for _ in range(3):
            check_rate(flooder)
        for _ in range(10):
            with pytest.raises(RateLimited) as limited:
                check_rate(flooder)
        assert limited.value.retry_after > 0
        for _ in range(3):
            check_rate(neighbour)  # same address, own budget


def test_the_address_limit_is_five_times_looser(app, db):
    ratelimit.reset()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.9"}):
        settings.save({"posts_per_hour": 2})
        for n in range(10):
            check_rate(Actor(device=new_device(f"d{n}")))
        with pytest.raises(RateLimited):
            check_rate(Actor(device=new_device("one-too-many")))
        check_rate(Actor(device=new_device("v"), volunteer=object()))  # volunteers are exempt


def test_review_words(app, db):
    with app.test_request_context():
        assert not held_for_review("Vends vélo")
        settings.save({"moderation_words": ["arnaque", "Viagra"]})
        assert held_for_review("Titre", "Pas une ARNAQUE promis")
        assert held_for_review("viágra")
        assert not held_for_review("Un bon vélo")
