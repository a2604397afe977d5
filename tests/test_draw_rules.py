"""Fair draws: the seed gives the draw, every candidate has the same chance, the winner gets the item
reserved, the next one gets it when the winner lets it lapse, and nobody jumps the queue meanwhile."""

import hashlib
import threading
from collections import Counter
from datetime import timedelta

import pytest

from boxlocale import clock, settings
from boxlocale.errors import Conflict, ValidationError
from boxlocale.giveaway import draws, rules
from boxlocale.models import Draw, DrawEntry, Item

from .helpers import new_actor


@pytest.fixture
def box(app, db, frozen_clock):
    with app.test_request_context(headers={"Accept-Language": "en"}, environ_base={"REMOTE_ADDR": "10.42.0.9"}):
        yield frozen_clock


def drawn_offer(giver, **fields):
    item, _token = rules.post_item(giver, {"title": "Vélo enfant", "category": "enfants", "where": "in_box",
                                           "draw": "1", **fields})
    return item, draws.draw_of(item)


def fresh(record):
    return type(record).get_by_id(record.id)


def test_with_a_fixed_seed_the_draw_is_the_one_the_seed_gives():
    expected = sorted(range(1, 6), key=lambda n: hashlib.sha256(f"graine-42:{n}".encode()).hexdigest())
    assert draws.draw_order("graine-42", [1, 2, 3, 4, 5]) == expected
    assert draws.draw_order("graine-42", [5, 3, 1, 4, 2]) == expected  # the order they are given in does not matter
    assert draws.draw_order("graine-43", [1, 2, 3, 4, 5]) != expected


def test_over_10000_draws_each_of_5_candidates_wins_20_percent_give_or_take_2():
    wins = Counter(draws.draw_order(f"seed-{n}", [1, 2, 3, 4, 5])[0] for n in range(10_000))
    assert set(wins) == {1, 2, 3, 4, 5}
    for count in wins.values():
        assert 1800 <= count <= 2200, wins


def test_the_draw_reserves_for_the_winner_then_passes_on_when_the_winner_lets_it_lapse(box):
    giver = new_actor()
    item, draw = drawn_offer(giver)
    assert draw.ends_at == clock.now() + timedelta(hours=24)
    neighbours = [new_actor() for _ in range(3)]
    for number, neighbour in enumerate(neighbours, 1):
        draws.interested(draw, neighbour, f"Voisin {number}")
    draws.interested(draw, neighbours[0], "Encore moi")  # twice: still one entry
    assert DrawEntry.select().count() == 3
    clock.advance(hours=23)
    assert draws.settle_due() == 0 and fresh(draw).drawn_at is None
    clock.advance(hours=1, seconds=1)
    draws.settle_if_due()  # what the first request after the window does
    draw = fresh(draw)
    order = draws.draw_order(draw.seed, [1, 2, 3])
    assert draw.seed and draw.drawn_at == clock.now()
    winner = neighbours[order[0] - 1]
    item = fresh(item)
    assert rules.status_of(item) == "reserved" and item.reserved_by_id == winner.device.id
    assert [entry.word for entry in draws.entries(draw)] == [f"Voisin {n}" for n in order]
    assert draws.outcome(draw, winner)["i_won"] and not draws.outcome(draw, neighbours[order[1] - 1])["i_won"]

    clock.advance(hours=float(settings.get("hold_hours")), seconds=1)  # the winner did not come
    draws.settle_if_due()
    second = neighbours[order[1] - 1]
    assert fresh(item).reserved_by_id == second.device.id and rules.status_of(fresh(item)) == "reserved"
    rules.release(fresh(item), second)  # the second does not want it any more: the third
    draws.settle_if_due()
    third = neighbours[order[2] - 1]
    assert fresh(item).reserved_by_id == third.device.id
    rules.mark_taken(fresh(item), third)
    draws.settle_if_due()
    assert fresh(draw).finished_at is not None and fresh(item).taken_by_id == third.device.id


def test_during_the_draw_nobody_reserves_or_takes_it_first_come_first_served(box):
    giver, neighbour, other = new_actor(), new_actor(), new_actor()
    item, draw = drawn_offer(giver)
    with pytest.raises(Conflict):
        rules.reserve(item, neighbour)
    with pytest.raises(Conflict):
        rules.mark_taken(item, neighbour)
    assert not {"reserve", "taken"} & rules.allowed_moves(item, neighbour)
    draws.interested(draw, neighbour, "Lili")
    clock.advance(hours=25)
    draws.settle_if_due()
    with pytest.raises(Conflict):  # reserved for the winner
        rules.reserve(fresh(item), other)
    assert rules.mark_taken(fresh(item), neighbour).status == "taken"


def test_a_winner_who_already_holds_the_most_reservations_lets_the_next_one_have_it(box, monkeypatch):
    """A draw obeys the cap on reservations per phone (one phone must not empty the give-box)."""
    monkeypatch.setattr(draws, "new_seed", lambda: "seed-0")  # the order it gives: entry 1, then 2
    assert draws.draw_order("seed-0", [1, 2]) == [1, 2]
    greedy, patient = new_actor(), new_actor()
    item, draw = drawn_offer(new_actor())
    since = clock.now()
    draws.interested(draw, greedy, "Gérard")
    draws.interested(draw, patient, "Paule")
    clock.advance(hours=25)
    for number in range(rules.RESERVATIONS_MAX):  # just before the first request after the window
        other, _token = rules.post_item(new_actor(), {"title": f"Objet {number}", "where": "in_box"})
        rules.reserve(other, greedy)
    draws.settle_if_due()
    assert fresh(item).reserved_by_id == patient.device.id and fresh(draw).position == 1
    assert [kind for _item, kind, _when in draws.news_for(greedy.device, since)] == ["turn_passed"]
    assert [kind for _item, kind, _when in draws.news_for(patient.device, since)] == ["passed_on"]


