"""Time bank rules: recording on a closed help notice, double confirmation (page and code), balances and
the limit below zero, volunteers' corrections and cancellations in the audit log."""

import pytest

from boxlocale import settings
from boxlocale.board import rules as board
from boxlocale.devices import Actor
from boxlocale.errors import Conflict, Forbidden, NotFound, ValidationError
from boxlocale.models import Audit, Volunteer
from boxlocale.timebank import rules

from .board_factory import new_device


@pytest.fixture
def ctx(app, db, frozen_clock):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.42.0.5"}):
        yield


def closed_help(poster, helper, kind="request", title="Aide pour tailler la haie"):
    notice, _token = board.post_notice(poster, {"kind": kind, "title": title})
    board.add_reply(notice, helper, {"body": "Je viens samedi"})
    return board.close_notice(notice, poster)


def people():
    return Actor(device=new_device("Margot")), Actor(device=new_device("Paul"))


def test_hours_count_only_once_the_other_confirms_and_balances_move_both_ways(ctx):
    margot, paul = people()
    notice = closed_help(margot, paul)
    entry, code = rules.record(notice, paul, {"with": "Margot", "direction": "gave", "hours": "1h30"})
    assert entry.status == "pending" and entry.minutes == 90 and len(code) == rules.CODE_LENGTH
    assert entry.giver_id == paul.device.id and entry.receiver_id == margot.device.id
    assert rules.balance(paul.device) == 0 and rules.balance(margot.device) == 0  # not yet confirmed
    assert rules.allowed_moves(entry, paul) == {"withdraw"}
    assert rules.allowed_moves(entry, margot) == {"confirm", "decline"}
    with pytest.raises(Forbidden):
        rules.confirm(entry, paul)  # the one who recorded cannot confirm it himself
    rules.confirm(entry, margot)
    assert rules.balance(paul.device) == 90 and rules.balance(margot.device) == -90
    assert rules.confirm(entry, margot).status == "confirmed"  # twice: the same
    account = rules.account_of("Paul", Actor())
    assert [e.id for e in account["history"]] == [entry.id] and account["to_confirm"] == []


def test_the_second_phone_confirms_by_the_code_the_first_shows(ctx):
    margot, paul = people()
    entry, code = rules.record(closed_help(margot, paul), margot, {"with": "Paul", "direction": "received",
                                                                   "hours": "2"})
    with pytest.raises(NotFound):
        rules.confirm_by_code(code, margot)  # her own code does not confirm for her
    stranger = Actor(device=new_device("Zoé"))
    with pytest.raises(NotFound):
        rules.confirm_by_code(code, stranger)
    with pytest.raises(ValidationError):
        rules.confirm_by_code("abc", paul)
    assert rules.confirm_by_code(code.lower(), paul).status == "confirmed"
    assert rules.balance(paul.device) == 120
    with pytest.raises(NotFound):
        rules.confirm_by_code(code, paul)  # used: it confirms once


def test_a_balance_may_go_below_zero_only_down_to_the_volunteers_limit(ctx):
    settings.save({"timebank_limit_hours": 3})
    margot, paul = people()
    first, _code = rules.record(closed_help(margot, paul), paul, {"with": "Margot", "direction": "gave", "hours": "2"})
    rules.confirm(first, margot)
    with pytest.raises(Conflict):  # 2 + 1.5 > 3 hours below zero: refused when recording
        rules.record(closed_help(margot, paul, title="Aide pour le bois"), paul,
                     {"with": "Margot", "direction": "gave", "hours": "1.5"})
    second, _code = rules.record(closed_help(margot, paul, title="Aide pour les courses"), paul,
                                 {"with": "Margot", "direction": "gave", "hours": "1"})
    third, _code = rules.record(closed_help(margot, paul, title="Aide pour la gouttière"), paul,
                                {"with": "Margot", "direction": "gave", "hours": "0.5"})
    rules.confirm(second, margot)
    assert rules.balance(margot.device) == -180  # exactly at the limit
    with pytest.raises(Conflict):  # checked again at confirmation
        rules.confirm(third, margot)
    assert rules.get_entry(third.id, margot).status == "pending"


def test_recording_needs_a_closed_help_notice_its_poster_and_someone_who_answered(ctx):
    margot, paul = people()
    stranger = Actor(device=new_device("Zoé"))
    open_notice, _token = board.post_notice(margot, {"kind": "offer", "title": "Je prête une échelle"})
    with pytest.raises(Conflict):
        rules.record(open_notice, paul, {"with": "Margot", "direction": "gave", "hours": "1"})
    event, _token = board.post_notice(margot, {"kind": "info", "title": "Marché de Noël"})
    board.close_notice(event, margot)
    with pytest.raises(Conflict):
        rules.record(board.get_notice(event.id), margot, {"with": "Paul", "direction": "gave", "hours": "1"})
    notice = closed_help(margot, paul)
    with pytest.raises(Forbidden):  # neither is the poster
        rules.record(notice, stranger, {"with": "Paul", "direction": "gave", "hours": "1"})
    with pytest.raises(Forbidden):  # Zoé never answered the notice
        rules.record(notice, margot, {"with": "Zoé", "direction": "received", "hours": "1"})
    with pytest.raises(ValidationError) as refused:
        rules.record(notice, paul, {"with": "Paul", "direction": "sideways", "hours": "25"})
    assert set(refused.value.fields) == {"with", "direction", "hours"}
    rules.record(notice, paul, {"with": "Margot", "direction": "gave", "hours": "1"})
    with pytest.raises(Conflict):  # the same notice and the same two people: once
        rules.record(notice, margot, {"with": "Paul", "direction": "received", "hours": "1"})


