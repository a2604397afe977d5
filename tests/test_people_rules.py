"""Pseudonyms, rate limits and review words: the rules every kind of post shares."""

from datetime import datetime

import pytest

from boxlocale import ratelimit, settings
from boxlocale.db import writing
from boxlocale.devices import Actor
from boxlocale.errors import RateLimited, ValidationError
from boxlocale.models import Device
from boxlocale.posting import check_rate, clean_pseudonym, held_for_review, resolve_pseudonym

from .helpers import new_device


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
        margot, paul = new_device(), new_device()
        assert resolve_pseudonym(margot, "Margot") == "Margot"
        assert resolve_pseudonym(margot, "") == "Margot"  # the phone's own name by default
        with pytest.raises(ValidationError):
            resolve_pseudonym(paul, "margot")  # unique, whatever the case
        assert resolve_pseudonym(paul, "") == ""
    assert Device.get_by_id(margot.id).pseudonym == "Margot"


def test_rate_limit_per_phone_does_not_block_the_neighbours(app, db):
    ratelimit.reset()
    with app.app_context():  # rules need no request: the address comes with the actor
        settings.save({"posts_per_hour": 3})
        flooder = Actor(device=new_device(), address="10.42.0.7")
        neighbour = Actor(device=new_device(), address="10.42.0.7")
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
    with app.app_context():
        settings.save({"posts_per_hour": 2})
        for _ in range(10):
            check_rate(Actor(device=new_device(), address="10.42.0.9"))
        with pytest.raises(RateLimited):
            check_rate(Actor(device=new_device(), address="10.42.0.9"))
        check_rate(Actor(device=new_device(), volunteer=object()))  # volunteers are exempt


def test_review_words(app, db):
    with app.test_request_context():
        assert not held_for_review("Vends vélo")
        settings.save({"moderation_words": ["arnaque", "Viagra"]})
        assert held_for_review("Titre", "Pas une ARNAQUE promis")
        assert held_for_review("viágra")
        assert not held_for_review("Un bon vélo")


# --- Reports and thanks -------------------------------------------------------------------------

from boxlocale.errors import Conflict, Forbidden, NotFound  # noqa: E402
from boxlocale.models import Flag, Notice, Reply, Thanks  # noqa: E402
from boxlocale.people import rules as people  # noqa: E402
from boxlocale.people.rules import allowed_moves, get_target, open_flag_weight  # noqa: E402


def report(actor, target, reason):
    """A phone reports the post named ``target``, as the report page does."""
    return people.report(get_target(target, actor), actor, reason)


def thank(actor, target):
    return people.thank(get_target(target, actor), actor)


def make_notice(device, **fields):
    moment = datetime(2026, 11, 20)
    return Notice.create(kind="offer", title="Je prête une échelle", pseudonym=device.pseudonym or "",
                         device=device, created_at=moment, updated_at=moment,
                         expires_at=datetime(2030, 1, 1), **fields)


@pytest.fixture
def request_ctx(app, db):
    ratelimit.reset()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.20"}):
        yield


def reporter(name, verified=False):
    """A phone about to report, from its own address (reports weigh once per address)."""
    return Actor(device=new_device(verified=verified), address=f"10.42.1.{sum(map(ord, name)) % 250 + 1}")


def test_enough_distinct_reports_hide_the_target(request_ctx):
    notice = make_notice(new_device())
    first, hid = report(reporter("a"), f"notice:{notice.id}", "Publicité")
    assert not hid and first.weight == 1
    report(reporter("b"), f"notice:{notice.id}", "Spam")
    assert not Notice.get_by_id(notice.id).hidden
    _flag, hid = report(reporter("c"), f"notice:{notice.id}", "Arnaque")
    assert hid and Notice.get_by_id(notice.id).hidden
    assert open_flag_weight(f"notice:{notice.id}") == 3


def test_one_phone_cannot_report_twice(request_ctx):
    notice = make_notice(new_device())
    same = reporter("a")
    report(same, f"notice:{notice.id}", "Publicité")
    for _ in range(3):
        with pytest.raises(Conflict):
            report(same, f"notice:{notice.id}", "Encore")
    assert Flag.select().count() == 1 and not Notice.get_by_id(notice.id).hidden


