"""Listing queries written once per shape (db.shaped): the same rows and pages as peewee building the
query each time, for every filter and order; a value that would change the SQL text is refused."""

import re

import pytest

from boxlocale import db as box_db
from boxlocale.models import Item

from .test_listing_plans import FILTERS, LISTINGS
from .test_pagecache import TOKEN_RE

PAGES = [*LISTINGS, *FILTERS, "/give/?page=2", "/give/?status=expired", "/give/?status=available&category=jardin",
         "/board/?kind=carpool&category=bricoler", "/board/?page=2", "/books/?view=travelled&language=fr",
         "/api/v1/books?status=travelling", "/api/v1/notices?kind=event", "/api/v1/items?page=2"]


@pytest.fixture
def filled(app, frozen_clock):
    """Items, books and notices of every status, kind, category and language (some hidden, some lapsed),
    so each filter keeps some rows and drops others."""
    from datetime import timedelta

    from boxlocale import clock
    from boxlocale.db import writing
    from boxlocale.models import Book, Notice

    now = clock.now()
    with app.app_context(), writing():
        for n in range(60):
            at = now - timedelta(hours=n)
            Item.create(code=f"Q{n:04d}", kind=("offer", "wanted")[n % 5 == 0], title=f"Objet {n}",
                        category=("jardin", "maison", "enfants")[n % 3], manage_hash="x", hidden=n % 17 == 0,
                        status=("available", "reserved", "taken", "expired")[n % 4], created_at=at, updated_at=at,
                        expires_at=now + timedelta(days=(n % 7) - 2),
                        reserved_until=now + timedelta(hours=(n % 3) - 1) if n % 4 == 1 else None)
            Book.create(code=f"BOX-{n + 1:04d}", check_part="K7QM", title=f"Livre {59 - n}",
                        language=("fr", "en", "")[n % 3], status=("on_shelf", "travelling")[n % 2],
                        catches=n % 6, hidden=n % 13 == 0, created_at=at, updated_at=now - timedelta(minutes=n * 7))
            starts = now + timedelta(days=n % 9 - 3) if n % 5 in (2, 3) else None
            Notice.create(kind=("offer", "request", "event", "carpool", "info")[n % 5],
                          category=("bricoler", "vie-du-village", "")[n % 3], title=f"Annonce {n}",
                          starts_at=starts, status=("open", "open", "closed")[n % 3], hidden=n % 11 == 0,
                          created_at=at, updated_at=at, expires_at=now + timedelta(days=(n % 8) - 2))
    return app


def _pages(app):
    phone = app.test_client()
    phone.set_cookie("bench_fresh", "1")  # a cookie the box does not know: rendered afresh
    return [TOKEN_RE.sub("", phone.get(path).get_data(as_text=True)) for path in PAGES]


def test_every_listing_is_the_same_page_as_with_the_query_built_each_time(filled, monkeypatch):
    shapes_used = []
    shaped = box_db.shaped

    def counting(key, build, **values):
        shapes_used.append(key)
        return shaped(key, build, **values)

    monkeypatch.setattr(box_db, "shaped", counting)
    once_per_shape = _pages(filled)
    assert {"giveaway.search", "books.search", "board.board"} <= {key[0] for key in shapes_used}
    monkeypatch.setattr(box_db, "shaped", lambda key, build, **values: list(build(**values)))
    assert _pages(filled) == once_per_shape
    assert all(re.search(r"<(li|article)|\"items\": \[\{|\"(notices|books)\": \[\{", page) for page in once_per_shape[:6])


def test_a_value_that_would_change_the_sql_text_is_refused(app):
    with app.app_context():
        with pytest.raises(ValueError, match="status"):  # a value deciding a branch: part of the shape
            box_db.shaped(("test.branch",), lambda status: Item.select().where(
                Item.status == "taken" if status else Item.status == "available"), status="taken")
        with pytest.raises(ValueError, match="title"):  # a value made into other text
            box_db.shaped(("test.text",), lambda title: Item.select().where(Item.title.contains(title)),
                          title="chaise")
        assert box_db.shaped(("test.plain",), lambda status: Item.select().where(Item.status == status),
                             status="taken") == []