@pytest.mark.parametrize("typed, minutes", [("1", 60), ("1.5", 90), ("1,25", 75), ("2h", 120), ("1h30", 90),
                                            ("0:45", 45), ("24", 1440)])
def test_hours_are_typed_the_ways_people_write_them(typed, minutes):
    assert rules.parse_hours(typed) == minutes


@pytest.mark.parametrize("typed", ["", "0", "1.1", "25", "abc", "-1", "1h75"])
def test_odd_hours_are_refused(typed):
    with pytest.raises(ValidationError):
        rules.parse_hours(typed)


def test_decline_and_withdraw_cancel_a_pending_entry(ctx):
    margot, paul = people()
    entry, _code = rules.record(closed_help(margot, paul), paul, {"with": "Margot", "direction": "gave", "hours": "1"})
    with pytest.raises(Forbidden):
        rules.decline(entry, paul)
    assert rules.decline(entry, margot).status == "cancelled"
    with pytest.raises(Conflict):
        rules.confirm(entry, margot)
    again, _code = rules.record(closed_help(margot, paul, title="Aide au jardin"), paul,
                                {"with": "Margot", "direction": "gave", "hours": "1"})
    assert rules.withdraw(again, paul).status == "cancelled"
    assert rules.balance(paul.device) == 0


def test_a_volunteer_corrects_or_cancels_an_entry_and_the_log_says_so(ctx):
    margot, paul = people()
    claire = Volunteer.create(name="Claire", password_hash="x", created_at=margot.device.created_at)
    volunteer = Actor(volunteer=claire)
    entry, _code = rules.record(closed_help(margot, paul), paul, {"with": "Margot", "direction": "gave", "hours": "3"})
    rules.confirm(entry, margot)
    with pytest.raises(Forbidden):
        rules.correct(entry, paul, "1")
    rules.correct(entry, volunteer, "1.5", "typed 3 instead of 1.5")
    assert rules.balance(paul.device) == 90
    rules.cancel(entry, volunteer, "a joke")
    assert rules.balance(paul.device) == 0 and rules.balance(margot.device) == 0
    lines = [(a.volunteer_name, a.action, a.target, a.detail) for a in Audit.select().order_by(Audit.id)]
    assert lines == [("Claire", "timebank_correct", f"time:{entry.id}", "3 h → 1.5 h typed 3 instead of 1.5"),
                     ("Claire", "timebank_cancel", f"time:{entry.id}", "1.5 h a joke")]


def test_a_pending_entry_is_private_to_its_two_people(ctx):
    margot, paul = people()
    entry, _code = rules.record(closed_help(margot, paul), paul, {"with": "Margot", "direction": "gave", "hours": "1"})
    with pytest.raises(NotFound):
        rules.get_entry(entry.id, Actor(device=new_device("Zoé")))
    assert rules.account_of("Margot", Actor())["to_confirm"] == []  # not shown to others
    assert [e.id for e in rules.account_of("Margot", margot)["to_confirm"]] == [entry.id]


def test_the_ledger_lists_confirmed_entries_newest_first_a_page_at_a_time(ctx, monkeypatch):
    from boxlocale import clock

    monkeypatch.setattr(rules, "LEDGER_PAGE", 2)
    margot, paul = people()
    confirmed = []
    for number in range(3):
        entry, _code = rules.record(closed_help(margot, paul, title=f"Aide numéro {number}"), paul,
                                    {"with": "Margot", "direction": "gave", "hours": "1"})
        clock.advance(minutes=1)
        confirmed.append(rules.confirm(entry, margot))
    rules.record(closed_help(margot, paul, title="Pas encore confirmée"), paul,
                 {"with": "Margot", "direction": "gave", "hours": "1"})
    withdrawn, _code = rules.record(closed_help(margot, paul, title="Retirée"), paul,
                                    {"with": "Margot", "direction": "gave", "hours": "1"})
    rules.withdraw(withdrawn, paul)
    first, next_page = rules.ledger(1)
    assert [e.id for e in first] == [confirmed[2].id, confirmed[1].id] and next_page == 2
    second, next_page = rules.ledger(2)
    assert [e.id for e in second] == [confirmed[0].id] and next_page is None
