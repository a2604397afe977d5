"""Domain rules of the books and their journal.

A book's code is the box's prefix + a serial (public) + a secret check part that only the label inside
the book carries. Moving a book (``caught``, ``released``) needs the full code: only someone who held
the book can move it. A comment needs only the public code. The book's ``status`` and ``catches``
follow from its journal entries.
"""

import functools
import hmac
from datetime import UTC

from flask_babel import lazy_gettext as _l
from peewee import JOIN, SQL, fn

from .. import clock, codes, db, listing, ratelimit, settings
from ..db import database, writing
from ..errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from ..models import Book, Device, JournalEntry, Photo
from ..network import outbox
from ..posting import PSEUDONYM_MAX, check_rate, clean_pseudonym, held_for_review, resolve_pseudonym

PAGE_SIZE = 20
TITLE_MAX, AUTHOR_MAX, NOTE_MAX, WHERE_MAX = 200, 120, 1000, 120
# The forms' maxlengths: the same numbers the checks use; an ISBN may be typed with hyphens and spaces.
FIELD_LIMITS = {"title": TITLE_MAX, "author": AUTHOR_MAX, "note": NOTE_MAX, "where": WHERE_MAX,
                "isbn": 20, "code": 24, "pseudonym": PSEUDONYM_MAX}
ENTRY_KINDS = ("caught", "released", "comment")
STATUSES = ("on_shelf", "travelling")
# Language codes offered on the forms and the shelf's filter; what is stored is the code.
LANGUAGES = (
    ("fr", _l("French")), ("en", _l("English")), ("de", _l("German")), ("es", _l("Spanish")),
    ("it", _l("Italian")), ("pt", _l("Portuguese")), ("nl", _l("Dutch")), ("br", _l("Breton")),
    ("oc", _l("Occitan")), ("ar", _l("Arabic")), ("other", _l("Another language")),
)
LANGUAGE_CODES = tuple(code for code, _label in LANGUAGES)
# The shelf page's views: which books and in what order.
VIEWS = ("shelf", "arrived", "travelled", "all")
# A released book left "here": you can only reach the box within its wifi, so empty means this box.
HERE_WORDS = ("", "here", "ici")
# Wrong book codes an hour (a typo or two is normal; trying codes one after the other is not).
WRONG_CODES_PER_PHONE, WRONG_CODES_PER_ADDRESS = 20, 60


# --- codes ----------------------------------------------------------------------------------------

def find_book(typed, include_hidden=False, actor=None):
    """The book a typed code names, with ``found_by_full_code`` true when the secret check part was
    typed right. Raises NotFound.

    With an ``actor`` (a request from outside), wrong guesses are limited per phone and per address:
    trying codes one after the other meets a 429 long before it finds a secret part. Only a code with a
    check part counts as a guess: a public code (CHV-0042, or a search word such as "hugo", read as
    HUG-0) that names no book guards no secret, and villagers search the shelf for authors."""
    if actor is not None:
        _check_guesses(actor)
    try:
        book, full, guessed = _lookup(typed, include_hidden)
    except NotFound:
        if actor is not None and _tries_a_check_part(typed):
            _count_wrong_guess(actor)
        raise
    if guessed and not full and actor is not None:
        _count_wrong_guess(actor)
    book.found_by_full_code = full
    return book


def _lookup(typed, include_hidden):
    """(book, full, a check part was typed) for a typed code; raises NotFound."""
    typed = (typed or "").strip()

    def visible():
        books = Book.select()
        # +hidden: the code's own index finds the book (V14), the flag is only read on the book found.
        return books if include_hidden else books.where(listing.unindexed(Book.hidden) == False)  # noqa: E712

    exact = db.shaped_first(("books.exact_code", include_hidden), lambda code: (
        visible().where(Book.code == code).limit(1)), code=typed.upper()) if typed else None
    if exact is not None:
        return exact, False, False
    books = visible()
    candidates = codes.book_code_candidates(typed)
    if candidates:
        keys = {public_key for public_key, _check in candidates}
        found = {codes.book_key(book.code): book for book in books.where(_code_key_in(keys))}
        for public_key, check in candidates:
            book = found.get(public_key)
            if book is not None and check is not None and _check_matches(book, check):
                return book, True, True
        guessed = any(check is not None and public_key in found for public_key, check in candidates)
        for public_key, _check in candidates:
            if public_key in found:
                return found[public_key], False, guessed
    raise NotFound(_l("No book with this code: check the code on the label."))