def test_a_winner_who_lets_it_lapse_hears_that_the_turn_passed(box, monkeypatch):
    monkeypatch.setattr(draws, "new_seed", lambda: "seed-0")
    first, second = new_actor(), new_actor()
    item, draw = drawn_offer(new_actor())
    since = clock.now()
    draws.interested(draw, first, "Lili")
    draws.interested(draw, second, "Max")
    clock.advance(hours=25)
    draws.settle_if_due()
    assert [kind for _item, kind, _when in draws.news_for(first.device, since)] == ["won"]
    assert [kind for _item, kind, _when in draws.news_for(second.device, since)] == ["not_drawn"]
    seen = clock.now()
    clock.advance(hours=float(settings.get("hold_hours")), seconds=1)  # the winner did not come
    draws.settle_if_due()
    assert [kind for _item, kind, _when in draws.news_for(first.device, seen)] == ["turn_passed"]
    assert [kind for _item, kind, _when in draws.news_for(second.device, seen)] == ["passed_on"]
    rules.mark_taken(fresh(item), second)
    draws.settle_if_due()  # the draw is finished: what happened since still shows
    assert [kind for _item, kind, _when in draws.news_for(second.device, seen)] == ["passed_on"]


def test_nobody_interested_gives_first_come_first_served_again(box):
    item, draw = drawn_offer(new_actor())
    clock.advance(hours=25)
    draws.settle_if_due()
    assert fresh(draw).finished_at is not None and rules.status_of(fresh(item)) == "available"
    assert rules.reserve(fresh(item), new_actor()).status == "reserved"


def test_a_category_setting_sends_every_offer_to_a_draw_and_a_window_setting(box):
    settings.save({"draw_categories": ["meubles"], "draw_hours": 48})
    item, _token = rules.post_item(new_actor(), {"title": "Armoire", "category": "meubles", "where": "at_giver"})
    assert draws.draw_of(item).ends_at == clock.now() + timedelta(hours=48)
    other, _token = rules.post_item(new_actor(), {"title": "Pull", "category": "vetements"})
    assert draws.draw_of(other) is None


def test_joining_needs_a_word_and_an_open_draw_and_not_ones_own_item(box):
    giver, neighbour = new_actor(), new_actor()
    item, draw = drawn_offer(giver)
    with pytest.raises(ValidationError):
        draws.interested(draw, neighbour, " ")
    settings.save({"moderation_words": ["arnaque"]})
    with pytest.raises(ValidationError):  # the words are public: no review word
        draws.interested(draw, neighbour, "Arnaque")
    with pytest.raises(Conflict):
        draws.interested(draw, giver, "Moi")
    clock.advance(hours=25)
    with pytest.raises(Conflict):
        draws.interested(draw, neighbour, "Trop tard")


def test_two_requests_settling_at_once_draw_once(box, app):
    item, draw = drawn_offer(new_actor())
    for n in range(5):
        draws.interested(draw, new_actor(), f"Voisin {n}")
    clock.advance(hours=25)
    seeds, errors = [], []

    def settle():
        try:
            with app.app_context():
                draws.settle_due()
                seeds.append(Draw.get_by_id(draw.id).seed)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(seeds)) == 1
    assert sorted(entry.rank for entry in DrawEntry.select()) == [0, 1, 2, 3, 4]
    assert Item.get_by_id(item.id).status == "reserved"


def test_the_outcomes_a_phone_entered_are_listed_for_since_your_last_visit(box):
    lili, max_ = new_actor(), new_actor()
    item, draw = drawn_offer(new_actor())
    draws.interested(draw, lili, "Lili")
    before = clock.now() - timedelta(hours=1)
    assert draws.news_for(lili.device, before) == []  # not drawn yet
    clock.advance(hours=25)
    draws.settle_if_due()
    assert [(found.id, kind) for found, kind, _when in draws.news_for(lili.device, before)] == [(item.id, "won")]
    assert draws.news_for(lili.device, clock.now() + timedelta(hours=1)) == []
    assert draws.news_for(max_.device, before) == []  # a phone that did not join hears nothing

    other, other_draw = drawn_offer(new_actor(), title="Trottinette")
    for neighbour, word in ((lili, "Lili"), (max_, "Max")):
        draws.interested(other_draw, neighbour, word)
    clock.advance(hours=25)
    draws.settle_if_due()
    kinds = {kind for found, kind, _when in draws.news_for(lili.device, before) + draws.news_for(max_.device, before)
             if found.id == other.id}
    assert kinds == {"won", "not_drawn"}
    other = fresh(other)
    other.hidden = True
    other.save()
    assert [found.id for found, _kind, _when in draws.news_for(max_.device, before)] == []  # hidden: not told


def test_a_draw_made_while_the_clock_was_a_year_ahead_comes_back_with_the_clock(box):
    from boxlocale.clock_repair import bring_back_future_times

    ahead = timedelta(days=365)
    clock.advance(days=365)  # the box started with its clock a year ahead
    item, draw = drawn_offer(new_actor())
    draws.interested(draw, new_actor(), "Lili")
    clock.advance(days=-365)  # a volunteer sets it right
    assert bring_back_future_times(clock.now(), -ahead) >= 3
    draw = fresh(draw)
    assert draw.created_at == clock.now() and draw.ends_at == clock.now() + timedelta(hours=24)
    assert DrawEntry.get().created_at == clock.now()