def test_shaped_rows_are_peeweees_own_rows_of_every_kind(filled):
    """The text and integer columns come as SQLite gives them (no converter): the same values and types
    as peewee's rows, whatever the row kind; dates and booleans are still converted."""
    from boxlocale.models import ItemReply

    from .helpers import new_device

    with filled.app_context(), box_db.writing():
        device = new_device(pseudonym="Zoé « ma » voisine")
        Item.update(description="", location_note="« là-bas » &amp; <ici>", device=device).where(Item.code == "Q0001").execute()
        ItemReply.create(item=Item.get(code="Q0001"), device=device, pseudonym="Zoé", body="Là ? <oui>",
                         created_at=Item.get(code="Q0001").created_at)

    def builds():
        fields = (Item.id, Item.code, Item.title, Item.description, Item.location_note, Item.created_at,
                  Item.device.alias("device_id"))
        yield "models", lambda status: Item.select().where(Item.status == status).order_by(Item.id)
        yield "namedtuples", lambda status: Item.select(*fields).where(Item.status == status).order_by(
            Item.id).namedtuples()
        yield "dicts", lambda status: Item.select(*fields).where(Item.status == status).order_by(Item.id).dicts()
        yield "tuples", lambda status: Item.select(*fields).where(Item.status == status).order_by(Item.id).tuples()
        yield "joined", lambda status: (ItemReply.select(ItemReply, Item.code, Item.title).join(Item)
                                        .where(Item.status == status).order_by(ItemReply.id))

    with filled.app_context():
        for kind, build in builds():
            for _ in range(2):  # the shape's first run, then one read as before
                shaped = box_db.shaped(("test.rows", kind), build, status="reserved")
                built = list(build(status="reserved"))
                assert shaped and len(shaped) == len(built), kind
                for ours, theirs in zip(shaped, built, strict=True):
                    if kind in ("models", "joined"):
                        assert not ours._dirty and ours._dirty == theirs._dirty  # as fetched: a save writes nothing
                        ours, theirs = ours.__data__, theirs.__data__
                        if kind == "joined":
                            assert shaped[0].item.code == built[0].item.code
                    assert ours == theirs, kind
                    if isinstance(ours, dict):  # a model's data: the same names (their order is not read)
                        ours, theirs = [ours[name] for name in sorted(ours)], [theirs[name] for name in sorted(ours)]
                    assert [type(value) for value in ours] == [type(value) for value in theirs], kind


def test_a_shaped_date_is_read_as_peewee_reads_it():
    """db._quick_date stands for a DateTimeField's converter: the same value for every text peewee reads,
    the ones it cannot read included."""
    converter = Item.created_at.python_value
    quick = box_db._quick_date(converter)
    assert quick is not None and box_db._quick_date(Item.title.python_value) is None
    for text in ("2026-12-02 09:30:00", "2026-12-02T09:30:00", "2026-12-02 09:30:00.123456", "2026-12-02",
                 "2026-12-02 09:30:00Z", "2026-12-02 09:30:00+01:00", "2026-12-02 09:30:00.5+0100",
                 "2026-12-02 09:30", "20261202", "", "not a date", "2026-13-45 99:99:99", None):
        assert quick(text) == converter(text) and type(quick(text)) is type(converter(text)), text


def test_a_shapes_tuples_are_read_afresh_on_every_run(filled):
    """After its first run a shape of (named) tuples reads the cursor's rows itself (db._tuples_reader):
    only how rows are made is kept, never the rows."""
    from boxlocale.db import writing

    def build(status):
        return Item.select(Item.code, Item.title, Item.created_at).where(Item.status == status).order_by(
            Item.id).namedtuples()

    with filled.app_context():
        first = box_db.shaped(("test.afresh",), build, status="taken")
        assert box_db._shapes[(("test.afresh",), "status")].read_rows is not None
        with writing():
            Item.update(title="Changé").where(Item.code == first[0].code).execute()
        again = box_db.shaped(("test.afresh",), build, status="taken")
        assert again == list(build(status="taken")) and again[0].title == "Changé"
        assert type(again[0]) is type(list(build(status="taken"))[0]) or again[0]._fields == first[0]._fields
        assert box_db.shaped(("test.afresh",), build, status="nothing like it") == []
