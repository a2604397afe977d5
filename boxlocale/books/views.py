"""The book-crossing shelf: shelf page, book page and its journal, registering, labels, short URLs."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import codes, photos, qr, settings
from ..devices import current_actor
from ..errors import DomainError, NotFound, RateLimited, ValidationError
from ..listing import page_number
from ..network import directory
from ..pagecache import BOOK_TABLES, ONE_BOOK_KEEPS, cached_page, personal_to
from ..posting import check_rate_before_work
from . import bp, rules

BOOK_FIELDS = ("title", "author", "language", "isbn", "note", "pseudonym", "code")
ENTRY_FIELDS = ("kind", "where", "note", "rating", "pseudonym", "code", "place")


@bp.route("/books/")
@cached_page(tables=BOOK_TABLES)
def index():
    view = request.args.get("view", "shelf")
    view = view if view in rules.VIEWS else "shelf"
    q = request.args.get("q", "").strip()
    language = request.args.get("language", "")
    language = language if language in rules.LANGUAGE_CODES else ""
    page = page_number(request.args.get("page"))
    if q and codes.book_code_candidates(q):
        # One search box: a typed code opens its book (the full code, the catch form), words search.
        try:
            book = rules.get_book(q, current_actor())
        except NotFound:
            pass
        else:
            return redirect(url_for("books.short", code=rules.full_code(book)) if book.found_by_full_code
                            else url_for("books.book", code=book.code))
    books, next_page = rules.search(q=q, language=language, view=view, page=page, fields=rules.SHELF_FIELDS)
    return render_template(
        "books/index.html", books=books, next_page=next_page, page=page, view=view, q=q,
        language=language, languages=rules.LANGUAGES,
    )


@bp.route("/books/find")
def find():
    """The "find a book by its code" box: the full code opens the catch form, the public one the page."""
    typed = request.args.get("code", "")
    try:
        book = rules.get_book(typed, current_actor())
    except NotFound as error:
        return render_template("books/find.html", typed=typed, error=error.message), 404
    if not book.found_by_full_code and request.args.get("want") == "move":
        error = _("Type the whole code from the label, with its last part (e.g. %(example)s).",
                  example=f"{book.code}-K7QM")
        return render_template("books/find.html", typed=typed, error=error), 403
    if book.found_by_full_code:
        return redirect(url_for("books.short", code=rules.full_code(book)))
    return redirect(url_for("books.book", code=book.code))


@bp.route("/b/<code>")
@cached_page(tables=BOOK_TABLES, new_rows_kept=ONE_BOOK_KEEPS)
def short(code):
    """The label's QR code: the book page with the catch form ready (one tap, nothing required)."""
    book = rules.get_book(code, current_actor())
    if not book.found_by_full_code:
        return redirect(url_for("books.book", code=book.code))
    return _book_page(book)


@bp.route("/books/<code>")
@cached_page(tables=BOOK_TABLES, new_rows_kept=ONE_BOOK_KEEPS)
def book(code):
    book = rules.get_book(code, current_actor())
    if book.found_by_full_code:
        return redirect(url_for("books.short", code=rules.full_code(book)))
    if code != book.code:
        return redirect(url_for("books.book", code=book.code))
    return _book_page(book)


@bp.route("/books/<code>/journal", methods=["POST"])
def add_entry(code):
    """A journal entry from the book page (comment) or from the label's page (caught, released)."""
    data = {name: request.form.get(name, "") for name in ENTRY_FIELDS}
    actor = current_actor(create_device_if_missing=True)
    book = rules.get_book(code, actor, full_code=data["code"])
    try:
        entry, held = rules.add_entry(book, actor, data)
    except (ValidationError, RateLimited) as error:
        if not error.fields:
            flash(error.message, "error")
        page = _book_page(book, errors=error.fields, values=data, status=error.status)
        return _with_retry_after(page, error)
    if held:
        flash(_("Thank you! Your words will appear once a volunteer has had a look."))
    else:
        flash({"caught": _("Thank you! The book's journey goes on with you."),
               "released": _("Thank you! Good journey to the book."),
               "comment": _("Thank you for your words!")}[entry.kind])
    return redirect(url_for("books.book", code=book.code) + f"#entry-{entry.id}", 303)