def test_a_verified_neighbours_report_counts_double(request_ctx):
    reply = Reply.create(notice=make_notice(new_device()), body="Insulte", created_at=datetime(2026, 11, 21))
    flag, hid = report(reporter("v", verified=True), f"reply:{reply.id}", "Insulte")
    assert flag.weight == 2 and not hid
    _flag, hid = report(reporter("plain"), f"reply:{reply.id}", "Insulte")
    assert hid and Reply.get_by_id(reply.id).hidden


def test_the_threshold_is_a_box_setting_and_resolved_reports_no_longer_count(request_ctx):
    settings.save({"report_threshold": 2})
    notice = make_notice(new_device())
    report(reporter("a"), f"notice:{notice.id}", "Spam")
    Flag.update(resolved_at=datetime(2026, 11, 21), resolution="restored").execute()  # a volunteer decided
    _flag, hid = report(reporter("b"), f"notice:{notice.id}", "Spam")
    assert not hid
    _flag, hid = report(reporter("c"), f"notice:{notice.id}", "Spam")
    assert hid


def test_reports_need_a_reason_and_a_known_target(request_ctx):
    notice = make_notice(new_device())
    someone = reporter("a")
    with pytest.raises(ValidationError) as refused:
        report(someone, f"notice:{notice.id}", " ")
    assert "reason" in refused.value.fields
    with pytest.raises(ValidationError):
        report(someone, f"notice:{notice.id}", "x" * 501)
    with pytest.raises(ValidationError):
        report(someone, "planet:mars", "Spam")
    with pytest.raises(NotFound):
        report(someone, "notice:999", "Spam")
    assert Flag.select().count() == 0


def test_thanks_go_to_the_poster_once_per_phone(request_ctx):
    poster = new_device()
    poster.pseudonym = "Margot"
    poster.save()
    notice = make_notice(poster)
    neighbour = reporter("n")
    thanks = thank(neighbour, f"notice:{notice.id}")
    assert thanks.to_device_id == poster.id and thanks.to_pseudonym == "Margot"
    with pytest.raises(Conflict):
        thank(neighbour, f"notice:{notice.id}")
    with pytest.raises(Forbidden):
        thank(Actor(device=poster), f"notice:{notice.id}")  # not yourself
    answer = Reply.create(notice=notice, body="Merci", created_at=datetime(2026, 11, 21))
    with pytest.raises(ValidationError):
        thank(neighbour, f"reply:{answer.id}")  # only givers and posters
    assert allowed_moves(get_target(f"notice:{notice.id}", neighbour), neighbour) == {"report", "thank"}
    assert allowed_moves(get_target(f"notice:{notice.id}", Actor(device=poster)), Actor(device=poster)) == {"report"}
    assert allowed_moves(get_target(f"reply:{answer.id}", neighbour), neighbour) == {"report"}
    notice.hidden = True
    notice.save()
    assert allowed_moves(get_target(f"notice:{notice.id}", neighbour), neighbour) == set()
    with pytest.raises(NotFound):
        thank(reporter("m"), f"notice:{notice.id}")
    assert Thanks.select().count() == 1


def test_a_neighbours_page_is_loaded_by_pseudonym(request_ctx):
    margot = new_device("Margot")
    assert people.get_neighbour("Margot", Actor()) == margot
    assert people.profile(margot)["pseudonym"] == "Margot"
    with pytest.raises(NotFound):
        people.get_neighbour("Nobody", Actor())


def test_cookie_less_browsers_on_one_laptop_weigh_as_one(request_ctx):
    notice = make_notice(new_device())
    for name in ("a", "b", "c", "d"):
        phone = reporter(name)
        phone.address = "10.42.0.66"  # the same laptop, a new browser each time
        _flag, hid = report(phone, f"notice:{notice.id}", "Spam")
        assert not hid
    assert open_flag_weight(f"notice:{notice.id}") == 1 and not Notice.get_by_id(notice.id).hidden


def test_one_thanks_per_address(request_ctx):
    notice = make_notice(new_device())
    thank(Actor(device=new_device(), address="10.42.0.66"), f"notice:{notice.id}")
    with pytest.raises(Conflict):
        thank(Actor(device=new_device(), address="10.42.0.66"), f"notice:{notice.id}")