def _tries_a_check_part(typed):
    return any(check is not None for _public_key, check in codes.book_code_candidates(typed))


def _guess_keys(actor):
    keys = [(f"address:{actor.address}", WRONG_CODES_PER_ADDRESS)] if actor.address else []
    if actor.device is not None:
        keys.append((f"device:{actor.device.key_hash}", WRONG_CODES_PER_PHONE))
    return keys


def _too_many_guesses(retry_after):
    return RateLimited(retry_after=retry_after, message=_l(
        "Too many wrong book codes in a short time: please wait a little, then type the code from the label."))


def _check_guesses(actor):
    if actor.is_volunteer:
        return
    try:
        for key, limit in _guess_keys(actor):
            ratelimit.check("book_code", key, limit)
    except RateLimited as error:
        raise _too_many_guesses(error.retry_after) from None


def _count_wrong_guess(actor):
    if actor.is_volunteer:
        return
    try:
        for key, limit in _guess_keys(actor):
            ratelimit.hit("book_code", key, limit)
    except RateLimited as error:
        raise _too_many_guesses(error.retry_after) from None


def get_book(typed, actor, full_code=""):
    """The loader: the book a typed code names, or NotFound; hidden books only for volunteers. Wrong
    codes count against the actor's phone and address (429 beyond the limit).
    ``full_code``: the code sent with a move (the label's form). The book carries
    ``found_by_full_code`` when either code names it with its secret check part: only then may it move."""
    book = find_book(typed, include_hidden=actor.is_volunteer, actor=actor)
    if not book.found_by_full_code:
        book.found_by_full_code = full_code_given(book, full_code, actor)
    return book


def full_code_given(book, typed, actor=None):
    """Does ``typed`` (the code sent with a move) carry this book's secret check part? With an
    ``actor``, a wrong one counts as a guess."""
    if not (typed or "").strip():
        return False
    try:
        typed_book = find_book(typed, include_hidden=True, actor=actor)
    except NotFound:  # counted as a wrong guess; the move is then refused for want of the full code
        return False
    return typed_book.found_by_full_code and typed_book.id == book.id


def allowed_moves(book, actor):
    """The moves this actor may make on this book: caught and released when it was found by its full
    code (the label's QR), the label for whoever may see that code."""
    moves = {"comment"}
    if book.found_by_full_code:
        moves |= {"caught", "released"}
    elif holds(actor, book):
        moves.add("released")  # it caught the book with the full code: no need to type it again
    if may_see_full_code(actor, book):
        moves.add("label")
    return moves


# codes.book_key(code) in SQL, so a typed code finds a book whatever its spelling. Written out, not
# built with parameters: SQLite walks the index of this expression (migration V14) only for the same text.
CODE_KEY_SQL = ("REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(code), '-', ''), ' ', ''), "
                "'O', '0'), 'I', '1'), 'L', '1'), 'U', 'V')")


def _code_key_in(keys):
    """SQL condition: the book's code compares as one of ``keys`` (codes.book_key values)."""
    return SQL(f"{CODE_KEY_SQL} IN ({', '.join('?' for _ in keys)})", list(keys))


def _check_matches(book, check):
    return hmac.compare_digest(codes.normalize(book.check_part), codes.normalize(check))


def full_code(book):
    return codes.full_book_code(book.code, book.check_part)


def may_see_full_code(actor, book):
    """The full code (and so the label) is for whoever registered the book, and for volunteers."""
    return actor.is_volunteer or actor.owns(book)


def _next_serial(prefix):
    """The next free serial of this box's prefix. Call inside the write transaction."""
    row = database.execute_sql(
        "SELECT MAX(CAST(SUBSTR(code, ?) AS INTEGER)) FROM book WHERE code LIKE ?",
        (len(prefix) + 2, prefix + "-%"),
    ).fetchone()
    return (row[0] or 0) + 1


# --- checks of what people type -------------------------------------------------------------------