@bp.route("/books/new", methods=["GET", "POST"])
def new():
    """Register a book. "Register and add another" keeps the form open for a volunteer stocking the shelf."""
    actor = current_actor()
    values = {"language": request.args.get("language", "fr"),
              "pseudonym": actor.device.pseudonym if actor.device and actor.device.pseudonym else ""}
    errors = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in BOOK_FIELDS}
        try:
            actor = current_actor(create_device_if_missing=True)
            book, held = _register(actor, values)
        except DomainError as error:
            if not error.fields:
                flash(error.message, "error")
            return _with_retry_after(_new_page(actor, values, error.fields, status=error.status), error)
        if held:
            flash(_("Thank you! The book will appear on the shelf once a volunteer has had a look."))
        if request.form.get("then") == "another":
            return redirect(url_for("books.new", added=book.code, language=book.language), 303)
        return redirect(url_for("books.label", code=book.code, registered=1), 303)
    return _new_page(actor, values, errors)


def _with_retry_after(page, error):
    if isinstance(error, RateLimited):
        return *page, {"Retry-After": str(error.retry_after)}
    return page


def _register(actor, values):
    check_rate_before_work(actor)  # before any decoding
    processed = photos.process_uploads(request.files.getlist("photo"), max_count=1)

    def store_cover():
        return photos.store(processed)[0] if processed else None

    return rules.register(actor, values, store_cover=store_cover)


def _new_page(actor, values, errors, status=200):
    added = None
    if request.args.get("added"):
        try:
            added = rules.find_book(request.args["added"], include_hidden=True)
        except NotFound:
            added = None
        if added is not None and not rules.may_see_full_code(actor, added):
            added = None
    today = rules.registered_today(actor)
    return render_template(
        "books/new.html", values=values, errors=errors, languages=rules.LANGUAGES, added=added,
        today=today, full_code=rules.full_code, posts_per_hour=settings.get("posts_per_hour"),
        limits=rules.FIELD_LIMITS,
    ), status


@bp.route("/books/<code>/label")
def label(code):
    """One label: for whoever registered the book, and volunteers (it carries the full code)."""
    actor = current_actor()
    book = rules.find_book(code, include_hidden=True, actor=actor)  # its owner may print it while it waits for review
    if not rules.may_see_full_code(actor, book):
        abort(403)
    return render_template("books/label.html", book=book, label=_label(book),
                           registered=request.args.get("registered"))


@bp.route("/books/labels")
def labels():
    """An A4 sheet of labels: the codes asked for (that this phone may print), else today's books."""
    actor = current_actor()
    typed = request.args.get("codes", "")
    books = rules.books_for_labels(actor, typed.replace(",", " ").split())
    return render_template("books/labels.html", labels=[_label(book) for book in books], typed=typed)


def _label(book):
    full_code = rules.full_code(book)
    payload = f"http://{settings.get('host_name')}/b/{full_code}"
    return {"book": book, "full_code": full_code, "url": payload,
            "qr": qr.svg(payload, label=full_code, css_class="book-label-qr")}


def _book_page(book, errors=None, values=None, status=200):
    """The book page; found by its full code, it carries the catch form with that code."""
    entries = rules.journal(book)
    actor = current_actor()
    # The registrant sees the label, the holder its full code: neither is served the shared page.
    personal_to(book.device_id, rules.holder_id(book))
    moves = rules.allowed_moves(book, actor)
    # Found by its full code, or held by this phone (it caught the book): the form carries the code.
    shows_code = book.found_by_full_code or "released" in moves
    return render_template(
        "books/book.html", book=book, entries=entries, journey=rules.journey(book, entries),
        villages=directory.book_villages(book, entries),
        full_code=rules.full_code(book) if shows_code else "", errors=errors or {},
        values=values or {}, languages=dict(rules.LANGUAGES),
        verified=rules.registrant_verified(book), moves=moves,
        limits=rules.FIELD_LIMITS, registrant=rules.registrant_pseudonym(book),
    ), status
