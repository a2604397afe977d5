"""Noticeboard rules: expiry by kind with a controlled clock, closing, renewing, replies, the board's order."""

from datetime import timedelta

import pytest

from boxlocale import clock, settings
from boxlocale.board import rules
from boxlocale.devices import Actor
from boxlocale.errors import Conflict, Forbidden, NotFound, ValidationError
from boxlocale.models import Notice

from .board_factory import new_device


@pytest.fixture
def ctx(app, db, frozen_clock):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.5"}):
        yield


def poster(name="Margot", verified=False):
    return Actor(device=new_device(name, verified))


def local(moment):
    """A naive UTC moment as typed in the box's zone (Paris is UTC+1 in November)."""
    return (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def post(actor, **fields):
    notice, _token = rules.post_notice(actor, {"kind": "offer", "title": "Je prête une échelle", **fields})
    return notice


def test_an_offer_lapses_after_the_box_setting_and_its_poster_renews_it(ctx):
    margot = poster()
    notice = post(margot)
    assert notice.expires_at == clock.now() + timedelta(days=30)
    clock.advance(days=29, hours=23)
    assert rules.status_of(notice) == "open"
    assert [n.id for n in rules.board()[0]] == [notice.id]
    clock.advance(hours=1)
    assert rules.status_of(notice) == "expired"
    assert rules.board()[0] == [] and rules.latest(5) == []
    with pytest.raises(Forbidden):
        rules.renew_notice(notice, poster("Paul"))
    renewed = rules.renew_notice(notice, margot)
    assert renewed.expires_at == clock.now() + timedelta(days=30)
    assert rules.status_of(renewed) == "open"


def test_the_expiry_follows_the_box_setting(ctx):
    settings.save({"notice_expiry_days": 7})
    notice = post(poster(), kind="request", title="Cherche une brouette")
    clock.advance(days=7)
    assert rules.status_of(Notice.get_by_id(notice.id)) == "expired"


def test_an_event_without_an_end_stays_up_while_it_is_going_on(ctx):
    start = clock.now() + timedelta(days=1)
    fete = post(poster(), kind="event", title="Fête du village", starts_at=local(start))
    clock.advance(days=1, hours=3)
    assert rules.status_of(fete) == "open"
    clock.advance(hours=1)
    assert rules.status_of(fete) == "expired"


def test_events_lapse_after_their_end_or_their_start(ctx):
    actor = poster()
    start = clock.now() + timedelta(days=2)
    with_end = post(actor, kind="event", title="Disco Soupe", starts_at=local(start),
                    ends_at=local(start + timedelta(hours=3)))
    start_only = post(actor, kind="carpool", title="Marché de Feurs", starts_at=local(start),
                      place="Église", destination="Feurs", seats="3")
    assert with_end.expires_at == start + timedelta(hours=3)
    assert start_only.expires_at == start and start_only.seats == 3 and start_only.destination == "Feurs"
    clock.advance(days=2)
    assert rules.status_of(start_only) == "expired"
    assert rules.status_of(with_end) == "open"
    clock.advance(hours=3)
    assert rules.status_of(with_end) == "expired"
    with pytest.raises(Conflict):
        rules.renew_notice(with_end, actor)  # an event ends with its date


def test_a_time_with_an_offset_is_understood(ctx):
    notice = post(poster(), kind="event", title="Fête", starts_at="2026-12-01T18:00:00+01:00")
    assert notice.starts_at.isoformat() == "2026-12-01T17:00:00"


def test_only_a_volunteer_posts_on_behalf(ctx):
    with pytest.raises(Forbidden):
        rules.post_notice(poster(), {"kind": "offer", "title": "Pour ma voisine"}, on_behalf=True)
    notice, _ = rules.post_notice(Actor(volunteer=object()), {"kind": "offer", "title": "Pour ma voisine"},
                                  on_behalf=True)
    assert notice.on_behalf


def test_allowed_moves_say_which_buttons_show(ctx):
    margot, paul = poster(), poster("Paul")
    notice, token = rules.post_notice(margot, {"kind": "offer", "title": "Je prête une échelle"})
    assert rules.allowed_moves(notice, margot) == {"close", "renew", "reply"}
    assert rules.allowed_moves(notice, Actor(manage_token=token)) == {"close", "renew", "reply"}
    assert rules.allowed_moves(notice, paul) == {"reply", "thank"}
    rules.close_notice(notice, margot)
    assert rules.allowed_moves(rules.get_notice(notice.id, paul), paul) == {"thank"}


def test_close_is_for_the_poster_the_manage_link_or_a_volunteer(ctx):
    margot = poster()
    notice, token = rules.post_notice(margot, {"kind": "offer", "title": "Je prête une échelle"})
    with pytest.raises(Forbidden):
        rules.close_notice(notice, poster("Paul"))
    closed = rules.close_notice(notice, Actor(manage_token=token))
    assert closed.status == "closed" and closed.closed_at == clock.now()
    again = rules.close_notice(notice, margot)  # a repeated move is a no-op, as everywhere
    assert again.status == "closed" and again.closed_at == closed.closed_at
    other = post(margot, title="Autre annonce")
    rules.close_notice(other, Actor(volunteer=object()))
    assert rules.board()[0] == []


@pytest.mark.parametrize("fields, bad", [
    ({"title": "ab"}, "title"),
    ({"title": "x" * 101}, "title"),
    ({"body": "x" * 4001}, "body"),
    ({"place": "x" * 201}, "place"),
    ({"contact": "x" * 201}, "contact"),
    ({"kind": "sale"}, "kind"),
    ({"category": "nope"}, "category"),
    ({"kind": "event"}, "starts_at"),
    ({"kind": "event", "starts_at": "tomorrow"}, "starts_at"),
    ({"kind": "event", "starts_at": "2026-11-01T10:00"}, "starts_at"),
    ({"kind": "event", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T09:00"}, "ends_at"),
    ({"kind": "carpool", "starts_at": "2026-12-01T10:00", "seats": "0"}, "seats"),
    ({"pseudonym": "Admin"}, "pseudonym"),
    ({"title": 42}, "title"),
])
def test_bad_fields_are_refused_with_a_field_error(ctx, fields, bad):
    with pytest.raises(ValidationError) as refused:
        post(poster(), **fields)
    assert bad in refused.value.fields
    assert Notice.select().count() == 0


def test_every_bad_field_is_named_at_once(ctx):
    with pytest.raises(ValidationError) as refused:
        post(poster(), kind="carpool", title="ab", body="x" * 4001, seats="99")
    assert {"title", "body", "starts_at", "seats"} <= set(refused.value.fields)


def test_upcoming_events_come_in_date_order(ctx):
    actor = poster()
    soon = clock.now()
    ids = {}
    for days in (3, 1, 2):
        ids[days] = post(actor, kind="event", title=f"Événement {days}",
                         starts_at=local(soon + timedelta(days=days))).id
    post(actor, title="Une offre")
    upcoming, _next = rules.board(upcoming=True)
    assert [n.id for n in upcoming] == [ids[1], ids[2], ids[3]]
    newest_first = [n.title for n in rules.board()[0]]
    assert newest_first[0] == "Une offre"


def test_filters_and_word_search_ignore_accents(ctx):
    actor = poster()
    ladder = post(actor, title="Je prête une échelle", category="preter")
    post(actor, kind="request", title="Cherche une bétonnière", category="bricoler", body="Pour une dalle")
    assert [n.id for n in rules.board(words="echelle")[0]] == [ladder.id]
    assert [n.id for n in rules.board(words="ÉCHEL")[0]] == [ladder.id]  # a prefix is enough
    assert [n.title for n in rules.board(words="dalle")[0]] == ["Cherche une bétonnière"]
    assert [n.id for n in rules.board(kind="offer")[0]] == [ladder.id]
    assert [n.id for n in rules.board(category="preter")[0]] == [ladder.id]
    assert rules.board(words='"; DROP TABLE notice; --')[0] == []


def test_the_board_pages(ctx):
    actor = Actor(device=new_device("Margot"), volunteer=object())  # no rate limit for this many
    for number in range(rules.PAGE_SIZE + 3):
        post(actor, title=f"Annonce {number}")
    first, next_page = rules.board()
    second, after = rules.board(page=next_page)
    assert len(first) == rules.PAGE_SIZE and len(second) == 3 and after is None
    assert {n.id for n in first}.isdisjoint({n.id for n in second})


def test_replies_come_oldest_first_and_not_under_a_closed_notice(ctx):
    margot, paul = poster(), poster("Paul", verified=True)
    notice = post(margot)
    rules.add_reply(notice, paul, {"body": "Je peux la prendre samedi ?"})
    clock.advance(minutes=5)
    rules.add_reply(notice, margot, {"body": "Oui, passez à 10h."})
    replies = rules.replies_of(notice)
    assert [r.body for r in replies] == ["Je peux la prendre samedi ?", "Oui, passez à 10h."]
    assert replies[0].pseudonym == "Paul" and replies[0].verified_at is not None
    with pytest.raises(ValidationError):
        rules.add_reply(notice, paul, {"body": "   "})
    with pytest.raises(ValidationError):
        rules.add_reply(notice, paul, {"body": "x" * 2001})
    rules.close_notice(notice, margot)
    with pytest.raises(Conflict):
        rules.add_reply(notice, paul, {"body": "Trop tard ?"})


def test_review_words_hold_posts_until_a_volunteer_reads_them(ctx):
    settings.save({"moderation_words": ["arnaque"]})
    actor = poster()
    held = post(actor, title="Pas une arnaque")
    assert held.hidden and rules.board()[0] == []
    with pytest.raises(NotFound):
        rules.get_notice(held.id, poster("Someone else"))
    assert rules.get_notice(held.id, Actor(volunteer=object())).id == held.id
    assert rules.get_notice(held.id, actor).id == held.id  # its author sees it (and why it waits)
    notice = post(actor, title="Une vraie offre")
    reply = rules.add_reply(notice, actor, {"body": "C'est une ARNAQUE"})
    assert reply.hidden and rules.replies_of(notice) == []


def test_posting_is_rate_limited(ctx):
    settings.save({"posts_per_hour": 2, "replies_per_hour": 3})
    from boxlocale.errors import RateLimited

    actor = poster()
    notice = post(actor)
    post(actor)
    with pytest.raises(RateLimited):
        post(actor)
    for _ in range(3):
        rules.add_reply(notice, actor, {"body": "Merci"})
    with pytest.raises(RateLimited) as limited:
        rules.add_reply(notice, actor, {"body": "Encore"})
    assert limited.value.retry_after > 0


def test_the_home_page_links_to_the_notice(ctx):
    notice = post(poster())
    assert rules.latest(4)[0].id == notice.id


def test_the_demo_board_is_a_village_with_upcoming_events_and_replies(ctx):
    from boxlocale.board import demo

    demo.load()
    notices, _next = rules.board()
    assert 6 <= len(notices) <= 8
    assert {n.kind for n in notices} == {"offer", "request", "event", "carpool", "info"}
    events = rules.upcoming()
    assert [n.starts_at for n in events] == sorted(n.starts_at for n in events) and events[0].starts_at > clock.now()
    soup = next(n for n in notices if "Disco Soupe" in n.title)
    assert len(rules.replies_of(soup)) == 2