def clean_isbn(typed):
    """An ISBN-10 or -13 with its checksum right → its digits (X last for some ISBN-10), or ""."""
    text = "".join(ch for ch in str(typed or "") if ch not in " -").upper()  # JSON may send a number
    if not text:
        return ""
    if len(text) == 10 and text[:9].isdigit() and (text[9].isdigit() or text[9] == "X"):
        digits = [int(ch) for ch in text[:9]] + [10 if text[9] == "X" else int(text[9])]
        if sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0:
            return text
    elif len(text) == 13 and text.isdigit() and text[:3] in ("978", "979"):
        if sum((3 if i % 2 else 1) * int(ch) for i, ch in enumerate(text)) % 10 == 0:
            return text
    raise ValidationError(fields={"isbn": _l("This ISBN is not right: check the 10 or 13 digits (or leave it empty).")})


def _text(data, name, limit, errors, required=False, multiline=False):
    """A typed text, tidied (one line: spaces collapsed); a problem goes into ``errors``."""
    raw = str(data.get(name) or "")
    value = raw.strip() if multiline else " ".join(raw.split())
    if required and not value:
        errors[name] = _l("Please fill this in.")
    elif len(value) > limit:
        errors[name] = _l("At most %(limit)s characters, please.", limit=limit)
    return value


def _book_fields(data):
    errors = {}
    fields = {
        "title": _text(data, "title", TITLE_MAX, errors, required=True),
        "author": _text(data, "author", AUTHOR_MAX, errors),
        "note": _text(data, "note", NOTE_MAX, errors, multiline=True),
    }
    language = str(data.get("language") or "").strip().lower()
    if language and language not in LANGUAGE_CODES:
        errors["language"] = _l("Choose a language from the list.")
    fields["language"] = language
    try:
        fields["isbn"] = clean_isbn(data.get("isbn"))
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(fields=errors)
    return fields


# --- registering ----------------------------------------------------------------------------------

def register(actor, data, store_cover=None):
    """Register a book on this shelf → (book, held). ``data``: title (required), author, language,
    isbn, note, pseudonym, and ``code``: the full code of a book registered on another box, whose
    journey continues here. ``store_cover`` (called inside the transaction) returns the cover Photo."""
    fields = _book_fields(data)
    foreign = _foreign_code(data.get("code"))
    check_rate(actor, "post")
    held = held_for_review(fields["title"], fields["author"], fields["note"])
    now = clock.now()
    with writing():
        pseudonym = resolve_pseudonym(actor.device, data.get("pseudonym"))
        if foreign:
            code, check_part = foreign
            if Book.select().where(_code_key_in([codes.book_key(code)])).exists():
                raise Conflict(_l("A book with this code is already known here: find it by its code."))
        else:
            prefix = settings.get("book_prefix")
            code, check_part = codes.book_code(prefix, _next_serial(prefix)), codes.new_check_part()
        book = Book.create(
            code=code, check_part=check_part, pseudonym=pseudonym, device=actor.device, hidden=held,
            cover=store_cover() if store_cover else None, created_at=now, updated_at=now, **fields,
        )
        outbox.book_registered(book, held)
    return book, held


def _foreign_code(typed):
    """The full code of a book from another box, or None when none was typed."""
    if not (typed or "").strip():
        return None
    parsed = codes.parse_full_book_code(typed)
    if parsed is None:
        raise ValidationError(fields={"code": _l("Type the whole code from the label, e.g. LYS-0012-K7.")})
    if codes.book_key(parsed[0].split("-")[0]) == codes.book_key(settings.get("book_prefix")):
        raise ValidationError(fields={"code": _l("This code is one of this box's own: find the book by its code.")})
    return parsed


# --- the journal ----------------------------------------------------------------------------------

def is_here(where):
    """True when a place means this box's shelf."""
    place = " ".join((where or "").split()).casefold()
    return place in HERE_WORDS or place == settings.get("box_name").casefold()


def add_entry(book, actor, data):
    """Write a journal entry → (entry, held). Caught and released need the book found by its full code
    (``get_book``).

    ``caught`` makes the book ``travelling``; ``released`` puts it back ``on_shelf`` when it was left
    here: ``data["here"]`` when given (the form's radio), else ``where`` empty, "here" or the box's
    name (you can only reach the box near it), else ``travelling``. Held entries (review
    words) still move the book: the move happened, only the words wait for a volunteer.
    """
    kind = str(data.get("kind") or "").strip()
    errors = {}
    if kind not in ENTRY_KINDS:
        errors["kind"] = _l("Choose what happened: caught, released or a comment.")
    where = _text(data, "where", WHERE_MAX, errors)
    note = _text(data, "note", NOTE_MAX, errors, multiline=True)
    rating = _rating(data.get("rating"), errors)
    if errors:
        raise ValidationError(fields=errors)
    if kind in ("caught", "released") and not book.found_by_full_code:
        raise Forbidden(
            _l("To log that you caught or released this book, type the full code from its label (e.g. CHV-0042-K7)."),
            fields={"code": _l("The full code from the label, with its last part.")},
        )
    check_rate(actor, "reply")
    held = held_for_review(where, note)
    here = data.get("here")
    if here is None and data.get("place") == "elsewhere" and not where:
        here = False  # "somewhere else", place not given: not back on this shelf
    if isinstance(here, str):
        here = here.strip().lower() in ("1", "true", "yes", "on")
    here = is_here(where) if here is None else bool(here)
    if kind != "comment" and here:
        where = settings.get("box_name")
    now = clock.now()
    with writing():
        pseudonym = resolve_pseudonym(actor.device, data.get("pseudonym"))
        entry = JournalEntry.create(book=book, kind=kind, place=where, note=note, rating=rating,
                                    pseudonym=pseudonym, device=actor.device, hidden=held, created_at=now)
        if kind != "comment":
            _move(book, kind, here, now)
        outbox.journal_added(entry, book, held)
    return entry, held


# --- from the network: books and entries written on other boxes ---------------------------------

def import_book(data):
    """A book registered on another box of the network: the same checks as a registration here."""
    fields = _book_fields(data)
    parsed = codes.parse_full_book_code(f"{data.get('code', '')}-{data.get('check_part', '')}")
    if parsed is None:
        raise ValidationError(fields={"code": _l("Type the whole code from the label, e.g. LYS-0012-K7.")})
    created = _moment(data.get("created_at"))
    return Book.create(code=parsed[0], check_part=parsed[1], pseudonym=clean_pseudonym(data.get("pseudonym")),
                       device=None, hidden=bool(data.get("hidden")), status="travelling",
                       created_at=created, updated_at=created, **fields)


def import_entry(book, data):
    """A journal entry written on another box. The book is ``travelling`` here when that entry is its
    latest move (it is on another box's shelf, or in someone's bag); catches are counted in SQL."""
    kind = str(data.get("kind") or "")
    errors = {}
    where = _text(data, "place", WHERE_MAX, errors)
    note = _text(data, "note", NOTE_MAX, errors, multiline=True)
    rating = _rating(data.get("rating"), errors)
    if kind not in ENTRY_KINDS or errors:
        raise ValidationError(fields=errors or {"kind": _l("Choose what happened: caught, released or a comment.")})
    created = _moment(data.get("created_at"))
    entry = JournalEntry.create(book=book, kind=kind, place=where, note=note, rating=rating,
                                pseudonym=clean_pseudonym(data.get("pseudonym")), device=None,
                                hidden=bool(data.get("hidden")), created_at=created)
    if kind != "comment":
        latest = (JournalEntry.select(JournalEntry.id).where(JournalEntry.book == book, JournalEntry.kind != "comment")
                  .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc()).scalar())
        changes = {"catches": Book.catches + (1 if kind == "caught" else 0)}
        if latest == entry.id:
            changes.update(status="travelling", updated_at=created)
        Book.update(**changes).where(Book.id == book.id).execute()
    return entry


def _moment(text):
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise ValidationError(fields={"created_at": _l("A date and a time, please (for example 2026-11-28 14:00).")}) from None


def _move(book, kind, here, now):
    """The book after a move (inside the write transaction: counted in SQL, so no catch is lost)."""
    status = "on_shelf" if kind == "released" and here else "travelling"
    catches = Book.catches + 1 if kind == "caught" else Book.catches
    # updated_at is the last move: "just arrived" sorts on it.
    Book.update(status=status, catches=catches, updated_at=now).where(Book.id == book.id).execute()
    fresh = Book.get_by_id(book.id)
    book.status, book.catches, book.updated_at = fresh.status, fresh.catches, fresh.updated_at


def _rating(value, errors):
    if value in (None, ""):
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        errors["rating"] = _l("A rating is 1 to 5 stars.")
        return None
    return rating


# --- reading --------------------------------------------------------------------------------------

def journal(book, include_hidden=False):
    """The book's entries, oldest first, with the posting device joined (the verified badge), and
    ``shown_pseudonym``: the phone's own pseudonym, so one phone reads as one person all along."""
    def build(book):
        query = (
            JournalEntry.select(JournalEntry, Device.verified_at, Device.pseudonym.alias("device_pseudonym"))
            .join(Device, JOIN.LEFT_OUTER, on=(JournalEntry.device == Device.id))
            .where(JournalEntry.book == book)
            .order_by(JournalEntry.created_at, JournalEntry.id)
        )
        if not include_hidden:
            query = query.where(JournalEntry.hidden == False)  # noqa: E712
        return query.objects()

    entries = db.shaped(("books.journal", include_hidden), build, book=book.id)
    for entry in entries:
        entry.shown_pseudonym = entry.device_pseudonym or entry.pseudonym
    return entries


def journey(book, entries):
    """How many hands the book passed through and the places it went, from its (visible) entries."""
    hands = {("device", book.device_id) if book.device_id else ("book", book.id)}
    places = []
    for entry in entries:
        if entry.kind == "caught":
            hands.add(("device", entry.device_id) if entry.device_id else ("entry", entry.id))
        if entry.kind != "comment" and entry.place and entry.place not in places:
            places.append(entry.place)
    return {"hands": len(hands), "places": places}


def _registrant(book):
    """The registering phone's pseudonym and verification (None: no phone, or it is gone), read once
    for this book object (the page asks for both)."""
    if book.device_id is None:
        return None
    known = book.__dict__.get("_registrant")
    if known is None or known[0] != book.device_id:
        known = book._registrant = (book.device_id, db.shaped_first(("books.registrant",), lambda device: (
            Device.select(Device.pseudonym, Device.verified_at).where(Device.id == device).limit(1).namedtuples()),
            device=book.device_id))
    return known[1]


def registrant_pseudonym(book):
    """The registering phone's pseudonym now (the one its journal entries show), else the one typed."""
    device = _registrant(book)
    return device.pseudonym if device is not None and device.pseudonym else book.pseudonym


def registrant_verified(book):
    device = _registrant(book)
    return device is not None and device.verified_at is not None


# What the shelf page shows of each book (no cover there): less to read and build per row.
SHELF_FIELDS = (Book.id, Book.code, Book.title, Book.author, Book.status, Book.catches)


def search(q="", language="", view="shelf", status="", page=1, page_size=PAGE_SIZE, fields=None):
    """Visible books for the shelf page and the API → (books, next_page or None).

    ``view``: ``shelf`` (on the shelf now, by title), ``arrived`` (on the shelf, last arrived first),
    ``travelled`` (most catches first), ``all`` (newest first). ``status`` narrows further.
    ``fields``: the columns to read (SHELF_FIELDS for the shelf page), as plain rows; by default the
    whole book and its cover.
    """
    words = listing.search_words(q)
    view = view if view in ("shelf", "arrived", "travelled") else "all"
    values = {"limit": page_size + 1, "offset": (page - 1) * page_size}
    if status in STATUSES:
        values["status"] = status
    if language:
        values["language"] = language
    if words:  # a search's SQL holds its words: built each time
        rows = listing.searched(
            "book_fts", words, values, functools.partial(_search_query, fields, view, words, **values),
            ("books.first_ids", view), functools.partial(_search_query, (Book.id,), view, (), None))
    else:
        rows = db.shaped(("books.search", db.columns_key(fields or ()), view),
                         functools.partial(_search_query, fields, view, words, None), **values)
    next_page = page + 1 if len(rows) > page_size else None
    return rows[:page_size], next_page


def _search_query(fields, view, words, plan, limit, offset, status=None, language=None):
    """``plan``: ``listing.search_plan``'s for the words (READ: read the matches first, then sort)."""
    few = plan == listing.READ
    if fields:  # the shelf's cards: plain rows of what they show (models made for 20 cards cost more)
        query = Book.select(*fields).namedtuples()
    else:
        query = Book.select(Book, Photo).join(Photo, JOIN.LEFT_OUTER, on=(Book.cover == Photo.id))
    hidden, status_column = (listing.unindexed(Book.hidden), listing.unindexed(Book.status)) if few else (
        Book.hidden, Book.status)
    query = query.where(hidden == False)  # noqa: E712
    if view in ("shelf", "arrived"):
        query = query.where(status_column == "on_shelf")
    if status:
        query = query.where(Book.status == status)
    if language:
        query = query.where(Book.language == language)
    if words:
        query = query.where(listing.text_match(Book.id, "book_fts", (Book.title, Book.author), words, plan))
    order = {
        "shelf": (Book.title.collate("NOCASE"), Book.id),
        "arrived": (Book.updated_at.desc(), Book.id.desc()),
        "travelled": (Book.catches.desc(), Book.updated_at.desc()),
    }.get(view, (Book.created_at.desc(), Book.id.desc()))
    return query.order_by(*order).offset(offset).limit(limit)


def registered_today(actor):
    """Books registered since midnight (box time): every book for a volunteer, else this phone's."""
    from ..formatting import local_zone

    local_now = clock.now().replace(tzinfo=UTC).astimezone(local_zone())
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = midnight.astimezone(UTC).replace(tzinfo=None)
    query = Book.select().where(Book.created_at >= since).order_by(Book.created_at, Book.id)
    if not actor.is_volunteer:
        if actor.device is None:
            return []
        query = query.where(Book.device == actor.device)
    return list(query)


def books_for_labels(actor, typed_codes):
    """The books of the label sheet: the typed codes the actor may print, else today's books."""
    if not typed_codes:
        return registered_today(actor)
    books = []
    for typed in typed_codes[:60]:
        try:
            book = find_book(typed, include_hidden=True)
        except NotFound:
            continue
        if may_see_full_code(actor, book) and book not in books:
            books.append(book)
    return books


def latest(limit):
    """Newest visible books, for the home page's "what is new" and the kiosk: plain rows of what they
    show (code, title, created_at)."""
    return db.shaped(("books.latest",), lambda limit: (
        Book.select(Book.code, Book.title, Book.created_at).where(Book.hidden == False)  # noqa: E712
        .order_by(Book.created_at.desc()).limit(limit).namedtuples()), limit=limit)


# --- A phone's own books ("my posts") ---------------------------------------------------------------

def held_by(device):
    """The books this phone holds now: its last move on them was a catch and nobody moved them since."""
    last_move = (JournalEntry.select(JournalEntry.book, fn.MAX(JournalEntry.id).alias("last_id"))
                 .where(JournalEntry.kind.in_(("caught", "released")))
                 .group_by(JournalEntry.book))
    rows = (JournalEntry.select(JournalEntry.book)
            .join(last_move, on=(JournalEntry.id == last_move.c.last_id))
            .where(JournalEntry.device == device, JournalEntry.kind == "caught"))
    return list(Book.select().where(Book.id.in_(rows)).order_by(Book.updated_at.desc()))


def holder_id(book):
    """The device that caught the book last and has not released it yet, or None."""
    last = db.shaped_first(("books.holder_id",), lambda book: (
        JournalEntry.select(JournalEntry.kind, JournalEntry.device)
        .where(JournalEntry.book == book, JournalEntry.kind.in_(("caught", "released")))
        .order_by(JournalEntry.id.desc()).limit(1)), book=book.id)
    return last.device_id if last is not None and last.kind == "caught" else None


def holds(actor, book):
    """True when this phone caught the book last: it may release it without typing the code again."""
    holder = holder_id(book)
    return holder is not None and actor.device is not None and holder == actor.device.id


def registered_by(device):
    """The books this phone registered, newest first."""
    return list(Book.select().where(Book.device == device).order_by(Book.created_at.desc()))
